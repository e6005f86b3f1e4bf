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

-- Adds counts to a site's bucket (creating it): one upsert, atomic under concurrency.
CREATE FUNCTION rollup_add(p_site TEXT, p_bucket BIGINT, p_conversations BIGINT,
                           p_answered BIGINT, p_deflected BIGINT, p_questions BIGINT,
                           p_handoffs BIGINT, p_helpful BIGINT, p_unhelpful BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_rollups AS r (site_id, bucket, conversations, answered, deflected,
                                    questions, handoffs, helpful, unhelpful)
    VALUES (p_site, p_bucket, p_conversations, p_answered, p_deflected, p_questions,
            p_handoffs, p_helpful, p_unhelpful)
    ON CONFLICT (site_id, bucket) DO UPDATE SET
        conversations = r.conversations + excluded.conversations,
        answered = r.answered + excluded.answered,
        deflected = r.deflected + excluded.deflected,
        questions = r.questions + excluded.questions,
        handoffs = r.handoffs + excluded.handoffs,
        helpful = r.helpful + excluded.helpful,
        unhelpful = r.unhelpful + excluded.unhelpful;
$$;

CREATE FUNCTION rollup_conversations() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c BIGINT := 0;
    a BIGINT := 0;
    d BIGINT := 0;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        c := c + 1;
        a := a + (NEW.answers > 0)::int;
        d := d + (NEW.answers > 0 AND NEW.escalated = 0)::int;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        c := c - 1;
        a := a - (OLD.answers > 0)::int;
        d := d - (OLD.answers > 0 AND OLD.escalated = 0)::int;
    END IF;
    IF c <> 0 OR a <> 0 OR d <> 0 THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM rollup_add(OLD.site_id, OLD.created_at / 900000, c, a, d, 0, 0, 0, 0);
        ELSE
            PERFORM rollup_add(NEW.site_id, NEW.created_at / 900000, c, a, d, 0, 0, 0, 0);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rollup_conversations AFTER INSERT OR UPDATE OF answers, escalated OR DELETE
    ON conversations FOR EACH ROW EXECUTE FUNCTION rollup_conversations();

-- Questions are added by the batch recorder (once per bucket and batch); a deleted one
-- is taken off here.
CREATE FUNCTION rollup_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.decision IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM rollup_add(OLD.site_id, OLD.created_at / 900000, 0, 0, 0, -1, 0, 0, 0);
    IF OLD.label LIKE 'intent:%' AND OLD.confidence >= 0.5 THEN
        UPDATE intent_rollups SET n = n - 1
        WHERE site_id = OLD.site_id AND bucket = OLD.created_at / 900000 AND label = OLD.label;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rollup_messages AFTER DELETE ON messages
    FOR EACH ROW EXECUTE FUNCTION rollup_messages();

CREATE FUNCTION rollup_escalations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM rollup_add(OLD.site_id, OLD.created_at / 900000, 0, 0, 0, 0, -1, 0, 0);
    ELSE
        PERFORM rollup_add(NEW.site_id, NEW.created_at / 900000, 0, 0, 0, 0, 1, 0, 0);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rollup_escalations AFTER INSERT OR DELETE ON escalations
    FOR EACH ROW EXECUTE FUNCTION rollup_escalations();

CREATE FUNCTION rollup_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM rollup_add(OLD.site_id, OLD.created_at / 900000, 0, 0, 0, 0, 0,
                           -(OLD.helpful = 1)::int, -(OLD.helpful = 0)::int);
    ELSE
        PERFORM rollup_add(NEW.site_id, NEW.created_at / 900000, 0, 0, 0, 0, 0,
                           (NEW.helpful = 1)::int, (NEW.helpful = 0)::int);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER rollup_feedback AFTER INSERT OR DELETE ON feedback
    FOR EACH ROW EXECUTE FUNCTION rollup_feedback();

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
