//! One module per source; each turns the source's API or saved export into
//! [`Fetched`](crate::fetched::Fetched) articles. Nothing here writes files.
//!
//! Adding a source: a module with `fetch(api, …)` for the API and `from_export(json)` for
//! a saved export, a subcommand in [`cli`](crate::cli), and a loopback stand-in test in
//! `tests/tests/suite/import.rs` that follows the provider's published documentation.

pub mod csv;
pub mod freshdesk;
pub mod helpscout;
pub mod intercom;
pub mod zendesk;

use crate::error::ImportError;
use std::path::Path;

/// Reads a saved export file as JSON.
pub fn read_export(path: &Path) -> Result<serde_json::Value, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| ImportError::file(path, e))
}

/// The JSON array at `key` of `json` (missing: empty).
pub fn items<'a>(json: &'a serde_json::Value, key: &str) -> &'a [serde_json::Value] {
    json.get(key)
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A JSON id (number or string) as text.
pub fn id_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
