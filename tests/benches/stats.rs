//! Digest and dashboard queries over 1,000,000 stored conversations on SQLite.
//!
//! `cargo bench --workspace --bench stats` (set `CONVERSATIONS` to change the size,
//! `SPAN_DAYS` the days they span, `STATS_DB` to keep the database for later runs).
//! Generates a history over 400 days through the store API (conversations with 1–3
//! questions, ~10 % handed off, most claimed and resolved), then times the report for 1,
//! 7, 30, 90 and 400 days, a full digest (a day compared with the day before and the
//! 7-day average, plus 14 days of volume), and planning (a 7-day forecast with staffing,
//! and the digest's planning lines), each read from the raw rows (before the rollups)
//! and from the rollups (after), checking both give the same figures. Prints the
//! database size. Setup clusters every closed UTC day's unanswered questions
//! (`stats::day_clusters`, as the widget server's job does after an upgrade) and prints
//! how long that took; the top unanswered questions are then checked against clustering
//! every unanswered question of the period (before read only the newest 5,000, so its
//! counts differ: the 400-day lists of both are printed).

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::escalation::Priority;
use frontline_shared::stats::day_clusters::DayClustering;
use frontline_shared::stats::{clusters, days, digest, report, Percentiles, Report, TOP};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use jiff::civil::date;
use jiff::tz::TimeZone;
use rand::{Rng, SeedableRng};
use std::time::Instant;

