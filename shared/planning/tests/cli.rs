//! The real `frontline-forecast` binary: output shape and its error cases.

use std::io::Write;
use std::process::{Command, Output};

fn run(csv: &str, args: &[&str]) -> Output {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(csv.as_bytes()).expect("write csv");
    let path = file.path().to_str().expect("utf-8 path").to_string();
    Command::new(env!("CARGO_BIN_EXE_frontline-forecast"))
        .args(["--arrivals", &path])
        .args(args)
        .output()
        .expect("run frontline-forecast")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Three weeks of arrivals at 09:30 and 14:30 local (Berlin winter time, +01:00) each day.
fn three_weeks() -> String {
    let mut csv = String::from("arrived_at\n");
    for day in 1..=21 {
        csv.push_str(&format!("2026-02-{day:02}T09:30:00+01:00\n"));
        csv.push_str(&format!("2026-02-{day:02}T13:30:00Z\n"));
    }
    csv
}

#[test]
fn prints_one_entry_per_local_hour_with_agents() {
    let o = run(
        &three_weeks(),
        &[
            "--until",
            "2026-02-22",
            "--days",
            "2",
            "--tz",
            "Europe/Berlin",
            "--aht-seconds",
            "300",
            "--answer-within-seconds",
            "60",
            "--service-level",
            "0.8",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let hours = json["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 48);
    assert_eq!(hours[0]["start"], "2026-02-22T00:00:00+01:00");
    assert_eq!(hours[9]["start"], "2026-02-22T09:00:00+01:00");
    assert!(json["model"].as_str().expect("model").len() > 3);
    // One contact a day at 09:00 and one at 14:00 local; nothing at night.
    let expected = |i: usize| hours[i]["expected"].as_f64().expect("expected");
    assert!((expected(9) - 1.0).abs() < 0.05, "{}", expected(9));
    assert!((expected(14) - 1.0).abs() < 0.05, "{}", expected(14));
    assert!(expected(3) < 0.01);
    // One 5-minute contact an hour, 80 % within 60 s: one agent; none when nothing comes.
    assert_eq!(hours[9]["agents"], 1);
    assert_eq!(hours[3]["agents"], 0);
}

#[test]
fn agents_are_null_without_staffing_flags_and_dst_days_have_23_hours() {
    let o = run(
        &three_weeks(),
        &[
            "--until",
            "2026-03-29",
            "--days",
            "1",
            "--tz",
            "Europe/Berlin",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let hours = json["hours"].as_array().expect("hours");
    assert_eq!(hours.len(), 23);
    assert_eq!(hours[2]["start"], "2026-03-29T03:00:00+02:00");
    assert!(hours.iter().all(|h| h["agents"].is_null()));
}

#[test]
fn short_history_says_low_confidence() {
    let mut csv = String::from("arrived_at\n");
    for day in 1..=9 {
        csv.push_str(&format!("2026-02-{day:02}T10:00:00+01:00\n"));
    }
    let o = run(
        &csv,
        &[
            "--until",
            "2026-02-10",
            "--days",
            "1",
            "--tz",
            "Europe/Berlin",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(
        json["model"]
            .as_str()
            .expect("model")
            .contains("low confidence: 9 days of history"),
        "{}",
        json["model"]
    );
}

fn assert_fails_with(o: &Output, needle: &str) {
    assert!(!o.status.success(), "should fail");
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(o).contains(needle),
        "stderr `{}` lacks `{needle}`",
        stderr(o)
    );
}

#[test]
fn an_unparseable_timestamp_names_its_line() {
    let csv = "arrived_at\n2026-02-01T10:00:00+01:00\n2026-02-01 10:00\n";
    let o = run(
        csv,
        &["--until", "2026-02-10", "--days", "1", "--tz", "UTC"],
    );
    assert_fails_with(&o, "line 3");
    assert_fails_with(&o, "unparseable timestamp `2026-02-01 10:00`");
}

#[test]
fn a_timestamp_without_offset_is_refused() {
    let csv = "arrived_at\n2026-02-01T10:00:00\n";
    let o = run(
        csv,
        &["--until", "2026-02-10", "--days", "1", "--tz", "UTC"],
    );
    assert_fails_with(&o, "line 2");
}

#[test]
fn a_missing_header_is_refused() {
    let csv = "2026-02-01T10:00:00+01:00\n2026-02-02T10:00:00+01:00\n";
    let o = run(
        csv,
        &["--until", "2026-02-10", "--days", "1", "--tz", "UTC"],
    );
    assert_fails_with(&o, "line 1: missing header `arrived_at`");
}

#[test]
fn an_unknown_time_zone_is_refused() {
    let o = run(
        &three_weeks(),
        &[
            "--until",
            "2026-02-22",
            "--days",
            "1",
            "--tz",
            "Mars/Olympus",
        ],
    );
    assert_fails_with(&o, "unknown time zone `Mars/Olympus`");
}

#[test]
fn zero_days_is_refused() {
    let o = run(
        &three_weeks(),
        &["--until", "2026-02-22", "--days", "0", "--tz", "UTC"],
    );
    assert_fails_with(&o, "--days must be at least 1");
}

#[test]
fn other_columns_and_a_byte_order_mark_are_fine() {
    let mut csv = String::from("\u{feff}\"id\",arrived_at,queue\n");
    for day in 1..=3 {
        csv.push_str(&format!(
            "{day},2026-02-{day:02}T10:15:00+01:00,\"sales, eu\"\n"
        ));
    }
    let o = run(
        &csv,
        &[
            "--until",
            "2026-02-04",
            "--days",
            "1",
            "--tz",
            "Europe/Berlin",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let ten = json["hours"][10]["expected"].as_f64().expect("expected");
    assert!((ten - 1.0).abs() < 1e-9, "{ten}");
}
