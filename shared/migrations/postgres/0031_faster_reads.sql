-- Reports that stay fast (issue 22): the newest unanswered questions of a period (handed
-- off for low confidence or as out of scope, or only offered suggestions under 0.5;
-- `store::stats::unanswered_questions`) found from one small partial index of exactly
-- those questions, read newest first, instead of walking every question of the last
-- days. The condition is the query's, word for word: PostgreSQL matches a partial index's
-- condition by its terms, and with a looser index it misjudged how many rows the
-- condition keeps and sorted a whole 90-day period (0.3 s) instead of reading the newest
-- 5,000 in order. The text stays out of the index: a B-tree entry is limited to about
-- 2.7 kB, and a question may be longer.
CREATE INDEX unanswered_by_site_time ON messages (site_id, created_at)
    WHERE body <> '' AND ((decision = 'handoff' AND reason IN ('low_confidence', 'out_of_scope')) OR (decision = 'suggest' AND confidence < 0.5));
