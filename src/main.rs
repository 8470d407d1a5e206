//! Entry point: wire the real clock, environment and AWS credential chain into
//! [`app::run`], print any error as one line on stderr, and exit non-zero.
#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::process::ExitCode;

use aws_types::os_shim_internal::{Env, Fs};
use clap::Parser;
use git_credential_mfa_codecommit::app::{self, Context, SystemClock};
use git_credential_mfa_codecommit::cli::Args;
use git_credential_mfa_codecommit::credentials::DefaultChain;

fn main() -> ExitCode {
    let args = Args::parse();
    let context = Context {
        env: Env::real(),
        fs: Fs::real(),
        clock: &SystemClock,
        credentials: &DefaultChain,
    };
    match app::run(&args, io::stdin().lock(), io::stdout().lock(), &context) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr(), "git-credential-mfa-codecommit: {error}");
            ExitCode::FAILURE
        }
    }
}
