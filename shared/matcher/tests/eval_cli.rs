//! Runs the real `frontline-eval` binary on a 20-intent slice of CLINC150.
//!
//! Training: the first 20 intents of `train.jsonl` plus `oos_train.jsonl`. The validation
//! split is cut in two: the first half of each intent's utterances (and of `oos_val`)
//! tunes the thresholds, the second half is scored. The floors sit a few points under what
//! the slice measured when the test was written (see `SLICE_*` below).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const INTENTS: usize = 20;
/// Measured on this slice: in-scope accuracy 0.985, out-of-scope recall 0.86.
const MIN_IN_SCOPE_ACCURACY: f64 = 0.93;
const MIN_OOS_RECALL: f64 = 0.65;

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/clinc150"
    ));
    if dir.join("train.jsonl").exists() {
        Some(dir.to_path_buf())
    } else {
        eprintln!("SKIP: CLINC150 data not found at {}", dir.display());
        None
    }
}

fn lines(path: &Path) -> Vec<(String, String)> {
    let content = std::fs::read_to_string(path).expect("data file readable");
    content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
            (
                l.to_owned(),
                v["intent"].as_str().expect("intent").to_owned(),
            )
        })
        .collect()
}

fn write(dir: &Path, name: &str, rows: &[&String]) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create slice file");
    for row in rows {
        writeln!(file, "{row}").expect("write slice file");
    }
    path
}

fn eval(args: &[&Path]) -> Output {
    let flags = ["--train", "--train", "--val", "--test"];
    let mut command = Command::new(env!("CARGO_BIN_EXE_frontline-eval"));
    for (flag, path) in flags.iter().zip(args) {
        command.arg(flag).arg(path);
    }
    command.output().expect("frontline-eval runs")
}

