//! Embeddings on disk, keyed by content hash and model: a reload (or the next start)
//! re-embeds only texts it has not seen.
//!
//! One append-only file per model, `<dir>/<model>.embeddings`: records of the SHA-256 of
//! the text ([`cache_key`](super::cache_key)) followed by `dim` little-endian f32. A
//! truncated last record (a crash mid-write) is ignored and overwritten. Several handles
//! may be open on one file (sites sharing a cache folder, a background embedding beside
//! a load): each appends its new records after the file's whole records as they are when
//! it flushes, so none drops what another wrote.

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
        DiskCache {
            path,
            dim,
            known,
            pending: Vec::new(),
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

    /// Appends the new records to the file, after its whole records as they are now (a
    /// partial last record is overwritten).
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
        let record = (32 + 4 * self.dim) as u64;
        let len = file.metadata().map_err(failed)?.len();
        let whole = len - len % record;
        file.set_len(whole).map_err(failed)?;
        let mut out = std::io::BufWriter::new(file);
        std::io::Seek::seek(&mut out, std::io::SeekFrom::Start(whole)).map_err(failed)?;
        for (h, vector) in self.pending.drain(..) {
            out.write_all(&h).map_err(failed)?;
            for v in vector {
                out.write_all(&v.to_le_bytes()).map_err(failed)?;
            }
        }
        out.flush().map_err(failed)
    }
}

fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::DiskCache;

    #[test]
    fn two_handles_on_one_file_keep_each_others_records() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Both open the file while it is empty, as a load and its background embedding
        // (or two sites sharing the folder) may; each flushes its own record.
        let mut first = DiskCache::open(dir.path(), "m", 2);
        let mut second = DiskCache::open(dir.path(), "m", 2);
        first.insert("a question", &[1.0, 2.0]);
        first.flush().expect("first flush");
        second.insert("an article", &[3.0, 4.0]);
        second.flush().expect("second flush");
        let reopened = DiskCache::open(dir.path(), "m", 2);
        assert_eq!(reopened.len(), 2);
        assert_eq!(reopened.get("a question"), Some(vec![1.0, 2.0]));
        assert_eq!(reopened.get("an article"), Some(vec![3.0, 4.0]));
    }

    #[test]
    fn a_partial_last_record_is_overwritten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cache = DiskCache::open(dir.path(), "m", 2);
        cache.insert("kept", &[1.0, 2.0]);
        cache.flush().expect("flush");
        // A crash in the middle of the next record: 10 of its 40 bytes (32 + 2 × 4).
        let path = dir.path().join("m.embeddings");
        let mut bytes = std::fs::read(&path).expect("read");
        assert_eq!(bytes.len(), 40);
        bytes.extend_from_slice(&[7u8; 10]);
        std::fs::write(&path, &bytes).expect("write");
        let mut reopened = DiskCache::open(dir.path(), "m", 2);
        assert_eq!(reopened.len(), 1);
        reopened.insert("after the crash", &[5.0, 6.0]);
        reopened.flush().expect("flush");
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), 80);
        let last = DiskCache::open(dir.path(), "m", 2);
        assert_eq!(last.get("kept"), Some(vec![1.0, 2.0]));
        assert_eq!(last.get("after the crash"), Some(vec![5.0, 6.0]));
    }
}
