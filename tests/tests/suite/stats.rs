//! Digest and dashboard figures against a generated history, each figure recomputed here
//! independently from the generated events (not from the store).

use frontline_shared::clock::ManualClock;
use frontline_shared::config::{ChatPlatform, SlaSettings};
use frontline_shared::stats::{days, digest};
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};
use jiff::civil::date;
use jiff::tz::TimeZone;

use crate::history::{expected, generate, seed, Expected, HOUR, UNANSWERED};

#[tokio::test]
async fn digest_figures_match_an_independent_count() {
    let new_york = TimeZone::get("America/New_York").expect("tz");
    // Ten days around the end of daylight saving time in New York (2026-11-01).
    let start = days::bounds(date(2026, 10, 26), &new_york).0;
    let history = generate(7, start, 10, 400);
    let now = start + 12 * 24 * HOUR;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(start);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        seed(&store, &clock, &history).await;
        clock.set_ms(now);
        let sites = vec![frontline_tests::demo_site()];
        for day in [date(2026, 11, 1), date(2026, 11, 3)] {
            let data = digest::digest(
                &store,
                &sites,
                &new_york,
                "America/New_York",
                day,
                &SlaSettings::default(),
                now,
            )
            .await
            .expect("digest");
            let (from, to) = days::bounds(day, &new_york);
            let want = expected(&history, from, to, now);
            let report = &data.report;
            let got = Expected {
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
            };
            assert_eq!(got, want, "{backend:?} {day}");
            assert!(want.conversations > 10, "the day has data: {want:?}");
            // The day before, and the average of the seven days before.
            let previous = day.yesterday().expect("date");
            let (pf, pt) = days::bounds(previous, &new_york);
            assert_eq!(
                data.previous_day.conversations,
                expected(&history, pf, pt, now).conversations as f64
            );
            let week: Vec<i64> = (1..=7)
                .map(|back| {
                    let d = day.checked_sub(jiff::Span::new().days(back)).expect("date");
                    let (f, t) = days::bounds(d, &new_york);
                    expected(&history, f, t, now).handoffs
                })
                .collect();
            let average = week.iter().sum::<i64>() as f64 / 7.0;
            assert!(
                (data.week_average.handoffs - average).abs() < 1e-9,
                "{} vs {average}",
                data.week_average.handoffs
            );
            // Fourteen days of volume ending with the day; the day's point matches.
            assert_eq!(data.series.len(), 14);
            let point = data.series.last().expect("point");
            assert_eq!(
                (point.conversations, point.handoffs),
                (want.conversations, want.handoffs)
            );
        }
        // 2026-11-01 in New York lasts 25 hours.
        let (from, to) = days::bounds(date(2026, 11, 1), &new_york);
        assert_eq!(to - from, 25 * HOUR);
    }
}

#[tokio::test]
async fn unanswered_questions_cluster_by_phrasing_group() {
    let utc = TimeZone::UTC;
    let start = days::bounds(date(2026, 11, 20), &utc).0;
    let history = generate(11, start, 1, 200);
    let db = TestDatabase::new(backends()[0]).await;
    let clock = ManualClock::starting_at(start);
    let store = Store::connect_with_clock(&db.url, clock.clone())
        .await
        .expect("store");
    seed(&store, &clock, &history).await;
    let (from, to) = days::bounds(date(2026, 11, 20), &utc);
    let report = frontline_shared::stats::report(
        &store,
        &[frontline_tests::demo_site()],
        from,
        to,
        &SlaSettings::default(),
        to,
    )
    .await
    .expect("report");
    // Count, per phrasing group, the unanswered questions generated in the day.
    let mut want: Vec<usize> = UNANSWERED
        .iter()
        .map(|group| {
            history
                .iter()
                .flat_map(|g| &g.questions)
                .filter(|q| {
                    q.1 == "handoff" && q.0 >= from && q.0 < to && group.contains(&q.5.as_str())
                })
                .count()
        })
        .collect();
    // Weak suggestions (below 0.5) count as unanswered too.
    want.push(
        history
            .iter()
            .flat_map(|g| &g.questions)
            .filter(|q| q.1 == "suggest" && q.2 < 0.5 && q.0 >= from && q.0 < to)
            .count(),
    );
    want.sort_unstable_by(|a, b| b.cmp(a));
    let got: Vec<usize> = report.top_unanswered.iter().map(|c| c.count).collect();
    assert_eq!(got, want, "{:?}", report.top_unanswered);
}

#[tokio::test]
async fn a_digest_key_is_scheduled_once() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let store = Store::connect(&db.url).await.expect("store");
        let job = DigestJob {
            key: DigestJob::scheduled_key(ChatPlatform::Slack, "C1", "2026-11-25"),
            platform: ChatPlatform::Slack,
            channel: "C1".into(),
            day: "2026-11-25".into(),
            time_zone: "UTC".into(),
            sites: vec![],
            late: false,
            on_demand: false,
        };
        let racers = (0..4).map(|_| {
            let (store, job) = (store.clone(), job.clone());
            tokio::spawn(async move { store.schedule_digest(&job).await.expect("schedule") })
        });
        let mut won = 0;
        for racer in racers {
            won += usize::from(racer.await.expect("join"));
        }
        assert_eq!(won, 1, "{backend:?}");
        assert_eq!(store.pending_outbox().await.expect("pending"), 1);
    }
}