#[test]
fn twenty_intent_slice_meets_the_floors() {
    let Some(data) = data_dir() else { return };
    let temp = tempfile::tempdir().expect("temp dir");
    let train = lines(&data.join("train.jsonl"));
    let mut intents: Vec<&str> = Vec::new();
    for (_, intent) in &train {
        if intents.len() < INTENTS && !intents.contains(&intent.as_str()) {
            intents.push(intent);
        }
    }
    let keep = |rows: &[(String, String)]| -> Vec<String> {
        rows.iter()
            .filter(|(_, i)| intents.contains(&i.as_str()))
            .map(|(l, _)| l.clone())
            .collect()
    };
    let train_rows = keep(&train);
    let val = lines(&data.join("val.jsonl"));
    let oos_val = lines(&data.join("oos_val.jsonl"));
    let (mut tune, mut score) = (Vec::new(), Vec::new());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (line, intent) in val.iter().chain(&oos_val) {
        if intent != "oos" && !intents.contains(&intent.as_str()) {
            continue;
        }
        let n = seen.entry(intent).or_default();
        let half = if intent == "oos" { 50 } else { 10 };
        if *n < half {
            tune.push(line)
        } else {
            score.push(line)
        }
        *n += 1;
    }
    let train_path = write(
        temp.path(),
        "train.jsonl",
        &train_rows.iter().collect::<Vec<_>>(),
    );
    let tune_path = write(temp.path(), "tune.jsonl", &tune);
    let score_path = write(temp.path(), "score.jsonl", &score);
    let oos_train = data.join("oos_train.jsonl");

    let output = eval(&[&train_path, &oos_train, &tune_path, &score_path]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "frontline-eval failed: {stderr}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    eprintln!("{report}");
    for key in [
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "handoff_rate",
        "queries_per_second",
        "train_seconds",
        "thresholds",
    ] {
        assert!(report.get(key).is_some(), "missing {key} in {report}");
    }
    assert_eq!(report["counts"]["test_in_scope"], 200);
    assert_eq!(report["counts"]["test_oos"], 50);
    let accuracy = report["in_scope_accuracy"].as_f64().expect("accuracy");
    let recall = report["oos_recall"].as_f64().expect("recall");
    assert!(
        accuracy >= MIN_IN_SCOPE_ACCURACY,
        "in-scope accuracy {accuracy}"
    );
    assert!(recall >= MIN_OOS_RECALL, "oos recall {recall}");
    let suggest = report["thresholds"]["suggest"].as_f64().expect("suggest");
    // With the encoder (the default), questions in other languages have thresholds of
    // their own, aimed at a lower out-of-scope recall: never handed off more readily. (On
    // this slice the out-of-scope label itself ranks first for enough of them, so both
    // `suggest` values may be 0.)
    let other = &report["thresholds"]["other_languages"];
    let other_suggest = other["suggest"].as_f64().expect("other languages' suggest");
    assert!(other_suggest <= suggest, "{other} against {suggest}");
    assert!(other["answer"].as_f64().is_some(), "{other}");
}

/// The repository's own multilingual check (`tests/data`, see its README), so it runs
/// without the CLINC150 download.
fn test_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Runs `frontline-eval` with `flags` and returns its JSON report.
fn report(flags: &[&std::ffi::OsStr]) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_frontline-eval"))
        .args(flags)
        .output()
        .expect("frontline-eval runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "frontline-eval failed: {stderr}");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    serde_json::from_str(stdout.trim()).expect("one JSON object")
}

/// Mean accuracy over German, Spanish and French.
fn other_languages_accuracy(report: &serde_json::Value) -> f64 {
    ["de", "es", "fr"]
        .iter()
        .map(|lang| {
            report["per_language"][lang]["accuracy"]
                .as_f64()
                .expect("accuracy")
        })
        .sum::<f64>()
        / 3.0
}

/// `frontline-eval` with `--encoder none` and with the default encoder, both trained (and
/// validated) on the English lines of `clinc150_val_multilingual_150.jsonl` (one question
/// per intent, 150 lines) and tested on `test` (comma-separated files).
fn english_trained_reports(test: &std::ffi::OsStr) -> (serde_json::Value, serde_json::Value) {
    let temp = tempfile::tempdir().expect("temp dir");
    let multilingual = std::fs::read_to_string(test_data("clinc150_val_multilingual_150.jsonl"))
        .expect("multilingual data readable");
    let english: Vec<String> = multilingual
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("valid JSON line");
            assert!(v["text"].is_string() && v["intent"].is_string(), "{l}");
            v["lang"].as_str().expect("lang") == "en"
        })
        .map(str::to_owned)
        .collect();
    assert_eq!(english.len(), 150);
    let train = write(
        temp.path(),
        "train_en.jsonl",
        &english.iter().collect::<Vec<_>>(),
    );
    let common = [
        "--train".as_ref(),
        train.as_os_str(),
        "--val".as_ref(),
        train.as_os_str(),
        "--test".as_ref(),
        test,
    ];
    let lexical = report(&[&common[..], &["--encoder".as_ref(), "none".as_ref()]].concat());
    let default = report(&common);
    eprintln!("--encoder none: {}", lexical["per_language"]);
    eprintln!("default: {}", default["per_language"]);
    (lexical, default)
}

/// English training only: the English lines of `clinc150_val_multilingual_150.jsonl` (one
/// question per intent, 150 lines; also the validation set for the thresholds). Test: the
/// 36 other questions of `clinc150_val_multilingual.jsonl`, each in en/de/es/fr.
///
/// Measured when written (accuracy; with the encoder / `--encoder none`):
/// de 0.361 / 0.000, es 0.306 / 0.000, fr 0.222 / 0.000 (mean 0.296 / 0.000), en 0.528 /
/// 0.250; top label right (`top1`), mean over de/es/fr: 0.519 / 0.185. With one training
/// question per intent these are far from the issue's targets; what the test pins is that
/// the default encoder answers questions in other languages that the lexical path never
/// answers.
#[test]
fn the_default_encoder_answers_questions_in_other_languages_that_the_lexical_path_does_not() {
    let test = test_data("clinc150_val_multilingual.jsonl");
    let (lexical, default) = english_trained_reports(test.as_os_str());

    assert_eq!(lexical["encoder"], "none");
    assert_eq!(default["encoder"], "multilingual-e5-small");
    for report in [&lexical, &default] {
        let per_language = report["per_language"].as_object().expect("per_language");
        for lang in ["en", "de", "es", "fr"] {
            let entry = &per_language[lang];
            assert_eq!(entry["in_scope"], 36, "{lang}: {entry}");
            for key in ["accuracy", "top1"] {
                let value = entry[key].as_f64().expect("a number");
                assert!((0.0..=1.0).contains(&value), "{lang} {key}: {entry}");
            }
        }
        assert_eq!(per_language.len(), 4, "{per_language:?}");
    }
    let (with, without) = (
        other_languages_accuracy(&default),
        other_languages_accuracy(&lexical),
    );
    // Measured 0.296 against 0.000 (see above).
    assert!(
        with >= 0.2 && with >= without + 0.15,
        "de/es/fr accuracy {with} with the encoder, {without} without"
    );
    for lang in ["de", "es", "fr"] {
        let accuracy = |r: &serde_json::Value| {
            r["per_language"][lang]["accuracy"]
                .as_f64()
                .expect("accuracy")
        };
        assert!(
            // French measured 8 of 36 against none: a margin of six answers.
            accuracy(&default) >= accuracy(&lexical) + 0.05,
            "{lang}: {} with the encoder, {} without",
            default["per_language"][lang],
            lexical["per_language"][lang]
        );
    }
}

