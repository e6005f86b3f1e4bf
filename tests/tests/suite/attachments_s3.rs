//! Attachments in an S3-compatible bucket (issue 24, `[attachments] store = "s3://…"`), on
//! each backend, against a real S3-compatible server on loopback (moto, see
//! `frontline_tests::s3`): a customer's and an agent's files go to the bucket under
//! `prefix/<attachment id>` while their rows keep no bytes; they are served through the
//! signed links, shared in the Slack thread and exported byte for byte; erasure and
//! retention delete the objects; files stored in the rows before the bucket was set stay
//! readable. The shipped binary reads the client's settings from the `AWS_*` variables.

use std::io::Cursor;
use std::time::Duration;

use frontline_bot::BotOptions;
use frontline_tests::customer::hand_off;
use frontline_tests::databases::{backends, TestBackend, TestDatabase};
use frontline_tests::rig::{Platforms, Rig};
use frontline_tests::s3::S3Server;
use frontline_tests::widget_server::{settings, ServerOptions, TestServer, ADMIN_TOKEN};
use serde_json::{json, Value};
use sqlx::Row;

use crate::agent_files::send_agent_files;
use crate::attachments::{photo_with_gps, photo_without_gps, PDF};
use crate::attachments_chat::{entry, export};

const WAIT: Duration = Duration::from_secs(15);
const PREFIX: &str = "shop/attachments";

fn bucket(backend: TestBackend) -> String {
    format!("frontline-{}", format!("{backend:?}").to_ascii_lowercase())
}

