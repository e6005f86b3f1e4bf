//! Removing image metadata before storage (crate `img-parts`): a phone photo's EXIF holds
//! the GPS position it was taken at, the device and the time.
//!
//! - JPEG: every APP1 (EXIF, XMP), APP12, APP13 (IPTC, Photoshop) segment and comment
//!   goes; JFIF (APP0), the colour profile (APP2) and Adobe's colour transform (APP14),
//!   which decoding needs, stay.
//! - PNG: `eXIf`, the text chunks (`tEXt`, `zTXt`, `iTXt`) and `tIME` go.
//! - WebP: the `EXIF` and `XMP ` chunks go.
//! - GIF carries no EXIF; PDF and text are stored as sent.

use img_parts::jpeg::{markers, Jpeg};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF};

use super::FileType;

/// `content` without its metadata; `Err` names the image kind when it cannot be parsed.
pub fn strip_metadata(file_type: FileType, content: Vec<u8>) -> Result<Vec<u8>, &'static str> {
    let bytes = Bytes::from(content);
    match file_type {
        FileType::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(|_| "JPEG")?;
            for marker in [markers::APP1, markers::APP12, markers::APP13, markers::COM] {
                jpeg.remove_segments_by_marker(marker);
            }
            Ok(jpeg.encoder().bytes().to_vec())
        }
        FileType::Png => {
            let mut png = Png::from_bytes(bytes).map_err(|_| "PNG")?;
            for kind in [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"] {
                png.remove_chunks_by_type(kind);
            }
            Ok(png.encoder().bytes().to_vec())
        }
        FileType::Webp => {
            let mut webp = WebP::from_bytes(bytes).map_err(|_| "WebP")?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            Ok(webp.encoder().bytes().to_vec())
        }
        FileType::Gif | FileType::Pdf | FileType::Text => Ok(bytes.to_vec()),
    }
}
