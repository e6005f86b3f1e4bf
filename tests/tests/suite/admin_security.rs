//! The admin surface under attack (issue 17, items 7, 8 and 10): guessing the admin token
//! is throttled per address, dashboard sessions are random, server-side and end at
//! sign-out, the admin API refuses foreign pages, `/admin` pages carry security headers,
//! `X-Forwarded-For` counts only from trusted proxies, and `/metrics` can ask for a token.

use frontline_shared::accounts::manage::sign_in_record;
use frontline_shared::accounts::Role;
use frontline_shared::audit::{Actor, Source};
use frontline_shared::clock::ManualClock;
use frontline_shared::config::{IpNet, Secret};
use frontline_shared::store::Store;
use frontline_tests::dashboard::client_from;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer, ADMIN_TOKEN};
use serde_json::json;
use std::time::Duration;

/// Generous request limits (as in every test) and an admin failure budget of 10 that
/// refills at one a minute, so nothing refills while a test runs.
fn throttled() -> ServerOptions {
    ServerOptions {
        extra_toml: "[server.rate_limits]\nper_ip_per_minute = 100000\nper_ip_burst = 100000\n\
                     auth_failures_per_minute = 1\nauth_failure_burst = 10\n"
            .into(),
        ..ServerOptions::default()
    }
}

async fn sign_in(
    server: &TestServer,
    client: &reqwest::Client,
    token: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = client
        .post(server.at("/admin/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("token", token), ("agent", "Ana")]).expect("form"));
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

async fn get_with_cookie(
    server: &TestServer,
    client: &reqwest::Client,
    path: &str,
    cookie: &str,
) -> u16 {
    client
        .get(server.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get")
        .status()
        .as_u16()
}

fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn guessing_the_admin_token_at_sign_in_is_throttled_per_address() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &throttled()).await;
    let guesser = client_from([127, 0, 0, 1]);
    let mut statuses = Vec::new();
    for guess in 0..100 {
        let response = sign_in(&server, &guesser, &format!("guess-{guess:024}"), None).await;
        let status = response.status().as_u16();
        if status == 429 {
            let wait = retry_after(&response).expect("Retry-After on a 429");
            assert!((1..=60).contains(&wait), "Retry-After {wait}");
        }
        statuses.push(status);
    }
    let answered = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (answered, throttled),
        (10, 90),
        "10 wrong tokens are answered, the other 90 throttled: {statuses:?}"
    );
    assert!(statuses[..10].iter().all(|s| *s == 401), "{statuses:?}");
    // Locked out means locked out: even the right token is not looked at from there.
    let locked = sign_in(&server, &guesser, ADMIN_TOKEN, None).await;
    assert_eq!(locked.status().as_u16(), 429);
    // Somebody else signs in at once.
    let colleague = client_from([127, 0, 0, 2]);
    let signed_in = sign_in(&server, &colleague, ADMIN_TOKEN, None).await;
    assert_eq!(
        signed_in.status().as_u16(),
        303,
        "a right token from another address"
    );
    let cookie = session_cookie(&signed_in);
    assert_eq!(
        get_with_cookie(&server, &colleague, "/admin/queue", &cookie).await,
        200
    );
}

#[tokio::test]
async fn guessing_the_admin_bearer_token_is_throttled_per_address() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start_with(&db.url, &throttled()).await;
    let list = |client: reqwest::Client, token: String| {
        let url = server.at("/api/v1/admin/escalations");
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("get")
        }
    };
    let guesser = client_from([127, 0, 0, 3]);
    let mut statuses = Vec::new();
    for guess in 0..100 {
        let response = list(guesser.clone(), format!("guess-{guess:024}")).await;
        if response.status().as_u16() == 429 {
            assert!(retry_after(&response).is_some_and(|s| s >= 1));
        }
        statuses.push(response.status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        90,
        "{statuses:?}"
    );
    let other = list(client_from([127, 0, 0, 4]), ADMIN_TOKEN.to_string()).await;
    assert_eq!(
        other.status().as_u16(),
        200,
        "the right token from another address"
    );
    // Right tokens never spend the budget: many calls, none throttled.
    let agent = client_from([127, 0, 0, 5]);
    for _ in 0..30 {
        let ok = list(agent.clone(), ADMIN_TOKEN.to_string()).await;
        assert_eq!(ok.status().as_u16(), 200);
    }
}

