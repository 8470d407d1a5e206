//! The AWS config file read and rewritten in place, as the AWS CLI does it
//! (`aws configure set`): UTF-8 text, written through the path (a symlinked
//! file stays a symlink, its mode and owner stay), and created only its
//! owner can read, in directories made as needed, when there is none yet.

use std::path::{Path, PathBuf};

/// Why the file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {cause}", .path.display())]
pub struct Error {
    pub path: PathBuf,
    pub cause: String,
}

fn failed(path: &Path, cause: String) -> Error {
    Error {
        path: path.to_owned(),
        cause,
    }
}

/// The file's text; `None` when there is no file.
pub fn read(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| failed(path, "it is not UTF-8".to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(failed(path, crate::os::child::reason(&error))),
    }
}

/// Replaces the file's text with `text`; `existed` says whether [`read`]
/// found a file.
pub fn write(path: &Path, text: &str, existed: bool) -> Result<(), Error> {
    let io = |error: std::io::Error| failed(path, crate::os::child::reason(&error));
    if !existed {
        create_private(path).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)
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

#[cfg(test)]
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
        assert_eq!(read(&path).unwrap_err().cause, "it is not UTF-8");
    }
}
