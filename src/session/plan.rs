//! Which session a profile needs, and in which region: the answer to "what
//! must be done before signing", from the selected profile's settings and
//! the command line's flags alone.
//!
//! - An IAM user's profile with `mfa_serial` (or `--mfa-serial`): an MFA
//!   session from `sts:GetSessionToken`.
//! - A role with `mfa_serial`: the role assumed with a code, from its
//!   `source_profile` or `credential_source`.
//! - A role whose source profile has `mfa_serial`: the role assumed on the
//!   source's MFA session.
//! - Anything else: none; the credential chain alone will do.
//!
//! The region is the repository host's, else `--region`, else the AWS CLI's.
//! Pure: no file, network or clock; every command that signs asks here.

use std::time::Duration;

use aws_types::os_shim_internal::Env;

use crate::aws::codecommit;
use crate::aws::credentials::{self, ROLE_SESSION_NAME, role};
use crate::aws::settings::{self, Settings};
use crate::session::store::CacheKey;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] settings::Error),
    #[error("--region is empty; give a region such as us-east-1")]
    EmptyRegion,
    #[error(
        "no AWS region for host {0}; pass --region, or set `region` in the profile or AWS_DEFAULT_REGION"
    )]
    NoRegion(String),
    #[error(transparent)]
    Role(#[from] role::Error),
}

/// An MFA session the selected profile calls for.
#[derive(Clone)]
pub struct Need {
    pub key: CacheKey,
    /// `--profile`, passed on to credential and STS look-ups.
    pub explicit_profile: Option<String>,
    /// The region STS is called in (the repository's: same partition).
    pub region: String,
    pub duration: Duration,
    /// The profile's `mfa_process`, a command that prints the code.
    pub mfa_process: Option<String>,
    pub kind: Kind,
}

/// Shows everything but the `mfa_process` command, which may hold a TOTP seed.
impl std::fmt::Debug for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Need")
            .field("key", &self.key)
            .field("explicit_profile", &self.explicit_profile)
            .field("region", &self.region)
            .field("duration", &self.duration)
            .field(
                "mfa_process",
                &self.mfa_process.as_ref().map(|_| "<redacted>"),
            )
            .field("kind", &self.kind)
            .finish()
    }
}

/// How a new session is made.
#[derive(Debug, Clone)]
pub enum Kind {
    /// GetSessionToken with the profile's long-term keys.
    UserSession,
    Role(Role),
}

/// A role to assume, and with what.
#[derive(Debug, Clone)]
pub struct Role {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub base: RoleBase,
}

/// What assumes the role.
#[derive(Debug, Clone)]
pub enum RoleBase {
    /// The source profile's keys, with a TOTP code.
    Profile(String),
    /// A `credential_source`'s keys, with a TOTP code.
    CredentialSource(role::Source),
    /// The source profile's own MFA session; no code.
    Session(Box<Need>),
}

/// The region to sign for `host` in, and the MFA session the selected
/// profile calls for, if any.
pub fn for_host(
    flags: &Flags,
    profile: &Settings,
    host: &str,
    env: &Env,
) -> Result<(String, Option<Need>), Error> {
    let region = match codecommit::region_from_host(host) {
        Some(region) => region.to_owned(),
        None => region(flags, profile, env)?.ok_or_else(|| Error::NoRegion(host.to_owned()))?,
    };
    let need = need(flags, profile, profile.name(), &region)?;
    Ok((region, need))
}

/// `--region`, else the environment's or profile's region, as the AWS CLI
/// reads them; an empty `--region` is an error.
pub fn region(flags: &Flags, profile: &Settings, env: &Env) -> Result<Option<String>, Error> {
    match flags.region {
        Some("") => Err(Error::EmptyRegion),
        Some(region) => Ok(Some(region.to_owned())),
        None => Ok(profile.region(env)?),
    }
}

/// The command line's say in which session a profile calls for.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flags<'a> {
    /// `--profile`.
    pub profile: Option<&'a str>,
    /// `--region`.
    pub region: Option<&'a str>,
    /// `--mfa-serial`.
    pub mfa_serial: Option<&'a str>,
    /// `--duration`, as given.
    pub duration: Option<&'a str>,
}

