//! `Classifier::rank` on CLINC150 validation queries (150 intents + oos), trained on the
//! train split. Run with `cargo bench --bench classifier`.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use frontline_matcher::classifier::{Classifier, Example, TrainOptions};

fn load(path: &Path) -> Vec<Example> {
    let content = std::fs::read_to_string(path).expect("data file readable");
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
            Example::new(
                v["text"].as_str().expect("text"),
                v["intent"].as_str().expect("intent"),
            )
        })
        .collect()
}

fn rank(c: &mut Criterion) {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/clinc150"
    ));
    if !dir.join("train.jsonl").exists() {
        eprintln!("SKIP: CLINC150 data not found at {}", dir.display());
        return;
    }
    let mut train = load(&dir.join("train.jsonl"));
    train.extend(load(&dir.join("oos_train.jsonl")));
    let queries: Vec<String> = load(&dir.join("val.jsonl"))
        .into_iter()
        .chain(load(&dir.join("oos_val.jsonl")))
        .map(|e| e.text)
        .collect();
    let classifier = Classifier::train(&train, &TrainOptions::default()).expect("trains");

    let mut next = queries.iter().cycle();
    c.bench_function("rank top-3, CLINC150 (151 labels)", |b| {
        b.iter(|| {
            let query = next.next().expect("cycle never ends");
            black_box(classifier.rank(black_box(query), 3))
        })
    });
    let long = queries
        .iter()
        .take(200)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    c.bench_function("rank top-3, 1000-char query", |b| {
        b.iter(|| black_box(classifier.rank(black_box(&long), 3)))
    });
}

criterion_group!(benches, rank);
criterion_main!(benches);
