//! A cross-process lock around "check the cache, prompt, call STS, save", so
//! that git processes started together (`git fetch --all`, submodules with
//! `--jobs`) give the user one prompt: the first holds the lock while it
//! prompts, the others wait and then find its session in the cache.
//!
//! An advisory file lock (`flock` on Unix, `LockFileEx` on Windows, through
//! `std::fs::File::lock`): the kernel releases it when the holder exits, even
//! by a crash. The file is empty, named by a hash of the cache key, in a
//! directory of the user's own: it holds no secret and no profile name.
//!
//! Other local users may be hostile. A directory that is not this user's,
//! or that others may write to, is refused, and the file is opened without
//! following a link, so nobody can plant a lock or a link for us to follow.
//! The wait is bounded: a holder stopped at its prompt (Ctrl-Z) is named
//! after [`Wait::notice`], and after [`Wait::most`] the caller goes on
//! without the lock, which costs at worst a second prompt, never a hang.

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_types::os_shim_internal::Env;
use sha2::{Digest, Sha256};

use crate::aws::files::paths;

/// Holds the lock until dropped.
#[derive(Debug)]
pub struct Guard {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the lock directory {0} is not this user's own, or others may write to it")]
    NotPrivate(PathBuf),
    #[error(
        "another git-credential-mfa-codecommit held the lock for {0} seconds (is one stopped at its MFA prompt?)"
    )]
    Held(u64),
    #[error("{}", crate::os::child::reason(.0))]
    Io(#[from] io::Error),
}

/// How long to wait for another holder.
#[derive(Debug, Clone, Copy)]
pub struct Wait {
    /// Quietly this long: another process is likely just saving its session.
    pub notice: Duration,
    /// At most this long: a person types a code within it.
    pub most: Duration,
}

/// A person reading a code off a phone takes seconds; two minutes without
/// one means the holder is stopped or forgotten.
pub const WAIT: Wait = Wait {
    notice: Duration::from_secs(3),
    most: Duration::from_secs(120),
};

/// `$XDG_RUNTIME_DIR/git-credential-mfa-codecommit` (private to the user,
/// emptied at logout), else `locks` in `$XDG_CACHE_HOME` or `~/.cache`
/// (the home directory found as for the AWS files), else the same name in
/// the temp directory, which [`acquire`] takes only if it is the user's.
pub fn default_dir(env: &Env) -> PathBuf {
    const NAME: &str = "git-credential-mfa-codecommit";
    let var = |name| env.get(name).ok().filter(|value| !value.is_empty());
    if let Some(runtime) = var("XDG_RUNTIME_DIR") {
        return Path::new(&runtime).join(NAME);
    }
    let home = paths::home(env);
    match var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| (!home.as_os_str().is_empty()).then(|| home.join(".cache")))
    {
        Some(cache) => cache.join(NAME).join("locks"),
        None => std::env::temp_dir().join(NAME),
    }
}

