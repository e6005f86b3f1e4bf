//! Single sign-on with OpenID Connect (issue 21) against the loopback provider, on each
//! backend: the browser's whole round trip (`/admin/sso` → the provider's authorization
//! endpoint → `/admin/sso/callback`), the account created or linked with the role the
//! claim or the domain rule gives, and every refusal (a disallowed domain, another
//! audience, an expired token, a forged signature, a replayed nonce, a replayed or
//! foreign callback) audited as a failed sign-in.

use frontline_shared::config::Secret;
use frontline_tests::audit::audit_rows;
use frontline_tests::dashboard::client_from;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::oidc_provider::{Forgery, OidcProvider, Person, CLIENT_ID, CLIENT_SECRET};
use frontline_tests::widget_server::{settings, ServerOptions, TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};

/// A widget server whose `[auth.oidc]` is `provider`: people of example.com and
/// partner.example may sign in, example.com people are admins, and the
/// `frontline_role` claim names a role first.
async fn server_with_sso(database_url: &str, provider: &OidcProvider) -> TestServer {
    let options = ServerOptions {
        extra_toml: format!(
            "[server.rate_limits]\nper_ip_per_minute = 100000\nper_ip_burst = 100000\n\
             [auth.oidc]\nissuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\n\
             allowed_domains = [\"example.com\", \"partner.example\"]\n\
             admin_domains = [\"example.com\"]\nrole_claim = \"frontline_role\"\n",
            provider.issuer
        ),
        ..ServerOptions::default()
    };
    let mut settings = settings(database_url, &options);
    settings
        .auth
        .oidc
        .as_mut()
        .expect("[auth.oidc] is configured")
        .client_secret = Some(Secret::new(CLIENT_SECRET));
    TestServer::from_settings(settings).await
}

/// The value of cookie `name` among a response's `Set-Cookie` headers (its whole
/// header too), when set to something.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")) && !c.starts_with(&format!("{name}=;")))
        .map(|c| {
            let pair = c.split(';').next().unwrap_or_default().to_string();
            (pair, c.to_string())
        })
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string()
}

/// What a browser does after "Sign in with SSO": the start route, the provider, the
/// callback. Returns the callback's answer and its URL (to replay it), sending
/// `session` (an earlier `frontline_admin=…`) along if given.
async fn sso_round_trip(
    server: &TestServer,
    browser: &reqwest::Client,
    session: Option<&str>,
) -> (reqwest::Response, String, String) {
    let start = browser
        .get(server.at("/admin/sso"))
        .send()
        .await
        .expect("start");
    assert_eq!(start.status(), 303, "{:?}", start.text().await);
    let (binding, header) = set_cookie(&start, "frontline_sso").expect("a binding cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/admin/sso"] {
        assert!(header.contains(attribute), "{attribute} in {header}");
    }
    let authorize = location(&start);
    for parameter in [
        "response_type=code",
        "code_challenge_method=S256",
        "nonce=",
        "state=",
    ] {
        assert!(authorize.contains(parameter), "{parameter} in {authorize}");
    }
    let at_provider = browser.get(&authorize).send().await.expect("authorize");
    assert!(
        at_provider.status().is_redirection(),
        "the provider answered {}",
        at_provider.status()
    );
    let callback = location(&at_provider);
    assert!(
        callback.starts_with(&server.at("/admin/sso/callback?")),
        "{callback}"
    );
    let cookies = match session {
        Some(session) => format!("{binding}; {session}"),
        None => binding.clone(),
    };
    let answer = browser
        .get(&callback)
        .header("cookie", cookies)
        .send()
        .await
        .expect("callback");
    (answer, callback, binding)
}

/// `GET {path}` with `cookie`: status and `Location`.
async fn visit(
    server: &TestServer,
    browser: &reqwest::Client,
    path: &str,
    cookie: &str,
) -> (u16, Option<String>) {
    let response = browser
        .get(server.at(path))
        .header("cookie", cookie)
        .send()
        .await
        .expect("get");
    let to = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (response.status().as_u16(), to)
}

/// Audit rows with `action`, as `(actor, source, action)`, oldest first.
async fn audit(server: &TestServer, action: &str) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = audit_rows(server, &format!("action={action}"))
        .await
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (text("actor"), text("source"), text("action"))
        })
        .collect();
    rows.sort();
    rows
}

