//! The AWS CLI as the oracle: the Python that has it, and commands run
//! under faketime at one frozen second, when signatures can be compared
//! byte for byte.

use std::process::Command;

use crate::support::{Scratch, text};

/// The second both sides sign at, as `faketime -f` takes it.
pub(crate) const FROZEN: &str = "2024-02-29 23:59:59";

/// [`FROZEN`] in Unix seconds.
pub(crate) const FROZEN_UNIX: u64 = 1_709_251_199;

/// The arguments that make `python` the AWS CLI's credential helper:
/// `python -m awscli codecommit credential-helper`.
pub(crate) const AWS_CLI_HELPER: &[&str] = &["-m", "awscli", "codecommit", "credential-helper"];

/// The Python that has awscli, resolved outside the scrubbed environment
/// (pyenv shims need the developer's HOME).
pub(crate) fn python() -> String {
    let out = Command::new("python3")
        .args(["-c", "import awscli, sys; print(sys.executable)"])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "awscli is not installed: {}",
        text(&out.stderr)
    );
    text(&out.stdout).trim().to_owned()
}

/// `program args` in `scratch`'s scrubbed environment, under `faketime` at
/// [`FROZEN`]; the monotonic clock stays real.
pub(crate) fn frozen_command(scratch: &Scratch, program: &str, args: &[&str]) -> Command {
    let mut command = scratch.command("faketime");
    command
        .args(["-f", FROZEN, program])
        .args(args)
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    command
}
