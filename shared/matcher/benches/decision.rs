//! One decision (classifier + knowledge-base lookup) over CLINC150's 150 intents and a
//! generated 10,000-article knowledge base, single-threaded.
//!
//! `cargo bench --workspace --bench decision` prints, before criterion's own report:
//! the index build time for 10,000 articles, the matcher's training time, the latency
//! distribution of 20,000 decisions (p50 / p99 / max, one thread) and the process RSS.
//! Needs `../shared/data/clinc150/` beside the repository.

use criterion::Criterion;
use frontline_matcher::classifier::Thresholds;
use frontline_matcher::intents::{Intent, IntentSet};
use frontline_matcher::knowledge::{Article, KnowledgeBase};
use frontline_matcher::{AnswerContext, HumanRequest, Matcher};
use frontline_shared::escalation::Priority;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/clinc150")
}

fn read_jsonl(name: &str) -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(data_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| {
            Some((
                v["text"].as_str()?.to_string(),
                v["intent"].as_str()?.to_string(),
            ))
        })
        .collect()
}

fn intents(train: &[(String, String)]) -> IntentSet {
    let mut by_intent: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut out_of_scope = Vec::new();
    for (text, intent) in train {
        if intent == "oos" {
            out_of_scope.push(text.clone());
        } else {
            by_intent.entry(intent).or_default().push(text.clone());
        }
    }
    IntentSet {
        intents: by_intent
            .into_iter()
            .map(|(name, examples)| Intent {
                name: name.to_string(),
                title: name.replace('_', " "),
                examples,
                answer: Some(format!("Here is how {} works{{{{#if customer.name}}}}, {{{{customer.name}}}}{{{{/if}}}}.", name.replace('_', " "))),
                articles: vec![],
                handoff: false,
                priority: Priority::Normal,
                tags: vec![],
                translations: Default::default(),
            })
            .collect(),
        out_of_scope,
    }
}

/// FAQ-like articles made of the vocabulary customers use: 4–8 word titles, two
/// headings, 80–120 word bodies.
fn articles(vocabulary: &[String], count: usize) -> Vec<Article> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut words = |n: usize| -> String {
        (0..n)
            .map(|_| vocabulary[rng.random_range(0..vocabulary.len())].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..count)
        .map(|i| {
            let title = words(4 + i % 5);
            let headings = vec![words(3), words(4)];
            let text = words(80 + i % 41);
            Article {
                id: format!("article-{i:05}"),
                title,
                url: Some(format!("https://help.example/{i}")),
                tags: vec![words(1)],
                intents: vec![],
                locale: "en".into(),
                translation_of: None,
                questions: vec![],
                draft: false,
                headings,
                html: format!("<p>{text}</p>"),
                text,
                path: PathBuf::from(format!("kb/{i}.md")),
            }
        })
        .collect()
}

