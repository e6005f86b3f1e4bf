-- Every statistics query over messages asks for questions (`decision IS NOT NULL`),
-- which `questions_by_site_time` covers; this index only cost every message insert.
DROP INDEX IF EXISTS messages_by_site_time;
