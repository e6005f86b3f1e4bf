-- Attachments in an S3-compatible object store (issue 24, `[attachments] store = "s3://…"`):
-- the key of the file's object (`prefix/<attachment id>`). NULL: the bytes are in `content`,
-- as every row written before this migration or without an object store. With a key,
-- `content` is empty (the column stays NOT NULL so earlier releases' rows need no rewrite).
ALTER TABLE attachments ADD COLUMN object_key TEXT;
