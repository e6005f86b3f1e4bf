//! The audit log (issue 21) on each backend: a claim through Slack and one through the
//! dashboard are recorded with actor, source, origin and object, sign-ins too; the API
//! filters and exports CSV; the rows cannot be changed or deleted and survive an erasure.

use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::ADMIN_TOKEN;
use serde_json::{json, Value};

use crate::accounts::create_agent;
use crate::bot_slack::{alert_with_buttons, click, ANA};

/// `GET /api/v1/admin/audit?{query}` with the admin token: the rows.
async fn audit(rig: &Rig, query: &str) -> Vec<Value> {
    let (status, rows) = rig
        .server
        .get_json(&format!("/api/v1/admin/audit?{query}"), Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "{rows}");
    rows.as_array().cloned().expect("an array")
}

/// Each row as `(actor, source, origin, action, object_id)`.
fn summary(rows: &[Value]) -> Vec<(String, String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    rows.iter()
        .map(|r| {
            (
                text(&r["actor"]),
                text(&r["source"]),
                text(&r["origin"]),
                text(&r["action"]),
                text(&r["object_id"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn claims_through_slack_and_the_dashboard_are_audited_and_the_rows_never_change() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let first = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My parcel never arrived"}),
        )
        .await;
        let second = hand_off(
            &rig.server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Wrong size"}),
        )
        .await;
        // Slack: Ana clicks Claim on the first alert.
        let alert = rig.slack().alert_for(&first.escalation_id).await;
        click(&rig, &ANA, &alert, "claim").await;
        alert_with_buttons(&rig, &alert, &["release", "resolve"]).await;
        // The dashboard: Dana, signed in with her account, claims the second one.
        create_agent(
            &rig.server,
            "dana@example.com",
            "Dana Diaz",
            "agent",
            Some("dana's passphrase"),
        )
        .await;
        let dana =
            DashboardSession::sign_in_account(&rig.server, "dana@example.com", "dana's passphrase")
                .await;
        let claimed = dana
            .post_form(
                &format!("/admin/escalations/{}/claim", second.escalation_id),
                &[],
            )
            .await;
        assert_eq!(claimed.status, 303, "{backend:?}");
        let shown = dana
            .get(&format!("/admin/escalations/{}", second.escalation_id))
            .await;
        assert!(
            shown.body.contains("Dana Diaz"),
            "claimed under her account's name"
        );

        let claims = summary(&audit(&rig, "action=claim").await);
        assert_eq!(
            claims,
            vec![
                (
                    "Dana Diaz".into(),
                    "web".into(),
                    "127.0.0.1".into(),
                    "claim".into(),
                    second.escalation_id.clone()
                ),
                (
                    "ana".into(),
                    "slack".into(),
                    "U0ANA".into(),
                    "claim".into(),
                    first.escalation_id.clone()
                ),
            ],
            "{backend:?}: newest first"
        );
        let sign_ins = summary(&audit(&rig, "actor=Dana%20Diaz&action=sign_in").await);
        assert_eq!(sign_ins.len(), 1, "{sign_ins:?}");
        assert_eq!(
            (sign_ins[0].1.as_str(), sign_ins[0].2.as_str()),
            ("web", "127.0.0.1")
        );
        // A period with nothing in it, and a bad filter named.
        assert!(audit(&rig, "from=2001-01-01&to=2001-01-31")
            .await
            .is_empty());
        let (status, error) = rig
            .server
            .get_json("/api/v1/admin/audit?action=delete", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 400);
        assert_eq!(error["error"]["code"], "invalid_action");
        // CSV: a header and one line per claim.
        let csv = rig
            .server
            .client
            .get(rig.server.at("/api/v1/admin/audit?action=claim&format=csv"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let text = csv.text().await.expect("body");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "at,actor,actor_id,source,origin,action,object_id");
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[2].contains(",ana,,slack,U0ANA,claim,"), "{text}");

        // Erasing Sam's data keeps the rows (and adds one, without the address).
        let erased = rig
            .server
            .client
            .delete(rig.server.at("/api/v1/admin/customers/sam@example.com"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("erase");
        assert_eq!(erased.status(), 200);
        assert_eq!(summary(&audit(&rig, "action=claim").await), claims);
        let erasure = audit(&rig, "action=erasure").await;
        assert_eq!(erasure.len(), 1);
        assert_eq!(erasure[0]["actor"], "admin token");
        assert_eq!(erasure[0]["source"], "api");
        assert!(
            !erasure[0].to_string().contains("sam@example.com"),
            "{}",
            erasure[0]
        );

        // Append-only in the schema too: an UPDATE or DELETE from outside the store fails.
        let pool = sqlx::AnyPool::connect(&rig.db.url).await.expect("pool");
        for statement in [
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let refused = sqlx::query(statement).execute(&pool).await;
            assert!(refused.is_err(), "{backend:?}: {statement} was allowed");
        }
        pool.close().await;
        assert_eq!(summary(&audit(&rig, "action=claim").await), claims);
        rig.stop().await;
    }
}

#[tokio::test]
async fn the_audit_page_lists_and_filters_for_admins() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let admin = DashboardSession::sign_in(&rig.server, "Bea").await;
        let page = admin.get("/admin/audit?action=sign_in").await;
        assert_eq!(page.status, 200, "{backend:?}");
        assert!(
            page.body.contains("data-actor>Bea<"),
            "the token sign-in, by its typed name"
        );
        assert!(page.body.contains("Export CSV"));
        let csv = admin.get("/admin/audit?action=sign_in&format=csv").await;
        assert_eq!(csv.status, 200);
        assert!(
            csv.body.contains(",Bea,,web,127.0.0.1,sign_in,"),
            "{}",
            csv.body
        );
        let nothing = admin.get("/admin/audit?actor=Nobody").await;
        assert!(nothing
            .body
            .contains("Nothing recorded for this selection."));
        rig.stop().await;
    }
}
