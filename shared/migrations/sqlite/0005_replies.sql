-- What the assistant replied, stored once per distinct text: the same article answers
-- thousands of questions. A question's row points at its reply by the text's hash
-- (SHA-256, first 16 bytes in hex), so recording a question writes a short key instead
-- of a second row with the whole answer. Transcripts show the reply as the next line.
-- Assistant rows written before this migration stay as they are.
CREATE TABLE replies (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
) WITHOUT ROWID;
ALTER TABLE messages ADD COLUMN reply_hash TEXT;
