//! Attachments (issue 24): a customer sends files with a message through
//! `POST /api/v1/conversations/{id}/attachments`; they are checked by their bytes, lose
//! their image metadata, and are served only through signed links; erasure deletes them
//! and the export lists them. Every test runs on each backend.

use std::time::Duration;

use frontline_tests::customer::{hand_off, Handoff};
use frontline_tests::dashboard::DashboardSession;
use frontline_tests::databases::{backends, TestDatabase};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::widget_server::{ServerOptions, TestServer, ADMIN_TOKEN};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const WAIT: Duration = Duration::from_secs(10);

// A JPEG as a phone writes it, in pieces (JPEG: ITU T.81 B.2; EXIF 2.32 §4.6): start of
// image, a JFIF header, an EXIF segment whose GPS IFD holds latitude 48°51'29.64" N, and
// a scan (start of scan, entropy-coded bytes, end of image).
const SOI: &[u8] = b"\xff\xd8";
const JFIF: &[u8] = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
const EXIF_GPS: &[u8] = b"\xff\xe1\x00\x58Exif\x00\x00\
MM\x00\x2a\x00\x00\x00\x08\
\x00\x01\x88\x25\x00\x04\x00\x00\x00\x01\x00\x00\x00\x1a\x00\x00\x00\x00\
\x00\x02\
\x00\x01\x00\x02\x00\x00\x00\x02N\x00\x00\x00\
\x00\x02\x00\x05\x00\x00\x00\x03\x00\x00\x00\x38\
\x00\x00\x00\x00\
\x00\x00\x00\x30\x00\x00\x00\x01\x00\x00\x00\x33\x00\x00\x00\x01\x00\x00\x0b\x94\x00\x00\x00\x64";
const SCAN: &[u8] = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\x56\xff\xd9";

pub(crate) fn photo_with_gps() -> Vec<u8> {
    [SOI, JFIF, EXIF_GPS, SCAN].concat()
}

/// The photo as it must be stored and served: the same bytes without the EXIF segment.
pub(crate) fn photo_without_gps() -> Vec<u8> {
    [SOI, JFIF, SCAN].concat()
}

/// An executable (a DOS "MZ" header) named like an image.
pub(crate) const EXE: &[u8] = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00";
pub(crate) const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

async fn get(server: &TestServer, url: &str) -> reqwest::Response {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        server.at(url)
    };
    server.client.get(url).send().await.expect("GET")
}

