//! The allow-list of file types, recognized by magic bytes (crate `infer`).
//!
//! SVG and HTML are not on it: both can carry scripts. Plain text has no magic bytes: a
//! file is text when it is valid UTF-8 without NUL or other control characters than tab,
//! line feed, carriage return and form feed (so binaries with a `.txt` name are refused).

use serde::Serialize;

/// An allowed file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
    Text,
}

impl FileType {
    /// What `content` is, if it is allowed.
    pub fn sniff(content: &[u8]) -> Option<FileType> {
        if let Some(kind) = infer::get(content) {
            return match kind.mime_type() {
                "image/png" => Some(FileType::Png),
                "image/jpeg" => Some(FileType::Jpeg),
                "image/gif" => Some(FileType::Gif),
                "image/webp" => Some(FileType::Webp),
                "application/pdf" => Some(FileType::Pdf),
                _ => None,
            };
        }
        is_plain_text(content).then_some(FileType::Text)
    }

    /// The `Content-Type` it is served with.
    pub fn mime_type(self) -> &'static str {
        match self {
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Gif => "image/gif",
            FileType::Webp => "image/webp",
            FileType::Pdf => "application/pdf",
            FileType::Text => "text/plain; charset=utf-8",
        }
    }

    /// The type stored as `mime_type`, if it is one.
    pub fn from_mime_type(mime: &str) -> Option<FileType> {
        [
            FileType::Png,
            FileType::Jpeg,
            FileType::Gif,
            FileType::Webp,
            FileType::Pdf,
            FileType::Text,
        ]
        .into_iter()
        .find(|t| t.mime_type() == mime)
    }

    /// Images are shown inline; everything else is downloaded.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            FileType::Png | FileType::Jpeg | FileType::Gif | FileType::Webp
        )
    }
}

fn is_plain_text(content: &[u8]) -> bool {
    !content.is_empty()
        && std::str::from_utf8(content).is_ok_and(|text| {
            text.chars()
                .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        })
}

#[cfg(test)]
mod tests {
    use super::FileType;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            FileType::sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(FileType::Png)
        );
        assert_eq!(
            FileType::sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Some(FileType::Jpeg)
        );
        assert_eq!(FileType::sniff(b"GIF89a\x01\0\x01\0"), Some(FileType::Gif));
        assert_eq!(FileType::sniff(b"%PDF-1.7\n"), Some(FileType::Pdf));
        assert_eq!(
            FileType::sniff(b"Order 100234\r\nthanks"),
            Some(FileType::Text)
        );
        assert_eq!(FileType::sniff("Grüße\n".as_bytes()), Some(FileType::Text));
    }

    #[test]
    fn scripts_archives_and_binaries_are_refused() {
        assert_eq!(FileType::sniff(b"MZ\x90\0\x03\0\0\0"), None, "exe");
        assert_eq!(FileType::sniff(b"\x7fELF\x02\x01\x01"), None, "elf");
        assert_eq!(FileType::sniff(b"PK\x03\x04\x14\0"), None, "zip");
        assert_eq!(FileType::sniff(b"text\0with nul"), None, "nul");
        assert_eq!(FileType::sniff(b""), None, "empty");
        assert_eq!(FileType::sniff(b"\xff\xfe\xfd"), None, "not utf-8");
    }
}
