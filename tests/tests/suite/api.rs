//! The widget server's public API over real HTTP, on each backend.

use frontline_shared::store::Store;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::sse::SseStream;
use frontline_tests::widget_server::{ServerOptions, TestServer};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn a_clear_question_is_answered_with_the_right_article() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (status, body) = server
        .ask(
            json!({"text": "How long does shipping take to the UK?"}),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["decision"], "answer", "{body}");
    assert_eq!(
        body["answer"]["url"], "https://northwind.example/help/shipping-times",
        "{body}"
    );
    assert!(body["answer"]["html"]
        .as_str()
        .is_some_and(|h| !h.is_empty()));
    assert!(body["conversation_id"]
        .as_str()
        .is_some_and(|c| c.starts_with("conv_")));
    assert!(body["confidence"]
        .as_f64()
        .is_some_and(|c| (0.0..=1.0).contains(&c)));
}

#[tokio::test]
async fn out_of_scope_and_human_requests_hand_off() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    for (text, reason) in [
        ("What is the capital of France?", None),
        ("I want to talk to a real person", Some("asked_for_human")),
        (
            "I'm going to take legal action, my lawyer will contact you",
            Some("always_handoff"),
        ),
    ] {
        let (status, body) = server.ask(json!({"text": text}), None).await;
        assert_eq!(status, 200);
        assert_eq!(body["decision"], "handoff", "{text}: {body}");
        if let Some(reason) = reason {
            assert_eq!(body["handoff_reason"], reason, "{text}: {body}");
        }
    }
}

#[tokio::test]
async fn a_handoff_is_stored_with_its_context_and_survives_a_restart() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let customer = json!({"name": "Sam Rivera", "order_id": "NW-10492"});
        let (_, asked) = server
            .ask(json!({"text": "my parcel never arrived", "page_url": "https://northwind.example/orders", "customer": customer}), None)
            .await;
        let conversation = asked["conversation_id"].as_str().expect("id").to_string();
        let token = asked["conversation_token"]
            .as_str()
            .expect("token")
            .to_string();
        let (status, handoff) = server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"conversation_id": conversation, "email": "sam@example.com", "name": "Sam",
                       "message": "It was due last week", "customer": customer,
                       "page_url": "https://northwind.example/orders"}),
                Some(&token),
            )
            .await;
        assert_eq!(status, 201, "{backend:?}: {handoff}");
        assert_eq!(handoff["status"], "queued");
        let escalation_id = handoff["escalation_id"]
            .as_str()
            .expect("escalation")
            .to_string();

        // Read the store directly: the escalation carries the whole context.
        let store = Store::connect(&db.url).await.expect("store");
        let stored = store
            .escalation(&escalation_id)
            .await
            .expect("read")
            .expect("stored");
        let lines: Vec<&str> = stored
            .context
            .transcript
            .iter()
            .map(|l| l.body.as_str())
            .collect();
        assert!(lines.contains(&"my parcel never arrived"), "{lines:?}");
        assert!(lines.contains(&"It was due last week"), "{lines:?}");
        assert_eq!(
            stored.context.page_url.as_deref(),
            Some("https://northwind.example/orders")
        );
        assert_eq!(stored.context.customer["order_id"], "NW-10492");
        assert_eq!(stored.email, "sam@example.com");
        assert!(
            !stored.context.matched.is_empty(),
            "matched intents recorded"
        );
        assert!(stored
            .context
            .matched
            .iter()
            .all(|m| (0.0..=1.0).contains(&m.confidence)));
        let outbox = store
            .lease_outbox("test", 10, Duration::from_secs(1))
            .await
            .expect("outbox");
        assert_eq!(
            outbox
                .iter()
                .filter(|e| e.subject.escalation_id() == Some(escalation_id.as_str()))
                .count(),
            1
        );
        store.close().await;

        // A new server on the same store still knows the conversation.
        server.stop().await;
        let restarted = TestServer::start(&db.url).await;
        let (status, body) = restarted
            .get_json(
                &format!("/api/v1/conversations/{conversation}"),
                Some(&token),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["escalation"]["id"], escalation_id.as_str());
        assert_eq!(body["escalation"]["status"], "queued");
        assert!(body["transcript"].as_array().is_some_and(|t| t.len() >= 2));
    }
}