fn header<'r>(response: &'r reqwest::Response, name: &str) -> &'r str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_photo_loses_its_gps_reaches_the_thread_and_goes_with_erasure() {
    for backend in backends() {
        let context = format!("{backend:?}");
        let rig = Rig::start(backend, Platforms::Slack, "").await;
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My parcel arrived broken"}),
        )
        .await;
        let alert = rig.slack().alert_for(&sam.escalation_id).await;
        let (status, sent) = sam
            .send_files(
                &rig.server,
                Some("This is how it looked"),
                &[("parcel.jpg", &photo_with_gps())],
            )
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        assert_eq!(sent["relayed"], true, "{context}: {sent}");
        let file = &sent["attachments"][0];
        assert_eq!(file["file_name"], "parcel.jpg", "{context}: {sent}");
        assert_eq!(file["content_type"], "image/jpeg", "{context}: {sent}");
        assert_eq!(file["size_bytes"], 35, "{context}: {sent}");

        // Served inline, without the GPS position, with headers that keep it a picture.
        let url = file["url"].as_str().expect("url").to_string();
        let response = get(&rig.server, &url).await;
        assert_eq!(response.status(), 200, "{context}");
        assert_eq!(header(&response, "content-type"), "image/jpeg");
        assert_eq!(
            header(&response, "content-disposition"),
            "inline; filename=\"parcel.jpg\"; filename*=UTF-8''parcel%2Ejpg"
        );
        assert_eq!(header(&response, "x-content-type-options"), "nosniff");
        assert_eq!(
            header(&response, "content-security-policy"),
            "default-src 'none'; sandbox"
        );
        let served = response.bytes().await.expect("body");
        assert_eq!(served.as_ref(), photo_without_gps().as_slice(), "{context}");

        // The agent's thread hears of it with the customer's words.
        let ts = alert.ts.clone();
        let reply = rig
            .slack()
            .wait_for("the message with the file in the thread", WAIT, |s| {
                s.messages
                    .iter()
                    .find(|m| {
                        m.thread_ts.as_deref() == Some(ts.as_str()) && m.text.contains("parcel.jpg")
                    })
                    .cloned()
            })
            .await;
        assert!(
            reply.text.contains("This is how it looked"),
            "{context}: {}",
            reply.text
        );

        // The conversation lists it with a fresh link; the export lists it.
        let (status, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        assert_eq!(status, 200, "{context}: {conversation}");
        assert_eq!(
            conversation["attachments"][0]["file_name"], "parcel.jpg",
            "{context}"
        );
        let (status, export) = rig
            .server
            .get_json(
                "/api/v1/admin/customers/sam@example.com/export",
                Some(ADMIN_TOKEN),
            )
            .await;
        assert_eq!(status, 200, "{context}: {export}");
        let exported = &export["conversations"][0]["attachments"][0];
        assert_eq!(exported["file_name"], "parcel.jpg", "{context}: {export}");
        assert_eq!(
            exported["content_type"], "image/jpeg",
            "{context}: {export}"
        );
        assert_eq!(exported["size_bytes"], 35, "{context}: {export}");

        // The escalation's dashboard page shows the photo inline, the PDF as a link, both
        // from the page's own origin (its CSP allows `img-src 'self'`).
        let (status, sent) = sam
            .send_files(&rig.server, None, &[("invoice.pdf", PDF)])
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let dashboard = DashboardSession::sign_in(&rig.server, "Ana").await;
        let page = dashboard
            .get(&format!("/admin/escalations/{}", sam.escalation_id))
            .await;
        assert_eq!(page.status, 200, "{context}");
        let image_src = page
            .body
            .split("<img src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("an inline image")
            .replace("&amp;", "&")
            .replace("&#x3D;", "=");
        assert!(
            image_src.starts_with("/api/v1/attachments/att_"),
            "{image_src}"
        );
        assert!(page.body.contains("alt=\"parcel.jpg\""), "{context}");
        assert!(page.body.contains(">invoice.pdf</a>"), "{context}");
        let inline = get(&rig.server, &image_src).await;
        assert_eq!(inline.status(), 200, "{context}: {image_src}");
        assert_eq!(
            inline.bytes().await.expect("body").as_ref(),
            photo_without_gps().as_slice()
        );

        // Erasure deletes the file: the link opens nothing, the conversation lists nothing.
        let response = rig
            .server
            .client
            .delete(rig.server.at("/api/v1/admin/customers/sam@example.com"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(response.status(), 200, "{context}");
        assert_eq!(get(&rig.server, &url).await.status(), 404, "{context}");
        let (_, conversation) = rig
            .server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        assert_eq!(conversation["attachments"], json!([]), "{context}");
        rig.stop().await;
    }
}

async fn limited_server(db: &TestDatabase) -> TestServer {
    let mut options = ServerOptions::default();
    options.extra_toml = format!(
        "{}\n[attachments]\nmax_bytes = 1024\nmax_files = 2\n",
        options.extra_toml
    );
    TestServer::start_with(&db.url, &options).await
}

fn assert_refused(status: u16, body: &Value, expected_status: u16, code: &str, names: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(names), "{message} should name {names}");
}

#[tokio::test]
async fn too_many_too_large_or_disguised_files_are_refused_naming_the_field() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = limited_server(&db).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "Here are my invoices"}),
        )
        .await;
        let note: &[u8] = b"Order 100234";
        let (status, body) = sam
            .send_files(
                &server,
                None,
                &[("a.txt", note), ("b.txt", note), ("c.txt", note)],
            )
            .await;
        assert_refused(
            status,
            &body,
            422,
            "too_many_files",
            "`file`: at most 2 files",
        );
        let big = vec![b'a'; 1025];
        let (status, body) = sam.send_files(&server, None, &[("big.txt", &big)]).await;
        assert_refused(status, &body, 413, "file_too_large", "`file` \"big.txt\"");
        let (status, body) = sam.send_files(&server, None, &[("cat.png", EXE)]).await;
        assert_refused(status, &body, 422, "file_type_not_allowed", "\"cat.png\"");
        let page: &[u8] = b"<html><script>alert(1)</script></html>";
        let (status, body) = sam.send_files(&server, None, &[("notes.txt", page)]).await;
        assert_refused(status, &body, 422, "file_type_not_allowed", "\"notes.txt\"");
        let (status, body) = sam.send_files(&server, Some("hello"), &[]).await;
        assert_refused(status, &body, 422, "no_file", "`file`");
        let stranger = Handoff {
            token: "demo.00".into(),
            ..sam.clone()
        };
        let (status, _) = stranger.send_files(&server, None, &[("a.txt", note)]).await;
        assert_eq!(status, 401);

        // Nothing refused was kept; two allowed files are, each served as a download.
        let (status, body) = sam
            .send_files(&server, None, &[("invoice.pdf", PDF), ("order.txt", note)])
            .await;
        assert_eq!(status, 201, "{body}");
        let (_, conversation) = server
            .get_json(
                &format!("/api/v1/conversations/{}", sam.conversation_id),
                Some(&sam.token),
            )
            .await;
        let files = conversation["attachments"].as_array().expect("list");
        let names: Vec<&str> = files
            .iter()
            .filter_map(|f| f["file_name"].as_str())
            .collect();
        assert_eq!(names, ["invoice.pdf", "order.txt"], "{conversation}");
        let pdf = get(&server, files[0]["url"].as_str().expect("url")).await;
        assert_eq!(header(&pdf, "content-type"), "application/pdf");
        assert_eq!(
            header(&pdf, "content-disposition"),
            "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice%2Epdf"
        );
        assert_eq!(
            header(&pdf, "content-security-policy"),
            "default-src 'none'; sandbox"
        );
        let text = get(&server, files[1]["url"].as_str().expect("url")).await;
        assert_eq!(header(&text, "content-type"), "text/plain; charset=utf-8");
        assert_eq!(header(&text, "x-content-type-options"), "nosniff");
        assert_eq!(text.text().await.expect("body"), "Order 100234");
        let transcript = conversation["transcript"].as_array().expect("transcript");
        let last = transcript.last().expect("a line");
        assert_eq!(last["body"], "📎 invoice.pdf, order.txt", "{conversation}");
        server.stop().await;
    }
}

