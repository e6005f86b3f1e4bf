//! The customer export as one zip archive (GDPR, `GET …/export?format=zip`).
//!
//! - `export.json`: the export document, exactly as the JSON export returns it;
//! - `attachments/{attachment id}/{file name}`: each file the customer sent, as stored
//!   (image metadata already removed). The id is the one `export.json` lists, and file
//!   names were reduced to their last path part when stored, so no entry leaves its folder.
//!
//! Entries are deflated; the archive is built in memory (files are at most
//! `[attachments] max_bytes` each), off the async threads by the caller.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::store::attachments::{AttachmentMeta, StoredAttachment};
use crate::store::customer_data::CustomerExport;
use crate::store::{Store, StoreError};

/// The archive entry holding the JSON document.
pub const JSON_ENTRY: &str = "export.json";

/// Why an archive could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the archive: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot encode the export: {0}")]
    Json(#[from] serde_json::Error),
}

/// The entry name of a file in the archive: `attachments/{id}/{file name}`.
pub fn attachment_entry(meta: &AttachmentMeta) -> String {
    format!("attachments/{}/{}", meta.id, meta.file_name)
}

/// Every file `export` lists, with its content (files erased meanwhile are left out).
pub async fn files_of(
    store: &Store,
    export: &CustomerExport,
) -> Result<Vec<StoredAttachment>, StoreError> {
    let mut files = Vec::new();
    for conversation in &export.conversations {
        for meta in &conversation.attachments {
            files.extend(store.attachment(&meta.id).await?);
        }
    }
    Ok(files)
}

/// The zip archive of `export` and its `files`.
pub fn build(export: &CustomerExport, files: &[StoredAttachment]) -> Result<Vec<u8>, ArchiveError> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file(JSON_ENTRY, options)?;
    zip.write_all(&serde_json::to_vec_pretty(export)?)?;
    for file in files {
        zip.start_file(attachment_entry(&file.meta), options)?;
        zip.write_all(&file.content)?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_archive_holds_the_json_and_each_file_under_its_id() {
        let meta = AttachmentMeta {
            id: "att_1".into(),
            conversation_id: "conv_1".into(),
            message_id: 3,
            file_name: "invoice.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 9,
            created_at_ms: 5,
        };
        let export = CustomerExport {
            email: "sam@example.com".into(),
            conversations: Vec::new(),
        };
        let file = StoredAttachment {
            meta,
            content: b"%PDF-1.4\n".to_vec(),
        };
        let bytes = build(&export, &[file]).expect("archive");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
        let mut json = String::new();
        archive
            .by_name("export.json")
            .expect("json entry")
            .read_to_string(&mut json)
            .expect("read");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(
            value,
            serde_json::json!({"email": "sam@example.com", "conversations": []})
        );
        let mut pdf = Vec::new();
        archive
            .by_name("attachments/att_1/invoice.pdf")
            .expect("file entry")
            .read_to_end(&mut pdf)
            .expect("read");
        assert_eq!(pdf, b"%PDF-1.4\n");
    }
}
