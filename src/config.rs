//! Settings from the AWS shared config files (`~/.aws/config`, `~/.aws/credentials`)
//! and the environment, resolved the way the AWS CLI resolves them.
//!
//! The profile is `--profile`, else `AWS_PROFILE`, else `default`. Parsing is aws-config's own, so every file the AWS CLI reads is
//! read alike. The environment and file system come in as values, so tests pass
//! a fake of each; nothing here touches the network.

use std::borrow::Cow;
use std::ops::RangeInclusive;
use std::time::Duration;

use aws_config::profile::{ProfileFileLoadError, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

/// GetSessionToken's limits for IAM users, and its default (SPEC §4).
pub const DURATIONS: RangeInclusive<u64> = 900..=129_600;
pub const DEFAULT_DURATION: Duration = Duration::from_secs(43_200);
/// AssumeRole's limits (a role's maximum is at most 12 hours), and its default.
pub const ROLE_DURATIONS: RangeInclusive<u64> = 900..=43_200;
pub const DEFAULT_ROLE_DURATION: Duration = Duration::from_secs(3_600);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the AWS config files: {0}")]
    Load(String),
    #[error(
        "session duration {0} is not a number of seconds from {min} to {max}; fix --duration or the profile's duration_seconds", min = .1.start(), max = .1.end()
    )]
    Duration(String, RangeInclusive<u64>),
}

/// The selected profile's settings.
#[derive(Debug)]
pub struct Profile {
    set: ProfileSet,
}

impl Profile {
    /// Reads the shared config files for `explicit` (from `--profile`) or the
    /// profile the environment selects.
    pub fn load(explicit: Option<&str>, env: &Env, fs: &Fs) -> Result<Self, Error> {
        let name = explicit.map(|name| Cow::Owned(name.to_owned()));
        let files = EnvConfigFiles::default();
        let set = crate::runtime::run_ready(aws_config::profile::load(fs, env, &files, name))
            .map_err(|error| Error::Load(error.to_string()))?
            .map_err(|error: ProfileFileLoadError| Error::Load(error.to_string()))?;
        Ok(Profile { set })
    }

    /// The selected profile's name.
    pub fn name(&self) -> &str {
        self.set.selected_profile()
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.get_in(self.name(), key)
    }

    /// `key` of the profile `name`, if set and not empty.
    pub fn get_in(&self, name: &str, key: &str) -> Option<&str> {
        self.set
            .get_profile(name)
            .and_then(|profile| profile.get(key))
            .filter(|value| !value.is_empty())
    }

    /// The profile's `mfa_process`: a command that prints a TOTP code.
    pub fn mfa_process(&self) -> Option<&str> {
        self.get("mfa_process")
            .filter(|command| !command.is_empty())
    }

    /// The profile's `role_arn`: a role profile.
    pub fn role_arn(&self) -> Option<&str> {
        self.get("role_arn")
    }

    /// `flag` (from `--duration`), else profile `name`'s `duration_seconds`,
    /// else 12 hours; an error outside GetSessionToken's limits.
    pub fn session_duration(&self, name: &str, flag: Option<&str>) -> Result<Duration, Error> {
        self.duration(name, flag, DEFAULT_DURATION, DURATIONS)
    }

    /// As [`Profile::session_duration`], for a role session: 1 hour by
    /// default, at most 12.
    pub fn role_duration(&self, name: &str, flag: Option<&str>) -> Result<Duration, Error> {
        self.duration(name, flag, DEFAULT_ROLE_DURATION, ROLE_DURATIONS)
    }

    fn duration(
        &self,
        name: &str,
        flag: Option<&str>,
        default: Duration,
        limits: RangeInclusive<u64>,
    ) -> Result<Duration, Error> {
        let Some(text) = flag.or_else(|| self.get_in(name, "duration_seconds")) else {
            return Ok(default);
        };
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|seconds| limits.contains(seconds))
            .map(Duration::from_secs)
            .ok_or_else(|| Error::Duration(text.to_owned(), limits))
    }

    /// Every profile's name, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<_> = self.set.profiles().collect();
        names.sort_unstable();
        names
    }

    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`.
    pub fn region(&self, env: &Env) -> Option<String> {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .into_iter()
            .find_map(|var| env.get(var).ok().filter(|value| !value.is_empty()))
            .or_else(|| self.get("region").map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(config: &str, env: &[(&str, &str)], explicit: Option<&str>) -> Profile {
        let mut vars = vec![("HOME", "/home")];
        vars.extend_from_slice(env);
        let fs = Fs::from_slice(&[("/home/.aws/config", config)]);
        Profile::load(explicit, &Env::from_slice(&vars), &fs).unwrap()
    }

    const CONFIG: &str = "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::1:mfa/d\n\
        [profile dev]\nmfa_serial = arn:aws:iam::1:mfa/alice\nduration_seconds = 3600\n\
        [profile plain]\nregion = eu-west-1\n";

    #[test]
    fn selects_the_profile_like_the_aws_cli() {
        assert_eq!(profile(CONFIG, &[], None).name(), "default");
        assert_eq!(
            profile(CONFIG, &[("AWS_PROFILE", "dev")], None).name(),
            "dev"
        );
        assert_eq!(
            profile(CONFIG, &[("AWS_PROFILE", "dev")], Some("plain")).name(),
            "plain"
        );
    }

    #[test]
    fn reads_mfa_serial_and_duration() {
        let dev = profile(CONFIG, &[], Some("dev"));
        assert_eq!(
            dev.get_in("dev", "mfa_serial"),
            Some("arn:aws:iam::1:mfa/alice")
        );
        assert_eq!(
            dev.session_duration("dev", None).unwrap(),
            Duration::from_secs(3600)
        );
        assert_eq!(
            dev.session_duration("dev", Some("900")).unwrap(),
            Duration::from_secs(900)
        );
        let plain = profile(CONFIG, &[], Some("plain"));
        assert_eq!(plain.get_in("plain", "mfa_serial"), None);
        assert_eq!(
            plain.session_duration("plain", None).unwrap(),
            DEFAULT_DURATION
        );
    }

    #[test]
    fn durations_outside_sts_limits_are_errors() {
        let plain = profile(CONFIG, &[], Some("plain"));
        for bad in ["899", "129601", "-1", "12h", ""] {
            assert!(plain.session_duration("plain", Some(bad)).is_err(), "{bad}");
        }
        assert!(plain.session_duration("plain", Some("129600")).is_ok());
    }

    #[test]
    fn lists_the_profiles() {
        assert_eq!(
            profile(CONFIG, &[], None).names(),
            ["default", "dev", "plain"]
        );
    }
}
