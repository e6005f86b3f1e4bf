//! Why an import stopped. A single bad item is not an error: it is reported as
//! [`Malformed`](crate::fetched::Malformed) and the import goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Usage(String),
    #[error("GET {url}: {}", chain(cause))]
    Network { url: String, cause: reqwest::Error },
    #[error("GET {url}: HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("GET {url}: still rate limited (429) after {tries} tries")]
    RateLimited { url: String, tries: u32 },
    #[error("GET {url}: the response is not the documented JSON: {message}")]
    Shape { url: String, message: String },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

impl ImportError {
    pub fn io(path: &std::path::Path, cause: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.to_path_buf(),
            cause,
        }
    }

    pub fn file(path: &std::path::Path, message: impl std::fmt::Display) -> ImportError {
        ImportError::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// An error and its causes, `: `-separated (reqwest's own message omits the cause, e.g.
/// "connection refused").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
