//! Shared test helpers: the built helper run in a scratch HOME with a scrubbed
//! environment, so no developer's AWS or git setup leaks into a test, and no
//! test ever reaches instance metadata (its endpoint is a closed loopback port).

pub mod aws_cli;
pub mod codecommit_server;
pub mod doubles;
pub mod fake_service;
pub mod gitconfig;
pub mod iam_user;
pub mod keyrings;
pub mod mfa;
pub mod moto;
pub mod rng;
pub mod sso_portal;
pub mod vectors;
pub mod wine;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, SystemTime};

use chrono::NaiveDateTime;
use git_credential_mfa_codecommit::aws::sigv4;

pub const BINARY: &str = env!("CARGO_BIN_EXE_git-credential-mfa-codecommit");

/// A closed port on loopback: connecting fails at once, as off EC2.
pub const NO_IMDS: &str = "http://127.0.0.1:9";

/// A throwaway HOME with its own AWS config files.
pub struct Scratch {
    pub home: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            home: tempfile::tempdir().expect("a temp dir"),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.home.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `program` with only PATH from the outside, HOME here, and no IMDS.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("AWS_CONFIG_FILE", self.path(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path(".aws/credentials"))
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", NO_IMDS)
            .current_dir(self.home.path());
        command
    }

    /// The helper with `args`, `stdin` written to it, `env` added.
    pub fn helper(&self, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(BINARY);
        command.args(args).envs(env.iter().copied());
        run(command, stdin)
    }
}

/// PATH with `first`, then the built binaries' directory, then this
/// process's PATH: as after an install, with spies or others in front.
pub fn path_with(first: &[&Path]) -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = first.iter().map(|dir| dir.to_path_buf()).collect();
    dirs.push(Path::new(BINARY).parent().unwrap().to_owned());
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    std::env::join_paths(dirs).unwrap()
}

/// Runs `command` with `stdin` as its input and returns what it printed.
pub fn run(command: Command, stdin: &[u8]) -> Output {
    start(command, stdin).wait_with_output().unwrap()
}

/// Starts `command` with its output piped and `stdin` written to it.
pub fn start(mut command: Command, stdin: &[u8]) -> Child {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    // A helper may exit without reading its input, as git allows.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child
}

/// A request as git sends it.
pub fn request(host: &str, path: Option<&str>) -> Vec<u8> {
    let mut text = format!("protocol=https\nhost={host}\n");
    if let Some(path) = path {
        text.push_str(&format!("path={path}\n"));
    }
    text.push('\n');
    text.into_bytes()
}

pub fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("UTF-8 output")
}

/// The value of `key` in the helper's answer.
pub fn attribute<'a>(stdout: &'a [u8], key: &str) -> Option<&'a str> {
    text(stdout)
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
}

/// Whether `program` can be run here.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Panics, naming the peer, where a test's outside peer is missing: an ignored
/// test that runs must not pass silently without what it needs.
pub fn require(program: &str) {
    assert!(
        have(program),
        "this test needs `{program}` on PATH (see .ci/run)"
    );
}

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Checks the password against its own timestamp and `secret`, as CodeCommit does.
pub fn assert_signed(stdout: &[u8], secret: &str, host: &str, region: &str) {
    let target = sigv4::Target {
        host,
        path: "/v1/repos/myrepo",
        region,
    };
    assert_signed_for(stdout, secret, &target);
}

/// [`assert_signed`] for any `target`: the password signed within the last
/// minute, and its expiry 15 minutes after.
pub fn assert_signed_for(stdout: &[u8], secret: &str, target: &sigv4::Target) {
    let password = attribute(stdout, "password").expect("a password");
    let (stamp, _) = password.split_once('Z').expect("timestamp Z signature");
    let time = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S")
        .unwrap()
        .and_utc();
    let age = SystemTime::now().duration_since(time.into()).unwrap();
    assert!(age < Duration::from_secs(60), "signed {age:?} ago");
    assert_eq!(password, sigv4::password(secret, target, time.into()));
    let expiry: i64 = attribute(stdout, "password_expiry_utc")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expiry, time.timestamp() + 900);
}

/// Every regular file under `dir`, with its bytes.
pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                found.push((path, bytes));
            }
        }
    }
    found
}

pub const REMOTE: &str = env!("CARGO_BIN_EXE_git-remote-codecommit");

/// A loopback address of this test's own, port 443: CodeCommit's URLs as
/// they are, with no port in them (needs root).
pub(crate) fn port_443() -> String {
    static NEXT: AtomicU8 = AtomicU8::new(1);
    let pid = std::process::id();
    format!(
        "127.{}.{}.{}:443",
        pid % 256,
        (pid / 256) % 256,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
