//! Conversation tokens are bound to their site (issue 17, item 10): a token issued on
//! `demo` opens nothing on `other`, and tokens of the previous release (no site in them)
//! keep opening their conversation where its stored site matches.

use frontline_shared::config::Secret;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer};
use hmac::{Hmac, Mac};
use serde_json::json;

const TOKEN_SECRET: &str = "a-test-token-secret";

/// The demo storefront plus a second site, `other`, on the same knowledge base.
fn two_sites() -> ServerOptions {
    let defaults = ServerOptions::default();
    ServerOptions {
        extra_toml: format!(
            "{}\n[[sites]]\nid = \"other\"\nknowledge_dir = \"kb\"\nintents_file = \"intents.toml\"\n",
            defaults.extra_toml
        ),
        ..defaults
    }
}

/// A token as the previous release issued it.
fn previous_release_token(conversation_id: &str) -> String {
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(TOKEN_SECRET.as_bytes()).expect("key");
    mac.update(format!("frontline-conversation:{conversation_id}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn a_conversation_token_opens_its_conversation_on_its_own_site_only() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let mut settings = settings(&db.url, &two_sites());
        settings.secrets.token_secret = Some(Secret::new(TOKEN_SECRET));
        let server = TestServer::from_settings(settings).await;
        let (status, first) = server.ask(json!({"text": "shipping cost"}), None).await;
        assert_eq!(status, 200, "{first}");
        let id = first["conversation_id"].as_str().expect("id");
        let token = first["conversation_token"].as_str().expect("token");
        let follow_up = json!({"text": "and to France?", "conversation_id": id});

        for site in ["demo", "other"] {
            let expected = if site == "demo" { 200 } else { 401 };
            let (status, body) = server
                .post_json(
                    &format!("/api/v1/sites/{site}/ask"),
                    follow_up.clone(),
                    Some(token),
                )
                .await;
            assert_eq!(status, expected, "ask on {site} with a demo token: {body}");
            let (status, body) = server
                .post_json(
                    &format!("/api/v1/sites/{site}/feedback"),
                    json!({"conversation_id": id, "helpful": true}),
                    Some(token),
                )
                .await;
            let expected = if site == "demo" { 204 } else { 401 };
            assert_eq!(
                status, expected,
                "feedback on {site} with a demo token: {body}"
            );
        }

        let old = previous_release_token(id);
        let (status, body) = server
            .post_json("/api/v1/sites/demo/ask", follow_up.clone(), Some(&old))
            .await;
        assert_eq!(
            status, 200,
            "a previous release's token on its own site: {body}"
        );
        let (status, body) = server
            .post_json("/api/v1/sites/other/ask", follow_up.clone(), Some(&old))
            .await;
        assert_eq!(
            status, 401,
            "a previous release's token on another site: {body}"
        );
        let (status, body) = server
            .get_json(&format!("/api/v1/conversations/{id}"), Some(&old))
            .await;
        assert_eq!(status, 200, "{body}");
        server.stop().await;
    }
}
