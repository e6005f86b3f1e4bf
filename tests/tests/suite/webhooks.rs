//! Outbound webhooks end to end: the widget server queues events with the changes they
//! report, the bot POSTs them signed to a loopback receiver, which checks every signature
//! itself (HMAC-SHA256 of `"<t>.<body>"`, five-minute tolerance, as the README tells
//! receivers to). Retries, restarts, ordering, the SSRF guard and the delivery log, on
//! both store backends.

use std::collections::VecDeque;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;
use frontline_bot::BotOptions;
use frontline_shared::clock::{Clock, ManualClock};
use frontline_shared::config::Secret;
use frontline_shared::store::Store;
use frontline_tests::bot::{settings as bot_settings, TestBot, FAST_DELIVERY};
use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use frontline_tests::standin::{serve, ServerGuard};
use frontline_tests::widget_server::{ServerOptions, TestServer, ADMIN_TOKEN};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const SECRET: &str = "whsec_suite_0123456789";
const SECRET_ENV: &str = "FRONTLINE_WEBHOOK_SECRET_SUITE";

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    /// The signature checked out (HMAC and timestamp within five minutes).
    signed: bool,
    event: Value,
    body: String,
    header_event_id: String,
    /// What the receiver answered.
    status: u16,
}

#[derive(Debug, Default)]
struct ReceiverState {
    requests: Vec<Received>,
    /// Statuses to answer next (then 200).
    script: VecDeque<u16>,
}

/// A loopback webhook receiver.
struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    _guard: ServerGuard,
}

/// What a receiver must do with `Frontline-Signature` (the README's recipe).
fn verify(header: &str, body: &str, secret: &str) -> bool {
    let (mut t, mut v1) = (None, None);
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("v1", value)) => v1 = hex::decode(value).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let now = jiff::Timestamp::now().as_second();
    if (now - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{t}.{body}").as_bytes());
    mac.verify_slice(&v1).is_ok()
}

async fn receive(
    State(state): State<Arc<Mutex<ReceiverState>>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let body = String::from_utf8(body.to_vec()).expect("utf-8 body");
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let signed = verify(&header("frontline-signature"), &body, SECRET);
    let mut state = state.lock().expect("receiver state");
    let status = state.script.pop_front().unwrap_or(200);
    state.requests.push(Received {
        path: uri.path().to_string(),
        signed,
        event: serde_json::from_str(&body).unwrap_or(Value::Null),
        body,
        header_event_id: header("frontline-event-id"),
        status,
    });
    StatusCode::from_u16(status).expect("status")
}

impl Receiver {
    async fn start() -> Receiver {
        let state = Arc::new(Mutex::new(ReceiverState::default()));
        let router = Router::new()
            .fallback(receive)
            .with_state(Arc::clone(&state));
        let (url, guard) = serve(router).await;
        Receiver {
            url,
            state,
            _guard: guard,
        }
    }

    fn answer_next(&self, statuses: &[u16]) {
        self.state
            .lock()
            .expect("receiver state")
            .script
            .extend(statuses);
    }

    fn requests(&self) -> Vec<Received> {
        self.state.lock().expect("receiver state").requests.clone()
    }
}

/// `[[webhooks]]` for `url`.
fn hook(url: &str, allow_private: bool) -> String {
    format!("[[webhooks]]\nurl = \"{url}\"\nsecret_env = \"{SECRET_ENV}\"\nallow_private = {allow_private}\n")
}

/// The widget server and a bot (workers stepped by the test, on a manual clock) sharing
/// one store and `[[webhooks]]`, plus a store handle for the test.
struct Installation {
    server: TestServer,
    bot: TestBot,
    clock: Arc<ManualClock>,
    hooks: String,
    db: TestDatabase,
}

impl Installation {
    async fn start(backend: TestBackend, hooks: &str) -> Installation {
        let db = TestDatabase::new(backend).await;
        let options = ServerOptions {
            extra_toml: format!("{}\n{hooks}", ServerOptions::default().extra_toml),
            ..ServerOptions::default()
        };
        let server = TestServer::start_with(&db.url, &options).await;
        let clock = ManualClock::starting_at(jiff::Timestamp::now().as_millisecond());
        Installation {
            server,
            bot: Self::bot(&db.url, hooks, &clock).await,
            clock,
            hooks: hooks.to_string(),
            db,
        }
    }

