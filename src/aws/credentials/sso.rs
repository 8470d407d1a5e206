//! IAM Identity Center (SSO) profiles, in both forms the AWS CLI writes:
//! `sso_session` naming an `[sso-session NAME]` section, and the legacy
//! `sso_start_url` in the profile. Settings are checked as botocore checks
//! them; the cached login token (`~/.aws/sso/cache`), its refresh through
//! SSO OIDC and the portal's GetRoleCredentials are aws-config's, bounded in
//! time here.
//!
//! aws-config does not say why a login fails (a failed refresh is logged at
//! debug level and the expired token is sent anyway), so every failure but
//! an unreachable portal is read as what it is for the user: a login that
//! has lapsed or was never made, with the exact `aws sso login` command.

use ::aws_config::sso::SsoCredentialsProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_sso::error::SdkError;
use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use aws_types::region::Region;

use crate::aws::files::{self, SharedFiles};
use crate::os::log::one_line;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error(
        "profile {profile} is set up for IAM Identity Center but has no {missing}; run `aws configure sso --profile {profile}`"
    )]
    Missing { profile: String, missing: String },
    #[error(
        "the sso-session {session} that profile {profile} names does not exist; add [sso-session {session}] to ~/.aws/config"
    )]
    NoSession { profile: String, session: String },
    #[error(
        "{key} of profile {profile} differs from its sso-session's; remove it from the profile"
    )]
    Inconsistent { profile: String, key: &'static str },
    #[error(
        "the IAM Identity Center login for profile {profile} has expired or is missing; run: aws sso login {login}"
    )]
    Lapsed { profile: String, login: String },
    #[error(
        "the IAM Identity Center login for profile {profile} gives no access to role {role} in account {account}; run: aws sso login {login}, or ask for the role to be assigned to you"
    )]
    NoAccess {
        profile: String,
        login: String,
        role: String,
        account: String,
    },
    #[error(
        "could not reach IAM Identity Center: {0}; check the network (and AWS_ENDPOINT_URL_SSO)"
    )]
    Unreachable(String),
    #[error("IAM Identity Center refused: {0}")]
    Refused(String),
}

/// The settings a profile's login needs.
#[derive(Debug, PartialEq, Eq)]
struct Settings<'a> {
    session: Option<&'a str>,
    start_url: &'a str,
    region: &'a str,
    account_id: &'a str,
    role_name: &'a str,
}

/// The keys every IAM Identity Center profile needs, in botocore's order.
const REQUIRED: [&str; 4] = [
    "sso_role_name",
    "sso_account_id",
    "sso_start_url",
    "sso_region",
];

/// botocore's `SSOProvider._load_sso_config`: the profile's keys, with the
/// sso-session's (which must agree with any the profile repeats).
fn settings<'a>(files: &'a SharedFiles, profile: &str) -> Result<Settings<'a>, Error> {
    let session = files.value(profile, "sso_session")?;
    if let Some(session) = session
        && !files.has_sso_session(session)
    {
        return Err(Error::NoSession {
            profile: profile.to_owned(),
            session: session.to_owned(),
        });
    }
    let mut found = Vec::with_capacity(REQUIRED.len());
    let mut missing = Vec::new();
    for key in REQUIRED {
        let own = files.value(profile, key)?;
        let shared = match session {
            Some(session) => files.sso_session_value(session, key)?,
            None => None,
        };
        if let (Some(own), Some(shared)) = (own, shared)
            && own != shared
        {
            return Err(Error::Inconsistent {
                profile: profile.to_owned(),
                key,
            });
        }
        match shared.or(own) {
            Some(value) => found.push(value),
            None => missing.push(key),
        }
    }
    if !missing.is_empty() {
        return Err(Error::Missing {
            profile: profile.to_owned(),
            missing: missing.join(", "),
        });
    }
    Ok(Settings {
        session,
        role_name: found[0],
        account_id: found[1],
        start_url: found[2],
        region: found[3],
    })
}

