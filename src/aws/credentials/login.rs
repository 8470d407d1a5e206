//! `aws login` profiles (`login_session`): the console session `aws login`
//! cached in `~/.aws/login/cache/<sha256 of the session>.json` (or
//! `AWS_LOGIN_CACHE_DIRECTORY`), used as it is while more than five minutes
//! remain, else refreshed through AWS Sign-In's CreateOAuth2Token with a
//! DPoP proof signed by the session's key and written back, as botocore's
//! `LoginProvider` does. All of that is aws-config's
//! `LoginCredentialsProvider`, bounded in time here like every provider.
//!
//! Every failure ends in one line that names `aws login --profile P`, but
//! for an unreachable Sign-In, which names the network. No line carries a
//! token, key or the cache file's contents.

use std::path::Path;

use aws_config::login::LoginCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_signin::error::ProvideErrorMetadata;
use aws_sdk_signin::operation::create_o_auth2_token::CreateOAuth2TokenError;
use aws_sdk_signin::types::OAuth2ErrorCode;
use aws_types::os_shim_internal::Env;

use super::sdk;
use crate::aws::files::{self, SharedFiles, paths, var};
use crate::aws::settings;
use crate::os::log::one_line;

/// The variable that moves the cache; botocore expands it, aws-config not.
const CACHE_DIRECTORY: &str = "AWS_LOGIN_CACHE_DIRECTORY";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error(
        "the `aws login` session of profile {0} has expired or is missing; run: aws login --profile {0}"
    )]
    Lapsed(String),
    #[error(
        "AWS Sign-In refused to refresh the `aws login` session of profile {profile} ({reason}); run: aws login --profile {profile}"
    )]
    Refused { profile: String, reason: String },
    #[error(
        "the cached `aws login` session of profile {profile} cannot be used ({reason}); run: aws login --profile {profile}"
    )]
    Unreadable { profile: String, reason: String },
    #[error(
        "could not reach AWS Sign-In to refresh the `aws login` session of profile {profile}: {reason}; check the network (and AWS_ENDPOINT_URL_SIGNIN)"
    )]
    Unreachable { profile: String, reason: String },
    #[error(
        "{CACHE_DIRECTORY} ({0}) holds a ~ or a variable, which this helper does not expand; set it to the directory it stands for"
    )]
    UnexpandedCacheDirectory(String),
}

/// The credentials of `profile`'s `login_session`, refreshed if need be
/// through Sign-In in the AWS CLI's region, as botocore's client for it is
/// made in its session's region; `region` where the CLI would have none.
pub(super) fn credentials(
    files: &SharedFiles,
    env: &Env,
    profile: &str,
    region: &str,
) -> Result<Credentials, Error> {
    let session = files.value(profile, "login_session")?.unwrap_or_default();
    if let Some(directory) = var(env, CACHE_DIRECTORY)
        && paths::expand(&directory, env) != Path::new(&directory)
    {
        return Err(Error::UnexpandedCacheDirectory(directory));
    }
    let signin_region = settings::cli_region(files, env)?;
    let region = signin_region.as_ref().map_or(region, |found| &found.name);
    let provider = LoginCredentialsProvider::builder(session)
        .configure(&sdk::provider_config(region))
        .build();
    match sdk::bounded(provider) {
        Ok(Ok(credentials)) => Ok(credentials),
        Ok(Err(error)) => Err(sort(&error, profile)),
        Err(reason) => Err(Error::Unreachable {
            profile: profile.to_owned(),
            reason,
        }),
    }
}

/// What a failed login means for the user. aws-config's error (its
/// `LoginTokenError`, which it does not export) is read through its source:
/// Sign-In's answer, or the cache file's I/O error.
fn sort(error: &CredentialsError, profile: &str) -> Error {
    let profile = profile.to_owned();
    // aws-config's own error: its message names the field or the file, never
    // their contents, which its sources (the JSON parser's) might quote.
    let Some(login) = std::error::Error::source(error) else {
        return Error::Unreadable {
            profile,
            reason: error.to_string(),
        };
    };
    let cause = login.source();
    if let Some(answer) = cause.and_then(|cause| cause.downcast_ref::<CreateOAuth2TokenError>()) {
        return refused(answer, profile);
    }
    match cause.and_then(|cause| cause.downcast_ref::<std::io::Error>()) {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => Error::Lapsed(profile),
        _ => Error::Unreadable {
            profile,
            reason: login.to_string(),
        },
    }
}

/// Sign-In's refusal, or a failure to get its answer.
fn refused(answer: &CreateOAuth2TokenError, profile: String) -> Error {
    let reason = match answer {
        CreateOAuth2TokenError::AccessDeniedException(denied) => match &denied.error {
            OAuth2ErrorCode::TokenExpired => return Error::Lapsed(profile),
            OAuth2ErrorCode::UserCredentialsChanged => {
                "the password changed after the login".to_owned()
            }
            OAuth2ErrorCode::InsufficientPermissions => {
                "no permission for signin:CreateOAuth2Token".to_owned()
            }
            code => format!("access denied: {}", code.as_str()),
        },
        // A service's error has a code; without one, the answer never came.
        other if other.code().is_some() => one_line(other),
        other => {
            return Error::Unreachable {
                profile,
                reason: one_line(other),
            };
        }
    };
    Error::Refused { profile, reason }
}
