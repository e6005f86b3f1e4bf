-- The HTTP bench's "without rollup writes" store (tests/bench/rollup_cost.sh): the
-- triggers that add to the rollups on the /ask and /handoff paths dropped, and the rows the
-- batch recorder adds to them discarded before they are written (its statements are still
-- built, sent and run). Never apply this to a real store: its reports would be wrong.
DROP TRIGGER rollup_conversation_insert;
DROP TRIGGER rollup_conversation_update;
DROP TRIGGER rollup_escalation_insert;
DROP TRIGGER rollup_feedback_insert;
DROP TRIGGER timing_rollups_insert;
DROP TRIGGER timing_rollups_update;
CREATE TRIGGER discard_stats_rollups BEFORE INSERT ON stats_rollups BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER discard_intent_rollups BEFORE INSERT ON intent_rollups BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER discard_intent_rollups_daily BEFORE INSERT ON intent_rollups_daily BEGIN SELECT RAISE(IGNORE); END;
