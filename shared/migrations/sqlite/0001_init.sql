-- Frontline's store, SQLite dialect. Times are Unix milliseconds (BIGINT), JSON is TEXT.

CREATE TABLE installation (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    site_id    TEXT NOT NULL,
    page_url   TEXT,
    locale     TEXT,
    customer   TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL
);
CREATE INDEX conversations_by_site_time ON conversations (site_id, created_at);

-- The transcript. Customer questions carry the matcher's decision.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    author          TEXT NOT NULL,
    author_name     TEXT,
    body            TEXT NOT NULL,
    decision        TEXT,
    confidence      DOUBLE PRECISION,
    label           TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);
CREATE INDEX messages_by_site_time ON messages (site_id, created_at);

CREATE TABLE feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    helpful         BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX feedback_by_site_time ON feedback (site_id, created_at);

CREATE TABLE escalations (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    status          TEXT NOT NULL,
    priority        TEXT NOT NULL,
    tags            TEXT NOT NULL,
    intent          TEXT,
    email           TEXT NOT NULL,
    name            TEXT,
    message         TEXT,
    outside_hours   BIGINT NOT NULL,
    context         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    claimed_at      BIGINT,
    claimed_by      TEXT,
    resolved_at     BIGINT,
    resolved_by     TEXT,
    released_at     BIGINT,
    realerts        BIGINT NOT NULL DEFAULT 0,
    last_alert_at   BIGINT
);
CREATE INDEX escalations_by_conversation ON escalations (conversation_id, created_at);
CREATE INDEX escalations_by_status ON escalations (status, created_at);
CREATE INDEX escalations_by_site_time ON escalations (site_id, created_at);

-- Work for the bot, written in the same transaction as the change it announces.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    escalation_id TEXT NOT NULL,
    kind          TEXT NOT NULL,
    payload       TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    available_at  BIGINT NOT NULL,
    attempts      BIGINT NOT NULL DEFAULT 0,
    leased_until  BIGINT,
    leased_by     TEXT,
    delivered_at  BIGINT,
    last_error    TEXT
);
CREATE INDEX outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_by_escalation ON outbox (escalation_id, id);

-- What the customer's widget streams: status changes and agent replies.
CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX conversation_events_by_conversation ON conversation_events (conversation_id, id);

-- Chat messages the bot posted for an escalation (Slack ts / Discord message id).
CREATE TABLE chat_messages (
    escalation_id TEXT NOT NULL,
    platform      TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    channel       TEXT NOT NULL,
    message_ref   TEXT NOT NULL,
    thread_ref    TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (escalation_id, platform, purpose)
);
CREATE INDEX chat_messages_by_thread ON chat_messages (platform, channel, thread_ref);

-- Callback ids already applied (Slack event ids, interaction ids): retries apply once.
CREATE TABLE processed_callbacks (
    key        TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);