/// The MFA session profile `name` (or `--mfa-serial`) calls for: an IAM
/// user's session, a role assumed with MFA, or a role assumed on the source
/// profile's MFA session. `None`: the credential chain alone will do.
pub fn need(
    flags: &Flags,
    profile: &Settings,
    name: &str,
    region: &str,
) -> Result<Option<Need>, Error> {
    let own_serial = match flags.mfa_serial {
        Some(serial) => Some(serial),
        None => profile.get_in(name, "mfa_serial")?,
    };
    let mfa_process = profile.get_in(name, "mfa_process")?.map(str::to_owned);
    let needed = |serial: &str, role_arn: Option<&str>, duration, kind| Need {
        key: CacheKey {
            profile: name.to_owned(),
            mfa_serial: serial.to_owned(),
            role_arn: role_arn.map(str::to_owned),
        },
        explicit_profile: flags.profile.map(str::to_owned),
        region: region.to_owned(),
        duration,
        mfa_process: mfa_process.clone(),
        kind,
    };
    let flag = flags.duration;
    let Some(role_arn) = profile.get_in(name, "role_arn")? else {
        return Ok(match own_serial {
            Some(serial) => Some(needed(
                serial,
                None,
                profile.session_duration(name, flag)?,
                Kind::UserSession,
            )),
            None => None,
        });
    };
    if !credentials::assumes_role(profile.files(), name) {
        // A web identity's role: the credential chain assumes it.
        return Ok(None);
    }
    let base = role::Base::read(profile.files(), name)?;
    // A source profile of an IAM user with an MFA device: chain on its
    // session, the one `--profile <source>` would use.
    let source_session = match &base {
        role::Base::SourceProfile(source) if profile.get_in(source, "role_arn")?.is_none() => {
            let source_flags = Flags {
                profile: Some(source),
                ..Flags::default()
            };
            need(&source_flags, profile, source, region)?
        }
        _ => None,
    };
    let (serial, base) = match (source_session, own_serial, base) {
        (Some(source_need), _, _) => (
            own_serial.map_or_else(|| source_need.key.mfa_serial.clone(), str::to_owned),
            RoleBase::Session(Box::new(source_need)),
        ),
        (None, Some(serial), role::Base::SourceProfile(source)) => {
            (serial.to_owned(), RoleBase::Profile(source))
        }
        (None, Some(serial), role::Base::CredentialSource(source)) => {
            (serial.to_owned(), RoleBase::CredentialSource(source))
        }
        // A role without MFA: the credential chain assumes it.
        (None, None, _) => return Ok(None),
    };
    let role = Role {
        role_arn: role_arn.to_owned(),
        session_name: profile
            .get_in(name, "role_session_name")?
            .unwrap_or(ROLE_SESSION_NAME)
            .to_owned(),
        external_id: profile.get_in(name, "external_id")?.map(str::to_owned),
        base,
    };
    Ok(Some(needed(
        &serial,
        Some(role_arn),
        profile.role_duration(name, flag)?,
        Kind::Role(role),
    )))
}

#[cfg(test)]
mod tests {
    use aws_types::os_shim_internal::Fs;

    use super::*;

    const CONFIG: &str = "[default]\nregion = ap-south-1\nmfa_serial = arn:aws:iam::1:mfa/alice\n\
        mfa_process = echo 123456\n\
        [profile plain]\nregion = eu-west-1\n\
        [profile deploy]\nrole_arn = arn:aws:iam::2:role/deploy\nsource_profile = default\n\
        [profile direct]\nrole_arn = arn:aws:iam::2:role/direct\nsource_profile = plain\n\
        mfa_serial = arn:aws:iam::1:mfa/bob\nexternal_id = x\nduration_seconds = 1800\n\
        [profile fromenv]\nrole_arn = arn:aws:iam::2:role/ci\ncredential_source = Environment\n\
        mfa_serial = arn:aws:iam::1:mfa/ci\n\
        [profile orphan]\nrole_arn = arn:aws:iam::2:role/o\nmfa_serial = arn:aws:iam::1:mfa/o\n\
        [profile norole]\nrole_arn = arn:aws:iam::2:role/n\nsource_profile = plain\n\
        [profile both]\nrole_arn = arn:aws:iam::2:role/b\nmfa_serial = arn:aws:iam::1:mfa/b\n\
        source_profile = plain\ncredential_source = Environment\n";

    fn profile(explicit: Option<&str>) -> Settings {
        let env = Env::from_slice(&[("HOME", "/h")]);
        let fs = Fs::from_slice(&[("/h/.aws/config", CONFIG)]);
        Settings::load(explicit, &env, &fs).unwrap()
    }

