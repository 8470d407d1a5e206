//! The AWS config file read and rewritten in place, as the AWS CLI does it
//! (`aws configure set`): UTF-8 text, written through the path (a symlinked
//! file stays a symlink, its mode and owner stay), and created only its
//! owner can read, in directories made as needed, when there is none yet.

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
pub fn write(path: &Path, text: &str, existed: bool) -> Result<(), Error> {
    if !existed {
        create_private(path).map_err(io(path))?;
    }
    std::fs::write(path, text).map_err(io(path))
}

/// An empty file only its owner can read.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
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
        std::fs::write(&path, b"\xff").unwrap();
        assert!(matches!(
            read(&path).unwrap_err(),
            Error::Refused { why, .. } if why == "it is not UTF-8"
        ));
    }
}
