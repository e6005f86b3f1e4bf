//! Agents as people (issue 21) on each backend: accounts created through the admin API,
//! invitation links, local sign-in with session rotation, throttled failures (per account
//! and per address), and the `agent` role refused on admin pages and APIs.

use frontline_tests::dashboard::{client_from, DashboardSession};
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{ServerOptions, TestServer, ADMIN_TOKEN};
use serde_json::json;

/// An admin failure budget of 3 that refills at one a minute (nothing refills while a
/// test runs), and request limits that never get in the way.
fn throttled() -> ServerOptions {
    ServerOptions {
        extra_toml: "[server.rate_limits]\nper_ip_per_minute = 100000\nper_ip_burst = 100000\n\
                     auth_failures_per_minute = 1\nauth_failure_burst = 3\n"
            .into(),
        ..ServerOptions::default()
    }
}

/// Creates an account through the admin API (with the admin token); returns its body.
pub(crate) async fn create_agent(
    server: &TestServer,
    email: &str,
    name: &str,
    role: &str,
    password: Option<&str>,
) -> serde_json::Value {
    let mut body = json!({ "email": email, "display_name": name, "role": role });
    if let Some(password) = password {
        body["password"] = json!(password);
    }
    let (status, created) = server.admin_post("/api/v1/admin/agents", body).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Posts the sign-in form from `client`, with `cookie` if given.
async fn sign_in(
    server: &TestServer,
    client: &reqwest::Client,
    email: &str,
    password: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(server.at("/admin/login"))
        .form(&[("email", email), ("password", password)]);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("sign-in")
}

/// The `frontline_admin=<id>` pair a successful sign-in sets.
fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("frontline_admin=") && !c.starts_with("frontline_admin=;"))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie in {:?}", response.headers()))
        .to_string()
}