/// `hex(HMAC-SHA256(key, "frontline-attachment-v1:{conversation}\0{id}\0{expires}"))`, the
/// link format documented in `frontline_shared::attachments::signed_url`.
fn sign(key: &str, conversation: &str, id: &str, expires: i64) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).expect("key");
    mac.update(format!("frontline-attachment-v1:{conversation}\0{id}\0{expires}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn links_open_only_their_own_file_until_they_expire() {
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        // Links live 60 s here (the default is 300).
        let mut options = ServerOptions::default();
        options.extra_toml = format!("{}\n[attachments]\nurl_ttl_secs = 60\n", options.extra_toml);
        let server = TestServer::start_with(&db.url, &options).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "Photo"}),
        )
        .await;
        let kim = hand_off(
            &server,
            json!({"email": "kim@example.com", "message": "Photo"}),
        )
        .await;
        let (_, sams) = sam
            .send_files(&server, None, &[("a.jpg", &photo_with_gps())])
            .await;
        let (_, kims) = kim
            .send_files(&server, None, &[("b.jpg", &photo_with_gps())])
            .await;
        let sams_id = sams["attachments"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let kims_id = kims["attachments"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let url = sams["attachments"][0]["url"]
            .as_str()
            .expect("url")
            .to_string();
        let fresh = get(&server, &url).await;
        assert_eq!(fresh.status(), 200);
        // Browsers keep the file no longer than the link (60 s here) is valid.
        let max_age: i64 = header(&fresh, "cache-control")
            .strip_prefix("private, max-age=")
            .and_then(|secs| secs.parse().ok())
            .unwrap_or_else(|| panic!("{:?}", fresh.headers()));
        assert!((50..=60).contains(&max_age), "max-age {max_age}");

        let query = url.split_once('?').expect("query").1;
        let fields: Vec<(String, String)> = serde_urlencoded::from_str(query).expect("query");
        let expires: i64 = fields[0].1.parse().expect("expires");
        let sig = fields[1].1.clone();
        let open = |id: &str, query: String| format!("/api/v1/attachments/{id}?{query}");
        let code = |body: Value| {
            body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };

        // Sam's link on Kim's file, a later expiry, a changed or missing signature: 403.
        for (id, query) in [
            (kims_id.as_str(), format!("expires={expires}&sig={sig}")),
            (
                sams_id.as_str(),
                format!("expires={}&sig={sig}", expires + 3600),
            ),
            (
                sams_id.as_str(),
                format!("expires={expires}&sig={}", "0".repeat(64)),
            ),
            (sams_id.as_str(), format!("expires={expires}")),
        ] {
            let response = get(&server, &open(id, query.clone())).await;
            assert_eq!(response.status(), 403, "{backend:?} {id} {query}");
            assert_eq!(
                code(response.json().await.unwrap_or_default()),
                "invalid_link"
            );
        }

        // A link signed with the installation's key but past its expiry: 410.
        let store = frontline_shared::store::Store::connect(&db.url)
            .await
            .expect("store");
        let key = store
            .installation_secret("conversation_token_key")
            .await
            .expect("key");
        let past = expires - 3600;
        let expired = sign(&key, &sam.conversation_id, &sams_id, past);
        let response = get(
            &server,
            &open(&sams_id, format!("expires={past}&sig={expired}")),
        )
        .await;
        assert_eq!(response.status(), 410, "{backend:?}");
        assert_eq!(
            code(response.json().await.unwrap_or_default()),
            "link_expired"
        );
        // The same key and format with a future expiry opens it (the format is as documented).
        let fresh = sign(&key, &sam.conversation_id, &sams_id, expires);
        assert_eq!(fresh, sig);
        store.close().await;
        server.stop().await;
    }
}

