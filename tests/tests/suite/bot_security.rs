//! Signed callbacks: forged, stale, unsigned and replayed requests get 401 and change
//! nothing, on Slack and Discord; Slack's URL check and Discord's PING are answered.

use std::time::Duration;

use frontline_shared::escalation::EscalationStatus;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::discord_callbacks::{self, button_press, ping, DiscordUser};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{
    block_action, now, url_verification, SignedRequest, SlackUser,
};
use serde_json::json;

const MALLORY: SlackUser = SlackUser {
    id: "U0MALLORY",
    name: "mallory",
};
const ANA: SlackUser = SlackUser {
    id: "U0ANA",
    name: "ana",
};

async fn status_of(rig: &Rig, id: &str) -> (EscalationStatus, Option<String>) {
    let e = rig
        .store
        .escalation(id)
        .await
        .expect("read")
        .expect("stored");
    (e.status, e.claimed_by)
}

#[tokio::test]
async fn slack_callbacks_that_are_forged_stale_unsigned_or_replayed_change_nothing() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "a@example.com", "message": "help"}),
        )
        .await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        rig.drained().await;
        let claim = SignedRequest::interaction(&block_action(&MALLORY, &alert, "claim"));
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let refused = [
            ("forged", claim.clone().forged()),
            ("unsigned", claim.clone().unsigned()),
            ("stale", claim.clone().at(now() - 6 * 60)),
            ("from the future", claim.clone().at(now() + 6 * 60)),
        ];
        for (what, request) in refused {
            let response = request.send(client, url).await;
            assert_eq!(response.status(), 401, "{backend:?}: {what}");
            let body: serde_json::Value = response.json().await.expect("json error");
            assert!(body["error"]["code"].is_string(), "{what}: {body}");
        }
        assert_eq!(
            status_of(&rig, &handoff.escalation_id).await,
            (EscalationStatus::Queued, None)
        );

        // A genuine click works once; the very same request again is a replay.
        let genuine = SignedRequest::interaction(&block_action(&ANA, &alert, "claim"));
        assert_eq!(genuine.send(client, url).await.status(), 200);
        let owner = status_of(&rig, &handoff.escalation_id).await;
        assert_eq!(owner, (EscalationStatus::Claimed, Some("ana".into())));
        let claimed = rig
            .slack()
            .wait_for("the claimed alert", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.ts == alert.ts && m.buttons() == ["release", "resolve"])
                    .cloned()
            })
            .await;
        let release = SignedRequest::interaction(&block_action(&ANA, &claimed, "release"));
        assert_eq!(release.send(client, url).await.status(), 200);
        assert_eq!(
            status_of(&rig, &handoff.escalation_id).await.0,
            EscalationStatus::Queued
        );
        assert_eq!(
            genuine.send(client, url).await.status(),
            401,
            "replayed claim"
        );
        assert_eq!(
            status_of(&rig, &handoff.escalation_id).await,
            (EscalationStatus::Queued, None)
        );

        // The Events URL check is answered only when signed.
        let check = SignedRequest::event(&url_verification(
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        ));
        let response = check.send(client, url).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(
            body["challenge"],
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        );
        let forged = SignedRequest::event(&url_verification("x")).forged();
        assert_eq!(forged.send(client, url).await.status(), 401);

        rig.drained().await;
        let ephemerals = rig.slack().with(|s| s.ephemerals.len());
        assert_eq!(ephemerals, 0, "refused requests never reached the handlers");
        let metrics = rig.bot.metrics().await;
        assert!(
            metrics.contains("frontline_bot_callbacks_total{endpoint=\"slack_interactions\",outcome=\"refused\"} 5"),
            "{metrics}"
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn discord_interactions_need_a_fresh_ed25519_signature_and_ping_gets_pong() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let (status, pong) = discord.interact(client, url, &ping()).await;
        assert_eq!(
            (status, pong["type"].as_i64()),
            (200, Some(1)),
            "{backend:?}: {pong}"
        );

        let handoff = hand_off(
            &rig.server,
            json!({"email": "a@example.com", "message": "help"}),
        )
        .await;
        let alert = discord
            .wait_for("the Discord alert", Duration::from_secs(10), |s| {
                s.messages.first().cloned()
            })
            .await;
        let mallory = DiscordUser {
            id: "1100000000000000666",
            username: "mallory",
        };
        let press = button_press(
            &mallory,
            &alert,
            &format!("claim:{}", handoff.escalation_id),
        )
        .to_string();
        let fresh = now().to_string();
        let stale = (now() - 6 * 60).to_string();
        let other_key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let forged = {
            use ed25519_dalek::Signer;
            hex::encode(
                other_key
                    .sign(format!("{fresh}{press}").as_bytes())
                    .to_bytes(),
            )
        };
        let cases = [
            ("unsigned", None),
            ("forged", Some((forged, fresh.clone()))),
            ("stale", Some((discord.sign(&stale, &press), stale.clone()))),
            (
                "tampered",
                Some((discord.sign(&fresh, "{}"), fresh.clone())),
            ),
        ];
        for (what, signed) in cases {
            let headers = signed.as_ref().map(|(s, t)| (s.as_str(), t.as_str()));
            let (status, _) = discord_callbacks::send(client, url, &press, headers).await;
            assert_eq!(status, 401, "{backend:?}: {what}");
        }
        assert_eq!(
            status_of(&rig, &handoff.escalation_id).await,
            (EscalationStatus::Queued, None)
        );

        // A genuine press is accepted once; the same bytes and headers again are refused.
        let signature = discord.sign(&fresh, &press);
        let (status, answer) =
            discord_callbacks::send(client, url, &press, Some((&signature, &fresh))).await;
        assert_eq!(
            (status, answer["type"].as_i64()),
            (200, Some(6)),
            "{answer}"
        );
        let owner = status_of(&rig, &handoff.escalation_id).await;
        assert_eq!(owner, (EscalationStatus::Claimed, Some("mallory".into())));
        let (status, _) =
            discord_callbacks::send(client, url, &press, Some((&signature, &fresh))).await;
        assert_eq!(status, 401, "replayed press");
        rig.stop().await;
    }
}
