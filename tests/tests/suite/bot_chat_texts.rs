//! Chat messages in each platform's own markup: an assistant answer in an alert's
//! transcript reads as Slack mrkdwn or Discord Markdown (not raw `**…**`, `[…](…)`),
//! customer text stays literal and harmless, and the re-alert and managers' messages come
//! from templates a `templates_dir` overrides.

use frontline_bot::delivery::Outcome;
use frontline_bot::BotOptions;
use frontline_shared::clock::ManualClock;
use frontline_tests::customer::Handoff;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use serde_json::json;

/// The demo's return intent answers with Markdown: bold and a link.
const RETURN_QUESTION: &str = "How do I return my boots?";
/// What a customer types into the handoff form: formatting, a forged link, mentions.
const HOSTILE_MESSAGE: &str = "*urgent* <!channel> @here see [my photo](https://evil.example/x)";
/// A customer name that tries the same.
const HOSTILE_NAME: &str = "Eve *boss* <!here> @everyone";

/// Asks the return question (answered with Markdown), then hands off with hostile text.
async fn hand_off_after_the_return_answer(rig: &Rig) -> Handoff {
    let (status, asked) = rig
        .server
        .ask(json!({ "text": RETURN_QUESTION }), None)
        .await;
    assert_eq!(status, 200, "{asked}");
    assert_eq!(asked["decision"], "answer", "{asked}");
    let conversation_id = asked["conversation_id"].as_str().expect("conversation");
    let token = asked["conversation_token"].as_str().expect("token");
    let (status, handoff) = rig
        .server
        .post_json(
            "/api/v1/sites/demo/handoff",
            json!({"conversation_id": conversation_id, "email": "eve@example.com",
                   "name": HOSTILE_NAME, "message": HOSTILE_MESSAGE}),
            Some(token),
        )
        .await;
    assert_eq!(status, 201, "{handoff}");
    Handoff {
        escalation_id: handoff["escalation_id"].as_str().expect("id").to_string(),
        conversation_id: conversation_id.to_string(),
        token: token.to_string(),
    }
}

#[tokio::test]
async fn the_slack_alert_shows_the_answer_as_mrkdwn_and_customer_text_literally() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off_after_the_return_answer(&rig).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let text = alert.visible_text();
        assert!(
            text.contains("*30 days of delivery*"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("<https://northwind.example/returns|returns portal>"),
            "{backend:?}: {text}"
        );
        assert!(
            !text.contains("**") && !text.contains("[returns portal]("),
            "{backend:?}: raw Markdown in {text}"
        );
        // The customer's own text is not Markdown: shown as typed, escaped.
        assert!(
            text.contains("*urgent* &lt;!channel&gt; @here see [my photo](https://evil.example/x)"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("Eve *boss* &lt;!here&gt; @everyone"),
            "{text}"
        );
        assert!(
            !text.contains("<!channel>")
                && !text.contains("<!here>")
                && !text.contains("<https://evil.example"),
            "{backend:?}: customer text became markup: {text}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn the_discord_alert_shows_the_answer_as_discord_markdown_and_customer_text_literally() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let handoff = hand_off_after_the_return_answer(&rig).await;
        let discord = rig.discord();
        let alert = discord
            .wait_for("the alert", std::time::Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| {
                        m.buttons()
                            .contains(&format!("claim:{}", handoff.escalation_id))
                    })
                    .cloned()
            })
            .await;
        let text = &alert.content;
        assert!(
            text.contains("**30 days of delivery**"),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("returns portal (<https://northwind.example/returns>)"),
            "{backend:?}: {text}"
        );
        assert!(
            !text.contains("[returns portal]("),
            "{backend:?}: raw Markdown link in {text}"
        );
        // The customer's text: every formatting character escaped, mentions broken.
        assert!(
            text.contains(
                "\\*urgent\\* \\<!channel\\> @\u{200b}here see \\[my photo\\]\\(https://evil.example/x\\)"
            ),
            "{backend:?}: {text}"
        );
        assert!(
            text.contains("Eve \\*boss\\* \\<!here\\> @\u{200b}everyone"),
            "{text}"
        );
        assert!(!text.contains("(<https://evil.example"), "{text}");
        assert!(!alert.mention_everyone, "nobody was pinged: {text}");
        assert_eq!(alert.mention_roles, Vec::<String>::new());
        rig.stop().await;
    }
}

/// One-minute SLAs, one re-alert before the managers; the templates from `dir`.
fn sla_with_templates(dir: &std::path::Path, platform_table: &str) -> String {
    format!(
        "[bot]\ntemplates_dir = {dir:?}\n\n[bot.sla]\nurgent = \"1m\"\nhigh = \"1m\"\nnormal = \"1m\"\nlow = \"1m\"\nrealerts_before_managers = 1\n\n{platform_table}\n",
        dir = dir.display().to_string()
    )
}

/// Delivers every due outbox row.
async fn deliver_all(rig: &Rig) {
    for _ in 0..50 {
        if rig.bot.worker().try_deliver_once().await.expect("deliver") == Outcome::Idle {
            return;
        }
    }
    panic!("the outbox never drained");
}

/// Brings the bot's manual clock to the wall clock the widget server stamped the handoff
/// (and its outbox row) with.
fn catch_up(clock: &ManualClock) {
    clock.set_ms(jiff::Timestamp::now().as_millisecond());
}

