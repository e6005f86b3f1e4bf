//! Saved replies (issue 21) on each backend: admins manage them through the API (bad input
//! refused naming the field, agents refused), an agent picks one by name in the
//! dashboard's reply box, the customer gets it filled in with their name, the Slack thread
//! says who sent which saved reply, and every change and send is in the audit log.

use std::time::Duration;

use frontline_tests::audit::audit_rows;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::ADMIN_TOKEN;
use serde_json::{json, Value};

use crate::accounts::create_agent;

const REFUND: &str = "Hi {{customer.name}}, refunds reach your card within **5 days**.";

/// `GET /api/v1/admin/audit?action={action}` with the admin token: `(actor, object_id)`.
async fn audited(rig: &Rig, action: &str) -> Vec<(String, String)> {
    audit_rows(&rig.server, &format!("action={action}"))
        .await
        .iter()
        .map(|r| {
            (
                r["actor"].as_str().unwrap_or_default().to_string(),
                r["object_id"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_agent_sends_a_saved_reply_from_the_dashboard_and_the_customer_and_thread_see_it() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let server = &rig.server;

        // Admin management through the API, bad input refused naming the field.
        let (status, created) = server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "Refund policy", "body": REFUND}),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {created}");
        let refund_id = created["id"].as_str().expect("id").to_string();
        assert_eq!(created["site"], Value::Null, "global");
        for (body, field) in [
            (
                json!({"name": "Broken", "body": "{{#if customer.name}}Hi"}),
                "`body`",
            ),
            (json!({"name": "", "body": "Hi"}), "`name`"),
            (
                json!({"name": "Elsewhere", "site": "nowhere", "body": "Hi"}),
                "`site`",
            ),
        ] {
            let (status, error) = server.admin_post("/api/v1/admin/saved-replies", body).await;
            assert_eq!(status, 422, "{error}");
            let message = error["error"]["message"].as_str().unwrap_or_default();
            assert!(message.starts_with(field), "{message}");
        }
        let (status, taken) = server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "refund POLICY", "body": "again"}),
            )
            .await;
        assert_eq!(status, 409, "the name is taken in any case: {taken}");
        let (status, _) = server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "Shipping times", "site": "demo", "body": "Parcels leave within a day."}),
            )
            .await;
        assert_eq!(status, 201);

        // An agent may search and send, not manage.
        create_agent(
            server,
            "ana@example.com",
            "Ana Ruiz",
            "agent",
            Some("ana's passphrase"),
        )
        .await;
        let ana =
            DashboardSession::sign_in_account(server, "ana@example.com", "ana's passphrase").await;
        let refused = server
            .client
            .post(server.at("/api/v1/admin/saved-replies"))
            .header(reqwest::header::COOKIE, ana.cookies())
            .json(&json!({"name": "Mine", "body": "x"}))
            .send()
            .await
            .expect("post");
        assert_eq!(refused.status(), 403);
        assert_eq!(ana.get("/admin/saved-replies").await.status, 403);
        let found = ana.get("/api/v1/admin/saved-replies?site=demo&q=ref").await;
        assert_eq!(found.status, 200, "{}", found.body);
        let found: Value = serde_json::from_str(&found.body).expect("json");
        let names: Vec<&str> = found
            .as_array()
            .expect("array")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert_eq!(names, ["Refund policy"]);

        // The customer hands off; Ana picks the reply by name in the reply box.
        let sam = hand_off(
            server,
            json!({"email": "sam@example.com", "name": "Sam O'Brien", "message": "Where is my refund?"}),
        )
        .await;
        let alert = rig.slack().alert_for(&sam.escalation_id).await;
        let page = ana
            .get(&format!("/admin/escalations/{}", sam.escalation_id))
            .await;
        assert!(
            page.body
                .contains(r#"<option value="Refund policy"></option>"#)
                && page
                    .body
                    .contains(r#"<option value="Shipping times"></option>"#),
            "the reply box offers both names: {}",
            page.body
        );
        let sent = ana
            .post_form(
                &format!("/admin/escalations/{}/saved-reply", sam.escalation_id),
                &[("name", "refund policy")],
            )
            .await;
        assert_eq!(sent.status, 303, "{backend:?}: {}", sent.body);
        let unknown = ana
            .post_form(
                &format!("/admin/escalations/{}/saved-reply", sam.escalation_id),
                &[("name", "Returns")],
            )
            .await;
        assert_eq!(unknown.status, 422, "{}", unknown.body);
        assert!(unknown.body.contains("`name`"), "{}", unknown.body);

        // What the customer's widget restores: the reply filled in with their name as typed,
        // apostrophe and all; `body` is the Markdown, `html` what the widget shows (bold, no
        // asterisks). A plain line has no `html`.
        let (status, conversation) = server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        assert_eq!(status, 200);
        let last = conversation["transcript"]
            .as_array()
            .and_then(|t| t.last())
            .cloned()
            .expect("a line");
        assert_eq!(last["author"], "agent");
        assert_eq!(last["author_name"], "Ana Ruiz");
        assert_eq!(
            last["body"],
            "Hi Sam O'Brien, refunds reach your card within **5 days**."
        );
        let html = last["html"].as_str().unwrap_or_default();
        assert_eq!(
            html.trim(),
            "<p>Hi Sam O'Brien, refunds reach your card within <strong>5 days</strong>.</p>",
            "{backend:?}"
        );
        let customer_line = &conversation["transcript"][0];
        assert_eq!(customer_line["author"], "customer");
        assert!(customer_line["html"].is_null(), "{customer_line}");

        // The Slack thread says who sent which saved reply.
        let post = rig
            .slack()
            .wait_for(
                "the saved reply in the thread",
                Duration::from_secs(10),
                |s| {
                    s.messages
                        .iter()
                        .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                        .find(|m| m.text.contains("saved reply"))
                        .map(|m| m.text.clone())
                },
            )
            .await;
        assert!(
            post.contains("*Ana Ruiz* sent saved reply “Refund policy” from the dashboard: Hi Sam"),
            "{post}"
        );
        // Its Markdown in Slack's markup: bold is `*…*`, no `**` left.
        assert!(
            post.contains("within *5 days*.") && !post.contains("**"),
            "{post}"
        );

        // The API sends one too (the token names the agent), and reports the text.
        let (status, answer) = server
            .admin_post(
                &format!(
                    "/api/v1/admin/escalations/{}/saved-reply",
                    sam.escalation_id
                ),
                json!({"saved_reply_id": refund_id, "agent": "Bo"}),
            )
            .await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(
            answer["text"],
            "Hi Sam O'Brien, refunds reach your card within **5 days**."
        );

        // An edit, a deletion, and the audit log of it all.
        let edited = server
            .client
            .put(server.at(&format!("/api/v1/admin/saved-replies/{refund_id}")))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"name": "Refund policy", "body": "Refunds take 5 days."}))
            .send()
            .await
            .expect("put");
        assert_eq!(edited.status(), 200);
        let deleted = server
            .client
            .delete(server.at(&format!("/api/v1/admin/saved-replies/{refund_id}")))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("delete");
        assert_eq!(deleted.status(), 204);
        let changes = audited(&rig, "saved_reply_changed").await;
        assert_eq!(
            changes.len(),
            4,
            "two creations, an edit, a deletion: {changes:?}"
        );
        assert_eq!(changes[0], ("admin token".to_string(), refund_id.clone()));
        let replies = audited(&rig, "reply").await;
        assert_eq!(
            replies,
            vec![
                ("Bo".to_string(), sam.escalation_id.clone()),
                ("Ana Ruiz".to_string(), sam.escalation_id.clone()),
            ]
        );
        rig.stop().await;
    }
}

