//! Fuzzes the reading of the AWS shared config files: `SharedFiles::load`
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
//! What is checked: reading never panics; a file that parses renders back
//! (each section's entries as `key = value` lines, continued lines indented,
//! sub-sections as `key =` with indented `k = v`) into the same sections and
//! entries; the selected profile is `--profile`, else `default`; a value is
//! never empty and never holds an inline comment or a line break; `names`
//! is sorted; a duration is the flag, else the profile's `duration_seconds`,
//! else the default, and an error outside its limits (a profile's `region`
//! stands in for an odd flag); the region is the profile's.
#![no_main]

use std::collections::HashMap;
use std::time::Duration;

use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::aws::files::SharedFiles;
use git_credential_mfa_codecommit::aws::files::ini::{self, Ini, Value};
use git_credential_mfa_codecommit::aws::settings::{
    self, DEFAULT_DURATION, DEFAULT_ROLE_DURATION, DURATIONS, ROLE_DURATIONS,
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
    for bytes in files.values() {
        if let Ok(parsed) = ini::parse(bytes)
            && let Some(rendering) = render(&parsed)
        {
            let again = ini::parse(rendering.as_bytes()).expect("a rendering parses");
            assert_eq!(without_lines(again), without_lines(parsed));
        }
    }

    let env = Env::from_slice(&[("HOME", "/home")]);
    let fs = Fs::from_map(files);

    let Ok(files) = SharedFiles::load(explicit.as_deref(), &env, &fs) else {
        return;
    };
    let selected = files.selected().to_owned();
    match explicit.as_deref() {
        Some(name) if !name.is_empty() => assert_eq!(selected, name),
        _ => assert_eq!(selected, "default"),
    }

    let names: Vec<&str> = files.profile_names().collect();
    assert!(names.is_sorted(), "{names:?}");
    for name in names.iter().copied().chain([selected.as_str()]) {
        for key in KEYS {
            if let Ok(Some(value)) = files.value(name, key) {
                assert!(!value.is_empty() && !value.contains('\n'), "{name}.{key}");
                assert_eq!(
                    git_credential_mfa_codecommit::aws::files::strip_comment(value),
                    value
                );
            }
        }
        let Ok(duration_seconds) = files.value(name, "duration_seconds") else {
            continue;
        };
        check_duration(
            settings::session_duration(&files, name, None),
            duration_seconds,
            DEFAULT_DURATION,
            DURATIONS,
        );
        check_duration(
            settings::role_duration(&files, name, None),
            duration_seconds,
            DEFAULT_ROLE_DURATION,
            ROLE_DURATIONS,
        );
        // A flag (whole seconds, as the command line takes it) comes
        // before the profile's value.
        let flag = files
            .value(name, "region")
            .ok()
            .flatten()
            .or(duration_seconds);
        if let Some(seconds) = flag.and_then(|flag| flag.parse().ok()) {
            check_duration(
                settings::session_duration(&files, name, Some(Duration::from_secs(seconds))),
                Some(&seconds.to_string()),
                DEFAULT_DURATION,
                DURATIONS,
            );
        }
    }
    if let Ok(region) = files.value(&selected, "region") {
        let read = settings::region(&files, &env)
            .unwrap()
            .map(|region| region.name);
        assert_eq!(read.as_deref(), region);
    }
});

/// `parsed` written out again as INI text; `None` where a sub-section's
/// first key starts with `#` or `;`: it came after a line break that only
/// botocore's `splitlines` sees (U+000B and the like), and on a line of its
/// own it would be a comment. Later such keys follow such a break here too.
fn render(parsed: &Ini) -> Option<String> {
    let mut text = String::new();
    for section in &parsed.sections {
        text.push_str(&format!("[{}]\n", section.name));
        for entry in &section.entries {
            match &entry.value {
                Value::Text(value) => {
                    let mut lines = value.split('\n');
                    text.push_str(&format!("{} = {}\n", entry.key, lines.next().unwrap_or("")));
                    for line in lines {
                        if !line.is_empty() {
                            text.push_str("  ");
                        }
                        text.push_str(line);
                        text.push('\n');
                    }
                }
                Value::Nested(settings) => {
                    text.push_str(&format!("{} =", entry.key));
                    for (index, (key, value)) in settings.iter().enumerate() {
                        match (index, key.starts_with(['#', ';'])) {
                            (0, true) => return None,
                            (_, true) => text.push('\u{b}'),
                            (_, false) => text.push_str("\n  "),
                        }
                        text.push_str(&format!("{key} = {value}"));
                    }
                    text.push('\n');
                }
            }
        }
    }
    Some(text)
}

/// Sections and entries, without the line numbers a rendering changes.
fn without_lines(parsed: Ini) -> Vec<(String, Vec<(String, Value)>)> {
    parsed
        .sections
        .into_iter()
        .map(|section| {
            let entries = section
                .entries
                .into_iter()
                .map(|entry| (entry.key, entry.value));
            (section.name, entries.collect())
        })
        .collect()
}

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
