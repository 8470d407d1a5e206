//! A profile's `credential_process`: a program that prints credentials as
//! JSON (`Version` 1, `AccessKeyId`, `SecretAccessKey`, optional
//! `SessionToken` and `Expiration`).
//!
//! As botocore runs it: the command line split as botocore splits it
//! ([`command_line::split`]: `shlex`, or the C runtime's rules on Windows) and run
//! without a shell (so `$HOME` is passed on as written, and `;` or `#` inside
//! quotes are plain characters). As [`crate::os::child`] runs programs: no stdin,
//! stderr to the user, stopped after [`TIMEOUT`]. Credentials already expired
//! are an error, never a signature. Errors name the profile, never the
//! command line or the output.

use std::process::Command;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;

use super::expiry::{self, unexpired};
use crate::aws::files::command_line;
use crate::os::child;
use crate::os::json::{self, Value};

/// How long the program may take (it may prompt, or open a browser).
pub const TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the credential_process of profile {0} is not a command line (an unclosed quote, or empty); fix it in the AWS config"
    )]
    NotACommand(String),
    #[error("the credential_process of profile {0}: {1}; run it yourself to see why")]
    Run(String, #[source] child::Error),
    #[error(transparent)]
    Expiry(#[from] expiry::Error),
    #[error(
        "the credential_process of profile {profile} could not start {program}: {} (it runs without a shell: write the program's path out)", crate::os::child::reason(.source)
    )]
    NotStarted {
        profile: String,
        program: String,
        source: std::io::Error,
    },
    #[error(
        "the credential_process of profile {0} printed {1}; it must print credentials as JSON with Version 1"
    )]
    Output(String, &'static str),
}

/// Runs `command`, the credential_process of `profile`.
pub(super) fn run(profile: &str, command: &str, now: SystemTime) -> Result<Credentials, Error> {
    run_within(profile, command, now, TIMEOUT)
}

fn run_within(
    profile: &str,
    command: &str,
    now: SystemTime,
    timeout: Duration,
) -> Result<Credentials, Error> {
    let words = command_line::split(command)
        .filter(|words| !words.is_empty())
        .ok_or_else(|| Error::NotACommand(profile.to_owned()))?;
    let mut program = Command::new(&words[0]);
    program.args(&words[1..]);
    let output =
        child::output(program, timeout, child::Stderr::Kept).map_err(|error| match error {
            child::Error::Start(source) => Error::NotStarted {
                profile: profile.to_owned(),
                program: words[0].clone(),
                source,
            },
            error => Error::Run(profile.to_owned(), error),
        })?;
    parse(profile, &output, now)
}

/// The credentials in the program's output.
fn parse(profile: &str, output: &[u8], now: SystemTime) -> Result<Credentials, Error> {
    let bad = |what| Error::Output(profile.to_owned(), what);
    let members = json::object(output).map_err(|_| bad("no JSON object"))?;
    let version = members
        .iter()
        .find(|(key, _)| key == "Version")
        .map(|(_, value)| value);
    if version != Some(&Value::Number(1.0)) {
        return Err(bad("no Version 1"));
    }
    let field = |key, missing| {
        json::string(&members, key)
            .filter(|text| !text.is_empty())
            .ok_or_else(|| bad(missing))
    };
    let id = field("AccessKeyId", "no AccessKeyId")?;
    let secret = field("SecretAccessKey", "no SecretAccessKey")?;
    let token = json::string(&members, "SessionToken").filter(|token| !token.is_empty());
    let expiry = match json::string(&members, "Expiration") {
        Some(text) => Some(unexpired(
            text,
            now,
            &format!(
                "the credentials from the credential_process of profile {profile} (Expiration)"
            ),
        )?),
        None => None,
    };
    Ok(Credentials::new(
        id,
        secret,
        token.map(str::to_owned),
        expiry,
        "CredentialProcess",
    ))
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_709_251_199)
    }

    fn parsed(output: &str) -> Result<Credentials, String> {
        parse("p", output.as_bytes(), now()).map_err(|error| error.to_string())
    }

    #[test]
    fn reads_version_1_json() {
        let keys = parsed(
            r#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2024-03-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            (keys.access_key_id(), keys.session_token()),
            ("AKID", Some("t"))
        );
        assert!(keys.expiry().is_some());
        let keys =
            parsed(r#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s"}"#).unwrap();
        assert_eq!((keys.session_token(), keys.expiry()), (None, None));
    }

    #[test]
    fn refuses_what_is_not_valid_credentials() {
        for (output, says) in [
            ("", "printed no JSON object"),
            (
                r#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "s"}"#,
                "printed no Version 1",
            ),
            (
                r#"{"Version": 1, "SecretAccessKey": "s"}"#,
                "printed no AccessKeyId",
            ),
            (
                r#"{"Version": 1, "AccessKeyId": "A"}"#,
                "printed no SecretAccessKey",
            ),
            (
                r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "2024-02-29T23:59:59Z"}"#,
                "expired at 2024-02-29 23:59:59 UTC",
            ),
        ] {
            let error = parsed(output).unwrap_err();
            assert!(error.contains(says), "{output}: {error}");
            assert!(!error.contains("\"s\""), "{error}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn runs_without_a_shell_and_stops_a_hanging_program() {
        use std::time::Instant;
        let error = run_within("p", "echo '{\"Version\": 1}' ; true", now(), TIMEOUT).unwrap_err();
        assert!(error.to_string().contains("no JSON object"), "{error}");
        let started = Instant::now();
        let error = run_within("slow", "sleep 5", now(), Duration::from_millis(200)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the credential_process of profile slow: it did not finish within 0 seconds and was stopped; run it yourself to see why"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
        assert!(matches!(
            run_within("p", "'unclosed", now(), TIMEOUT),
            Err(Error::NotACommand(_))
        ));
    }
}
