//! The built helper as git runs it: argv, stdin, stdout, stderr, exit status,
//! in a scratch HOME with a scrubbed environment.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::{Scratch, assert_signed, attribute, request, text};

const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
const ENV_KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE"),
    ("AWS_SECRET_ACCESS_KEY", "env/secret"),
];

#[test]
fn get_signs_with_environment_keys_in_the_hosts_region() {
    let scratch = Scratch::new();
    let out = scratch.helper(
        &["get"],
        &request(&format!("{HOST}:443"), Some("v1/repos/myrepo")),
        &ENV_KEYS,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert_eq!(attribute(&out.stdout, "username"), Some("AKIAENVEXAMPLE"));
    assert_signed(&out.stdout, "env/secret", HOST, "us-east-1");
    let keys: Vec<_> = text(&out.stdout)
        .lines()
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(keys, ["username", "password", "password_expiry_utc"]);
    assert!(!out.stdout.contains(&b'\r'));
}

#[test]
fn session_token_joins_the_username_with_a_raw_percent() {
    let scratch = Scratch::new();
    let mut env = ENV_KEYS.to_vec();
    env.push(("AWS_SESSION_TOKEN", "FwoG/abc+def=="));
    let out = scratch.helper(&["get"], &request(HOST, Some("v1/repos/myrepo")), &env);
    assert_eq!(
        attribute(&out.stdout, "username"),
        Some("AKIAENVEXAMPLE%FwoG/abc+def==")
    );
}

#[test]
fn named_profile_uses_its_keys_and_ignores_environment_keys() {
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        "[dev]\naws_access_key_id = AKIADEV\naws_secret_access_key = dev/secret\n",
    );
    let input = request(HOST, Some("v1/repos/myrepo"));
    for argv in [
        &["--profile", "dev", "get"][..],
        &["get", "--profile", "dev"],
    ] {
        let out = scratch.helper(argv, &input, &ENV_KEYS);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            attribute(&out.stdout, "username"),
            Some("AKIADEV"),
            "{argv:?}"
        );
        assert_signed(&out.stdout, "dev/secret", HOST, "us-east-1");
    }
    // AWS_PROFILE selects the profile, but environment keys still come first.
    let mut env = ENV_KEYS.to_vec();
    env.push(("AWS_PROFILE", "dev"));
    let out = scratch.helper(&["get"], &input, &env);
    assert_eq!(attribute(&out.stdout, "username"), Some("AKIAENVEXAMPLE"));
    let out = scratch.helper(&["get"], &input, &[("AWS_PROFILE", "dev")]);
    assert_eq!(attribute(&out.stdout, "username"), Some("AKIADEV"));
}

#[test]
fn credential_process_profiles_work() {
    let scratch = Scratch::new();
    let script = scratch.write(
        "creds.sh",
        "#!/bin/sh\nprintf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"proc/secret\", \"SessionToken\": \"proctoken\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    scratch.write(
        ".aws/config",
        &format!(
            "[profile proc]\ncredential_process = {}\n",
            script.display()
        ),
    );
    let out = scratch.helper(
        &["--profile", "proc", "get"],
        &request(HOST, Some("v1/repos/myrepo")),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        attribute(&out.stdout, "username"),
        Some("AKIAPROC%proctoken")
    );
    assert_signed(&out.stdout, "proc/secret", HOST, "us-east-1");
}

