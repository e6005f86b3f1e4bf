//! Digest and dashboard figures against a generated history, each figure recomputed here
//! independently from the generated events (not from the store).

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::escalation::Priority;
use frontline_shared::stats::{days, digest};
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::digests::DigestJob;
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};
use jiff::civil::date;
use jiff::tz::TimeZone;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

const HOUR: i64 = 3_600_000;

/// A generated question: (time, decision, confidence, label, reason, text).
type Question = (
    i64,
    &'static str,
    f32,
    Option<String>,
    Option<&'static str>,
    String,
);

/// One generated conversation and everything that happened in it.
#[derive(Debug, Clone)]
struct Generated {
    id: String,
    created: i64,
    questions: Vec<Question>,
    handoff: Option<(i64, Priority)>,
    claimed: Option<i64>,
    resolved: Option<i64>,
    feedback: Option<(i64, bool)>,
}

const UNANSWERED: [&[&str]; 3] = [
    &[
        "Do you ship to Iceland?",
        "do you ship to iceland",
        "Shipping to Iceland?",
    ],
    &[
        "can you gift wrap my order",
        "is gift wrapping available",
        "gift wrap order",
    ],
    &["what is your phone number"],
];

fn generate(seed: u64, start: i64, days: i64, count: usize) -> Vec<Generated> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let intents = [
        "order_status",
        "shipping_time",
        "start_return",
        "payment_methods",
    ];
    (0..count)
        .map(|i| {
            let created = start + rng.random_range(0..days * 24 * HOUR);
            let mut questions = Vec::new();
            for q in 0..rng.random_range(1..=3) {
                let at = created + q * 60_000;
                let roll: f64 = rng.random();
                let label = Some(format!(
                    "intent:{}",
                    intents[rng.random_range(0..intents.len())]
                ));
                if roll < 0.55 {
                    questions.push((
                        at,
                        "answer",
                        rng.random_range(0.6..1.0),
                        label,
                        None,
                        "where is my order".into(),
                    ));
                } else if roll < 0.7 {
                    questions.push((
                        at,
                        "suggest",
                        rng.random_range(0.2..0.6),
                        label,
                        None,
                        "hmm shipping".into(),
                    ));
                } else {
                    let group = UNANSWERED[rng.random_range(0..UNANSWERED.len())];
                    let text = group[rng.random_range(0..group.len())].to_string();
                    questions.push((
                        at,
                        "handoff",
                        rng.random_range(0.0..0.3),
                        label,
                        Some("low_confidence"),
                        text,
                    ));
                }
            }
            let handoff = rng.random_bool(0.3).then(|| {
                (
                    created + 5 * 60_000,
                    [Priority::Low, Priority::Normal, Priority::High][rng.random_range(0..3)],
                )
            });
            let claimed = handoff.and_then(|(at, _)| {
                rng.random_bool(0.8)
                    .then(|| at + rng.random_range(1..=40) * 60_000)
            });
            let resolved = claimed.and_then(|at| {
                rng.random_bool(0.7)
                    .then(|| at + rng.random_range(1..=300) * 60_000)
            });
            let feedback = rng
                .random_bool(0.4)
                .then(|| (created + 2 * 60_000, rng.random_bool(0.7)));
            Generated {
                id: format!("conv_{i:05}"),
                created,
                questions,
                handoff,
                claimed,
                resolved,
                feedback,
            }
        })
        .collect()
}

