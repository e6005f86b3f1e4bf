-- Email (issue 20). A conversation handed off while `[email]` is configured gets a mail
-- thread: the unguessable token its Reply-To address carries (`reply+<token>@domain`) and
-- the customer's address. Its mails are recorded by Message-ID before they are handed to
-- the SMTP server, so a crash between sending and recording never sends one twice.
CREATE TABLE email_threads (
    conversation_id TEXT PRIMARY KEY,
    reply_token     TEXT NOT NULL UNIQUE,
    email           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    -- When the customer's live stream last read the conversation (while one is open, at
    -- least every 30 s): an agent's reply is mailed only to a customer not watching.
    watched_at      BIGINT
);

-- status: `sending` (handed to the server, outcome not yet recorded), `sent`, `failed`
-- (refused with a temporary error: retried), `bounced` (refused permanently).
CREATE TABLE emails (
    message_id      TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    escalation_id   TEXT NOT NULL,
    kind            TEXT NOT NULL,
    status          TEXT NOT NULL,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX emails_by_conversation ON emails (conversation_id, created_at);

-- Replies received by mail (`POST /api/v1/inbound/email`), by their Message-ID (or a
-- digest of the raw mail when it has none): the same mail delivered twice is stored once.
CREATE TABLE inbound_emails (
    message_id      TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- Satisfaction after a resolution (CSAT): one rating per escalation, 1 to 5, with an
-- optional comment; a later rating of the same escalation replaces it.
CREATE TABLE csat_ratings (
    escalation_id   TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    rating          BIGINT NOT NULL,
    comment         TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
