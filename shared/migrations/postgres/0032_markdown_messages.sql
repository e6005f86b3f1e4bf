-- Saved replies reach the customer rendered (issue 21). A saved reply is Markdown; the
-- agent's message that sends it is marked here, and the widget, the conversation API and
-- the reply mail render its body (sanitized HTML, or plain text) when they read it. Every
-- other message, and every message stored before this release, is plain text (0).
ALTER TABLE messages ADD COLUMN markdown BIGINT NOT NULL DEFAULT 0;
