//! Output files that are never half written: the content goes to a temporary file beside the
//! target, which is renamed over the target only once it is complete. A failure (a write error,
//! a tool's own error, a signal) leaves the old file as it was.
//!
//! ```no_run
//! use strata_tools::output::{write_atomic, write_atomic_with};
//! use std::io::Write;
//!
//! write_atomic("out.mlir", b"module {}\n")?;
//! write_atomic_with("big.bin", |w| {
//!     for chunk in [b"a", b"b"] {
//!         w.write_all(chunk)?;
//!     }
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # Ok::<(), strata_tools::output::OutputError>(())
//! ```
//!
//! [`Staged`] does the same for several files that should change together: stage each, then
//! commit them once all are written.
//!
//! The temporary file is registered with [`cleanup`], so a tool whose CLI frame installed the
//! signal handler deletes it when interrupted. Targets that are not regular files (`/dev/null`,
//! a pipe, a terminal) are written in place: renaming over them would replace the device.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use strata_lowering::codegen::driver::cleanup;
use thiserror::Error;

/// Why an output file could not be written; the old file (if any) is unchanged.
#[derive(Debug, Error)]
pub enum OutputError {
    /// The temporary file beside the target could not be created or filled, or the target
    /// could not be opened (for outputs written in place).
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The caller's writer failed.
    #[error("{}: {source}", path.display())]
    Write { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    /// The complete file could not be renamed over the target.
    #[error("{}: cannot replace it with {}: {source}", path.display(), temp.display())]
    Rename { path: PathBuf, temp: PathBuf, source: io::Error },
}

/// Writes `bytes` to `path` atomically: the old file is replaced only by the complete new one.
pub fn write_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes what `write` produces to `path` atomically, through a buffered writer: streamed
/// content (e.g. a large `.npy`) needs no copy in memory. If `write` fails, `path` is untouched.
pub fn write_atomic_with<E>(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut Staged) -> Result<(), E>,
) -> Result<(), OutputError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut staged = Staged::create(path)?;
    write(&mut staged).map_err(|e| OutputError::Write { path: staged.path.clone(), source: e.into() })?;
    staged.commit()
}

/// Like [`write_atomic_with`], for writers that take a path (such as `npy::write`): `write`
/// writes the temporary file at the path it is given, which then replaces `path`.
pub fn write_atomic_at<E>(path: impl AsRef<Path>, write: impl FnOnce(&Path) -> Result<(), E>) -> Result<(), OutputError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let staged = Staged::create(path)?;
    let wrap = |e: E| OutputError::Write { path: staged.path.clone(), source: e.into() };
    match &staged.file {
        Inner::Temp { file, .. } => write(file.get_ref().path()).map_err(wrap)?,
        Inner::InPlace(_) => write(&staged.target).map_err(wrap)?,
    }
    staged.commit()
}

/// An output file being written: the content goes to a temporary file beside it, which
/// [`Staged::commit`] renames over it; dropped without a commit, it leaves the old file as it
/// was. Stage several files and commit them together when one output should not be updated
/// without the others.
pub struct Staged {
    /// The path as the caller gave it, for messages.
    path: PathBuf,
    /// Where the data goes: `path`, or the file a symbolic link at `path` points to (the link
    /// stays a link).
    target: PathBuf,
    file: Inner,
}

enum Inner {
    // Fields drop in order: the temporary file is deleted before it is unregistered.
    Temp {
        file: BufWriter<tempfile::NamedTempFile>,
        _registration: cleanup::Registration,
    },
    /// Not a regular file (`/dev/null`, a pipe): written in place.
    InPlace(BufWriter<File>),
}

impl Staged {
    /// Starts writing `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Staged, OutputError> {
        let path = path.as_ref().to_path_buf();
        let io = |source| OutputError::Io { path: path.clone(), source };
        let (target, file) = match std::fs::metadata(&path) {
            Ok(m) if !m.is_file() => {
                // A device, pipe or directory: opening it gives the right behaviour or error.
                (path.clone(), Inner::InPlace(BufWriter::new(File::create(&path).map_err(io)?)))
            }
            existing => {
                let target = match existing {
                    Ok(_) => std::fs::canonicalize(&path).map_err(io)?,
                    Err(_) => path.clone(),
                };
                let (temp, registration) = create_temp(&target).map_err(io)?;
                (target, Inner::Temp { file: BufWriter::new(temp), _registration: registration })
            }
        };
        Ok(Staged { path, target, file })
    }

    /// Replaces the target with what was written.
    pub fn commit(self) -> Result<(), OutputError> {
        let io = |source| OutputError::Io { path: self.path.clone(), source };
        match self.file {
            Inner::InPlace(w) => w.into_inner().map_err(|e| io(e.into_error())).map(|_| ()),
            Inner::Temp { file, _registration } => {
                let temp = file.into_inner().map_err(|e| io(e.into_error()))?;
                // On disk before the rename, so a crash cannot leave the name on a partial file.
                temp.as_file().sync_all().map_err(io)?;
                let temp_path = temp.path().to_path_buf();
                temp.persist(&self.target).map(|_| ()).map_err(|e| OutputError::Rename {
                    path: self.path.clone(),
                    temp: temp_path,
                    source: e.error,
                })
            }
        }
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Inner::Temp { file, .. } => file.write(buf),
            Inner::InPlace(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Inner::Temp { file, .. } => file.flush(),
            Inner::InPlace(file) => file.flush(),
        }
    }
}

/// A temporary file in `target`'s folder (a rename within one file system is atomic), with the
/// permissions of the file it replaces or, for a new file, those `File::create` gives (0666 less
/// the umask), registered for deletion on a signal.
fn create_temp(target: &Path) -> io::Result<(tempfile::NamedTempFile, cleanup::Registration)> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let prefix = format!(".{name}.");
    let existing = std::fs::metadata(target).ok().map(|m| m.permissions());
    let (temp, registration) = cleanup::create_registered(
        || {
            tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".tmp")
                .permissions(std::fs::Permissions::from_mode(0o666))
                .tempfile_in(dir)
        },
        |t| t.path().to_path_buf(),
    )?;
    if let Some(p) = existing {
        temp.as_file().set_permissions(p)?;
    }
    Ok((temp, registration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn a_failed_write_leaves_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("stopped halfway"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("stopped halfway"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(leftovers(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_write_replaces_the_file_and_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(leftovers(dir.path()), ["out.txt"]);
        // A new file gets the usual mode (0666 less the umask), not the temporary file's 0600.
        let fresh = dir.path().join("fresh.txt");
        write_atomic(&fresh, b"x").unwrap();
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), mode(&plain));
    }

    #[test]
    fn a_link_stays_a_link_and_devices_are_written_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        write_atomic("/dev/null", b"discarded").unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file(), "/dev/null was replaced");
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_the_file() {
        let err = write_atomic("/nonexistent-strata-dir/out.txt", b"x").unwrap_err();
        assert!(err.to_string().starts_with("/nonexistent-strata-dir/out.txt: "), "{err}");
    }

    #[test]
    fn writers_that_take_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        std::fs::write(&path, "old").unwrap();
        let failed = write_atomic_at(&path, |p| {
            std::fs::write(p, "partial")?;
            Err::<(), _>(io::Error::other("no"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write_atomic_at(&path, |p| std::fs::write(p, "new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(leftovers(dir.path()), ["out.bin"]);
    }
}
