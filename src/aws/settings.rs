//! The helper's own settings in the selected AWS profile (`mfa_serial`,
//! `mfa_process`, `duration_seconds`, the role keys, the region), read from
//! the files as [`crate::aws::files`] reads them, the AWS CLI's way.
//!
//! The region is read two ways: botocore's (`AWS_DEFAULT_REGION`, else the
//! profile's `region`), which AWS's `git-remote-codecommit` uses, and the AWS
//! CLI v2's, which reads `AWS_REGION` before both (v1 never reads it).
//! Nothing here touches the network.

use std::ops::RangeInclusive;
use std::time::Duration;

use aws_types::os_shim_internal::Env;

use crate::aws::files::{self, SharedFiles};

/// GetSessionToken's limits for IAM users, and its default (the STS API
/// reference, `DurationSeconds`).
pub const DURATIONS: RangeInclusive<u64> = 900..=129_600;
pub const DEFAULT_DURATION: Duration = Duration::from_secs(43_200);
/// AssumeRole's limits (a role's maximum is at most 12 hours), and its default.
pub const ROLE_DURATIONS: RangeInclusive<u64> = 900..=43_200;
pub const DEFAULT_ROLE_DURATION: Duration = Duration::from_secs(3_600);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error(
        "session duration {0} is not a number of seconds from {min} to {max}; fix --duration or the profile's duration_seconds", min = .1.start(), max = .1.end()
    )]
    Duration(String, RangeInclusive<u64>),
}

/// `flag` (from `--duration`), else profile `name`'s `duration_seconds`,
/// else 12 hours; an error outside GetSessionToken's limits.
pub fn session_duration(
    files: &SharedFiles,
    name: &str,
    flag: Option<Duration>,
) -> Result<Duration, Error> {
    duration(files, name, flag, DEFAULT_DURATION, DURATIONS)
}

/// As [`session_duration`], for a role session: 1 hour by default, at
/// most 12.
pub fn role_duration(
    files: &SharedFiles,
    name: &str,
    flag: Option<Duration>,
) -> Result<Duration, Error> {
    duration(files, name, flag, DEFAULT_ROLE_DURATION, ROLE_DURATIONS)
}

fn duration(
    files: &SharedFiles,
    name: &str,
    flag: Option<Duration>,
    default: Duration,
    limits: RangeInclusive<u64>,
) -> Result<Duration, Error> {
    // What the message shows: the profile's text as written.
    let (seconds, text) = match flag {
        Some(flag) => (Some(flag.as_secs()), flag.as_secs().to_string()),
        None => match files.value(name, "duration_seconds")? {
            None => return Ok(default),
            Some(text) => (text.trim().parse::<u64>().ok(), text.to_owned()),
        },
    };
    match seconds.filter(|seconds| limits.contains(seconds)) {
        Some(seconds) => Ok(Duration::from_secs(seconds)),
        None => Err(Error::Duration(text, limits)),
    }
}

/// The AWS CLI v2's region below `--region`: `AWS_REGION`, else
/// [`region`] (its `_construct_cli_region_chain` in `awscli/clidriver.py`,
/// less the instance metadata it asks last). The region of its session,
/// which the clients its credential providers make are in.
pub fn cli_region(files: &SharedFiles, env: &Env) -> Result<Option<Region>, files::Error> {
    let variable = "AWS_REGION";
    match files::var(env, variable) {
        Some(name) => Ok(Some(Region::new(name, RegionSource::Variable(variable)))),
        None => region(files, env),
    }
}

/// botocore's region: `AWS_DEFAULT_REGION`, else the selected profile's
/// `region`.
pub fn region(files: &SharedFiles, env: &Env) -> Result<Option<Region>, files::Error> {
    let variable = "AWS_DEFAULT_REGION";
    if let Some(name) = files::var(env, variable) {
        return Ok(Some(Region::new(name, RegionSource::Variable(variable))));
    }
    let region = files.value(files.selected(), "region")?;
    Ok(region.map(|name| Region::new(name.to_owned(), RegionSource::Profile)))
}

/// A region, and what gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub name: String,
    pub source: RegionSource,
}

impl Region {
    pub fn new(name: String, source: RegionSource) -> Self {
        Region { name, source }
    }
}

