//! Base AWS credentials, found exactly where the AWS CLI finds them:
//! botocore's `create_credential_resolver`, provider by provider, in its order.
//!
//! For the selected profile: the environment (not under `--profile`), a
//! `role_arn` (assumed with the source's credentials), web identity, IAM
//! Identity Center, keys in the credentials file, `aws login`, a
//! `credential_process`, keys in the config file, the container endpoint,
//! instance metadata. The first whose settings are present answers or fails:
//! a failure is never passed over for a later provider, as in botocore.
//! For a role's `source_profile`, botocore's narrower chain: that profile's
//! own providers (no environment), or its role when it has no keys.
//!
//! [`provider`] decides which provider answers, from the files and the
//! environment alone (pure, unit-tested); [`DefaultChain`] runs it. Roles
//! with an MFA device never get here: the MFA session flow
//! (`session::obtain`) assumes those itself.

mod expiry;
mod keys;
mod login;
mod process;
pub mod role;
mod sdk;
mod sso;

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::Env;

use crate::aws::files::{self, Kind, SharedFiles, var};
use crate::aws::sts::Sts;

pub use role::SESSION_NAME as ROLE_SESSION_NAME;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no AWS credentials found in the environment, the AWS config files or instance metadata; run `aws configure`, set AWS_PROFILE, or pass --profile"
    )]
    NotFound,
    #[error(
        "no AWS credentials found for profile `{0}`; check ~/.aws/config and ~/.aws/credentials, or run `aws configure --profile {0}`"
    )]
    ProfileNotFound(String),
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error(transparent)]
    Keys(#[from] keys::Error),
    #[error(transparent)]
    Process(#[from] process::Error),
    #[error(transparent)]
    Sso(#[from] sso::Error),
    #[error(transparent)]
    Role(#[from] role::Error),
    #[error(transparent)]
    Sdk(#[from] sdk::Error),
    #[error(transparent)]
    Login(#[from] login::Error),
    #[error("the credential_source {0} has no credentials here")]
    EmptySource(role::Source),
    #[error(
        "profile {0} names web_identity_token_file but no role_arn (nor AWS_ROLE_ARN); add role_arn to it"
    )]
    WebIdentityWithoutRole(String),
}

/// Where base credentials come from; the real one is [`DefaultChain`].
pub trait CredentialSource {
    /// The keys `keys` selects; `region` is for any AWS call a provider
    /// makes.
    fn fetch(
        &self,
        files: &SharedFiles,
        keys: KeySource,
        region: &str,
    ) -> Result<Credentials, Error>;
}

/// The provider that answers, and with what settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider<'a> {
    /// `AWS_ACCESS_KEY_ID` and the rest.
    Environment,
    /// `role_arn` in the profile.
    AssumeRole(&'a str),
    /// A web identity token file, and the role it is exchanged for.
    WebIdentity {
        token_file: String,
        role_arn: String,
        session_name: Option<String>,
    },
    /// IAM Identity Center (`sso_session`, or the legacy `sso_start_url`).
    Sso(&'a str),
    /// Keys in the file of that kind.
    Keys(Kind, &'a str),
    /// `login_session` (`aws login`).
    Login(&'a str),
    /// A `credential_process` command.
    Process(&'a str, &'a str),
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `…_FULL_URI`.
    Container,
    InstanceMetadata,
}

/// Which chain: the full one for a profile (with the environment or not),
/// or a role's source profile's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    Full { environment: bool },
    SourceProfile,
}

/// Which keys to fetch: a profile's chain, or a role's `credential_source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource<'a> {
    Chain(&'a str, Chain),
    CredentialSource(role::Source),
}

/// The provider botocore's resolver would take for `profile`; `None` when
/// none has settings (and instance metadata is turned off).
pub fn provider<'a>(
    files: &'a SharedFiles,
    env: &Env,
    profile: &'a str,
    chain: Chain,
) -> Result<Option<Provider<'a>>, Error> {
    let present = |key| files.setting(profile, key).is_some();
    let has_role = assumes_role(files, profile);
    let environment = match chain {
        Chain::SourceProfile => {
            let has_keys = present("aws_access_key_id") || present("aws_secret_access_key");
            if has_role && !has_keys {
                return Ok(Some(Provider::AssumeRole(profile)));
            }
            return profile_provider(files, env, profile, false);
        }
        Chain::Full { environment } => environment,
    };
    if environment && var(env, "AWS_ACCESS_KEY_ID").is_some() {
        return Ok(Some(Provider::Environment));
    }
    if has_role {
        return Ok(Some(Provider::AssumeRole(profile)));
    }
    if let Some(provider) = profile_provider(files, env, profile, environment)? {
        return Ok(Some(provider));
    }
    if var(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").is_some()
        || var(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI").is_some()
    {
        return Ok(Some(Provider::Container));
    }
    let imds_off =
        var(env, "AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok((!imds_off).then_some(Provider::InstanceMetadata))
}

/// Whether `profile` is a role botocore's `AssumeRoleProvider` assumes:
/// a `role_arn` without a `web_identity_token_file` (with one, the web
/// identity provider takes the role).
pub fn assumes_role(files: &SharedFiles, profile: &str) -> bool {
    let present = |key| files.setting(profile, key).is_some();
    present("role_arn") && !present("web_identity_token_file")
}

/// botocore's `ProfileProviderBuilder.providers`, in order.
fn profile_provider<'a>(
    files: &'a SharedFiles,
    env: &Env,
    profile: &'a str,
    environment: bool,
) -> Result<Option<Provider<'a>>, Error> {
    let from_env = |name| environment.then(|| var(env, name)).flatten();
    let token_file = match from_env("AWS_WEB_IDENTITY_TOKEN_FILE") {
        Some(file) => Some(file),
        None => files
            .value(profile, "web_identity_token_file")?
            .map(str::to_owned),
    };
    if let Some(token_file) = token_file {
        let role_arn = match from_env("AWS_ROLE_ARN") {
            Some(role) => role,
            None => files
                .value(profile, "role_arn")?
                .ok_or_else(|| Error::WebIdentityWithoutRole(profile.to_owned()))?
                .to_owned(),
        };
        let session_name = match from_env("AWS_ROLE_SESSION_NAME") {
            Some(name) => Some(name),
            None => files
                .value(profile, "role_session_name")?
                .map(str::to_owned),
        };
        return Ok(Some(Provider::WebIdentity {
            token_file,
            role_arn,
            session_name,
        }));
    }
    let present = |key| files.setting(profile, key).is_some();
    if present("sso_role_name") || present("sso_account_id") {
        return Ok(Some(Provider::Sso(profile)));
    }
    if files
        .setting_in(Kind::Credentials, profile, "aws_access_key_id")
        .is_some()
    {
        return Ok(Some(Provider::Keys(Kind::Credentials, profile)));
    }
    if present("login_session") {
        return Ok(Some(Provider::Login(profile)));
    }
    if let Some(command) = files.value(profile, "credential_process")? {
        return Ok(Some(Provider::Process(profile, command)));
    }
    if files
        .setting_in(Kind::Config, profile, "aws_access_key_id")
        .is_some()
    {
        return Ok(Some(Provider::Keys(Kind::Config, profile)));
    }
    Ok(None)
}

/// botocore's resolver on the real environment, files and network.
#[derive(Debug)]
pub struct DefaultChain {
    pub env: Env,
}

impl DefaultChain {
    /// Credentials from a role profile's `credential_source`: `Environment`,
    /// `Ec2InstanceMetadata` or `EcsContainer`.
    fn credential_source(&self, source: role::Source, region: &str) -> Result<Credentials, Error> {
        let credentials = match source {
            role::Source::Environment if var(&self.env, "AWS_ACCESS_KEY_ID").is_none() => None,
            role::Source::Environment => Some(keys::from_env(&self.env, SystemTime::now())?),
            role::Source::Ec2InstanceMetadata => found(sdk::instance_metadata(region))?,
            role::Source::EcsContainer => found(sdk::container(region))?,
        };
        credentials.ok_or(Error::EmptySource(source))
    }

    fn run(
        &self,
        files: &SharedFiles,
        profile: &str,
        chain: Chain,
        region: &str,
        visited: &mut Vec<String>,
    ) -> Result<Option<Credentials>, Error> {
        let Some(provider) = provider(files, &self.env, profile, chain)? else {
            return Ok(None);
        };
        let now = SystemTime::now();
        let credentials = match provider {
            Provider::Environment => keys::from_env(&self.env, now)?,
            Provider::Keys(kind, profile) => keys::from_file(files, kind, profile)?,
            Provider::Process(profile, command) => process::run(profile, command, now)?,
            Provider::AssumeRole(profile) => {
                let role = role::Role::read(files, profile, visited)?;
                let base = match &role.base {
                    role::Base::SourceProfile(source) => {
                        visited.push(source.clone());
                        self.run(files, source, Chain::SourceProfile, region, visited)?
                            .ok_or_else(|| role::Error::SourceWithoutCredentials(source.clone()))?
                    }
                    role::Base::CredentialSource(source) => {
                        self.credential_source(*source, region)?
                    }
                };
                let sts = Sts {
                    env: self.env.clone(),
                };
                role.assume(&sts, files, &base, region)?
            }
            Provider::WebIdentity {
                token_file,
                role_arn,
                session_name,
            } => sdk::web_identity(&token_file, &role_arn, session_name.as_deref(), region)?,
            Provider::Sso(profile) => sso::credentials(files, profile)?,
            Provider::Login(profile) => login::credentials(files, &self.env, profile, region)?,
            Provider::Container => return found(sdk::container(region)),
            Provider::InstanceMetadata => return found(sdk::instance_metadata(region)),
        };
        Ok(Some(credentials))
    }
}

/// An SDK provider's credentials; `None` when it has none, which the chain
/// reports as no credentials at all.
fn found(result: Result<Credentials, sdk::Error>) -> Result<Option<Credentials>, Error> {
    match result {
        Err(sdk::Error::NotFound) => Ok(None),
        result => Ok(Some(result?)),
    }
}

impl CredentialSource for DefaultChain {
    fn fetch(
        &self,
        files: &SharedFiles,
        keys: KeySource,
        region: &str,
    ) -> Result<Credentials, Error> {
        let (name, chain) = match keys {
            KeySource::Chain(name, chain) => (name, chain),
            KeySource::CredentialSource(source) => return self.credential_source(source, region),
        };
        let mut visited = vec![name.to_owned()];
        self.run(files, name, chain, region, &mut visited)?
            .ok_or_else(|| match chain {
                Chain::Full { environment: true } => Error::NotFound,
                Chain::Full { environment: false } => Error::ProfileNotFound(name.to_owned()),
                Chain::SourceProfile => {
                    role::Error::SourceWithoutCredentials(name.to_owned()).into()
                }
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::aws::files::fake_files;

    use super::*;

    fn load(config: &str, credentials: &str, vars: &[(&str, &str)]) -> (SharedFiles, Env) {
        let mut all = vec![("HOME", "/h")];
        all.extend_from_slice(vars);
        let env = Env::from_slice(&all);
        let fs = fake_files(
            "/h",
            &[(".aws/config", config), (".aws/credentials", credentials)],
        );
        (SharedFiles::load(None, &env, &fs).unwrap(), env)
    }

    fn planned(config: &str, credentials: &str, vars: &[(&str, &str)], chain: Chain) -> String {
        let (files, env) = load(config, credentials, vars);
        format!(
            "{:?}",
            provider(&files, &env, files.selected(), chain).unwrap()
        )
    }

    const FULL: Chain = Chain::Full { environment: true };

    #[test]
    fn providers_in_botocores_order() {
        let env_keys = [("AWS_ACCESS_KEY_ID", "AKID")];
        assert_eq!(
            planned("[default]\nrole_arn = r\n", "", &env_keys, FULL),
            "Some(Environment)"
        );
        assert_eq!(
            planned(
                "[default]\nrole_arn = r\n",
                "",
                &env_keys,
                Chain::Full { environment: false }
            ),
            "Some(AssumeRole(\"default\"))"
        );
        assert_eq!(
            planned(
                "[default]\ncredential_process = p\naws_access_key_id = C\n",
                "[default]\naws_access_key_id = K\n",
                &[],
                FULL
            ),
            "Some(Keys(Credentials, \"default\"))"
        );
        assert_eq!(
            planned(
                "[default]\ncredential_process = p\naws_access_key_id = C\n",
                "",
                &[],
                FULL
            ),
            "Some(Process(\"default\", \"p\"))"
        );
        assert_eq!(
            planned(
                "[default]\naws_access_key_id = C\nsso_account_id = 1\n",
                "",
                &[],
                FULL
            ),
            "Some(Sso(\"default\"))"
        );
        assert_eq!(
            planned("[default]\naws_access_key_id = C\n", "", &[], FULL),
            "Some(Keys(Config, \"default\"))"
        );
        assert_eq!(
            planned(
                "",
                "",
                &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c")],
                FULL
            ),
            "Some(Container)"
        );
        assert_eq!(planned("", "", &[], FULL), "Some(InstanceMetadata)");
        assert_eq!(
            planned("", "", &[("AWS_EC2_METADATA_DISABLED", "TRUE")], FULL),
            "None"
        );
    }

    #[test]
    fn web_identity_beats_keys_and_a_role_beside_it_is_its_role() {
        let config =
            "[default]\nrole_arn = arn:r\nweb_identity_token_file = /t\naws_access_key_id = C\n";
        assert_eq!(
            planned(config, "", &[], FULL),
            "Some(WebIdentity { token_file: \"/t\", role_arn: \"arn:r\", session_name: None })"
        );
        let (files, env) = load("[default]\nweb_identity_token_file = /t\n", "", &[]);
        assert!(matches!(
            provider(&files, &env, "default", FULL),
            Err(Error::WebIdentityWithoutRole(_))
        ));
    }

    #[test]
    fn a_source_profile_with_keys_gives_its_keys_not_its_role() {
        let config = "[default]\nrole_arn = r\nsource_profile = default\naws_access_key_id = C\n";
        assert_eq!(
            planned(config, "", &[], FULL),
            "Some(AssumeRole(\"default\"))"
        );
        assert_eq!(
            planned(config, "", &[], Chain::SourceProfile),
            "Some(Keys(Config, \"default\"))"
        );
        assert_eq!(
            planned("[default]\nrole_arn = r\n", "", &[], Chain::SourceProfile),
            "Some(AssumeRole(\"default\"))"
        );
        assert_eq!(
            planned("[default]\nregion = x\n", "", &[], Chain::SourceProfile),
            "None"
        );
    }
}
