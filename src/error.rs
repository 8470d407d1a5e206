//! The helper's top-level error: every failure the user can see, each a single
//! line that says what went wrong and what to do about it.
//!
//! Messages are built from redacted values only: no secret key, session token,
//! TOTP code, password or input line ever reaches them.

use std::error::Error as StdError;

use crate::{cache, config, credentials, prompt, protocol, sts};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Protocol(#[from] protocol::Error),
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Credentials(#[from] credentials::Error),
    #[error(transparent)]
    Prompt(#[from] prompt::Error),
    #[error(transparent)]
    Sts(#[from] sts::Error),
    #[error(transparent)]
    Cache(#[from] cache::Error),
    #[error(transparent)]
    Setup(#[from] crate::setup::Error),
    #[error("git sent no host; nothing to sign")]
    NoHost,
    #[error("git sent no repository path; run: git config --global credential.useHttpPath true")]
    NoPath,
    #[error(
        "no AWS region for host {0}; pass --region, or set `region` in the profile or AWS_REGION"
    )]
    NoRegion(String),
    #[error("--region is empty; give a region such as us-east-1")]
    EmptyRegion,
    #[error("profile {0} has no mfa_serial; add one to ~/.aws/config or pass --mfa-serial")]
    NoMfaSerial(String),
    #[error(
        "profile {0} gives temporary credentials, which cannot call sts:GetSessionToken; give it an IAM user's long-term keys"
    )]
    TemporaryBase(String),
    #[error(
        "role profile {0} has neither source_profile nor credential_source; add one to ~/.aws/config"
    )]
    RoleWithoutSource(String),
    #[error("no MFA code was accepted in {n} tries; run the command again with the current code", n = crate::mfa::TRIES)]
    TooManyTries,
    #[error("the profile's mfa_process printed no 6-digit MFA code; check the command")]
    ProcessNotACode,
    #[error("could not write the output: {0}")]
    Output(String),
}

impl Error {
    pub fn output(error: std::io::Error) -> Self {
        Error::Output(error.kind().to_string())
    }
}

/// `error` and its sources on one line, `: `-separated, without line breaks.
pub fn one_line(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
