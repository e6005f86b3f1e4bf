-- Reports that stay fast (issue 22): histograms of time to claim and time to resolve per
-- site, span of UTC days, priority and bin, so a long period's percentiles and SLA
-- breaches are summed from a few thousand rows instead of ranking every escalation of the
-- period (100,000 for 400 days of the stats bench). Each escalation is counted twice: in
-- its UTC day (`days` = 1, `first_day` = `created_at / 86400000`) and in its block of 16
-- UTC days (`days` = 16, `first_day` = that day rounded down to a multiple of 16); a
-- period reads whole blocks, then whole days, then the partial days at its ends raw (a
-- 400-day period: about 25 blocks and 30 days instead of 400 days).
--
-- Bins are fixed and log-spaced (`timing_bins`, the same list as
-- `store::timing_histograms::TIMING_BINS` in Rust): a bin `lo` holds durations `d` in
-- milliseconds with `lo * 1000 < d <= next_lo * 1000`; `-1` holds `d <= 0`. They are one
-- second wide under 20 seconds and at most 10 % of `lo` wide beyond, up to 360 days (the
-- last bin is open), so a percentile read as its bin's middle is within 0.5 s or 5 % of
-- the exact one. Round durations (every whole minute up to an hour, every 5 minutes up to
-- 2 hours, 10 up to 5 hours, whole hours up to a day) are bin edges, so the usual SLA
-- limits split bins exactly; `store::timing_histograms` counts the one bin a limit falls
-- inside from raw rows.
--
-- Kinds: `claim` (claimed_at - created_at, for claimed escalations), `resolve`
-- (resolved_at - created_at), `resolve_unclaimed` (the same, for escalations resolved
-- without a claim: their pick-up time for SLA breaches). Triggers keep them in the
-- transaction of every insert, update and delete of an escalation (an adding upsert, so
-- concurrent writers never double-count; a release or reopen takes the old times off),
-- and this migration fills them from the escalations an earlier release stored (once:
-- migrations run under the migrator's lock).

CREATE TABLE timing_bins (
    lo BIGINT PRIMARY KEY
);

CREATE TABLE timing_rollups (
    site_id   TEXT NOT NULL,
    days      BIGINT NOT NULL,
    first_day BIGINT NOT NULL,
    kind      TEXT NOT NULL,
    priority  TEXT NOT NULL,
    bin       BIGINT NOT NULL,
    n         BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (site_id, days, first_day, kind, priority, bin)
);

INSERT INTO timing_bins (lo) VALUES
    (0), (1), (2), (3), (4), (5), (6), (7), (8), (9), (10), (11), (12), (13), (14), (15),
    (16), (17), (18), (19), (20), (22), (24), (26), (28), (30), (32), (34), (36), (38),
    (40), (42), (44), (46), (48), (50), (52), (54), (56), (58), (60), (66), (72), (78),
    (84), (90), (96), (102), (108), (114), (120), (132), (144), (156), (168), (180), (192),
    (204), (216), (228), (240), (252), (264), (276), (288), (300), (330), (360), (390),
    (420), (450), (480), (510), (540), (570), (600), (660), (720), (780), (840), (900),
    (960), (1020), (1080), (1140), (1200), (1260), (1320), (1380), (1440), (1500), (1560),
    (1620), (1680), (1740), (1800), (1860), (1920), (1980), (2040), (2100), (2160), (2220),
    (2280), (2340), (2400), (2460), (2520), (2580), (2640), (2700), (2760), (2820), (2880),
    (2940), (3000), (3060), (3120), (3180), (3240), (3300), (3360), (3420), (3480), (3540),
    (3600), (3900), (4200), (4500), (4800), (5100), (5400), (5700), (6000), (6300), (6600),
    (6900), (7200), (7800), (8400), (9000), (9600), (10200), (10800), (11400), (12000),
    (12600), (13200), (13800), (14400), (15000), (15600), (16200), (16800), (17400),
    (18000), (19800), (21600), (23400), (25200), (27000), (28800), (30600), (32400),
    (34200), (36000), (39600), (43200), (46800), (50400), (54000), (57600), (61200),
    (64800), (68400), (72000), (75600), (79200), (82800), (86400), (93600), (100800),
    (108000), (115200), (122400), (129600), (136800), (144000), (151200), (158400),
    (165600), (172800), (187200), (201600), (216000), (230400), (244800), (259200),
    (273600), (288000), (302400), (316800), (331200), (345600), (360000), (374400),
    (388800), (403200), (417600), (432000), (475200), (518400), (561600), (604800),
    (648000), (691200), (734400), (777600), (820800), (864000), (950400), (1036800),
    (1123200), (1209600), (1296000), (1382400), (1468800), (1555200), (1641600), (1728000),
    (1814400), (1900800), (1987200), (2073600), (2160000), (2246400), (2332800), (2419200),
    (2505600), (2592000), (2851200), (3110400), (3369600), (3628800), (3888000), (4147200),
    (4406400), (4665600), (4924800), (5184000), (5443200), (5702400), (5961600), (6220800),
    (6480000), (6739200), (6998400), (7257600), (7516800), (7776000), (8553600), (9331200),
    (10108800), (10886400), (11664000), (12441600), (13219200), (13996800), (14774400),
    (15552000), (16329600), (17107200), (17884800), (18662400), (19440000), (20217600),
    (20995200), (21772800), (22550400), (23328000), (24105600), (24883200), (25660800),
    (26438400), (27216000), (27993600), (28771200), (29548800), (30326400), (31104000);

-- The bin of a duration in milliseconds.
CREATE FUNCTION timing_bin(d BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN d <= 0 THEN -1 ELSE (SELECT MAX(lo) FROM timing_bins WHERE lo <= (d - 1) / 1000) END
$$;

-- One row version's histogram entries in both spans, each counted `n` (+1 or -1).
CREATE FUNCTION timing_entries(p_site TEXT, p_created BIGINT, p_priority TEXT, p_claimed BIGINT,
                               p_resolved BIGINT, p_n BIGINT)
RETURNS TABLE (site_id TEXT, days BIGINT, first_day BIGINT, kind TEXT, priority TEXT, bin BIGINT,
               n BIGINT)
LANGUAGE sql STABLE AS $$
    SELECT p_site, s.days, p_created / 86400000 / s.days * s.days, e.kind, p_priority, timing_bin(e.d), p_n
    FROM (VALUES ('claim', p_claimed - p_created),
                 ('resolve', p_resolved - p_created),
                 ('resolve_unclaimed', CASE WHEN p_claimed IS NULL THEN p_resolved - p_created END)) e (kind, d),
         (VALUES (1::BIGINT), (16::BIGINT)) s (days)
    WHERE p_site IS NOT NULL AND e.d IS NOT NULL
$$;

-- OLD's entries off, NEW's on, summed per key (one upsert may not touch a row twice) and
-- taken in key order, so two transactions cannot deadlock on them.
CREATE FUNCTION timing_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.claimed_at IS NOT DISTINCT FROM NEW.claimed_at
       AND OLD.resolved_at IS NOT DISTINCT FROM NEW.resolved_at
       AND OLD.priority IS NOT DISTINCT FROM NEW.priority THEN
        RETURN NULL;
    END IF;
    INSERT INTO timing_rollups AS r (site_id, days, first_day, kind, priority, bin, n)
    SELECT e.site_id, e.days, e.first_day, e.kind, e.priority, e.bin, SUM(e.n) FROM (
        SELECT * FROM timing_entries(
            CASE WHEN TG_OP <> 'INSERT' THEN OLD.site_id END, OLD.created_at, OLD.priority,
            OLD.claimed_at, OLD.resolved_at, -1)
        UNION ALL
        SELECT * FROM timing_entries(
            CASE WHEN TG_OP <> 'DELETE' THEN NEW.site_id END, NEW.created_at, NEW.priority,
            NEW.claimed_at, NEW.resolved_at, 1)
    ) e
    GROUP BY e.site_id, e.days, e.first_day, e.kind, e.priority, e.bin HAVING SUM(e.n) <> 0
    ORDER BY e.site_id, e.days, e.first_day, e.kind, e.priority, e.bin
    ON CONFLICT (site_id, days, first_day, kind, priority, bin) DO UPDATE SET n = r.n + excluded.n;
    RETURN NULL;
END;
$$;

CREATE TRIGGER timing_rollup AFTER INSERT OR UPDATE OF claimed_at, resolved_at, priority OR DELETE
    ON escalations FOR EACH ROW EXECUTE FUNCTION timing_rollup();

-- The escalations an earlier release stored.
INSERT INTO timing_rollups (site_id, days, first_day, kind, priority, bin, n)
SELECT e.site_id, e.days, e.first_day, e.kind, e.priority, e.bin, COUNT(*)
FROM escalations x,
     LATERAL timing_entries(x.site_id, x.created_at, x.priority, x.claimed_at, x.resolved_at, 1) e
GROUP BY e.site_id, e.days, e.first_day, e.kind, e.priority, e.bin;

-- Escalations still waiting (neither claimed nor resolved): their SLA breach depends on
-- "now", so a report counts them raw, from this small index.
CREATE INDEX escalations_waiting ON escalations (site_id, created_at, priority)
    WHERE claimed_at IS NULL AND resolved_at IS NULL;
