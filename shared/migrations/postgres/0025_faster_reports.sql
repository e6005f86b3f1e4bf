-- Reports that stay fast (issue 22). Intent rollups per site and UTC day: a 400-day report
-- read 230,000 rows of `intent_rollups` (one per 15-minute bucket and intent) to rank
-- intents; whole UTC days of a period are now read from this table (one row per day and
-- intent), the partial days at its ends from `intent_rollups`, partial buckets raw.
-- `day` is `created_at / 86400000`. Like `intent_rollups`, the batch recorder adds to it
-- in the transaction that writes the questions (an adding upsert, so concurrent writers
-- never double-count); a deleted question is taken off by the trigger function below
-- (replacing 0017's, which did the same without this table); and this migration fills
-- it from the questions an earlier release stored (once: migrations run under the
-- migrator's lock).

CREATE TABLE intent_rollups_daily (
    site_id TEXT NOT NULL,
    day     BIGINT NOT NULL,
    label   TEXT NOT NULL,
    n       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, day, label)
);

CREATE OR REPLACE FUNCTION rollup_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.decision IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM rollup_add(OLD.site_id, OLD.created_at / 900000, 0, 0, 0, -1, 0, 0, 0);
    IF OLD.label LIKE 'intent:%' AND OLD.confidence >= 0.5 THEN
        UPDATE intent_rollups SET n = n - 1
        WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000 AND label = OLD.label;
        UPDATE intent_rollups_daily SET n = n - 1
        WHERE site_id = OLD.site_id AND day = OLD.created_at / 86400000 AND label = OLD.label;
    END IF;
    RETURN NULL;
END;
$$;

INSERT INTO intent_rollups_daily (site_id, day, label, n)
SELECT site_id, created_at / 86400000, label, COUNT(*) FROM messages
WHERE decision IS NOT NULL AND label LIKE 'intent:%' AND confidence >= 0.5
GROUP BY site_id, created_at / 86400000, label;

-- What a report reads of a period's escalations (time to claim and resolve, SLA breaches:
-- `store::timings`), all in one index, so the database ranks 100,000 escalations of a
-- 400-day period without visiting the table's wide rows.
CREATE INDEX escalations_timings ON escalations (site_id, created_at, priority, claimed_at, resolved_at);