/// The role credentials the portal gives for `profile`'s login.
pub(super) fn credentials(files: &SharedFiles, profile: &str) -> Result<Credentials, Error> {
    let settings = settings(files, profile)?;
    let mut builder = SsoCredentialsProvider::builder()
        .configure(&super::sdk::provider_config(settings.region))
        .start_url(settings.start_url)
        .account_id(settings.account_id)
        .role_name(settings.role_name)
        .region(Region::new(settings.region.to_owned()));
    if let Some(session) = settings.session {
        builder = builder.session_name(session);
    }
    let loaded = super::sdk::bounded(builder.build()).map_err(Error::Unreachable)?;
    loaded.map_err(|error| sort(&error, profile, &settings))
}

/// What a failed login means for the user.
fn sort(error: &CredentialsError, profile: &str, settings: &Settings) -> Error {
    let login = match settings.session {
        Some(session) => format!("--sso-session {session}"),
        None => format!("--profile {profile}"),
    };
    let lapsed = || Error::Lapsed {
        profile: profile.to_owned(),
        login: login.clone(),
    };
    if let CredentialsError::ProviderTimedOut(_) = error {
        return Error::Unreachable("no answer in time".to_owned());
    }
    let portal = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<SdkError<GetRoleCredentialsError>>());
    match portal {
        // The token: missing, expired, or not refreshed.
        None => lapsed(),
        Some(SdkError::ServiceError(context)) if context.raw().status().as_u16() == 403 => {
            Error::NoAccess {
                profile: profile.to_owned(),
                login,
                role: settings.role_name.to_owned(),
                account: settings.account_id.to_owned(),
            }
        }
        Some(SdkError::ServiceError(context))
            if context.raw().status().as_u16() == 401
                || context.err().is_unauthorized_exception() =>
        {
            lapsed()
        }
        Some(SdkError::ServiceError(context)) => Error::Refused(one_line(context.err())),
        Some(other) => Error::Unreachable(one_line(other)),
    }
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::Env;

    use crate::aws::files::fake_files;

    use super::*;

    const SESSION: &str = "[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n\
        [sso-session corp]\nsso_start_url = https://corp/start\nsso_region = eu-west-1\n\
        [profile legacy]\nsso_start_url = https://old/start\nsso_region = us-east-1\nsso_account_id = 2\nsso_role_name = R\n\
        [profile half]\nsso_account_id = 3\n[profile gone]\nsso_session = nope\nsso_account_id = 3\n\
        [profile clash]\nsso_session = corp\nsso_region = us-west-2\nsso_account_id = 1\nsso_role_name = Dev\n";

    fn read(profile: &str) -> Result<String, String> {
        let env = Env::from_slice(&[("HOME", "/h")]);
        let fs = fake_files("/h", &[(".aws/config", SESSION)]);
        let files = SharedFiles::load(None, &env, &fs).unwrap();
        settings(&files, profile)
            .map(|settings| format!("{settings:?}"))
            .map_err(|error| error.to_string())
    }

    #[test]
    fn settings_of_both_forms() {
        assert_eq!(
            read("s").unwrap(),
            "Settings { session: Some(\"corp\"), start_url: \"https://corp/start\", region: \"eu-west-1\", account_id: \"1\", role_name: \"Dev\" }"
        );
        assert!(
            read("legacy")
                .unwrap()
                .contains("session: None, start_url: \"https://old/start\"")
        );
    }

    #[test]
    fn incomplete_settings_say_what_is_missing() {
        assert_eq!(
            read("half").unwrap_err(),
            "profile half is set up for IAM Identity Center but has no sso_role_name, sso_start_url, sso_region; run `aws configure sso --profile half`"
        );
        assert!(
            read("gone")
                .unwrap_err()
                .contains("sso-session nope that profile gone names does not exist")
        );
        assert!(
            read("clash")
                .unwrap_err()
                .contains("sso_region of profile clash differs")
        );
    }
}
