//! The `/admin` dashboard as a signed-in agent uses it: sign in through the login form,
//! then read pages and submit forms with the session's cookies.

use crate::widget_server::{TestServer, ADMIN_TOKEN};

/// A client that does not follow redirects and connects from `source` (any 127.0.0.0/8
/// address works on Linux's loopback), so one test can be several client addresses.
pub fn client_from(source: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(Some(std::net::IpAddr::from(source)))
        .build()
        .expect("client")
}

/// A signed-in dashboard session (cookies kept by hand; redirects are not followed so
/// their targets can be asserted).
#[derive(Debug, Clone)]
pub struct DashboardSession {
    base: String,
    client: reqwest::Client,
    cookies: String,
}

/// A page or form answer: status, `Location` (for redirects) and body.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

impl DashboardSession {
    /// Signs in as `agent` with the test admin token; panics unless it works.
    pub async fn sign_in(server: &TestServer, agent: &str) -> DashboardSession {
        Self::sign_in_with(server, &[("token", ADMIN_TOKEN), ("agent", agent)]).await
    }

    /// Signs in with an account's e-mail and password; panics unless it works.
    pub async fn sign_in_account(
        server: &TestServer,
        email: &str,
        password: &str,
    ) -> DashboardSession {
        Self::sign_in_with(server, &[("email", email), ("password", password)]).await
    }

    async fn sign_in_with(server: &TestServer, form: &[(&str, &str)]) -> DashboardSession {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .post(server.at("/admin/login"))
            .form(form)
            .send()
            .await
            .expect("sign in");
        assert!(
            response.status().is_redirection(),
            "sign-in answered {}",
            response.status()
        );
        let cookies = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        DashboardSession {
            base: server.url.clone(),
            client,
            cookies,
        }
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }

    /// `GET path` (e.g. `/admin/conversations?q=boots`).
    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookies)
            .send()
            .await
            .expect("dashboard page");
        Self::page(response).await
    }

    /// The session's cookies (`name=value; …`), e.g. to call the API as this session.
    pub fn cookies(&self) -> &str {
        &self.cookies
    }

    /// Submits a form to `path` as the dashboard's own pages do (same origin).
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookies)
            .header(reqwest::header::ORIGIN, &self.base)
            .form(form)
            .send()
            .await
            .expect("dashboard form");
        Self::page(response).await
    }

    /// Submits a `multipart/form-data` form (`content_type` with its boundary, `body`) to
    /// `path`, as a browser does for a form with files.
    pub async fn post_multipart(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, &self.cookies)
            .header(reqwest::header::ORIGIN, &self.base)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .expect("dashboard form");
        Self::page(response).await
    }
}
