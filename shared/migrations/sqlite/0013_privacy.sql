-- Privacy (issue 24): when a conversation was erased (at the customer's request or by
-- `[privacy] keep_conversations`). Its rows stay for the figures, without personal data;
-- erasing again, or the retention job meeting it, does nothing.
ALTER TABLE conversations ADD COLUMN erased_at BIGINT;