/// Slack's door: the "Send a saved reply" message shortcut on the alert opens a modal
/// listing the site's saved replies; submitting it sends the chosen one as the Slack user,
/// once even when Slack delivers the submission twice, and the thread shows it.
#[tokio::test]
async fn a_saved_reply_chosen_in_slacks_modal_reaches_the_customer_and_the_thread() {
    use frontline_tests::slack_callbacks::{message_shortcut, view_submission, SignedRequest};

    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let (status, created) = rig
            .server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "Refund policy", "body": REFUND}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let refund_id = created["id"].as_str().expect("id").to_string();
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam O'Brien", "message": "Where is my refund?"}),
        )
        .await;
        let alert = rig.slack().alert_for(&sam.escalation_id).await;

        let shortcut = message_shortcut(&crate::bot_slack::ANA, &alert, "send_saved_reply");
        let response = SignedRequest::interaction(&shortcut)
            .send(&rig.bot.client, &rig.bot.url)
            .await;
        assert_eq!(response.status(), 200);
        let opened = rig
            .slack()
            .wait_for("the saved reply modal", Duration::from_secs(10), |s| {
                s.views.first().cloned()
            })
            .await;
        assert_eq!(opened["private_metadata"], json!(sam.escalation_id));
        let options: Vec<(String, String)> = opened["blocks"][0]["element"]["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| {
                (
                    o["text"]["text"].as_str().unwrap_or_default().to_string(),
                    o["value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(
            options,
            vec![("Refund policy".to_string(), refund_id.clone())]
        );

        let mut view = opened.clone();
        view["id"] = json!("V0VIEW1");
        view["team_id"] = json!("T0NORTHWIND");
        view["hash"] = json!("1.hash");
        let submission = view_submission(&crate::bot_slack::ANA, &view, "saved_reply", &refund_id);
        // Delivered twice (the second signed a second earlier, as a retry would be).
        let now = frontline_tests::slack_callbacks::now();
        for at in [now, now - 1] {
            let response = SignedRequest::interaction(&submission)
                .at(at)
                .send(&rig.bot.client, &rig.bot.url)
                .await;
            assert_eq!(response.status(), 200);
        }

        let post = rig
            .slack()
            .wait_for(
                "the saved reply in the thread",
                Duration::from_secs(10),
                |s| {
                    s.messages
                        .iter()
                        .filter(|m| m.thread_ts.as_deref() == Some(alert.ts.as_str()))
                        .find(|m| m.text.contains("saved reply"))
                        .map(|m| m.text.clone())
                },
            )
            .await;
        assert!(
            post.contains("*ana* sent saved reply “Refund policy” in Slack: Hi Sam O'Brien"),
            "{post}"
        );
        assert!(
            post.contains("within *5 days*.") && !post.contains("**"),
            "{post}"
        );
        let (_, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        let agent_lines: Vec<&Value> = conversation["transcript"]
            .as_array()
            .expect("transcript")
            .iter()
            .filter(|l| l["author"] == "agent")
            .collect();
        assert_eq!(agent_lines.len(), 1, "sent once: {conversation}");
        assert_eq!(
            agent_lines[0]["body"],
            "Hi Sam O'Brien, refunds reach your card within **5 days**."
        );
        assert_eq!(agent_lines[0]["author_name"], "ana");
        rig.stop().await;
    }
}

/// Discord's door: the alert's "Saved reply" button answers privately with a string select
/// of the site's saved replies; picking one sends it, rendered for the customer, as the
/// clicking agent (once, even when the pick arrives twice), turns the select into "Sent",
/// and the alert's thread says who sent which saved reply.
#[tokio::test]
async fn a_saved_reply_picked_in_discords_select_reaches_the_customer_and_the_thread() {
    use frontline_tests::discord_callbacks::{button_press, string_select, DiscordUser};

    const ANA: DiscordUser = DiscordUser {
        id: "1100000000000000022",
        username: "ana",
    };
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Discord, "").await;
        let discord = rig.discord();
        let (client, url) = (&rig.bot.client, rig.bot.url.as_str());
        let (status, created) = rig
            .server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "Refund policy", "body": REFUND}),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let refund_id = created["id"].as_str().expect("id").to_string();
        let (status, _) = rig
            .server
            .admin_post(
                "/api/v1/admin/saved-replies",
                json!({"name": "Elsewhere only", "site": "demo", "body": "Hi from demo."}),
            )
            .await;
        assert_eq!(status, 201);
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam O'Brien", "message": "Where is my refund?"}),
        )
        .await;
        let id = sam.escalation_id.as_str();
        let alert = discord
            .wait_for("the alert", Duration::from_secs(10), |s| {
                s.messages.first().cloned()
            })
            .await;
        let button = format!("saved:{id}");
        assert!(alert.buttons().contains(&button), "{:?}", alert.buttons());

        let (status, answer) = discord
            .interact(client, url, &button_press(&ANA, &alert, &button))
            .await;
        assert_eq!(status, 200);
        assert_eq!(answer["type"], 4, "{backend:?}: {answer}");
        assert_eq!(answer["data"]["flags"], 64, "only Ana sees the select");
        let select = &answer["data"]["components"][0]["components"][0];
        assert_eq!(select["type"], 3, "a string select: {answer}");
        assert_eq!(select["custom_id"], json!(button));
        let mut options: Vec<(String, String)> = select["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|o| {
                (
                    o["label"].as_str().unwrap_or_default().to_string(),
                    o["value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        options.sort();
        assert_eq!(
            options.len(),
            2,
            "the global and the demo site's: {options:?}"
        );
        assert_eq!(options[1], ("Refund policy".to_string(), refund_id.clone()));

        let pick = string_select(&ANA, &alert.channel_id, &answer, &button, &refund_id);
        let signed_at = frontline_tests::slack_callbacks::now();
        let (status, sent) = discord.interact_at(client, url, &pick, signed_at).await;
        assert_eq!(status, 200);
        assert_eq!(sent["type"], 7, "the select is replaced: {sent}");
        assert_eq!(
            sent["data"]["content"],
            "✅ Sent “Refund policy”: Hi Sam O'Brien, refunds reach your card within \\*\\*5 days\\*\\*."
        );
        assert_eq!(sent["data"]["components"], json!([]));
        // The same pick delivered again (signed a second earlier, so not a replay of the
        // same request) sends nothing more.
        let (_, again) = discord.interact_at(client, url, &pick, signed_at - 1).await;
        assert_eq!(again["data"]["content"], "Already sent.", "{again}");

        let post = discord
            .wait_for(
                "the saved reply in the thread",
                Duration::from_secs(10),
                |s| {
                    s.messages
                        .iter()
                        .find(|m| m.content.contains("saved reply"))
                        .cloned()
                },
            )
            .await;
        assert!(
            post.content
                .contains("**ana** sent saved reply “Refund policy” in Discord: Hi Sam O'Brien"),
            "{backend:?}: {}",
            post.content
        );
        // Its Markdown is Discord's bold, not escaped asterisks.
        assert!(
            post.content.contains("within **5 days**.") && !post.content.contains("\\*"),
            "{backend:?}: {}",
            post.content
        );
        assert_eq!(
            post.message_reference
                .as_ref()
                .map(|r| r["message_id"].clone()),
            Some(json!(alert.id)),
            "in the alert's thread"
        );
        let (_, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        let agent_lines: Vec<&Value> = conversation["transcript"]
            .as_array()
            .expect("transcript")
            .iter()
            .filter(|l| l["author"] == "agent")
            .collect();
        assert_eq!(agent_lines.len(), 1, "sent once: {conversation}");
        assert_eq!(
            agent_lines[0]["body"],
            "Hi Sam O'Brien, refunds reach your card within **5 days**."
        );
        assert_eq!(agent_lines[0]["author_name"], "ana");
        let replies = audited(&rig, "reply").await;
        assert_eq!(replies, vec![("ana".to_string(), id.to_string())]);
        rig.stop().await;
    }
}
