//! Fetching files people share in chat (a Slack `url_private`, a Discord attachment's
//! `url`), for the delivery worker.
//!
//! A URL is fetched only from the platform's own file hosts (or the configured API's
//! origin, a loopback stand-in in tests), so an event cannot make the bot send its token
//! elsewhere; reqwest drops the `Authorization` header on a redirect to another host.
//! The body is read up to `max_bytes` and no further. Failures are sorted into those
//! worth retrying ([`DownloadError::Unavailable`]) and those that will not change.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::Url;

/// Why a file could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Larger than the configured `[attachments] max_bytes`.
    #[error("larger than {max_bytes} bytes")]
    TooLarge { max_bytes: usize },
    /// Will not work on a retry: a host that is not the platform's, a 4xx answer, a
    /// sign-in page instead of the file.
    #[error("{0}")]
    Refused(String),
    /// May work later: no answer, a 5xx, 408 or 429.
    #[error("{0}")]
    Unavailable(String),
}

/// Fetches shared files from one platform's hosts.
#[derive(Clone)]
pub struct FileFetcher {
    client: reqwest::Client,
    /// Sent as `Authorization: Bearer` (Slack's bot token; Discord's CDN URLs are signed
    /// and need none).
    bearer: Option<String>,
    /// The origins (`https://files.slack.com`) files may come from.
    origins: Vec<String>,
}

impl std::fmt::Debug for FileFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileFetcher")
            .field("origins", &self.origins)
            .finish_non_exhaustive()
    }
}

impl FileFetcher {
    /// A fetcher for files on `hosts` (origins such as `https://files.slack.com`) and on
    /// the origin of `api_url` (where a stand-in serves them in tests).
    pub fn new(
        api_url: &str,
        hosts: &[&str],
        bearer: Option<&str>,
        timeout: Duration,
    ) -> Result<FileFetcher, reqwest::Error> {
        let mut origins: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        if let Ok(api) = Url::parse(api_url) {
            origins.push(api.origin().ascii_serialization());
        }
        Ok(FileFetcher {
            client: reqwest::Client::builder().timeout(timeout).build()?,
            bearer: bearer.map(str::to_string),
            origins,
        })
    }

    /// The file at `url`, at most `max_bytes` long.
    pub async fn fetch(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, DownloadError> {
        let url = Url::parse(url).map_err(|e| DownloadError::Refused(format!("bad URL: {e}")))?;
        let origin = url.origin().ascii_serialization();
        if !self.origins.contains(&origin) {
            return Err(DownloadError::Refused(format!(
                "{origin} is not one of the platform's file hosts"
            )));
        }
        let mut request = self.client.get(url);
        if let Some(token) = &self.bearer {
            request = request.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| DownloadError::Unavailable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
            return Err(DownloadError::Unavailable(format!("HTTP {status}")));
        }
        if !status.is_success() {
            return Err(DownloadError::Refused(format!("HTTP {status}")));
        }
        // Slack answers a request without a valid token with its sign-in page (HTTP 200).
        let html = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if html && self.bearer.is_some() {
            return Err(DownloadError::Refused(
                "a sign-in page instead of the file (does the bot token have `files:read`?)".into(),
            ));
        }
        if response
            .content_length()
            .is_some_and(|n| n > max_bytes as u64)
        {
            return Err(DownloadError::TooLarge { max_bytes });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| DownloadError::Unavailable(e.without_url().to_string()))?
        {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(DownloadError::TooLarge { max_bytes });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}
