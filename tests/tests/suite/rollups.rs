//! The rollups (counts per site and 15-minute bucket, kept by triggers in the same
//! transaction as each raw write): after random writes from two store handles at once
//! (two replicas), they equal a recount from the raw rows, and the reports read from them
//! equal an independent count of the generated history; a store from before the rollups
//! gets them filled when it is opened.

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::stats::{days, report, Report};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::forecasts::Channel;
use frontline_shared::store::timing_histograms::TIMING_BINS;
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use jiff::civil::date;
use jiff::tz::TimeZone;
use std::path::Path;

use crate::history::{expected, generate, seed, Expected, Generated, HOUR};

fn figures(report: &Report) -> Expected {
    Expected {
        conversations: report.counts.conversations,
        deflected: report.counts.deflected,
        questions: report.counts.questions,
        handoffs: report.counts.handoffs,
        helpful: report.counts.helpful,
        unhelpful: report.counts.unhelpful,
        median_claim: report.time_to_claim.median_seconds,
        p90_claim: report.time_to_claim.p90_seconds,
        p90_resolve: report.time_to_resolve.p90_seconds,
        breaches: report.sla_breaches,
        top_intent: report
            .top_intents
            .first()
            .map(|t| (t.intent.clone(), t.count)),
    }
}

fn conversation(g: &Generated) -> Conversation {
    Conversation {
        id: g.id.clone(),
        site_id: frontline_tests::demo_site(),
        page_url: None,
        locale: None,
        customer: serde_json::Map::new(),
        created_at_ms: g.created,
    }
}

/// `got` is within the timing histograms' stated precision of the exact `want` (seconds):
/// 0.5 s or 5 %, whichever is larger (exact periods meet it too).
fn assert_close(got: Option<f64>, want: Option<f64>, what: &str) {
    match (got, want) {
        (Some(got), Some(want)) => assert!(
            (got - want).abs() <= 0.5f64.max(want * 0.05),
            "{what}: {got} s against exactly {want} s"
        ),
        (got, want) => assert_eq!(got, want, "{what}"),
    }
}

/// The report's figures against an independent count: counts and breaches exactly,
/// percentiles within the histograms' precision.
fn assert_figures(got: &Report, want: &Expected, what: &str) {
    let got = figures(got);
    assert_close(
        got.median_claim,
        want.median_claim,
        &format!("{what} median claim"),
    );
    assert_close(got.p90_claim, want.p90_claim, &format!("{what} p90 claim"));
    assert_close(
        got.p90_resolve,
        want.p90_resolve,
        &format!("{what} p90 resolve"),
    );
    let counted = |e: &Expected| Expected {
        median_claim: None,
        p90_claim: None,
        p90_resolve: None,
        top_intent: e.top_intent.clone(),
        ..*e
    };
    assert_eq!(counted(&got), counted(want), "{what}");
}

async fn assert_rollups_equal_recount(store: &Store, what: &str) {
    let (stored, recounted) = store
        .timing_rollups_and_recount()
        .await
        .expect("timing histograms");
    assert_eq!(
        stored, recounted,
        "{what}: timing histograms against a recount"
    );
    assert_eq!(
        store.stored_timing_bins().await.expect("bins"),
        *TIMING_BINS,
        "{what}: the migration's bins are the code's"
    );
    let stored = store.stored_rollups().await.expect("stored rollups");
    let recounted = store.recount_rollups().await.expect("recount");
    assert!(!recounted.is_empty(), "{what}: there is something to count");
    assert_eq!(stored, recounted, "{what}: rollups against a recount");
    let (stored, recounted) = store
        .intent_rollups_and_recount()
        .await
        .expect("intent rollups");
    assert_eq!(
        stored, recounted,
        "{what}: intent rollups against a recount"
    );
    let (stored, recounted) = store
        .daily_intent_rollups_and_recount()
        .await
        .expect("daily intent rollups");
    assert_eq!(
        stored, recounted,
        "{what}: daily intent rollups against a recount"
    );
}