#[tokio::test]
async fn an_invited_agent_sets_a_password_once_and_signs_in() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let created = create_agent(&server, "Dana@Example.com", "Dana Diaz", "agent", None).await;
        assert_eq!(created["agent"]["email"], "dana@example.com");
        assert_eq!(created["agent"]["role"], "agent");
        assert_eq!(created["agent"]["active"], false);
        let link = created["invitation_url"]
            .as_str()
            .expect("a link")
            .to_string();
        let path = link
            .strip_prefix(&server.url)
            .expect("on this server")
            .to_string();
        assert!(path.starts_with("/admin/invitations/"), "{path}");

        let browser = client_from([127, 0, 0, 1]);
        let form = browser.get(server.at(&path)).send().await.expect("get");
        assert_eq!(form.status(), 200);
        assert!(form
            .text()
            .await
            .expect("body")
            .contains("dana@example.com"));
        // Too short: the form again, nothing set.
        let short = browser
            .post(server.at(&path))
            .form(&[("password", "short"), ("confirm", "short")])
            .send()
            .await
            .expect("post");
        assert_eq!(short.status(), 303);
        assert_eq!(
            short.headers()["location"],
            format!("{path}?error=password").as_str()
        );
        let accepted = browser
            .post(server.at(&path))
            .form(&[
                ("password", "a long passphrase"),
                ("confirm", "a long passphrase"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(accepted.status(), 303);
        assert_eq!(accepted.headers()["location"], "/admin");
        let cookie = session_cookie(&accepted);
        // Signed in: an agent's home is the queue.
        let home = browser
            .get(server.at("/admin"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("get");
        assert_eq!(home.status(), 303);
        assert_eq!(home.headers()["location"], "/admin/queue");
        // The link works once.
        let again = browser.get(server.at(&path)).send().await.expect("get");
        assert_eq!(again.status(), 404, "{backend:?}");
        let reuse = browser
            .post(server.at(&path))
            .form(&[
                ("password", "another passphrase"),
                ("confirm", "another passphrase"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(reuse.status(), 404);
        // The password set through the link signs in; the one tried later does not.
        assert_eq!(
            sign_in(
                &server,
                &browser,
                "dana@example.com",
                "a long passphrase",
                None
            )
            .await
            .status(),
            303
        );
        assert_eq!(
            sign_in(
                &server,
                &browser,
                "dana@example.com",
                "another passphrase",
                None
            )
            .await
            .status(),
            401
        );
        let (status, agents) = server
            .get_json("/api/v1/admin/agents", Some(ADMIN_TOKEN))
            .await;
        assert_eq!(status, 200);
        assert_eq!(agents[0]["active"], true, "{agents}");
        server.stop().await;
    }
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_sets_a_lax_http_only_cookie() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        create_agent(
            &server,
            "eli@example.com",
            "Eli",
            "admin",
            Some("eli's passphrase"),
        )
        .await;
        let browser = client_from([127, 0, 0, 1]);
        let first = sign_in(
            &server,
            &browser,
            "eli@example.com",
            "eli's passphrase",
            None,
        )
        .await;
        assert_eq!(first.status(), 303);
        let set_cookie = first.headers()["set-cookie"]
            .to_str()
            .expect("ascii")
            .to_string();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(
                set_cookie.contains(attribute),
                "{attribute} in {set_cookie}"
            );
        }
        assert!(!set_cookie.contains("Secure"), "plain http: {set_cookie}");
        let a = session_cookie(&first);
        let queue = |cookie: String| {
            let browser = browser.clone();
            let url = server.at("/admin/queue");
            async move {
                browser
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .expect("get")
                    .status()
                    .as_u16()
            }
        };
        assert_eq!(queue(a.clone()).await, 200);
        // Signing in again from the same browser ends the old session: a fresh id.
        let second = sign_in(
            &server,
            &browser,
            "ELI@example.com",
            "eli's passphrase",
            Some(&a),
        )
        .await;
        assert_eq!(second.status(), 303);
        let b = session_cookie(&second);
        assert_ne!(a, b);
        assert_eq!(
            queue(a).await,
            303,
            "{backend:?}: the old id no longer opens anything"
        );
        assert_eq!(queue(b.clone()).await, 200);
        // An admin resets the password: the account's sessions end.
        let (_, agents) = server
            .get_json("/api/v1/admin/agents", Some(ADMIN_TOKEN))
            .await;
        let id = agents[0]["id"].as_str().expect("id");
        let reset = server
            .client
            .put(server.at(&format!("/api/v1/admin/agents/{id}/password")))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "password": "a brand new passphrase" }))
            .send()
            .await
            .expect("put");
        assert_eq!(reset.status(), 204);
        assert_eq!(queue(b).await, 303);
        assert_eq!(
            sign_in(
                &server,
                &browser,
                "eli@example.com",
                "a brand new passphrase",
                None
            )
            .await
            .status(),
            303
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_per_address() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start_with(&db.url, &throttled()).await;
        create_agent(
            &server,
            "fay@example.com",
            "Fay",
            "agent",
            Some("fay's passphrase"),
        )
        .await;
        // One account guessed from three addresses: the fourth try is refused before its
        // password is looked at, even the right one from a fresh address.
        for source in 1..=3 {
            let guess = sign_in(
                &server,
                &client_from([127, 0, 1, source]),
                "fay@example.com",
                "guess",
                None,
            )
            .await;
            assert_eq!(guess.status(), 401, "{backend:?}: guess {source}");
        }
        let locked = sign_in(
            &server,
            &client_from([127, 0, 1, 4]),
            "fay@example.com",
            "guess",
            None,
        )
        .await;
        assert_eq!(locked.status(), 429);
        let right = sign_in(
            &server,
            &client_from([127, 0, 1, 5]),
            "fay@example.com",
            "fay's passphrase",
            None,
        )
        .await;
        assert_eq!(right.status(), 429, "the account waits");
        let wait: u64 = right.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(right
            .text()
            .await
            .expect("body")
            .contains("for this account"));
        // One address guessing many accounts: locked out after three failures.
        let guesser = client_from([127, 0, 2, 1]);
        for n in 0..3 {
            let email = format!("nobody{n}@example.com");
            assert_eq!(
                sign_in(&server, &guesser, &email, "guess", None)
                    .await
                    .status(),
                401
            );
        }
        let next = sign_in(&server, &guesser, "someone@example.com", "guess", None).await;
        assert_eq!(next.status(), 429);
        assert!(next.headers().contains_key("retry-after"));
        // Others are not slowed down.
        create_agent(
            &server,
            "gus@example.com",
            "Gus",
            "agent",
            Some("gus's passphrase"),
        )
        .await;
        let gus = sign_in(
            &server,
            &client_from([127, 0, 3, 1]),
            "gus@example.com",
            "gus's passphrase",
            None,
        )
        .await;
        assert_eq!(gus.status(), 303);
        server.stop().await;
    }
}

#[tokio::test]
async fn an_agent_is_refused_admin_pages_and_apis_but_works_the_queue() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        create_agent(
            &server,
            "hal@example.com",
            "Hal",
            "agent",
            Some("hal's passphrase"),
        )
        .await;
        let agent =
            DashboardSession::sign_in_account(&server, "hal@example.com", "hal's passphrase").await;
        for page in [
            "/admin/agents",
            "/admin/audit",
            "/admin/webhooks",
            "/admin/planning",
        ] {
            let shown = agent.get(page).await;
            assert_eq!(shown.status, 403, "{backend:?}: {page}");
            assert!(
                shown.body.contains("This page needs the admin role"),
                "{page}"
            );
        }
        for page in ["/admin/queue", "/admin/conversations"] {
            assert_eq!(agent.get(page).await.status, 200, "{page}");
        }
        let invite = agent
            .post_form(
                "/admin/agents",
                &[
                    ("email", "x@example.com"),
                    ("display_name", "X"),
                    ("role", "admin"),
                ],
            )
            .await;
        assert_eq!(invite.status, 403, "an agent cannot create accounts");
        let api = |method: reqwest::Method, path: &str| {
            server
                .client
                .request(method, server.at(path))
                .header("cookie", agent.cookies())
                .send()
        };
        for (method, path) in [
            (reqwest::Method::GET, "/api/v1/admin/agents"),
            (reqwest::Method::GET, "/api/v1/admin/audit"),
            (reqwest::Method::GET, "/api/v1/admin/stats"),
            (reqwest::Method::GET, "/api/v1/admin/webhooks"),
            (
                reqwest::Method::GET,
                "/api/v1/admin/customers/sam@example.com/export",
            ),
            (
                reqwest::Method::DELETE,
                "/api/v1/admin/customers/sam@example.com",
            ),
        ] {
            let response = api(method.clone(), path).await.expect("call");
            assert_eq!(response.status(), 403, "{method} {path}");
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], "admin_required");
        }
        let queue = api(reqwest::Method::GET, "/api/v1/admin/escalations")
            .await
            .expect("call");
        assert_eq!(queue.status(), 200);
        // The same session's account becomes an admin: its sessions end, a new sign-in
        // opens the admin pages.
        let (_, agents) = server
            .get_json("/api/v1/admin/agents", Some(ADMIN_TOKEN))
            .await;
        let id = agents[0]["id"].as_str().expect("id");
        let promoted = server
            .client
            .patch(server.at(&format!("/api/v1/admin/agents/{id}")))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({ "role": "admin" }))
            .send()
            .await
            .expect("patch");
        assert_eq!(promoted.status(), 200);
        assert_eq!(agent.get("/admin/queue").await.status, 303, "signed out");
        let admin =
            DashboardSession::sign_in_account(&server, "hal@example.com", "hal's passphrase").await;
        assert_eq!(admin.get("/admin/agents").await.status, 200);
        server.stop().await;
    }
}

