//! Fuzzes the reading of the AWS shared config files: `config::Profile::load`
//! on arbitrary `~/.aws/config` and `~/.aws/credentials` contents, then every
//! accessor on every profile found.
//!
//! Input layout, split at NUL bytes (which no real config file holds):
//!
//! ```text
//! <~/.aws/config> [ NUL <~/.aws/credentials> [ NUL <--profile name> ] ]
//! ```
//!
//! Without a first NUL there is no credentials file at all (not an empty
//! one); without a second there is no `--profile` and `AWS_PROFILE` is
//! unset, so the profile is `default`. A profile name that is not UTF-8 is
//! read lossily. Files are bytes as on disk, UTF-8 or not; the environment
//! holds only `HOME=/home`, so the region comes from the profile.
//!
//! What the config module promises, and so what is checked: loading never
//! panics; the selected profile is `--profile`, else `default`; `get_in`
//! never returns an empty value; `mfa_process`, `role_arn` and `region` are
//! the selected profile's keys; `names` is sorted; a duration is the flag,
//! else the profile's `duration_seconds`, else the default, and an error
//! outside its limits (a profile's `region` stands in for an odd flag).
#![no_main]

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;

use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::config::{
    DEFAULT_DURATION, DEFAULT_ROLE_DURATION, DURATIONS, Profile, ROLE_DURATIONS,
};
use libfuzzer_sys::fuzz_target;

/// The keys the helper reads, and a few it passes on to the AWS SDK.
const KEYS: &[&str] = &[
    "region",
    "mfa_serial",
    "mfa_process",
    "role_arn",
    "source_profile",
    "credential_source",
    "external_id",
    "role_session_name",
    "duration_seconds",
    "endpoint_url",
    "sso_session",
    "aws_access_key_id",
    "aws_secret_access_key",
];

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&byte| byte == 0);
    let mut files = HashMap::new();
    files.insert(
        "/home/.aws/config".to_owned(),
        parts.next().unwrap_or_default().to_vec(),
    );
    if let Some(credentials) = parts.next() {
        files.insert("/home/.aws/credentials".to_owned(), credentials.to_vec());
    }
    let explicit = parts.next().map(String::from_utf8_lossy);
    let env = Env::from_slice(&[("HOME", "/home")]);
    let fs = Fs::from_map(files);

    let Ok(profile) = Profile::load(explicit.as_deref(), &env, &fs) else {
        return;
    };
    let selected = profile.name();
    assert_eq!(selected, explicit.as_deref().unwrap_or("default"));

    let names = profile.names();
    assert!(names.is_sorted(), "{names:?}");
    for &name in names.iter().chain([&selected]) {
        for key in KEYS {
            assert_ne!(profile.get_in(name, key), Some(""), "{name}.{key}");
        }
        let duration_seconds = profile.get_in(name, "duration_seconds");
        check_duration(
            profile.session_duration(name, None),
            duration_seconds,
            DEFAULT_DURATION,
            DURATIONS,
        );
        check_duration(
            profile.role_duration(name, None),
            duration_seconds,
            DEFAULT_ROLE_DURATION,
            ROLE_DURATIONS,
        );
        // A flag comes before the profile's value.
        let flag = profile.get_in(name, "region").or(duration_seconds);
        if let Some(flag) = flag {
            check_duration(
                profile.session_duration(name, Some(flag)),
                Some(flag),
                DEFAULT_DURATION,
                DURATIONS,
            );
        }
    }

    assert_eq!(
        profile.mfa_process(),
        profile.get_in(selected, "mfa_process")
    );
    assert_eq!(profile.role_arn(), profile.get_in(selected, "role_arn"));
    assert_eq!(
        profile.region(&env).map(Cow::Owned),
        profile.get_in(selected, "region").map(Cow::Borrowed)
    );
});

/// `result` is `text` read as seconds within `limits`, else `default` when
/// there is no `text`, else an error.
fn check_duration<E: std::fmt::Display>(
    result: Result<Duration, E>,
    text: Option<&str>,
    default: Duration,
    limits: std::ops::RangeInclusive<u64>,
) {
    let Some(text) = text else {
        assert_eq!(result.ok(), Some(default));
        return;
    };
    match text.trim().parse::<u64>() {
        Ok(seconds) if limits.contains(&seconds) => {
            assert_eq!(result.ok(), Some(Duration::from_secs(seconds)), "{text:?}");
        }
        _ => {
            let error = result.expect_err(text).to_string();
            assert!(error.contains(text), "{error}");
        }
    }
}
