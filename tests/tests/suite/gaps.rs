//! Knowledge gaps ("top unanswered") over long periods: each closed UTC day's unanswered
//! questions are clustered once and stored by message id (`stats::day_clusters`), and a
//! report reads whole days from them and the rest raw. The counts are worked out by hand
//! from the questions inserted; the bulk of a long history is inserted directly with SQL
//! (thousands of rows), as the previous release's store would hold it.

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::stats::day_clusters::{cluster_day, CatchUp, DayClustering};
use frontline_shared::stats::{report_with_top, Cluster};
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};

use crate::rollups::previous_migrations;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// 2025-11-01 00:00 UTC (UTC day 20,393): the first day of the periods below.
const FIRST: i64 = 20_393 * DAY;

/// Inserts `n` questions `body` of `conversation` (site `demo`) that were handed off for
/// low confidence, one a second from `at_ms`.
async fn insert_unanswered(
    pool: &sqlx::AnyPool,
    conversation: &str,
    body: &str,
    n: i64,
    at_ms: i64,
) {
    sqlx::query(
        "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1) \
         INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, \
                               label, reason, created_at) \
         SELECT $2, 'demo', 'customer', $3, 'handoff', 0.1, NULL, 'low_confidence', $4 + i * 1000 \
         FROM seq",
    )
    .bind(n)
    .bind(conversation)
    .bind(body)
    .bind(at_ms)
    .execute(pool)
    .await
    .unwrap_or_else(|e| panic!("inserting {body:?}: {e}"));
}

async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.expect("pool")
}

/// The report's top gaps for site `demo` over `[from, to)`.
async fn top_gaps(store: &Store, from: i64, to: i64) -> Vec<Cluster> {
    report_with_top(
        store,
        &[frontline_tests::demo_site()],
        from,
        to,
        &SlaSettings::default(),
        to,
        10,
    )
    .await
    .expect("report")
    .top_unanswered
}

fn gap(example: &str, count: usize, others: &[&str]) -> Cluster {
    Cluster {
        example: example.into(),
        count,
        others: others.iter().map(|o| o.to_string()).collect(),
    }
}