    async fn bot(url: &str, hooks: &str, clock: &Arc<ManualClock>) -> TestBot {
        let mut settings = bot_settings(url, None, None, &format!("{FAST_DELIVERY}\n{hooks}"));
        for webhook in &mut settings.webhooks {
            webhook.secret = Some(Secret::new(SECRET));
        }
        let options = BotOptions {
            clock: clock.clone(),
            run_workers: false,
        };
        TestBot::start_with(settings, options).await
    }

    /// Stops the bot and starts a new one on the same store and clock.
    async fn restart_bot(&mut self) {
        let fresh = Self::bot(&self.db.url, &self.hooks, &self.clock).await;
        let old = std::mem::replace(&mut self.bot, fresh);
        old.stop().await;
    }

    /// Steps the delivery worker until nothing is due. The bot's clock never runs behind
    /// the real one, so what the widget server just queued is due.
    async fn deliver_due(&self) {
        let now = jiff::Timestamp::now().as_millisecond();
        if self.clock.now_ms() < now {
            self.clock.set_ms(now);
        }
        for _ in 0..50 {
            let outcome = self.bot.worker().try_deliver_once().await.expect("store");
            if outcome == frontline_bot::delivery::Outcome::Idle {
                return;
            }
        }
        panic!("the worker kept finding work");
    }

    async fn act(&self, escalation: &str, action: &str) {
        let path = format!("/api/v1/admin/escalations/{escalation}/{action}");
        let (status, body) = self.server.admin_post(&path, json!({"agent": "Ana"})).await;
        assert_eq!(status, 200, "{action}: {body}");
    }

