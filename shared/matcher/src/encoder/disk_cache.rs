//! Embeddings on disk, keyed by content hash and model: a reload (or the next start)
//! re-embeds only texts it has not seen.
//!
//! One append-only file per model, `<dir>/<model>.embeddings`: records of the SHA-256 of
//! the text ([`cache_key`](super::cache_key)) followed by `dim` little-endian f32. A
//! truncated last record (a crash mid-write) is ignored and overwritten. Several handles
//! may be open on one file (sites sharing a cache folder, a background embedding beside
//! a load, replicas of one installation): each appends its new records after the file's
//! whole records as they are when it flushes, holding the file's exclusive lock while it
//! does, so none drops or interleaves with what another wrote.

use std::collections::HashMap;
use std::fs::{File, TryLockError};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::EncoderError;

/// A record's SHA-256, before its embedding.
const HASH_BYTES: usize = 32;

/// The on-disk embedding cache of one model.
///
/// Opening it reads only the records' hashes: an embedding is read from the file when it
/// is asked for. A warm start of a large help centre asks for every one once, so holding
/// them all in memory as well only doubled what the load held at its peak (10,000
/// articles: 16 MB) and left it to the allocator afterwards.
#[derive(Debug)]
pub struct DiskCache {
    path: PathBuf,
    dim: usize,
    /// The file as it was opened (`None` when there was none), read by [`get`](Self::get).
    file: Option<Mutex<File>>,
    /// Where each embedding of the file starts (the byte after its hash), by hash.
    on_disk: HashMap<[u8; 32], u64>,
    /// Embeddings inserted since the cache was opened.
    added: HashMap<[u8; 32], Vec<f32>>,
    /// The hashes of inserted embeddings not yet written, in insertion order.
    pending: Vec<[u8; 32]>,
}

impl DiskCache {
    /// Opens (or starts) the cache of `model` in `dir`; an unreadable file starts empty.
    pub fn open(dir: &Path, model: &str, dim: usize) -> DiskCache {
        let path = dir.join(format!("{model}.embeddings"));
        let (file, on_disk) = match File::open(&path) {
            Ok(file) => {
                let on_disk = record_offsets(&file, 4 * dim).unwrap_or_default();
                (Some(Mutex::new(file)), on_disk)
            }
            Err(_) => (None, HashMap::new()),
        };
        DiskCache {
            path,
            dim,
            file,
            on_disk,
            added: HashMap::new(),
            pending: Vec::new(),
        }
    }

    /// How many embeddings the cache holds.
    pub fn len(&self) -> usize {
        self.on_disk.len() + self.added.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the cache holds the embedding of `key` (without reading it).
    pub fn contains(&self, key: &str) -> bool {
        let h = hash(key);
        self.on_disk.contains_key(&h) || self.added.contains_key(&h)
    }

    /// The embedding of `key`; `None` when the cache has none or its file cannot be read
    /// (then the text is embedded again).
    pub fn get(&self, key: &str) -> Option<Vec<f32>> {
        let h = hash(key);
        if let Some(vector) = self.added.get(&h) {
            return Some(vector.clone());
        }
        let offset = *self.on_disk.get(&h)?;
        let mut file = self
            .file
            .as_ref()?
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The whole record, its hash first: should the file have changed under the
        // offsets read at open (truncated, rewritten), a record that is not this text's
        // is not returned for it; the text is embedded again.
        let mut bytes = vec![0u8; HASH_BYTES + 4 * self.dim];
        file.seek(SeekFrom::Start(offset.checked_sub(HASH_BYTES as u64)?))
            .ok()?;
        file.read_exact(&mut bytes).ok()?;
        let (stored, vector) = bytes.split_at(HASH_BYTES);
        if stored != h {
            return None;
        }
        Some(
            vector
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
        )
    }

    pub fn insert(&mut self, key: &str, vector: &[f32]) {
        if vector.len() != self.dim {
            return;
        }
        let h = hash(key);
        if self.on_disk.contains_key(&h) || self.added.contains_key(&h) {
            return;
        }
        self.added.insert(h, vector.to_vec());
        self.pending.push(h);
    }

    /// Appends the new records to the file, after its whole records as they are now (a
    /// partial last record is overwritten).
    pub fn flush(&mut self) -> Result<(), EncoderError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let failed = |e: std::io::Error| EncoderError::CacheWrite {
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
        // One writer at a time, across handles and processes: two appending at once from
        // the same end would interleave their records' bytes, one text's hash before
        // another's vector. Closing the file (the end of this function) releases it.
        lock_within(&file, LOCK_WAIT).map_err(failed)?;
        let record = (32 + 4 * self.dim) as u64;
        let len = file.metadata().map_err(failed)?.len();
        let whole = len - len % record;
        file.set_len(whole).map_err(failed)?;
        let mut out = std::io::BufWriter::new(file);
        out.seek(SeekFrom::Start(whole)).map_err(failed)?;
        for h in self.pending.drain(..) {
            let Some(vector) = self.added.get(&h) else {
                continue;
            };
            out.write_all(&h).map_err(failed)?;
            for v in vector {
                out.write_all(&v.to_le_bytes()).map_err(failed)?;
            }
        }
        out.flush().map_err(failed)
    }
}

/// How long a flush waits for another writer to finish before giving up (the load goes on;
/// these texts are embedded again next time). A writer appends a few MB in well under a
/// second; a holder that never lets go (a stopped process) must not hold up every load.
const LOCK_WAIT: Duration = Duration::from_secs(30);

/// Takes `file`'s exclusive lock, waiting at most `wait` for another holder.
fn lock_within(file: &File, wait: Duration) -> std::io::Result<()> {
    let deadline = Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("another writer held the file's lock for {wait:?}"),
                ))
            }
            Err(TryLockError::Error(error)) => return Err(error),
        }
    }
}

