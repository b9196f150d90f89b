//! The persistent cache of measured times: one JSON file, every entry keyed by the device,
//! the backend, the Strata version and the candidate's exact signature.
//!
//! - Entries of another device, backend or version stay in the file (a cache built on one
//!   machine can be shipped with a model, and may hold several) but are never used here.
//! - Writers merge under an exclusive lock on `FILE.lock` and replace the file by a rename, so
//!   two compiles at once lose nothing and a reader never sees half a file.
//! - The file carries its format name, a format version and a CRC-32 of its entries. A file
//!   that is not a cache (foreign) is reported and never written over; a damaged one (bad
//!   JSON, a wrong checksum, an impossible time) or one of another format version is
//!   reported and ignored, and the next write moves it aside to `FILE.bad` before writing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The format's name, in every file.
pub const FORMAT: &str = "strata-fastrun";
/// Bumped when entries change meaning (2: CPU times taken with twice the graph's weights read
/// between calls); a file of another version is set aside, not read.
pub const FORMAT_VERSION: u32 = 2;

/// Whose times an entry holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Scope {
    /// The processor (model, vector features) or GPU (name, compute capability).
    pub device: String,
    /// The code generator and how it runs (`llvm vector-bits=512 threads=2`).
    pub backend: String,
    /// The Strata version that generated the code.
    pub strata: String,
}

/// One measured candidate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(flatten)]
    pub scope: Scope,
    /// [`super::Candidate::signature`].
    pub candidate: String,
    /// Median seconds of the timed runs (a lower bound when `cut`).
    pub seconds: f64,
    pub runs: u32,
    /// (max − min) / median of the runs kept.
    pub spread: f64,
    /// Stopped after two timed runs for being far slower than the best of its problem.
    pub cut: bool,
    /// When, in seconds since the Unix epoch.
    pub measured_at: u64,
}

impl Entry {
    fn key(&self) -> (Scope, String) {
        (self.scope.clone(), self.candidate.clone())
    }

    /// Why the entry cannot be a measurement, if it cannot.
    fn defect(&self) -> Option<String> {
        if !(self.seconds.is_finite() && self.seconds > 0.0) {
            return Some(format!("entry '{}' has time {}", self.candidate, self.seconds));
        }
        if self.runs == 0 || !(self.spread.is_finite() && self.spread >= 0.0) {
            return Some(format!("entry '{}' has {} runs and spread {}", self.candidate, self.runs, self.spread));
        }
        if self.candidate.is_empty() || self.scope.device.is_empty() || self.scope.backend.is_empty() {
            return Some("an entry without a candidate, device or backend".into());
        }
        None
    }
}

#[derive(Serialize, Deserialize)]
struct Contents {
    format: String,
    version: u32,
    /// CRC-32 of `entries` as serialized, in hex.
    checksum: String,
    entries: Vec<Entry>,
}

/// What can go wrong with a cache file.
#[derive(Debug, Error)]
pub enum CacheError {
    #[error("fast-run cache {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// Not a cache file, or one of another format version: never written over.
    #[error("fast-run cache {path} is not a cache of this Strata ({why}); it is ignored and left as it is")]
    Foreign { path: PathBuf, why: String },
    /// A cache file that is damaged or of another format version: ignored, and moved aside
    /// to `FILE.bad` by the next write.
    #[error("fast-run cache {path} is corrupt or outdated ({why}); it is ignored")]
    Corrupt { path: PathBuf, why: String },
    /// Entries that cannot be measurements, refused before they are written.
    #[error("fast-run cache {path}: not writing {why}")]
    Invalid { path: PathBuf, why: String },
}

/// A cache file.
#[derive(Clone, Debug)]
pub struct CacheFile {
    path: PathBuf,
}

/// What a write found and did.
#[derive(Debug, Default)]
pub struct Written {
    /// Entries in the file after the write.
    pub entries: usize,
    /// Why the file the write found was damaged or outdated (it was moved to `FILE.bad`).
    pub replaced_corrupt: Option<String>,
}

impl CacheFile {
    pub fn at(path: impl Into<PathBuf>) -> CacheFile {
        CacheFile { path: path.into() }
    }

