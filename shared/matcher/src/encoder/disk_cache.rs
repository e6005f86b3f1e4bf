//! Embeddings on disk, keyed by content hash and model: a reload (or the next start)
//! re-embeds only texts it has not seen.
//!
//! One append-only file per model, `<dir>/<model>.embeddings`: records of the SHA-256 of
//! the text ([`cache_key`](super::cache_key)) followed by `dim` little-endian f32. A
//! truncated last record (a crash mid-write) is ignored and overwritten.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::EncoderError;

/// The on-disk embedding cache of one model.
#[derive(Debug)]
pub struct DiskCache {
    path: PathBuf,
    dim: usize,
    known: HashMap<[u8; 32], Vec<f32>>,
    /// Records not yet written.
    pending: Vec<([u8; 32], Vec<f32>)>,
    /// Length of the file's whole records (where the next record goes).
    valid_len: u64,
}

impl DiskCache {
    /// Opens (or starts) the cache of `model` in `dir`; an unreadable file starts empty.
    pub fn open(dir: &Path, model: &str, dim: usize) -> DiskCache {
        let path = dir.join(format!("{model}.embeddings"));
        let bytes = std::fs::read(&path).unwrap_or_default();
        let record = 32 + 4 * dim;
        let mut known = HashMap::new();
        for chunk in bytes.chunks_exact(record) {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&chunk[..32]);
            let vector = chunk[32..]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            known.insert(hash, vector);
        }
        let valid_len = (bytes.len() - bytes.len() % record) as u64;
        DiskCache {
            path,
            dim,
            known,
            pending: Vec::new(),
            valid_len,
        }
    }

    /// How many embeddings the cache holds.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<Vec<f32>> {
        self.known.get(&hash(key)).cloned()
    }

    pub fn insert(&mut self, key: &str, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let h = hash(key);
        if self.known.insert(h, vector.to_vec()).is_none() {
            self.pending.push((h, vector.to_vec()));
        }
    }

    /// Appends the new records to the file.
    pub fn flush(&mut self) -> Result<(), EncoderError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let failed = |e: std::io::Error| EncoderError::Missing {
            path: path.clone(),
            message: e.to_string(),
        };
        if let Some(parent) = self.path.parent() {
            std::fs::create_dir_all(parent).map_err(failed)?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.path)
            .map_err(failed)?;
        file.set_len(self.valid_len).map_err(failed)?;
        let mut out = std::io::BufWriter::new(file);
        std::io::Seek::seek(&mut out, std::io::SeekFrom::Start(self.valid_len)).map_err(failed)?;
        for (h, vector) in self.pending.drain(..) {
            out.write_all(&h).map_err(failed)?;
            for v in vector {
                out.write_all(&v.to_le_bytes()).map_err(failed)?;
            }
            self.valid_len += (32 + 4 * self.dim) as u64;
        }
        out.flush().map_err(failed)
    }
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}