async fn agents(server: &TestServer) -> Vec<Value> {
    let (status, agents) = server
        .get_json("/api/v1/admin/agents", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(status, 200, "{agents}");
    agents.as_array().cloned().expect("agents")
}

#[tokio::test]
async fn a_good_sign_in_lands_on_the_dashboard_with_the_role_sso_gives() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let provider = OidcProvider::start().await;
        let server = server_with_sso(&db.url, &provider).await;
        let browser = client_from([127, 0, 0, 1]);
        let login = browser
            .get(server.at("/admin/login"))
            .send()
            .await
            .expect("login page");
        let page = login.text().await.expect("body");
        assert!(
            page.contains(r#"href="/admin/sso""#) && page.contains("Sign in with SSO"),
            "{page}"
        );

        // An example.com person: a new admin account, signed in on the overview.
        provider.sign_in_as(Person::new("Ana@Example.com", "Ana Alves"));
        let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 303, "{backend:?}");
        assert_eq!(location(&answer), "/admin");
        let (ana, header) = set_cookie(&answer, "frontline_admin").expect("a session");
        for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(header.contains(attribute), "{attribute} in {header}");
        }
        assert_eq!(visit(&server, &browser, "/admin", &ana).await.0, 200);
        assert_eq!(visit(&server, &browser, "/admin/agents", &ana).await.0, 200);

        // A partner.example person without a role claim: an agent, whose home is the
        // queue and who is refused the admin pages.
        provider.sign_in_as(Person::new("bo@partner.example", "Bo Berg"));
        let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 303);
        let (bo, _) = set_cookie(&answer, "frontline_admin").expect("a session");
        assert_eq!(
            visit(&server, &browser, "/admin", &bo).await,
            (303, Some("/admin/queue".to_string()))
        );
        assert_eq!(visit(&server, &browser, "/admin/queue", &bo).await.0, 200);
        assert_eq!(visit(&server, &browser, "/admin/agents", &bo).await.0, 403);

        // An existing password account is linked by its e-mail (not duplicated), takes
        // the role the claim names, keeps its own name, and this browser's earlier
        // session ends (rotation).
        let (status, created) = server
            .admin_post(
                "/api/v1/admin/agents",
                json!({ "email": "cy@partner.example", "display_name": "Cy Chen",
                        "role": "agent", "password": "cy's passphrase" }),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        provider.sign_in_as(
            Person::new("cy@partner.example", "Somebody Else")
                .with_claim("frontline_role", json!(["staff", "admin"])),
        );
        let (answer, _, _) = sso_round_trip(&server, &browser, Some(&bo)).await;
        assert_eq!(answer.status(), 303);
        let (cy, _) = set_cookie(&answer, "frontline_admin").expect("a session");
        assert_eq!(visit(&server, &browser, "/admin/agents", &cy).await.0, 200);
        assert_eq!(
            visit(&server, &browser, "/admin/queue", &bo).await,
            (303, Some("/admin/login".to_string())),
            "{backend:?}: the session this browser had before is over"
        );

        let accounts: Vec<(String, String, String)> = agents(&server)
            .await
            .iter()
            .map(|a| {
                let text = |k: &str| a[k].as_str().unwrap_or_default().to_string();
                (text("email"), text("display_name"), text("role"))
            })
            .collect();
        assert_eq!(
            accounts,
            vec![
                ("ana@example.com".into(), "Ana Alves".into(), "admin".into()),
                (
                    "bo@partner.example".into(),
                    "Bo Berg".into(),
                    "agent".into()
                ),
                (
                    "cy@partner.example".into(),
                    "Cy Chen".into(),
                    "admin".into()
                ),
            ]
        );
        assert_eq!(
            audit(&server, "sign_in").await,
            vec![
                ("Ana Alves".into(), "web".into(), "sign_in".into()),
                ("Bo Berg".into(), "web".into(), "sign_in".into()),
                ("Cy Chen".into(), "web".into(), "sign_in".into()),
            ]
        );
        assert_eq!(provider.tokens_issued(), 3);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_disallowed_domain_or_an_unverified_address_is_refused_and_audited() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let provider = OidcProvider::start().await;
        let server = server_with_sso(&db.url, &provider).await;
        let browser = client_from([127, 0, 0, 1]);

        provider.sign_in_as(Person::new("eve@elsewhere.example", "Eve"));
        let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 403, "{backend:?}");
        assert!(set_cookie(&answer, "frontline_admin").is_none());
        let page = answer.text().await.expect("body");
        assert!(
            page.contains("people of this e-mail domain may not sign in here"),
            "{page}"
        );
        // A look-alike domain is another domain.
        provider.sign_in_as(Person::new(
            "mallory@example.com.elsewhere.example",
            "Mallory",
        ));
        let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 403);
        // An address the provider has not verified could be anybody's.
        let mut unverified = Person::new("dan@example.com", "Dan");
        unverified.email_verified = Some(false);
        provider.sign_in_as(unverified);
        let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 403);
        assert!(answer.text().await.expect("body").contains("not verified"));

        assert!(agents(&server).await.is_empty(), "no account was made");
        assert_eq!(
            audit(&server, "sign_in_failed").await,
            vec![
                (
                    "dan@example.com".into(),
                    "web".into(),
                    "sign_in_failed".into()
                ),
                (
                    "eve@elsewhere.example".into(),
                    "web".into(),
                    "sign_in_failed".into()
                ),
                (
                    "mallory@example.com.elsewhere.example".into(),
                    "web".into(),
                    "sign_in_failed".into()
                ),
            ]
        );
        assert!(audit(&server, "sign_in").await.is_empty());
        server.stop().await;
    }
}

