-- Rows a release cannot read (an unknown kind or payload version, a malformed payload) are
-- parked: kept, with when and why, and skipped until a release that reads them unparks them.
ALTER TABLE outbox ADD COLUMN parked_at BIGINT;
ALTER TABLE outbox ADD COLUMN parked_reason TEXT;
ALTER TABLE conversation_events ADD COLUMN parked_at BIGINT;
ALTER TABLE conversation_events ADD COLUMN parked_reason TEXT;
