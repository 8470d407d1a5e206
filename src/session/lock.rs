//! A cross-process lock around "check the cache, prompt, call STS, save", so
//! that git processes started together (`git fetch --all`, submodules with
//! `--jobs`) give the user one prompt: the first holds the lock while it
//! prompts, the others wait and then find its session in the cache.
//!
//! An advisory file lock (`flock` on Unix, `LockFileEx` on Windows, through
//! `std::fs::File::lock`): the kernel releases it when the holder exits, even
//! by a crash, so a lock never wedges. The file is empty, named by a hash of
//! the cache key, in a private directory: it holds no secret and no profile
//! name.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;
use sha2::{Digest, Sha256};

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct Guard {
    _file: File,
}

/// `$XDG_RUNTIME_DIR/git-credential-mfa-codecommit` (private to the user,
/// emptied at logout), else `~/.cache/git-credential-mfa-codecommit/locks`,
/// else the same name in the temp directory.
pub fn default_dir(env: &Env) -> PathBuf {
    const NAME: &str = "git-credential-mfa-codecommit";
    let var = |name| env.get(name).ok().filter(|value| !value.is_empty());
    if let Some(runtime) = var("XDG_RUNTIME_DIR") {
        return Path::new(&runtime).join(NAME);
    }
    match var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".cache")))
    {
        Some(cache) => cache.join(NAME).join("locks"),
        None => std::env::temp_dir().join(NAME),
    }
}

/// Blocks until this process holds the lock named by `key`, in `dir`.
pub fn acquire(dir: &Path, key: &str) -> io::Result<Guard> {
    create_private_dir(dir)?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path(dir, key))?;
    file.lock()?;
    Ok(Guard { _file: file })
}

/// The lock file for `key`: a hash, so that the name says nothing of the key.
pub fn path(dir: &Path, key: &str) -> PathBuf {
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    dir.join(format!("{}.lock", &hash[..32]))
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = acquire(dir.path(), "profile|serial").unwrap();
        let (sender, receiver) = mpsc::channel();
        let path = dir.path().to_owned();
        let waiter = std::thread::spawn(move || {
            let _second = acquire(&path, "profile|serial").unwrap();
            sender.send(()).unwrap();
        });
        assert!(receiver.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        receiver.recv_timeout(Duration::from_secs(5)).unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn other_keys_do_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let _first = acquire(dir.path(), "a").unwrap();
        let _second = acquire(dir.path(), "b").unwrap();
    }

    #[test]
    fn the_file_name_reveals_nothing_of_the_key() {
        let name = path(Path::new("/x"), "dev|arn:aws:iam::1:mfa/alice");
        let name = name.to_string_lossy();
        assert!(!name.contains("dev") && !name.contains("alice"), "{name}");
    }
}
