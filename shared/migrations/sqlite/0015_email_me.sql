-- "Email me" (issue 20): the customer chose at the handoff to get agent replies by mail
-- at once instead of after `[email] away_after` without a live stream. 0/1; threads
-- opened before this migration keep the waiting behaviour.
ALTER TABLE email_threads ADD COLUMN email_me BIGINT NOT NULL DEFAULT 0;
