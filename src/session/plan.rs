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
use crate::aws::credentials::{self, Chain, KeySource, ROLE_SESSION_NAME, role};
use crate::aws::files::{self, Choice, SharedFiles};
use crate::aws::imds::InstanceRegion;
use crate::aws::settings::{self, Region, RegionSource};
use crate::session::context::Context;
use crate::session::store::CacheKey;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] settings::Error),
    #[error("--region is empty; give a region such as us-east-1")]
    EmptyRegion,
    #[error(
        "no AWS region for host {0}; pass --region, or set `region` in the profile or AWS_REGION"
    )]
    NoRegion(String),
    #[error(transparent)]
    Role(#[from] role::Error),
    #[error(
        "profile {0} has no mfa_serial; run `git-credential-mfa-codecommit login --profile {0}` to find the MFA device and record it, or pass --mfa-serial"
    )]
    NoMfaSerial(String),
}

impl From<files::Error> for Error {
    fn from(error: files::Error) -> Self {
        Error::Config(error.into())
    }
}

/// An MFA session the selected profile calls for.
#[derive(Clone)]
pub struct Need {
    pub key: CacheKey,
    /// Whether keys in the environment answer before the profile's: only
    /// when nothing named the profile (`--profile`, or a chained role for
    /// its source), as in the AWS CLI.
    pub environment_keys: bool,
    pub duration: Duration,
    /// The profile's `mfa_process`, a command that prints the code.
    pub mfa_process: Option<String>,
    pub method: Method,
}

/// Shows everything but the `mfa_process` command, which may hold a TOTP seed.
impl std::fmt::Debug for Need {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Need")
            .field("key", &self.key)
            .field("environment_keys", &self.environment_keys)
            .field("duration", &self.duration)
            .field(
                "mfa_process",
                &self.mfa_process.as_ref().map(|_| "<redacted>"),
            )
            .field("method", &self.method)
            .finish()
    }
}

/// How a new session is made.
#[derive(Debug, Clone)]
pub enum Method {
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

/// STS's region when nothing names one.
pub const DEFAULT_STS_REGION: &str = "us-east-1";

/// What a command does for the selected profile: its files, the region
/// and what gave it, and the MFA session it needs (`None`: the credential
/// chain's keys sign as they are).
#[derive(Debug)]
pub struct Plan {
    pub files: SharedFiles,
    pub region: Region,
    pub need: Option<Need>,
}

impl Plan {
    /// The plan for signing for `host`: the region is the host's, else
    /// `--region`, else the AWS CLI v2's, the `instance`'s last (asked only
    /// when nothing else names one, as v2 does).
    pub fn for_host(
        flags: &Flags,
        files: SharedFiles,
        host: &str,
        env: &Env,
        instance: &dyn InstanceRegion,
    ) -> Result<Self, Error> {
        let region = match codecommit::region_from_host(host) {
            Some(name) => Region::new(name.to_owned(), RegionSource::Host),
            None => match region(flags, &files, env)? {
                Some(region) => region,
                None => instance
                    .region()
                    .map(|name| Region::new(name, RegionSource::InstanceMetadata))
                    .ok_or_else(|| Error::NoRegion(host.to_owned()))?,
            },
        };
        Self::in_region(flags, files, region)
    }

    /// [`Plan::for_host`] for the profile `flags` select, its files read
    /// through `context`.
    pub fn load_for_host(flags: &Flags, host: &str, context: &Context) -> Result<Self, Error> {
        let files = SharedFiles::load(flags.profile, &context.env, &context.fs)?;
        Self::for_host(flags, files, host, &context.env, context.instance)
    }

    /// [`Plan::for_sts`] for the profile `flags` select, its files read
    /// through `context`.
    pub fn load_for_sts(flags: &Flags, context: &Context) -> Result<Self, Error> {
        let files = SharedFiles::load(flags.profile, &context.env, &context.fs)?;
        Self::for_sts(flags, files, &context.env)
    }

    /// The plan for calling STS alone, which no repository places:
    /// `--region`, else the AWS CLI's region, else [`DEFAULT_STS_REGION`]
    /// (not the instance's, which would cost every cached `credential-process`
    /// off EC2 a second).
    pub fn for_sts(flags: &Flags, files: SharedFiles, env: &Env) -> Result<Self, Error> {
        let region = region(flags, &files, env)?
            .unwrap_or_else(|| Region::new(DEFAULT_STS_REGION.to_owned(), RegionSource::Default));
        Self::in_region(flags, files, region)
    }

    fn in_region(flags: &Flags, files: SharedFiles, region: Region) -> Result<Self, Error> {
        let need = need(flags, &files, files.selected())?;
        Ok(Plan {
            files,
            region,
            need,
        })
    }

    /// The MFA session the plan calls for; an error when it calls for none.
    pub fn mfa_need(&self) -> Result<&Need, Error> {
        let missing = || Error::NoMfaSerial(self.files.selected().to_owned());
        self.need.as_ref().ok_or_else(missing)
    }

