-- Figures for digests and the dashboard, answerable from indexes alone.

-- Per conversation: how many answers it got and whether it was handed off, so the
-- deflection rate is one index-only count.
ALTER TABLE conversations ADD COLUMN answers BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN escalated BIGINT NOT NULL DEFAULT 0;
DROP INDEX conversations_by_site_time;
CREATE INDEX conversations_by_site_time ON conversations (site_id, created_at, answers, escalated);

-- Why a question was handed off (asked_for_human, always_handoff, low_confidence, out_of_scope).
ALTER TABLE messages ADD COLUMN reason TEXT;
CREATE INDEX questions_by_site_time ON messages (site_id, created_at, decision, label, confidence)
    WHERE decision IS NOT NULL;

-- One row per digest ever scheduled: the key makes "exactly one per channel per day".
CREATE TABLE digests (
    key        TEXT PRIMARY KEY,
    platform   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    day        TEXT NOT NULL,
    late       BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