/// The hash of every whole record of `file` (records of a 32-byte hash and
/// `vector_bytes`), with where its vector starts; a partial last record is left out.
fn record_offsets(file: &File, vector_bytes: usize) -> std::io::Result<HashMap<[u8; 32], u64>> {
    let record = 32 + vector_bytes as u64;
    let records = file.metadata()?.len() / record;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut offsets = HashMap::with_capacity(records as usize);
    for i in 0..records {
        let mut h = [0u8; 32];
        reader.read_exact(&mut h)?;
        reader.seek_relative(vector_bytes as i64)?;
        offsets.insert(h, i * record + 32);
    }
    Ok(offsets)
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
        assert!(reopened.contains("a question") && !reopened.contains("another question"));
        assert_eq!(reopened.get("another question"), None);
        assert_eq!(reopened.get("a question"), Some(vec![1.0, 2.0]));
        assert_eq!(reopened.get("an article"), Some(vec![3.0, 4.0]));
    }

    #[test]
    fn writers_flushing_at_once_keep_every_record_whole() {
        // Eight handles (replicas sharing the folder) open the empty file and flush 100
        // records each at the same moment: each record must come back as written.
        const WRITERS: usize = 8;
        const RECORDS: usize = 100;
        const DIM: usize = 384;
        let dir = tempfile::tempdir().expect("tempdir");
        let start = std::sync::Barrier::new(WRITERS);
        let vector = |w: usize, r: usize| -> Vec<f32> {
            (0..DIM)
                .map(|d| (w * 1_000_000 + r * 1_000 + d) as f32)
                .collect()
        };
        std::thread::scope(|scope| {
            for w in 0..WRITERS {
                let (dir, start) = (dir.path(), &start);
                scope.spawn(move || {
                    let mut cache = DiskCache::open(dir, "m", DIM);
                    for r in 0..RECORDS {
                        cache.insert(&format!("writer {w} text {r}"), &vector(w, r));
                    }
                    start.wait();
                    cache.flush().expect("flush");
                });
            }
        });
        let reopened = DiskCache::open(dir.path(), "m", DIM);
        assert_eq!(reopened.len(), WRITERS * RECORDS);
        for w in 0..WRITERS {
            for r in 0..RECORDS {
                assert_eq!(
                    reopened.get(&format!("writer {w} text {r}")),
                    Some(vector(w, r)),
                    "writer {w}, record {r}"
                );
            }
        }
    }

    #[test]
    fn a_writer_gives_up_on_a_lock_held_too_long() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.embeddings");
        let holder = std::fs::File::create(&path).expect("create");
        holder.lock().expect("the holder's lock");
        let writer = std::fs::File::open(&path).expect("open");
        let wait = std::time::Duration::from_millis(50);
        let error = super::lock_within(&writer, wait).expect_err("held by the other handle");
        assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
        drop(holder);
        super::lock_within(&writer, wait).expect("free once the holder closed the file");
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

    #[test]
    fn a_record_rewritten_after_opening_is_not_returned_for_another_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = DiskCache::open(dir.path(), "m", 2);
        writer.insert("first", &[1.0, 2.0]);
        writer.flush().expect("flush");
        let reader = DiskCache::open(dir.path(), "m", 2);
        // The file is rewritten in place in between: a different text's record now sits
        // where "first"'s was.
        let elsewhere = tempfile::tempdir().expect("tempdir");
        let mut other = DiskCache::open(elsewhere.path(), "m", 2);
        other.insert("second", &[8.0, 9.0]);
        other.flush().expect("flush");
        let record = std::fs::read(elsewhere.path().join("m.embeddings")).expect("read");
        std::fs::write(dir.path().join("m.embeddings"), record).expect("rewrite");
        assert_eq!(
            reader.get("first"),
            None,
            "embedded again, not another text's vector"
        );
        assert_eq!(
            DiskCache::open(dir.path(), "m", 2).get("second"),
            Some(vec![8.0, 9.0])
        );
    }
}