    async fn admin_get(&self, path: &str) -> Value {
        let (status, body) = self.server.get_json(path, Some(ADMIN_TOKEN)).await;
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    async fn stop(self) {
        self.bot.stop().await;
        self.server.stop().await;
    }
}

async fn customer(server: &TestServer, n: usize) -> Handoff {
    hand_off(
        server,
        json!({"email": format!("customer{n}@example.com"), "name": format!("Customer {n}"), "message": "Where is my parcel?"}),
    )
    .await
}

#[tokio::test]
async fn signed_events_arrive_in_order_per_escalation_with_what_a_receiver_needs() {
    for backend in backends() {
        let receiver = Receiver::start().await;
        let hooks = hook(&format!("{}/crm", receiver.url), true);
        let app = Installation::start(backend, &hooks).await;
        let first = customer(&app.server, 1).await;
        let second = customer(&app.server, 2).await;
        app.act(&first.escalation_id, "claim").await;
        first
            .write(
                &app.server,
                "It has been two weeks, I paid with 4111 1111 1111 1111",
            )
            .await;
        app.act(&second.escalation_id, "claim").await;
        app.act(&first.escalation_id, "release").await;
        app.act(&second.escalation_id, "resolve").await;
        app.act(&first.escalation_id, "claim").await;
        app.act(&first.escalation_id, "resolve").await;
        app.deliver_due().await;

        let requests = receiver.requests();
        assert!(
            requests.iter().all(|r| r.signed),
            "{backend:?}: every signature verifies"
        );
        assert!(requests.iter().all(|r| r.path == "/crm"));
        let types_of = |escalation: &str| -> Vec<String> {
            requests
                .iter()
                .filter(|r| r.event["data"]["escalation"]["id"] == escalation)
                .map(|r| r.event["type"].as_str().unwrap_or("").to_string())
                .collect()
        };
        assert_eq!(
            types_of(&first.escalation_id),
            [
                "escalation.created",
                "escalation.claimed",
                "conversation.message",
                "escalation.released",
                "escalation.claimed",
                "escalation.resolved"
            ],
            "{backend:?}"
        );
        assert_eq!(
            types_of(&second.escalation_id),
            [
                "escalation.created",
                "escalation.claimed",
                "escalation.resolved"
            ]
        );
        let mut ids: Vec<&str> = requests
            .iter()
            .map(|r| r.event["id"].as_str().expect("id"))
            .collect();
        assert!(requests.iter().all(|r| r.header_event_id == r.event["id"]));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 9, "one id per event");

        let claimed = requests
            .iter()
            .find(|r| r.event["type"] == "escalation.claimed")
            .expect("a claim");
        let data = &claimed.event["data"];
        assert_eq!(data["agent"]["name"], "Ana");
        assert_eq!(data["customer"]["email"], "customer1@example.com");
        assert_eq!(data["customer"]["name"], "Customer 1");
        assert_eq!(data["site"]["id"], "demo");
        assert_eq!(data["escalation"]["status"], "claimed");
        let message = requests
            .iter()
            .find(|r| r.event["type"] == "conversation.message")
            .expect("a message");
        assert_eq!(
            message.event["data"]["message"]["body"],
            "It has been two weeks, I paid with [card ending 1111]",
            "{backend:?}: [privacy] redact (default: cards) applies to webhooks too"
        );
        assert_eq!(message.event["data"]["message"]["author"], "customer");
        let (status, document) = app.server.get_json("/openapi.json", None).await;
        assert_eq!(status, 200);
        let schema = &document["components"]["schemas"]["WebhookEvent"];
        assert_eq!(
            schema["properties"]["type"]["enum"],
            json!([
                "escalation.created",
                "escalation.claimed",
                "escalation.released",
                "escalation.resolved",
                "conversation.message",
                "csat.received"
            ]),
            "the payload is documented: {schema}"
        );
        let created = &requests[0].event;
        assert_eq!(created["data"]["agent"], Value::Null, "nobody owns it yet");
        assert!(
            jiff::Timestamp::from_str(created["created_at"].as_str().expect("created_at")).is_ok()
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_500_then_200_is_delivered_once_across_a_bot_restart_mid_delivery() {
    for backend in backends() {
        let receiver = Receiver::start().await;
        let hooks = hook(&format!("{}/hook", receiver.url), true);
        let mut app = Installation::start(backend, &hooks).await;
        receiver.answer_next(&[500]);
        let handoff = customer(&app.server, 1).await;
        app.deliver_due().await;
        assert_eq!(receiver.requests().len(), 1, "{backend:?}: tried once");

        // A bot that crashes holding the retry's lease (as `kill -9` leaves it), then a
        // new bot: nothing is sent until the lease expires, then the event once.
        app.clock.advance_ms(30_000);
        let store = Store::connect_with_clock(&app.db.url, app.clock.clone())
            .await
            .expect("store");
        let leased = store
            .lease_outbox("crashed-bot", 100, Duration::from_secs(3))
            .await
            .expect("lease");
        assert!(
            leased
                .iter()
                .any(|r| r.subject.key().starts_with("webhook:")),
            "{leased:?}"
        );
        app.restart_bot().await;
        app.deliver_due().await;
        assert_eq!(
            receiver.requests().len(),
            1,
            "the crashed bot's lease holds"
        );
        app.clock.advance_ms(4_000);
        app.deliver_due().await;
        for _ in 0..3 {
            app.clock.advance_ms(3_600_000);
            app.deliver_due().await;
        }

        let requests = receiver.requests();
        let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
        assert_eq!(statuses, [500, 200], "{backend:?}");
        assert_eq!(requests[0].event["id"], requests[1].event["id"]);
        assert_eq!(
            requests[0].body, requests[1].body,
            "a retry sends the same bytes"
        );
        assert_eq!(
            requests[1].event["data"]["escalation"]["id"],
            handoff.escalation_id.as_str()
        );
        assert!(requests.iter().all(|r| r.signed));

        let endpoints = app.admin_get("/api/v1/admin/webhooks").await;
        assert_eq!(endpoints[0]["pending"], 0);
        assert_eq!(endpoints[0]["failing"], false);
        let id = endpoints[0]["id"].as_str().expect("id").to_string();
        let log = app
            .admin_get(&format!("/api/v1/admin/webhooks/{id}/deliveries"))
            .await;
        let logged: Vec<Value> = log
            .as_array()
            .expect("attempts")
            .iter()
            .map(|a| a["status_code"].clone())
            .collect();
        assert_eq!(logged, [json!(200), json!(500)], "newest first");
        store.close().await;
        app.stop().await;
    }
}

#[tokio::test]
async fn private_destinations_are_refused_without_the_flag() {
    for backend in backends() {
        let receiver = Receiver::start().await;
        let port = receiver.url.rsplit(':').next().expect("port").to_string();
        let literal = format!("http://127.0.0.1:{port}/literal");
        let named = format!("http://localhost:{port}/named");
        let hooks = format!("{}{}", hook(&literal, false), hook(&named, false));
        let app = Installation::start(backend, &hooks).await;
        customer(&app.server, 1).await;
        app.deliver_due().await;
        assert!(
            receiver.requests().is_empty(),
            "{backend:?}: nothing reaches a loopback receiver"
        );
        let endpoints = app.admin_get("/api/v1/admin/webhooks").await;
        for endpoint in endpoints.as_array().expect("endpoints") {
            let id = endpoint["id"].as_str().expect("id");
            let log = app
                .admin_get(&format!("/api/v1/admin/webhooks/{id}/deliveries"))
                .await;
            let attempt = &log[0];
            assert_eq!(attempt["status_code"], Value::Null, "{endpoint}");
            let error = attempt["error"].as_str().expect("an error");
            assert!(
                error.contains("destination refused") && error.contains("allow_private"),
                "{endpoint}: {error}"
            );
            assert_eq!(endpoint["pending"], 1, "retried later, not dropped");
        }
        app.stop().await;
    }
}

#[tokio::test]
async fn the_last_try_marks_the_endpoint_failing_and_redelivery_sends_the_same_event() {
    for backend in backends() {
        let receiver = Receiver::start().await;
        let hooks = hook(&format!("{}/down", receiver.url), true);
        let app = Installation::start(backend, &hooks).await;
        receiver.answer_next(&[503, 503]);
        customer(&app.server, 1).await;
        app.deliver_due().await;
        app.clock.advance_ms(25 * 3_600_000);
        app.deliver_due().await;
        assert_eq!(receiver.requests().len(), 2, "{backend:?}");

        let endpoints = app.admin_get("/api/v1/admin/webhooks").await;
        let endpoint = &endpoints[0];
        assert_eq!(endpoint["failing"], true, "{endpoint}");
        assert_eq!(endpoint["pending"], 0, "given up");
        assert!(endpoint["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("503"));
        let id = endpoint["id"].as_str().expect("id").to_string();
        let log = app
            .admin_get(&format!("/api/v1/admin/webhooks/{id}/deliveries"))
            .await;
        assert_eq!(log[0]["gave_up"], true);
        let outbox_id = log[0]["outbox_id"].as_i64().expect("outbox id");

        let session =
            frontline_tests::dashboard::DashboardSession::sign_in(&app.server, "Ana").await;
        let overview = session.get("/admin").await;
        assert!(
            overview.body.contains("data-failing-webhooks"),
            "{}",
            overview.body
        );
        let page = session.get("/admin/webhooks").await;
        assert!(page.body.contains("data-failing"), "{}", page.body);
        assert!(page.body.contains("Redeliver"));

        let (status, body) = app
            .server
            .admin_post(
                &format!("/api/v1/admin/webhooks/{id}/deliveries/{outbox_id}/redeliver"),
                json!({}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
        app.deliver_due().await;
        let requests = receiver.requests();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[2].status, 200);
        assert_eq!(
            requests[2].event["id"], requests[0].event["id"],
            "same event id"
        );
        let endpoints = app.admin_get("/api/v1/admin/webhooks").await;
        assert_eq!(endpoints[0]["failing"], false, "a success clears it");

        let (status, _) = app
            .server
            .admin_post(
                &format!("/api/v1/admin/webhooks/{id}/deliveries/999999/redeliver"),
                json!({}),
            )
            .await;
        assert_eq!(status, 404);
        let (status, body) = app
            .server
            .get_json(
                &format!("/api/v1/admin/webhooks/{id}/deliveries?limit=0"),
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(status, 400, "{body}");
        app.stop().await;
    }
}