    /// Whether the profile is an IAM user's that names no MFA device: no
    /// session is needed and no role assumed, so its keys sign as they are
    /// (what `login` finds a device for). The plan read `role_arn` already,
    /// so reading it again cannot fail.
    pub fn is_user_without_device(&self) -> bool {
        let files = &self.files;
        self.need.is_none() && matches!(files.value(files.selected(), "role_arn"), Ok(None))
    }

    /// The keys that sign when no session is needed, or that STS is first
    /// called with to make one.
    pub fn keys(&self) -> KeySource<'_> {
        match &self.need {
            Some(need) => need.keys(),
            None => KeySource::Chain(
                self.files.selected(),
                // As the AWS CLI: `--profile` passes over the environment's keys.
                Chain::Full {
                    environment: self.files.choice() != Choice::Flag,
                },
            ),
        }
    }
}

impl Need {
    /// The keys STS is first called with for this session: for a role on
    /// its source's MFA session, the source's.
    pub fn keys(&self) -> KeySource<'_> {
        match &self.method {
            Method::UserSession => KeySource::Chain(
                &self.key.profile,
                Chain::Full {
                    environment: self.environment_keys,
                },
            ),
            Method::Role(role) => match &role.base {
                RoleBase::Profile(source) => KeySource::Chain(source, Chain::SourceProfile),
                RoleBase::CredentialSource(source) => KeySource::CredentialSource(*source),
                RoleBase::Session(source) => source.keys(),
            },
        }
    }
}

