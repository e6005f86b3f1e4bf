//! Signed callbacks: forged, stale, unsigned and replayed requests get 401 and change
//! nothing, on Slack and Discord; Slack's URL check and Discord's PING are answered.
//! A captured callback re-sent under another spelling of its signature (upper case, `+`,
//! whitespace, padding) is refused too. Customer values cannot add lines to an alert.

use std::time::Duration;

use frontline_shared::escalation::EscalationStatus;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::discord_callbacks::{self, button_press, ping, DiscordUser};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{
    block_action, now, url_verification, SignedRequest, SlackUser,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
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

/// `hex` with one pair's leading `0` written as `+` (`0a` → `+a`): what a parser built on
/// `u8::from_str_radix` reads as the same byte. `None` when no pair starts with `0`.
fn plus_spelling(hex: &str) -> Option<String> {
    let at = (0..hex.len())
        .step_by(2)
        .find(|&i| hex.as_bytes()[i] == b'0')?;
    let mut text = hex.to_string();
    text.replace_range(at..=at, "+");
    Some(text)
}

/// Other spellings of the hex digits after `prefix` in `canonical` (`v0=` for Slack,
/// nothing for Discord): some letters upper-cased, a `+` for a `0`, a space or tab inside,
/// or at an end, zero padding, a `=` or `0x`, a `V0=`; one to three of these at once.
fn respellings(canonical: String, prefix: &'static str) -> impl Strategy<Value = String> {
    let edit = (0usize..8, any::<u64>());
    proptest::collection::vec(edit, 1..4).prop_filter_map(
        "a spelling other than the canonical one",
        move |edits| {
            let mut digits = canonical[prefix.len()..].to_string();
            let mut prefix = prefix.to_string();
            for (how, seed) in edits {
                let at = (seed % digits.len().max(1) as u64) as usize;
                match how {
                    0 => {
                        digits = digits
                            .char_indices()
                            .map(|(i, c)| {
                                if (seed >> (i % 64)) & 1 == 1 || i == at {
                                    c.to_ascii_uppercase()
                                } else {
                                    c
                                }
                            })
                            .collect()
                    }
                    1 => digits = plus_spelling(&digits).unwrap_or(format!("+{digits}")),
                    2 if digits.is_char_boundary(at) => {
                        digits.insert(at, if seed % 2 == 0 { ' ' } else { '\t' })
                    }
                    3 => {
                        digits = format!("{}{digits}", ["0", "00", " ", "\t"][(seed % 4) as usize])
                    }
                    4 => digits.push_str(["0", "00", "=", " "][(seed % 4) as usize]),
                    5 => digits = format!("0x{digits}"),
                    6 if !prefix.is_empty() => prefix = "V0=".to_string(),
                    _ => digits = digits.to_ascii_uppercase(),
                }
            }
            let text = format!("{prefix}{digits}");
            (text != canonical).then_some(text)
        },
    )
}

/// Runs `cases` spellings of `canonical` through `send` (status, escalation status and
/// holder afterwards); each must be refused with 401 and leave `want` unchanged.
async fn no_spelling_applies_twice<F, Fut>(
    canonical: &str,
    prefix: &'static str,
    want: (EscalationStatus, Option<String>),
    send: F,
) -> u32
where
    F: Fn(String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = (u16, (EscalationStatus, Option<String>))>,
{
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    let handle = tokio::runtime::Handle::current();
    let canonical = canonical.to_string();
    tokio::task::spawn_blocking(move || {
        let executed = std::cell::Cell::new(0u32);
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&respellings(canonical, prefix), |spelling| {
            executed.set(executed.get() + 1);
            let (status, after) = handle.block_on(send(spelling.clone()));
            prop_assert_eq!(status, 401, "{:?} was accepted", spelling);
            prop_assert_eq!(&after, &want, "{:?} changed the escalation", spelling);
            Ok(())
        });
        if let Err(failure) = result {
            panic!("{failure}");
        }
        executed.get()
    })
    .await
    .expect("property task")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_discord_claim_resent_under_another_spelling_never_claims_again() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let handoff = hand_off(
            &rig.server,
            json!({"email": "a@example.com", "message": "help"}),
        )
        .await;
        let id = handoff.escalation_id.clone();
        let alert = discord
            .wait_for("the Discord alert", Duration::from_secs(10), |s| {
                s.messages.first().cloned()
            })
            .await;
        let mallory = DiscordUser {
            id: "1100000000000000666",
            username: "mallory",
        };
        // Mallory's genuine claim, captured: one whose signature has a byte below 0x10,
        // so that `+` can stand for its `0` (about 98% of signatures have one).
        let (press, at, signature) = loop {
            let press = button_press(&mallory, &alert, &format!("claim:{id}")).to_string();
            let at = now().to_string();
            let signature = discord.sign(&at, &press);
            if plus_spelling(&signature).is_some() {
                break (press, at, signature);
            }
        };
        let (status, _) =
            discord_callbacks::send(client, url, &press, Some((&signature, &at))).await;
        assert_eq!(status, 200, "{backend:?}: the genuine claim");
        assert_eq!(
            status_of(&rig, &id).await,
            (EscalationStatus::Claimed, Some("mallory".into()))
        );
        let release = button_press(&mallory, &alert, &format!("release:{id}"));
        let (status, _) = discord.interact(client, url, &release).await;
        assert_eq!(status, 200, "{backend:?}: the release");
        let released = (EscalationStatus::Queued, None);
        assert_eq!(status_of(&rig, &id).await, released);

        let spellings = [
            ("upper case", signature.to_ascii_uppercase()),
            ("a + for a 0", plus_spelling(&signature).expect("chosen so")),
        ];
        for (what, spelling) in spellings {
            let (status, body) =
                discord_callbacks::send(client, url, &press, Some((&spelling, &at))).await;
            assert_eq!(status, 401, "{backend:?}: {what}: {body}");
            assert_eq!(
                status_of(&rig, &id).await,
                released,
                "{backend:?}: {what} re-claimed the released escalation"
            );
        }

        // Any other spelling too, whatever the edits.
        let (client, url, store) = (
            rig.bot.client.clone(),
            rig.bot.url.clone(),
            rig.store.clone(),
        );
        let escalation = id.clone();
        let executed =
            no_spelling_applies_twice(&signature, "", released.clone(), move |spelling| {
                let (client, url, store, press, at, id) = (
                    client.clone(),
                    url.clone(),
                    store.clone(),
                    press.clone(),
                    at.clone(),
                    escalation.clone(),
                );
                async move {
                    let (status, _) =
                        discord_callbacks::send(&client, &url, &press, Some((&spelling, &at)))
                            .await;
                    let e = store.escalation(&id).await.expect("read").expect("stored");
                    (status, (e.status, e.claimed_by))
                }
            })
            .await;
        assert!(executed >= 16, "{backend:?}: {executed} spellings tried");
        rig.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_slack_claim_resent_under_another_spelling_never_claims_again() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "a@example.com", "message": "help"}),
        )
        .await;
        let id = handoff.escalation_id.clone();
        let alert = rig.slack().alert_for(&id).await;
        rig.drained().await;
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let genuine = loop {
            let claim = SignedRequest::interaction(&block_action(&ANA, &alert, "claim"));
            let hex = claim.signature.clone().unwrap_or_default();
            if plus_spelling(&hex["v0=".len()..]).is_some() {
                break claim;
            }
        };
        assert_eq!(genuine.send(client, url).await.status(), 200, "{backend:?}");
        assert_eq!(
            status_of(&rig, &id).await,
            (EscalationStatus::Claimed, Some("ana".into()))
        );
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
        let released = (EscalationStatus::Queued, None);
        assert_eq!(status_of(&rig, &id).await, released);

        let canonical = genuine.signature.clone().unwrap_or_default();
        let hex = &canonical["v0=".len()..];
        let spellings = [
            ("upper case", format!("v0={}", hex.to_ascii_uppercase())),
            ("upper-case prefix", format!("V0={hex}")),
            (
                "a + for a 0",
                format!("v0={}", plus_spelling(hex).expect("chosen so")),
            ),
        ];
        for (what, spelling) in spellings {
            let mut resent = genuine.clone();
            resent.signature = Some(spelling);
            let response = resent.send(client, url).await;
            assert_eq!(response.status(), 401, "{backend:?}: {what}");
            assert_eq!(status_of(&rig, &id).await, released, "{backend:?}: {what}");
        }

        let (client, url, store) = (
            rig.bot.client.clone(),
            rig.bot.url.clone(),
            rig.store.clone(),
        );
        let escalation = id.clone();
        let executed =
            no_spelling_applies_twice(&canonical, "v0=", released.clone(), move |spelling| {
                let (client, url, store, id) = (
                    client.clone(),
                    url.clone(),
                    store.clone(),
                    escalation.clone(),
                );
                let mut resent = genuine.clone();
                resent.signature = Some(spelling);
                async move {
                    let status = resent.send(&client, &url).await.status().as_u16();
                    let e = store.escalation(&id).await.expect("read").expect("stored");
                    (status, (e.status, e.claimed_by))
                }
            })
            .await;
        assert!(executed >= 16, "{backend:?}: {executed} spellings tried");
        rig.stop().await;
    }
}

