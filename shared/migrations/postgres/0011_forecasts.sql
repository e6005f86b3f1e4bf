-- Forecasts as they were made: one row per site, channel and local day, written the
-- first time that day is forecast and never replaced, so accuracy is measured against
-- what was really predicted. `hours` is a JSON array of [start_ms, expected] pairs, one
-- per local hour of the day (23 or 25 on DST change days).
CREATE TABLE forecasts (
    site_id   TEXT NOT NULL,
    channel   TEXT NOT NULL,
    day       TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    model     TEXT NOT NULL,
    hours     TEXT NOT NULL,
    total     DOUBLE PRECISION NOT NULL,
    made_at   BIGINT NOT NULL,
    PRIMARY KEY (site_id, channel, day)
);