/// `--region`, else the environment's or profile's region, as the AWS CLI
/// v2 reads them; an empty `--region` is an error.
fn region(flags: &Flags, files: &SharedFiles, env: &Env) -> Result<Option<Region>, Error> {
    match flags.region {
        Some("") => Err(Error::EmptyRegion),
        Some(name) => Ok(Some(Region::new(name.to_owned(), RegionSource::Flag))),
        None => Ok(settings::cli_region(files, env)?),
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
    /// `--duration`.
    pub duration: Option<Duration>,
}

/// The MFA session profile `name` (or `--mfa-serial`) calls for: an IAM
/// user's session, a role assumed with MFA, or a role assumed on the source
/// profile's MFA session. `None`: the credential chain alone will do.
pub fn need(flags: &Flags, files: &SharedFiles, name: &str) -> Result<Option<Need>, Error> {
    let own_serial = match flags.mfa_serial {
        Some(serial) => Some(serial),
        None => files.value(name, "mfa_serial")?,
    };
    let (serial, role_arn, duration, method) = match files.value(name, "role_arn")? {
        None => match own_serial {
            Some(serial) => {
                let duration = settings::session_duration(files, name, flags.duration)?;
                (serial.to_owned(), None, duration, Method::UserSession)
            }
            None => return Ok(None),
        },
        // A web identity's role: the credential chain assumes it.
        Some(_) if !credentials::assumes_role(files, name) => return Ok(None),
        Some(role_arn) => {
            // A role without MFA: the credential chain assumes it.
            let Some((serial, base)) = role_base(files, name, own_serial)? else {
                return Ok(None);
            };
            let role = Role {
                role_arn: role_arn.to_owned(),
                session_name: files
                    .value(name, "role_session_name")?
                    .unwrap_or(ROLE_SESSION_NAME)
                    .to_owned(),
                external_id: files.value(name, "external_id")?.map(str::to_owned),
                base,
            };
            let duration = settings::role_duration(files, name, flags.duration)?;
            (serial, Some(role_arn), duration, Method::Role(role))
        }
    };
    Ok(Some(Need {
        key: CacheKey {
            profile: name.to_owned(),
            mfa_serial: serial,
            role_arn: role_arn.map(str::to_owned),
        },
        environment_keys: flags.profile.is_none(),
        duration,
        mfa_process: files.value(name, "mfa_process")?.map(str::to_owned),
        method,
    }))
}

/// The MFA device a role with MFA is assumed with, and what assumes it;
/// `None` for a role without MFA. A source profile of an IAM user with an
/// MFA device is chained on: its session, the one `--profile <source>`
/// would use, assumes the role, with the role's own device named in the
/// cache key if it has one.
fn role_base(
    files: &SharedFiles,
    name: &str,
    own_serial: Option<&str>,
) -> Result<Option<(String, RoleBase)>, Error> {
    let base = role::Base::read(files, name)?;
    if let role::Base::SourceProfile(source) = &base
        && files.value(source, "role_arn")?.is_none()
    {
        let flags = Flags {
            profile: Some(source),
            ..Flags::default()
        };
        if let Some(session) = need(&flags, files, source)? {
            let serial = own_serial.map_or_else(|| session.key.mfa_serial.clone(), str::to_owned);
            return Ok(Some((serial, RoleBase::Session(Box::new(session)))));
        }
    }
    let Some(serial) = own_serial else {
        return Ok(None);
    };
    let base = match base {
        role::Base::SourceProfile(source) => RoleBase::Profile(source),
        role::Base::CredentialSource(source) => RoleBase::CredentialSource(source),
    };
    Ok(Some((serial.to_owned(), base)))
}

#[cfg(test)]
mod tests {
    use crate::aws::files::fake_files;

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

    fn profile(explicit: Option<&str>) -> SharedFiles {
        let env = Env::from_slice(&[("HOME", "/h")]);
        let fs = fake_files("/h", &[(".aws/config", CONFIG)]);
        SharedFiles::load(explicit, &env, &fs).unwrap()
    }

    fn need_of(name: &str, flags: &Flags) -> Result<Option<Need>, Error> {
        let profile = profile(Some(name));
        need(flags, &profile, name)
    }

    #[test]
    fn an_iam_user_with_a_device_needs_an_mfa_session() {
        let need = need_of("default", &Flags::default()).unwrap().unwrap();
        assert_eq!(need.key.mfa_serial, "arn:aws:iam::1:mfa/alice");
        assert_eq!(need.key.role_arn, None);
        assert_eq!(need.duration, settings::DEFAULT_DURATION);
        assert_eq!(need.mfa_process.as_deref(), Some("echo 123456"));
        assert!(matches!(need.method, Method::UserSession));
        assert!(need_of("plain", &Flags::default()).unwrap().is_none());
        let flags = Flags {
            mfa_serial: Some("arn:aws:iam::1:mfa/flag"),
            duration: Some(Duration::from_secs(900)),
            ..Flags::default()
        };
        let need = need_of("plain", &flags).unwrap().unwrap();
        assert_eq!(need.key.mfa_serial, "arn:aws:iam::1:mfa/flag");
        assert_eq!(need.duration, Duration::from_secs(900));
    }

    #[test]
    fn roles_are_assumed_with_a_code_or_on_the_sources_session() {
        let need = need_of("direct", &Flags::default()).unwrap().unwrap();
        let Method::Role(role) = &need.method else {
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
        let Method::Role(role) = &need.method else {
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
            need.method,
            Method::Role(Role {
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

    /// An instance with `region`, counting how often it is asked.
    struct Instance(Option<&'static str>, std::cell::Cell<usize>);

    impl InstanceRegion for Instance {
        fn region(&self) -> Option<String> {
            self.1.set(self.1.get() + 1);
            self.0.map(str::to_owned)
        }
    }

    #[test]
    fn the_region_is_the_hosts_then_the_flags_then_the_aws_cli_v2s() {
        let on_ec2 = Instance(Some("me-south-1"), Default::default());
        let region = |host: &str, flag: Option<&str>, name: &str, vars: &[(&str, &str)]| {
            let flags = Flags {
                region: flag,
                ..Flags::default()
            };
            let env = Env::from_slice(vars);
            Plan::for_host(&flags, profile(Some(name)), host, &env, &on_ec2)
                .map(|plan| (plan.region.name, plan.region.source))
        };
        let custom = "codecommit.example.amazonaws.com";
        let both = [
            ("AWS_REGION", "ca-central-1"),
            ("AWS_DEFAULT_REGION", "us-west-1"),
        ];
        let found = |host, flag, name, vars| region(host, flag, name, vars).unwrap();
        assert_eq!(
            found(
                "git-codecommit.us-east-2.amazonaws.com",
                Some("x"),
                "plain",
                &both
            ),
            ("us-east-2".to_owned(), RegionSource::Host)
        );
        assert_eq!(
            found(custom, Some("sa-east-1"), "plain", &both),
            ("sa-east-1".to_owned(), RegionSource::Flag)
        );
        assert_eq!(
            found(custom, None, "plain", &both),
            (
                "ca-central-1".to_owned(),
                RegionSource::Variable("AWS_REGION")
            )
        );
        assert_eq!(
            found(custom, None, "plain", &both[1..]),
            (
                "us-west-1".to_owned(),
                RegionSource::Variable("AWS_DEFAULT_REGION")
            )
        );
        assert_eq!(
            found(custom, None, "plain", &[]),
            ("eu-west-1".to_owned(), RegionSource::Profile)
        );
        assert_eq!(
            on_ec2.1.get(),
            0,
            "the instance is asked only when nothing names a region"
        );
        assert_eq!(
            found(custom, None, "norole", &[]),
            ("me-south-1".to_owned(), RegionSource::InstanceMetadata)
        );
        assert!(matches!(
            region(custom, Some(""), "plain", &[]),
            Err(Error::EmptyRegion)
        ));
        let off_ec2 = Instance(None, Default::default());
        let env = Env::from_slice(&[]);
        let none = Plan::for_host(
            &Flags::default(),
            profile(Some("norole")),
            custom,
            &env,
            &off_ec2,
        );
        assert!(matches!(none, Err(Error::NoRegion(host)) if host == custom));
    }
}