    /// `strata/fastrun.json` in the user's cache directory (`$XDG_CACHE_HOME`, else
    /// `~/.cache` on Linux), or `None` where there is none.
    pub fn default_path() -> Option<PathBuf> {
        dirs::cache_dir().map(|d| d.join("strata").join("fastrun.json"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every entry in the file, of every scope; a missing file is an empty cache.
    pub fn load(&self) -> Result<Vec<Entry>, CacheError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(self.foreign("it is not UTF-8 text"));
            }
            Err(source) => return Err(CacheError::Io { path: self.path.clone(), source }),
        };
        self.parse(&text)
    }

    fn foreign(&self, why: impl Into<String>) -> CacheError {
        CacheError::Foreign { path: self.path.clone(), why: why.into() }
    }

    fn corrupt(&self, why: impl Into<String>) -> CacheError {
        CacheError::Corrupt { path: self.path.clone(), why: why.into() }
    }

    fn parse(&self, text: &str) -> Result<Vec<Entry>, CacheError> {
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
            // A cache cut short still opens with its format, as every cache is written.
            Err(e) if looks_like_a_cache(text) => return Err(self.corrupt(format!("not valid JSON: {e}"))),
            Err(_) => return Err(self.foreign("not JSON of the fast-run format")),
        };
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(self.foreign(format!("format '{other}'"))),
            None => return Err(self.foreign("no 'format' field")),
        }
        match value.get("version").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(FORMAT_VERSION) => {}
            Some(v) => return Err(self.corrupt(format!("format version {v}, this Strata reads {FORMAT_VERSION}"))),
            None => return Err(self.corrupt("no format version")),
        }
        let contents: Contents =
            serde_json::from_value(value).map_err(|e| self.corrupt(format!("unexpected contents: {e}")))?;
        let sum = checksum(&contents.entries);
        if contents.checksum != sum {
            return Err(self.corrupt(format!("checksum {} where the entries sum to {sum}", contents.checksum)));
        }
        if let Some(why) = contents.entries.iter().find_map(Entry::defect) {
            return Err(self.corrupt(why));
        }
        Ok(contents.entries)
    }

    /// Adds `new` to the file under its lock: an entry of the same scope and candidate is
    /// replaced by the later measurement. A damaged file is replaced (and said so); a foreign
    /// one is an error and stays as it is.
    pub fn merge(&self, new: &[Entry]) -> Result<Written, CacheError> {
        self.update(|old| {
            let mut all: BTreeMap<(Scope, String), Entry> = old.into_iter().map(|e| (e.key(), e)).collect();
            for e in new {
                match all.get(&e.key()) {
                    Some(kept) if kept.measured_at > e.measured_at => {}
                    _ => {
                        all.insert(e.key(), e.clone());
                    }
                }
            }
            all.into_values().collect()
        })
    }

    /// Rewrites the file under its lock with what `change` makes of its entries (a damaged
    /// file counts as empty; a foreign one is an error).
    pub fn update(&self, change: impl FnOnce(Vec<Entry>) -> Vec<Entry>) -> Result<Written, CacheError> {
        let io = |source| CacheError::Io { path: self.path.clone(), source };
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".lock");
        // The lock file is left in place: deleting it would let a waiting writer lock a file
        // that a newer writer no longer sees.
        let lock = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path).map_err(io)?;
        lock.lock().map_err(io)?;
        let (old, replaced_corrupt) = match self.load() {
            Ok(entries) => (entries, None),
            Err(CacheError::Corrupt { why, .. }) => {
                // Kept for a look rather than lost: a shipped cache may hold other devices'.
                let mut aside = self.path.clone().into_os_string();
                aside.push(".bad");
                std::fs::rename(&self.path, &aside).map_err(io)?;
                (Vec::new(), Some(why))
            }
            Err(e) => return Err(e),
        };
        let mut entries = change(old);
        if let Some(why) = entries.iter().find_map(Entry::defect) {
            return Err(CacheError::Invalid { path: self.path.clone(), why });
        }
        entries.sort_by_key(Entry::key);
        let contents =
            Contents { format: FORMAT.into(), version: FORMAT_VERSION, checksum: checksum(&entries), entries };
        let text = serde_json::to_string_pretty(&contents).expect("entries serialize");
        let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
        // A cache others read keeps its permissions (a temporary file starts private).
        let permissions = match std::fs::metadata(&self.path) {
            Ok(m) => m.permissions(),
            Err(_) => {
                let mut p = tmp.as_file().metadata().map_err(io)?.permissions();
                set_readable(&mut p);
                p
            }
        };
        tmp.as_file().set_permissions(permissions).map_err(io)?;
        tmp.write_all(text.as_bytes()).and_then(|_| tmp.as_file().sync_all()).map_err(io)?;
        tmp.persist(&self.path).map_err(|e| io(e.error))?;
        drop(lock);
        Ok(Written { entries: contents.entries.len(), replaced_corrupt })
    }
}