#[tokio::test]
async fn concurrent_claims_through_the_api_have_one_winner() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let (_, handoff) = server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"email": "a@example.com", "message": "help"}),
                None,
            )
            .await;
        let id = handoff["escalation_id"].as_str().expect("id").to_string();
        let claims = (0..10).map(|i| {
            let client = reqwest::Client::new();
            let url = server.at(&format!("/api/v1/admin/escalations/{id}/claim"));
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .bearer_auth(frontline_tests::widget_server::ADMIN_TOKEN)
                    .json(&json!({"agent": format!("agent{i}")}))
                    .send()
                    .await
                    .expect("claim");
                let status = response.status().as_u16();
                (
                    status,
                    response.json::<serde_json::Value>().await.expect("json"),
                )
            })
        });
        let mut outcomes = Vec::new();
        for claim in claims {
            outcomes.push(claim.await.expect("join"));
        }
        let winners: Vec<_> = outcomes.iter().filter(|(s, _)| *s == 200).collect();
        assert_eq!(winners.len(), 1, "{backend:?}: {outcomes:?}");
        let owner = winners[0].1["claimed_by"]
            .as_str()
            .expect("owner")
            .to_string();
        for (status, body) in outcomes.iter().filter(|(s, _)| *s != 200) {
            assert_eq!(*status, 409);
            assert_eq!(
                body["error"]["message"],
                format!("already claimed by {owner}")
            );
        }
    }
}

