//! The widget server started in-process on a random port, on a given store.

use frontline_shared::config::{Secret, Settings};
use frontline_widget_server::{demo_dir, Application, DEMO_CONFIG};
use std::path::Path;

/// Admin token every test server uses.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";
/// `FRONTLINE_INBOUND_TOKEN` of every test server (used when `[email]` is configured).
pub const INBOUND_TOKEN: &str = "test-inbound-token-fedcba9876543210";

/// A running widget server and a client for it.
#[derive(Debug)]
pub struct TestServer {
    pub url: String,
    pub client: reqwest::Client,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Options that differ between tests.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Extra TOML appended to the demo configuration (e.g. rate limits).
    pub extra_toml: String,
    /// Replaces the demo configuration entirely (paths relative to `config_dir`).
    pub config: Option<(String, std::path::PathBuf)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            extra_toml: "[server.rate_limits]\nper_ip_per_minute = 100000\nper_ip_burst = 100000\n"
                .into(),
            config: None,
        }
    }
}

/// Settings for a test server on `database_url`, listening on a random port.
pub fn settings(database_url: &str, options: &ServerOptions) -> Settings {
    let (text, base) = match &options.config {
        Some((text, dir)) => (text.clone(), dir.clone()),
        None => (format!("{DEMO_CONFIG}\n{}", options.extra_toml), demo_dir()),
    };
    let url = database_url.to_string();
    let lookup = move |name: &str| match name {
        "FRONTLINE_DATABASE_URL" => Some(url.clone()),
        "FRONTLINE_LISTEN" => Some("127.0.0.1:0".to_string()),
        _ => None,
    };
    let mut settings =
        Settings::parse(&text, &base, Path::new("test.toml"), &lookup).expect("test configuration");
    settings.secrets.admin_token = Some(Secret::new(ADMIN_TOKEN));
    settings.secrets.inbound_token = Some(Secret::new(INBOUND_TOKEN));
    // The suite asserts the lexical matcher's decisions and starts hundreds of servers:
    // it runs `encoder = "none"` unless a test's configuration names an encoder. The
    // product default (the multilingual encoder) has its own tests
    // (`suite::multilingual`), which set `settings.matcher.encoder = None` after this.
    if settings.matcher.encoder.is_none() {
        settings.matcher.encoder = Some("none".to_owned());
    }
    // The demo's default embedding cache would be `widget-server/demo/embeddings`, in the
    // source tree and shared by every test and run: each test server embeds afresh (a
    // test's own folder, `ServerOptions::config`, keeps its cache there).
    if options.config.is_none() {
        settings.matcher.embedding_cache = None;
    }
    settings
}

impl TestServer {
    pub async fn start(database_url: &str) -> TestServer {
        Self::start_with(database_url, &ServerOptions::default()).await
    }

    pub async fn start_with(database_url: &str, options: &ServerOptions) -> TestServer {
        Self::from_settings(settings(database_url, options)).await
    }

    pub async fn from_settings(settings: Settings) -> TestServer {
        let app = Application::build(settings)
            .await
            .expect("widget server starts");
        Self::serve(app)
    }

    /// Serves an application built by the caller (to inspect it before it serves).
    pub fn serve(app: Application) -> TestServer {
        let url = app.public_url().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = app
                .run_until_stopped(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        TestServer {
            url,
            client: reqwest::Client::new(),
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops serving and waits until the store is closed.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// `POST /api/v1/sites/demo/ask` with `body`; returns status and JSON.
    pub async fn ask(
        &self,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        self.post_json("/api/v1/sites/demo/ask", body, token).await
    }

    pub async fn post_json(
        &self,
        path: &str,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.post(self.at(path)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let mut request = self.client.get(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// An admin call (`/api/v1/admin/…`).
    pub async fn admin_post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.post_json(path, body, Some(ADMIN_TOKEN)).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