#[tokio::test]
async fn rollups_equal_a_recount_after_random_writes_from_two_replicas() {
    let berlin = TimeZone::get("Europe/Berlin").expect("tz");
    // Thirty days across the end of summer time in Berlin (2026-10-25 has 25 hours).
    let start = days::bounds(date(2026, 10, 10), &berlin).0;
    let mut history = generate(23, start, 30, 900);
    let now = start + 31 * 24 * HOUR;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (clock_a, clock_b) = (
            ManualClock::starting_at(start),
            ManualClock::starting_at(start),
        );
        let a = Store::connect_with_clock(&db.url, clock_a.clone())
            .await
            .expect("store a");
        let b = Store::connect_with_clock(&db.url, clock_b.clone())
            .await
            .expect("store b");
        // Two replicas write at once; the conversations are in random order, so many
        // writes land in buckets written long before.
        let (first, second) = history.split_at(history.len() / 2);
        tokio::join!(seed(&a, &clock_a, first), seed(&b, &clock_b, second));
        assert_rollups_equal_recount(&a, &format!("{backend:?} after seeding")).await;

        // Every fifth conversation is answered again ten minutes in, after its handoff
        // (if any): its bucket's "answered" may change, "deflected" must not come back.
        let mut late = Vec::new();
        for g in history.iter_mut().step_by(5) {
            let at = g.created + 10 * 60_000;
            g.questions.push((
                at,
                "answer",
                0.8,
                Some("intent:order_status".into()),
                None,
                "where is my order".into(),
            ));
            late.push(QuestionRecord {
                conversation: conversation(g),
                question: "where is my order".into(),
                decision: "answer".into(),
                confidence: 0.8,
                label: Some("intent:order_status".into()),
                reason: None,
                reply: None,
                at_ms: at,
            });
        }
        let (late_a, late_b) = late.split_at(late.len() / 2);
        let (ra, rb) = tokio::join!(a.record_questions(late_a), b.record_questions(late_b));
        ra.expect("late questions a");
        rb.expect("late questions b");
        assert_rollups_equal_recount(&a, &format!("{backend:?} after late answers")).await;

        // What the dashboard shows, read from the rollups, equals an independent count of
        // the generated history: whole local days (the 25-hour one included), a week, the
        // whole month, and a period that starts and ends inside buckets.
        let sites = vec![frontline_tests::demo_site()];
        let sla = SlaSettings::default();
        let periods = [
            days::bounds(date(2026, 10, 25), &berlin),
            (
                days::bounds(date(2026, 10, 20), &berlin).0,
                days::bounds(date(2026, 10, 26), &berlin).1,
            ),
            (start, days::bounds(date(2026, 11, 8), &berlin).1),
            (
                start + 7 * 60_000 + 3_000,
                start + 5 * 24 * HOUR + 11 * 60_000,
            ),
        ];
        for (from, to) in periods {
            let got = report(&a, &sites, from, to, &sla, now)
                .await
                .expect("report");
            let want = expected(&history, from, to, now);
            assert!(want.conversations > 10, "{want:?}");
            assert_figures(&got, &want, &format!("{backend:?} [{from}, {to})"));
        }
        // The daily series (summed per local day by the database) equals an independent
        // count of each Berlin day, the 25-hour 2026-10-25 included.
        let (first, last) = (date(2026, 10, 10), date(2026, 11, 8));
        let series = days::series(&a, &sites, &berlin, first, last)
            .await
            .expect("series");
        assert_eq!(series.len(), 30, "{backend:?}");
        for point in &series {
            let day: jiff::civil::Date = point.day.parse().expect("day");
            let (from, to) = days::bounds(day, &berlin);
            let want = expected(&history, from, to, now);
            assert_eq!(
                (point.conversations, point.deflected, point.handoffs),
                (want.conversations, want.deflected, want.handoffs),
                "{backend:?} {}",
                point.day
            );
        }
        // The forecast's hourly history: conversations per 15 minutes over the month.
        let (from, to) = (start, start + 30 * 24 * HOUR);
        let buckets = a
            .arrival_buckets(&sites[0], Channel::Conversations, from, to)
            .await
            .expect("buckets");
        let total: i64 = buckets.iter().map(|(_, n)| n).sum();
        assert_eq!(total, expected(&history, from, to, now).conversations);
        let handoffs: i64 = a
            .arrival_buckets(&sites[0], Channel::Handoffs, from, to)
            .await
            .expect("handoff buckets")
            .iter()
            .map(|(_, n)| n)
            .sum();
        assert_eq!(handoffs, expected(&history, from, to, now).handoffs);
        // The same month per hour, both channels in one read (what the forecast fits
        // on), against a count of the generated history per hour since `start`.
        let mut want: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
        for g in &history {
            if (from..to).contains(&g.created) {
                want.entry(from + (g.created - from) / HOUR * HOUR)
                    .or_default()
                    .0 += 1;
            }
            if let Some((at, _)) = g.handoff.filter(|(at, _)| (from..to).contains(at)) {
                want.entry(from + (at - from) / HOUR * HOUR).or_default().1 += 1;
            }
        }
        let want: Vec<(i64, i64, i64)> = want.into_iter().map(|(h, (c, e))| (h, c, e)).collect();
        let got = a
            .arrival_hours(&sites[0], from, to, from)
            .await
            .expect("hours");
        assert_eq!(got, want, "{backend:?} arrivals per hour");
        a.close().await;
        b.close().await;
    }
}