/// Italian, Dutch and Portuguese shoppers, with English training only: the English lines of
/// `clinc150_val_multilingual_150.jsonl` train (and validate), their translations of
/// `clinc150_val_multilingual_150_it_nl_pt.jsonl` and the 100 out-of-scope questions a
/// language of `clinc150_oos_val_multilingual_it_nl_pt.jsonl` test. `per_language` counts
/// each language's out-of-scope questions and how many were handed off.
///
/// Measured when written (right intent answered, it / nl / pt; out-of-scope handed off):
/// with the encoder 93.3 / 94.0 / 94.0 % (93 / 87 / 93 %), `--encoder none` 11.3 / 11.3 /
/// 9.3 % (98 / 97 / 97 %). The questions are translations of the training sentences, so
/// this pins that the encoder carries English examples into these languages, not how well
/// it generalizes (the README measures that with CLINC150's training set: 82–83 %).
#[test]
fn italian_dutch_and_portuguese_questions_are_answered_with_english_examples() {
    let test = format!(
        "{},{}",
        test_data("clinc150_val_multilingual_150_it_nl_pt.jsonl").display(),
        test_data("clinc150_oos_val_multilingual_it_nl_pt.jsonl").display()
    );
    let (lexical, default) = english_trained_reports(test.as_ref());
    for report in [&lexical, &default] {
        let per_language = report["per_language"].as_object().expect("per_language");
        assert_eq!(per_language.len(), 3, "{per_language:?}");
        for lang in ["it", "nl", "pt"] {
            let entry = &per_language[lang];
            assert_eq!(entry["in_scope"], 150, "{lang}: {entry}");
            assert_eq!(entry["oos"], 100, "{lang}: {entry}");
            let handed_off = entry["oos_recall"].as_f64().expect("oos_recall");
            assert!((0.0..=1.0).contains(&handed_off), "{lang}: {entry}");
        }
    }
    let accuracy = |report: &serde_json::Value, lang: &str| {
        report["per_language"][lang]["accuracy"]
            .as_f64()
            .expect("accuracy")
    };
    for lang in ["it", "nl", "pt"] {
        // Measured 0.93–0.94 against 0.09–0.11: margins of about twenty answers.
        assert!(
            accuracy(&default, lang) >= 0.8 && accuracy(&lexical, lang) <= 0.3,
            "{lang}: {} with the encoder, {} without",
            default["per_language"][lang],
            lexical["per_language"][lang]
        );
        // Most out-of-scope questions in these languages are still handed off (measured
        // 87–93 %), not answered with one of the 150 intents.
        let handed_off = default["per_language"][lang]["oos_recall"]
            .as_f64()
            .expect("oos_recall");
        assert!(
            handed_off >= 0.7,
            "{lang}: {}",
            default["per_language"][lang]
        );
    }
}

