-- Reports that stay fast (issue 22): the newest unanswered questions of a period (handed
-- off for low confidence or as out of scope, or only offered weak suggestions;
-- `store::stats::unanswered_questions`) found from one small index of what the query
-- filters on, instead of walking every question of the last days. Only handoff and
-- suggest decisions are in it (about one question in seven). The text stays out of the
-- index: a B-tree entry is limited to about 2.7 kB, and a question may be longer.
CREATE INDEX unanswered_by_site_time ON messages (site_id, created_at)
    INCLUDE (decision, reason, confidence) WHERE decision IN ('handoff', 'suggest');
