//! The dashboard's Customers page (`/admin/customers`, issue 24) on each backend: an admin
//! looks a customer up and sees what is held, downloads the same zip archive as the
//! export API, and erases after typing the e-mail again; a wrong confirmation erases
//! nothing; an agent gets 403. "Reveal" on an escalation is recorded in the audit log.

use std::io::{Cursor, Read};

use frontline_tests::audit::audit_rows;
use frontline_tests::customer::hand_off;
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::backends;
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::{TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};

use crate::accounts::create_agent;

const NOTE: &[u8] = b"Order 100234, parcel dented on the left side.\n";

/// The number shown for `name` on the page (`data-count="name"`).
fn count(body: &str, name: &str) -> Option<u64> {
    let marker = format!("data-count=\"{name}\">");
    let start = body.find(&marker)? + marker.len();
    body[start..].split('<').next()?.trim().parse().ok()
}

/// The audit rows of `action`, as the admin API lists them.
async fn audit(server: &TestServer, action: &str) -> Vec<Value> {
    audit_rows(server, &format!("action={action}")).await
}

/// Posts the export form as the page does; status, content type and bytes.
async fn download(
    server: &TestServer,
    session: &DashboardSession,
    email: &str,
) -> (u16, String, Vec<u8>) {
    let response = server
        .client
        .post(server.at("/admin/customers/export"))
        .header(reqwest::header::COOKIE, session.cookies())
        .header(reqwest::header::ORIGIN, server.url.as_str())
        .form(&[("email", email)])
        .send()
        .await
        .expect("export form");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        content_type,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[tokio::test]
async fn an_admin_sees_exports_and_erases_a_customer_on_the_customers_page() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let server = &rig.server;
        let sam = hand_off(
            server,
            json!({"email": "sam@example.com", "name": "Sam Rivera",
                   "message": "My parcel to 12 Elm Street never came"}),
        )
        .await;
        sam.write(server, "It was order 100234").await;
        let (status, sent) = sam
            .send_files(server, Some("Here is my note"), &[("note.txt", NOTE)])
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        rig.store
            .resolve(&sam.escalation_id, "Ana")
            .await
            .expect("resolve");
        let (status, rated) = server
            .post_json(
                &format!("/api/v1/conversations/{}/csat", sam.conversation_id),
                json!({"rating": 4}),
                Some(&sam.token),
            )
            .await;
        assert_eq!(status, 200, "{context}: {rated}");
        let kim = hand_off(
            server,
            json!({"email": "kim@example.com", "name": "Kim", "message": "Where is my refund?"}),
        )
        .await;
        rig.drained().await;

        // An agent is refused the page and its forms.
        create_agent(
            server,
            "hal@example.com",
            "Hal",
            "agent",
            Some("hal's passphrase"),
        )
        .await;
        let hal =
            DashboardSession::sign_in_account(server, "hal@example.com", "hal's passphrase").await;
        assert_eq!(
            hal.get("/admin/customers?email=sam@example.com")
                .await
                .status,
            403,
            "{context}"
        );
        let refused = hal
            .post_form(
                "/admin/customers/erase",
                &[("email", "sam@example.com"), ("confirm", "sam@example.com")],
            )
            .await;
        assert_eq!(refused.status, 403, "{context}");
        let (status, _, _) = download(server, &hal, "sam@example.com").await;
        assert_eq!(status, 403, "{context}");

        // The admin looks Sam up (any case): one conversation with the handoff message,
        // the follow-up and the file's message, one escalation, one file, one rating.
        let admin = DashboardSession::sign_in(server, "Ada").await;
        let page = admin.get("/admin/customers?email=SAM@Example.com").await;
        assert_eq!(page.status, 200, "{context}: {}", page.body);
        assert!(
            page.body
                .contains("href=\"/admin/customers\" aria-current=\"page\""),
            "{context}: in the nav"
        );
        let held = |body: &str| {
            [
                "conversations",
                "messages",
                "escalations",
                "attachments",
                "ratings",
            ]
            .map(|name| count(body, name))
        };
        assert_eq!(
            held(&page.body),
            [Some(1), Some(3), Some(1), Some(1), Some(1)],
            "{context}: {}",
            page.body
        );

        // Download: the zip holds the conversation's JSON and the file.
        let (status, content_type, zip_body) = download(server, &admin, "sam@example.com").await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/zip"),
            "{context}"
        );
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_body)).expect("a zip archive");
        assert_eq!(archive.len(), 2, "{context}: the JSON and the file");
        let mut document = String::new();
        archive
            .by_name("export.json")
            .expect("export.json")
            .read_to_string(&mut document)
            .expect("read");
        let document: Value = serde_json::from_str(&document).expect("json");
        assert_eq!(
            document["conversations"][0]["id"],
            sam.conversation_id.as_str(),
            "{context}"
        );
        let text = document.to_string();
        assert!(
            text.contains("12 Elm Street") && text.contains("It was order 100234"),
            "{context}"
        );
        assert!(
            !text.contains("Where is my refund"),
            "{context}: only Sam's"
        );
        let file_id = document["conversations"][0]["attachments"][0]["id"]
            .as_str()
            .expect("id");
        let mut bytes = Vec::new();
        archive
            .by_name(&format!("attachments/{file_id}/note.txt"))
            .expect("the file")
            .read_to_end(&mut bytes)
            .expect("read");
        assert_eq!(bytes, NOTE, "{context}");

        // A wrong confirmation erases nothing.
        let wrong = admin
            .post_form(
                "/admin/customers/erase",
                &[("email", "sam@example.com"), ("confirm", "kim@example.com")],
            )
            .await;
        assert_eq!(wrong.status, 422, "{context}: {}", wrong.body);
        assert!(
            wrong
                .body
                .contains("&#x60;confirm&#x60;: type the customer&#x27;s e-mail again"),
            "{context}: {}",
            wrong.body
        );
        assert!(wrong.body.contains("nothing was erased"), "{context}");
        let page = admin.get("/admin/customers?email=sam@example.com").await;
        assert_eq!(held(&page.body)[0], Some(1), "{context}: still held");
        assert!(audit(server, "erasure").await.is_empty(), "{context}");

        // The confirmed erasure says what went, and then nothing is held.
        let erased = admin
            .post_form(
                "/admin/customers/erase",
                &[
                    ("email", "sam@example.com"),
                    ("confirm", " Sam@Example.com "),
                ],
            )
            .await;
        assert_eq!(erased.status, 200, "{context}: {}", erased.body);
        assert!(
            erased
                .body
                .contains("Erased 1 conversation and 1 escalation."),
            "{context}: {}",
            erased.body
        );
        assert!(erased.body.contains("data-nothing-held"), "{context}");
        let page = admin.get("/admin/customers?email=sam@example.com").await;
        assert!(
            page.body.contains("Nothing is held for this e-mail."),
            "{context}"
        );
        assert_eq!(held(&page.body), [None; 5], "{context}");
        let (_, export) = server
            .get_json(
                "/api/v1/admin/customers/sam@example.com/export",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(export["conversations"], json!([]), "{context}: {export}");
        let (_, export) = server
            .get_json(
                "/api/v1/admin/customers/kim@example.com/export",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(
            export["conversations"][0]["id"],
            kim.conversation_id.as_str(),
            "{context}: Kim's stays"
        );

        // Audited as the API audits, from the web, by Ada (one export: the API's above
        // is the second).
        for action in ["export", "erasure"] {
            let rows = audit(server, action).await;
            let web: Vec<_> = rows.iter().filter(|r| r["source"] == "web").collect();
            assert_eq!(web.len(), 1, "{context}: {action}: {rows:?}");
            assert_eq!(web[0]["actor"], "Ada", "{context}");
            assert!(
                web[0]["object_id"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("customer:"),
                "{context}"
            );
        }

        // A malformed address is a 400 naming the field.
        let bad = admin.get("/admin/customers?email=not-an-address").await;
        assert_eq!(bad.status, 400, "{context}");
        assert!(
            bad.body.contains("&#x60;email&#x60;"),
            "{context}: {}",
            bad.body
        );
        rig.stop().await;
    }
}

#[tokio::test]
async fn a_reveal_on_an_escalation_is_recorded_in_the_audit_log() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let server = &rig.server;
        let sam = hand_off(
            server,
            json!({"email": "sam@example.com", "message": "My card 4111 1111 1111 1111 was charged twice"}),
        )
        .await;
        let ana = DashboardSession::sign_in(server, "Ana").await;
        let masked = ana
            .get(&format!("/admin/escalations/{}", sam.escalation_id))
            .await;
        assert_eq!(masked.status, 200, "{context}");
        assert!(
            audit(server, "reveal").await.is_empty(),
            "{context}: only a reveal is recorded"
        );
        let revealed = ana
            .get(&format!(
                "/admin/escalations/{}?reveal=true",
                sam.escalation_id
            ))
            .await;
        assert!(revealed.body.contains("4111 1111 1111 1111"), "{context}");
        let rows = audit(server, "reveal").await;
        assert_eq!(rows.len(), 1, "{context}: {rows:?}");
        assert_eq!(rows[0]["actor"], "Ana", "{context}");
        assert_eq!(rows[0]["source"], "web", "{context}");
        assert_eq!(
            rows[0]["object_id"],
            sam.escalation_id.as_str(),
            "{context}"
        );
        assert_eq!(rows[0]["origin"], "127.0.0.1", "{context}");
        // The Audit page's filter offers and applies it.
        let page = ana.get("/admin/audit?action=reveal").await;
        assert_eq!(page.status, 200, "{context}");
        assert!(
            page.body.contains("<option value=\"reveal\" selected"),
            "{context}: {}",
            page.body
        );
        assert!(page.body.contains(sam.escalation_id.as_str()), "{context}");
        rig.stop().await;
    }
}
