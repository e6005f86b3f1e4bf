//! 8-bit (on each integer kernel this CPU has: AVX-512 VNNI, AVX2) against f32 layers on
//! the same questions, in one run: how close the embeddings stay (cosine) and how long one
//! question takes on one thread.
//!
//! `cargo run --release -p frontline-matcher --example compare_precision -- [N] [int8]` embeds the
//! first `N` (default 1,000) CLINC150 validation questions (`FRONTLINE_CLINC150_DIR`, else
//! `../shared/data/clinc150`) one at a time with each precision and prints the cosine's
//! mean, 1st percentile and minimum, each precision's p50 / p99 per question and per
//! 30-word question (the questions run together), and the time to embed article-sized
//! texts on all cores (`int8`: only the 8-bit runs, for a profiler).

use std::path::{Path, PathBuf};
use std::time::Instant;

use frontline_matcher::encoder::{default_models_dir, sentence, Encoder, Precision, DEFAULT_MODEL};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = std::env::var_os("FRONTLINE_CLINC150_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("../shared/data/clinc150").to_owned());
    let text = std::fs::read_to_string(dir.join("val.jsonl")).expect("val.jsonl");
    let questions: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_owned))
        .take(n)
        .collect();
    let model = default_models_dir().join(DEFAULT_MODEL);
    let mut runs = Vec::new();
    let only_int8 = std::env::args().nth(2).as_deref() == Some("int8");
    let mut names = Vec::new();
    for precision in [Precision::F32, Precision::Int8, Precision::Int8Avx2] {
        if (only_int8 && precision == Precision::F32) || !precision.is_supported() {
            continue;
        }
        names.push(precision.as_str());
        let encoder = Encoder::load(&model, DEFAULT_MODEL, precision).expect("model");
        let mut times = Vec::with_capacity(questions.len());
        let mut vectors = Vec::with_capacity(questions.len());
        for q in &questions {
            let started = Instant::now();
            vectors.push(encoder.embed(q).expect("embed"));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p99) = median_and_p99(times);
        println!(
            "{}: p50 {p50:.2} ms, p99 {p99:.2} ms per question ({} questions, heap {} MB)",
            precision.as_str(),
            questions.len(),
            encoder.heap_bytes() / 1_000_000
        );
        // 30-word questions (the longest), made of the questions run together.
        let mut words = questions.iter().flat_map(|q| q.split_whitespace());
        let long: Vec<String> = (0..questions.len() / 10)
            .map(|_| words.by_ref().take(30).collect::<Vec<_>>().join(" "))
            .collect();
        let mut times = Vec::with_capacity(long.len());
        for q in &long {
            encoder.clear_cache();
            let started = Instant::now();
            encoder.embed(q).expect("embed");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let (p50, p99) = median_and_p99(times);
        println!(
            "{}: p50 {p50:.2} ms, p99 {p99:.2} ms per 30-word question ({} questions)",
            precision.as_str(),
            long.len()
        );
        // Article-sized texts (about 100 tokens: ten questions joined), embedded in
        // batches over the cores as a knowledge base's articles are at load.
        let articles: Vec<String> = questions.chunks(10).map(|c| c.join(". ")).collect();
        let texts: Vec<&str> = articles.iter().map(String::as_str).collect();
        let started = Instant::now();
        encoder.embed_many(&texts, None).expect("embed many");
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{}: {} article-sized texts in {seconds:.2} s ({:.1} ms each, all cores)",
            precision.as_str(),
            texts.len(),
            1000.0 * seconds / texts.len() as f64
        );
        runs.push(vectors);
    }
    if names.first() != Some(&"f32") {
        return;
    }
    for (name, run) in names.iter().zip(&runs).skip(1) {
        let mut cosines: Vec<f32> = runs[0]
            .iter()
            .zip(run)
            .map(|(a, b)| {
                let (a, b) = (sentence(a), sentence(b));
                a.iter().zip(b).map(|(x, y)| x * y).sum()
            })
            .collect();
        cosines.sort_by(f32::total_cmp);
        let mean = cosines.iter().sum::<f32>() / cosines.len() as f32;
        println!(
            "cosine {name} vs f32: mean {mean:.5}, 1st percentile {:.5}, min {:.5}",
            cosines[cosines.len() / 100],
            cosines[0]
        );
    }
}

/// The median and 99th percentile of `times` (nearest rank).
fn median_and_p99(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99))
}
