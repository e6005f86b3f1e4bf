-- Incremental rollups for reports, the digest and the forecast (issue 22): per site and
-- 15-minute bucket (`created_at / 900000`; every time zone offset in use is a multiple of
-- 15 minutes, so buckets add up exactly into local hours and days), the counts the
-- reports used to compute by scanning raw rows. Triggers keep them in the same
-- transaction as the raw write (an upsert that adds, so concurrent writers never
-- double-count); questions, written only by the batch recorder, are added by it once per
-- bucket and batch in its transaction (a trigger per question cost ~5 us each), and this
-- migration fills them from the raw rows a previous release left (once: migrations run
-- under the migrator's lock).

CREATE TABLE stats_rollups (
    site_id       TEXT NOT NULL,
    bucket        BIGINT NOT NULL,
    -- Conversations started, of which answered at least once, of which never handed off.
    conversations BIGINT NOT NULL DEFAULT 0,
    answered      BIGINT NOT NULL DEFAULT 0,
    deflected     BIGINT NOT NULL DEFAULT 0,
    -- Customer questions (messages with a decision).
    questions     BIGINT NOT NULL DEFAULT 0,
    -- Escalations created.
    handoffs      BIGINT NOT NULL DEFAULT 0,
    helpful       BIGINT NOT NULL DEFAULT 0,
    unhelpful     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, bucket)
);

-- Questions whose confident best match (confidence >= 0.5) was an intent, per intent.
CREATE TABLE intent_rollups (
    site_id TEXT NOT NULL,
    bucket  BIGINT NOT NULL,
    label   TEXT NOT NULL,
    n       BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, bucket, label)
);

CREATE TRIGGER rollup_conversation_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO stats_rollups (site_id, bucket, conversations, answered, deflected)
    VALUES (NEW.site_id, NEW.created_at / 900000, 1, NEW.answers > 0,
            NEW.answers > 0 AND NEW.escalated = 0)
    ON CONFLICT (site_id, bucket) DO UPDATE SET
        conversations = conversations + excluded.conversations,
        answered = answered + excluded.answered,
        deflected = deflected + excluded.deflected;
END;

CREATE TRIGGER rollup_conversation_update AFTER UPDATE OF answers, escalated ON conversations
WHEN (OLD.answers > 0) <> (NEW.answers > 0)
  OR (OLD.answers > 0 AND OLD.escalated = 0) <> (NEW.answers > 0 AND NEW.escalated = 0)
BEGIN
    INSERT INTO stats_rollups (site_id, bucket, answered, deflected)
    VALUES (NEW.site_id, NEW.created_at / 900000,
            (NEW.answers > 0) - (OLD.answers > 0),
            (NEW.answers > 0 AND NEW.escalated = 0) - (OLD.answers > 0 AND OLD.escalated = 0))
    ON CONFLICT (site_id, bucket) DO UPDATE SET
        answered = answered + excluded.answered,
        deflected = deflected + excluded.deflected;
END;

CREATE TRIGGER rollup_conversation_delete AFTER DELETE ON conversations BEGIN
    UPDATE stats_rollups SET conversations = conversations - 1,
        answered = answered - (OLD.answers > 0),
        deflected = deflected - (OLD.answers > 0 AND OLD.escalated = 0)
    WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000;
END;

CREATE TRIGGER rollup_question_delete AFTER DELETE ON messages WHEN OLD.decision IS NOT NULL BEGIN
    UPDATE stats_rollups SET questions = questions - 1
    WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000;
END;

CREATE TRIGGER rollup_intent_delete AFTER DELETE ON messages
WHEN OLD.decision IS NOT NULL AND OLD.label LIKE 'intent:%' AND OLD.confidence >= 0.5 BEGIN
    UPDATE intent_rollups SET n = n - 1
    WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000 AND label = OLD.label;
END;

CREATE TRIGGER rollup_escalation_insert AFTER INSERT ON escalations BEGIN
    INSERT INTO stats_rollups (site_id, bucket, handoffs)
    VALUES (NEW.site_id, NEW.created_at / 900000, 1)
    ON CONFLICT (site_id, bucket) DO UPDATE SET handoffs = handoffs + 1;
END;

CREATE TRIGGER rollup_escalation_delete AFTER DELETE ON escalations BEGIN
    UPDATE stats_rollups SET handoffs = handoffs - 1
    WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000;
END;

CREATE TRIGGER rollup_feedback_insert AFTER INSERT ON feedback BEGIN
    INSERT INTO stats_rollups (site_id, bucket, helpful, unhelpful)
    VALUES (NEW.site_id, NEW.created_at / 900000, NEW.helpful = 1, NEW.helpful = 0)
    ON CONFLICT (site_id, bucket) DO UPDATE SET
        helpful = helpful + excluded.helpful,
        unhelpful = unhelpful + excluded.unhelpful;
END;

CREATE TRIGGER rollup_feedback_delete AFTER DELETE ON feedback BEGIN
    UPDATE stats_rollups SET helpful = helpful - (OLD.helpful = 1),
        unhelpful = unhelpful - (OLD.helpful = 0)
    WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000;
END;

-- The rollups of the rows already stored (a store made by a previous release).
INSERT INTO stats_rollups (site_id, bucket, conversations, answered, deflected, questions,
                           handoffs, helpful, unhelpful)
SELECT site_id, bucket, SUM(c), SUM(a), SUM(d), SUM(q), SUM(h), SUM(hp), SUM(uh) FROM (
    SELECT site_id, created_at / 900000 AS bucket, 1 AS c,
           CASE WHEN answers > 0 THEN 1 ELSE 0 END AS a,
           CASE WHEN answers > 0 AND escalated = 0 THEN 1 ELSE 0 END AS d,
           0 AS q, 0 AS h, 0 AS hp, 0 AS uh FROM conversations
    UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 1, 0, 0, 0
        FROM messages WHERE decision IS NOT NULL
    UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 0, 1, 0, 0 FROM escalations
    UNION ALL SELECT site_id, created_at / 900000, 0, 0, 0, 0, 0,
           CASE WHEN helpful = 1 THEN 1 ELSE 0 END, CASE WHEN helpful = 0 THEN 1 ELSE 0 END
        FROM feedback
) raw GROUP BY site_id, bucket;

INSERT INTO intent_rollups (site_id, bucket, label, n)
SELECT site_id, created_at / 900000, label, COUNT(*) FROM messages
WHERE decision IS NOT NULL AND label LIKE 'intent:%' AND confidence >= 0.5
GROUP BY site_id, created_at / 900000, label;
