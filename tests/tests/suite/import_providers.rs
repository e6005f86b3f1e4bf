//! `frontline-import intercom | helpscout | freshdesk` against loopback stand-ins of their
//! documented APIs (pagination, one 429, a malformed item, drafts and internal articles,
//! links between articles), and the same data read from a saved export (`--from-file`).

use crate::import::{article, import, skipped, sorted};
use frontline_import::report::SkipReason;
use frontline_tests::import_standins::{freshdesk, helpscout, intercom};
use std::time::Duration;

fn kb_args(kb: &std::path::Path) -> [String; 2] {
    ["--knowledge-dir".into(), kb.to_str().expect("utf-8").into()]
}

#[tokio::test]
async fn intercom_articles_in_each_locale_with_their_collection() {
    let standin = intercom::start_intercom().await;
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    let [flag, kb_arg] = kb_args(&kb);
    let env = [("INTERCOM_TOKEN", intercom::TOKEN)];
    let report = import(
        &["intercom", "--api-url", &standin.url, &flag, &kb_arg],
        &env,
    )
    .await;
    assert_eq!(
        sorted(&report.new),
        ["intercom-1-en", "intercom-1-fr", "intercom-2-en"],
        "{report}"
    );
    assert_eq!(skipped(&report, SkipReason::Draft), ["intercom-3-en"]);
    assert_eq!(report.malformed.len(), 1, "{report}");
    assert_eq!(report.malformed[0].source_id, "4");
    assert!(standin.guard.wait_after_429() >= Duration::from_secs(1));

    let french = article(&kb, "intercom", "intercom-1-fr");
    assert_eq!(french.locale, "fr");
    assert_eq!(french.title, "Comment fonctionnent les cartes cadeaux ?");
    assert_eq!(french.tags, ["Payments"]);
    let english = article(&kb, "intercom", "intercom-1-en");
    assert_eq!(
        (
            french.translation_of.as_deref(),
            english.translation_of.as_deref()
        ),
        (Some("intercom-1-en"), None),
        "the default locale's version is the original"
    );
    assert!(
        english.html.contains("<li>In store</li>"),
        "{}",
        english.html
    );
    let pay = article(&kb, "intercom", "intercom-2-en");
    assert!(
        pay.html.contains("href=\"intercom-1-en.md\""),
        "{}",
        pay.html
    );

    // The same articles from a saved export, and a second run changes nothing.
    let (articles, collections) = intercom::sample();
    let export = dir.path().join("intercom.json");
    let json = serde_json::json!({"data": articles, "collections": collections});
    std::fs::write(&export, json.to_string()).expect("export");
    let again = import(
        &[
            "intercom",
            "--from-file",
            export.to_str().expect("utf-8"),
            &flag,
            &kb_arg,
        ],
        &[],
    )
    .await;
    assert_eq!(again.unchanged.len(), 3, "{again}");
    assert_eq!(again.malformed[0].source_id, "4");
}

#[tokio::test]
async fn helpscout_docs_articles_with_categories_and_private_collections() {
    let standin = helpscout::start_helpscout(helpscout::Docs::sample()).await;
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    let [flag, kb_arg] = kb_args(&kb);
    let env = [("HELPSCOUT_API_KEY", helpscout::API_KEY)];
    let report = import(
        &["helpscout", "--api-url", &standin.url, &flag, &kb_arg],
        &env,
    )
    .await;
    assert_eq!(
        sorted(&report.new),
        ["helpscout-a1-en", "helpscout-a2-en", "helpscout-a6-en"],
        "{report}"
    );
    assert_eq!(skipped(&report, SkipReason::Draft), ["helpscout-a3-en"]);
    assert_eq!(skipped(&report, SkipReason::Internal), ["helpscout-a4-en"]);
    assert_eq!(report.malformed.len(), 1, "{report}");
    assert_eq!(report.malformed[0].source_id, "a5");
    assert!(standin.guard.wait_after_429() >= Duration::from_secs(1));

    let parcel = article(&kb, "helpscout", "helpscout-a2-en");
    assert_eq!(parcel.tags, ["Shipping", "Delivery"]);
    assert!(
        parcel.html.contains("href=\"helpscout-a1-en.md\""),
        "{}",
        parcel.html
    );
    let lockers = article(&kb, "helpscout", "helpscout-a6-en");
    assert_eq!(lockers.headings, ["Parcel lockers", "Lockers"]);

    let export = dir.path().join("helpscout.json");
    std::fs::write(&export, helpscout::Docs::sample().export().to_string()).expect("export");
    let other_kb = dir.path().join("kb2");
    let [flag2, kb2] = kb_args(&other_kb);
    let from_file = import(
        &[
            "helpscout",
            "--from-file",
            export.to_str().expect("utf-8"),
            "--locale",
            "de",
            &flag2,
            &kb2,
        ],
        &[],
    )
    .await;
    assert_eq!(
        sorted(&from_file.new),
        ["helpscout-a1-de", "helpscout-a2-de", "helpscout-a6-de"],
        "{from_file}"
    );
    assert_eq!(from_file.malformed[0].source_id, "a5");
}

