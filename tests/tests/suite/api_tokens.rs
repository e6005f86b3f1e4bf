//! Personal API tokens (issue 21) on each backend: made on the dashboard's API tokens
//! page or through `POST /api/v1/admin/tokens`, shown once and stored only hashed, usable
//! as `Authorization: Bearer` with the account's role (an agent's token gets 403 where
//! the agent would), revocable, dead once revoked or its account disabled; creation,
//! revocation and sign-out are in the audit log.

use frontline_tests::audit::audit_rows;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::accounts::create_agent;

/// The token the API tokens page shows once, in `<code data-new-token>`.
fn shown_token(page: &str) -> String {
    let start = page
        .find("data-new-token>")
        .expect("a new token on the page")
        + 15;
    let rest = &page[start..];
    rest[..rest.find('<').expect("closing tag")].to_string()
}

async fn call(
    server: &TestServer,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = server
        .client
        .request(method, server.at(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(server: &TestServer, path: &str, token: &str) -> (u16, Value) {
    call(server, reqwest::Method::GET, path, token, None).await
}

/// Audit rows with `action` as `(actor, source, action)`, oldest first.
async fn audit(server: &TestServer, action: &str) -> Vec<(String, String, String)> {
    let mut rows: Vec<(i64, String, String, String)> =
        audit_rows(server, &format!("action={action}"))
            .await
            .iter()
            .map(|r| {
                let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
                (
                    r["id"].as_i64().unwrap_or_default(),
                    text("actor"),
                    text("source"),
                    text("action"),
                )
            })
            .collect();
    rows.sort();
    rows.into_iter().map(|(_, a, s, x)| (a, s, x)).collect()
}

#[tokio::test]
async fn a_personal_token_acts_with_its_accounts_role_until_revoked() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        create_agent(
            &server,
            "ada@example.com",
            "Ada",
            "admin",
            Some("ada's passphrase"),
        )
        .await;
        let gus = create_agent(
            &server,
            "gus@example.com",
            "Gus",
            "agent",
            Some("gus's passphrase"),
        )
        .await;
        let gus_id = gus["agent"]["id"].as_str().expect("id").to_string();

        // Gus makes a token on the dashboard: shown once, then only listed by name.
        let gus_web =
            DashboardSession::sign_in_account(&server, "gus@example.com", "gus's passphrase").await;
        let made = gus_web
            .post_form("/admin/tokens", &[("name", "queue script")])
            .await;
        assert_eq!(made.status, 200, "{backend:?}: {}", made.body);
        let gus_token = shown_token(&made.body);
        assert!(
            gus_token.starts_with("flt_") && gus_token.len() == 68,
            "{gus_token}"
        );
        let listed = gus_web.get("/admin/tokens").await;
        assert!(listed.body.contains("queue script"));
        assert!(!listed.body.contains(&gus_token), "shown only once");

        // Ada makes one on the page, then another through the API with the first.
        let ada_web =
            DashboardSession::sign_in_account(&server, "ada@example.com", "ada's passphrase").await;
        let ada_token = shown_token(
            &ada_web
                .post_form("/admin/tokens", &[("name", "exports")])
                .await
                .body,
        );
        let (status, created) = call(
            &server,
            reqwest::Method::POST,
            "/api/v1/admin/tokens",
            &ada_token,
            Some(json!({ "name": "nightly report" })),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let report_token = created["secret"].as_str().expect("secret").to_string();
        assert_ne!(report_token, ada_token);
        assert_eq!(created["name"], "nightly report");

        // Each token has its account's role: the agent's works the queue and is refused
        // the admin routes; the admin's is not.
        assert_eq!(
            get(&server, "/api/v1/admin/escalations", &gus_token)
                .await
                .0,
            200
        );
        let (status, refused) = get(&server, "/api/v1/admin/agents", &gus_token).await;
        assert_eq!(status, 403, "{refused}");
        assert_eq!(refused["error"]["code"], "admin_required");
        assert_eq!(get(&server, "/api/v1/admin/audit", &gus_token).await.0, 403);
        assert_eq!(
            get(&server, "/api/v1/admin/agents", &ada_token).await.0,
            200
        );
        assert_eq!(
            get(&server, "/api/v1/admin/agents", &report_token).await.0,
            200
        );
        // A made-up token of the right shape opens nothing.
        let forged = format!("flt_{}", "0".repeat(64));
        assert_eq!(
            get(&server, "/api/v1/admin/escalations", &forged).await.0,
            403
        );

        // Listing shows names, never a secret; each account sees its own.
        let (status, ada_list) = get(&server, "/api/v1/admin/tokens", &ada_token).await;
        assert_eq!(status, 200);
        let mut names: Vec<&str> = ada_list
            .as_array()
            .expect("list")
            .iter()
            .map(|t| t["name"].as_str().unwrap_or_default())
            .collect();
        names.sort_unstable();
        assert_eq!(names, vec!["exports", "nightly report"]);
        assert!(!ada_list.to_string().contains("flt_"), "{ada_list}");
        let (_, gus_list) = get(&server, "/api/v1/admin/tokens", &gus_token).await;
        assert_eq!(gus_list.as_array().map(Vec::len), Some(1));
        let gus_token_id = gus_list[0]["id"].as_str().expect("id").to_string();
        let report_id = created["id"].as_str().expect("id").to_string();

        // The store holds the SHA-256 of each token, not the token.
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        let hashes: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
            .fetch_all(&pool)
            .await
            .expect("hashes");
        pool.close().await;
        assert_eq!(hashes.len(), 3);
        let sha = hex::encode(Sha256::digest(gus_token.as_bytes()));
        assert!(hashes.contains(&sha), "{hashes:?}");
        assert!(!hashes.iter().any(|h| h.contains("flt_")));

        // The admin token has no account, so no personal tokens.
        let (status, no_account) = call(
            &server,
            reqwest::Method::POST,
            "/api/v1/admin/tokens",
            ADMIN_TOKEN,
            Some(json!({ "name": "x" })),
        )
        .await;
        assert_eq!(status, 403);
        assert_eq!(no_account["error"]["code"], "account_required");
        // A bad name is refused naming the field.
        let (status, bad) = call(
            &server,
            reqwest::Method::POST,
            "/api/v1/admin/tokens",
            &gus_token,
            Some(json!({ "name": "  " })),
        )
        .await;
        assert_eq!(status, 422, "{bad}");
        assert!(bad["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("`name`"));

        // An agent cannot revoke someone else's token; the owner can, and it is dead.
        let (status, _) = call(
            &server,
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/tokens/{report_id}"),
            &gus_token,
            None,
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(
            get(&server, "/api/v1/admin/agents", &report_token).await.0,
            200
        );
        let (status, revoked) = call(
            &server,
            reqwest::Method::DELETE,
            &format!("/api/v1/admin/tokens/{report_id}"),
            &ada_token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{revoked}");
        assert!(revoked["revoked_at_ms"].is_i64());
        assert_eq!(
            get(&server, "/api/v1/admin/agents", &report_token).await.0,
            403
        );
        // Revoked on the dashboard page too.
        let page = gus_web
            .post_form(&format!("/admin/tokens/{gus_token_id}/revoke"), &[])
            .await;
        assert_eq!(page.status, 303);
        assert_eq!(
            get(&server, "/api/v1/admin/escalations", &gus_token)
                .await
                .0,
            403
        );

        // Disabling an account kills its tokens too.
        let gus_again = shown_token(
            &DashboardSession::sign_in_account(&server, "gus@example.com", "gus's passphrase")
                .await
                .post_form("/admin/tokens", &[("name", "second")])
                .await
                .body,
        );
        assert_eq!(
            get(&server, "/api/v1/admin/escalations", &gus_again)
                .await
                .0,
            200
        );
        let (status, _) = call(
            &server,
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/agents/{gus_id}"),
            ADMIN_TOKEN,
            Some(json!({ "disabled": true })),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            get(&server, "/api/v1/admin/escalations", &gus_again)
                .await
                .0,
            403
        );

        // Signing out ends the session and is recorded.
        let out = ada_web.post_form("/admin/logout", &[]).await;
        assert_eq!(out.status, 303);
        assert_eq!(ada_web.get("/admin/queue").await.status, 303);

        assert_eq!(
            audit(&server, "token_created").await,
            vec![
                ("Gus".into(), "web".into(), "token_created".into()),
                ("Ada".into(), "web".into(), "token_created".into()),
                ("Ada".into(), "api".into(), "token_created".into()),
                ("Gus".into(), "web".into(), "token_created".into()),
            ],
            "{backend:?}"
        );
        assert_eq!(
            audit(&server, "token_revoked").await,
            vec![
                ("Ada".into(), "api".into(), "token_revoked".into()),
                ("Gus".into(), "web".into(), "token_revoked".into()),
            ]
        );
        assert_eq!(
            audit(&server, "sign_out").await,
            vec![("Ada".into(), "web".into(), "sign_out".into())]
        );
        server.stop().await;
    }
}