#[tokio::test]
async fn every_sign_in_is_a_new_session_and_sign_out_ends_it_on_every_replica() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let replica = TestServer::start(&db.url).await;
        let browser = client_from([127, 0, 0, 1]);
        let first = sign_in(&server, &browser, ADMIN_TOKEN, None).await;
        assert_eq!(first.status().as_u16(), 303);
        let set_cookie = first
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(
                set_cookie.contains(attribute),
                "{attribute} in {set_cookie}"
            );
        }
        assert!(
            !set_cookie.contains("Secure"),
            "not Secure on plain http: {set_cookie}"
        );
        let a = session_cookie(&first);
        let b = session_cookie(
            &sign_in(&server, &client_from([127, 0, 0, 2]), ADMIN_TOKEN, None).await,
        );
        assert_ne!(a, b, "two sign-ins, two sessions");
        assert!(a.len() >= "frontline_admin=".len() + 64, "{a}");
        // A session works on every replica (it lives in the store), for pages and the API.
        for (on, path, ok) in [
            (&server, "/admin", 200),
            (&replica, "/admin/queue", 200),
            (&replica, "/api/v1/admin/escalations", 200),
        ] {
            assert_eq!(get_with_cookie(on, &browser, path, &a).await, ok, "{path}");
        }
        // Sign-out (on the other replica) ends session a everywhere; b is untouched.
        let out = browser
            .post(replica.at("/admin/logout"))
            .header("cookie", &a)
            .send()
            .await
            .expect("logout");
        assert_eq!(out.status().as_u16(), 303);
        assert_eq!(
            get_with_cookie(&server, &browser, "/admin", &a).await,
            303,
            "{backend:?}: a signed-out cookie sends back to the sign-in page"
        );
        assert_eq!(
            get_with_cookie(&server, &browser, "/api/v1/admin/escalations", &a).await,
            403
        );
        assert_eq!(get_with_cookie(&server, &browser, "/admin", &b).await, 200);
        // Signing in again from a signed-in browser rotates: the old id dies.
        let c = session_cookie(&sign_in(&server, &browser, ADMIN_TOKEN, Some(&b)).await);
        assert_ne!(b, c);
        assert_eq!(get_with_cookie(&server, &browser, "/admin", &b).await, 303);
        assert_eq!(get_with_cookie(&server, &browser, "/admin", &c).await, 200);
        // The name given at sign-in is the session's, not a cookie the browser can edit.
        let queue = browser
            .get(server.at("/admin/queue"))
            .header("cookie", format!("{c}; frontline_agent=4d616c6c6f7279"))
            .send()
            .await
            .expect("queue")
            .text()
            .await
            .expect("html");
        assert!(
            queue.contains("Signed in as <strong>Ana</strong>"),
            "{queue}"
        );
        replica.stop().await;
        server.stop().await;
    }
}

