//! What the widget learns about mail, and the customer's "email me": without `[email]`
//! the site config says so and a handoff needs no address (nothing promises mail); with
//! it an address is required, and a customer who chose "email me" gets an agent's reply
//! by mail at once even while a live stream is open (others wait `away_after`, 2 minutes).

use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_shared::store::escalations::ReplyOrigin;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::smtp::SmtpServer;
use serde_json::json;

fn email_toml(port: u16) -> String {
    format!(
        "[email]\nsmtp_url = \"smtp://127.0.0.1:{port}\"\nfrom = \"Northwind Support <support@shop.test>\"\nreply_domain = \"reply.shop.test\"\ntimeout = \"2s\"\n"
    )
}

#[tokio::test]
async fn without_email_the_config_says_so_and_a_handoff_needs_no_address() {
    for backend in backends() {
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let (status, config) = rig.server.get_json("/api/v1/sites/demo/config", None).await;
        assert_eq!(status, 200);
        assert_eq!(config["email_enabled"], false, "{config}");

        let handoff = hand_off(
            &rig.server,
            json!({"name": "Robin", "message": "Can I change my delivery address?"}),
        )
        .await;
        let alert = rig.slack().alert_for(&handoff.escalation_id).await;
        let text = alert.visible_text();
        assert!(text.contains("Robin"), "{text}");
        assert!(!text.contains("()"), "no empty address: {text}");
        let escalation = rig
            .store
            .escalation(&handoff.escalation_id)
            .await
            .expect("store")
            .expect("stored");
        assert_eq!(escalation.email, "", "{backend:?}");

        // An address given is still checked.
        let (status, body) = rig
            .server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"email": "not-an-address", "message": "hi"}),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_email"))
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn with_email_an_address_is_required_and_email_me_mails_replies_at_once() {
    for backend in backends() {
        let smtp = SmtpServer::start().await;
        let rig = Rig::start_shared(
            backend,
            Platforms::Slack,
            &email_toml(smtp.port),
            "",
            BotOptions::default(),
        )
        .await;
        let (_, config) = rig.server.get_json("/api/v1/sites/demo/config", None).await;
        assert_eq!(config["email_enabled"], true, "{config}");
        let (status, body) = rig
            .server
            .post_json(
                "/api/v1/sites/demo/handoff",
                json!({"message": "Where is my parcel?"}),
                None,
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (400, Some("invalid_email")),
            "{body}"
        );

        // Kai chose "email me" and keeps the widget open: the reply is mailed anyway,
        // long before `away_after` (2 minutes) could pass.
        let kai = hand_off(
            &rig.server,
            json!({"email": "kai@customer.test", "email_me": true, "message": "Do you ship to Iceland?"}),
        )
        .await;
        smtp.wait_for(1, Duration::from_secs(15)).await;
        let mut stream = kai.stream(&rig.server).await;
        stream
            .next(Duration::from_secs(10))
            .await
            .expect("the stream's first event");
        let reply = "Yes, we ship to Iceland within 5 days.";
        rig.store
            .append_agent_message(&kai.escalation_id, "Ana", reply, ReplyOrigin::Web)
            .await
            .expect("reply");
        stream
            .until(Duration::from_secs(10), |e| e.data["body"] == reply)
            .await
            .expect("the reply on the live stream");
        let mails = smtp.wait_for(2, Duration::from_secs(20)).await;
        assert!(
            mails[1].text().contains(reply),
            "{backend:?}: {}",
            mails[1].text()
        );
        assert_eq!(mails[1].header("X-RcptTo"), Some("kai@customer.test"));
        drop(stream);
        rig.stop().await;
        smtp.stop().await;
    }
}
