//! git's configuration as a helper sees it: `core.askPass` and
//! `credential.interactive`, which git does not export to helpers.
//!
//! The real reader runs `git config --get` in the helper's working directory
//! (git runs helpers in the repository), which also honours the `-c` options
//! git passes down in `GIT_CONFIG_PARAMETERS`. git itself reads the values:
//! `--type=path` expands `~/` in `core.askPass`, and `--type=bool-or-str`
//! turns every spelling of a boolean in `credential.interactive` (a key with
//! no `=` among them) into `true` or `false`. Any failure to run git reads
//! as "unset", so a missing git never stops a prompt, and so does one that
//! takes longer than a few seconds.
//!
//! Never write configuration, and never show git's stderr to the user.

use std::process::Command;
use std::time::Duration;

use crate::os::child::{self, Stderr};
use crate::prompt::GitSettings;

/// `git config` reads a few files; a git that takes longer is stuck (a
/// lock on a network share), and its answer reads as unset.
const GIT_CONFIG_TIMEOUT: Duration = Duration::from_secs(10);

/// The real `git config`.
#[derive(Debug)]
pub struct GitCommand;

impl GitCommand {
    /// The value of `key` as git shows it with `--type=<kind>`; `None` when
    /// it is unset (or git cannot be run).
    fn get(&self, key: &str, kind: &str) -> Option<String> {
        let mut git = Command::new("git");
        git.args(["config", &format!("--type={kind}"), "--get", key]);
        // A failure, exit 1 (the key is unset) among them, reads as unset.
        let mut out = child::output(git, GIT_CONFIG_TIMEOUT, Stderr::Kept).ok()?;
        let mut value = String::from_utf8(std::mem::take(&mut *out)).ok()?;
        if value.ends_with('\n') {
            value.pop();
        }
        Some(value)
    }
}

impl GitSettings for GitCommand {
    /// git 2.47 refuses on `never` and on any false boolean; anything else,
    /// `Never` included, allows it.
    fn interactive(&self) -> bool {
        !matches!(
            self.get("credential.interactive", "bool-or-str").as_deref(),
            Some("false" | "never")
        )
    }

    fn askpass(&self) -> Option<String> {
        self.get("core.askPass", "path")
    }
}