#[tokio::test]
async fn forged_expired_and_replayed_id_tokens_are_refused_and_audited() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let provider = OidcProvider::start().await;
        let server = server_with_sso(&db.url, &provider).await;
        let browser = client_from([127, 0, 0, 1]);
        provider.sign_in_as(Person::new("ana@example.com", "Ana Alves"));

        // A good sign-in first: its nonce is the one replayed below.
        let (answer, good_callback, good_binding) = sso_round_trip(&server, &browser, None).await;
        assert_eq!(answer.status(), 303, "{backend:?}");

        for (forgery, says) in [
            (
                Forgery::WrongAudience,
                "the ID token is for another application (audience)",
            ),
            (Forgery::Expired, "the ID token has expired"),
            // (The apostrophe of "token's" is escaped in the page.)
            (Forgery::BadSignature, "signature does not verify"),
            (
                Forgery::ReplayedNonce,
                "the ID token was not issued for this sign-in (nonce)",
            ),
        ] {
            provider.forge_next(forgery);
            let (answer, _, _) = sso_round_trip(&server, &browser, None).await;
            assert_eq!(answer.status(), 401, "{backend:?}: {forgery:?}");
            assert!(
                set_cookie(&answer, "frontline_admin").is_none(),
                "{forgery:?} started a session"
            );
            let page = answer.text().await.expect("body");
            assert!(page.contains(says), "{forgery:?}: {page}");
        }

        // The good callback replayed (same code, state and cookie): its state is used.
        let replayed = browser
            .get(&good_callback)
            .header("cookie", &good_binding)
            .send()
            .await
            .expect("replay");
        assert_eq!(replayed.status(), 400);
        assert!(set_cookie(&replayed, "frontline_admin").is_none());
        assert!(replayed
            .text()
            .await
            .expect("body")
            .contains("already used"));
        // A callback this browser did not start (no binding cookie): login CSRF.
        let start = browser
            .get(server.at("/admin/sso"))
            .send()
            .await
            .expect("start");
        let at_provider = browser
            .get(location(&start))
            .send()
            .await
            .expect("authorize");
        let foreign = client_from([127, 0, 0, 2])
            .get(location(&at_provider))
            .send()
            .await
            .expect("callback");
        assert_eq!(foreign.status(), 400);
        assert!(set_cookie(&foreign, "frontline_admin").is_none());

        let failed = audit(&server, "sign_in_failed").await;
        assert_eq!(
            failed,
            vec![
                (
                    "single sign-on".into(),
                    "web".into(),
                    "sign_in_failed".into()
                );
                6
            ],
            "{backend:?}"
        );
        assert_eq!(audit(&server, "sign_in").await.len(), 1);
        server.stop().await;
    }
}