/// `[privacy] keep_attachments = "90d"`: with the store's clock moved past the limit, the
/// retention job deletes the file; the conversation and its transcript stay.
#[tokio::test]
async fn retention_deletes_files_older_than_keep_attachments() {
    use frontline_shared::clock::ManualClock;
    use frontline_shared::config::PrivacySettings;
    use frontline_shared::privacy::retention::{Purge, Retention};
    use frontline_shared::store::Store;

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    for backend in backends() {
        let db = TestDatabase::new(backend).await;
        let server = TestServer::start(&db.url).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "Photo"}),
        )
        .await;
        let (status, sent) = sam
            .send_files(&server, None, &[("a.jpg", &photo_with_gps())])
            .await;
        assert_eq!(status, 201, "{sent}");
        let mut privacy = PrivacySettings::default();
        privacy.keep_attachments = Some(jiff::SignedDuration::from_hours(90 * 24));
        let now = jiff::Timestamp::now().as_millisecond();
        let files = |conversation: &Value| conversation["attachments"].as_array().map(Vec::len);
        let path = format!("/api/v1/conversations/{}", sam.conversation_id);

        // 89 days later the file is kept; 91 days later it is deleted.
        for (days, kept) in [(89, Some(1)), (91, Some(0))] {
            let store =
                Store::connect_with_clock(&db.url, ManualClock::starting_at(now + days * DAY_MS))
                    .await
                    .expect("store");
            let job = Retention::from_settings(store.clone(), &privacy).expect("a retention job");
            assert_eq!(
                job.try_purge_once().await.expect("purge"),
                Purge::Ran { erased: 0 }
            );
            store.close().await;
            let (status, body) = server.get_json(&path, Some(&sam.token)).await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(files(&body), kept, "{backend:?} after {days} days: {body}");
            let lines = body["transcript"].as_array().map(Vec::len);
            assert_eq!(lines, Some(2), "{backend:?}: the transcript stays: {body}");
        }
        server.stop().await;
    }
}
