-- Assignment, away and chat identities (issue 21).

-- The account that owns a claimed escalation (claimed_by keeps the name shown). NULL for
-- claims made by unlinked actors and for every claim made before this release.
ALTER TABLE escalations ADD COLUMN claimed_by_agent_id TEXT;

-- An agent who set themselves away: the SLA re-alert tells admins about what they own.
ALTER TABLE agents ADD COLUMN away BIGINT NOT NULL DEFAULT 0;

-- Chat users linked to accounts with a one-time code (Discord: /frontline link CODE).
-- Slack users are mapped by the e-mail users.info gives, not stored here.
CREATE TABLE chat_identities (
    platform        TEXT NOT NULL,
    chat_user_id    TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    linked_at       BIGINT NOT NULL,
    PRIMARY KEY (platform, chat_user_id)
);
CREATE INDEX chat_identities_by_agent ON chat_identities (agent_id);

-- One-time codes an agent's dashboard shows for /frontline link: only the SHA-256 is kept.
CREATE TABLE chat_link_codes (
    code_hash       TEXT PRIMARY KEY,
    agent_id        TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
