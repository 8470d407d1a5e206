//! The helper's top-level error: every failure the user can see, each a single
//! line that says what went wrong and what to do about it. It composes each
//! module's own error, and the failures only one command has
//! ([`SetupError`], [`DoctorError`]), keeping every cause as its `source()`;
//! only `main` and the commands use it.
//!
//! Messages are built from redacted values only: no secret key, session token,
//! TOTP code, password or input line ever reaches them.

use std::io;
use std::path::PathBuf;

use crate::aws::files::{self, disk};
use crate::aws::{credentials, settings, sts};
use crate::git::{protocol, remote, setup_config};
use crate::prompt;
use crate::session::{discovery, obtain, plan, store};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Protocol(#[from] protocol::Error),
    #[error(transparent)]
    Config(#[from] settings::Error),
    #[error(transparent)]
    Credentials(#[from] credentials::Error),
    #[error(transparent)]
    Prompt(#[from] prompt::Error),
    #[error(transparent)]
    Sts(#[from] sts::Error),
    #[error(transparent)]
    Cache(#[from] store::Error),
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error(transparent)]
    Doctor(#[from] DoctorError),
    #[error(transparent)]
    Discovery(#[from] discovery::Error),
    /// The plan's own failures; its config errors are [`Error::Config`].
    #[error(transparent)]
    Plan(plan::Error),
    /// The MFA flow's own failures; its credential, prompt and STS errors
    /// are those variants, so that one place tells a cancelled prompt.
    #[error(transparent)]
    Mfa(obtain::Error),
    #[error("git sent no host; nothing to sign")]
    NoHost,
    #[error("git sent no repository path; run: git config --global credential.useHttpPath true")]
    NoPath,
    #[error("cannot find where this program is installed: {}", .0.kind())]
    NoExe(#[source] io::Error),
    #[error(
        "the cached MFA session ends past the year 262142, so it is damaged; run: git-credential-mfa-codecommit logout"
    )]
    BadExpiry,
    #[error("could not write the output: {}", .0.kind())]
    Output(#[source] io::Error),
}

/// What only `setup` refuses or fails at.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Git(#[from] setup_config::Error),
    #[error(transparent)]
    File(#[from] disk::Error),
    #[error(
        "setup writes only --profile into the helper line, not {0}; add other flags by hand (see the README)"
    )]
    HelperFlag(&'static str),
    #[error(
        "profile {0} is the one to sign with; name the new AWS profile otherwise (--aws-profile)"
    )]
    IsSource(String),
    #[error(
        "profile {0} already exists; choose another name for --aws-profile, or remove it first"
    )]
    Exists(String),
    #[error(
        "{0:?} cannot be a profile name in the AWS config file (it is empty or holds a line break or control character); choose another name for --aws-profile"
    )]
    ProfileName(String),
    #[error(
        "profile {0} is in neither AWS file; pass --profile with the profile whose session to use"
    )]
    WithoutSource(String),
    #[error("profile {name} in {} is not as setup wrote it; remove it by hand", .path.display())]
    Changed { name: String, path: PathBuf },
}

/// What only `doctor` fails at.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error(transparent)]
    Remote(remote::Error),
    #[error(
        "doctor checks a repository URL: https://git-codecommit.<region>.amazonaws.com/v1/repos/<name>, or a codecommit:// URL"
    )]
    Url,
    #[error("doctor found {0} problem(s); each line marked ✘ above says how to fix it")]
    Problems(usize),
}

impl From<files::Error> for Error {
    fn from(error: files::Error) -> Self {
        Error::Config(error.into())
    }
}

impl From<plan::Error> for Error {
    fn from(error: plan::Error) -> Self {
        match error {
            plan::Error::Config(error) => Error::Config(error),
            error => Error::Plan(error),
        }
    }
}

impl From<obtain::Error> for Error {
    fn from(error: obtain::Error) -> Self {
        match error {
            obtain::Error::Credentials(error) => Error::Credentials(error),
            obtain::Error::Prompt(error) => Error::Prompt(error),
            obtain::Error::Sts(error) => Error::Sts(error),
            error => Error::Mfa(error),
        }
    }
}
