//! Digest and dashboard queries over 1,000,000 stored conversations on SQLite.
//!
//! `cargo bench --workspace --bench stats` (set `CONVERSATIONS` to change the size).
//! Generates a history over 90 days through the store API (conversations with 1–3
//! questions, ~10 % handed off, most claimed and resolved), then times the report for a
//! day, a week, a month and the whole range, and a full digest (a day compared with the
//! day before and the 7-day average, plus 14 days of volume), and planning (a 7-day
//! forecast with staffing, and the digest's planning lines). Prints the database size.

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::escalation::Priority;
use frontline_shared::stats::{days, digest, report};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use jiff::civil::date;
use jiff::tz::TimeZone;
use rand::{Rng, SeedableRng};
use std::time::Instant;

const DAY: i64 = 86_400_000;
const SPAN_DAYS: i64 = 90;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // STATS_DB=path keeps the generated database for later runs (it takes minutes to make).
    let dir = tempfile::tempdir()?;
    let path = std::env::var("STATS_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("stats.db"));
    let reuse = path.exists();
    let tz = TimeZone::get("Europe/Berlin")?;
    let first_day = date(2026, 8, 1);
    let start = days::bounds(first_day, &tz).0;
    let clock = ManualClock::starting_at(start);
    let store =
        Store::connect_with_clock(&format!("sqlite://{}", path.display()), clock.clone()).await?;

    let generated = Instant::now();
    let total = if reuse { 0 } else { total };
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let intents = [
        "order_status",
        "shipping_time",
        "start_return",
        "payment_methods",
        "card_declined",
        "boot_sizing",
    ];
    let unanswered = [
        "do you ship to iceland",
        "gift wrapping?",
        "is the store open on sunday",
        "student discount",
    ];
    let mut batch = Vec::with_capacity(4_000);
    let mut handoffs = Vec::new();
    for i in 0..total {
        let created = start + rng.random_range(0..SPAN_DAYS * DAY);
        let conversation = Conversation {
            id: format!("conv_{i:08}"),
            site_id: frontline_tests::demo_site(),
            page_url: None,
            locale: None,
            customer: serde_json::Map::new(),
            created_at_ms: created,
        };
        for q in 0..rng.random_range(1..=3i64) {
            let handoff_question = rng.random_bool(0.15);
            batch.push(QuestionRecord {
                conversation: conversation.clone(),
                question: if handoff_question {
                    unanswered[rng.random_range(0..unanswered.len())].into()
                } else {
                    "where is my order".into()
                },
                decision: if handoff_question {
                    "handoff"
                } else {
                    "answer"
                }
                .into(),
                confidence: if handoff_question { 0.1 } else { 0.9 },
                label: Some(format!(
                    "intent:{}",
                    intents[rng.random_range(0..intents.len())]
                )),
                reason: handoff_question.then(|| "low_confidence".into()),
                reply: None,
                at_ms: created + q * 30_000,
            });
        }
        if rng.random_bool(0.1) {
            handoffs.push((conversation, created + 120_000));
        }
        if batch.len() >= 3_000 {
            store.record_questions(&batch).await?;
            batch.clear();
        }
    }
    store.record_questions(&batch).await?;
    for (conversation, at) in &handoffs {
        clock.set_ms(*at);
        let (escalation, _) = store
            .create_handoff(NewHandoff {
                conversation: conversation.clone(),
                email: "c@example.com".into(),
                name: None,
                message: None,
                customer: serde_json::Map::new(),
                page_url: None,
                priority: Priority::Normal,
                tags: vec![],
                intent: None,
                matched: vec![],
                question: None,
                outside_hours: false,
                mail: false,
                email_me: false,
            })
            .await?;
        clock.set_ms(at + rng.random_range(60_000..3_600_000));
        store.claim(&escalation.id, "Ana").await?;
        clock.set_ms(at + rng.random_range(3_600_000..20_000_000));
        store.resolve(&escalation.id, "Ana").await?;
    }
    let generation = generated.elapsed();
    store.close().await;
    let store = Store::connect(&format!("sqlite://{}", path.display())).await?;
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    if reuse {
        println!("reusing {}", path.display());
    }
    println!(
        "generated {total} conversations, {} escalations in {:.1} s; database {:.0} MB",
        handoffs.len(),
        generation.as_secs_f64(),
        size as f64 / 1e6
    );

    let sites = vec![frontline_tests::demo_site()];
    let demo = frontline_tests::demo_site();
    let sla = SlaSettings::default();
    let last_day = first_day.checked_add(jiff::Span::new().days(SPAN_DAYS - 1))?;
    let now = days::bounds(last_day, &tz).1;
    println!("| query | time (ms) | conversations covered |");
    println!("|---|---|---|");
    for (name, length) in [
        ("report, 1 day", 1),
        ("report, 7 days", 7),
        ("report, 30 days", 30),
        ("report, 90 days (all)", SPAN_DAYS),
    ] {
        let first = last_day.checked_sub(jiff::Span::new().days(length - 1))?;
        let (from, _) = days::bounds(first, &tz);
        let (_, to) = days::bounds(last_day, &tz);
        let timer = Instant::now();
        let r = report(&store, &sites, from, to, &sla, now).await?;
        let series = days::series(&store, &sites, &tz, first, last_day).await?;
        println!(
            "| {name} (+ daily series of {} days) | {:.0} | {} |",
            series.len(),
            timer.elapsed().as_secs_f64() * 1000.0,
            r.counts.conversations
        );
    }
    // Where a one-day and a 30-day report spend their time.
    for length in [1, 30] {
        let first = last_day.checked_sub(jiff::Span::new().days(length - 1))?;
        let (from, _) = days::bounds(first, &tz);
        let (_, to) = days::bounds(last_day, &tz);
        let mut parts = Vec::new();
        let t = Instant::now();
        store.period_counts(&demo, from, to).await?;
        parts.push(("period_counts", t.elapsed()));
        let t = Instant::now();
        store.escalation_timings(&demo, from, to).await?;
        parts.push(("escalation_timings", t.elapsed()));
        let t = Instant::now();
        store.top_intents(&demo, from, to, 0.5, 50).await?;
        parts.push(("top_intents", t.elapsed()));
        let t = Instant::now();
        let questions = store
            .unanswered_questions(&demo, from, to, 0.5, 5_000)
            .await?;
        parts.push(("unanswered_questions", t.elapsed()));
        let t = Instant::now();
        frontline_shared::stats::clusters::cluster(&questions, 0.5, 5);
        parts.push(("clustering", t.elapsed()));
        let t = Instant::now();
        store.unclaimed_now(&demo).await?;
        parts.push(("unclaimed_now", t.elapsed()));
        let t = Instant::now();
        store.bucket_counts(&demo, from, to).await?;
        parts.push(("bucket_counts", t.elapsed()));
        for (name, took) in parts {
            println!(
                "| {length}-day part: {name} | {:.1} | |",
                took.as_secs_f64() * 1000.0
            );
        }
    }
    let timer = Instant::now();
    let d = digest::digest(&store, &sites, &tz, "Europe/Berlin", last_day, &sla, now).await?;
    println!(
        "| digest (day + previous day + 7-day average + 14-day series) | {:.0} | {} |",
        timer.elapsed().as_secs_f64() * 1000.0,
        d.report.counts.conversations
    );
    // Planning: a 7-day forecast of both channels fitted on the last 16 weeks (hourly
    // counts grouped in SQL), Erlang C staffing, accuracy of stored forecasts; and the
    // digest's planning lines (a 2-day plan).
    let site = planning_site()?;
    let planning = frontline_shared::config::PlanningSettings::default();
    for (name, run) in [
        ("forecast, 7 days (both channels)", 7),
        ("forecast again (forecasts already stored)", 7),
    ] {
        let timer = Instant::now();
        let plan = frontline_shared::planning::plan(&store, &planning, &site, run, now).await?;
        println!(
            "| {name} | {:.0} | {} history days |",
            timer.elapsed().as_secs_f64() * 1000.0,
            plan.channels.first().map(|c| c.history_days).unwrap_or(0)
        );
    }
    // Where the forecast spends its time: the hourly counts of 16 weeks, the handle time.
    {
        use frontline_shared::store::forecasts::Channel;
        let from = now - 112 * DAY;
        for channel in Channel::ALL {
            let t = Instant::now();
            let buckets = store.arrival_buckets(&demo, channel, from, now).await?;
            println!(
                "| forecast part: {} counts per 15 min, 16 weeks | {:.0} | {} buckets |",
                channel.as_str(),
                t.elapsed().as_secs_f64() * 1000.0,
                buckets.len()
            );
        }
        let t = Instant::now();
        let timings = store.escalation_timings(&demo, now - 28 * DAY, now).await?;
        println!(
            "| forecast part: handle time (28 days of escalations) | {:.0} | {} |",
            t.elapsed().as_secs_f64() * 1000.0,
            timings.len()
        );
    }
    let timer = Instant::now();
    let lines = frontline_shared::planning::digest_lines(&store, &planning, &site, now).await?;
    println!(
        "| digest planning lines | {:.0} | {} |",
        timer.elapsed().as_secs_f64() * 1000.0,
        lines.tomorrow
    );
    Ok(())
}

/// The bench's site, in Europe/Berlin like the generated history.
fn planning_site() -> anyhow::Result<frontline_shared::config::SiteSettings> {
    let text = "[[sites]]\nid = \"demo\"\nknowledge_dir = \"kb\"\nintents_file = \"intents.toml\"\n\
                [sites.business_hours]\ntime_zone = \"Europe/Berlin\"\ndays = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\n";
    let settings = frontline_shared::config::Settings::parse(
        text,
        std::path::Path::new("."),
        std::path::Path::new("bench.toml"),
        &|_| None,
    )?;
    settings
        .sites
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no site"))
}