/// Whether unparsable `text` was meant to be a cache: it opens as every cache is written.
fn looks_like_a_cache(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).take(40).collect();
    compact.starts_with(&format!("{{\"format\":\"{FORMAT}\""))
}

/// Read and write for the owner, read for everyone else, as files are made by default.
fn set_readable(p: &mut std::fs::Permissions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.set_mode(0o644);
    }
    #[cfg(not(unix))]
    p.set_readonly(false);
}

/// CRC-32 of the entries as serialized, in hex.
fn checksum(entries: &[Entry]) -> String {
    let text = serde_json::to_string(entries).expect("entries serialize");
    format!("{:08x}", crc32fast::hash(text.as_bytes()))
}

/// Seconds since the Unix epoch, for [`Entry::measured_at`].
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(device: &str) -> Scope {
        Scope { device: device.into(), backend: "cranelift threads=1".into(), strata: "0.1.0".into() }
    }

    fn entry(device: &str, candidate: &str, seconds: f64, at: u64) -> Entry {
        Entry {
            scope: scope(device),
            candidate: candidate.into(),
            seconds,
            runs: 5,
            spread: 0.1,
            cut: false,
            measured_at: at,
        }
    }

    #[test]
    fn entries_round_trip_and_later_measurements_win() {
        let dir = tempfile::tempdir().unwrap();
        let cache = CacheFile::at(dir.path().join("sub").join("c.json"));
        assert!(cache.load().unwrap().is_empty(), "a missing file is an empty cache");
        // Times as measured, not round numbers: they must read back bit for bit, or the
        // checksum fails.
        let odd: Vec<Entry> =
            (10..50).map(|i| entry("cpu c", &format!("t{i}"), 0.000873747 * (i as f64).sqrt() / 3.0, 1)).collect();
        cache.merge(&odd).unwrap();
        assert_eq!(cache.load().unwrap(), odd, "entries come back in key order");
        cache.update(|_| Vec::new()).unwrap();
        cache.merge(&[entry("cpu a", "x", 1e-3, 10), entry("cpu b", "x", 2e-3, 10)]).unwrap();
        cache.merge(&[entry("cpu a", "x", 3e-3, 20), entry("cpu a", "y", 4e-3, 5)]).unwrap();
        // An older measurement does not replace a newer one.
        cache.merge(&[entry("cpu a", "x", 9e-3, 15)]).unwrap();
        let all = cache.load().unwrap();
        assert_eq!(all.len(), 3);
        let find = |d: &str, c: &str| all.iter().find(|e| e.scope.device == d && e.candidate == c).unwrap().seconds;
        assert_eq!(find("cpu a", "x"), 3e-3);
        assert_eq!(find("cpu b", "x"), 2e-3);
        assert_eq!(find("cpu a", "y"), 4e-3);
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::thread::scope(|s| {
            for w in 0..8 {
                let path = path.clone();
                s.spawn(move || {
                    // Each writer its own handle, as two compiles in two processes have.
                    let cache = CacheFile::at(path);
                    for i in 0..10 {
                        cache.merge(&[entry("cpu", &format!("w{w} c{i}"), 1e-3, 1)]).unwrap();
                    }
                });
            }
        });
        let all = CacheFile::at(&path).load().unwrap();
        assert_eq!(all.len(), 80);
    }

    #[test]
    fn damaged_files_are_reported_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let cache = CacheFile::at(&path);
        cache.merge(&[entry("cpu", "x", 1e-3, 1)]).unwrap();
        let good = std::fs::read_to_string(&path).unwrap();
        // A time edited by hand: the checksum no longer holds.
        let edited = good.replace("0.001", "0.002");
        assert_ne!(edited, good);
        let cases = [
            edited,
            good[..good.len() / 2].to_string(),
            good.replace(&format!("\"checksum\": \"{}\"", checksum(&cache.load().unwrap())), "\"checksum\": \"0\""),
        ];
        for damaged in cases {
            std::fs::write(&path, &damaged).unwrap();
            let err = cache.load().unwrap_err();
            assert!(matches!(err, CacheError::Corrupt { .. }), "{err}");
            assert!(err.to_string().contains("corrupt"), "{err}");
            let written = cache.merge(&[entry("cpu", "y", 1e-3, 1)]).unwrap();
            assert!(written.replaced_corrupt.is_some());
            assert_eq!(cache.load().unwrap().len(), 1, "the damaged entries are set aside, the new one kept");
            assert_eq!(std::fs::read_to_string(dir.path().join("c.json.bad")).unwrap(), damaged, "kept aside");
        }
        // An impossible time under a valid checksum is still not trusted.
        let mut bad = entry("cpu", "z", -1.0, 1);
        bad.seconds = -1.0;
        let contents =
            Contents { format: FORMAT.into(), version: 1, checksum: checksum(&[bad.clone()]), entries: vec![bad] };
        std::fs::write(&path, serde_json::to_string(&contents).unwrap()).unwrap();
        assert!(matches!(cache.load(), Err(CacheError::Corrupt { .. })));
    }

    /// Every prefix of a cache file and every one-byte change of it either loads as the
    /// entries written or is an error: nothing panics, and no damage is trusted.
    #[test]
    fn damaged_bytes_never_pass_for_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let cache = CacheFile::at(&path);
        let written = vec![entry("cpu", "x", 1.25e-3, 7), entry("cpu", "y", 3.5e-4, 8)];
        cache.merge(&written).unwrap();
        let good = std::fs::read(&path).unwrap();
        let mut draw = strata_runtime::random::SplitMix(11);
        let mut damaged: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
        for _ in 0..2000 {
            let mut bytes = good.clone();
            let at = (draw.next_u64() % bytes.len() as u64) as usize;
            bytes[at] = (draw.next_u64() % 256) as u8;
            damaged.push(bytes);
        }
        for bytes in damaged {
            std::fs::write(&path, &bytes).unwrap();
            if let Ok(entries) = cache.load() {
                // A change the format cannot see (spacing) keeps the same entries.
                assert_eq!(entries, written, "{}", String::from_utf8_lossy(&bytes));
            }
        }
    }

    #[test]
    fn outdated_files_are_set_aside_and_impossible_entries_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let cache = CacheFile::at(&path);
        let old = format!("{{\"format\": \"{FORMAT}\", \"version\": 1, \"checksum\": \"0\", \"entries\": []}}");
        std::fs::write(&path, &old).unwrap();
        assert!(matches!(cache.load(), Err(CacheError::Corrupt { .. })));
        assert!(cache.merge(&[entry("cpu", "x", 1e-3, 1)]).unwrap().replaced_corrupt.is_some());
        assert_eq!(std::fs::read_to_string(dir.path().join("c.json.bad")).unwrap(), old);
        let before = std::fs::read_to_string(&path).unwrap();
        for bad in [entry("cpu", "y", 0.0, 1), Entry { spread: f64::INFINITY, ..entry("cpu", "z", 1e-3, 1) }] {
            assert!(matches!(cache.merge(&[bad]), Err(CacheError::Invalid { .. })));
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), before, "a refused write changes nothing");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644, "readable by others, as files are made");
        }
    }

    #[test]
    fn foreign_files_are_reported_and_never_written_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        let cache = CacheFile::at(&path);
        for foreign in [
            "{\"name\": \"my notes\"}".to_string(),
            "hello".to_string(),
            // Text that names the format (a README, a script) is not a damaged cache.
            format!("run {FORMAT} list to see the cache\n"),
            format!("[{{\"format\": \"{FORMAT}\"}}"),
        ] {
            std::fs::write(&path, &foreign).unwrap();
            assert!(matches!(cache.load(), Err(CacheError::Foreign { .. })));
            assert!(matches!(cache.merge(&[entry("cpu", "x", 1e-3, 1)]), Err(CacheError::Foreign { .. })));
            assert_eq!(std::fs::read_to_string(&path).unwrap(), foreign, "left as it was");
        }
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(matches!(cache.load(), Err(CacheError::Foreign { .. })));
    }
}
