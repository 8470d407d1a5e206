//! The whole `get` flow through `app::run` with doubles: a fixed clock, a
//! credential source that counts its calls, and fake environment and files.

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::{Env, Fs};
use clap::Parser;
use git_credential_mfa_codecommit::app::{self, Clock, Context};
use git_credential_mfa_codecommit::cli::Args;
use git_credential_mfa_codecommit::credentials::{self, CredentialSource};
use git_credential_mfa_codecommit::error::Error;

/// 2015-08-30T12:36:00Z, the time of the FIPS and China vectors.
const VECTOR_TIME: u64 = 1_440_938_160;

struct FixedClock(SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// Hands out one set of credentials and records every (profile, region) asked for.
struct Scripted {
    credentials: Option<Credentials>,
    calls: RefCell<Vec<(Option<String>, String)>>,
}

impl Scripted {
    fn new(credentials: Option<Credentials>) -> Self {
        Scripted {
            credentials,
            calls: RefCell::default(),
        }
    }
}

impl CredentialSource for Scripted {
    fn credentials(
        &self,
        profile: Option<&str>,
        region: &str,
    ) -> Result<Credentials, credentials::Error> {
        self.calls
            .borrow_mut()
            .push((profile.map(str::to_owned), region.to_owned()));
        self.credentials.clone().ok_or(credentials::Error::NotFound)
    }
}

fn example_keys(token: Option<&str>, expiry: Option<SystemTime>) -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token.map(str::to_owned),
        expiry,
        "test",
    )
}

struct Run {
    result: Result<(), Error>,
    stdout: String,
}

fn run_with(
    argv: &[&str],
    input: &str,
    env: &[(&str, &str)],
    config: Option<&str>,
    source: &Scripted,
) -> Run {
    let args = Args::try_parse_from(std::iter::once("helper").chain(argv.iter().copied())).unwrap();
    let mut files = HashMap::new();
    if let Some(config) = config {
        files.insert("/home/.aws/config".into(), config.as_bytes().to_vec());
    }
    let mut vars = vec![("HOME", "/home")];
    vars.extend_from_slice(env);
    let context = Context {
        env: Env::from_slice(&vars),
        fs: Fs::from_map(files),
        clock: &FixedClock(UNIX_EPOCH + Duration::from_secs(VECTOR_TIME)),
        credentials: source,
    };
    let mut stdout = Vec::new();
    let result = app::run(&args, input.as_bytes(), &mut stdout, &context);
    Run {
        result,
        stdout: String::from_utf8(stdout).unwrap(),
    }
}

/// A plain `get` for `host`, no flags, environment or config files.
fn get(host: &str, source: &Scripted) -> Run {
    run_with(&["get"], &request(host), &[], None, source)
}

fn request(host: &str) -> String {
    format!("protocol=https\nhost={host}\npath=v1/repos/myrepo\n\n")
}

#[test]
fn get_answers_with_the_fips_vector_password() {
    let source = Scripted::new(Some(example_keys(None, None)));
    let run = get("git-codecommit-fips.us-east-1.amazonaws.com", &source);
    run.result.unwrap();
    let expiry = VECTOR_TIME + 900;
    assert_eq!(
        run.stdout,
        format!(
            "username=AKIDEXAMPLE\n\
             password=20150830T123600Z204cfd41d07d10c07e1d9ec1386fb1457b5d828f67ac16d5d3c3b6a914de213b\n\
             password_expiry_utc={expiry}\n"
        )
    );
    assert_eq!(*source.calls.borrow(), [(None, "us-east-1".to_owned())]);
}

#[test]
fn china_host_with_a_port_signs_without_the_port() {
    let source = Scripted::new(Some(example_keys(Some("token"), None)));
    let run = get("git-codecommit.cn-north-1.amazonaws.com.cn:8443", &source);
    run.result.unwrap();
    assert!(run.stdout.starts_with(
        "username=AKIDEXAMPLE%token\n\
         password=20150830T123600Z3932b19b0ad67cec7ef3c8a655ff8e2a7cffb177464a439f4b34160936f73aac\n"
    ), "{}", run.stdout);
}

#[test]
fn password_expiry_is_the_earlier_of_password_and_credentials() {
    // credentials' expiry (seconds after signing) → password_expiry_utc
    for (credentials_end, expected) in [(60, 60), (3600, 900)] {
        let expiry = UNIX_EPOCH + Duration::from_secs(VECTOR_TIME + credentials_end);
        let source = Scripted::new(Some(example_keys(Some("t"), Some(expiry))));
        let run = get("git-codecommit.us-east-1.amazonaws.com", &source);
        run.result.unwrap();
        let line = format!("password_expiry_utc={}\n", VECTOR_TIME + expected);
        assert!(run.stdout.ends_with(&line), "{}", run.stdout);
    }
}

