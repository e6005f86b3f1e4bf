//! Assignment and chat identities in Slack (issue 21), through the Slack stand-in on each
//! backend: the clicking Slack user is mapped to an agent account by the e-mail
//! `users.info` gives; an admin picks an agent in the alert's "Assign to…" select, the core
//! assigns it, and the assignee is told by a direct message (`users.lookupByEmail`,
//! `conversations.open`, `chat.postMessage`) through the outbox, once. With
//! `[bot] allow_unlinked = false` an unlinked Slack user is refused privately.

use std::time::Duration;

use frontline_shared::audit::{AuditAction, AuditFilter};
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::slack_callbacks::{block_action, user_pick, SignedRequest, SlackUser};
use frontline_tests::slack_standin::Posted;
use serde_json::json;

use crate::accounts::create_agent;

const LEA: SlackUser = SlackUser {
    id: "U0LEA",
    name: "lea.slack",
};
const MAX: SlackUser = SlackUser {
    id: "U0MAX",
    name: "max",
};
const ANA: SlackUser = SlackUser {
    id: "U0ANA",
    name: "ana.slack",
};

/// Lea (admin) and Ana (agent) have accounts and Slack profiles with their e-mails; Max
/// is in Slack only.
async fn people(rig: &Rig) -> String {
    create_agent(&rig.server, "lea@example.com", "Lea", "admin", None).await;
    let ana = create_agent(&rig.server, "ana@example.com", "Ana", "agent", None).await;
    rig.slack()
        .add_user_with_email(LEA.id, LEA.name, "Lea@Example.com");
    rig.slack()
        .add_user_with_email(ANA.id, ANA.name, "ana@example.com");
    rig.slack().add_user(MAX.id, MAX.name);
    ana["agent"]["id"].as_str().expect("id").to_string()
}

/// The alert as the stand-in holds it now (after refreshes).
fn current(rig: &Rig, alert: &Posted) -> Posted {
    rig.slack().with(|s| {
        s.messages
            .iter()
            .find(|m| m.ts == alert.ts)
            .cloned()
            .expect("alert")
    })
}