#[tokio::test]
async fn freshdesk_solution_articles_follow_link_headers_in_each_portal_language() {
    let standin = freshdesk::start_freshdesk(freshdesk::Solutions::sample()).await;
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    let [flag, kb_arg] = kb_args(&kb);
    let env = [("FRESHDESK_API_KEY", freshdesk::API_KEY)];
    let report = import(
        &[
            "freshdesk",
            "--domain",
            "shop",
            "--api-url",
            &standin.url,
            &flag,
            &kb_arg,
        ],
        &env,
    )
    .await;
    assert_eq!(
        sorted(&report.new),
        [
            "freshdesk-1001-de",
            "freshdesk-1001-en",
            "freshdesk-1002-de",
            "freshdesk-1002-en",
            "freshdesk-1006-en"
        ],
        "{report}"
    );
    assert_eq!(
        skipped(&report, SkipReason::Draft),
        ["freshdesk-1003-de", "freshdesk-1003-en"]
    );
    assert_eq!(
        skipped(&report, SkipReason::Internal),
        ["freshdesk-1005-en"]
    );
    assert_eq!(report.malformed.len(), 1, "{report}");
    assert_eq!(report.malformed[0].source_id, "1004");
    assert!(standin.guard.wait_after_429() >= Duration::from_secs(1));
    // The German list of folder 10 has two pages; folder 11 has no German (404, skipped).
    let log: Vec<String> = standin.guard.log().into_iter().map(|s| s.target).collect();
    assert!(
        log.iter()
            .any(|t| t == "/api/v2/solutions/folders/10/articles/de?per_page=100&page=2"),
        "{log:?}"
    );

    let claim = article(&kb, "freshdesk", "freshdesk-1002-en");
    assert_eq!(claim.tags, ["Product care", "Warranty", "warranty"]);
    assert_eq!(
        claim.url.as_deref(),
        Some("https://shop.freshdesk.com/support/solutions/articles/1002")
    );
    assert!(
        claim.html.contains("href=\"freshdesk-1001-en.md\""),
        "{}",
        claim.html
    );
    let german = article(&kb, "freshdesk", "freshdesk-1002-de");
    assert_eq!(german.locale, "de");
    assert_eq!(german.translation_of.as_deref(), Some("freshdesk-1002-en"));
    assert_eq!(claim.translation_of, None);
    assert_eq!(german.title, "Wie melde ich einen Garantiefall?");
    assert_eq!(
        german.url.as_deref(),
        Some("https://shop.freshdesk.com/de/support/solutions/articles/1002")
    );
    assert!(
        german.html.contains("href=\"freshdesk-1001-de.md\""),
        "the German link goes to the German article: {}",
        german.html
    );

    // A saved export with --include-drafts also brings the drafts and the internal one.
    let export = dir.path().join("freshdesk.json");
    std::fs::write(&export, freshdesk::Solutions::sample().export().to_string()).expect("export");
    let again = import(
        &[
            "freshdesk",
            "--domain",
            "shop",
            "--from-file",
            export.to_str().expect("utf-8"),
            "--include-drafts",
            &flag,
            &kb_arg,
        ],
        &[],
    )
    .await;
    assert_eq!(
        sorted(&again.new),
        [
            "freshdesk-1003-de",
            "freshdesk-1003-en",
            "freshdesk-1005-en"
        ],
        "{again}"
    );
    assert_eq!(again.unchanged.len(), 5, "{again}");
}

#[tokio::test]
async fn freshdesk_without_access_to_the_portal_languages_imports_the_primary_language() {
    let mut solutions = freshdesk::Solutions::sample();
    solutions.portal_languages = None;
    let standin = freshdesk::start_freshdesk(solutions).await;
    let dir = tempfile::tempdir().expect("dir");
    let kb = dir.path().join("kb");
    let [flag, kb_arg] = kb_args(&kb);
    let env = [("FRESHDESK_API_KEY", freshdesk::API_KEY)];
    let report = import(
        &[
            "freshdesk",
            "--domain",
            "shop",
            "--locale",
            "en-gb",
            "--api-url",
            &standin.url,
            &flag,
            &kb_arg,
        ],
        &env,
    )
    .await;
    assert_eq!(
        sorted(&report.new),
        [
            "freshdesk-1001-en-gb",
            "freshdesk-1002-en-gb",
            "freshdesk-1006-en-gb"
        ],
        "{report}"
    );
    let log: Vec<String> = standin.guard.log().into_iter().map(|s| s.target).collect();
    assert!(
        !log.iter().any(|t| t.contains("/articles/de")),
        "no translation was asked for: {log:?}"
    );
}