#[test]
fn foreign_host_asks_for_nothing_and_prints_nothing() {
    let source = Scripted::new(None);
    let run = run_with(
        &["--profile", "dev", "get"],
        &request("github.com"),
        &[],
        Some("not an ini file"),
        &source,
    );
    run.result.unwrap();
    assert_eq!(run.stdout, "");
    assert!(source.calls.borrow().is_empty());
}

#[test]
fn region_precedence_host_then_flag_then_environment_then_profile() {
    let config = Some("[default]\nregion = ap-south-1\n[profile dev]\nregion = sa-east-1\n");
    let custom = "codecommit.internal.example.amazonaws.com";
    // argv, host, environment, the region credentials are asked for
    type Case<'a> = (&'a [&'a str], &'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            &["get", "--region", "eu-west-1"],
            "git-codecommit.us-east-2.amazonaws.com",
            &[],
            "us-east-2",
        ),
        (
            &["get", "--region", "eu-west-1"],
            custom,
            &[("AWS_REGION", "ca-central-1")],
            "eu-west-1",
        ),
        (
            &["get"],
            custom,
            &[("AWS_REGION", "ca-central-1"), ("AWS_DEFAULT_REGION", "x")],
            "ca-central-1",
        ),
        (
            &["get"],
            custom,
            &[("AWS_DEFAULT_REGION", "eu-north-1")],
            "eu-north-1",
        ),
        (&["get"], custom, &[], "ap-south-1"),
        (&["get", "--profile", "dev"], custom, &[], "sa-east-1"),
        (&["get"], custom, &[("AWS_PROFILE", "dev")], "sa-east-1"),
    ];
    for (argv, host, env, region) in cases {
        let source = Scripted::new(Some(example_keys(None, None)));
        let run = run_with(argv, &request(host), env, config, &source);
        run.result.unwrap();
        assert_eq!(
            source.calls.borrow()[0].1,
            *region,
            "{argv:?} {host} {env:?}"
        );
    }
}

#[test]
fn missing_path_region_or_credentials_are_errors_with_nothing_printed() {
    let keys = Some(example_keys(None, None));
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["get"],
            "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\n",
            "credential.useHttpPath true",
        ),
        (
            &["get"],
            "protocol=https\nhost=example.amazon.com\npath=v1/repos/r\n",
            "--region",
        ),
        (
            &["get", "--ignore-host-check"],
            "protocol=https\npath=v1/repos/r\n",
            "no host",
        ),
        (
            &["get"],
            "host=git-codecommit.us-east-1.amazonaws.com\npath\n",
            "not key=value",
        ),
    ];
    for (argv, input, message) in cases {
        let source = Scripted::new(keys.clone());
        let run = run_with(argv, input, &[], None, &source);
        let error = run.result.expect_err(input).to_string();
        assert!(error.contains(message), "{input:?}: {error}");
        assert_eq!(run.stdout, "", "{input:?}");
        assert!(source.calls.borrow().is_empty(), "{input:?}");
    }
    let source = Scripted::new(None);
    let run = get("git-codecommit.us-east-1.amazonaws.com", &source);
    assert!(matches!(
        run.result,
        Err(Error::Credentials(credentials::Error::NotFound))
    ));
    assert_eq!(run.stdout, "");
}

#[test]
fn ignore_host_check_signs_any_host_with_the_given_region() {
    let source = Scripted::new(Some(example_keys(None, None)));
    let run = run_with(
        &["get", "--ignore-host-check", "--region", "us-east-1"],
        &request("git.example.org"),
        &[],
        None,
        &source,
    );
    run.result.unwrap();
    assert!(
        run.stdout
            .starts_with("username=AKIDEXAMPLE\npassword=20150830T123600Z"),
        "{}",
        run.stdout
    );
}

#[test]
fn store_erase_and_unknown_operations_do_nothing() {
    for argv in [
        &["store"][..],
        &["erase"],
        &["capability"],
        &["future-op", "--x"],
    ] {
        let source = Scripted::new(None);
        let run = run_with(argv, "garbage without equals\0\n", &[], None, &source);
        run.result.unwrap();
        assert_eq!(run.stdout, "");
        assert!(source.calls.borrow().is_empty());
    }
}
