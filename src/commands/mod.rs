//! The commands, one file each: `get`, `erase`, the session commands
//! (`login`, `logout`, `status`), `credential-process`, `setup` and
//! `doctor`; `store` and any operation git may add are ignored, as git
//! expects of helpers.
//!
//! Each turns the parsed command line into the typed values the layers
//! below take (a [`crate::session::plan::Plan`], from [`Args::flags`]; a
//! setup request), runs them, and writes the answer. The command line stops
//! here: nothing below sees [`Args`]. When the user cancels the MFA prompt
//! (or it gets a SIGINT), git is told `quit=1`, so that it stops instead of
//! asking for a username.
//!
//! It may import every layer; only `lib` (for `main`) imports it.

mod credential_process;
mod doctor;
mod erase;
mod get;
mod login;
mod setup;

use std::io::{BufRead, Write};

use crate::cli::{Args, Operation};
use crate::error::Error;
use crate::session::context::Context;

/// Runs `args.operation` with git's request on `input`, the answer to `output`.
pub fn run(
    args: &Args,
    input: impl BufRead,
    mut output: impl Write,
    context: &Context,
) -> Result<(), Error> {
    let result = match &args.operation {
        Operation::Get { ignore_host_check } => {
            get::run(args, *ignore_host_check, input, &mut output, context)
        }
        Operation::Erase => erase::run(args, input, context),
        Operation::Login => login::login(args, &mut output, context),
        Operation::Logout { all } => login::logout(args, *all, &mut output, context),
        Operation::Status => login::status(args, &mut output, context),
        Operation::CredentialProcess => credential_process::run(args, &mut output, context),
        Operation::Doctor { url, login } => {
            doctor::run(args, url.as_deref(), *login, &mut output, context)
        }
        Operation::Setup {
            location,
            vpce,
            undo,
            aws_profile,
        } => match aws_profile {
            Some(name) => setup::aws_profile(args, name, *vpce, *undo, &mut output, context),
            None => setup::run(args, *location, *vpce, *undo, &mut output, context),
        },
        // Nothing is stored by git's `store`; git's request is not even read
        // (git ignores SIGPIPE from helpers).
        Operation::Store | Operation::Other(_) => Ok(()),
    };
    if let Err(Error::Prompt(error)) = &result
        && error.stops_git()
    {
        // Best effort: git may already be gone.
        let _ = output.write_all(b"quit=1\n");
    }
    result
}