#[tokio::test]
async fn sessions_expire_after_twelve_idle_hours() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let clock = ManualClock::starting_at(1_700_000_000_000);
        let store = Store::connect_with_clock(&db.url, clock.clone())
            .await
            .expect("store");
        let idle = Duration::from_secs(12 * 3600);
        let actor = Actor::unlinked("Ana", Source::Web, None).with_role(Role::Admin);
        let id = store
            .create_admin_session("Ana", idle, sign_in_record(&actor))
            .await
            .expect("create");
        assert_eq!(id.len(), 64);
        // Activity keeps it alive past twelve hours since sign-in...
        for _ in 0..3 {
            clock.advance_ms(6 * 3600 * 1000);
            let session = store.admin_session(&id, idle).await.expect("lookup");
            assert_eq!(
                session.map(|s| s.agent).as_deref(),
                Some("Ana"),
                "{backend:?}"
            );
        }
        // ...twelve hours and a moment without one ends it.
        clock.advance_ms(12 * 3600 * 1000 + 1);
        assert_eq!(store.admin_session(&id, idle).await.expect("lookup"), None);
        assert_eq!(
            store
                .admin_session("not-a-session", idle)
                .await
                .expect("lookup"),
            None
        );
        // The stored key is a hash: the id itself is nowhere in the table.
        let other = store
            .create_admin_session("Bo", idle, sign_in_record(&actor))
            .await
            .expect("create");
        let rows: Vec<(String,)> = sqlx::query_as("SELECT id_hash FROM admin_sessions")
            .fetch_all(&sqlx::AnyPool::connect(&db.url).await.expect("pool"))
            .await
            .expect("rows");
        assert_eq!(
            rows.len(),
            1,
            "the expired session was pruned at the next sign-in"
        );
        assert_ne!(rows[0].0, other);
        assert!(store.end_admin_session(&other).await.expect("end"));
        assert_eq!(
            store.admin_session(&other, idle).await.expect("lookup"),
            None
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_short_admin_token_refuses_to_start_with_a_clear_message() {
    let db = TestDatabase::new(backends()[0]).await;
    let mut config = settings(&db.url, &ServerOptions::default());
    config.secrets.admin_token = Some(Secret::new("test-admin-token"));
    let error = frontline_widget_server::Application::build(config)
        .await
        .expect_err("a 16-character token is refused");
    let message = error.to_string();
    assert!(
        message.contains("FRONTLINE_ADMIN_TOKEN is 16 characters long; it must be at least 24"),
        "{message}"
    );
    // The binary says so too, and exits non-zero.
    let binary = frontline_tests::processes::sibling_binary("frontline-widget-server");
    let output = std::process::Command::new(binary)
        .env_clear()
        .env("FRONTLINE_ADMIN_TOKEN", "short-token")
        .env("FRONTLINE_LISTEN", "127.0.0.1:0")
        .env("FRONTLINE_DATABASE_URL", &db.url)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("FRONTLINE_ADMIN_TOKEN is 11 characters long; it must be at least 24"),
        "{stderr}"
    );
}

