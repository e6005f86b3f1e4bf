//! The bot against the Discord stand-in: alert with buttons and safe mentions, a claim
//! race, the reply modal reaching the customer, and follow-ups as replies to the alert.

use std::time::Duration;

use frontline_shared::escalation::{EscalationStatus, Priority};
use frontline_tests::bot::DISCORD_DEFAULT_CHANNEL;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::discord_callbacks::{button_press, modal_submit, DiscordUser};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_standin::Failure;
use serde_json::json;

const ONCALL_ROLE: &str = "1100000000000000200";
const WAIT: Duration = Duration::from_secs(10);

/// What Discord shows for escaped Markdown: no escaping backslashes, no zero-width spaces.
fn shown(markdown: &str) -> String {
    markdown.replace(['\\', '\u{200b}'], "")
}

const ANA: DiscordUser = DiscordUser {
    id: "1100000000000000301",
    username: "ana",
};
const BEN: DiscordUser = DiscordUser {
    id: "1100000000000000302",
    username: "ben",
};

#[tokio::test]
async fn discord_alert_claim_and_reply_modal() {
    for backend in backends() {
        let config = format!("[bot.discord]\noncall_role = \"{ONCALL_ROLE}\"\n");
        let rig = Rig::start(backend, Platforms::Discord, &config).await;
        let discord = rig.discord();
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        // The first create is rate limited: the alert still arrives, once, after Retry-After.
        discord.fail_next(
            1,
            Failure::RateLimited {
                retry_after_secs: 1,
            },
        );
        let handoff = hand_off(
            &rig.server,
            json!({"email": "eve@example.com", "name": "@everyone Eve *urgent*",
                   "message": "I'm going to take legal action, my lawyer will contact you <@&1100000000000000200>"}),
        )
        .await;
        let id = handoff.escalation_id.clone();
        let alert = discord
            .wait_for("the alert", WAIT, |s| s.messages.first().cloned())
            .await;
        assert_eq!(alert.channel_id, DISCORD_DEFAULT_CHANNEL, "{backend:?}");
        assert_eq!(
            alert.buttons(),
            [
                format!("claim:{id}"),
                format!("reply:{id}"),
                format!("saved:{id}")
            ]
        );
        assert!(
            alert.content.contains("@\u{200b}everyone Eve \\*urgent\\*"),
            "{}",
            alert.content
        );
        assert!(
            !alert.mention_everyone,
            "a customer can never ping @everyone"
        );
        let stored = rig
            .store
            .escalation(&id)
            .await
            .expect("read")
            .expect("stored");
        // The demo's `legal_request` intent is configured `priority = "high"`, and high
        // alerts mention the configured on-call role (and only that role).
        assert_eq!(stored.priority, Priority::High, "{backend:?}");
        assert_eq!(
            alert.mention_roles,
            [ONCALL_ROLE],
            "only our own mention pings, priority {:?}",
            stored.priority
        );
        assert_eq!(alert.allowed_mentions["parse"], json!([]));
        let nonce = alert.nonce.clone().expect("nonce");
        assert!(nonce.len() <= 25, "{nonce}");
        discord.with(|s| {
            let creates: Vec<_> = s.calls.iter().filter(|c| c.method == "POST").collect();
            assert_eq!(
                creates.iter().map(|c| c.status).collect::<Vec<_>>(),
                [429, 200]
            );
            assert!(creates
                .iter()
                .all(|c| c.body["enforce_nonce"] == true && c.body["nonce"] == nonce.as_str()));
        });

        // Two agents press Claim at once: one acknowledgement, one ephemeral refusal.
        let (press_a, press_b) = (
            button_press(&ANA, &alert, &format!("claim:{id}")),
            button_press(&BEN, &alert, &format!("claim:{id}")),
        );
        let (a, b) = tokio::join!(
            discord.interact(client, url, &press_a),
            discord.interact(client, url, &press_b)
        );
        let stored = rig
            .store
            .escalation(&id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored.status, EscalationStatus::Claimed);
        let winner = stored.claimed_by.clone().expect("owner");
        let (won, lost) = if winner == "ana" { (a, b) } else { (b, a) };
        assert_eq!((won.0, won.1["type"].as_i64()), (200, Some(6)), "{won:?}");
        assert_eq!(
            (lost.0, lost.1["type"].as_i64()),
            (200, Some(4)),
            "{lost:?}"
        );
        assert_eq!(
            lost.1["data"]["flags"].as_i64(),
            Some(64),
            "ephemeral: {lost:?}"
        );
        let refusal = shown(lost.1["data"]["content"].as_str().unwrap_or_default());
        assert!(
            refusal.contains(&format!("Already claimed by @{winner}")),
            "{refusal}"
        );
        let edited = discord
            .wait_for("the claimed alert", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.id == alert.id && m.edits > 0)
                    .cloned()
            })
            .await;
        assert_eq!(
            edited.buttons(),
            [
                format!("release:{id}"),
                format!("resolve:{id}"),
                format!("reply:{id}"),
                format!("saved:{id}")
            ]
        );
        assert!(
            edited.content.contains(&format!("Claimed by @{winner}")),
            "{}",
            edited.content
        );

        // Reply: the button opens a modal; submitting it reaches the customer's stream.
        let mut stream = handoff.stream(&rig.server).await;
        let (status, modal) = discord
            .interact(
                client,
                url,
                &button_press(&ANA, &edited, &format!("reply:{id}")),
            )
            .await;
        assert_eq!((status, modal["type"].as_i64()), (200, Some(9)), "{modal}");
        assert_eq!(modal["data"]["custom_id"], format!("reply:{id}"));
        let input = &modal["data"]["components"][0]["components"][0];
        let input_id = input["custom_id"].as_str().expect("text input").to_string();
        let submit = modal_submit(
            &ANA,
            &alert.channel_id,
            &format!("reply:{id}"),
            &input_id,
            "We are on it, *Eve*.",
        );
        let (status, shown) = discord.interact(client, url, &submit).await;
        assert_eq!((status, shown["type"].as_i64()), (200, Some(4)), "{shown}");
        assert!(
            shown["data"]["content"]
                .as_str()
                .unwrap_or_default()
                .contains("We are on it, \\*Eve\\*."),
            "{shown}"
        );
        let relayed = stream
            .until(WAIT, |e| {
                e.event == "message" && e.data["author"] == "agent"
            })
            .await
            .expect("the reply on the customer's stream");
        assert_eq!(relayed.data["body"], "We are on it, *Eve*.", "{backend:?}");
        assert_eq!(relayed.data["author_name"], "ana");
        // The same submission delivered again (new signature, same interaction id) applies once.
        let later = frontline_tests::slack_callbacks::now() + 1;
        let (_, again) = discord.interact_at(client, url, &submit, later).await;
        assert_eq!(again["data"]["flags"].as_i64(), Some(64), "{again}");
        let transcript = rig
            .store
            .transcript(&handoff.conversation_id)
            .await
            .expect("transcript");
        assert_eq!(transcript.iter().filter(|l| l.author == "agent").count(), 1);

        // The customer's follow-up is posted as a reply to the alert.
        handoff.write(&rig.server, "Thanks! @here").await;
        let follow_up = discord
            .wait_for("the follow-up", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.message_reference.is_some())
                    .cloned()
            })
            .await;
        let reference = follow_up.message_reference.clone().expect("reply");
        assert_eq!(reference["message_id"], alert.id.as_str());
        assert!(
            follow_up.content.contains("Thanks! @\u{200b}here"),
            "{}",
            follow_up.content
        );
        assert!(!follow_up.mention_everyone);
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_reply_typed_in_the_admin_api_is_posted_under_the_alert_with_its_author() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let handoff = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My parcel never arrived"}),
        )
        .await;
        let alert = discord
            .wait_for("the alert", WAIT, |s| s.messages.first().cloned())
            .await;
        let (status, _) = rig
            .server
            .admin_post(
                &format!("/api/v1/admin/escalations/{}/reply", handoff.escalation_id),
                json!({"agent": "Carl *ops*", "text": "A new parcel ships today @everyone"}),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}");
        let mirrored = discord
            .wait_for("the web reply under the alert", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| m.message_reference.is_some())
                    .cloned()
            })
            .await;
        let reference = mirrored.message_reference.clone().expect("a reply");
        assert_eq!(reference["message_id"], alert.id.as_str(), "{backend:?}");
        assert!(
            shown(&mirrored.content)
                .contains("**Carl *ops*** replied to the customer from the dashboard: A new parcel ships today @everyone"),
            "{backend:?}: {}",
            mirrored.content
        );
        assert!(!mirrored.mention_everyone);
        rig.drained().await;
        let replies = discord.with(|s| {
            s.messages
                .iter()
                .filter(|m| m.message_reference.is_some())
                .count()
        });
        assert_eq!(replies, 1, "{backend:?}: posted once");
        rig.stop().await;
    }
}

/// Issue 18 item 7: a Discord claim shows the customer the agent's display name
/// (`user.global_name`), not their username.
#[tokio::test]
async fn a_discord_claim_shows_the_agents_global_name() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let handoff = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam Rivera", "message": "My parcel never arrived"}),
        )
        .await;
        let id = handoff.escalation_id.clone();
        let mut stream = handoff.stream(&rig.server).await;
        let alert = discord
            .wait_for("the alert", WAIT, |s| s.messages.first().cloned())
            .await;

        let mut press = button_press(&BEN, &alert, &format!("claim:{id}"));
        press["member"]["user"]["global_name"] = json!("Ben Ode");
        let (status, answer) = discord.interact(client, url, &press).await;
        assert_eq!(status, 200, "{answer}");
        let claimed = stream
            .until(WAIT, |e| {
                e.event == "status" && e.data["status"] == "claimed"
            })
            .await
            .expect("claimed");
        assert_eq!(claimed.data["agent"], "Ben Ode", "{backend:?}");
        rig.stop().await;
    }
}
