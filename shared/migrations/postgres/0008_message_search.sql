-- Full-text search over every message (the dashboard's conversation list): a GIN index on
-- the `simple` configuration (no stemming, no stop words) over the body with punctuation
-- turned into spaces, so words split as in SQLite's FTS5 index (`NW-555` is `nw` and
-- `555`, not the signed number `-555`). The query in `store/search.rs` repeats
-- this expression exactly, so the index applies.
CREATE INDEX messages_body_search ON messages
    USING GIN (to_tsvector('simple', regexp_replace(body, '[[:punct:][:space:]]+', ' ', 'g')));
