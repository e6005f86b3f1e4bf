//! `frontline-import`: CSV and Zendesk end to end (pagination, a 429, a malformed item,
//! drafts, locales, links, repeat runs, local edits, pruning), and an import into a
//! running site's knowledge folder answered after its hot reload.

use clap::Parser;
use frontline_import::cli::{run, Cli};
use frontline_import::report::{Report, SkipReason};
use frontline_matcher::knowledge::Article;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::import_standins::zendesk::{self, HelpCenter};
use frontline_tests::widget_server::TestServer;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// Runs `frontline-import ARGS` as `main` does, with `env` as the environment.
pub(crate) async fn import(args: &[&str], env: &[(&str, &str)]) -> Report {
    let cli = Cli::try_parse_from(std::iter::once("frontline-import").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    run(cli, &lookup)
        .await
        .unwrap_or_else(|e| panic!("frontline-import {args:?}: {e}"))
}

/// The article `id` written by `source` into `kb`, parsed as the widget server parses it.
pub(crate) fn article(kb: &Path, source: &str, id: &str) -> Article {
    let path = kb.join(source).join(format!("{id}.md"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Article::parse(&path, &text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub(crate) fn sorted(ids: &[String]) -> Vec<&str> {
    let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    ids.sort();
    ids
}

pub(crate) fn skipped(report: &Report, reason: SkipReason) -> Vec<&str> {
    let mut ids: Vec<&str> = report
        .skipped
        .iter()
        .filter(|(_, r)| *r == reason)
        .map(|(id, _)| id.as_str())
        .collect();
    ids.sort();
    ids
}

const CSV: &str = "question,answer,url,tags,locale\n\
\"Do you rent out canoes?\",\"Yes: canoes can be **rented** for 25 EUR a day at the Lakeside store.\",https://shop.example/help/canoes,\"rental, boats\",\n\
Verleihen Sie Kanus?,Ja: 25 EUR pro Tag im Lakeside-Laden.,,rental,de\n\
What about kayaks?,,,,\n";

#[tokio::test]
async fn csv_rows_become_articles_whose_questions_hold_the_question() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("faq.csv");
    std::fs::write(&file, CSV).expect("csv");
    let kb = dir.path().join("kb");
    let kb_arg = kb.to_str().expect("utf-8");
    let file_arg = file.to_str().expect("utf-8");

    let report = import(&["csv", file_arg, "--knowledge-dir", kb_arg], &[]).await;
    assert_eq!(
        sorted(&report.new),
        [
            "csv-do-you-rent-out-canoes-en",
            "csv-verleihen-sie-kanus-de"
        ]
    );
    assert_eq!(report.malformed.len(), 1, "{report}");
    assert_eq!(report.malformed[0].source_id, "row 4");
    assert!(
        report.unreferenced.is_empty(),
        "every row has its question: {report}"
    );

    let canoes = article(&kb, "csv", "csv-do-you-rent-out-canoes-en");
    assert_eq!(canoes.title, "Do you rent out canoes?");
    assert_eq!(canoes.questions, ["Do you rent out canoes?"]);
    assert_eq!(canoes.tags, ["rental", "boats"]);
    assert_eq!(canoes.locale, "en");
    assert_eq!(
        canoes.url.as_deref(),
        Some("https://shop.example/help/canoes")
    );
    assert!(
        canoes.html.contains("<strong>rented</strong>"),
        "{}",
        canoes.html
    );
    assert!(!canoes.draft);
    assert_eq!(
        article(&kb, "csv", "csv-verleihen-sie-kanus-de").locale,
        "de"
    );

    let again = import(&["csv", file_arg, "--knowledge-dir", kb_arg], &[]).await;
    assert_eq!(again.unchanged.len(), 2, "{again}");
    assert!(again.new.is_empty() && again.updated.is_empty(), "{again}");
    let text = again.to_string();
    assert!(text.contains("unchanged: 2"), "{text}");
    assert!(text.contains("source id row 4"), "{text}");
}

fn zendesk_args<'a>(url: &'a str, kb: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "zendesk",
        "--subdomain",
        "shop",
        "--email",
        zendesk::EMAIL,
        "--api-url",
        url,
        "--knowledge-dir",
        kb,
    ];
    args.extend_from_slice(extra);
    args
}

const ZENDESK_ENV: [(&str, &str); 1] = [("ZENDESK_API_TOKEN", zendesk::TOKEN)];

#[tokio::test]
async fn zendesk_import_pages_waits_out_a_429_and_repeats_in_place() {
    let standin = zendesk::start_zendesk(HelpCenter::sample()).await;
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    let kb_arg = kb.to_str().expect("utf-8");

    let first = import(&zendesk_args(&standin.url, kb_arg, &[]), &ZENDESK_ENV).await;
    assert_eq!(
        sorted(&first.new),
        [
            "zendesk-101-de",
            "zendesk-101-en-us",
            "zendesk-102-de",
            "zendesk-102-en-us"
        ],
        "{first}"
    );
    assert_eq!(skipped(&first, SkipReason::Draft), ["zendesk-103-en-us"]);
    assert_eq!(skipped(&first, SkipReason::Internal), ["zendesk-104-en-us"]);
    assert_eq!(first.malformed.len(), 1, "{first}");
    assert_eq!(first.malformed[0].source_id, "105");
    assert!(first.to_string().contains("source id 105"), "{first}");
    // Retry-After: 1 was honoured before the second page was asked again.
    let waited = standin.guard.wait_after_429();
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    // No imported question or intent points at API articles yet.
    assert_eq!(first.unreferenced.len(), 4, "{first}");

    let returns = article(&kb, "zendesk", "zendesk-101-en-us");
    assert_eq!(returns.title, "How do I return an item?");
    assert_eq!(returns.locale, "en-us");
    assert_eq!(returns.tags, ["Orders", "Returns & refunds", "returns"]);
    assert_eq!(
        returns.url.as_deref(),
        Some("https://shop.zendesk.com/hc/en-us/articles/101")
    );
    assert_eq!(returns.headings, ["How do I return an item?", "Steps"]);
    for html in [
        "<ol>\n<li>Open your order</li>",
        "<strong>Return</strong>",
        "<th>Country</th>",
        "<td>Austria</td>",
        "href=\"zendesk-102-en-us.md\"",
        "<img src=\"https://cdn.shop.example/label.png\" alt=\"return label\"",
    ] {
        assert!(returns.html.contains(html), "{html} in {}", returns.html);
    }
    let german = article(&kb, "zendesk", "zendesk-101-de");
    assert_eq!(german.locale, "de");
    // The German version is the English original's translation: one article, answered in
    // the customer's language.
    assert_eq!(german.translation_of.as_deref(), Some("zendesk-101-en-us"));
    assert_eq!(returns.translation_of, None);
    assert!(
        german.html.contains("href=\"zendesk-102-de.md\""),
        "{}",
        german.html
    );

    // Unchanged run: nothing rewritten.
    let second = import(&zendesk_args(&standin.url, kb_arg, &[]), &ZENDESK_ENV).await;
    assert_eq!(second.unchanged.len(), 4, "{second}");
    assert!(
        second.new.is_empty() && second.updated.is_empty(),
        "{second}"
    );

    // The source changes one article; an editor changed another one locally.
    {
        let mut data = standin.data.lock().expect("data");
        let en = data.articles.get_mut("en-us").expect("en");
        en[0]["title"] = json!("How do I send an item back?");
        en[1]["body"] = json!("<p>Refunds take up to 10 days.</p>");
    }
    let edited_path = kb.join("zendesk/zendesk-102-en-us.md");
    let edited =
        std::fs::read_to_string(&edited_path).expect("read") + "\nCall us for faster refunds.\n";
    std::fs::write(&edited_path, &edited).expect("edit");
    let third = import(&zendesk_args(&standin.url, kb_arg, &[]), &ZENDESK_ENV).await;
    assert_eq!(third.updated, ["zendesk-101-en-us"], "{third}");
    assert_eq!(
        skipped(&third, SkipReason::LocallyEdited),
        ["zendesk-102-en-us"]
    );
    assert_eq!(std::fs::read_to_string(&edited_path).expect("read"), edited);
    assert_eq!(
        article(&kb, "zendesk", "zendesk-101-en-us").title,
        "How do I send an item back?"
    );
    let forced = import(
        &zendesk_args(&standin.url, kb_arg, &["--force"]),
        &ZENDESK_ENV,
    )
    .await;
    assert_eq!(forced.updated, ["zendesk-102-en-us"], "{forced}");
    assert!(article(&kb, "zendesk", "zendesk-102-en-us")
        .text
        .contains("up to 10 days"));

    // Article 102 is deleted at the source: reported, then removed with --prune.
    {
        let mut data = standin.data.lock().expect("data");
        for articles in data.articles.values_mut() {
            articles.retain(|a| a["id"] != json!(102));
        }
    }
    let reported = import(&zendesk_args(&standin.url, kb_arg, &[]), &ZENDESK_ENV).await;
    let gone: Vec<(&str, bool)> = reported
        .gone
        .iter()
        .map(|g| (g.id.as_str(), g.removed))
        .collect();
    assert_eq!(
        gone,
        [("zendesk-102-de", false), ("zendesk-102-en-us", false)]
    );
    assert!(edited_path.exists());
    let pruned = import(
        &zendesk_args(&standin.url, kb_arg, &["--prune"]),
        &ZENDESK_ENV,
    )
    .await;
    let gone: Vec<(&str, bool)> = pruned
        .gone
        .iter()
        .map(|g| (g.id.as_str(), g.removed))
        .collect();
    assert_eq!(
        gone,
        [("zendesk-102-de", true), ("zendesk-102-en-us", true)]
    );
    assert!(!edited_path.exists());
    assert!(!kb.join("zendesk/zendesk-102-de.md").exists());
    // The malformed article 105 was never imported and is not reported gone; the
    // articles still there are unchanged.
    assert_eq!(pruned.unchanged.len(), 2, "{pruned}");
}

#[tokio::test]
async fn zendesk_drafts_with_the_flag_and_a_saved_export_without_the_api() {
    let dir = tempfile::tempdir().expect("dir");
    let export = dir.path().join("zendesk.json");
    std::fs::write(&export, HelpCenter::sample().export().to_string()).expect("export");
    let kb = dir.path().join("kb");
    let intents = dir.path().join("intents.toml");
    std::fs::write(
        &intents,
        "[[intents]]\nname = \"start_return\"\nexamples = [\"how do I send it back\"]\narticles = [\"zendesk-101-en-us\"]\n",
    )
    .expect("intents");
    let report = import(
        &[
            "zendesk",
            "--from-file",
            export.to_str().expect("utf-8"),
            "--knowledge-dir",
            kb.to_str().expect("utf-8"),
            "--include-drafts",
            "--intents",
            intents.to_str().expect("utf-8"),
        ],
        &[],
    )
    .await;
    assert_eq!(
        sorted(&report.new),
        [
            "zendesk-101-de",
            "zendesk-101-en-us",
            "zendesk-102-de",
            "zendesk-102-en-us",
            "zendesk-103-en-us",
            "zendesk-104-en-us"
        ],
        "{report}"
    );
    assert_eq!(report.malformed[0].source_id, "105");
    // Only the article the intent links is pointed to.
    assert_eq!(report.unreferenced.len(), 5, "{report}");
    assert!(!report
        .unreferenced
        .contains(&"zendesk-101-en-us".to_string()));
    assert!(article(&kb, "zendesk", "zendesk-101-en-us")
        .html
        .contains("href=\"zendesk-102-en-us.md\""));
}

#[tokio::test]
async fn an_import_into_a_running_site_is_answered_after_the_hot_reload() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let (dir, options) = crate::knowledge::demo_copy();
        let server = TestServer::start_with(&db.url, &options).await;
        let (status, before) = server
            .ask(json!({"text": "Do you rent out canoes?"}), None)
            .await;
        assert_eq!(status, 200, "{before}");
        assert!(
            !before.to_string().contains("csv-do-you-rent-out-canoes-en"),
            "{before}"
        );

        let file = dir.path().join("faq.csv");
        std::fs::write(&file, CSV).expect("csv");
        let kb = dir.path().join("kb");
        let report = import(
            &[
                "csv",
                file.to_str().expect("utf-8"),
                "--knowledge-dir",
                kb.to_str().expect("utf-8"),
            ],
            &[],
        )
        .await;
        assert_eq!(report.new.len(), 2, "{report}");

        // The site looks at its folder every 2 s; wait (bounded, generously: a loaded CI
        // machine rebuilds the index slowly) for the imported article.
        let deadline = Instant::now() + Duration::from_secs(60);
        let answer = loop {
            let (status, body) = server
                .ask(json!({"text": "Do you rent out canoes?"}), None)
                .await;
            assert_eq!(status, 200, "{body}");
            if body.to_string().contains("csv-do-you-rent-out-canoes-en") {
                break body;
            }
            assert!(
                Instant::now() < deadline,
                "{backend:?}: never answered from the import: {body}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(answer.to_string().contains("25 EUR a day"), "{answer}");
        server.stop().await;
    }
}

#[tokio::test]
async fn the_binary_prints_the_report_and_fails_clearly_without_a_token() {
    let binary = frontline_tests::processes::sibling_binary("frontline-import");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("faq.csv");
    std::fs::write(&file, CSV).expect("csv");
    let kb = dir.path().join("kb");
    let output = tokio::process::Command::new(&binary)
        .arg("csv")
        .arg(&file)
        .arg("--knowledge-dir")
        .arg(&kb)
        .output()
        .await
        .expect("run frontline-import");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("new: 2"), "{stdout}");
    assert!(stdout.contains("source id row 4"), "{stdout}");
    assert!(kb.join("csv/csv-do-you-rent-out-canoes-en.md").exists());

    let output = tokio::process::Command::new(&binary)
        .args([
            "zendesk",
            "--subdomain",
            "shop",
            "--email",
            "a@shop.example",
        ])
        .arg("--knowledge-dir")
        .arg(&kb)
        .env_remove("ZENDESK_API_TOKEN")
        .output()
        .await
        .expect("run frontline-import");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stderr.contains("ZENDESK_API_TOKEN"), "{stderr}");
    assert!(
        !kb.join("zendesk").exists(),
        "nothing is written when the import cannot run"
    );
}