/// Moves the bot's clock past the SLA, records the re-alert and delivers it.
async fn overdue(rig: &Rig, clock: &ManualClock) {
    clock.advance_ms(61_000);
    assert_eq!(rig.bot.watcher().check_once().await.expect("check"), 1);
    deliver_all(rig).await;
}

#[tokio::test]
async fn slack_realert_and_managers_messages_come_from_overridable_templates() {
    for backend in backends() {
        let dir = tempfile::tempdir().expect("templates dir");
        std::fs::write(
            dir.path().join("realert.slack.hbs"),
            "{{{mention}}} Nudge {{number}} for {{customer.name}}: {{waiting}} without an owner.\n",
        )
        .expect("write");
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let toml = sla_with_templates(
            dir.path(),
            "[bot.slack]\nmanagers_channel = \"C0MANAGERS\"\noncall_mention = \"<!subteam^S0ONCALL>\"",
        );
        let rig = Rig::start_with(backend, Platforms::Slack, &toml, options).await;
        let handoff = hand_off_after_the_return_answer(&rig).await;
        let id = handoff.escalation_id.as_str();
        catch_up(&clock);
        deliver_all(&rig).await;
        let alert = rig.slack().alert_for(id).await;

        overdue(&rig, &clock).await;
        let nudge = rig
            .slack()
            .with(|s| s.posts_for(id, "realert-1").first().map(|m| (*m).clone()))
            .expect("the re-alert");
        assert_eq!(nudge.thread_ts.as_deref(), Some(alert.ts.as_str()));
        assert!(
            nudge.text.starts_with(
                "<!subteam^S0ONCALL> Nudge 1 for Eve *boss* &lt;!here&gt; @everyone: "
            ),
            "{backend:?}: the override's text: {}",
            nudge.text
        );
        assert!(nudge.text.ends_with(" without an owner."), "{}", nudge.text);

        // Not overridden: the managers' heads-up keeps the built-in wording.
        overdue(&rig, &clock).await;
        let managers = rig
            .slack()
            .with(|s| s.posts_for(id, "managers-2").first().map(|m| (*m).clone()))
            .expect("the managers' heads-up");
        assert_eq!(managers.channel, "C0MANAGERS");
        assert!(
            managers.text.starts_with(":rotating_light: *normal* priority escalation from *Eve *boss* &lt;!here&gt; @everyone* on Northwind Outfitters has waited "),
            "{backend:?}: {}",
            managers.text
        );
        assert!(
            managers
                .text
                .contains(" unclaimed (1 re-alert). Question: How do I return my boots?")
                && managers
                    .text
                    .ends_with(&format!(" The alert is in <#{}>.", alert.channel)),
            "{backend:?}: {}",
            managers.text
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn discord_realert_and_managers_messages_come_from_overridable_templates() {
    const MANAGERS: &str = "1100000000000000400";
    const ONCALL_ROLE: &str = "1100000000000000200";
    for backend in backends() {
        let dir = tempfile::tempdir().expect("templates dir");
        std::fs::write(
            dir.path().join("managers.discord.hbs"),
            "Managers: {{customer.name}} waited {{waiting}} after {{realerts}} nudge(s); see <#{{alert_channel}}>.\n",
        )
        .expect("write");
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        let toml = sla_with_templates(
            dir.path(),
            &format!(
                "[bot.discord]\nmanagers_channel = \"{MANAGERS}\"\noncall_role = \"{ONCALL_ROLE}\""
            ),
        );
        let rig = Rig::start_with(backend, Platforms::Discord, &toml, options).await;
        let handoff = hand_off_after_the_return_answer(&rig).await;
        catch_up(&clock);
        deliver_all(&rig).await;
        let claim = format!("claim:{}", handoff.escalation_id);
        let alert = rig
            .discord()
            .with(|s| s.messages.first().cloned())
            .expect("the alert");
        assert!(alert.buttons().contains(&claim), "{:?}", alert.buttons());

        // Not overridden: the re-alert keeps the built-in wording, as a reply to the alert.
        overdue(&rig, &clock).await;
        let nudge = rig
            .discord()
            .with(|s| s.messages.get(1).cloned())
            .expect("the re-alert");
        assert_eq!(
            nudge
                .message_reference
                .as_ref()
                .map(|r| r["message_id"].clone()),
            Some(json!(alert.id)),
            "{backend:?}"
        );
        assert!(
            nudge.content.starts_with(&format!(
                "<@&{ONCALL_ROLE}> ⏰ Still unclaimed after "
            )) && nudge.content.ends_with(
                " (re-alert 1): **normal** priority escalation from **Eve \\*boss\\* \\<!here\\> @\u{200b}everyone**. Please claim it."
            ),
            "{backend:?}: {}",
            nudge.content
        );
        assert_eq!(nudge.mention_roles, [ONCALL_ROLE]);
        assert!(!nudge.mention_everyone);

        overdue(&rig, &clock).await;
        let managers = rig
            .discord()
            .with(|s| s.messages.get(2).cloned())
            .expect("the managers' heads-up");
        assert_eq!(managers.channel_id, MANAGERS);
        assert!(
            managers
                .content
                .starts_with("Managers: Eve \\*boss\\* \\<!here\\> @\u{200b}everyone waited ")
                && managers
                    .content
                    .ends_with(&format!(" after 1 nudge(s); see <#{}>.", alert.channel_id)),
            "{backend:?}: the override's text: {}",
            managers.content
        );
        assert!(!managers.mention_everyone && managers.mention_roles.is_empty());
        rig.stop().await;
    }
}
