//! The AWS config file read and rewritten as the AWS CLI does it (`aws
//! configure set`): UTF-8 text, written through the path (a symlinked file
//! stays a symlink, its mode and owner stay), and created only its owner
//! can read, in directories made as needed, when there is none yet. Unlike
//! the AWS CLI, which rewrites the file in place, the new text replaces the
//! old whole or not at all.

use std::path::{Path, PathBuf};

use crate::os::child::reason;

/// Why the file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write {}: {}", .path.display(), reason(.source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The text is not what can be written back: not UTF-8, say.
    #[error("cannot write {}: {why}", .path.display())]
    Refused { path: PathBuf, why: String },
}

impl Error {
    /// `why` the text at `path` cannot be written back.
    pub fn refused(path: &Path, why: impl ToString) -> Self {
        Error::Refused {
            path: path.to_owned(),
            why: why.to_string(),
        }
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error {
    |source| Error::Io {
        path: path.to_owned(),
        source,
    }
}

/// The file's text; `None` when there is no file.
pub fn read(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::refused(path, "it is not UTF-8")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io(path)(error)),
    }
}

/// Replaces the file's text with `text`; `existed` says whether [`read`]
/// found a file.
///
/// The text goes to a new file beside the one it replaces, flushed to disk,
/// which then takes its place by a rename: a write cut short (a full disk,
/// a kill) leaves the old file whole. Through a symlink the target is
/// replaced, so the link stays; an old file's mode stays (and on Unix its
/// owner, where this user may give it), a new one is only its owner's.
pub fn write(path: &Path, text: &str, existed: bool) -> Result<(), Error> {
    let target = if existed {
        std::fs::canonicalize(path).map_err(io(path))?
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(path))?;
        }
        path.to_owned()
    };
    let old = existed
        .then(|| std::fs::metadata(&target))
        .transpose()
        .map_err(io(path))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let staging = target.with_file_name(format!(".{name}.{}.new", std::process::id()));
    let written =
        write_new(&staging, text, old.as_ref()).and_then(|()| calls::rename(&staging, &target));
    if written.is_err() {
        let _ = calls::remove(&staging);
    }
    written.map_err(io(path))
}

/// A new file at `path` holding `text`, on disk, with `old`'s mode and
/// owner or else only its owner's.
fn write_new(path: &Path, text: &str, old: Option<&std::fs::Metadata>) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    if let Some(old) = old {
        calls::keep(&file, old)?;
    }
    file.write_all(text.as_bytes())?;
    calls::sync(&file)
}

/// The calls that replace a file. On Unix rustix's system calls rather
/// than std's libc ones: each libc function std would call here is one more
/// symbol the dynamic linker binds at every start, and the helper starts
/// for every git fetch and push, while only `setup` writes a file.
#[cfg(unix)]
mod calls {
    use std::fs::{File, Metadata};
    use std::io;
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    use rustix::fs::{Gid, Mode, RawMode, Uid};

    /// `old`'s mode, and its owner where this user may give the file away
    /// (only root may; anyone else keeps it).
    pub(super) fn keep(file: &File, old: &Metadata) -> io::Result<()> {
        let owner = (Uid::from_raw(old.uid()), Gid::from_raw(old.gid()));
        let _ = rustix::fs::fchown(file, Some(owner.0), Some(owner.1));
        // `mode_t` is 16 bits wide on macOS.
        #[allow(clippy::unnecessary_cast)]
        let mode = Mode::from_raw_mode(old.mode() as RawMode);
        Ok(rustix::fs::fchmod(file, mode)?)
    }

    pub(super) fn sync(file: &File) -> io::Result<()> {
        Ok(rustix::fs::fsync(file)?)
    }

    pub(super) fn rename(from: &Path, to: &Path) -> io::Result<()> {
        Ok(rustix::fs::rename(from, to)?)
    }

    pub(super) fn remove(path: &Path) -> io::Result<()> {
        Ok(rustix::fs::unlink(path)?)
    }
}

#[cfg(not(unix))]
mod calls {
    use std::fs::{File, Metadata};
    use std::io;

    pub(super) use std::fs::{remove_file as remove, rename};

    pub(super) fn keep(file: &File, old: &Metadata) -> io::Result<()> {
        file.set_permissions(old.permissions())
    }

    pub(super) fn sync(file: &File) -> io::Result<()> {
        file.sync_all()
    }
}

// Unix file modes.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_private_and_an_old_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/config");
        assert_eq!(read(&path).unwrap(), None);
        write(&path, "[default]\n", false).unwrap();
        let mode = |path: &Path| path.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(&path, "[x]\n", true).unwrap();
        assert_eq!(mode(&path), 0o640);
        assert_eq!(read(&path).unwrap().as_deref(), Some("[x]\n"));
        // Through a link: the target gets the text, the link stays.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        write(&link, "[y]\n", true).unwrap();
        assert!(link.symlink_metadata().unwrap().file_type().is_symlink());
        assert_eq!(read(&path).unwrap().as_deref(), Some("[y]\n"));
        assert_eq!(mode(&path), 0o640);
        // Nothing is left beside it.
        let mut names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["config"]);
        std::fs::write(&path, b"\xff").unwrap();
        assert!(matches!(
            read(&path).unwrap_err(),
            Error::Refused { why, .. } if why == "it is not UTF-8"
        ));
    }
}
