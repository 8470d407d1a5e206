//! `setup`: the command line's request for git's configuration, checked and
//! handed to [`crate::helper_config`], which writes (or with `--undo`
//! removes) it.

use std::io::Write;

use crate::cli::Args;
use crate::error::Error;
use crate::helper_config::{self, Request, Scope};

pub(super) fn run(
    args: &Args,
    scope: Scope,
    vpce: bool,
    undo: bool,
    out: impl Write,
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
    Ok(helper_config::run(&request, out)?)
}