/// Migrations of `backend` numbered before `before`, as an earlier release applied them.
pub(crate) fn previous_migrations(backend: TestBackend, before: &str) -> tempfile::TempDir {
    let dialect = match backend {
        TestBackend::Sqlite => "sqlite",
        TestBackend::Postgres => "postgres",
    };
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/migrations")
        .join(dialect);
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&source).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if name.as_str() < before {
            std::fs::copy(&path, dir.path().join(&name)).expect("copy");
        }
    }
    dir
}

#[tokio::test]
async fn a_store_from_before_the_rollups_gets_them_filled_from_its_rows() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let migrations = previous_migrations(backend, "0017");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        sqlx::migrate::Migrator::new(migrations.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("previous release's migrations");
        // Rows of 2026-11-20 (UTC, from 1795132800000) and one of the next day (c4).
        for statement in [
            "INSERT INTO conversations (id, site_id, created_at, answers, escalated) VALUES \
             ('c1', 'demo', 1795132800000, 2, 0), ('c2', 'demo', 1795133400000, 1, 1), \
             ('c3', 'demo', 1795133460000, 0, 1), ('c4', 'demo', 1795219200000, 1, 0), \
             ('c5', 'shop', 1795132800000, 1, 0)",
            "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, label, created_at) VALUES \
             ('c1', 'demo', 'customer', 'where is my order', 'answer', 0.9, 'intent:order_status', 1795132800000), \
             ('c1', 'demo', 'customer', 'and returns?', 'answer', 0.7, 'intent:start_return', 1795132860000), \
             ('c2', 'demo', 'customer', 'where is my order', 'answer', 0.8, 'intent:order_status', 1795133400000), \
             ('c2', 'demo', 'customer', 'a person please', 'handoff', 0.1, NULL, 1795133430000), \
             ('c3', 'demo', 'customer', 'gift wrap?', 'suggest', 0.3, 'intent:gift', 1795133460000), \
             ('c3', 'demo', 'customer', 'thanks', NULL, NULL, NULL, 1795133520000), \
             ('c4', 'demo', 'customer', 'where is my order', 'answer', 0.9, 'intent:order_status', 1795219200000), \
             ('c5', 'shop', 'customer', 'where is my order', 'answer', 0.9, 'intent:order_status', 1795132800000)",
            "INSERT INTO escalations (id, conversation_id, site_id, status, priority, tags, email, \
             outside_hours, context, created_at) VALUES \
             ('e2', 'c2', 'demo', 'queued', 'normal', '[]', 'a@example.com', 0, '{}', 1795133440000), \
             ('e3', 'c3', 'demo', 'queued', 'normal', '[]', 'b@example.com', 0, '{}', 1795133500000)",
            "INSERT INTO feedback (conversation_id, site_id, helpful, created_at) VALUES \
             ('c1', 'demo', 1, 1795132900000), ('c3', 'demo', 0, 1795133600000)",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}\n{statement}"));
        }
        pool.close().await;

        // Opening the store applies migration 0017, which fills the rollups.
        let store = Store::connect(&db.url).await.expect("store");
        assert_rollups_equal_recount(&store, &format!("{backend:?} upgraded")).await;
        let demo = vec![frontline_tests::demo_site()];
        let day = days::bounds(date(2026, 11, 20), &TimeZone::UTC);
        let r = report(&store, &demo, day.0, day.1, &SlaSettings::default(), day.1)
            .await
            .expect("report");
        assert_eq!(r.counts.conversations, 3, "{backend:?}");
        assert_eq!(r.counts.answered, 2, "{backend:?}");
        assert_eq!(r.counts.deflected, 1, "{backend:?}");
        assert_eq!(r.counts.questions, 5, "{backend:?}");
        assert_eq!(r.counts.handoffs, 2, "{backend:?}");
        assert_eq!(
            (r.counts.helpful, r.counts.unhelpful),
            (1, 1),
            "{backend:?}"
        );
        let intents: Vec<(String, i64)> = r
            .top_intents
            .iter()
            .map(|t| (t.intent.clone(), t.count))
            .collect();
        assert_eq!(
            intents,
            [
                ("order_status".to_string(), 2),
                ("start_return".to_string(), 1)
            ],
            "{backend:?}"
        );
        // Writes after the upgrade add to the filled rollups.
        store
            .record_feedback(
                &Conversation {
                    id: "c4".into(),
                    site_id: frontline_tests::demo_site(),
                    page_url: None,
                    locale: None,
                    customer: serde_json::Map::new(),
                    created_at_ms: 1_795_219_200_000,
                },
                true,
            )
            .await
            .expect("feedback");
        assert_rollups_equal_recount(&store, &format!("{backend:?} after a new write")).await;
        store.close().await;
    }
}

