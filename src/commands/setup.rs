//! `setup`: the command line's request for git's configuration, checked and
//! handed to [`crate::helper_config`], which writes (or with `--undo`
//! removes) it; then a look at which `git-remote-codecommit` git will run
//! for `codecommit://` URLs, with a warning when it is not this package's
//! (AWS's from PyPI first on PATH, say) or git finds none.

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

use crate::cli::Args;
use crate::context::Context;
use crate::error::Error;
use crate::helper_config::{self, Request, Scope};
use crate::which;

const REMOTE_HELPER: &str = "git-remote-codecommit";

pub(super) fn run(
    args: &Args,
    scope: Scope,
    vpce: bool,
    undo: bool,
    mut out: impl Write,
    context: &Context,
) -> Result<(), Error> {
    let given = [
        (args.region.is_some(), "--region"),
        (args.mfa_serial.is_some(), "--mfa-serial"),
        (args.duration.is_some(), "--duration"),
    ];
    if let Some((_, flag)) = given.into_iter().find(|(present, _)| *present) {
        return Err(Error::SetupFlag(flag));
    }
    let request = Request {
        scope,
        vpce,
        undo,
        profile: args.profile.as_deref(),
    };
    helper_config::run(&request, &mut out)?;
    if undo {
        writeln!(
            out,
            "{REMOTE_HELPER} needs no configuration; cargo uninstall git-credential-mfa-codecommit removes it with this helper"
        )
        .map_err(Error::output)?;
    } else {
        check_remote_helper(context);
    }
    Ok(())
}

/// Warns unless the `git-remote-codecommit` git finds is the one installed
/// beside this program.
fn check_remote_helper(context: &Context) {
    let Some(ours) = std::env::current_exe()
        .ok()
        .map(|exe| exe.with_file_name(format!("{REMOTE_HELPER}{}", std::env::consts::EXE_SUFFIX)))
        .filter(|ours| ours.is_file())
    else {
        return;
    };
    let exec_path = Command::new("git")
        .arg("--exec-path")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end()));
    let path = context.env.get("PATH").unwrap_or_default();
    let dirs = exec_path.into_iter().chain(std::env::split_paths(&path));
    let dir = ours.parent().unwrap_or(&ours).display();
    match which::find(REMOTE_HELPER, dirs) {
        Some(found) if which::same_file(&found, &ours) => {}
        Some(found) => context.log.warn(&format!(
            "git runs {} for codecommit:// URLs, not {}; put {dir} before it on PATH, or remove it (AWS's: pip uninstall git-remote-codecommit)",
            found.display(),
            ours.display()
        )),
        None => context.log.warn(&format!(
            "{dir} is not on PATH, so git finds no {REMOTE_HELPER} for codecommit:// URLs; add it to PATH"
        )),
    }
}