/// Holds the lock named by `key`, in `dir`, once no other process does;
/// `waiting` is called once if that takes longer than `wait.notice`.
pub fn acquire(dir: &Path, key: &str, wait: Wait, waiting: impl FnOnce()) -> Result<Guard, Error> {
    create_private_dir(dir)?;
    let file = open_no_follow(&path(dir, key))?;
    let started = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(Guard { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(error)) => return Err(error.into()),
        }
        let waited = started.elapsed();
        if waited >= wait.most {
            return Err(Error::Held(wait.most.as_secs()));
        }
        if waited >= wait.notice
            && let Some(waiting) = waiting.take()
        {
            waiting();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lock file for `key`: a hash, so that the name says nothing of the key.
pub fn path(dir: &Path, key: &str) -> PathBuf {
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    dir.join(format!("{}.lock", &hash[..32]))
}

/// Creates `dir` (mode 0700) and refuses it unless it is a directory,
/// not a link, of this user's that nobody else may write to.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), Error> {
    use rustix::fs::{FileType, lstat};
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // rustix's lstat is a system call of its own: std's would cost every
    // run the dynamic linker's look-up of one more libc symbol.
    let stat = lstat(dir).map_err(io::Error::from)?;
    let private = FileType::from_raw_mode(stat.st_mode) == FileType::Directory
        && stat.st_uid == rustix::process::geteuid().as_raw()
        && stat.st_mode & 0o022 == 0;
    if !private {
        return Err(Error::NotPrivate(dir.to_owned()));
    }
    Ok(())
}

/// Windows' temp and profile directories are the user's own.
#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), Error> {
    Ok(fs::create_dir_all(dir)?)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<File> {
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::sync::mpsc;

    /// Waits that a test can sit through.
    const SHORT: Wait = Wait {
        notice: Duration::from_millis(100),
        most: Duration::from_millis(600),
    };

    fn take(dir: &Path, key: &str) -> Result<Guard, Error> {
        acquire(dir, key, SHORT, || {})
    }

    #[test]
    fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = take(dir.path(), "profile|serial").unwrap();
        let (sender, receiver) = mpsc::channel();
        let path = dir.path().to_owned();
        let waiter = std::thread::spawn(move || {
            let wait = Wait {
                most: Duration::from_secs(30),
                ..SHORT
            };
            let _second = acquire(&path, "profile|serial", wait, || {}).unwrap();
            sender.send(()).unwrap();
        });
        assert!(receiver.recv_timeout(Duration::from_millis(200)).is_err());
        drop(first);
        receiver.recv_timeout(Duration::from_secs(5)).unwrap();
        waiter.join().unwrap();
    }

    #[test]
    fn a_holder_that_never_lets_go_is_named_then_given_up_on() {
        let dir = tempfile::tempdir().unwrap();
        let _stuck = take(dir.path(), "k").unwrap();
        let told = Cell::new(0);
        let started = Instant::now();
        let error = acquire(dir.path(), "k", SHORT, || told.set(told.get() + 1)).unwrap_err();
        let took = started.elapsed();
        assert!(matches!(error, Error::Held(0)), "{error}");
        assert_eq!(told.get(), 1);
        assert!(
            took >= SHORT.most && took < Duration::from_secs(5),
            "{took:?}"
        );
    }

    #[test]
    fn other_keys_do_not_wait() {
        let dir = tempfile::tempdir().unwrap();
        let _first = take(dir.path(), "a").unwrap();
        let started = Instant::now();
        let _second = acquire(dir.path(), "b", SHORT, || panic!("b waited for a")).unwrap();
        assert!(started.elapsed() < SHORT.notice);
    }

    #[test]
    fn the_file_name_reveals_nothing_of_the_key() {
        let name = path(Path::new("/x"), "dev|arn:aws:iam::1:mfa/alice");
        let name = name.to_string_lossy();
        assert!(!name.contains("dev") && !name.contains("alice"), "{name}");
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_write_to_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
        let error = take(dir.path(), "k").unwrap_err();
        assert!(matches!(error, Error::NotPrivate(_)), "{error}");
        assert!(fs::read_dir(dir.path()).unwrap().next().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_link_in_place_of_the_lock_file_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        let lock_dir = dir.path().join("locks");
        fs::create_dir(&lock_dir).unwrap();
        std::os::unix::fs::symlink(&target, path(&lock_dir, "k")).unwrap();
        let error = take(&lock_dir, "k").unwrap_err();
        assert!(matches!(error, Error::Io(_)), "{error}");
        assert!(!target.exists());
    }

    #[cfg(unix)]
    #[test]
    #[ignore = "needs root: run by .ci/run"]
    fn another_users_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::chown(dir.path(), Some(4242), Some(4242)).unwrap();
        let error = take(dir.path(), "k").unwrap_err();
        assert!(matches!(error, Error::NotPrivate(_)), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn the_directory_is_the_users_without_home_or_xdg() {
        let dir = default_dir(&Env::from_slice(&[]));
        let home = std::env::home_dir().unwrap();
        assert!(dir.starts_with(home), "{}", dir.display());
    }
}
