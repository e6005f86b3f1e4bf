//! `frontline-forecast`: an hourly contact forecast from a CSV of arrivals.
//!
//! ```text
//! frontline-forecast --arrivals FILE.csv --until YYYY-MM-DD --days N --tz ZONE
//!     [--aht-seconds S --answer-within-seconds T --service-level P]
//!     [--concurrency C --shrinkage S]
//! ```
//!
//! `FILE.csv` has a header with a column `arrived_at` and one contact per line, an RFC 3339
//! timestamp with offset. The fit uses the arrivals strictly before local midnight of
//! `--until` in `--tz` and forecasts the `N` local days from that midnight. Prints one
//! JSON object: `{"model": "...", "hours": [{"start", "expected", "agents"}]}`, one entry
//! per local hour (23 or 25 on days clocks change). `agents` is the Erlang C minimum for
//! `--aht-seconds`, `--answer-within-seconds` and `--service-level` (concurrency 1 and
//! shrinkage 0 unless given), `null` without them. With fewer than 14 days of history
//! the model says "low confidence: N days of history" (also on stderr).
//!
//! Bad input (unparseable timestamp, missing header, unknown time zone, `--days 0`)
//! prints a message naming the problem (and the line) on stderr and exits with 2.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::Parser;
use frontline_planning::{forecast, Calendar, HourlyCounts, Staffing};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

#[derive(Parser, Debug)]
#[command(
    name = "frontline-forecast",
    about = "Hourly contact forecast and Erlang C staffing from a CSV of arrivals"
)]
struct Args {
    /// CSV with a header `arrived_at`, one RFC 3339 timestamp per line.
    #[arg(long)]
    arrivals: PathBuf,
    /// First forecast day (YYYY-MM-DD); the fit uses arrivals before its local midnight.
    #[arg(long)]
    until: String,
    /// Days to forecast (at least 1).
    #[arg(long)]
    days: u32,
    /// IANA time zone of the local hours, e.g. Europe/Berlin.
    #[arg(long)]
    tz: String,
    /// Average handle time, seconds.
    #[arg(long)]
    aht_seconds: Option<f64>,
    /// Service-level window, seconds.
    #[arg(long)]
    answer_within_seconds: Option<f64>,
    /// Service-level target as a share, e.g. 0.8.
    #[arg(long)]
    service_level: Option<f64>,
    /// Contacts one agent handles at once.
    #[arg(long, default_value_t = 1.0)]
    concurrency: f64,
    /// Share of paid time not available, 0 ≤ s < 1.
    #[arg(long, default_value_t = 0.0)]
    shrinkage: f64,
}

#[derive(serde::Serialize)]
struct Output {
    model: String,
    hours: Vec<Hour>,
}

#[derive(serde::Serialize)]
struct Hour {
    start: String,
    expected: f64,
    agents: Option<u32>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("frontline-forecast: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<String> {
    if args.days == 0 {
        bail!("--days must be at least 1 (got 0)");
    }
    let tz =
        TimeZone::get(&args.tz).map_err(|_| anyhow!("unknown time zone `{}` (--tz)", args.tz))?;
    let until: Date = args
        .until
        .parse()
        .map_err(|_| anyhow!("--until `{}` is not a date YYYY-MM-DD", args.until))?;
    let staffing = staffing(args)?;
    let arrivals = read_arrivals(&args.arrivals)?;
    let origin = frontline_planning::hours::midnight(until, &tz);
    let before: Vec<Timestamp> = arrivals.into_iter().filter(|t| *t < origin).collect();
    let first = before
        .iter()
        .min()
        .map(|t| t.to_zoned_datetime(tz.clone()).date())
        .unwrap_or(until);
    let history = HourlyCounts::from_arrivals(tz.clone(), first, until, before);
    let made = forecast(&history, &Calendar::default(), args.days);
    if let Some(note) = &made.confidence_note {
        eprintln!("frontline-forecast: {note}");
    }
    let hours = made
        .hours
        .iter()
        .map(|h| Hour {
            start: h.hour.rfc3339(&tz),
            expected: h.expected,
            agents: staffing.map(|s| s.agents(h.expected)),
        })
        .collect();
    let out = Output {
        model: made.label(),
        hours,
    };
    Ok(serde_json::to_string(&out)?)
}

fn staffing(args: &Args) -> anyhow::Result<Option<Staffing>> {
    let (aht, within, level) = match (
        args.aht_seconds,
        args.answer_within_seconds,
        args.service_level,
    ) {
        (None, None, None) => return Ok(None),
        (Some(a), Some(w), Some(l)) => (a, w, l),
        _ => bail!("--aht-seconds, --answer-within-seconds and --service-level go together"),
    };
    if !(aht > 0.0 && aht.is_finite()) {
        bail!("--aht-seconds must be positive");
    }
    if !(within >= 0.0 && within.is_finite()) {
        bail!("--answer-within-seconds must not be negative");
    }
    if !(level > 0.0 && level < 1.0) {
        bail!("--service-level must be between 0 and 1, e.g. 0.8");
    }
    if !(args.concurrency >= 1.0 && args.concurrency.is_finite()) {
        bail!("--concurrency must be at least 1");
    }
    if !(0.0..1.0).contains(&args.shrinkage) {
        bail!("--shrinkage must be at least 0 and below 1");
    }
    Ok(Some(Staffing {
        aht_seconds: aht,
        answer_within_seconds: within,
        service_level: level,
        concurrency: args.concurrency,
        shrinkage: args.shrinkage,
    }))
}

/// Reads the `arrived_at` column; errors name the file and the 1-based line.
fn read_arrivals(path: &Path) -> anyhow::Result<Vec<Timestamp>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let headers = reader
        .headers()
        .with_context(|| format!("{}: line 1: cannot read the header", path.display()))?
        .clone();
    let column = headers
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}').trim() == "arrived_at")
        .ok_or_else(|| {
            anyhow!(
                "{}: line 1: missing header `arrived_at` (found `{}`)",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(",")
            )
        })?;
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => bail!("{}: line {line}: {e}", path.display()),
        }
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let field = record.get(column).unwrap_or("").trim();
        if field.is_empty() && record.len() <= 1 {
            continue; // blank line
        }
        let at: Timestamp = field.parse().map_err(|_| {
            anyhow!(
                "{}: line {line}: unparseable timestamp `{field}` (expected RFC 3339 with offset, e.g. 2026-03-02T09:15:00+01:00)",
                path.display()
            )
        })?;
        out.push(at);
    }
    Ok(out)
}
