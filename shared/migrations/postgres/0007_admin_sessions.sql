-- Dashboard sign-ins: one row per session, keyed by the SHA-256 (hex) of the random
-- session id the browser holds, so a copy of this table opens nothing. Kept in the store
-- so that every replica accepts a session another replica created. Sign-out deletes the
-- row; a session idle longer than the server's timeout is refused and pruned.
CREATE TABLE admin_sessions (
    id_hash TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_by_last_seen ON admin_sessions (last_seen_at);
