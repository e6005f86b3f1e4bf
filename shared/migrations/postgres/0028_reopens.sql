-- Per-agent reopen rate (issue 21). A customer's message after an escalation was resolved
-- reopens it (`store::escalations::reopen_resolved`), which clears `resolved_at` and
-- `resolved_by`, so the reopen itself was not kept. Each reopen is now recorded here, in the
-- reopening transaction; the figures count a resolve as reopened when a reopen of its
-- escalation follows it. Reopens before this release were not recorded: their resolves
-- count as not reopened.
CREATE TABLE escalation_reopens (
    escalation_id   TEXT NOT NULL,
    at              BIGINT NOT NULL
);
CREATE INDEX escalation_reopens_by_escalation ON escalation_reopens (escalation_id, at);

-- Time to first reply: the first `reply` audit row of each escalation is found by object.
CREATE INDEX audit_log_by_object ON audit_log (object_id, action, at);