/// What the attachment's row holds: how many bytes of content, and its object key.
async fn row(db_url: &str, id: &str) -> (i64, Option<String>) {
    let pool = sqlx::AnyPool::connect(db_url).await.expect("pool");
    let row = sqlx::query(
        "SELECT CAST(LENGTH(content) AS BIGINT) AS bytes, object_key FROM attachments \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .expect("the attachment's row");
    let found = (
        row.try_get("bytes").expect("bytes"),
        row.try_get("object_key").expect("object_key"),
    );
    pool.close().await;
    found
}

async fn fetch(server: &TestServer, url: &str) -> (u16, Vec<u8>) {
    let url = if url.starts_with("http") {
        url.to_string()
    } else {
        server.at(url)
    };
    let response = server.client.get(url).send().await.expect("GET");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

#[tokio::test]
async fn files_both_ways_live_in_the_bucket_and_go_with_erasure() {
    let s3 = S3Server::start().await;
    for backend in backends() {
        let context = format!("{backend:?}");
        let bucket = bucket(backend);
        s3.create_bucket(&bucket).await;
        let attachments = s3.attachments(&bucket, PREFIX);
        let rig = Rig::start_configured(
            backend,
            Platforms::Slack,
            "",
            "",
            BotOptions::default(),
            |settings| settings.attachments = attachments.clone(),
        )
        .await;
        let slack = rig.slack();
        let sam = hand_off(
            &rig.server,
            json!({"email": "sam@example.com", "name": "Sam", "message": "My parcel arrived broken"}),
        )
        .await;
        let alert = slack.alert_for(&sam.escalation_id).await;

        // The customer's photo: in the bucket without its GPS position, not in the row.
        let (status, sent) = sam
            .send_files(
                &rig.server,
                Some("This is how it looked"),
                &[("parcel.jpg", &photo_with_gps())],
            )
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let photo_id = sent["attachments"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let photo_key = format!("{PREFIX}/{photo_id}");
        assert_eq!(s3.keys(&bucket).await, vec![photo_key.clone()], "{context}");
        assert_eq!(
            s3.object(&bucket, &photo_key).await,
            Some(photo_without_gps()),
            "{context}"
        );
        assert_eq!(
            row(&rig.db.url, &photo_id).await,
            (0, Some(photo_key.clone())),
            "{context}: the row keeps no bytes"
        );
        let url = sent["attachments"][0]["url"].as_str().expect("url");
        assert_eq!(
            fetch(&rig.server, url).await,
            (200, photo_without_gps()),
            "{context}"
        );

        // The bot read it from the bucket to share it in the alert's thread.
        let ts = alert.ts.clone();
        let shared = slack
            .wait_for("the photo in the thread", WAIT, |s| {
                s.files
                    .iter()
                    .find(|f| f.thread_ts.as_deref() == Some(ts.as_str()))
                    .cloned()
            })
            .await;
        assert_eq!(shared.filename, "parcel.jpg", "{context}");
        assert_eq!(shared.bytes, photo_without_gps(), "{context}");

        // The agent's label: the answer names it by id; it is in the bucket too.
        let (status, reply) = send_agent_files(
            &rig.server,
            &sam.escalation_id,
            &[("agent", "Ana"), ("text", "Here is your return label")],
            &[("label.pdf", PDF)],
        )
        .await;
        assert_eq!(status, 201, "{context}: {reply}");
        let label = &reply["attachments"][0];
        assert_eq!(label["file_name"], "label.pdf", "{context}: {reply}");
        assert_eq!(label["content_type"], "application/pdf", "{context}");
        assert_eq!(label["size_bytes"], PDF.len(), "{context}");
        let label_id = label["id"].as_str().expect("id").to_string();
        assert!(label_id.starts_with("att_"), "{context}: {label_id}");
        let label_key = format!("{PREFIX}/{label_id}");
        let mut both = vec![photo_key.clone(), label_key.clone()];
        both.sort();
        assert_eq!(s3.keys(&bucket).await, both, "{context}");
        assert_eq!(
            s3.object(&bucket, &label_key).await.as_deref(),
            Some(PDF),
            "{context}"
        );
        assert_eq!(
            row(&rig.db.url, &label_id).await,
            (0, Some(label_key.clone())),
            "{context}"
        );
        let url = label["url"].as_str().expect("url");
        assert_eq!(
            fetch(&rig.server, url).await,
            (200, PDF.to_vec()),
            "{context}"
        );

        // The export archive holds both files, read from the bucket.
        let (status, _, zip_body) =
            export(&rig.server, "sam@example.com", "?format=zip", None).await;
        assert_eq!(status, 200, "{context}");
        let mut archive = zip::ZipArchive::new(Cursor::new(zip_body)).expect("a zip archive");
        assert_eq!(
            entry(&mut archive, &format!("attachments/{photo_id}/parcel.jpg")),
            photo_without_gps(),
            "{context}"
        );
        assert_eq!(
            entry(&mut archive, &format!("attachments/{label_id}/label.pdf")),
            PDF,
            "{context}"
        );

        // Erasure deletes both objects; the links open nothing.
        let response = rig
            .server
            .client
            .delete(rig.server.at("/api/v1/admin/customers/sam@example.com"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .expect("DELETE");
        assert_eq!(response.status(), 200, "{context}");
        assert_eq!(
            s3.keys(&bucket).await,
            Vec::<String>::new(),
            "{context}: the bucket is empty"
        );
        assert_eq!(fetch(&rig.server, url).await.0, 404, "{context}");
        rig.stop().await;
    }
    s3.stop().await;
}

/// A store used without a bucket first, then with one: the earlier file (bytes in its
/// row) stays readable beside the new one (in the bucket). `[privacy] keep_attachments =
/// "90d"` with the store's clock moved: 89 days later both are kept, 91 days later both
/// are gone, the object from the bucket too; the conversation and its transcript stay.
#[tokio::test]
async fn retention_deletes_objects_and_earlier_inline_files_stay_readable() {
    use frontline_shared::clock::ManualClock;
    use frontline_shared::config::PrivacySettings;
    use frontline_shared::privacy::retention::{Purge, Retention};
    use frontline_shared::store::Store;

    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    const NOTE: &[u8] = b"Order 100234";
    let s3 = S3Server::start().await;
    for backend in backends() {
        let context = format!("{backend:?}");
        let bucket = bucket(backend);
        s3.create_bucket(&bucket).await;
        let db = TestDatabase::new(backend).await;

        // Before the bucket: the note's bytes are in its row.
        let server = TestServer::start(&db.url).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "Photo"}),
        )
        .await;
        let (status, sent) = sam.send_files(&server, None, &[("note.txt", NOTE)]).await;
        assert_eq!(status, 201, "{context}: {sent}");
        let note_id = sent["attachments"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        server.stop().await;
        assert_eq!(
            row(&db.url, &note_id).await,
            (NOTE.len() as i64, None),
            "{context}"
        );

        // With the bucket: the photo goes there; both are served.
        let mut with_bucket = settings(&db.url, &ServerOptions::default());
        with_bucket.attachments = s3.attachments(&bucket, PREFIX);
        let server = TestServer::from_settings(with_bucket).await;
        let (status, sent) = sam
            .send_files(&server, None, &[("a.jpg", &photo_with_gps())])
            .await;
        assert_eq!(status, 201, "{context}: {sent}");
        let photo_id = sent["attachments"][0]["id"]
            .as_str()
            .expect("id")
            .to_string();
        let photo_key = format!("{PREFIX}/{photo_id}");
        assert_eq!(s3.keys(&bucket).await, vec![photo_key.clone()], "{context}");
        let path = format!("/api/v1/conversations/{}", sam.conversation_id);
        let (status, body) = server.get_json(&path, Some(&sam.token)).await;
        assert_eq!(status, 200, "{context}: {body}");
        let files = body["attachments"].as_array().cloned().expect("files");
        assert_eq!(files.len(), 2, "{context}: {body}");
        assert_eq!(
            fetch(&server, files[0]["url"].as_str().expect("url")).await,
            (200, NOTE.to_vec()),
            "{context}: the earlier file, from its row"
        );
        assert_eq!(
            fetch(&server, files[1]["url"].as_str().expect("url")).await,
            (200, photo_without_gps()),
            "{context}: the new one, from the bucket"
        );

        let mut privacy = PrivacySettings::default();
        privacy.keep_attachments = Some(jiff::SignedDuration::from_hours(90 * 24));
        let now = jiff::Timestamp::now().as_millisecond();
        let count = |body: &Value| body["attachments"].as_array().map(Vec::len);
        for (days, kept, keys) in [(89, 2, vec![photo_key.clone()]), (91, 0, Vec::new())] {
            let store =
                Store::connect_with_clock(&db.url, ManualClock::starting_at(now + days * DAY_MS))
                    .await
                    .expect("store")
                    .with_file_storage(s3.storage(&bucket, PREFIX));
            let job = Retention::from_settings(store.clone(), &privacy).expect("a retention job");
            assert_eq!(
                job.try_purge_once().await.expect("purge"),
                Purge::Ran { erased: 0 },
                "{context}"
            );
            store.close().await;
            assert_eq!(s3.keys(&bucket).await, keys, "{context} after {days} days");
            let (status, body) = server.get_json(&path, Some(&sam.token)).await;
            assert_eq!(status, 200, "{context}: {body}");
            assert_eq!(
                count(&body),
                Some(kept),
                "{context} after {days} days: {body}"
            );
            let lines = body["transcript"].as_array().map(Vec::len);
            assert_eq!(lines, Some(3), "{context}: the transcript stays: {body}");
        }
        server.stop().await;
    }
    s3.stop().await;
}

/// The shipped widget-server binary, configured as in production: `[attachments] store`
/// in its file, the client from the `AWS_*` environment variables alone (credentials,
/// region, the loopback endpoint, plain HTTP allowed). A customer's file lands in the
/// bucket and is served back byte for byte.
#[tokio::test]
async fn the_binary_takes_the_bucket_from_its_file_and_the_client_from_the_aws_variables() {
    use frontline_tests::customer::file_form;
    use frontline_tests::processes::ServerProcess;

    let s3 = S3Server::start().await;
    let demo = frontline_widget_server::demo_dir();
    for backend in backends() {
        let context = format!("{backend:?}");
        let bucket = bucket(backend);
        s3.create_bucket(&bucket).await;
        let db = TestDatabase::new(backend).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let text = frontline_widget_server::DEMO_CONFIG
            .replace(
                "knowledge_dir = \"kb\"",
                &format!("knowledge_dir = {:?}", demo.join("kb")),
            )
            .replace(
                "intents_file = \"intents.toml\"",
                &format!("intents_file = {:?}", demo.join("intents.toml")),
            );
        let config = dir.path().join("frontline.toml");
        let store = format!("[attachments]\nstore = \"s3://{bucket}/binary\"\n");
        std::fs::write(&config, format!("{text}\n{store}")).expect("config");
        let aws = s3.environment();
        let mut env: Vec<(&str, String)> = vec![
            ("FRONTLINE_DATABASE_URL", db.url.clone()),
            ("FRONTLINE_LISTEN", "127.0.0.1:0".to_string()),
        ];
        env.extend(aws.iter().map(|(k, v)| (k.as_str(), v.clone())));
        let server = ServerProcess::spawn(&config, &env).await;

        let client = reqwest::Client::new();
        let asked: Value = client
            .post(format!("{}/api/v1/sites/demo/ask", server.url))
            .json(&json!({ "text": "how long does shipping take" }))
            .send()
            .await
            .expect("ask")
            .json()
            .await
            .expect("json");
        let conversation = asked["conversation_id"].as_str().expect("conversation id");
        let token = asked["conversation_token"].as_str().expect("token");
        let (content_type, body) = file_form(None, &[("invoice.pdf", PDF)]);
        let response = client
            .post(format!(
                "{}/api/v1/conversations/{conversation}/attachments",
                server.url
            ))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), 201, "{context}");
        let sent: Value = response.json().await.expect("json");
        let id = sent["attachments"][0]["id"].as_str().expect("id");
        let key = format!("binary/{id}");
        assert_eq!(s3.keys(&bucket).await, vec![key.clone()], "{context}");
        assert_eq!(
            s3.object(&bucket, &key).await.as_deref(),
            Some(PDF),
            "{context}"
        );
        assert_eq!(row(&db.url, id).await, (0, Some(key)), "{context}");
        let url = sent["attachments"][0]["url"].as_str().expect("url");
        let served = client.get(url).send().await.expect("GET");
        assert_eq!(served.status(), 200, "{context}");
        assert_eq!(
            served.bytes().await.expect("body").as_ref(),
            PDF,
            "{context}"
        );
        server.terminate(Duration::from_secs(10)).await;
    }
    s3.stop().await;
}

/// The object is written before the row: when the bucket refuses it (here: no such
/// bucket), the upload is 503 and nothing is stored, neither the file nor its line.
#[tokio::test]
async fn a_bucket_that_refuses_the_file_leaves_no_row_and_no_line() {
    let s3 = S3Server::start().await;
    for backend in backends() {
        let context = format!("{backend:?}");
        let db = TestDatabase::new(backend).await;
        let mut missing_bucket = settings(&db.url, &ServerOptions::default());
        missing_bucket.attachments = s3.attachments("never-created", PREFIX);
        let server = TestServer::from_settings(missing_bucket).await;
        let sam = hand_off(
            &server,
            json!({"email": "sam@example.com", "message": "Photo"}),
        )
        .await;
        let (status, body) = sam
            .send_files(&server, Some("Here"), &[("invoice.pdf", PDF)])
            .await;
        assert_eq!(status, 503, "{context}: {body}");
        let path = format!("/api/v1/conversations/{}", sam.conversation_id);
        let (status, conversation) = server.get_json(&path, Some(&sam.token)).await;
        assert_eq!(status, 200, "{context}: {conversation}");
        assert_eq!(conversation["attachments"], json!([]), "{context}");
        let lines = conversation["transcript"].as_array().map(Vec::len);
        assert_eq!(
            lines,
            Some(1),
            "{context}: no line for the file: {conversation}"
        );
        server.stop().await;
    }
    s3.stop().await;
}
