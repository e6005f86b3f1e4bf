//! Property tests ("fuzzing" on stable Rust): the knowledge-base, intents, configuration
//! and input parsers return values or errors for any input, never panic.
//!
//! Case counts follow `PROPTEST_CASES` (default 256 per property here).

use frontline_matcher::intents::IntentSet;
use frontline_matcher::knowledge::Article;
use frontline_shared::config::Settings;
use frontline_shared::email::Email;
use proptest::prelude::*;
use std::path::Path;

/// Front-matter-shaped text: a `+++` block of arbitrary TOML-ish lines, then Markdown.
fn article_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        "[a-z_]{1,8} = \"[^\"\\n]{0,20}\"",
        "[a-z_]{1,8} = \\[[^\\n]{0,20}\\]",
        "[a-z_]{1,8} = [0-9a-z]{0,6}",
        "[^\\n]{0,30}",
    ];
    (
        proptest::collection::vec(line, 0..6),
        any::<bool>(),
        "(?s).{0,300}",
    )
        .prop_map(|(lines, close, body)| {
            let mut text = String::from("+++\nid = \"x\"\ntitle = \"T\"\n");
            text.push_str(&lines.join("\n"));
            if close {
                text.push_str("\n+++\n");
            }
            text.push_str(&body);
            text
        })
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn article_parser_never_panics(text in article_text()) {
        match Article::parse(Path::new("kb/fuzz.md"), &text) {
            Ok(article) => prop_assert!(!article.id.is_empty()),
            Err(error) => prop_assert!(error.to_string().starts_with("kb/fuzz.md:")),
        }
    }

    #[test]
    fn article_parser_survives_arbitrary_text(text in "(?s).{0,400}") {
        let _ = Article::parse(Path::new("kb/any.md"), &text);
    }

    #[test]
    fn intents_parser_never_panics(text in "(?s)(\\[\\[intents\\]\\]\n|name = \"[a-z]{0,5}\"\n|examples = \\[\"[a-z ]{0,10}\"\\]\n|answer = \"[^\"\\n]{0,20}\"\n|handoff = (true|false)\n|priority = \"[a-z]{0,7}\"\n|.{0,20}\n){0,12}") {
        match IntentSet::parse(Path::new("intents.toml"), &text) {
            Ok(set) => prop_assert!(set.intents.iter().all(|i| !i.examples.is_empty())),
            Err(error) => prop_assert!(error.to_string().starts_with("intents.toml:")),
        }
    }

    #[test]
    fn configuration_parser_never_panics(text in "(?s)(\\[server\\]\n|\\[\\[sites\\]\\]\n|listen = \"[0-9.:a-z]{0,21}\"\n|id = \"[a-zA-Z-]{0,8}\"\n|database_url = \"[a-z:/]{0,12}\"\n|.{0,20}\n){0,10}") {
        let _ = Settings::parse(&text, Path::new("/"), Path::new("fuzz.toml"), &|_| None);
    }

    #[test]
    fn email_parser_never_panics_and_accepts_what_it_returns(text in "(?s).{0,80}") {
        if let Ok(email) = Email::parse(&text) {
            prop_assert!(email.as_str().contains('@'));
            prop_assert_eq!(Email::parse(email.as_str()).ok(), Some(email.clone()));
        }
    }

    #[test]
    fn normalization_is_idempotent(text in "(?s).{0,200}") {
        let once = frontline_shared::text::normalize(&text);
        prop_assert_eq!(frontline_shared::text::normalize(&once), once);
    }
}
