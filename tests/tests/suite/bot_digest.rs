//! Daily digests in chat: posted at the configured local time (DST-correct), once per
//! channel and day however many replicas race, late after downtime, with figures that
//! match an independent count and a chart; and on demand with `/frontline digest`.

use std::time::Duration;

use frontline_bot::delivery::Outcome;
use frontline_bot::BotOptions;
use frontline_shared::clock::ManualClock;
use frontline_shared::stats::days;
use frontline_shared::store::Store;
use frontline_tests::bot::{settings, TestBot};
use frontline_tests::databases::backends;
use frontline_tests::discord_callbacks::{slash_command, DiscordUser};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::SignedRequest;
use frontline_tests::slack_standin::{Posted, SlackStandIn};
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::history::{expected, generate, seed, Expected};

const MANAGERS: &str = "C0MANAGERS";

/// A digest at 08:00 New York time, for the demo site.
/// Fast polling, but a lease long enough that a chart rendered by a debug build on a busy
/// machine is not cut by the call timeout (half the lease): `FAST_DELIVERY`'s 3 s lease
/// gave 1.5 s, and a timed-out chart is rescheduled past the manual clock's "now".
const DIGEST_DELIVERY: &str = "[bot.delivery]\nlease = \"60s\"\npoll = \"20ms\"\n";

const NEW_YORK_DIGEST: &str = r#"
[[bot.digests]]
platform = "slack"
channel = "C0MANAGERS"
time = "08:00"
time_zone = "America/New_York"
sites = ["demo"]
"#;

fn ms(text: &str) -> i64 {
    text.parse::<Timestamp>()
        .expect("timestamp")
        .as_millisecond()
}

/// Steps `bot`'s delivery worker until nothing is due.
async fn deliver_all(bot: &TestBot) {
    for _ in 0..50 {
        if bot.worker().try_deliver_once().await.expect("deliver") == Outcome::Idle {
            return;
        }
    }
    panic!("the outbox never drained");
}

fn digests_of(slack: &SlackStandIn, day: &str) -> Vec<Posted> {
    let id = format!("digest:slack:{MANAGERS}:{day}");
    slack.with(|s| s.posts_for(&id, "digest").into_iter().cloned().collect())
}

/// `+3`, `−2.5`, `same`: how a change reads in the digest.
fn change(delta: f64) -> String {
    if delta.abs() < 0.05 {
        return "same".into();
    }
    let size = delta.abs();
    let size = if (size - size.round()).abs() < 1e-9 {
        format!("{}", size.round() as i64)
    } else {
        format!("{size:.1}")
    };
    format!("{}{size}", if delta > 0.0 { "+" } else { "−" })
}

/// Seconds as the digest writes them (`42s`, `3m 05s`, `2h 10m`).
fn duration(seconds: f64) -> String {
    let s = seconds.round() as i64;
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m {:02}s", s / 60, s % 60),
        s => format!("{}h {:02}m", s / 3_600, (s % 3_600) / 60),
    }
}