/// What gave a region, in the words `doctor` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSource {
    /// The repository's host names it.
    Host,
    /// `--region`.
    Flag,
    /// An environment variable.
    Variable(&'static str),
    /// The selected profile's `region`.
    Profile,
    /// The EC2 instance's metadata.
    InstanceMetadata,
    /// Nothing: STS's default.
    Default,
}

impl std::fmt::Display for RegionSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegionSource::Host => f.write_str("the repository's host"),
            RegionSource::Flag => f.write_str("from --region"),
            RegionSource::Variable(name) => write!(f, "from {name}"),
            RegionSource::Profile => f.write_str("the profile's"),
            RegionSource::InstanceMetadata => f.write_str("the EC2 instance's"),
            RegionSource::Default => f.write_str("none is set; STS's default"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::files::fake_files;

    fn profile(config: &str, env: &[(&str, &str)], explicit: Option<&str>) -> SharedFiles {
        let mut vars = vec![("HOME", "/home")];
        vars.extend_from_slice(env);
        let fs = fake_files("/home", &[(".aws/config", config)]);
        SharedFiles::load(explicit, &Env::from_slice(&vars), &fs).unwrap()
    }

    const CONFIG: &str = "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::1:mfa/d\n\
        [profile dev]\nmfa_serial = arn:aws:iam::1:mfa/alice\nduration_seconds = 3600\n\
        [profile plain]\nregion = eu-west-1\n";

    #[test]
    fn selects_the_profile_like_the_aws_cli() {
        assert_eq!(profile(CONFIG, &[], None).selected(), "default");
        assert_eq!(
            profile(CONFIG, &[("AWS_PROFILE", "dev")], None).selected(),
            "dev"
        );
        assert_eq!(
            profile(CONFIG, &[("AWS_PROFILE", "dev")], Some("plain")).selected(),
            "plain"
        );
    }

    #[test]
    fn reads_mfa_serial_and_duration() {
        let dev = profile(CONFIG, &[], Some("dev"));
        assert_eq!(
            dev.value("dev", "mfa_serial").unwrap(),
            Some("arn:aws:iam::1:mfa/alice")
        );
        assert_eq!(
            session_duration(&dev, "dev", None).unwrap(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            session_duration(&dev, "dev", Some(Duration::from_secs(900))).unwrap(),
            Duration::from_secs(900)
        );
        let plain = profile(CONFIG, &[], Some("plain"));
        assert_eq!(plain.value("plain", "mfa_serial").unwrap(), None);
        assert_eq!(
            session_duration(&plain, "plain", None).unwrap(),
            DEFAULT_DURATION
        );
    }

    #[test]
    fn durations_outside_sts_limits_are_errors() {
        let plain = profile(CONFIG, &[], Some("plain"));
        let flag = |seconds| session_duration(&plain, "plain", Some(Duration::from_secs(seconds)));
        assert!(flag(899).is_err() && flag(129_601).is_err());
        assert!(flag(129_600).is_ok());
        for bad in ["899", "-1", "12h"] {
            let config = format!("[profile plain]\nduration_seconds = {bad}\n");
            let profile = profile(&config, &[], Some("plain"));
            assert!(session_duration(&profile, "plain", None).is_err(), "{bad}");
        }
    }

    #[test]
    fn lists_the_profiles() {
        assert_eq!(
            profile(CONFIG, &[], None)
                .profile_names()
                .collect::<Vec<_>>(),
            ["default", "dev", "plain"]
        );
    }

    #[test]
    fn the_region_is_botocores_and_the_cli_v2_reads_aws_region_first() {
        let plain = |env: &[(&str, &str)]| {
            let files = profile(CONFIG, env, Some("plain"));
            let env = Env::from_slice(env);
            let name = |region: Option<Region>| region.map(|region| region.name);
            (
                name(region(&files, &env).unwrap()),
                name(cli_region(&files, &env).unwrap()),
            )
        };
        let same = |region: &str| (Some(region.to_owned()), Some(region.to_owned()));
        assert_eq!(plain(&[]), same("eu-west-1"));
        assert_eq!(
            plain(&[("AWS_REGION", "ap-south-1")]),
            (Some("eu-west-1".to_owned()), Some("ap-south-1".to_owned()))
        );
        assert_eq!(
            plain(&[("AWS_DEFAULT_REGION", "sa-east-1")]),
            same("sa-east-1")
        );
        // Empty is unset, as for every variable the helper reads.
        assert_eq!(plain(&[("AWS_REGION", "")]), same("eu-west-1"));
    }
}