#[tokio::test]
async fn an_admin_assigns_from_the_slack_alert_and_the_assignee_is_told_once_by_dm() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let ana_id = people(&rig).await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
        )
        .await;
        let id = handoff.escalation_id.as_str();
        let alert = rig.slack().alert_for(id).await;
        let select = alert.blocks.to_string();
        assert!(
            select.contains(&format!("\"assign:{id}\"")),
            "{backend:?}: {select}"
        );
        assert!(select.contains("Assign to…"), "{select}");

        // Max is in Slack only (unlinked: allowed to claim or reply, but he has no role, so
        // he may not assign): he alone is told why and what to do, and nothing changes.
        let click = SignedRequest::interaction(&user_pick(&MAX, &alert, ANA.id));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let told = rig.slack().with(|s| s.ephemerals.clone());
        assert_eq!(told.len(), 1, "{backend:?}: {told:?}");
        assert_eq!(told[0]["user"], MAX.id, "{told:?}");
        assert_eq!(
            told[0]["text"],
            ":no_entry: Only an admin can assign or take over escalations, and your Slack \
             account is not linked to a Frontline account: ask an admin to give you an admin \
             account with your Slack e-mail address, or to assign it from the dashboard.",
            "{backend:?}: {told:?}"
        );
        let untouched = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(untouched.status.as_str(), "queued", "{backend:?}");
        assert_eq!(untouched.claimed_by, None);
        let assigned = AuditFilter {
            action: Some(AuditAction::Assign),
            ..AuditFilter::default()
        };
        assert!(rig
            .store
            .audit_entries(&assigned, 10)
            .await
            .expect("audit")
            .is_empty());

        let click = SignedRequest::interaction(&user_pick(&LEA, &alert, ANA.id));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let stored = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(stored.claimed_by.as_deref(), Some("Ana"), "{backend:?}");
        assert_eq!(stored.claimed_by_agent_id.as_deref(), Some(ana_id.as_str()));

        let dm = rig
            .slack()
            .wait_for("the assignee's DM", Duration::from_secs(10), |s| {
                s.messages.iter().find(|m| m.channel == "DU0ANA").cloned()
            })
            .await;
        assert!(
            dm.text
                .contains(":inbox_tray: *Lea* assigned you the escalation from *Kim*"),
            "{backend:?}: {}",
            dm.text
        );
        assert!(
            dm.text.contains(&format!("<#{}>", alert.channel)),
            "{}",
            dm.text
        );
        rig.drained().await;
        rig.slack().with(|s| {
            let lookups = s.calls_to("users.lookupByEmail");
            assert!(
                lookups
                    .iter()
                    .all(|c| c.params["email"] == "ana@example.com"),
                "{lookups:?}"
            );
            let dms = s.messages.iter().filter(|m| m.channel == "DU0ANA").count();
            assert_eq!(dms, 1, "{backend:?}: told once");
        });
        // The alert now offers a reassignment.
        let refreshed = current(&rig, &alert);
        assert!(refreshed
            .blocks
            .to_string()
            .contains(&format!("\"reassign:{id}\"")));

        // Audited under Lea's account, from Slack, with her Slack id.
        let filter = AuditFilter {
            action: Some(AuditAction::Assign),
            ..AuditFilter::default()
        };
        let rows = rig.store.audit_entries(&filter, 10).await.expect("audit");
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(rows[0].actor, "Lea");
        assert!(rows[0].actor_id.is_some());
        assert_eq!(rows[0].source, "slack");
        assert_eq!(rows[0].origin.as_deref(), Some("U0LEA"));
        assert_eq!(rows[0].object_id.as_deref(), Some(id));
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_take_over_tells_the_previous_owner_by_dm_and_the_thread_once() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        people(&rig).await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
        )
        .await;
        let id = handoff.escalation_id.as_str();
        let alert = rig.slack().alert_for(id).await;
        // Ana claims in Slack: she acts as her account (found by her Slack e-mail).
        let click = SignedRequest::interaction(&block_action(&ANA, &alert, "claim"));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let claimed = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert!(claimed.claimed_by_agent_id.is_some(), "{backend:?}");

        // Lea, an admin, takes it over through the admin API.
        let (status, body) = rig
            .server
            .admin_post(
                &format!("/api/v1/admin/escalations/{id}/take_over"),
                json!({"agent": "Lea"}),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");

        let note = rig
            .slack()
            .wait_for("the thread note", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.text.contains("took this escalation over"))
                    .cloned()
            })
            .await;
        assert_eq!(
            note.text, ":twisted_rightwards_arrows: *Lea* took this escalation over from *Ana*.",
            "{backend:?}"
        );
        assert_eq!(
            note.thread_ts.as_deref(),
            Some(alert.ts.as_str()),
            "in the alert's thread"
        );
        let dm = rig
            .slack()
            .wait_for("Ana's DM", Duration::from_secs(10), |s| {
                s.messages
                    .iter()
                    .find(|m| m.channel == "DU0ANA" && m.text.contains("took over"))
                    .cloned()
            })
            .await;
        assert!(
            dm.text
                .contains(":twisted_rightwards_arrows: *Lea* took over your escalation from *Kim*"),
            "{backend:?}: {}",
            dm.text
        );
        assert!(
            dm.text.contains(&format!("<#{}>", alert.channel)),
            "{}",
            dm.text
        );
        rig.drained().await;
        rig.slack().with(|s| {
            let notes = s
                .messages
                .iter()
                .filter(|m| m.text.contains("took this escalation over"))
                .count();
            let dms = s.messages.iter().filter(|m| m.channel == "DU0ANA").count();
            assert_eq!((notes, dms), (1, 1), "{backend:?}: told once each");
        });
        let now = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(now.claimed_by.as_deref(), Some("Lea"), "{backend:?}");
        rig.stop().await;
    }
}