/// The head for questions in other languages learns the examples moved into them
/// (`cross_lingual`, on by default) or the examples alone (`--hybrid
/// '{"moved_copies": 0}'`). Training: the first 30 questions of each CLINC150 intent and of
/// `oos_train`; thresholds on CLINC150 validation; test: our 186 translated questions a
/// language (both files of `tests/data`).
///
/// Measured when written (right intent answered, de / es / fr; top label in brackets):
/// examples alone 68.8 / 78.0 / 71.0 % (80.1 / 85.0 / 82.8 %), moved copies 70.4 / 81.2 /
/// 73.1 % (79.6 / 87.1 / 84.4 %): 2.3 points more on average, about 13 of the 558
/// questions. English questions do not use that head: theirs is the same.
#[test]
fn examples_moved_into_other_languages_answer_more_translated_questions() {
    let Some(data) = data_dir() else { return };
    let temp = tempfile::tempdir().expect("temp dir");
    let mut taken: HashMap<String, usize> = HashMap::new();
    let mut train = Vec::new();
    for (line, intent) in lines(&data.join("train.jsonl"))
        .into_iter()
        .chain(lines(&data.join("oos_train.jsonl")))
    {
        let count = taken.entry(intent).or_default();
        if *count < 30 {
            *count += 1;
            train.push(line);
        }
    }
    assert_eq!(train.len(), 151 * 30);
    let train = write(
        temp.path(),
        "train.jsonl",
        &train.iter().collect::<Vec<_>>(),
    );
    let val = format!(
        "{},{}",
        data.join("val.jsonl").display(),
        data.join("oos_val.jsonl").display()
    );
    let test = format!(
        "{},{}",
        test_data("clinc150_val_multilingual.jsonl").display(),
        test_data("clinc150_val_multilingual_150.jsonl").display()
    );
    let cache = temp.path().join("embeddings");
    let run = |hybrid: &str| {
        report(&[
            "--train".as_ref(),
            train.as_os_str(),
            "--val".as_ref(),
            val.as_ref(),
            "--test".as_ref(),
            test.as_ref(),
            "--embedding-cache".as_ref(),
            cache.as_os_str(),
            "--hybrid".as_ref(),
            hybrid.as_ref(),
        ])
    };
    let alone = run(r#"{"moved_copies": 0}"#);
    let moved = run("{}");
    eprintln!("examples alone: {}", alone["per_language"]);
    eprintln!("moved copies: {}", moved["per_language"]);
    for report in [&alone, &moved] {
        assert_eq!(report["per_language"]["de"]["in_scope"], 186, "{report}");
    }
    let (with, without) = (
        other_languages_accuracy(&moved),
        other_languages_accuracy(&alone),
    );
    // Measured 0.749 against 0.726 (see above): a margin of about 7 questions.
    assert!(
        with >= without + 0.01,
        "de/es/fr accuracy {with} with moved copies, {without} without"
    );
    assert_eq!(
        moved["per_language"]["en"], alone["per_language"]["en"],
        "English questions are ranked as before"
    );
}

#[test]
fn missing_file_exits_with_2_and_names_it() {
    let temp = tempfile::tempdir().expect("temp dir");
    let good = write(
        temp.path(),
        "good.jsonl",
        &[&r#"{"text": "hi", "intent": "greet"}"#.to_owned()],
    );
    let missing = temp.path().join("nope.jsonl");
    let output = eval(&[&good, &good, &good, &missing]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("nope.jsonl"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn bad_json_line_exits_with_2_and_names_file_and_line() {
    let temp = tempfile::tempdir().expect("temp dir");
    let good = write(
        temp.path(),
        "good.jsonl",
        &[&r#"{"text": "hi", "intent": "greet"}"#.to_owned()],
    );
    let rows = [
        r#"{"text": "hello", "intent": "greet"}"#.to_owned(),
        r#"{"text": "oops""#.to_owned(),
    ];
    let bad = write(temp.path(), "bad.jsonl", &rows.iter().collect::<Vec<_>>());
    let output = eval(&[&bad, &good, &good, &good]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.jsonl:2"), "{stderr}");
}

/// An embedding cache that cannot be written costs the next run its time, not this run's
/// report, and the tool says so on standard error (standard output stays one JSON object).
#[test]
fn a_cache_that_cannot_be_written_is_a_warning_beside_the_report() {
    let temp = tempfile::tempdir().expect("temp dir");
    // The cache's folder would be inside a regular file: it cannot be created.
    let file = temp.path().join("a-file");
    std::fs::write(&file, "not a folder").expect("file");
    let data = test_data("clinc150_val_multilingual_150.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_frontline-eval"))
        .args(["--train".as_ref(), data.as_os_str()])
        .args(["--val".as_ref(), data.as_os_str()])
        .args(["--test".as_ref(), data.as_os_str()])
        .args(["--embedding-cache".as_ref(), file.join("cache").as_os_str()])
        .env_remove("FRONTLINE_LOG")
        .env_remove("RUST_LOG")
        .output()
        .expect("frontline-eval runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("embedding cache not written"),
        "no warning on standard error: {stderr}"
    );
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(report["encoder"], "multilingual-e5-small");
    assert_eq!(report["per_language"]["de"]["in_scope"], 150, "{report}");
}
