//! The Slack stand-in as a process, for tests that are not written in Rust (the browser
//! journey, `tests/e2e/specs/journey.test.mjs`).
//!
//! `slack-standin` serves [`SlackStandIn`] on a free loopback port and prints one JSON
//! line with what the bot needs, then runs until Ctrl-C or SIGTERM:
//!
//! ```text
//! {"base":"http://127.0.0.1:PORT","api_url":"http://127.0.0.1:PORT/api","bot_token":"xoxb-…","signing_secret":"…"}
//! ```
//!
//! Start the bot with `FRONTLINE_SLACK_API_URL=api_url`, `SLACK_BOT_TOKEN=bot_token` and
//! `SLACK_SIGNING_SECRET=signing_secret`; read what it posted from `GET /standin/messages`
//! (see `frontline_tests::slack_view`).

use frontline_tests::slack_standin::{SlackStandIn, BOT_TOKEN, SIGNING_SECRET};

#[tokio::main]
async fn main() {
    let slack = SlackStandIn::start().await;
    let ready = serde_json::json!({
        "base": slack.base,
        "api_url": slack.api_url(),
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
    });
    println!("{ready}");
    frontline_shared::shutdown::os_signal().await;
}
