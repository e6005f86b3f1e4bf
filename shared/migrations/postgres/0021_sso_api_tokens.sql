-- Single sign-on and personal API tokens (issue 21).

-- A single sign-on that has started and not yet come back: the state sent to the
-- provider (only its SHA-256, hex), the nonce the ID token must carry and the PKCE
-- verifier the code is exchanged with. The callback deletes the row as it reads it, so
-- each state works once; rows older than expires_at are refused and pruned.
CREATE TABLE sso_logins (
    state_hash      TEXT PRIMARY KEY,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);

-- Personal API tokens: only the SHA-256 (hex) of the token is kept; the token itself is
-- shown once. A revoked token keeps its row (revoked_at) so the list shows it.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY,
    agent_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      BIGINT NOT NULL,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE INDEX api_tokens_by_agent ON api_tokens (agent_id);
