-- Agents as people (issue 21): accounts with a role and a password, invitations, sessions
-- tied to an account, and an append-only audit log.

-- One row per person who signs in to /admin. email is stored lower-case (unique);
-- password_hash is an argon2id PHC string, NULL until the invitation is accepted.
CREATE TABLE agents (
    id              TEXT PRIMARY KEY,
    email           TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL,
    password_hash   TEXT,
    disabled        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Invitation and password-reset links: only the SHA-256 (hex) of the random token is kept.
CREATE TABLE agent_invitations (
    token_hash      TEXT PRIMARY KEY,
    agent_id        TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT
);
CREATE INDEX agent_invitations_by_agent ON agent_invitations (agent_id);

-- Sessions made by a local sign-in name their account and role; sessions made with the
-- admin token (and those of the previous release) keep agent_id NULL and are admins.
ALTER TABLE admin_sessions ADD COLUMN agent_id TEXT;
ALTER TABLE admin_sessions ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
CREATE INDEX admin_sessions_by_agent ON admin_sessions (agent_id);

-- Who did what, from where. Rows are only ever inserted: the triggers below refuse any
-- UPDATE or DELETE, and no code path issues one. actor is the display name (or the chat
-- or typed name of an unlinked actor), actor_id the account when there is one; origin is
-- the client IP (web, API) or the chat user id (Slack, Discord).
CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              BIGINT NOT NULL,
    actor           TEXT NOT NULL,
    actor_id        TEXT,
    source          TEXT NOT NULL,
    origin          TEXT,
    action          TEXT NOT NULL,
    object_id       TEXT
);
CREATE INDEX audit_log_by_at ON audit_log (at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
