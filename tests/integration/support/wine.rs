//! Windows programs under wine for tests: the executables built once per
//! run for x86_64-pc-windows-gnu by `tests/windows/cargo.sh`, the prefix
//! they share, their files as `Z:\…` paths, and a program checked
//! against the signing vectors.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::vectors::records;
use crate::support::{
    NO_IMDS, Scratch, assert_signed_for, attribute, manifest_dir, request, run, text,
};

/// The built executables and the wine prefix they run in.
pub(crate) struct Built {
    pub(crate) helper: PathBuf,
    pub(crate) remote: PathBuf,
    pub(crate) prefix: PathBuf,
}

/// Builds both executables (and the prefix) once per test run.
pub(crate) fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = manifest_dir();
        let out = Command::new("sh")
            .arg(root.join("tests/windows/cargo.sh"))
            .args(["build", "--locked", "--bins"])
            .output()
            .expect("sh");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let target = root.join("target/windows");
        let bin = target.join("x86_64-pc-windows-gnu/debug");
        // One wine server for the whole run, its services up before the
        // tests start processes side by side; it lingers a minute at most.
        let prefix = target.join("prefix");
        for warm_up in [&["wineserver", "-p60"][..], &["wine", "cmd", "/c", "exit"]] {
            let status = in_prefix(&prefix, warm_up[0])
                .args(&warm_up[1..])
                .status()
                .expect("wine");
            assert!(status.success(), "{warm_up:?}");
        }
        Built {
            helper: bin.join("git-credential-mfa-codecommit.exe"),
            remote: bin.join("git-remote-codecommit.exe"),
            prefix,
        }
    })
}

/// One of wine's programs, in the test prefix, quiet.
pub(crate) fn in_prefix(prefix: &Path, program: &str) -> Command {
    let mut command = Command::new(program);
    command.env("WINEPREFIX", prefix).env("WINEDEBUG", "-all");
    command
}

/// `path` as Windows programs under wine name it.
pub(crate) fn z(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

/// The whole environment of a program under wine: only PATH from the
/// outside, the scratch AWS files, and no instance metadata.
pub(crate) fn wine_env(scratch: &Scratch) -> Vec<(&'static str, OsString)> {
    vec![
        ("PATH", std::env::var_os("PATH").unwrap_or_default()),
        ("WINEPREFIX", built().prefix.clone().into()),
        ("WINEDEBUG", "-all".into()),
        ("AWS_CONFIG_FILE", z(&scratch.path(".aws/config")).into()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            z(&scratch.path(".aws/credentials")).into(),
        ),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", NO_IMDS.into()),
    ]
}

/// `program` under wine, in [`wine_env`].
pub(crate) fn wine(scratch: &Scratch, program: &Path) -> Command {
    let mut command = Command::new("wine");
    command
        .arg(program)
        .env_clear()
        .envs(wine_env(scratch))
        .current_dir(scratch.home.path());
    command
}

/// Checks an answer's password against its own timestamp, as CodeCommit
/// does (a wine process cannot run under a frozen clock), and that every
/// line ends in LF alone.
pub(crate) fn assert_signed_now(stdout: &[u8], secret: &str, target: &sigv4::Target) {
    assert!(!stdout.contains(&b'\r'), "{}", text(stdout));
    assert_signed_for(stdout, secret, target);
}

/// `program` (a helper `.exe`) answers each of git-remote-codecommit's
/// vectors under wine, in this run's prefix.
pub(crate) fn assert_vectors_under_wine(program: &Path) {
    let scratch = Scratch::new();
    for record in records() {
        let path = record["path"].trim_start_matches('/');
        let mut command = wine(&scratch, program);
        command.arg("get").envs([
            ("AWS_ACCESS_KEY_ID", record["access_key_id"].as_str()),
            (
                "AWS_SECRET_ACCESS_KEY",
                record["secret_access_key"].as_str(),
            ),
        ]);
        if !record["session_token"].is_empty() {
            command.env("AWS_SESSION_TOKEN", &record["session_token"]);
        }
        let out = run(command, &request(&record["host"], Some(path)));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            attribute(&out.stdout, "username"),
            Some(record["expected_username"].as_str())
        );
        let target = sigv4::Target {
            host: &record["host"],
            path: &record["path"],
            region: &record["region"],
        };
        assert_signed_now(&out.stdout, &record["secret_access_key"], &target);
    }
}
