-- One Discord gateway session across bot replicas (issue 25).
-- `leases`: a named role one process holds at a time (`discord-gateway`): the holder's
-- id and when the lease lapses unless renewed (Unix ms). Taken and renewed with one
-- conditional upsert, so two replicas never both hold it.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
-- `chat_cursors`: the newest message seen in a channel (or thread) the gateway reads,
-- so whichever replica connects next fetches what came after it from the history.
-- Message ids are Discord snowflakes (they grow with time and fit a BIGINT).
CREATE TABLE chat_cursors (
    platform        TEXT NOT NULL,
    channel         TEXT NOT NULL,
    last_message_id BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (platform, channel)
);
