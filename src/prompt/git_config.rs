//! git's configuration as a helper sees it: `core.askPass` and
//! `credential.interactive`, which git does not export to helpers.
//!
//! The real reader runs `git config --get` in the helper's working directory
//! (git runs helpers in the repository), which also honours the `-c` options
//! git passes down in `GIT_CONFIG_PARAMETERS`. Any failure to run git reads
//! as "unset", so a missing git never stops a prompt.
//!
//! Never write configuration, and never show git's stderr to the user.

use std::process::{Command, Stdio};

/// git's configuration, as `git config --get` shows it to a helper.
pub trait GitConfig {
    /// The value of `key`, `None` when it is unset (or git cannot be run).
    fn get(&self, key: &str, kind: ValueKind) -> Option<String>;
}

/// How git should show a configuration value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// `--type=path`: `~/` expanded, as git does for `core.askPass`.
    Path,
}

/// The real `git config`, in the helper's working directory (git runs
/// helpers in the repository), with `-c` options git passes down in
/// `GIT_CONFIG_PARAMETERS`.
#[derive(Debug)]
pub struct GitCommand;

impl GitConfig for GitCommand {
    fn get(&self, key: &str, kind: ValueKind) -> Option<String> {
        let mut git = Command::new("git");
        git.arg("config");
        if kind == ValueKind::Path {
            git.arg("--type=path");
        }
        let out = git
            .args(["--get", key])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        // Exit 1: the key is unset.
        if !out.status.success() {
            return None;
        }
        let mut value = String::from_utf8(out.stdout).ok()?;
        if value.ends_with('\n') {
            value.pop();
        }
        Some(value)
    }
}
