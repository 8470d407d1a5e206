//! `credential-process` with the real AWS CLI and boto3 against moto's STS:
//! the AWS tools use the MFA session git uses, on the same one prompt; ten
//! AWS CLI calls with a cold cache share one prompt and one GetSessionToken;
//! a role profile's session works the same way; a profile without an MFA
//! device is one line and nothing on stdout.

use std::process::Command;

use crate::support::aws_cli::python;
use crate::support::codecommit_server::{ok, sts_calls};
use crate::support::mfa::{LONG_KEY_ID, LONG_SECRET, MOTO_KEY_ID, MOTO_SECRET, MOTO_TOKEN, Mfa};
use crate::support::{BINARY, run, text};

const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ops";

/// The Mfa world with AWS profiles that run `credential-process`, added by
/// `setup --aws-profile`: for the IAM user (`default`, as `alice-mfa`), and
/// for a role assumed with MFA (`ops`, as `ops-mfa`).
fn aws_tools() -> Mfa {
    let mfa = Mfa::new();
    mfa.scratch.write(
        ".aws/config",
        &format!(
            "[default]\nmfa_serial = {serial}\nregion = us-east-1\n\
             [profile nomfa]\n\
             [profile ops]\nrole_arn = {ROLE_ARN}\nsource_profile = nomfa\nmfa_serial = {serial}\nregion = us-east-1\n",
            serial = mfa.serial
        ),
    );
    for (name, source) in [("alice-mfa", "default"), ("ops-mfa", "ops")] {
        let mut setup = mfa.scratch.command(BINARY);
        setup.args(["setup", "--aws-profile", name, "--profile", source]);
        ok(setup);
    }
    mfa
}

/// `aws --profile <profile> sts get-caller-identity`, with no controlling
/// terminal: a prompt would fail it. Returns the caller's ARN.
fn caller_arn(mfa: &Mfa, profile: &str) -> String {
    let mut aws = mfa.scratch.command("setsid");
    aws.envs(mfa.env()).args([
        &python(),
        "-m",
        "awscli",
        "--profile",
        profile,
        "sts",
        "get-caller-identity",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    ok(aws).trim().to_owned()
}

/// The access key id and session token boto3 reads for `profile`.
fn boto3_keys(mfa: &Mfa, profile: &str) -> (String, String) {
    let mut boto3 = mfa.scratch.command("setsid");
    boto3.envs(mfa.env()).args([
        &python(),
        "-c",
        "import boto3, sys\n\
         c = boto3.Session(profile_name=sys.argv[1]).get_credentials().get_frozen_credentials()\n\
         print(c.access_key)\nprint(c.token)",
        profile,
    ]);
    let out = ok(boto3);
    let mut lines = out.lines().map(str::to_owned);
    (lines.next().unwrap(), lines.next().unwrap())
}

#[test]
#[ignore = "needs the AWS CLI, boto3, moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn the_aws_cli_and_boto3_use_the_session_git_uses_on_its_one_prompt() {
    let mfa = aws_tools();
    let (sessions_before, _) = sts_calls(&mfa.moto.endpoint);
    let mut clone = mfa.git(&["clone", "--quiet", &mfa.server.url("myrepo"), "work"]);
    clone.env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(clone, "123456\r"), 1);
    mfa.commit_and_push("after-clone");
    for _ in 0..10 {
        assert!(caller_arn(&mfa, "alice-mfa").starts_with("arn:aws:"));
    }
    assert_eq!(
        boto3_keys(&mfa, "alice-mfa"),
        (MOTO_KEY_ID.to_owned(), MOTO_TOKEN.to_owned())
    );
    assert_eq!(sts_calls(&mfa.moto.endpoint).0 - sessions_before, 1);
    mfa.assert_no_secret_in_files();
    mfa.logout();
}

#[test]
#[ignore = "needs the AWS CLI, moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn ten_aws_cli_calls_with_a_cold_cache_share_one_prompt() {
    let mfa = aws_tools();
    let (sessions_before, _) = sts_calls(&mfa.moto.endpoint);
    let outputs = tempfile::tempdir().unwrap();
    let mut burst = mfa.scratch.command("sh");
    burst
        .envs(mfa.env())
        .current_dir(outputs.path())
        .arg("-c")
        .arg(format!(
            "for i in $(seq 10); do '{}' -m awscli --profile alice-mfa sts get-caller-identity \
             > out.$i 2> err.$i & done; wait",
            python()
        ));
    assert_eq!(mfa.in_terminal(burst, "654321\r"), 1);
    assert_eq!(sts_calls(&mfa.moto.endpoint).0 - sessions_before, 1);
    for i in 1..=10 {
        let stdout = std::fs::read_to_string(outputs.path().join(format!("out.{i}"))).unwrap();
        let stderr = std::fs::read_to_string(outputs.path().join(format!("err.{i}"))).unwrap();
        assert!(stdout.contains("\"Arn\""), "call {i}: {stdout} {stderr}");
    }
    mfa.logout();
}

#[test]
#[ignore = "needs the AWS CLI, moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn a_role_profiles_session_serves_the_aws_cli_too() {
    let mfa = aws_tools();
    let mut login = mfa.scratch.command(BINARY);
    login.envs(mfa.env()).args(["login", "--profile", "ops"]);
    assert_eq!(mfa.in_terminal(login, "123456\r"), 1);
    let (_, roles_before) = sts_calls(&mfa.moto.endpoint);
    for _ in 0..3 {
        let arn = caller_arn(&mfa, "ops-mfa");
        assert!(
            arn.starts_with("arn:aws:sts::123456789012:assumed-role/ops/"),
            "{arn}"
        );
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).1, roles_before);
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn without_an_mfa_device_or_a_code_it_prints_nothing_and_says_why() {
    let mfa = aws_tools();
    let cases = [
        (
            "nomfa",
            "git-credential-mfa-codecommit: profile nomfa has no mfa_serial",
        ),
        (
            "default",
            "git-credential-mfa-codecommit: an MFA code is needed",
        ),
    ];
    for (profile, expected) in cases {
        let mut command = mfa.scratch.command("setsid");
        command
            .envs(mfa.env())
            .args([BINARY, "credential-process", "--profile", profile]);
        let out = run(command, b"");
        assert_eq!(out.status.code(), Some(1), "{profile}");
        assert_eq!(text(&out.stdout), "", "{profile}");
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(expected), "{profile}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        for secret in [LONG_KEY_ID, LONG_SECRET, MOTO_SECRET] {
            assert!(!stderr.contains(secret));
        }
    }
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn the_output_is_one_json_object_the_sdks_read() {
    let mfa = aws_tools();
    let mut login = mfa.scratch.command(BINARY);
    login.envs(mfa.env()).arg("login");
    assert_eq!(mfa.in_terminal(login, "123456\r"), 1);
    let mut command: Command = mfa.scratch.command(BINARY);
    command.envs(mfa.env()).arg("credential-process");
    let out = ok(command);
    assert!(out.ends_with("}\n") && out.lines().count() == 1, "{out:?}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(
        object.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version"
        ]
    );
    assert_eq!(object["Version"], 1);
    assert_eq!(object["AccessKeyId"], MOTO_KEY_ID);
    assert_eq!(object["SecretAccessKey"], MOTO_SECRET);
    assert_eq!(object["SessionToken"], MOTO_TOKEN);
    let expiration = object["Expiration"].as_str().unwrap();
    let parsed = chrono::DateTime::parse_from_rfc3339(expiration).unwrap();
    assert!(expiration.ends_with('Z'), "{expiration}");
    assert!(parsed > chrono::Utc::now(), "{expiration}");
    mfa.logout();
}
