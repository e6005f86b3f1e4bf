//! `[attachments]`: what customers may send with a message, and where files are kept.

use serde::Deserialize;

use super::ConfigError;

/// `[attachments]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachmentSettings {
    /// Largest file accepted, in bytes (default 10 MB). A larger one is refused with 413.
    pub max_bytes: usize,
    /// Most files sent with one message (default 5). More are refused with 422.
    pub max_files: usize,
    /// How long a download link stays valid, in seconds (default 300).
    pub url_ttl_secs: i64,
    /// Where the files' bytes go: unset (the default), in the store itself (a SQLite
    /// blob, a PostgreSQL `bytea`); `"s3://bucket/prefix"`, in that S3-compatible bucket
    /// under `prefix/<attachment id>`, with credentials, region and endpoint from the
    /// standard `AWS_*` environment variables
    /// ([`FileStorage`](crate::attachments::storage::FileStorage)).
    pub store: Option<String>,
    /// S3 client settings applied after the `AWS_*` variables, by their object_store
    /// names (`aws_endpoint`, `aws_allow_http`, …; values never printed). Never read from
    /// the file: code that embeds Frontline (the test suite, one process with several
    /// servers) sets them.
    #[serde(skip)]
    pub s3_overrides: Vec<(String, super::Secret)>,
}

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            max_bytes: 10 * 1024 * 1024,
            max_files: 5,
            url_ttl_secs: 300,
            store: None,
            s3_overrides: Vec::new(),
        }
    }
}

impl AttachmentSettings {
    /// The largest request body a message with files may have: every file at its limit,
    /// plus room for the text and the multipart framing.
    pub fn max_request_bytes(&self) -> usize {
        self.max_bytes
            .saturating_mul(self.max_files)
            .saturating_add(64 * 1024)
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_bytes == 0 {
            return Err(ConfigError::invalid(
                "attachments.max_bytes",
                "must be at least 1",
            ));
        }
        if self.max_files == 0 {
            return Err(ConfigError::invalid(
                "attachments.max_files",
                "must be at least 1",
            ));
        }
        if self.url_ttl_secs < 1 {
            return Err(ConfigError::invalid(
                "attachments.url_ttl_secs",
                "must be at least 1",
            ));
        }
        if let Some(url) = &self.store {
            crate::attachments::storage::ObjectLocation::parse(url)
                .map_err(|message| ConfigError::invalid("attachments.store", message))?;
        }
        Ok(())
    }
}