#[tokio::test]
async fn without_allow_unlinked_an_unlinked_slack_user_is_refused_and_a_linked_one_acts_as_their_account(
) {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "[bot]\nallow_unlinked = false\n").await;
        let ana_id = people(&rig).await;
        let handoff = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
        )
        .await;
        let id = handoff.escalation_id.as_str();
        let alert = rig.slack().alert_for(id).await;

        let click = SignedRequest::interaction(&block_action(&MAX, &alert, "claim"));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let told = rig.slack().with(|s| s.ephemerals.clone());
        assert_eq!(told.len(), 1, "{backend:?}: {told:?}");
        assert!(
            told[0]
                .to_string()
                .contains("Your Slack account is not linked to a Frontline agent."),
            "{told:?}"
        );
        let stored = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            stored.claimed_by, None,
            "{backend:?}: the unlinked claim did nothing"
        );

        let click = SignedRequest::interaction(&block_action(&ANA, &alert, "claim"));
        assert_eq!(
            click.send(&rig.bot.client, &rig.bot.url).await.status(),
            200
        );
        let stored = rig
            .store
            .escalation(id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(
            stored.claimed_by.as_deref(),
            Some("Ana"),
            "{backend:?}: the account's name"
        );
        assert_eq!(stored.claimed_by_agent_id.as_deref(), Some(ana_id.as_str()));
        let filter = AuditFilter {
            action: Some(AuditAction::Claim),
            ..AuditFilter::default()
        };
        let rows = rig.store.audit_entries(&filter, 10).await.expect("audit");
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(rows[0].actor_id.as_deref(), Some(ana_id.as_str()));
        assert_eq!(rows[0].origin.as_deref(), Some("U0ANA"));
        rig.stop().await;
    }
}

mod discord {
    //! The same in Discord: agents link once with `/frontline link CODE` (the code from
    //! their queue page); an admin picks an agent in the alert's user select; the
    //! assignee is mentioned in the alert's thread through the outbox.

    use std::time::Duration;

    use frontline_shared::audit::{AuditAction, AuditFilter};
    use frontline_tests::customer::hand_off;
    use frontline_tests::dashboard::DashboardSession;
    use frontline_tests::databases::backends;
    use frontline_tests::discord_callbacks::{
        button_press, link_command, user_select, DiscordUser,
    };
    use frontline_tests::rig::{Platforms, Rig};
    use serde_json::json;

    use crate::accounts::create_agent;

    const LEA: DiscordUser = DiscordUser {
        id: "1100000000000000011",
        username: "lea",
    };
    const ANA: DiscordUser = DiscordUser {
        id: "1100000000000000022",
        username: "ana",
    };
    const MAX: DiscordUser = DiscordUser {
        id: "1100000000000000033",
        username: "max",
    };

