-- Reports that stay fast (issue 22): the unanswered questions of each closed UTC day,
-- clustered once (`stats::day_clusters`), so a long period's "top unanswered" sums a few
-- stored clusters per day instead of re-clustering only the newest 5,000 questions.
--
-- No customer text here: a cluster names its example question and up to three other
-- phrasings by message id, and a report reads their text from `messages` by primary key.
-- Erasure and retention blank `messages.body`, so a report never shows erased text
-- without any new hook; a deleted message takes its cluster with it (`ON DELETE
-- CASCADE`), or clears the phrasing's id (`SET NULL`). Only the 200 largest clusters of a
-- day are stored (`stats::day_clusters::KEPT`), which bounds what a 400-day report reads.
--
-- `unanswered_days` marks a (site, day) as clustered; it is inserted in the same
-- transaction as the day's clusters with an insert that conflicts when another replica
-- did the day first, which then rolls back, so no day is counted twice. A store from an
-- earlier release has no marks: the job clusters those days from their raw rows, oldest
-- first.
CREATE TABLE unanswered_days (
    site_id      TEXT NOT NULL,
    day          BIGINT NOT NULL,
    questions    BIGINT NOT NULL,
    clustered_at BIGINT NOT NULL,
    PRIMARY KEY (site_id, day)
);

CREATE TABLE unanswered_clusters (
    site_id    TEXT NOT NULL,
    day        BIGINT NOT NULL,
    ordinal    BIGINT NOT NULL,
    n          BIGINT NOT NULL,
    example_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    other1_id  BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    other2_id  BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    other3_id  BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    PRIMARY KEY (site_id, day, ordinal),
    FOREIGN KEY (site_id, day) REFERENCES unanswered_days (site_id, day) ON DELETE CASCADE
);
-- A deleted message finds the clusters that name it without scanning them.
CREATE INDEX unanswered_clusters_by_example ON unanswered_clusters (example_id);
CREATE INDEX unanswered_clusters_by_other1 ON unanswered_clusters (other1_id);
CREATE INDEX unanswered_clusters_by_other2 ON unanswered_clusters (other2_id);
CREATE INDEX unanswered_clusters_by_other3 ON unanswered_clusters (other3_id);