#[tokio::test]
async fn the_previous_release_fixture_reports_the_same_figures_after_the_upgrade() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/store-previous-release.sqlite"),
        &path,
    )
    .expect("copy the fixture");
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("store");
    assert_rollups_equal_recount(&store, "fixture").await;
    // Its two conversations were handed off on 2026-11-20 (UTC) without answers.
    let day = days::bounds(date(2026, 11, 20), &TimeZone::UTC);
    let r = report(
        &store,
        &[frontline_tests::demo_site()],
        day.0,
        day.1,
        &SlaSettings::default(),
        day.1,
    )
    .await
    .expect("report");
    assert_eq!(
        (
            r.counts.conversations,
            r.counts.handoffs,
            r.counts.deflected
        ),
        (2, 2, 0)
    );
}

#[tokio::test]
async fn a_store_from_before_the_daily_intent_rollups_gets_them_filled_from_its_rows() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let migrations = previous_migrations(backend, "0025");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        sqlx::migrate::Migrator::new(migrations.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("previous release's migrations");
        // Questions of 2026-11-20 and 2026-11-21 (UTC days from 1795132800000 and
        // 1795219200000), and the 15-minute intent rollups the previous release's batch
        // recorder wrote with them (its triggers count the conversations).
        for statement in [
            "INSERT INTO conversations (id, site_id, created_at, answers, escalated) VALUES \
             ('c1', 'demo', 1795132800000, 2, 0), ('c2', 'demo', 1795219200000, 2, 0)",
            "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, label, created_at) VALUES \
             ('c1', 'demo', 'customer', 'where is my order', 'answer', 0.9, 'intent:order_status', 1795132800000), \
             ('c1', 'demo', 'customer', 'and returns?', 'answer', 0.7, 'intent:start_return', 1795132860000), \
             ('c1', 'demo', 'customer', 'gift wrap?', 'suggest', 0.3, 'intent:gift', 1795132920000), \
             ('c2', 'demo', 'customer', 'where is my order', 'answer', 0.9, 'intent:order_status', 1795219200000), \
             ('c2', 'demo', 'customer', 'returns?', 'answer', 0.8, 'intent:start_return', 1795219260000)",
            "INSERT INTO intent_rollups (site_id, bucket, label, n) VALUES \
             ('demo', 1994592, 'intent:order_status', 1), ('demo', 1994592, 'intent:start_return', 1), \
             ('demo', 1994688, 'intent:order_status', 1), ('demo', 1994688, 'intent:start_return', 1)",
            "UPDATE stats_rollups SET questions = 3 WHERE bucket = 1994592",
            "UPDATE stats_rollups SET questions = 2 WHERE bucket = 1994688",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}\n{statement}"));
        }
        pool.close().await;

        // Opening the store applies migration 0025, which fills the daily intent rollups.
        let store = Store::connect(&db.url).await.expect("store");
        assert_rollups_equal_recount(&store, &format!("{backend:?} upgraded")).await;
        let (stored, _) = store
            .daily_intent_rollups_and_recount()
            .await
            .expect("daily rollups");
        assert_eq!(
            stored,
            [
                (
                    "demo".to_string(),
                    20_777,
                    "intent:order_status".to_string(),
                    1
                ),
                (
                    "demo".to_string(),
                    20_777,
                    "intent:start_return".to_string(),
                    1
                ),
                (
                    "demo".to_string(),
                    20_778,
                    "intent:order_status".to_string(),
                    1
                ),
                (
                    "demo".to_string(),
                    20_778,
                    "intent:start_return".to_string(),
                    1
                ),
            ],
            "{backend:?}"
        );
        // Two whole UTC days: read from the daily rollups alone.
        let from = days::bounds(date(2026, 11, 20), &TimeZone::UTC).0;
        let to = days::bounds(date(2026, 11, 21), &TimeZone::UTC).1;
        let r = report(
            &store,
            &[frontline_tests::demo_site()],
            from,
            to,
            &SlaSettings::default(),
            to,
        )
        .await
        .expect("report");
        let intents: Vec<(String, i64)> = r
            .top_intents
            .iter()
            .map(|t| (t.intent.clone(), t.count))
            .collect();
        assert_eq!(
            intents,
            [
                ("order_status".to_string(), 2),
                ("start_return".to_string(), 2)
            ],
            "{backend:?}"
        );
        store.close().await;
    }
}

