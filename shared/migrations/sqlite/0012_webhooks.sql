-- Outbound webhooks (issue 23). Events are outbox rows (kind `webhook`, subject
-- `webhook:<endpoint>:<escalation>`); this records every attempt to deliver one, for the
-- delivery log in /admin, and which endpoints are failing (their last try ran out).
CREATE TABLE webhook_attempts (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL,
    outbox_id       BIGINT NOT NULL,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    attempted_at    BIGINT NOT NULL,
    -- The receiver's HTTP status; NULL when no response came (refused, timeout, …).
    status_code     BIGINT,
    error           TEXT,
    duration_ms     BIGINT NOT NULL,
    -- 1 when this was the last try: the event is given up and the endpoint failing.
    gave_up         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (endpoint_id, attempted_at);

-- One row per endpoint that has been tried; failing_since is set when an event's last
-- try failed, and cleared by the next success.
CREATE TABLE webhook_endpoints (
    endpoint_id     TEXT PRIMARY KEY,
    failing_since   BIGINT,
    last_error      TEXT,
    updated_at      BIGINT NOT NULL
);
