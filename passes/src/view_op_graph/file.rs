//! Files written whole or not at all: the text goes to a temporary file beside the target,
//! renamed over it once complete, so a failed write leaves the old file (or none) rather than a
//! half-written graph. (`strata_tools::output` does the same for the tools; passes cannot
//! depend on the tools.)

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `bytes` to `path` whole. A path that exists and is not a regular file (`/dev/null`,
/// `/dev/stdout`, a pipe) is written in place: renaming over it would replace the device.
pub fn write_whole(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = match fs::metadata(path) {
        Ok(m) if !m.is_file() => return fs::write(path, bytes),
        // Through a symbolic link, the file it points to is replaced and the link stays.
        Ok(_) => fs::canonicalize(path)?,
        Err(_) => path.to_path_buf(),
    };
    let name =
        target.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // Unique within the process (passes run on several threads) and across processes.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temp = dir.join(format!(
        ".{}.{}-{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, &target)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_replaced_whole_and_failures_leave_nothing() {
        let dir = std::env::temp_dir().join(format!("strata-write-whole-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("g.dot");
        write_whole(&path, b"digraph a {}\n").unwrap();
        write_whole(&path, b"digraph b {}\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "digraph b {}\n");
        // A directory in the way is an error, and no temporary file stays beside it.
        let blocked = dir.join("sub");
        fs::create_dir_all(blocked.join("x")).unwrap();
        assert!(write_whole(&blocked, b"x").is_err());
        let left: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