    fn need_of(name: &str, flags: &Flags) -> Result<Option<Need>, Error> {
        let profile = profile(Some(name));
        need(flags, &profile, name, "us-east-1")
    }

    #[test]
    fn an_iam_user_with_a_device_needs_an_mfa_session() {
        let need = need_of("default", &Flags::default()).unwrap().unwrap();
        assert_eq!(need.key.mfa_serial, "arn:aws:iam::1:mfa/alice");
        assert_eq!(need.key.role_arn, None);
        assert_eq!(need.duration, settings::DEFAULT_DURATION);
        assert_eq!(need.mfa_process.as_deref(), Some("echo 123456"));
        assert!(matches!(need.kind, Kind::UserSession));
        assert!(need_of("plain", &Flags::default()).unwrap().is_none());
        let flags = Flags {
            mfa_serial: Some("arn:aws:iam::1:mfa/flag"),
            duration: Some("900"),
            ..Flags::default()
        };
        let need = need_of("plain", &flags).unwrap().unwrap();
        assert_eq!(need.key.mfa_serial, "arn:aws:iam::1:mfa/flag");
        assert_eq!(need.duration, Duration::from_secs(900));
    }

    #[test]
    fn roles_are_assumed_with_a_code_or_on_the_sources_session() {
        let need = need_of("direct", &Flags::default()).unwrap().unwrap();
        let Kind::Role(role) = &need.kind else {
            panic!("{need:?}")
        };
        assert_eq!(
            need.key.role_arn.as_deref(),
            Some("arn:aws:iam::2:role/direct")
        );
        assert_eq!(
            (role.external_id.as_deref(), need.duration),
            (Some("x"), Duration::from_secs(1800))
        );
        assert!(matches!(&role.base, RoleBase::Profile(source) if source == "plain"));
        assert_eq!(role.session_name, ROLE_SESSION_NAME);

        let need = need_of("deploy", &Flags::default()).unwrap().unwrap();
        let Kind::Role(role) = &need.kind else {
            panic!("{need:?}")
        };
        let RoleBase::Session(source) = &role.base else {
            panic!("{role:?}")
        };
        assert_eq!(source.key.profile, "default");
        assert_eq!(need.key.mfa_serial, "arn:aws:iam::1:mfa/alice");
        assert_eq!(need.duration, settings::DEFAULT_ROLE_DURATION);

        let need = need_of("fromenv", &Flags::default()).unwrap().unwrap();
        assert!(matches!(
            need.kind,
            Kind::Role(Role {
                base: RoleBase::CredentialSource(role::Source::Environment),
                ..
            })
        ));
    }

    #[test]
    fn a_role_without_mfa_needs_no_session_and_one_without_a_source_is_an_error() {
        assert!(need_of("norole", &Flags::default()).unwrap().is_none());
        assert!(matches!(
            need_of("orphan", &Flags::default()),
            Err(Error::Role(role::Error::NoSource(name))) if name == "orphan"
        ));
        // botocore refuses a role with both sources, MFA or not.
        assert!(matches!(
            need_of("both", &Flags::default()),
            Err(Error::Role(role::Error::BothSources(name))) if name == "both"
        ));
    }

    #[test]
    fn the_region_is_the_hosts_then_the_flags_then_the_aws_clis() {
        let env = Env::from_slice(&[("AWS_REGION", "ca-central-1")]);
        let region = |host: &str, flag: Option<&str>, name: &str| {
            let flags = Flags {
                region: flag,
                ..Flags::default()
            };
            for_host(&flags, &profile(Some(name)), host, &env).map(|(region, _)| region)
        };
        let custom = "codecommit.example.amazonaws.com";
        assert_eq!(
            region("git-codecommit.us-east-2.amazonaws.com", Some("x"), "plain").unwrap(),
            "us-east-2"
        );
        assert_eq!(
            region(custom, Some("sa-east-1"), "plain").unwrap(),
            "sa-east-1"
        );
        assert_eq!(region(custom, None, "plain").unwrap(), "eu-west-1");
        assert!(matches!(
            region(custom, Some(""), "plain"),
            Err(Error::EmptyRegion)
        ));
        assert!(
            matches!(region(custom, None, "norole"), Err(Error::NoRegion(host)) if host == custom)
        );
    }
}
