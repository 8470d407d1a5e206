//! Our helper line in git's config: the one writer (the `helper` value
//! `setup` writes) and the one reader (whether a `credential.helper` value
//! runs this helper, with which program and flags), for `setup`, its
//! `--undo` and `doctor` alike.
//!
//! git runs a helper value through `sh`: `mfa-codecommit --profile dev`
//! becomes `git credential-mfa-codecommit --profile dev get`, a value that
//! starts with `!` is a shell command, and any other value naming a path is
//! that program. The words are read as POSIX `sh` quotes them (`shlex`,
//! which agrees with `sh` for every line setup writes). Pure.

use std::path::{Path, PathBuf};

use crate::os::shell;
use crate::os::shlex;

/// The helper's name as git resolves it: `git credential-mfa-codecommit` on PATH.
pub const HELPER: &str = "mfa-codecommit";

/// The program git runs for [`HELPER`].
pub const HELPER_PROGRAM: &str = "git-credential-mfa-codecommit";

/// `git config` value pattern (ERE) of the helper entries setup writes:
/// the empty reset and our helper, with or without `--profile`. Keep in step
/// with [`is_ours`].
pub const OURS_PATTERN: &str = "^(mfa-codecommit( --profile .*)?)?$";

/// The `helper` value setup writes; the profile is shell-quoted when needed,
/// because git runs `git credential-<value> get` through the shell.
pub fn helper_line(profile: Option<&str>) -> String {
    match profile {
        Some(profile) => format!("{HELPER} --profile {}", shell::quote(profile)),
        None => HELPER.to_owned(),
    }
}

/// Our helper line, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    /// The program git runs: by name on PATH (`git credential-…`) or a path.
    pub program: Program,
    pub profile: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// `mfa-codecommit`: `git-credential-mfa-codecommit` on git's PATH.
    Named,
    Path(PathBuf),
}

/// The helper a `credential.helper` value runs, if it is this one.
pub fn read(value: &str) -> Option<Ours> {
    let (shell, value) = match value.strip_prefix('!') {
        Some(command) => (true, command),
        None => (false, value),
    };
    let words = shlex::split(value)?;
    let (first, flags) = words.split_first()?;
    let program = if !shell && first == HELPER {
        Program::Named
    } else if Path::new(first)
        .file_stem()
        .is_some_and(|stem| stem == HELPER_PROGRAM)
    {
        if first.contains('/') || first.contains('\\') {
            Program::Path(PathBuf::from(first))
        } else {
            Program::Named
        }
    } else {
        return None;
    };
    let flag = |name: &str| {
        flags
            .iter()
            .position(|flag| flag == name)
            .and_then(|at| flags.get(at + 1))
            .cloned()
    };
    Some(Ours {
        program,
        profile: flag("--profile"),
        region: flag("--region"),
    })
}

/// Whether `value` is our helper as setup writes it, with or without
/// `--profile` (what [`OURS_PATTERN`] matches, and a line [`read`] takes):
/// the mark that a section was set up.
pub fn is_ours(value: &str) -> bool {
    let written = value == HELPER
        || value
            .strip_prefix(HELPER)
            .is_some_and(|rest| rest.starts_with(" --profile "));
    written && read(value).is_some()
}
