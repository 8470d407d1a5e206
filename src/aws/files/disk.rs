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
        write_new(&staging, text, old.as_ref()).and_then(|()| std::fs::rename(&staging, &target));
    if written.is_err() {
        let _ = std::fs::remove_file(&staging);
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
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root may give a file away; anyone else keeps it.
            let _ = std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid()));
        }
        file.set_permissions(old.permissions())?;
    }
    file.write_all(text.as_bytes())?;
    file.sync_all()
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
