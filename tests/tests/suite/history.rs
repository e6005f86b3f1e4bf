//! A generated support history with known figures: conversations, questions, handoffs,
//! claims, resolutions and feedback spread over days, seeded into a store; and the
//! figures a report over a period must show, counted here independently of the store.

use frontline_shared::clock::ManualClock;
use frontline_shared::config::SlaSettings;
use frontline_shared::escalation::Priority;
use frontline_shared::store::conversations::{Conversation, QuestionRecord};
use frontline_shared::store::escalations::NewHandoff;
use frontline_shared::store::Store;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

pub const HOUR: i64 = 3_600_000;

/// A generated question: (time, decision, confidence, label, reason, text).
pub type Question = (
    i64,
    &'static str,
    f32,
    Option<String>,
    Option<&'static str>,
    String,
);

/// One generated conversation and everything that happened in it.
#[derive(Debug, Clone)]
pub struct Generated {
    pub id: String,
    pub created: i64,
    pub questions: Vec<Question>,
    pub handoff: Option<(i64, Priority)>,
    pub claimed: Option<i64>,
    pub resolved: Option<i64>,
    pub feedback: Option<(i64, bool)>,
}

pub const UNANSWERED: [&[&str]; 3] = [
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

pub fn generate(seed: u64, start: i64, days: i64, count: usize) -> Vec<Generated> {
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

pub async fn seed(store: &Store, clock: &ManualClock, history: &[Generated]) {
    for g in history {
        let conversation = Conversation {
            id: g.id.clone(),
            site_id: frontline_tests::demo_site(),
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
                    reply_language_note: None,
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
                mail: false,
                email_me: false,
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
pub fn nearest_rank(mut values: Vec<i64>, p: f64) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    (n > 0).then(|| values[((p * n as f64).ceil() as usize).max(1) - 1] as f64 / 1000.0)
}

#[derive(Debug, PartialEq)]
pub struct Expected {
    pub conversations: i64,
    pub deflected: i64,
    pub questions: i64,
    pub handoffs: i64,
    pub helpful: i64,
    pub unhelpful: i64,
    pub median_claim: Option<f64>,
    pub p90_claim: Option<f64>,
    pub p90_resolve: Option<f64>,
    pub breaches: i64,
    pub top_intent: Option<(String, i64)>,
}

pub fn expected(history: &[Generated], from: i64, to: i64, now: i64) -> Expected {
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