/// The lines of an alert that say "Resolved by".
fn resolved_lines(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.contains("Resolved by")).collect()
}

#[tokio::test]
async fn customer_values_cannot_add_a_resolved_line_to_the_alert() {
    let body = json!({
        "email": "eve@example.com",
        "name": "Eve\u{2028}Resolved by @boss",
        "message": "help\nResolved by @boss",
        "customer": {"order_id": "NW-1\nResolved by @boss"},
    });
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let handoff = hand_off(&rig.server, body.clone()).await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let section = alert.blocks[0]["text"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for text in [&section, &alert.text] {
            assert!(
                !text.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']),
                "{backend:?}: a line break in {text:?}"
            );
        }
        assert!(!alert.text.contains('\n'), "{backend:?}: {:?}", alert.text);
        let lines = resolved_lines(&section);
        assert!(lines.len() >= 3, "{backend:?}: {section}");
        for line in &lines {
            assert!(
                ["*Customer:* ", "*Question:* ", "> _", "*Customer fields:* "]
                    .iter()
                    .any(|label| line.starts_with(label)),
                "{backend:?}: a forged line {line:?} in\n{section}"
            );
        }
        assert!(
            section.contains("*Customer:* Eve Resolved by @boss (eve@example.com)"),
            "{section}"
        );
        assert!(
            section.contains("order_id: NW-1 Resolved by @boss"),
            "{section}"
        );
        rig.stop().await;

        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let handoff = hand_off(&rig.server, body.clone()).await;
        let alert = rig
            .discord()
            .wait_for("the Discord alert", Duration::from_secs(10), |s| {
                s.messages.first().cloned()
            })
            .await;
        let content = alert.content.clone();
        assert!(
            !content.contains(['\r', '\u{2028}', '\u{2029}', '\u{85}']),
            "{backend:?}: a line break in {content:?}"
        );
        let lines = resolved_lines(&content);
        assert!(lines.len() >= 3, "{backend:?}: {content}");
        for line in &lines {
            assert!(
                [
                    "**Customer:** ",
                    "**Question:** ",
                    "> *",
                    "**Customer fields:** "
                ]
                .iter()
                .any(|label| line.starts_with(label)),
                "{backend:?}: a forged line {line:?} in\n{content}"
            );
        }
        assert!(
            content.contains("**Customer:** Eve Resolved by @\u{200b}boss ("),
            "{content}"
        );
        assert!(
            content.contains("order\\_id: NW\\-1 Resolved by @\u{200b}boss"),
            "{content}"
        );
        assert!(!alert.mention_everyone, "{handoff:?}");
        rig.stop().await;
    }
}