/// The same measurement on the bundled demo storefront (26 intents, 45 articles), with a
/// customer context so answer templates render.
fn demo_storefront() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../widget-server/demo");
    let source = frontline_matcher::live::MatcherSource {
        knowledge_dir: demo.join("kb"),
        intents_file: demo.join("intents.toml"),
        thresholds: Thresholds::default(),
        human_phrases: vec![],
        encoder: None,
        embedding_cache: None,
        site_locale: "en".into(),
        embed_in_background_above: frontline_matcher::live::EMBED_IN_BACKGROUND_ABOVE,
        encoder_always: false,
    };
    let matcher = source.build().expect("demo");
    let context = AnswerContext {
        customer: serde_json::Map::from_iter([("name".to_string(), serde_json::json!("Sam"))]),
        site: Some(frontline_shared::site_id::SiteId::parse("demo").expect("a site id")),
        page_url: None,
    };
    let questions = [
        "How long does shipping take to the UK?",
        "where is my order",
        "can I return a jacket I wore once",
        "do you accept paypal",
        "my discount code doesn't work",
        "which boot size should I take, I'm between sizes",
        "how do I reset my password",
        "what is the capital of France",
        "I want to talk to a human",
        "how much is shipping to germany",
    ];
    let mut times: Vec<Duration> = questions
        .iter()
        .cycle()
        .take(20_000)
        .map(|q| {
            let started = Instant::now();
            std::hint::black_box(matcher.decide(q, &context));
            started.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "demo storefront decision (the /ask mix), one thread: p50 {:?}, p99 {:?}",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    if !data_dir().exists() {
        eprintln!("skipping: {} is absent", data_dir().display());
        return;
    }
    let train = read_jsonl("train.jsonl")
        .into_iter()
        .chain(read_jsonl("oos_train.jsonl"))
        .collect::<Vec<_>>();
    let queries: Vec<String> = read_jsonl("val.jsonl")
        .into_iter()
        .chain(read_jsonl("oos_val.jsonl"))
        .map(|(t, _)| t)
        .collect();
    let mut vocabulary: Vec<String> = train
        .iter()
        .flat_map(|(t, _)| t.split_whitespace().map(str::to_lowercase))
        .collect();
    vocabulary.sort();
    vocabulary.dedup();
    let generated = articles(&vocabulary, 10_000);

    let mut builds = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let kb = KnowledgeBase::from_articles(generated.clone()).expect("index");
        builds.push(started.elapsed());
        drop(kb);
    }
    let knowledge = KnowledgeBase::from_articles(generated).expect("index");
    let started = Instant::now();
    let matcher = Matcher::build(
        knowledge,
        intents(&train),
        Thresholds::default(),
        HumanRequest::default(),
    )
    .expect("matcher");
    let training = started.elapsed();

    let context = AnswerContext::default();
    for query in queries.iter().take(500) {
        std::hint::black_box(matcher.decide(query, &context));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(20_000);
    for query in queries.iter().cycle().take(20_000) {
        let started = Instant::now();
        std::hint::black_box(matcher.decide(query, &context));
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let at = |p: f64| {
        latencies[((p * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    println!(
        "index build, 10,000 articles: best {:.3} s of 3 (all: {:?})",
        builds
            .iter()
            .min()
            .map(Duration::as_secs_f64)
            .unwrap_or(0.0),
        builds
            .iter()
            .map(|d| format!("{:.3}", d.as_secs_f64()))
            .collect::<Vec<_>>()
    );
    println!(
        "matcher training (150 intents + oos, classifier + calibration): {:.2} s",
        training.as_secs_f64()
    );
    println!(
        "decision latency over 20,000 CLINC150 validation queries, one thread: p50 {:?}, p99 {:?}, max {:?}",
        at(0.5),
        at(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    println!(
        "RSS now {} MiB, peak {} MiB",
        rss_kib("VmRSS:") / 1024,
        rss_kib("VmHWM:") / 1024
    );
    // Where a decision's time goes.
    type Part<'a> = (&'a str, &'a dyn Fn(&str));
    let parts: [Part; 3] = [
        ("knowledge-base search, top 3", &|q| {
            std::hint::black_box(matcher.knowledge().search(q, 3).ok());
        }),
        ("knowledge-base search with snippets, top 3", &|q| {
            std::hint::black_box(matcher.related_articles(
                q,
                frontline_matcher::language::detect(q),
                3,
            ));
        }),
        ("full decision", &|q| {
            std::hint::black_box(matcher.decide(q, &context));
        }),
    ];
    for (name, run) in parts {
        let mut times: Vec<Duration> = queries
            .iter()
            .take(5_000)
            .map(|q| {
                let started = Instant::now();
                run(q);
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "  {name}: p50 {:?}, p99 {:?}",
            times[times.len() / 2],
            times[times.len() * 99 / 100]
        );
    }

    demo_storefront();

    let mut criterion = Criterion::default().configure_from_args();
    let mut i = 0;
    criterion.bench_function(
        "decide (classifier + KB lookup), 150 intents, 10k articles",
        |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                matcher.decide(&queries[i], &context)
            })
        },
    );
    criterion.final_summary();
}
