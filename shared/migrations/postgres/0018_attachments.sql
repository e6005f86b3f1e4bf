-- Attachments (issue 24): files a customer sent with a message, kept in the store itself
-- so the one-binary set-up stays one binary. The content is stored as sent after image
-- metadata (EXIF, XMP, GPS) was removed; it is served only through signed URLs.
CREATE TABLE attachments (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    message_id BIGINT NOT NULL,
    -- Its place among the message's files (0, 1, …), as the customer sent them.
    position BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_by_conversation ON attachments (conversation_id, message_id, position);
CREATE INDEX attachments_by_time ON attachments (created_at);