#[test]
fn region_comes_from_the_profile_when_the_host_names_none() {
    let scratch = Scratch::new();
    scratch.write(".aws/config", "[default]\nregion = eu-central-1\n");
    let host = "codecommit.example.amazonaws.com";
    let out = scratch.helper(
        &["get", "--ignore-host-check"],
        &request(host, Some("v1/repos/myrepo")),
        &ENV_KEYS,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_signed(&out.stdout, "env/secret", host, "eu-central-1");
}

#[test]
fn foreign_hosts_get_silence_without_reading_aws_config() {
    let scratch = Scratch::new();
    // Unparseable config and no keys: reading either would be an error.
    scratch.write(".aws/config", "region = nowhere\n");
    for host in ["github.com", "gitlab.example.org:8443", ""] {
        let out = scratch.helper(
            &["--profile", "missing", "get"],
            &request(host, Some("o/r")),
            &[],
        );
        assert!(out.status.success(), "{host}: {}", text(&out.stderr));
        assert_eq!((text(&out.stdout), text(&out.stderr)), ("", ""), "{host}");
    }
    let out = scratch.helper(&["get"], &request(HOST, Some("v1/repos/r")), &[]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains(".aws/config: line 1: a setting before any [section] header"),
        "{}",
        text(&out.stderr)
    );
}

/// Every user-facing failure: exit status, stdout, and the one stderr line.
#[test]
fn adversarial_cli_table() {
    let scratch = Scratch::new();
    scratch.write(".aws/credentials", "[dev]\naws_access_key_id = AKIADEV\n");
    let ok_request = request(HOST, Some("v1/repos/myrepo"));
    let big = format!("host={HOST}\nwwwauth[]={}\n", "a".repeat(70_000));
    // argv, stdin, environment, exit status, what stderr says
    type Case<'a> = (
        &'a [&'a str],
        &'a [u8],
        &'a [(&'a str, &'a str)],
        i32,
        &'a str,
    );
    let cases: &[Case] = &[
        (
            &["get"],
            &request(HOST, None),
            &ENV_KEYS,
            1,
            "run: git config --global credential.useHttpPath true",
        ),
        (
            &["get"],
            b"host=git-codecommit.us-east-1.amazonaws.com\npath\n",
            &ENV_KEYS,
            1,
            "line 2 of the request from git is not key=value",
        ),
        (
            &["get"],
            b"host=git-codecommit.us-east-1.amazonaws.com\0\n",
            &ENV_KEYS,
            1,
            "contains a NUL byte",
        ),
        (&["get"], b"path=\xfe\n", &ENV_KEYS, 1, "not UTF-8"),
        (
            &["get"],
            big.as_bytes(),
            &ENV_KEYS,
            1,
            "larger than 65536 bytes",
        ),
        (
            &["get", "--ignore-host-check"],
            &request("example.amazon.com", Some("v1/repos/r")),
            &ENV_KEYS,
            1,
            "pass --region",
        ),
        (&["get"], &ok_request, &[], 1, "no AWS credentials found"),
        (
            &["get", "--profile", "nosuch"],
            &ok_request,
            &[],
            1,
            "nosuch",
        ),
        (
            &["get", "--profile", "dev"],
            &ok_request,
            &[],
            1,
            "has aws_access_key_id but no aws_secret_access_key",
        ),
        (
            &["get", "--ignore-host-check", "--region", "us-east-1"],
            b"protocol=https\n\n",
            &ENV_KEYS,
            1,
            "git sent no host",
        ),
        (&["store"], b"\0garbage", &[], 0, ""),
        (&["erase"], b"", &[], 0, ""),
        (&["frobnicate", "--anything"], b"", &[], 0, ""),
        (&["get", "--bogus"], b"", &[], 2, "--bogus"),
        (&[], b"", &[], 2, "a command is required"),
    ];
    for (argv, stdin, env, status, message) in cases {
        let out = scratch.helper(argv, stdin, env);
        let stderr = text(&out.stderr);
        let case = format!(
            "{argv:?} {:?}",
            String::from_utf8_lossy(&stdin[..stdin.len().min(60)])
        );
        assert_eq!(out.status.code(), Some(*status), "{case}: {stderr}");
        assert_eq!(text(&out.stdout), "", "{case}");
        assert!(stderr.contains(message), "{case}: {stderr}");
        if *status == 1 {
            assert!(
                stderr.starts_with("git-credential-mfa-codecommit: "),
                "{case}: {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{case}: {stderr}");
        }
    }
}

#[test]
fn no_credentials_is_reported_quickly_even_when_metadata_never_answers() {
    // A loopback listener that accepts and never answers: the worst IMDS.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let scratch = Scratch::new();
    let started = Instant::now();
    let out = scratch.helper(
        &["get"],
        &request(HOST, Some("v1/repos/myrepo")),
        &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no AWS credentials found"),
        "{}",
        text(&out.stderr)
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

/// A config file that exists but cannot be read may hold the profile's
/// `mfa_serial`: the helper says so instead of reading it as empty (the AWS
/// CLI skips it silently). Root reads every file, so as root the helper runs
/// as `nobody` through util-linux's `setpriv`.
#[test]
fn an_unreadable_config_file_is_an_error_naming_it() {
    use std::os::unix::fs::PermissionsExt;

    let scratch = Scratch::new();
    let config = scratch.write(
        ".aws/config",
        "[default]\nmfa_serial = arn:aws:iam::1:mfa/a\n",
    );
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o000)).unwrap();
    let home = scratch.home.path();
    for dir in [home.to_owned(), home.join(".aws")] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut command = if running_as_root() {
        let mut setpriv = scratch.command("setpriv");
        setpriv.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            crate::support::BINARY,
        ]);
        setpriv
    } else {
        scratch.command(crate::support::BINARY)
    };
    command.arg("get").envs(ENV_KEYS);
    let out = crate::support::run(
        command,
        &request("git-codecommit.us-east-1.amazonaws.com", Some("v1/repos/r")),
    );
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        format!(
            "git-credential-mfa-codecommit: cannot read {}: permission denied; check that you can read it\n",
            config.display()
        )
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Whether this test runs as root (uid 0), read from `/proc/self/status`.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|status| {
            status
                .lines()
                .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A container credential endpoint, or the STS of a web identity profile,
/// that accepts and never answers: one line within five seconds, whatever
/// the SDK's own timeouts and retries.
#[test]
fn container_and_web_identity_endpoints_that_never_answer_end_within_seconds() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let scratch = Scratch::new();
    let token = scratch.write("token", "eyJ.e30.sig");
    scratch.write(
        ".aws/config",
        &format!(
            "[profile web]\nweb_identity_token_file = {}\nrole_arn = arn:aws:iam::1:role/web\n",
            token.display()
        ),
    );
    let container = format!("{endpoint}/credentials");
    let cases: [(&[(&str, &str)], &str); 2] = [
        (
            &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", &container)],
            "the container credential endpoint (AWS_CONTAINER_CREDENTIALS_*) timed out: no answer within 3 seconds",
        ),
        (
            // Ours or the SDK's operation timeout, whichever fires first.
            &[("AWS_PROFILE", "web"), ("AWS_ENDPOINT_URL_STS", &endpoint)],
            "timed out",
        ),
    ];
    for (env, says) in cases {
        let started = Instant::now();
        let out = scratch.helper(&["get"], &request(HOST, Some("v1/repos/myrepo")), env);
        let took = started.elapsed();
        let stderr = text(&out.stderr);
        assert_eq!(
            (out.status.code(), text(&out.stdout)),
            (Some(1), ""),
            "{env:?}"
        );
        assert!(stderr.contains(says), "{env:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(took < Duration::from_secs(5), "{env:?}: took {took:?}");
    }
}
