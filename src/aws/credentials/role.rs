//! Roles without an MFA device, assumed as botocore's `AssumeRoleProvider`
//! assumes them: `role_arn` with `source_profile` (its credentials as
//! botocore's source chain finds them; a profile may name itself when it
//! holds keys) or `credential_source`, never both; `external_id`,
//! `role_session_name` and `duration_seconds` passed on; a loop of source
//! profiles refused. A role with `mfa_serial` deeper in a chain is refused
//! too: its prompt belongs to the MFA session flow, which handles the selected
//! profile's roles.

use std::time::Duration;

use aws_credential_types::Credentials;

use crate::aws::files::{self, SharedFiles};
use crate::aws::sts::{self, Caller, RoleRequest, StsApi};

/// The role session name when the profile sets no `role_session_name`.
pub const SESSION_NAME: &str = "git-credential-mfa-codecommit";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error("profile {0} has both source_profile and credential_source; keep one")]
    BothSources(String),
    #[error(
        "role profile {0} has neither source_profile nor credential_source; add one to ~/.aws/config"
    )]
    NoSource(String),
    #[error("the source_profile {source_profile} of profile {profile} does not exist")]
    MissingSource {
        profile: String,
        source_profile: String,
    },
    #[error(
        "unknown credential_source `{0}`; use Environment, Ec2InstanceMetadata or EcsContainer"
    )]
    UnknownSource(String),
    #[error("source_profile loops: {0}; break the loop in ~/.aws/config")]
    Loop(String),
    #[error("the source profile {0} has no credentials; add keys to it or a source of its own")]
    SourceWithoutCredentials(String),
    #[error(
        "profile {0}, a source of the selected role, assumes its role with an MFA device; name it with --profile, or give the selected role the mfa_serial"
    )]
    NeedsMfa(String),
    #[error(transparent)]
    Sts(#[from] sts::Error),
}

/// A role to assume, as the profile describes it.
#[derive(Debug)]
pub(super) struct Role {
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    duration: Option<Duration>,
    pub base: Base,
}

/// What assumes a role: its `source_profile`, or its `credential_source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    SourceProfile(String),
    CredentialSource(Source),
}

/// A `credential_source`: where a role's base credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Environment,
    Ec2InstanceMetadata,
    EcsContainer,
}

impl Source {
    /// The value botocore takes (case-sensitive, as botocore compares).
    fn parse(value: &str) -> Result<Self, Error> {
        match value {
            "Environment" => Ok(Source::Environment),
            "Ec2InstanceMetadata" => Ok(Source::Ec2InstanceMetadata),
            "EcsContainer" => Ok(Source::EcsContainer),
            other => Err(Error::UnknownSource(other.to_owned())),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Environment => "Environment",
            Source::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            Source::EcsContainer => "EcsContainer",
        })
    }
}

impl Base {
    /// What assumes the role of `profile`, under botocore's rules: one of
    /// `source_profile` (a profile that exists) and `credential_source` (a
    /// name botocore knows), never both. The one reader of these two keys,
    /// for the chain and for the MFA plan alike.
    pub fn read(files: &SharedFiles, profile: &str) -> Result<Self, Error> {
        let value = |key| files.value(profile, key);
        match (value("source_profile")?, value("credential_source")?) {
            (Some(_), Some(_)) => Err(Error::BothSources(profile.to_owned())),
            (None, None) => Err(Error::NoSource(profile.to_owned())),
            (None, Some(named)) => Ok(Base::CredentialSource(Source::parse(named)?)),
            (Some(source), None) if !files.has_profile(source) => Err(Error::MissingSource {
                profile: profile.to_owned(),
                source_profile: source.to_owned(),
            }),
            (Some(source), None) => Ok(Base::SourceProfile(source.to_owned())),
        }
    }
}

