//! Entry point: wire the real clock, environment, MFA code sources, keyring,
//! STS and AWS credential chain into [`commands::run`], print any error as one line on
//! stderr, and exit non-zero.
#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::aws::credentials::DefaultChain;
use git_credential_mfa_codecommit::aws::iam::Iam;
use git_credential_mfa_codecommit::aws::imds::Imds;
use git_credential_mfa_codecommit::aws::sts::Sts;
use git_credential_mfa_codecommit::cli::{self, Command, HELP, Operation};
use git_credential_mfa_codecommit::commands;
use git_credential_mfa_codecommit::git::{boolean, config::GitCommand};
use git_credential_mfa_codecommit::os::core_dumps;
use git_credential_mfa_codecommit::os::log::{Log, Stderr};
use git_credential_mfa_codecommit::os::printable::printable;
use git_credential_mfa_codecommit::prompt::{self, Sources};
use git_credential_mfa_codecommit::session::context::{Context, SystemClock};
use git_credential_mfa_codecommit::session::{lock, store};

/// Environment variables of this helper's own.
const KEYRING_VAR: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING";
const VERBOSE_VAR: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_VERBOSE";
const REFRESH_VAR: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_REFRESH_SECONDS";

/// A cached session is renewed this long before it expires, by default.
const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// The exit status of a command line that asks for nothing this helper does.
const USAGE_ERROR: u8 = 2;

fn main() -> ExitCode {
    core_dumps::disable();
    let args = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => return print(HELP),
        Ok(Command::Version) => return print(concat!(env!("CARGO_PKG_VERSION"), "\n")),
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "git-credential-mfa-codecommit: {}",
                printable(&error.to_string())
            );
            return ExitCode::from(USAGE_ERROR);
        }
    };
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let log = Stderr {
        verbose: args.verbose || var(VERBOSE_VAR).is_some_and(|value| value != "0"),
    };
    let env = Env::real();
    let store = store::open(var(KEYRING_VAR).as_deref(), &env);
    let asked_by_git = !matches!(
        args.operation,
        Operation::Login | Operation::CredentialProcess | Operation::Doctor { .. }
    );
    let context = Context {
        env: env.clone(),
        fs: Fs::real(),
        clock: &SystemClock,
        credentials: &DefaultChain { env: env.clone() },
        instance: &Imds,
        // As set, empty values included: git gives those a meaning. git's
        // prompt gates are not for `login`, which asks because it was told to.
        prompt: &Sources {
            asked_by_git,
            terminal: !asked_by_git
                || boolean::env_allows(std::env::var("GIT_TERMINAL_PROMPT").ok().as_deref()),
            git_askpass: std::env::var_os("GIT_ASKPASS"),
            ssh_askpass: std::env::var_os("SSH_ASKPASS"),
            git_config: &GitCommand,
            log: &log,
            process_timeout: prompt::PROCESS_TIMEOUT,
        },
        sts: &Sts { env: env.clone() },
        devices: &Iam,
        store: store.as_ref(),
        lock_dir: lock::default_dir(&env),
        refresh_window: var(REFRESH_VAR)
            .and_then(|seconds| seconds.parse().ok())
            .map_or(REFRESH_WINDOW, Duration::from_secs),
        log: &log,
    };
    let result = commands::run(&args, io::stdin().lock(), io::stdout().lock(), &context);
    if let Some(notice) = store.notice() {
        log.warn(&notice.to_string());
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(
                io::stderr(),
                "git-credential-mfa-codecommit: {}",
                printable(&error.to_string())
            );
            ExitCode::FAILURE
        }
    }
}

fn print(text: &str) -> ExitCode {
    match io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}
