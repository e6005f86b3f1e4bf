//! The HTTP client every API source uses: authentication, JSON pages, `Link` headers and
//! rate limits (`429` with `Retry-After`, waited out and retried).

use crate::error::ImportError;
use std::time::Duration;

/// How a source authenticates.
#[derive(Clone)]
pub enum Auth {
    /// HTTP Basic (Zendesk `email/token:TOKEN`, Help Scout and Freshdesk `KEY:X`).
    Basic {
        user: String,
        password: String,
    },
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth(<redacted>)")
    }
}

/// A client for one API base URL. Absolute URLs (next-page links) must stay on that
/// base, so credentials never go to another host.
#[derive(Debug, Clone)]
pub struct Api {
    client: reqwest::Client,
    base: String,
    auth: Auth,
    headers: Vec<(&'static str, &'static str)>,
    /// Tries per request while the API answers 429 / 503.
    pub max_tries: u32,
    /// The longest `Retry-After` honoured as given (longer ones are capped).
    pub max_wait: Duration,
}

/// One JSON response and its `Link: <…>; rel="next"` target, if any.
#[derive(Debug)]
pub struct Page {
    pub url: String,
    pub json: serde_json::Value,
    pub next_link: Option<String>,
}

impl Api {
    pub fn new(base: &str, auth: Auth) -> Result<Api, ImportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("frontline-import/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|cause| ImportError::Network {
                url: base.to_string(),
                cause,
            })?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_string(),
            auth,
            headers: Vec::new(),
            max_tries: 6,
            max_wait: Duration::from_secs(120),
        })
    }

    /// Adds a header sent with every request (e.g. `Intercom-Version`).
    pub fn with_header(mut self, name: &'static str, value: &'static str) -> Api {
        self.headers.push((name, value));
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `path` (starting with `/`) on the base, or an absolute URL on the same base.
    pub fn url(&self, path_or_url: &str) -> Result<String, ImportError> {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            if path_or_url == self.base || path_or_url.starts_with(&format!("{}/", self.base)) {
                return Ok(path_or_url.to_string());
            }
            return Err(ImportError::Usage(format!(
                "the API sent a link to {path_or_url}, outside {}; refusing to send credentials there",
                self.base
            )));
        }
        Ok(format!("{}{path_or_url}", self.base))
    }

    /// GETs JSON, waiting out `429`/`503` answers as their `Retry-After` says.
    pub async fn get(&self, path_or_url: &str) -> Result<Page, ImportError> {
        let url = self.url(path_or_url)?;
        for _ in 0..self.max_tries {
            let mut request = self.client.get(&url).header("Accept", "application/json");
            request = match &self.auth {
                Auth::Basic { user, password } => request.basic_auth(user, Some(password)),
                Auth::Bearer(token) => request.bearer_auth(token),
            };
            for (name, value) in &self.headers {
                request = request.header(*name, *value);
            }
            let network = |cause| ImportError::Network {
                url: url.clone(),
                cause,
            };
            let response = request.send().await.map_err(network)?;
            let status = response.status().as_u16();
            if status == 429 || status == 503 {
                let wait = retry_after(response.headers()).min(self.max_wait);
                tokio::time::sleep(wait).await;
                continue;
            }
            let next_link = response
                .headers()
                .get_all("link")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .find_map(next_from_link_header);
            let text = response.text().await.map_err(network)?;
            if !(200..300).contains(&status) {
                return Err(ImportError::Status {
                    url,
                    status,
                    body: text.chars().take(300).collect(),
                });
            }
            let json = serde_json::from_str(&text).map_err(|e| ImportError::Shape {
                url: url.clone(),
                message: e.to_string(),
            })?;
            return Ok(Page {
                url,
                json,
                next_link,
            });
        }
        Err(ImportError::RateLimited {
            url,
            tries: self.max_tries,
        })
    }
}

/// `Retry-After` in seconds (RFC 9110 §10.2.3 also allows an HTTP date: then, and when the
/// header is missing, one second).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(1))
}

/// The `rel="next"` target of one `Link` header value (RFC 8288), e.g.
/// `<https://x.freshdesk.com/api/v2/solutions/folders/1/articles?page=2>; rel="next"`.
pub fn next_from_link_header(value: &str) -> Option<String> {
    value.split(',').find_map(|link| {
        let (target, params) = link.split_once(';')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().replace(' ', "");
            p == "rel=\"next\"" || p == "rel=next"
        });
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_next_link() {
        let header = "<https://a.example/x?page=1>; rel=\"prev\", <https://a.example/x?page=3>; rel=\"next\"";
        assert_eq!(
            next_from_link_header(header).as_deref(),
            Some("https://a.example/x?page=3")
        );
        assert_eq!(
            next_from_link_header("<https://a.example/x>; rel=\"prev\""),
            None
        );
    }

    #[test]
    fn links_outside_the_base_are_refused() {
        let api = Api::new("http://127.0.0.1:9/", Auth::Bearer("t".into())).expect("client");
        assert_eq!(api.url("/a").expect("path"), "http://127.0.0.1:9/a");
        assert!(api.url("http://127.0.0.1:9/b?page=2").is_ok());
        assert!(api.url("http://127.0.0.1:99/b").is_err());
        assert!(api.url("https://evil.example/").is_err());
    }
}