#[tokio::test]
async fn an_agent_reply_reaches_the_customers_live_stream() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let (_, handoff) = server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"email": "a@example.com", "message": "where is my refund"}),
                None,
            )
            .await;
        let (conversation, token) = (
            handoff["conversation_id"].as_str().expect("c"),
            handoff["conversation_token"].as_str().expect("t"),
        );
        let escalation = handoff["escalation_id"].as_str().expect("e");
        let url = server.at(&format!(
            "/api/v1/conversations/{conversation}/events?token={token}"
        ));
        let mut stream = SseStream::open(&server.client, &url).await;
        let queued = stream
            .until(Duration::from_secs(5), |e| e.event == "status")
            .await
            .expect("status event");
        assert_eq!(queued.data["status"], "queued");
        server
            .admin_post(
                &format!("/api/v1/admin/escalations/{escalation}/claim"),
                json!({"agent": "Ana"}),
            )
            .await;
        server
            .admin_post(
                &format!("/api/v1/admin/escalations/{escalation}/reply"),
                json!({"agent": "Ana", "text": "Refunds take 5 days."}),
            )
            .await;
        let claimed = stream
            .until(Duration::from_secs(5), |e| e.event == "status")
            .await
            .expect("claimed");
        assert_eq!(claimed.data["status"], "claimed");
        assert_eq!(claimed.data["agent"], "Ana");
        let reply = stream
            .until(Duration::from_secs(5), |e| e.data["author"] == "agent")
            .await
            .expect("reply");
        assert_eq!(reply.data["body"], "Refunds take 5 days.", "{backend:?}");
        // Reconnecting after the last id replays nothing old.
        let last = reply.id.expect("event id");
        let mut resumed = SseStream::open(&server.client, &format!("{url}&after={last}")).await;
        assert!(
            resumed.next(Duration::from_millis(700)).await.is_none(),
            "no replay after Last-Event-ID"
        );
    }
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let client = &server.client;
    let post = |path: &str| client.post(server.at(path));
    let cases = [
        (
            post("/api/v1/sites/demo/ask")
                .header("content-type", "application/json")
                .body("{\"text\":"),
            400,
            "invalid_json",
        ),
        (
            post("/api/v1/sites/demo/ask")
                .header("content-type", "application/json")
                .body(format!("{{\"text\":\"{}\"}}", "a".repeat(20_000))),
            413,
            "body_too_large",
        ),
        (
            post("/api/v1/sites/demo/ask").body("{\"text\":\"hi\"}"),
            415,
            "unsupported_media_type",
        ),
        (
            post("/api/v1/sites/demo/ask").json(&json!({"txet": "hi"})),
            422,
            "invalid_request",
        ),
        (
            post("/api/v1/sites/demo/ask").json(&json!({"text": "   "})),
            422,
            "empty_text",
        ),
        (
            post("/api/v1/sites/nowhere/ask").json(&json!({"text": "hi"})),
            404,
            "unknown_site",
        ),
        (
            post("/api/v1/sites/demo/handoff").json(&json!({"email": "not-an-email"})),
            400,
            "invalid_email",
        ),
        (
            post("/api/v1/sites/demo/ask")
                .json(&json!({"text": "hi", "conversation_id": "conv_x"}))
                .bearer_auth("forged"),
            401,
            "invalid_token",
        ),
        (
            post("/api/v1/sites/demo/ask")
                .json(&json!({"text": "hi", "customer": {"nested": {"a": 1}}})),
            422,
            "invalid_customer",
        ),
    ];
    for (request, status, code) in cases {
        let response = request.send().await.expect("send");
        assert_eq!(response.status().as_u16(), status, "{code}");
        let body: serde_json::Value = response.json().await.expect("json error body");
        assert_eq!(body["error"]["code"], code, "{body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    // Somebody else's conversation stays closed, whatever the token.
    let (_, mine) = server.ask(json!({"text": "shipping cost"}), None).await;
    let (_, theirs) = server.ask(json!({"text": "return policy"}), None).await;
    let other = theirs["conversation_id"].as_str().expect("id");
    let (status, _) = server
        .get_json(
            &format!("/api/v1/conversations/{other}"),
            mine["conversation_token"].as_str(),
        )
        .await;
    assert_eq!(status, 401);
    let stream = client
        .get(server.at(&format!("/api/v1/conversations/{other}/events?token=nope")))
        .send()
        .await
        .expect("send");
    assert_eq!(stream.status().as_u16(), 401);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let db = TestDatabase::new(backends()[0]).await;
    let options = ServerOptions {
        extra_toml: "[server.rate_limits]\nper_ip_per_minute = 6\nper_ip_burst = 3\n".into(),
        ..ServerOptions::default()
    };
    let server = TestServer::start_with(&db.url, &options).await;
    // Requests from a page on a foreign origin are refused before they cost the budget.
    for _ in 0..3 {
        let refused = server
            .client
            .get(server.at("/api/v1/sites/demo/suggest?q=return"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .expect("send");
        assert_eq!(refused.status().as_u16(), 403);
    }
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let response = server
            .client
            .get(server.at("/api/v1/sites/demo/suggest?q=return"))
            .send()
            .await
            .expect("send");
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let body: serde_json::Value = response.json().await.expect("json");
            assert_eq!(body["error"]["code"], "rate_limited");
        }
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert!(
        retry_after.is_some_and(|s| (1..=10).contains(&s)),
        "{retry_after:?}"
    );
}

#[tokio::test]
async fn cors_allows_configured_storefronts_only() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let preflight = |origin: &str| {
        server
            .client
            .request(
                reqwest::Method::OPTIONS,
                server.at("/api/v1/sites/demo/ask"),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://localhost:8080").await.expect("preflight");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:8080")
    );
    let refused = preflight("https://evil.example").await.expect("preflight");
    assert!(refused
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let post = server
        .client
        .post(server.at("/api/v1/sites/demo/ask"))
        .header("origin", "https://evil.example")
        .json(&json!({"text": "hi"}))
        .send()
        .await
        .expect("post");
    assert_eq!(post.status().as_u16(), 403);
}

#[tokio::test]
async fn dashboard_refuses_form_posts_from_foreign_pages() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let login = |origin: Option<&str>| {
        let request = server
            .client
            .post(server.at("/admin/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=wrong&agent=Mallory");
        match origin {
            Some(origin) => request.header("origin", origin),
            None => request,
        }
        .send()
    };
    let foreign = login(Some("https://evil.example")).await.expect("post");
    assert_eq!(foreign.status().as_u16(), 403);
    // The same form from no page (or this server's own) reaches the handler: a bad token.
    let direct = login(None).await.expect("post");
    assert_eq!(direct.status().as_u16(), 401);
}

#[tokio::test]
async fn operations_endpoints_report_health_metrics_and_the_spec() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    server
        .ask(json!({"text": "how much is shipping"}), None)
        .await;
    assert_eq!(server.get_json("/healthz", None).await.0, 200);
    assert_eq!(server.get_json("/readyz", None).await.0, 200);
    let made_up_method = reqwest::Method::from_bytes(b"BREW").expect("method");
    let brewed = server
        .client
        .request(made_up_method, server.at("/healthz"))
        .send()
        .await
        .expect("brew");
    assert_eq!(brewed.status().as_u16(), 400);
    let metrics = server
        .client
        .get(server.at("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("frontline_decisions_total{site=\"demo\""),
        "{metrics}"
    );
    // By route template, method and status; a made-up method is one `other` series.
    for series in [
        "frontline_http_requests_total{route=\"/api/v1/sites/{site}/ask\",method=\"POST\",status=\"200\"} 1",
        "frontline_http_requests_total{route=\"/healthz\",method=\"other\",status=\"400\"} 1",
        "frontline_http_request_duration_seconds_count{route=\"/healthz\"} 2",
    ] {
        assert!(metrics.contains(series), "{series} in {metrics}");
    }
    assert!(!metrics.contains("BREW"), "{metrics}");
    let (_, spec) = server.get_json("/openapi.json", None).await;
    for path in [
        "/api/v1/sites/{site}/ask",
        "/api/v1/sites/{site}/handoff",
        "/api/v1/conversations/{id}/events",
    ] {
        assert!(spec["paths"][path].is_object(), "{path} documented");
    }
    let page = server
        .client
        .get(server.at("/"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("src=\"/widget.js\"") && page.contains("data-site=\"demo\""));
    let widget = server
        .client
        .get(server.at("/widget.js"))
        .send()
        .await
        .expect("widget");
    assert!(widget.headers()["content-type"]
        .to_str()
        .is_ok_and(|c| c.starts_with("application/javascript")));
}

#[tokio::test]
async fn suggest_reads_an_unfinished_word_as_a_prefix() {
    let db = TestDatabase::new(backends()[0]).await;
    let server = TestServer::start(&db.url).await;
    let (status, body) = server
        .get_json("/api/v1/sites/demo/suggest?q=retu", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let suggestions = body["suggestions"].as_array().expect("suggestions");
    let ids: Vec<&str> = suggestions
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.iter()
            .take(3)
            .any(|id| ["return-policy", "start-a-return"].contains(id)),
        "retu: {ids:?}"
    );
    assert!(
        suggestions[0]["snippet_html"]
            .as_str()
            .is_some_and(|s| s.contains("<b>")),
        "the completed word is highlighted: {body}"
    );
}

/// The admin list takes `site` as a site id: a valid one filters (an unknown one matches
/// nothing), and one that no site could have is a 400 naming the field.
#[tokio::test]
async fn the_admin_list_filters_by_site_and_refuses_a_malformed_site_id() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let handoff = frontline_tests::customer::hand_off(
            &server,
            json!({"email": "ana@example.com", "message": "Where is my parcel?"}),
        )
        .await;
        let admin = Some(frontline_tests::widget_server::ADMIN_TOKEN);

        let (status, body) = server
            .get_json("/api/v1/admin/escalations?site=demo", admin)
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        assert_eq!(body[0]["id"], handoff.escalation_id.as_str(), "{body}");
        assert_eq!(body[0]["site_id"], "demo", "{body}");

        let (status, body) = server
            .get_json("/api/v1/admin/escalations?site=another-shop", admin)
            .await;
        assert_eq!((status, body.clone()), (200, json!([])), "{body}");

        let (status, body) = server
            .get_json("/api/v1/admin/escalations?site=Not%20A%20Site", admin)
            .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"]["code"], "invalid_site", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("`site`")),
            "{body}"
        );
    }
}
