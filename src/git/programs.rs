//! Where git finds a program: in its exec path first (git puts it before
//! `PATH` for everything it runs), then in each `PATH` directory in order;
//! the first executable regular file of that name wins, as with any `sh`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A program installed beside this one, and the one git runs by that name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The copy beside this program.
    pub ours: PathBuf,
    /// The first on git's exec path and then `path`; `None` if git finds none.
    pub found: Option<PathBuf>,
}

impl Located {
    /// Whether git runs the copy beside this program.
    pub fn is_ours(&self) -> bool {
        self.found
            .as_deref()
            .is_some_and(|found| same_file(found, &self.ours))
    }
}

/// Where git finds `name` with `path` as PATH, beside the copy installed
/// with this program; `None` when there is no such copy. Asks git for its
/// exec path.
pub fn locate_for_git(name: &str, path: &OsStr) -> Option<Located> {
    let ours = std::env::current_exe()
        .ok()?
        .with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !ours.is_file() {
        return None;
    }
    let exec_path = Command::new("git")
        .arg("--exec-path")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end()));
    let dirs = exec_path.into_iter().chain(std::env::split_paths(path));
    let found = find(name, dirs);
    Some(Located { ours, found })
}

/// The first executable file `name` (with the platform's suffix) in `dirs`.
pub fn find(name: &str, dirs: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    dirs.into_iter()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&file))
        .find(|candidate| is_executable(candidate))
}

/// Whether `a` and `b` are the same file, links followed.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

// Unix file modes.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn the_first_executable_file_wins() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        for (sub, mode) in [(&a, 0o644), (&b, 0o755), (&c, 0o755)] {
            std::fs::create_dir(sub).unwrap();
            let file = sub.join("prog");
            std::fs::write(&file, "").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::create_dir(dir.path().join("d/prog")).unwrap();
        let found = find(
            "prog",
            [PathBuf::new(), dir.path().join("d"), a, b.clone(), c],
        );
        assert_eq!(found, Some(b.join("prog")));
        assert_eq!(find("none", [b.clone()]), None);
        assert!(same_file(&b.join("prog"), &b.join("../b/prog")));
        assert!(!same_file(&b.join("prog"), &dir.path().join("c/prog")));
    }
}
