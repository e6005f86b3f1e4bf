//! The real bot binary refuses to start when an enabled platform has no channel for some
//! site, saying which, instead of skipping the first alert with a warning.

use std::time::Duration;

use frontline_tests::bot::BotProcess;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::slack_standin::{SlackStandIn, BOT_TOKEN, SIGNING_SECRET};

#[tokio::test]
async fn a_slack_token_without_a_channel_for_a_site_refuses_to_start_naming_both() {
    let db = TestDatabase::new(backends()[0]).await;
    let slack = SlackStandIn::start().await;
    let dir = tempfile::tempdir().expect("config dir");
    let config = dir.path().join("frontline.toml");
    // A route for another site only: the demo site's alerts would have nowhere to go.
    let routes =
        "[[bot.routes]]\nplatform = \"slack\"\nchannel = \"C0OTHER\"\nsite = \"another-site\"\n";
    std::fs::write(
        &config,
        format!("{}\n{routes}", frontline_widget_server::DEMO_CONFIG),
    )
    .expect("write config");
    let mut env = vec![
        ("FRONTLINE_DATABASE_URL", db.url.clone()),
        ("FRONTLINE_BOT_LISTEN", "127.0.0.1:0".to_string()),
        ("FRONTLINE_SLACK_API_URL", slack.api_url()),
        ("SLACK_BOT_TOKEN", BOT_TOKEN.to_string()),
        ("SLACK_SIGNING_SECRET", SIGNING_SECRET.to_string()),
    ];
    let (status, printed) =
        BotProcess::run_expecting_exit(&config, &env, Duration::from_secs(30)).await;
    let status = status.expect("the bot exits instead of running");
    assert!(!status.success(), "{printed}");
    assert!(
        printed.contains("slack is enabled but alerts for site `demo` have no channel"),
        "{printed}"
    );
    assert!(
        printed.contains("FRONTLINE_SLACK_DEFAULT_CHANNEL"),
        "{printed}"
    );
    assert!(!printed.contains("listening on"), "{printed}");

    // With a default channel the same configuration starts.
    env.push(("FRONTLINE_SLACK_DEFAULT_CHANNEL", "C0SUPPORT".to_string()));
    let bot = BotProcess::spawn(&config, &env).await;
    bot.kill9();
}