#[tokio::test]
async fn account_input_is_refused_naming_the_field() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        for (body, field) in [
            (
                json!({"email": "not-an-address", "display_name": "A", "role": "agent"}),
                "`email`",
            ),
            (
                json!({"email": "a@example.com", "display_name": " ", "role": "agent"}),
                "`display_name`",
            ),
            (
                json!({"email": "a@example.com", "display_name": "A", "role": "owner"}),
                "`role`",
            ),
            (
                json!({"email": "a@example.com", "display_name": "A", "role": "agent", "password": "short"}),
                "`password`",
            ),
        ] {
            let (status, answer) = server.admin_post("/api/v1/admin/agents", body).await;
            assert_eq!(status, 422, "{backend:?}: {answer}");
            assert_eq!(answer["error"]["code"], "invalid_account");
            let message = answer["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains(field), "{message}");
        }
        create_agent(&server, "a@example.com", "A", "agent", None).await;
        let (status, answer) = server
            .admin_post(
                "/api/v1/admin/agents",
                json!({"email": "A@example.com", "display_name": "B", "role": "admin"}),
            )
            .await;
        assert_eq!(status, 409, "{answer}");
        assert_eq!(answer["error"]["code"], "email_taken");
        server.stop().await;
    }
}

/// A store migrated by the previous release (migrations before 0019) with a token
/// session in it: after the upgrade that session is still an admin's, under the name
/// typed at sign-in, with no account.
#[tokio::test]
async fn a_token_session_made_before_accounts_survives_the_upgrade() {
    use frontline_shared::accounts::Role;
    use frontline_shared::store::Store;
    use frontline_tests::databases::TestBackend;
    use sha2::{Digest, Sha256};
    use sqlx::migrate::Migrator;

    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let dir = match backend {
            TestBackend::Sqlite => "sqlite",
            TestBackend::Postgres => "postgres",
        };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/migrations")
            .join(dir);
        let mut previous = Migrator::new(path).await.expect("the migration files");
        previous.migrations = previous
            .migrations
            .iter()
            .filter(|m| m.version < 19)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.expect("pool");
        previous.run(&pool).await.expect("the previous schema");
        let session_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as i64;
        sqlx::query(
            "INSERT INTO admin_sessions (id_hash, agent, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(hex::encode(Sha256::digest(session_id.as_bytes())))
        .bind("Typed Name")
        .bind(now)
        .execute(&pool)
        .await
        .expect("a session of the previous release");
        pool.close().await;

        let store = Store::connect(&db.url).await.expect("the upgrade");
        let session = store
            .admin_session(session_id, std::time::Duration::from_secs(3600))
            .await
            .expect("read")
            .expect("still signed in");
        assert_eq!(session.agent, "Typed Name", "{backend:?}");
        assert_eq!(session.role, Role::Admin);
        assert_eq!(session.agent_id, None);
        assert!(store.agents().await.expect("agents").is_empty());
        store.close().await;
    }
}
