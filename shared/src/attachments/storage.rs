//! Where the bytes of attachments live (`[attachments] store`).
//!
//! - [`FileStorage::Inline`] (the default): in the attachment's own row, a SQLite blob or
//!   a PostgreSQL `bytea`, so the one-binary set-up stays one binary.
//! - [`FileStorage::Objects`]: in an S3-compatible bucket through the `object_store`
//!   crate, under `prefix/<attachment id>`. The row keeps the metadata (id, conversation,
//!   message, name, type, size) and the object's key; its `content` is empty. Replicas
//!   share the bucket, so every replica serves every file.
//!
//! The client is configured the way every AWS tool is: `AmazonS3Builder::from_env()` reads
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL` (or
//! `AWS_ENDPOINT`) for an S3-compatible server, `AWS_ALLOW_HTTP=true` for one on plain
//! HTTP. Embedding code may add settings by name
//! ([`AttachmentSettings::s3_overrides`]).
//!
//! The order of writes keeps rows and objects consistent (see `store::attachments`): an
//! object is written before the transaction of its row begins, and deleted only after the
//! row is gone, so a crash can leave an object without a row (unreachable, harmless) but
//! never a row without its object.

use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::AttachmentSettings;

/// An `s3://bucket/prefix` setting, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectLocation {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's top level.
    pub prefix: String,
}

impl ObjectLocation {
    /// Reads `s3://<bucket>` or `s3://<bucket>/<prefix>` (the prefix may have several
    /// parts: `s3://files/frontline/attachments`).
    pub fn parse(url: &str) -> Result<ObjectLocation, String> {
        let rest = url.trim().strip_prefix("s3://").ok_or_else(|| {
            format!("{url:?} is not an S3 location: expected \"s3://bucket/prefix\"")
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        if !valid_bucket {
            return Err(format!(
                "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, '-' or '.')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        if prefix.split('/').any(|part| part == "." || part == "..")
            || prefix.contains("//")
            || prefix.chars().any(char::is_control)
        {
            return Err(format!("{prefix:?} is not a usable key prefix"));
        }
        Ok(ObjectLocation {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }
}

/// Why the object store could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid `attachments.store`: {0}")]
    Location(String),
    #[error("unknown S3 setting {0:?}")]
    UnknownSetting(String),
    #[error("cannot set up the S3 client for {url}: {cause}")]
    Client {
        url: String,
        cause: object_store::Error,
    },
}

/// Where attachment bytes go.
#[derive(Debug, Clone, Default)]
pub enum FileStorage {
    /// In the store's own rows.
    #[default]
    Inline,
    /// In an S3-compatible bucket.
    Objects(Objects),
}

impl FileStorage {
    /// The storage `[attachments] store` names (the S3 client from the `AWS_*` variables).
    pub fn from_settings(settings: &AttachmentSettings) -> Result<FileStorage, StorageError> {
        let Some(url) = &settings.store else {
            return Ok(FileStorage::Inline);
        };
        let location = ObjectLocation::parse(url).map_err(StorageError::Location)?;
        let mut builder = AmazonS3Builder::from_env();
        for (key, value) in &settings.s3_overrides {
            let key: AmazonS3ConfigKey = key
                .parse()
                .map_err(|_| StorageError::UnknownSetting(key.clone()))?;
            builder = builder.with_config(key, value.expose());
        }
        let client = builder
            .with_bucket_name(&location.bucket)
            .build()
            .map_err(|cause| StorageError::Client {
                url: url.clone(),
                cause,
            })?;
        Ok(FileStorage::Objects(Objects {
            client: Arc::new(client),
            location,
        }))
    }

    /// The bucket, when files go to one.
    pub fn objects(&self) -> Option<&Objects> {
        match self {
            FileStorage::Inline => None,
            FileStorage::Objects(objects) => Some(objects),
        }
    }
}

/// A bucket and key prefix, with its client.
#[derive(Debug, Clone)]
pub struct Objects {
    client: Arc<dyn ObjectStore>,
    location: ObjectLocation,
}

impl Objects {
    pub fn location(&self) -> &ObjectLocation {
        &self.location
    }

    /// The key of attachment `id`'s object: `prefix/<id>`.
    pub fn key(&self, id: &str) -> String {
        if self.location.prefix.is_empty() {
            id.to_string()
        } else {
            format!("{}/{id}", self.location.prefix)
        }
    }

    /// Writes `content` under `key` (replacing what was there).
    pub async fn put(&self, key: &str, content: Vec<u8>) -> Result<(), object_store::Error> {
        self.client
            .put(&Path::from(key), PutPayload::from(content))
            .await?;
        Ok(())
    }

    /// The object under `key`; `None` when there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, object_store::Error> {
        match self.client.get(&Path::from(key)).await {
            Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Deletes the object under `key` (nothing to delete is no error).
    pub async fn delete(&self, key: &str) -> Result<(), object_store::Error> {
        match self.client.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_a_bucket_and_a_prefix() {
        assert_eq!(
            ObjectLocation::parse("s3://shop-files/frontline/attachments/"),
            Ok(ObjectLocation {
                bucket: "shop-files".into(),
                prefix: "frontline/attachments".into()
            })
        );
        assert_eq!(
            ObjectLocation::parse("s3://shop-files"),
            Ok(ObjectLocation {
                bucket: "shop-files".into(),
                prefix: String::new()
            })
        );
        for bad in [
            "https://shop-files/x",
            "s3://",
            "s3://Shop_Files/x",
            "s3://shop-files/a/../b",
            "s3://shop-files/a//b",
        ] {
            assert!(ObjectLocation::parse(bad).is_err(), "{bad}");
        }
    }
}