#[tokio::test]
async fn the_daily_digest_fires_at_local_time_across_dst_once_with_true_figures() {
    let new_york = TimeZone::get("America/New_York").expect("tz");
    let start = days::bounds(date(2026, 10, 22), &new_york).0;
    let history = generate(23, start, 11, 700);
    for backend in backends() {
        let clock = ManualClock::starting_at(start);
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let rig = Rig::start_with(
            backend,
            Platforms::Slack,
            &format!("{DIGEST_DELIVERY}\n{NEW_YORK_DIGEST}"),
            options.clone(),
        )
        .await;
        let store = Store::connect_with_clock(&rig.db.url, clock.clone())
            .await
            .expect("store");
        seed(&store, &clock, &history).await;
        let scheduler = rig.bot.digests();

        // The bot comes up on Saturday 2026-10-31 at 08:30 EDT: Friday's digest (due at
        // 08:00) was missed, so it is recorded now, marked late.
        clock.set_ms(ms("2026-10-31T12:30:00Z"));
        assert_eq!(
            scheduler.check_once().await.expect("check"),
            1,
            "{backend:?}"
        );
        assert_eq!(scheduler.check_once().await.expect("check"), 0, "once");

        // Sunday 2026-11-01, clocks went back at 02:00: 12:00 UTC is 07:00 EST, not 08:00.
        clock.set_ms(ms("2026-11-01T12:00:00Z"));
        assert_eq!(
            scheduler.check_once().await.expect("check"),
            0,
            "not an hour early"
        );
        clock.set_ms(ms("2026-11-01T12:59:59Z"));
        assert_eq!(scheduler.check_once().await.expect("check"), 0);
        clock.set_ms(ms("2026-11-01T13:00:00Z"));
        assert_eq!(scheduler.check_once().await.expect("check"), 1, "08:00 EST");

        // Monday 08:00 EST: two replicas check at the same instant; one digest.
        let now = ms("2026-11-02T13:00:30Z");
        clock.set_ms(now);
        let replica_settings = settings(
            &rig.db.url,
            rig.slack.as_ref(),
            None,
            &format!("{DIGEST_DELIVERY}\n{NEW_YORK_DIGEST}"),
        );
        let replica = TestBot::start_with(replica_settings, options.clone()).await;
        let (a, b) = tokio::join!(scheduler.check_once(), replica.digests().check_once());
        assert_eq!(a.expect("check") + b.expect("check"), 1, "{backend:?}");
        let (_, _) = tokio::join!(deliver_all(&rig.bot), deliver_all(&replica));
        deliver_all(&rig.bot).await;

        let slack = rig.slack();
        let late = digests_of(slack, "2026-10-30");
        let saturday = digests_of(slack, "2026-10-31");
        let sunday = digests_of(slack, "2026-11-01");
        assert_eq!(
            (late.len(), saturday.len(), sunday.len()),
            (1, 1, 1),
            "{backend:?}"
        );
        assert!(late[0].text.contains("Posted late"), "{}", late[0].text);
        assert!(
            !sunday[0].text.contains("Posted late"),
            "{}",
            sunday[0].text
        );
        assert!(
            sunday[0].text.contains("Daily digest for 2026-11-01"),
            "{}",
            sunday[0].text
        );
        assert_eq!(sunday[0].channel, MANAGERS);

        // Sunday lasted 25 hours in New York; the figures are counted over exactly that.
        let (from, to) = days::bounds(date(2026, 11, 1), &new_york);
        assert_eq!(to - from, 25 * 3_600_000);
        let want = expected(&history, from, to, now);
        let before = {
            let (f, t) = days::bounds(date(2026, 10, 31), &new_york);
            expected(&history, f, t, now)
        };
        let week: Vec<Expected> = (1..=7)
            .map(|back| {
                let day = date(2026, 11, 1)
                    .checked_sub(jiff::Span::new().days(back))
                    .expect("day");
                let (f, t) = days::bounds(day, &new_york);
                expected(&history, f, t, now)
            })
            .collect();
        let week_conversations = week.iter().map(|e| e.conversations as f64).sum::<f64>() / 7.0;
        let text = &sunday[0].text;
        assert!(want.conversations > 20, "a busy day: {want:?}");
        let expect_line =
            |line: String| assert!(text.contains(&line), "missing {line:?} in\n{text}");
        expect_line(format!(
            "*Conversations:* {}  _({} vs day before, {} vs 7-day avg)_",
            want.conversations,
            change((want.conversations - before.conversations) as f64),
            change(want.conversations as f64 - week_conversations),
        ));
        expect_line(format!(
            "*Questions asked:* {}  _({} vs day before",
            want.questions,
            change((want.questions - before.questions) as f64)
        ));
        expect_line(format!(
            "*Handoffs:* {}  _({} vs day before",
            want.handoffs,
            change((want.handoffs - before.handoffs) as f64)
        ));
        expect_line(format!("*Marked helpful:* {}  _(", want.helpful));
        expect_line(format!("*SLA breaches:* {}  _(", want.breaches));
        expect_line(format!(
            "*Deflection rate:* {:.1}%",
            want.deflected as f64 * 100.0 / want.conversations as f64
        ));
        let median_claim = want.median_claim.expect("claims that day");
        expect_line(format!(
            "*Time to claim (median):* {}  _(",
            duration(median_claim)
        ));
        let (top_intent, top_count) = want.top_intent.clone().expect("a top intent");
        expect_line(format!("*Top intents:* {top_intent} ({top_count})"));
        assert!(
            text.contains("*Top unanswered questions* (turn these into articles):"),
            "{text}"
        );

        // One chart per digest, a real PNG, shared in the managers' channel.
        let files = slack.with(|s| s.files.clone());
        assert_eq!(files.len(), 3, "{backend:?}");
        let chart = files
            .iter()
            .find(|f| f.title.contains("2026-11-01"))
            .expect("Sunday's chart");
        assert_eq!(chart.channel, MANAGERS);
        assert_eq!(&chart.bytes[..8], b"\x89PNG\r\n\x1a\n");
        let width = u32::from_be_bytes(chart.bytes[16..20].try_into().expect("width"));
        assert!(width >= 600, "a readable chart, {width}px wide");

        // Nothing more is due until Tuesday 08:00, and a restarted bot agrees.
        assert_eq!(replica.digests().check_once().await.expect("check"), 0);
        deliver_all(&replica).await;
        assert_eq!(digests_of(slack, "2026-11-01").len(), 1);
        assert_eq!(slack.with(|s| s.files.len()), 3);
        replica.stop().await;
        store.close().await;
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_chat_outage_delays_the_digest_without_doubling_it() {
    for backend in backends() {
        let clock = ManualClock::starting_at(ms("2026-11-20T12:00:00Z"));
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let rig = Rig::start_with(backend, Platforms::Slack, NEW_YORK_DIGEST, options).await;
        clock.set_ms(ms("2026-11-20T13:00:00Z"));
        assert_eq!(rig.bot.digests().check_once().await.expect("check"), 1);
        // Slack answers 500 to the digest post, then 429 to the chart upload.
        rig.slack()
            .fail_next(1, frontline_tests::slack_standin::Failure::ServerError);
        rig.bot.worker().try_deliver_once().await.expect("attempt");
        assert!(digests_of(rig.slack(), "2026-11-19").is_empty());
        for _ in 0..20 {
            clock.advance_ms(120_000);
            rig.bot.worker().try_deliver_once().await.expect("retry");
        }
        assert_eq!(
            digests_of(rig.slack(), "2026-11-19").len(),
            1,
            "{backend:?}"
        );
        assert_eq!(rig.slack().with(|s| s.files.len()), 1, "{backend:?}");
        rig.stop().await;
    }
}

/// The digest's team line: who resolved most that day and the team's median time to first
/// reply, over the digest's sites, from history written on a manual clock and counted by
/// hand below.
#[tokio::test]
async fn the_digest_names_the_top_resolvers_and_the_median_first_reply() {
    use frontline_shared::agent_action::{apply, AgentAction, Outcome, Reply};
    use frontline_shared::audit::{Actor, Source};

    const MINUTE: i64 = 60_000;
    for backend in backends() {
        // Tuesday 2026-11-10, 09:00 EST: four escalations open at once.
        let t0 = ms("2026-11-10T14:00:00Z");
        let clock = ManualClock::starting_at(t0);
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let config = format!("{DIGEST_DELIVERY}\n{NEW_YORK_DIGEST}");
        let rig = Rig::start_with(backend, Platforms::Slack, &config, options).await;
        let store = Store::connect_with_clock(&rig.db.url, clock.clone())
            .await
            .expect("store");
        let mut ids = Vec::new();
        for conversation in ["conv_t1", "conv_t2", "conv_t3", "conv_t4"] {
            ids.push(crate::agent_figures::open(&store, conversation).await);
        }
        let ana = Actor::unlinked("Ana", Source::Slack, Some("U0ANA".into()));
        let bo = Actor::unlinked("bo", Source::Slack, Some("U0BO".into()));
        let reply = |text: &str| {
            AgentAction::Reply(Reply {
                text: text.into(),
                files: Vec::new(),
                chat_event: None,
                saved_reply: None,
            })
        };
        // First replies: e4 by bo at 1 min, e1 by Ana at 2, e2 by Ana at 4 (and again at
        // 5, not a first), e3 by bo at 10. Ana resolves e1, e2, e3; bo resolves e4.
        let steps = [
            (MINUTE, &bo, reply("Looking."), 3),
            (2 * MINUTE, &ana, reply("Hi!"), 0),
            (4 * MINUTE, &ana, reply("Hello."), 1),
            (5 * MINUTE, &ana, reply("Still here."), 1),
            (10 * MINUTE, &bo, reply("On it."), 2),
            (20 * MINUTE, &ana, AgentAction::Resolve, 0),
            (21 * MINUTE, &ana, AgentAction::Resolve, 1),
            (22 * MINUTE, &ana, AgentAction::Resolve, 2),
            (23 * MINUTE, &bo, AgentAction::Resolve, 3),
        ];
        for (at, actor, action, index) in steps {
            clock.set_ms(t0 + at);
            let outcome = apply(&store, &action, &ids[index], actor)
                .await
                .expect("apply");
            assert!(matches!(outcome, Outcome::Applied(_)), "{outcome:?}");
        }

        // Wednesday 08:00 EST: Tuesday's digest.
        clock.set_ms(ms("2026-11-11T13:00:30Z"));
        assert_eq!(rig.bot.digests().check_once().await.expect("check"), 1);
        deliver_all(&rig.bot).await;
        let digest = digests_of(rig.slack(), "2026-11-10");
        assert_eq!(digest.len(), 1, "{backend:?}");
        // Ana 3 resolved, bo 1; first replies 60, 120, 240, 600 s: nearest-rank median
        // (the 2nd of 4) 120 s.
        assert!(
            digest[0]
                .text
                .contains("• *Team:* Ana 3 resolved, bo 1 resolved · median first reply 2m 00s"),
            "{backend:?}: {}",
            digest[0].text
        );
        store.close().await;
        rig.stop().await;
    }
}

#[tokio::test]
async fn slash_command_posts_today_so_far_and_forgeries_change_nothing() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let client = reqwest::Client::new();
        let forged = SignedRequest::command("/frontline", "digest", "C0LEADS").forged();
        assert_eq!(forged.send(&client, &rig.bot.url).await.status(), 401);
        let unsigned = SignedRequest::command("/frontline", "digest", "C0LEADS").unsigned();
        assert_eq!(unsigned.send(&client, &rig.bot.url).await.status(), 401);

        let help = SignedRequest::command("/frontline", "<!channel> help", "C0LEADS");
        let answer: serde_json::Value = help
            .send(&client, &rig.bot.url)
            .await
            .json()
            .await
            .expect("json");
        assert!(
            answer["text"]
                .as_str()
                .unwrap_or_default()
                .contains("Usage"),
            "{answer}"
        );
        assert!(
            !answer["text"]
                .as_str()
                .unwrap_or_default()
                .contains("<!channel>"),
            "escaped: {answer}"
        );

        let asked = SignedRequest::command("/frontline", "digest", "C0LEADS");
        let response = asked.send(&client, &rig.bot.url).await;
        assert_eq!(response.status(), 200);
        let answer: serde_json::Value = response.json().await.expect("json");
        assert_eq!(answer["response_type"], "ephemeral");
        // The same signed request again is a replay.
        assert_eq!(asked.send(&client, &rig.bot.url).await.status(), 401);

        let digest = rig
            .slack()
            .wait_for("the on-demand digest", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel == "C0LEADS" && m.meta("purpose") == Some("digest"))
                    .cloned()
            })
            .await;
        assert!(digest.text.contains("Today so far"), "{}", digest.text);
        rig.slack()
            .wait_for("the chart", Duration::from_secs(10), |s| {
                s.files.iter().find(|f| f.channel == "C0LEADS").map(|_| ())
            })
            .await;
        rig.drained().await;
        let digests = rig.slack().with(|s| {
            s.messages
                .iter()
                .filter(|m| m.meta("purpose") == Some("digest"))
                .count()
        });
        assert_eq!(
            digests, 1,
            "forged, unsigned and replayed commands posted nothing; {backend:?}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn discord_slash_command_posts_the_digest_with_its_chart() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let client = reqwest::Client::new();
        let channel = "1100000000000000300";
        let manager = DiscordUser {
            id: "1100000000000000400",
            username: "mia",
        };
        let (status, answer) = rig
            .discord()
            .interact(
                &client,
                &rig.bot.url,
                &slash_command(&manager, channel, "digest"),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(answer["type"], 4, "{answer}");
        assert_eq!(answer["data"]["flags"], 64, "ephemeral: {answer}");

        let digest = rig
            .discord()
            .wait_for("the digest", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel_id == channel && m.content.contains("Today so far"))
                    .cloned()
            })
            .await;
        assert!(
            digest.content.contains("Conversations:"),
            "{}",
            digest.content
        );
        let chart = rig
            .discord()
            .wait_for("the chart", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel_id == channel && !m.attachments.is_empty())
                    .cloned()
            })
            .await;
        let (name, bytes) = &chart.attachments[0];
        assert!(name.ends_with(".png"), "{name}");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");

        let forged = slash_command(&manager, channel, "digest").to_string();
        let (status, _) = frontline_tests::discord_callbacks::send(
            &client,
            &rig.bot.url,
            &forged,
            Some((
                &"00".repeat(64),
                &frontline_tests::slack_callbacks::now().to_string(),
            )),
        )
        .await;
        assert_eq!(status, 401);
        rig.drained().await;
        let posted = rig.discord().with(|s| s.messages.len());
        assert_eq!(posted, 2, "one digest and one chart; {backend:?}");
        rig.stop().await;
    }
}