async fn seed(store: &Store, clock: &ManualClock, history: &[Generated]) {
    for g in history {
        let conversation = Conversation {
            id: g.id.clone(),
            site_id: "demo".into(),
            page_url: None,
            locale: None,
            customer: serde_json::Map::new(),
            created_at_ms: g.created,
        };
        let records: Vec<QuestionRecord> = g
            .questions
            .iter()
            .map(
                |(at, decision, confidence, label, reason, text)| QuestionRecord {
                    conversation: conversation.clone(),
                    question: text.clone(),
                    decision: (*decision).into(),
                    confidence: *confidence,
                    label: label.clone(),
                    reason: reason.map(String::from),
                    reply: None,
                    at_ms: *at,
                },
            )
            .collect();
        store.record_questions(&records).await.expect("questions");
        if let Some((at, priority)) = g.handoff {
            clock.set_ms(at);
            let handoff = NewHandoff {
                conversation: conversation.clone(),
                email: "c@example.com".into(),
                name: None,
                message: None,
                customer: serde_json::Map::new(),
                page_url: None,
                priority,
                tags: vec![],
                intent: None,
                matched: vec![],
                question: None,
                outside_hours: false,
            };
            let (escalation, _) = store.create_handoff(handoff).await.expect("handoff");
            if let Some(at) = g.claimed {
                clock.set_ms(at);
                store.claim(&escalation.id, "Ana").await.expect("claim");
            }
            if let Some(at) = g.resolved {
                clock.set_ms(at);
                store.resolve(&escalation.id, "Ana").await.expect("resolve");
            }
        }
        if let Some((at, helpful)) = g.feedback {
            clock.set_ms(at);
            store
                .record_feedback(&conversation, helpful)
                .await
                .expect("feedback");
        }
    }
}

/// Nearest-rank percentile, seconds.
fn nearest_rank(mut values: Vec<i64>, p: f64) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    (n > 0).then(|| values[((p * n as f64).ceil() as usize).max(1) - 1] as f64 / 1000.0)
}

#[derive(Debug, PartialEq)]
struct Expected {
    conversations: i64,
    deflected: i64,
    questions: i64,
    handoffs: i64,
    helpful: i64,
    unhelpful: i64,
    median_claim: Option<f64>,
    p90_claim: Option<f64>,
    p90_resolve: Option<f64>,
    breaches: i64,
    top_intent: Option<(String, i64)>,
}

fn expected(history: &[Generated], from: i64, to: i64, now: i64) -> Expected {
    let within = |t: i64| t >= from && t < to;
    let sla = SlaSettings::default();
    let in_period: Vec<&Generated> = history.iter().filter(|g| within(g.created)).collect();
    let escalated: Vec<&Generated> = history
        .iter()
        .filter(|g| g.handoff.is_some_and(|(at, _)| within(at)))
        .collect();
    let mut intents: HashMap<String, i64> = HashMap::new();
    for (_, _, confidence, label, _, _) in history
        .iter()
        .flat_map(|g| &g.questions)
        .filter(|q| within(q.0))
    {
        if *confidence >= 0.5 {
            *intents
                .entry(label.clone().unwrap_or_default().replace("intent:", ""))
                .or_default() += 1;
        }
    }
    let top_intent = intents
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
    Expected {
        conversations: in_period.len() as i64,
        deflected: in_period
            .iter()
            .filter(|g| g.handoff.is_none() && g.questions.iter().any(|q| q.1 == "answer"))
            .count() as i64,
        questions: history
            .iter()
            .flat_map(|g| &g.questions)
            .filter(|q| within(q.0))
            .count() as i64,
        handoffs: escalated.len() as i64,
        helpful: history
            .iter()
            .filter(|g| g.feedback.is_some_and(|(at, h)| within(at) && h))
            .count() as i64,
        unhelpful: history
            .iter()
            .filter(|g| g.feedback.is_some_and(|(at, h)| within(at) && !h))
            .count() as i64,
        median_claim: nearest_rank(
            escalated
                .iter()
                .filter_map(|g| Some(g.claimed? - g.handoff?.0))
                .collect(),
            0.5,
        ),
        p90_claim: nearest_rank(
            escalated
                .iter()
                .filter_map(|g| Some(g.claimed? - g.handoff?.0))
                .collect(),
            0.9,
        ),
        p90_resolve: nearest_rank(
            escalated
                .iter()
                .filter_map(|g| Some(g.resolved? - g.handoff?.0))
                .collect(),
            0.9,
        ),
        breaches: escalated
            .iter()
            .filter(|g| {
                let (at, priority) = g.handoff.expect("escalated");
                let picked = g.claimed.or(g.resolved).unwrap_or(now);
                picked - at > sla.for_priority(priority).as_millis() as i64
            })
            .count() as i64,
        top_intent,
    }
}

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
        let sites = vec!["demo".to_string()];
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
        &["demo".to_string()],
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
            key: DigestJob::scheduled_key("slack", "C1", "2026-11-25"),
            platform: "slack".into(),
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