#[tokio::test]
async fn admin_pages_send_security_headers_and_no_inline_code() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (_, handoff) = server
        .post_json(
            "/api/v1/sites/demo/handoff",
            json!({"email": "sam@example.com", "message": "My parcel never arrived"}),
            None,
        )
        .await;
    let escalation = handoff["escalation_id"].as_str().expect("id").to_string();
    let browser = client_from([127, 0, 0, 1]);
    let cookie = session_cookie(&sign_in(&server, &browser, ADMIN_TOKEN, None).await);
    for path in [
        "/admin/login".to_string(),
        "/admin".to_string(),
        "/admin/queue".to_string(),
        "/admin/queue/table".to_string(),
        format!("/admin/escalations/{escalation}"),
        "/admin/dashboard.css".to_string(),
        "/admin/queue.js".to_string(),
    ] {
        let response = browser
            .get(server.at(&path))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("page");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp:?}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        let body = response.text().await.expect("body");
        if !path.ends_with(".css") && !path.ends_with(".js") {
            // What the policy would block: inline scripts, style elements and attributes.
            for inline in ["<script>", "<style", "style=\"", "onclick", "onsubmit"] {
                assert!(!body.contains(inline), "{path} has {inline}");
            }
        }
    }
    // A refused request gets them too.
    let foreign = browser
        .post(server.at("/admin/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(foreign.status().as_u16(), 403);
    assert_eq!(foreign.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn the_admin_api_refuses_cookie_requests_from_foreign_pages() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (_, handoff) = server
        .post_json(
            "/api/v1/sites/demo/handoff",
            json!({"email": "sam@example.com", "message": "My parcel never arrived"}),
            None,
        )
        .await;
    let escalation = handoff["escalation_id"].as_str().expect("id").to_string();
    let browser = client_from([127, 0, 0, 1]);
    let cookie = session_cookie(&sign_in(&server, &browser, ADMIN_TOKEN, None).await);
    let claim = |origin: String| {
        browser
            .post(server.at(&format!("/api/v1/admin/escalations/{escalation}/claim")))
            .header("cookie", &cookie)
            .header("origin", origin)
            .json(&json!({"agent": "Mallory"}))
            .send()
    };
    let foreign = claim("https://evil.example".into()).await.expect("post");
    assert_eq!(foreign.status().as_u16(), 403);
    let body: serde_json::Value = foreign.json().await.expect("json");
    assert_eq!(body["error"]["code"], "origin_not_allowed", "{body}");
    let list = browser
        .get(server.at("/api/v1/admin/escalations"))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("get");
    assert_eq!(list.status().as_u16(), 403);
    let (_, stored) = server
        .get_json(
            &format!("/api/v1/admin/escalations/{escalation}"),
            Some(ADMIN_TOKEN),
        )
        .await;
    assert_eq!(
        stored["status"], "queued",
        "the foreign claim did nothing: {stored}"
    );
    // This server's own pages may.
    let own = claim(server.url.clone()).await.expect("post");
    assert_eq!(own.status().as_u16(), 200);
}

#[tokio::test]
async fn replying_to_an_unknown_escalation_from_the_dashboard_is_not_found() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let browser = client_from([127, 0, 0, 1]);
    let cookie = session_cookie(&sign_in(&server, &browser, ADMIN_TOKEN, None).await);
    let response = browser
        .post(server.at("/admin/escalations/esc_does_not_exist/reply"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("text=hello")
        .send()
        .await
        .expect("post");
    assert_eq!(response.status().as_u16(), 404);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unknown_escalation", "{body}");
}

#[tokio::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let db = TestDatabase::new(backends()[0]).await;
    let mut config = settings(
        &db.url,
        &ServerOptions {
            extra_toml: "[server.rate_limits]\nper_ip_per_minute = 1\nper_ip_burst = 2\n".into(),
            ..ServerOptions::default()
        },
    );
    config.server.trusted_proxies = vec![IpNet::parse("127.0.0.2").expect("net")];
    let server = TestServer::from_settings(config).await;
    let suggest = |client: &reqwest::Client, forwarded: &str| {
        client
            .get(server.at("/api/v1/sites/demo/suggest?q=shipping"))
            .header("x-forwarded-for", forwarded.to_string())
            .send()
    };
    // An untrusted peer cannot pick a fresh bucket by inventing addresses.
    let direct = client_from([127, 0, 0, 1]);
    let mut spoofed = Vec::new();
    for n in 1..=4 {
        let status = suggest(&direct, &format!("203.0.113.{n}"))
            .await
            .expect("get")
            .status();
        spoofed.push(status.as_u16());
    }
    assert_eq!(spoofed, [200, 200, 429, 429], "one bucket for the peer");
    // Behind the trusted proxy, each customer has their own bucket.
    let proxy = client_from([127, 0, 0, 2]);
    let mut first = Vec::new();
    for _ in 0..3 {
        first.push(
            suggest(&proxy, "198.51.100.1")
                .await
                .expect("get")
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        first,
        [200, 200, 429],
        "customer one spends their own budget"
    );
    // A second customer through the same proxy is not affected, even if it forges a
    // left-hand entry naming someone else.
    let second = suggest(&proxy, "198.51.100.1, 198.51.100.2")
        .await
        .expect("get");
    assert_eq!(
        second.status().as_u16(),
        200,
        "customer two has a bucket of their own"
    );
}

#[tokio::test]
async fn metrics_ask_for_their_token_when_one_is_set() {
    let db = TestDatabase::new(backends()[0]).await;
    let mut config = settings(&db.url, &throttled());
    let token = "metrics-token-0123456789abcdef";
    config.secrets.metrics_token = Some(Secret::new(token));
    let server = TestServer::from_settings(config).await;
    let scrape = |bearer: Option<&'static str>| {
        let mut request = server.client.get(server.at("/metrics"));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        request.send()
    };
    assert_eq!(scrape(None).await.expect("get").status().as_u16(), 403);
    assert_eq!(
        scrape(Some("wrong")).await.expect("get").status().as_u16(),
        403
    );
    let ok = scrape(Some("metrics-token-0123456789abcdef"))
        .await
        .expect("get");
    assert_eq!(ok.status().as_u16(), 200);
    assert!(ok.text().await.expect("text").contains("frontline_"));
}
