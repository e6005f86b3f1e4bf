//! Attachments: files a customer sends with a message, or an agent with a reply.
//!
//! A file is accepted by what its bytes are, never by its name or declared type
//! ([`FileType::sniff`]: PNG, JPEG, GIF, WebP, PDF, plain UTF-8 text; no SVG, no HTML).
//! Images lose their metadata (EXIF with its GPS position, XMP, comments) before they are
//! stored ([`strip_metadata`]). Stored files are served only through short-lived URLs
//! signed for their conversation ([`UrlSigner`]).
//!
//! # Layout
//! - [`file_type`]: the allow-list, by magic bytes.
//! - [`metadata`]: removing image metadata.
//! - [`signed_url`]: signing and checking download links.
//! - [`storage`]: where the bytes go: the store's own rows, or an S3-compatible bucket.
//! - [`Upload`]: one checked file, ready for the store (`Store::append_customer_attachments`,
//!   or an agent's reply through `agent_action`).
//! - [`message_line`]: the transcript line a message with files becomes, whoever sent it.

pub mod file_type;
pub mod metadata;
pub mod signed_url;
pub mod storage;

pub use file_type::FileType;
pub use metadata::strip_metadata;
pub use signed_url::{LinkError, SignedLink, UrlSigner};

/// Why a file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    /// Its bytes are none of the allowed types (whatever its name says).
    #[error(
        "{name:?} is not an allowed file type (images PNG, JPEG, GIF or WebP, PDF, plain text)"
    )]
    NotAllowed { name: String },
    /// It says it is an image but cannot be read as one.
    #[error("{name:?} is a damaged {kind} image")]
    Damaged { name: String, kind: &'static str },
}

/// One file as it will be stored: type checked, metadata removed, name cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The id it will be stored under (`att_…`), chosen when it is checked, so its object
    /// can be written before its row and a caller can answer with it.
    pub id: String,
    pub file_name: String,
    pub file_type: FileType,
    pub content: Vec<u8>,
}

impl Upload {
    /// Checks `content` against the allow-list and removes image metadata; `name` (as the
    /// browser sent it) keeps only its last path component, without control characters,
    /// at most 200 characters (`file` when nothing is left).
    pub fn check(name: &str, content: Vec<u8>) -> Result<Upload, AttachmentError> {
        let file_name = clean_name(name);
        let file_type = FileType::sniff(&content).ok_or_else(|| AttachmentError::NotAllowed {
            name: file_name.clone(),
        })?;
        let content =
            strip_metadata(file_type, content).map_err(|kind| AttachmentError::Damaged {
                name: file_name.clone(),
                kind,
            })?;
        Ok(Upload {
            id: crate::store::new_id("att"),
            file_name,
            file_type,
            content,
        })
    }
}

/// The transcript line of a message with `files`: what was written, then `📎` and the
/// files' names (`📎 parcel.jpg, invoice.pdf`). Chat threads, e-mails and the widget
/// read it as any message; the files themselves hang off the line.
pub fn message_line(text: Option<&str>, files: &[Upload]) -> String {
    let names: Vec<&str> = files.iter().map(|f| f.file_name.as_str()).collect();
    let line = format!("📎 {}", names.join(", "));
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) if files.is_empty() => text.to_string(),
        Some(text) => format!("{text}\n{line}"),
        None => line,
    }
}

fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_string()
    } else {
        cleaned.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_component_only() {
        assert_eq!(clean_name("C:\\Users\\sam\\photo.jpg"), "photo.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\u{7}.txt"), "ab.txt");
        assert_eq!(clean_name(".."), "file");
        assert_eq!(clean_name(""), "file");
    }

    #[test]
    fn an_executable_named_png_is_refused() {
        let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        assert_eq!(
            Upload::check("cat.png", exe),
            Err(AttachmentError::NotAllowed {
                name: "cat.png".into()
            })
        );
    }
}
