-- Reports that stay fast (issue 22). The newest unanswered questions of a period (handed
-- off for low confidence or as out of scope, or only offered suggestions under 0.5;
-- `store::stats::unanswered_questions`) read from one small partial index of exactly
-- those questions that holds what the query reads, so a report reads 5,000 index
-- entries instead of visiting every question of the last days in the wide `messages`
-- table. The condition is the query's, word for word (SQLite and PostgreSQL match a
-- partial index's condition by its terms; PostgreSQL misjudged how many rows the
-- condition keeps and sorted a whole 90-day period without it).
CREATE INDEX unanswered_by_site_time ON messages (site_id, created_at, decision, reason, confidence, body)
    WHERE body <> '' AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) OR (decision = 'suggest' AND confidence < 0.5));

-- `stats_rollups` kept in key order (`WITHOUT ROWID`): a long period's counts and daily
-- series read one range of the table instead of looking up each of its 38,000 rows (400
-- days) by rowid, rows that were written in arrival order, not bucket order (2-3 times
-- faster in the stats bench's database). SQLite cannot change this in place: the table is
-- copied, and renamed with `legacy_alter_table` on so that the triggers that add to it
-- (by name) are neither checked against the dropped table nor rewritten.
PRAGMA legacy_alter_table = ON;
CREATE TABLE stats_rollups_by_key (
    site_id       TEXT NOT NULL,
    bucket        BIGINT NOT NULL,
    conversations BIGINT NOT NULL DEFAULT 0,
    answered      BIGINT NOT NULL DEFAULT 0,
    deflected     BIGINT NOT NULL DEFAULT 0,
    questions     BIGINT NOT NULL DEFAULT 0,
    handoffs      BIGINT NOT NULL DEFAULT 0,
    helpful       BIGINT NOT NULL DEFAULT 0,
    unhelpful     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, bucket)
) WITHOUT ROWID;
INSERT INTO stats_rollups_by_key (site_id, bucket, conversations, answered, deflected, questions,
                                  handoffs, helpful, unhelpful)
SELECT site_id, bucket, conversations, answered, deflected, questions, handoffs, helpful, unhelpful
FROM stats_rollups;
DROP TABLE stats_rollups;
ALTER TABLE stats_rollups_by_key RENAME TO stats_rollups;
PRAGMA legacy_alter_table = OFF;