/// `(id, created, priority, claimed after s, resolved after s)`.
type Escalation = (&'static str, i64, &'static str, Option<i64>, Option<i64>);

#[tokio::test]
async fn a_store_from_before_the_timing_histograms_gets_them_filled_and_reports_from_them() {
    // 2026-11-09 00:00 UTC, and the hour in milliseconds.
    let (day0, h) = (1_794_182_400_000_i64, 3_600_000_i64);
    // (id, created, priority, claimed after s, resolved after s): one escalation in the
    // partial UTC day at each end of the period below, the rest in its ten whole days.
    let escalations: [Escalation; 8] = [
        ("e1", day0 + 18 * h, "normal", Some(60), Some(3_600)),
        ("e2", day0 + 34 * h, "normal", Some(120), Some(7_200)),
        ("e3", day0 + 82 * h, "normal", Some(600), Some(5_400)),
        ("e4", day0 + 130 * h, "high", Some(900), Some(10_800)),
        ("e5", day0 + 178 * h, "normal", Some(1_000), None),
        ("e6", day0 + 226 * h, "normal", None, Some(1_200)),
        ("e7", day0 + 250 * h, "low", None, None),
        ("e8", day0 + 270 * h, "urgent", Some(30), None),
    ];
    // 2026-11-09 12:00 to 2026-11-20 12:00 UTC: whole days 11-10 to 11-19.
    let (from, to) = (day0 + 12 * h, day0 + 276 * h);
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let migrations = previous_migrations(backend, "0030");
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        sqlx::migrate::Migrator::new(migrations.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("previous release's migrations");
        for (id, created, priority, claimed, resolved) in escalations {
            sqlx::query(
                "INSERT INTO conversations (id, site_id, created_at, answers, escalated) \
                 VALUES ($1, 'demo', $2, 0, 1)",
            )
            .bind(format!("c{id}"))
            .bind(created)
            .execute(&pool)
            .await
            .expect("conversation");
            sqlx::query(
                "INSERT INTO escalations (id, conversation_id, site_id, status, priority, tags, \
                 email, outside_hours, context, created_at, claimed_at, resolved_at) \
                 VALUES ($1, $2, 'demo', 'queued', $3, '[]', 'a@example.com', 0, '{}', $4, $5, $6)",
            )
            .bind(id)
            .bind(format!("c{id}"))
            .bind(priority)
            .bind(created)
            .bind(claimed.map(|s| created + s * 1000))
            .bind(resolved.map(|s| created + s * 1000))
            .execute(&pool)
            .await
            .unwrap_or_else(|e| panic!("{backend:?} {id}: {e}"));
        }
        pool.close().await;

        // Opening the store applies migration 0030, which fills the histograms.
        let store = Store::connect(&db.url).await.expect("store");
        assert_rollups_equal_recount(&store, &format!("{backend:?} upgraded")).await;
        // e2 (2026-11-10, UTC day 20767, also counted in the 16-day block from day
        // 20752): claimed after 120 s, bin (114 s, 120 s]; resolved after 2 h, bin
        // (6,900 s, 7,200 s].
        let (stored, _) = store.timing_rollups_and_recount().await.expect("stored");
        let day: Vec<_> = stored
            .iter()
            .filter(|r| (r.1, r.2) == (1, 20_767))
            .cloned()
            .collect();
        let row = |kind: &str, bin: i64| {
            (
                "demo".to_string(),
                1,
                20_767,
                kind.to_string(),
                "normal".to_string(),
                bin,
                1,
            )
        };
        assert_eq!(
            day,
            [row("claim", 114), row("resolve", 6_900)],
            "{backend:?}"
        );

        let demo = [frontline_tests::demo_site()];
        let r = report(&store, &demo, from, to, &SlaSettings::default(), to)
            .await
            .expect("report");
        // Claims (s): 30, 60, 120, 600, 900, 1000: median (rank 3) 120, p90 (rank 6) 1000;
        // read as their bins' middles, (114, 120] → 117 and (960, 1020] → 990.
        assert_eq!(r.time_to_claim.count, 6, "{backend:?}");
        assert_eq!(r.time_to_claim.median_seconds, Some(117.0), "{backend:?}");
        assert_eq!(r.time_to_claim.p90_seconds, Some(990.0), "{backend:?}");
        assert_close(r.time_to_claim.median_seconds, Some(120.0), "median claim");
        assert_close(r.time_to_claim.p90_seconds, Some(1_000.0), "p90 claim");
        // Resolves (s): 1200, 3600, 5400, 7200, 10800: median 5400 in (5100, 5400] →
        // 5250; p90 (rank 5) 10800 in (10200, 10800] → 10500.
        assert_eq!(r.time_to_resolve.count, 5, "{backend:?}");
        assert_eq!(
            r.time_to_resolve.median_seconds,
            Some(5_250.0),
            "{backend:?}"
        );
        assert_eq!(r.time_to_resolve.p90_seconds, Some(10_500.0), "{backend:?}");
        assert_close(
            r.time_to_resolve.median_seconds,
            Some(5_400.0),
            "median resolve",
        );
        assert_close(r.time_to_resolve.p90_seconds, Some(10_800.0), "p90 resolve");
        // Breaches (urgent 2 min, high 5, normal 15, low 60): e4 (high, 900 s), e5
        // (normal, 1000 s), e6 (normal, resolved unclaimed after 1200 s), e7 (low, still
        // waiting 26 h at `to`). Exact, also for a limit inside a bin: 990 s and 1000 s
        // both fall in (960, 1020], where e5 (1000 s) is late for one and not the other.
        assert_eq!(r.sla_breaches, 4, "{backend:?}");
        for (normal, breaches) in [(990, 4), (1_000, 3)] {
            let sla = SlaSettings {
                normal: jiff::SignedDuration::from_secs(normal),
                ..SlaSettings::default()
            };
            let r = report(&store, &demo, from, to, &sla, to)
                .await
                .expect("report");
            assert_eq!(r.sla_breaches, breaches, "{backend:?} normal {normal} s");
        }
        // Later writes move the histograms: e7 claimed, e5's claim taken back.
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        for statement in [
            "UPDATE escalations SET claimed_at = created_at + 45000 WHERE id = 'e7'",
            "UPDATE escalations SET claimed_at = NULL WHERE id = 'e5'",
        ] {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .unwrap_or_else(|e| panic!("{backend:?}: {e}\n{statement}"));
        }
        pool.close().await;
        assert_rollups_equal_recount(&store, &format!("{backend:?} after updates")).await;
        let r = report(&store, &demo, from, to, &SlaSettings::default(), to)
            .await
            .expect("report");
        // Claims now 30, 45, 60, 120, 600, 900; e7 no longer late (45 s, low), e5 waiting
        // since 2026-11-16 10:00 (late at `to`).
        assert_eq!(r.time_to_claim.count, 6, "{backend:?}");
        assert_eq!(r.sla_breaches, 3, "{backend:?}");
        store.close().await;
    }
}
