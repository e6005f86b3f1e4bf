-- Saved (canned) replies (issue 21): Markdown + handlebars answers an agent sends with one
-- pick, rendered with the customer's context like an intent's answer. site_id NULL means
-- every site. name_key is the name folded to lower case: one name per scope, and the key
-- `/frontline reply NAME` or a search looks a reply up by.
CREATE TABLE saved_replies (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL,
    site_id         TEXT,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE UNIQUE INDEX saved_replies_by_name ON saved_replies (name_key, COALESCE(site_id, ''));

-- Per-agent figures read the audit log's claims and resolves by period.
CREATE INDEX audit_log_by_action_at ON audit_log (action, at);
