-- The assistant's reply is stored on the row of the question it answers, not as a row of
-- its own: one row and one index entry per question instead of two. Transcripts show it
-- as the next line. Assistant rows written before this migration stay as they are.
ALTER TABLE messages ADD COLUMN reply TEXT;