    /// Signs `email` in to the dashboard and takes a link code from the queue page.
    async fn link_code(rig: &Rig, email: &str, password: &str) -> String {
        let session = DashboardSession::sign_in_account(&rig.server, email, password).await;
        let queue = session.get("/admin/queue").await;
        assert!(queue.body.contains("Link Discord"), "{}", queue.body);
        let page = session.post_form("/admin/chat-link", &[]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let start = page.body.find("/frontline link ").expect("the command") + 16;
        page.body[start..start + 8].to_string()
    }

    #[tokio::test]
    async fn linked_discord_users_assign_from_the_alert_and_the_assignee_is_mentioned_in_the_thread(
    ) {
        for backend in backends() {
            let rig = Rig::start(backend, Platforms::Discord, "").await;
            let discord = rig.discord();
            let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
            create_agent(
                &rig.server,
                "lea@example.com",
                "Lea",
                "admin",
                Some("lea's passphrase"),
            )
            .await;
            let ana = create_agent(
                &rig.server,
                "ana@example.com",
                "Ana",
                "agent",
                Some("ana's passphrase"),
            )
            .await;
            let ana_id = ana["agent"]["id"].as_str().expect("id").to_string();

            let (status, answer) = discord
                .interact(
                    client,
                    url,
                    &link_command(&LEA, "1100000000000000500", "WRONG234"),
                )
                .await;
            assert_eq!(status, 200);
            assert!(
                answer["data"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("unknown, used or expired"),
                "{backend:?}: {answer}"
            );
            for (user, email, password, name) in [
                (&LEA, "lea@example.com", "lea's passphrase", "Lea"),
                (&ANA, "ana@example.com", "ana's passphrase", "Ana"),
            ] {
                let code = link_code(&rig, email, password).await;
                let (_, answer) = discord
                    .interact(
                        client,
                        url,
                        &link_command(user, "1100000000000000500", &code.to_lowercase()),
                    )
                    .await;
                assert_eq!(
                    answer["data"]["content"],
                    format!("Linked: in Frontline you act as {name} now."),
                    "{backend:?}"
                );
                assert_eq!(answer["data"]["flags"].as_i64(), Some(64), "ephemeral");
                // A code works once.
                let (_, again) = discord
                    .interact(
                        client,
                        url,
                        &link_command(user, "1100000000000000500", &code),
                    )
                    .await;
                assert!(again["data"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("unknown, used or expired"));
            }

            let handoff = hand_off(
                &rig.server,
                json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
            )
            .await;
            let id = handoff.escalation_id.as_str();
            let alert = discord
                .wait_for("the alert", Duration::from_secs(10), |s| {
                    s.messages.first().cloned()
                })
                .await;
            assert_eq!(
                alert.user_selects(),
                [format!("assign:{id}")],
                "{backend:?}"
            );

            // Max never linked: he may claim (allow_unlinked) but not assign. He alone is
            // told why and how to link; nothing changes.
            let pick = user_select(&MAX, &alert, &format!("assign:{id}"), ANA.id);
            let (status, answer) = discord.interact(client, url, &pick).await;
            assert_eq!(
                (status, answer["type"].as_i64()),
                (200, Some(4)),
                "{backend:?}: {answer}"
            );
            assert_eq!(answer["data"]["flags"].as_i64(), Some(64), "ephemeral");
            let text = answer["data"]["content"].as_str().unwrap_or_default();
            assert!(
                text.starts_with("⛔ Only an admin can assign or take over escalations, and your Discord account is not linked to a Frontline account"),
                "{backend:?}: {text}"
            );
            assert!(text.contains("/frontline link CODE"), "{text}");
            let untouched = rig
                .store
                .escalation(id)
                .await
                .expect("read")
                .expect("stored");
            assert_eq!(untouched.claimed_by, None, "{backend:?}: nothing changed");

            let pick = user_select(&LEA, &alert, &format!("assign:{id}"), ANA.id);
            let (status, answer) = discord.interact(client, url, &pick).await;
            assert_eq!(
                (status, answer["type"].as_i64()),
                (200, Some(6)),
                "{backend:?}: {answer}"
            );
            let stored = rig
                .store
                .escalation(id)
                .await
                .expect("read")
                .expect("stored");
            assert_eq!(stored.claimed_by.as_deref(), Some("Ana"), "{backend:?}");
            assert_eq!(stored.claimed_by_agent_id.as_deref(), Some(ana_id.as_str()));

            let told = discord
                .wait_for("the assignee's mention", Duration::from_secs(10), |s| {
                    s.messages
                        .iter()
                        .find(|m| m.content.contains("assigned this escalation to you"))
                        .cloned()
                })
                .await;
            assert_eq!(
                told.content,
                format!("📥 <@{}>: **Lea** assigned this escalation to you.", ANA.id),
                "{backend:?}"
            );
            assert_eq!(
                told.allowed_mentions["users"],
                json!([ANA.id]),
                "only Ana is pinged"
            );
            assert_eq!(
                told.message_reference
                    .as_ref()
                    .map(|r| r["message_id"].clone()),
                Some(json!(alert.id)),
                "in the alert's thread"
            );
            rig.drained().await;
            let mentions = discord.with(|s| {
                s.messages
                    .iter()
                    .filter(|m| m.content.contains("assigned this escalation to you"))
                    .count()
            });
            assert_eq!(mentions, 1, "{backend:?}: told once");

            let linked = AuditFilter {
                action: Some(AuditAction::ChatLinked),
                ..AuditFilter::default()
            };
            assert_eq!(
                rig.store
                    .audit_entries(&linked, 10)
                    .await
                    .expect("audit")
                    .len(),
                2
            );
            let assigned = AuditFilter {
                action: Some(AuditAction::Assign),
                ..AuditFilter::default()
            };
            let rows = rig.store.audit_entries(&assigned, 10).await.expect("audit");
            assert_eq!(rows.len(), 1, "{backend:?}");
            assert_eq!(
                (rows[0].actor.as_str(), rows[0].source.as_str()),
                ("Lea", "discord")
            );
            assert_eq!(rows[0].origin.as_deref(), Some(LEA.id));
            rig.stop().await;
        }
    }

    #[tokio::test]
    async fn a_take_over_mentions_the_previous_owner_in_the_thread_once() {
        for backend in backends() {
            let rig = Rig::start(backend, Platforms::Discord, "").await;
            let discord = rig.discord();
            let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
            create_agent(
                &rig.server,
                "ana@example.com",
                "Ana",
                "agent",
                Some("ana's passphrase"),
            )
            .await;
            let code = link_code(&rig, "ana@example.com", "ana's passphrase").await;
            discord
                .interact(
                    client,
                    url,
                    &link_command(&ANA, "1100000000000000500", &code),
                )
                .await;
            let handoff = hand_off(
                &rig.server,
                json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my order?"}),
            )
            .await;
            let id = handoff.escalation_id.as_str();
            let alert = discord
                .wait_for("the alert", Duration::from_secs(10), |s| {
                    s.messages.first().cloned()
                })
                .await;
            let (status, _) = discord
                .interact(
                    client,
                    url,
                    &button_press(&ANA, &alert, &format!("claim:{id}")),
                )
                .await;
            assert_eq!(status, 200);
            let claimed = rig
                .store
                .escalation(id)
                .await
                .expect("read")
                .expect("stored");
            assert_eq!(claimed.claimed_by.as_deref(), Some("Ana"), "{backend:?}");

            let (status, body) = rig
                .server
                .admin_post(
                    &format!("/api/v1/admin/escalations/{id}/take_over"),
                    json!({"agent": "Lea"}),
                )
                .await;
            assert_eq!(status, 200, "{backend:?}: {body}");
            let told = discord
                .wait_for("the take-over note", Duration::from_secs(10), |s| {
                    s.messages
                        .iter()
                        .find(|m| m.content.contains("took this escalation over"))
                        .cloned()
                })
                .await;
            assert_eq!(
                told.content,
                format!(
                    "🔀 <@{}>: **Lea** took this escalation over from you.",
                    ANA.id
                ),
                "{backend:?}"
            );
            assert_eq!(
                told.allowed_mentions["users"],
                json!([ANA.id]),
                "only Ana is pinged"
            );
            assert_eq!(
                told.message_reference
                    .as_ref()
                    .map(|r| r["message_id"].clone()),
                Some(json!(alert.id)),
                "in the alert's thread"
            );
            rig.drained().await;
            let notes = discord.with(|s| {
                s.messages
                    .iter()
                    .filter(|m| m.content.contains("took this escalation over"))
                    .count()
            });
            assert_eq!(notes, 1, "{backend:?}: told once");
            rig.stop().await;
        }
    }
}
