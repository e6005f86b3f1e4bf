//! A real S3-compatible server on loopback for the attachment-storage tests: `moto`'s
//! server mode (PyPI `moto[server]`, installed by `.ci/run`) run as a child process.
//! Frontline's side is the production `object_store` client; this module talks to the
//! server with plain HTTP (path-style requests with a placeholder `Authorization`: moto
//! checks no signatures, but serves a private object only to a request that names a
//! key), so nothing here shares code with it.
//!
//! The interpreter is `$FRONTLINE_TEST_PYTHON` (`.ci/run` sets it to the one it installed
//! moto into), else `python3` on `PATH`. A server that does not start fails the test.

use std::process::Stdio;
use std::time::{Duration, Instant};

use frontline_shared::config::{AttachmentSettings, Secret};

/// The credentials the tests give the client (moto accepts any).
const ACCESS_KEY: &str = "frontline-test";
const SECRET_KEY: &str = "frontline-test-secret";
const REGION: &str = "us-east-1";
/// What the helper's requests carry as `Authorization` (not a valid signature).
const PLACEHOLDER_AUTH: &str = "AWS4-HMAC-SHA256 Credential=frontline-test/20261130/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/// A running moto server.
#[derive(Debug)]
pub struct S3Server {
    pub port: u16,
    child: tokio::process::Child,
    client: reqwest::Client,
}

fn python() -> String {
    std::env::var("FRONTLINE_TEST_PYTHON")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

impl S3Server {
    /// Starts moto on a free port and waits until it answers.
    pub async fn start() -> S3Server {
        let port = crate::smtp::free_port();
        let python = python();
        let child = tokio::process::Command::new(&python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // moto logs every request on stderr.
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("start `{python} -m moto.server` (pip install 'moto[server]'): {e}")
            });
        let server = S3Server {
            port,
            child,
            client: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let answered = server
                .client
                .get(server.endpoint())
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not answer on port {port} (is `moto[server]` installed for {python}?)"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates `bucket` (`PUT /{bucket}`, as the S3 API does).
    pub async fn create_bucket(&self, bucket: &str) {
        let response = self
            .client
            .put(format!("{}/{bucket}", self.endpoint()))
            .header("authorization", PLACEHOLDER_AUTH)
            .send()
            .await
            .expect("PUT bucket");
        assert!(
            response.status().is_success(),
            "create bucket {bucket}: {}",
            response.status()
        );
    }

    /// The keys in `bucket` (ListObjectsV2), sorted.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let response = self
            .client
            .get(format!("{}/{bucket}?list-type=2", self.endpoint()))
            .header("authorization", PLACEHOLDER_AUTH)
            .send()
            .await
            .expect("list objects");
        assert!(response.status().is_success(), "{}", response.status());
        let xml = response.text().await.expect("listing");
        let mut keys: Vec<String> = xml
            .split("<Key>")
            .skip(1)
            .filter_map(|rest| rest.split("</Key>").next())
            .map(str::to_string)
            .collect();
        keys.sort();
        keys
    }

    /// The object `key` of `bucket` (GetObject); `None` for 404.
    pub async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let response = self
            .client
            .get(format!("{}/{bucket}/{key}", self.endpoint()))
            .header("authorization", PLACEHOLDER_AUTH)
            .send()
            .await
            .expect("get object");
        if response.status() == 404 {
            return None;
        }
        assert!(response.status().is_success(), "{}", response.status());
        Some(response.bytes().await.expect("object").to_vec())
    }

    /// The client settings for this server, in `AWS_*` variable names: what a deployment
    /// puts in the environment for an S3-compatible server.
    pub fn environment(&self) -> Vec<(String, String)> {
        [
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_REGION", REGION.to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// `[attachments]` storing in `s3://{bucket}/{prefix}` on this server. The tests run
    /// servers in one process, so the client settings go in as overrides by their
    /// object_store names (the `AWS_*` names, lowercased, as `from_env` reads them).
    pub fn attachments(&self, bucket: &str, prefix: &str) -> AttachmentSettings {
        AttachmentSettings {
            store: Some(format!("s3://{bucket}/{prefix}")),
            s3_overrides: self
                .environment()
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), Secret::new(v)))
                .collect(),
            ..AttachmentSettings::default()
        }
    }

    /// The storage a store handle of the test uses for `s3://{bucket}/{prefix}`.
    pub fn storage(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> frontline_shared::attachments::storage::FileStorage {
        frontline_shared::attachments::storage::FileStorage::from_settings(
            &self.attachments(bucket, prefix),
        )
        .expect("S3 storage")
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