#[tokio::test]
async fn a_400_day_report_counts_every_unanswered_question_not_only_the_newest_5000() {
    // 400 whole days from FIRST, then half of today.
    let today = FIRST + 400 * DAY;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(today + HOUR / 2);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let pool = pool(&db.url).await;
        insert_unanswered(
            &pool,
            "c1",
            "Do you ship to Iceland?",
            3_000,
            FIRST + 10 * DAY,
        )
        .await;
        insert_unanswered(
            &pool,
            "c2",
            "Shipping to Iceland?",
            2_000,
            FIRST + 200 * DAY,
        )
        .await;
        insert_unanswered(
            &pool,
            "c3",
            "is gift wrapping available",
            5_500,
            FIRST + 399 * DAY,
        )
        .await;
        insert_unanswered(&pool, "c4", "student discount?", 10, today).await;
        insert_unanswered(&pool, "c5", "do you ship to iceland", 1, today + HOUR).await;
        let now = today + 12 * HOUR;

        // Not clustered yet: the newest 5,000 of the period, as reports read before (all
        // 11 of today, then 4,989 of yesterday's 5,500).
        assert_eq!(
            top_gaps(&store, FIRST, now).await,
            [
                gap("is gift wrapping available", 4_989, &[]),
                gap("student discount?", 10, &[]),
                gap("do you ship to iceland", 1, &[]),
            ],
            "{backend:?} before clustering"
        );

        // 00:30: yesterday is not closed yet (closes at 01:00); the older days are.
        let job = DayClustering::new(store.clone());
        let done = job.catch_up().await.expect("catch up");
        assert_eq!(
            done,
            CatchUp {
                stored: 2,
                taken_elsewhere: 0
            },
            "{backend:?}"
        );
        clock.set_ms(now);
        let done = job.catch_up().await.expect("catch up");
        assert_eq!(
            done,
            CatchUp {
                stored: 1,
                taken_elsewhere: 0
            },
            "{backend:?}"
        );
        assert_eq!(job.catch_up().await.expect("again"), CatchUp::default());

        // Iceland: 3,000 + 2,000 stored + 1 today; gift wrapping: 5,500 stored; student
        // discount: 10 today.
        assert_eq!(
            top_gaps(&store, FIRST, now).await,
            [
                gap("is gift wrapping available", 5_500, &[]),
                gap(
                    "Do you ship to Iceland?",
                    5_001,
                    &["Shipping to Iceland?", "do you ship to iceland"]
                ),
                gap("student discount?", 10, &[]),
            ],
            "{backend:?} after clustering"
        );
        // A period from noon of day 10 leaves out that morning's 3,000 (day 10 is read
        // raw, from noon).
        assert_eq!(
            top_gaps(&store, FIRST + 10 * DAY + 12 * HOUR, now).await,
            [
                gap("is gift wrapping available", 5_500, &[]),
                gap("Shipping to Iceland?", 2_001, &["do you ship to iceland"]),
                gap("student discount?", 10, &[]),
            ],
            "{backend:?} from noon of day 10"
        );
        pool.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn two_replicas_clustering_the_same_days_at_once_count_each_question_once() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(FIRST + 30 * DAY);
        let one = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let two = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("second replica");
        let pool = pool(&db.url).await;
        // Days 0-19: 7 questions each, 140 in all.
        for day in 0..20 {
            insert_unanswered(
                &pool,
                "c1",
                "Do you ship to Iceland?",
                7,
                FIRST + day * DAY + HOUR,
            )
            .await;
        }
        let (job_one, job_two) = (
            DayClustering::new(one.clone()),
            DayClustering::new(two.clone()),
        );
        let (a, b) = tokio::join!(job_one.catch_up(), job_two.catch_up());
        let (a, b) = (a.expect("replica one"), b.expect("replica two"));
        assert_eq!(a.stored + b.stored, 20, "{backend:?}: {a:?} {b:?}");
        // A replica that clusters a day the other stored stores nothing.
        let day = FIRST / DAY + 3;
        let site = frontline_tests::demo_site();
        assert!(
            !cluster_day(&two, &site, day).await.expect("again"),
            "{backend:?}"
        );
        assert!(
            !cluster_day(&one, &site, day).await.expect("again"),
            "{backend:?}"
        );
        for store in [&one, &two] {
            assert_eq!(
                top_gaps(store, FIRST, FIRST + 30 * DAY).await,
                [gap("Do you ship to Iceland?", 140, &[])],
                "{backend:?}"
            );
        }
        pool.close().await;
        one.close().await;
        two.close().await;
    }
}