impl Role {
    /// The role of `profile`; `visited` holds the profiles the chain has
    /// passed through, the first being the one it started at.
    pub fn read(files: &SharedFiles, profile: &str, visited: &[String]) -> Result<Self, Error> {
        let value = |key| files.value(profile, key);
        if value("mfa_serial")?.is_some() && visited.first().is_some_and(|first| first != profile) {
            return Err(Error::NeedsMfa(profile.to_owned()));
        }
        let base = Base::read(files, profile)?;
        if let Base::SourceProfile(source) = &base {
            let has_keys = ["aws_access_key_id", "aws_secret_access_key"]
                .iter()
                .any(|key| files.setting(source, key).is_some());
            if visited.iter().any(|seen| seen == source) && (source != profile || !has_keys) {
                let mut chain = visited.to_vec();
                chain.push(source.clone());
                return Err(Error::Loop(chain.join(" → ")));
            }
        }
        Ok(Role {
            role_arn: value("role_arn")?.unwrap_or_default().to_owned(),
            session_name: value("role_session_name")?
                .unwrap_or(SESSION_NAME)
                .to_owned(),
            external_id: value("external_id")?.map(str::to_owned),
            // botocore passes on only a duration that is a number.
            duration: value("duration_seconds")?
                .and_then(|text| text.parse().ok())
                .map(Duration::from_secs),
            base,
        })
    }

    /// sts:AssumeRole with `base`, through `sts`.
    pub fn assume(
        &self,
        sts: &dyn StsApi,
        files: &SharedFiles,
        base: &Credentials,
        region: &str,
    ) -> Result<Credentials, Error> {
        let session = sts.assume_role(&RoleRequest {
            caller: Caller {
                base,
                region,
                files,
            },
            role_arn: &self.role_arn,
            session_name: &self.session_name,
            external_id: self.external_id.as_deref(),
            mfa: None,
            duration: self.duration,
        });
        Ok(session?)
    }
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::Env;

    use crate::aws::files::fake_files;

    use super::*;

    fn read(config: &str, profile: &str, visited: &[&str]) -> Result<Role, String> {
        let env = Env::from_slice(&[("HOME", "/h")]);
        let fs = fake_files("/h", &[(".aws/config", config)]);
        let files = SharedFiles::load(None, &env, &fs).unwrap();
        let visited: Vec<String> = visited.iter().map(|name| (*name).to_owned()).collect();
        Role::read(&files, profile, &visited).map_err(|error| error.to_string())
    }

    #[test]
    fn a_role_and_what_assumes_it() {
        let role = read(
            "[profile r]\nrole_arn = arn:r\nsource_profile = b\nexternal_id = x\nduration_seconds = 900\n[profile b]\n",
            "r",
            &["r"],
        )
        .unwrap();
        assert_eq!(
            (role.role_arn.as_str(), role.session_name.as_str()),
            ("arn:r", SESSION_NAME)
        );
        assert_eq!(
            (role.external_id.as_deref(), role.duration),
            (Some("x"), Some(Duration::from_secs(900)))
        );
        assert!(matches!(role.base, Base::SourceProfile(ref source) if source == "b"));
    }

    #[test]
    fn bad_sources_are_refused_before_any_call() {
        let cases = [
            (
                "[profile r]\nrole_arn = a\nsource_profile = b\ncredential_source = Environment\n",
                "both source_profile and credential_source",
            ),
            (
                "[profile r]\nrole_arn = a\n",
                "neither source_profile nor credential_source",
            ),
            (
                "[profile r]\nrole_arn = a\nsource_profile = gone\n",
                "source_profile gone of profile r does not exist",
            ),
            (
                "[profile r]\nrole_arn = a\nsource_profile = r\n",
                "source_profile loops: r → r",
            ),
        ];
        for (config, says) in cases {
            let error = read(config, "r", &["r"]).unwrap_err();
            assert!(error.contains(says), "{config}: {error}");
        }
        let itself = "[profile r]\nrole_arn = a\nsource_profile = r\naws_access_key_id = K\n";
        assert!(read(itself, "r", &["r"]).is_ok());
        let back = "[profile r]\nrole_arn = a\nsource_profile = x\n[profile x]\n";
        assert!(
            read(back, "r", &["x", "r"])
                .unwrap_err()
                .contains("loops: x → r → x")
        );
        let mfa = "[profile r]\nrole_arn = a\nsource_profile = b\nmfa_serial = m\n[profile b]\n";
        assert!(
            read(mfa, "r", &["top", "r"])
                .unwrap_err()
                .contains("with an MFA device")
        );
    }
}