const DAY: i64 = 86_400_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = std::env::var("CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    // Days the history spans (`SPAN_DAYS`, default 400: the longest dashboard period).
    let span_days: i64 = std::env::var("SPAN_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    // STATS_DB=path keeps the generated SQLite database for later runs (it takes minutes
    // to make); STATS_DB=postgres://… measures an (empty or earlier generated) PostgreSQL
    // database instead.
    let dir = tempfile::tempdir()?;
    let target = std::env::var("STATS_DB").ok();
    let postgres = target.as_deref().filter(|t| t.starts_with("postgres"));
    let path = target
        .clone()
        .filter(|_| postgres.is_none())
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("stats.db"));
    let url = match postgres {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", path.display()),
    };
    let tz = TimeZone::get("Europe/Berlin")?;
    let first_day = date(2026, 8, 1);
    let start = days::bounds(first_day, &tz).0;
    let clock = ManualClock::starting_at(start);
    let store = Store::connect_with_clock(&url, clock.clone()).await?;
    let demo = frontline_tests::demo_site();
    let reuse = store.period_counts(&demo, 0, i64::MAX).await?.conversations > 0;

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
        let created = start + rng.random_range(0..span_days * DAY);
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
                reply_language_note: None,
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
    let store = Store::connect(&url).await?;
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    if reuse {
        println!(
            "reusing {}",
            postgres.unwrap_or(&path.display().to_string())
        );
    }
    println!(
        "generated {total} conversations, {} escalations in {:.1} s; database {:.0} MB",
        handoffs.len(),
        generation.as_secs_f64(),
        size as f64 / 1e6
    );

    let sites = vec![frontline_tests::demo_site()];
    let sla = SlaSettings::default();
    let last_day = first_day.checked_add(jiff::Span::new().days(span_days - 1))?;
    let now = days::bounds(last_day, &tz).1;
    // The closed days' unanswered questions clustered, as the widget server's job does
    // (on a database from before migration 0033: the backfill).
    let clustered = Instant::now();
    let job_store = Store::connect_with_clock(&url, ManualClock::starting_at(now)).await?;
    let done = DayClustering::new(job_store.clone()).catch_up().await?;
    job_store.close().await;
    println!(
        "clustered the unanswered questions of {} days in {:.1} s",
        done.stored,
        clustered.elapsed().as_secs_f64()
    );
    // "Before": the same store read as before the rollups (raw rows counted per query,
    // the queries `main` ran); "after": the rollups. Same run, same database; each time is
    // the median of three runs.
    let raw = store.clone().reading_raw_rows();
    println!("| query | before: raw rows (ms) | after: rollups (ms) | conversations covered |");
    println!("|---|---|---|---|");
    for length in [1, 7, 30, 90, 400] {
        let first = last_day.checked_sub(jiff::Span::new().days(length - 1))?;
        let (from, _) = days::bounds(first, &tz);
        let (_, to) = days::bounds(last_day, &tz);
        let run = |store: Store| {
            let (sites, sla, tz) = (sites.clone(), sla.clone(), tz.clone());
            async move {
                let r = report(&store, &sites, from, to, &sla, now).await?;
                let series = days::series(&store, &sites, &tz, first, last_day).await?;
                anyhow::Ok((r, series))
            }
        };
        let (before_ms, (before, before_series)) = median_of_3(|| run(raw.clone())).await?;
        let (after_ms, (after, after_series)) = median_of_3(|| run(store.clone())).await?;
        anyhow::ensure!(
            agrees(&before, &after) && before_series == after_series,
            "{length} days: rollups differ from raw rows"
        );
        let every_question = store
            .unanswered_questions(&demo, from, to, 0.5, i64::MAX)
            .await?;
        anyhow::ensure!(
            after.top_unanswered == clusters::cluster(&every_question, 0.5, TOP),
            "{length} days: top unanswered differ from clustering every question"
        );
        if length == 400 {
            let counts = |r: &Report| {
                r.top_unanswered
                    .iter()
                    .map(|c| format!("{} × {:?}", c.count, c.example))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            println!(
                "  400 days, top unanswered before (newest 5,000): {}",
                counts(&before)
            );
            println!(
                "  400 days, top unanswered after (every question): {}",
                counts(&after)
            );
        }
        println!(
            "| report, {length} days (+ daily series) | {before_ms:.0} | {after_ms:.0} | {} |",
            after.counts.conversations
        );
    }
    let digest_of = |store: Store| {
        let (sites, sla, tz) = (sites.clone(), sla.clone(), tz.clone());
        async move {
            anyhow::Ok(
                digest::digest(&store, &sites, &tz, "Europe/Berlin", last_day, &sla, now).await?,
            )
        }
    };
    let (before_ms, before) = median_of_3(|| digest_of(raw.clone())).await?;
    let (after_ms, after) = median_of_3(|| digest_of(store.clone())).await?;
    anyhow::ensure!(before == after, "digest: rollups differ from raw rows");
    println!(
        "| digest (day + previous day + 7-day average + 14-day series) | {before_ms:.0} | {after_ms:.0} | {} |",
        after.report.counts.conversations
    );
    // Planning: a 7-day forecast of both channels fitted on the last 16 weeks, Erlang C
    // staffing, accuracy of stored forecasts; and the digest's planning lines (a 2-day
    // plan). The first plan stores its forecasts; the timed runs find them stored.
    let site = planning_site()?;
    let planning = frontline_shared::config::PlanningSettings::default();
    frontline_shared::planning::plan(&store, &planning, &site, 7, now).await?;
    let plan_of = |store: Store| {
        let (planning, site) = (planning.clone(), site.clone());
        async move {
            anyhow::Ok(frontline_shared::planning::plan(&store, &planning, &site, 7, now).await?)
        }
    };
    let (before_ms, before) = median_of_3(|| plan_of(raw.clone())).await?;
    let (after_ms, after) = median_of_3(|| plan_of(store.clone())).await?;
    anyhow::ensure!(before == after, "forecast: rollups differ from raw rows");
    println!(
        "| forecast, 7 days (both channels, staffing, accuracy) | {before_ms:.0} | {after_ms:.0} | {} history days |",
        after.channels.first().map(|c| c.history_days).unwrap_or(0)
    );
    let lines_of = |store: Store| {
        let (planning, site) = (planning.clone(), site.clone());
        async move {
            anyhow::Ok(
                frontline_shared::planning::digest_lines(&store, &planning, &site, now).await?,
            )
        }
    };
    let (before_ms, before) = median_of_3(|| lines_of(raw.clone())).await?;
    let (after_ms, after) = median_of_3(|| lines_of(store.clone())).await?;
    anyhow::ensure!(
        before == after,
        "digest lines: rollups differ from raw rows"
    );
    println!(
        "| digest planning lines | {before_ms:.0} | {after_ms:.0} | {} |",
        after.tomorrow
    );
    // Where a report spends its time now (after).
    for length in [1, 400] {
        let first = last_day.checked_sub(jiff::Span::new().days(length - 1))?;
        let (from, _) = days::bounds(first, &tz);
        let (_, to) = days::bounds(last_day, &tz);
        let mut parts = Vec::new();
        let t = Instant::now();
        store.period_counts(&demo, from, to).await?;
        parts.push(("period_counts (rollups)", t.elapsed()));
        let t = Instant::now();
        store.escalation_timings(&demo, from, to).await?;
        parts.push(("escalation_timings (raw rows, before)", t.elapsed()));
        let t = Instant::now();
        store.timing_figures(&sites, from, to, &sla, now).await?;
        parts.push((
            "timing_figures (ranked by the database; histograms from 7 whole days)",
            t.elapsed(),
        ));
        let t = Instant::now();
        store.top_intents(&demo, from, to, 50).await?;
        parts.push(("top_intents (daily + 15-minute rollups)", t.elapsed()));
        let t = Instant::now();
        let questions = store
            .unanswered_questions(&demo, from, to, 0.5, 5_000)
            .await?;
        parts.push((
            "unanswered_questions (raw, newest 5,000, before)",
            t.elapsed(),
        ));
        let t = Instant::now();
        clusters::cluster(&questions, 0.5, 5);
        parts.push(("clustering them (before)", t.elapsed()));
        let t = Instant::now();
        frontline_shared::stats::gaps::top_unanswered(&store, &sites, from, to, TOP).await?;
        parts.push((
            "top unanswered (stored day clusters + raw edges, merged)",
            t.elapsed(),
        ));
        let t = Instant::now();
        store.bucket_counts(&demo, from, to).await?;
        parts.push(("bucket_counts (rollups, before)", t.elapsed()));
        let t = Instant::now();
        days::series(&store, &sites, &tz, first, last_day).await?;
        parts.push((
            "daily series (summed per local day by the database)",
            t.elapsed(),
        ));
        for (name, took) in parts {
            println!(
                "| {length}-day part: {name} | | {:.1} | |",
                took.as_secs_f64() * 1000.0
            );
        }
    }
    Ok(())
}

/// `after` gives the same figures as `before` (raw rows), except that percentiles of
/// periods read from the timing histograms may differ by up to 0.5 s or 5 % (see
/// `store::timing_histograms`; prints the largest difference seen), and the top
/// unanswered questions, which before counted only the newest 5,000 (`main` checks
/// after's against clustering every question).
fn agrees(before: &Report, after: &Report) -> bool {
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => {
            let off = (a - b).abs();
            if off > 0.0 {
                println!(
                    "  percentile {b:.1} s read as {a:.1} s ({:.2} %)",
                    off / b * 100.0
                );
            }
            off <= 0.5f64.max(b * 0.05)
        }
        (a, b) => a == b,
    };
    let near = |a: &Percentiles, b: &Percentiles| {
        a.count == b.count
            && close(a.median_seconds, b.median_seconds)
            && close(a.p90_seconds, b.p90_seconds)
    };
    let mut rest = after.clone();
    rest.top_unanswered = before.top_unanswered.clone();
    rest.time_to_claim = before.time_to_claim;
    rest.time_to_resolve = before.time_to_resolve;
    rest == *before
        && near(&after.time_to_claim, &before.time_to_claim)
        && near(&after.time_to_resolve, &before.time_to_resolve)
}

/// Runs `run` three times: the median time in milliseconds, and the last result.
async fn median_of_3<T, F, Fut>(run: F) -> anyhow::Result<(f64, T)>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        last = Some(run().await?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok((times[1], last.ok_or_else(|| anyhow::anyhow!("no run"))?))
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