#[tokio::test]
async fn an_erased_customers_question_is_never_shown_as_a_gap() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(FIRST + 10 * DAY);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let pool = pool(&db.url).await;
        for id in ["c-jane", "c-other"] {
            sqlx::query(
                "INSERT INTO conversations (id, site_id, created_at, answers, escalated) \
                 VALUES ($1, 'demo', $2, 0, 1)",
            )
            .bind(id)
            .bind(FIRST + 5 * DAY)
            .execute(&pool)
            .await
            .expect("conversation");
        }
        // Jane asked twice, so her words are the cluster's example.
        insert_unanswered(
            &pool,
            "c-jane",
            "pay by invoice Jane Roe",
            2,
            FIRST + 5 * DAY,
        )
        .await;
        insert_unanswered(
            &pool,
            "c-other",
            "pay by invoice?",
            1,
            FIRST + 5 * DAY + HOUR,
        )
        .await;
        DayClustering::new(store.clone())
            .catch_up()
            .await
            .expect("catch up");
        let (from, to) = (FIRST, FIRST + 10 * DAY);
        assert_eq!(
            top_gaps(&store, from, to).await,
            [gap("pay by invoice Jane Roe", 3, &["pay by invoice?"])],
            "{backend:?}"
        );

        store.erase_conversation("c-jane").await.expect("erase");
        // Her questions still count in the day's cluster; her words are gone from it.
        let gaps = top_gaps(&store, from, to).await;
        assert_eq!(gaps, [gap("pay by invoice?", 3, &[])], "{backend:?}");
        let json = serde_json::to_string(&gaps).expect("json");
        assert!(!json.contains("Jane"), "{backend:?}: {json}");

        // A deleted example takes its stored cluster with it (foreign keys are enforced
        // on both databases: SQLite's connections turn them on).
        sqlx::query("DELETE FROM messages WHERE conversation_id = 'c-jane'")
            .execute(&pool)
            .await
            .expect("delete");
        let row = sqlx::query("SELECT COUNT(*) AS n FROM unanswered_clusters")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(
            sqlx::Row::try_get::<i64, _>(&row, "n").expect("n"),
            0,
            "{backend:?}"
        );
        assert_eq!(top_gaps(&store, from, to).await, [], "{backend:?}");
        pool.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_store_from_before_the_stored_clusters_gets_its_days_clustered_and_reported() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let migrations = previous_migrations(backend, "0033");
        let pool = pool(&db.url).await;
        sqlx::migrate::Migrator::new(migrations.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("previous release's migrations");
        // Day 3: 4 questions about Iceland, 2 weak suggestions about gift wrap (0.3 < 0.5),
        // one confident suggestion (not a gap); day 4: 3 more about Iceland.
        for (id, day) in [("c1", 3), ("c2", 4)] {
            sqlx::query(
                "INSERT INTO conversations (id, site_id, created_at, answers, escalated) \
                 VALUES ($1, 'demo', $2, 0, 1)",
            )
            .bind(id)
            .bind(FIRST + day * DAY)
            .execute(&pool)
            .await
            .expect("conversation");
        }
        insert_unanswered(&pool, "c1", "Do you ship to Iceland?", 4, FIRST + 3 * DAY).await;
        insert_unanswered(&pool, "c2", "shipping to iceland", 3, FIRST + 4 * DAY).await;
        for (body, confidence) in [
            ("gift wrap?", 0.3),
            ("gift wrap?", 0.3),
            ("where is my order", 0.8),
        ] {
            sqlx::query(
                "INSERT INTO messages (conversation_id, site_id, author, body, decision, confidence, \
                 label, created_at) VALUES ('c1', 'demo', 'customer', $1, 'suggest', $2, NULL, $3)",
            )
            .bind(body)
            .bind(confidence)
            .bind(FIRST + 3 * DAY + 2 * HOUR)
            .execute(&pool)
            .await
            .expect("suggestion");
        }
        pool.close().await;

        // Opening the store applies migration 0033; the job then clusters both days.
        let clock = ManualClock::starting_at(FIRST + 10 * DAY);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let done = DayClustering::new(store.clone())
            .catch_up()
            .await
            .expect("catch up");
        assert_eq!(
            done,
            CatchUp {
                stored: 2,
                taken_elsewhere: 0
            },
            "{backend:?}"
        );
        assert_eq!(
            top_gaps(&store, FIRST, FIRST + 10 * DAY).await,
            [
                gap("Do you ship to Iceland?", 7, &["shipping to iceland"]),
                gap("gift wrap?", 2, &[]),
            ],
            "{backend:?}"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn the_widget_server_clusters_closed_days_by_itself() {
    // The server reads the system clock: questions of three days ago are of a closed day.
    let now = jiff::Timestamp::now().as_millisecond();
    let day = now / DAY - 3;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("store");
        let pool = pool(&db.url).await;
        insert_unanswered(&pool, "c1", "Do you ship to Iceland?", 4, day * DAY + HOUR).await;
        let server = frontline_tests::widget_server::TestServer::start(&db.url).await;
        let site = frontline_tests::demo_site();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut clustered = Vec::new();
        while clustered.is_empty() && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            clustered = store
                .clustered_unanswered_days(&site, day, day + 1)
                .await
                .expect("days");
        }
        assert_eq!(clustered, [day], "{backend:?}");
        assert_eq!(
            top_gaps(&store, day * DAY, (day + 1) * DAY).await,
            [gap("Do you ship to Iceland?", 4, &[])],
            "{backend:?}"
        );
        server.stop().await;
        pool.close().await;
        store.close().await;
    }
}
