-- The HTTP bench's "without rollup writes" store (tests/bench/rollup_cost.sh): the
-- triggers that add to the rollups on the /ask and /handoff paths dropped, and the rows the
-- batch recorder adds to them discarded before they are written (its statements are still
-- built, sent and run). Never apply this to a real store: its reports would be wrong.
DROP TRIGGER rollup_conversations ON conversations;
DROP TRIGGER rollup_escalations ON escalations;
DROP TRIGGER rollup_feedback ON feedback;
DROP TRIGGER timing_rollup ON escalations;
CREATE FUNCTION discard_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER discard_row BEFORE INSERT ON stats_rollups FOR EACH ROW EXECUTE FUNCTION discard_row();
CREATE TRIGGER discard_row BEFORE INSERT ON intent_rollups FOR EACH ROW EXECUTE FUNCTION discard_row();
CREATE TRIGGER discard_row BEFORE INSERT ON intent_rollups_daily FOR EACH ROW EXECUTE FUNCTION discard_row();
