//! A CodeCommit-like git HTTPS server for tests (`tests/support/codecommit_server.py`):
//! it checks SigV4 passwords with the secrets it is given, answers 401 without
//! credentials and 403 for wrong, stale or other-repo signatures, and serves
//! bare repositories through `git http-backend`. git reaches it under a real
//! CodeCommit host name through `http.curloptResolve`, over TLS with a test CA.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::support::{Scratch, manifest_dir, text};

pub const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
pub const FIPS_HOST: &str = "git-codecommit-fips.us-east-1.amazonaws.com";
/// Names the AWS CLI's substring test takes for CodeCommit's; the server's
/// certificate covers them too, as an attacker's would.
pub const LOOK_ALIKES: [&str; 2] = [
    "git-codecommit.us-east-1.amazonaws.com.evil.example",
    "evil-amazon.com.attacker.example",
];

pub struct CodeCommit {
    child: Child,
    /// The loopback address it listens on.
    address: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl CodeCommit {
    /// Starts the server, trusting `keys`: (access key id, secret, session token).
    pub fn start(keys: &[(&str, &str, Option<&str>)]) -> Self {
        let keys = keys
            .iter()
            .map(|(id, secret, token)| {
                (
                    id.to_string(),
                    json!({"secret": secret, "session_token": token}),
                )
            })
            .collect();
        Self::start_with(Value::Object(keys), None)
    }

    /// Starts the server with a keys file as the server reads it and, with
    /// `sts`, the MFA policy enforced against that STS (moto) server.
    pub fn start_with(keys: Value, sts: Option<&str>) -> Self {
        Self::start_on(keys, sts, "127.0.0.1:0")
    }

    /// As [`CodeCommit::start_with`], listening on `listen` (a loopback
    /// `ADDRESS:PORT`: port 443 serves CodeCommit's URLs as they are).
    pub fn start_on(keys: Value, sts: Option<&str>, listen: &str) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), keys, sts, listen)
    }

    /// As [`CodeCommit::start_with`], serving the certificate `tls` holds
    /// (`ca.pem`, `server.pem`, `server.key`) instead of one of its own CA.
    pub fn start_with_tls(keys: Value, tls: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tls")).unwrap();
        for name in ["ca.pem", "server.pem", "server.key"] {
            std::fs::copy(tls.join(name), dir.path().join("tls").join(name)).unwrap();
        }
        Self::start_in(dir, keys, None, "127.0.0.1:0")
    }

    fn start_in(dir: tempfile::TempDir, keys: Value, sts: Option<&str>, listen: &str) -> Self {
        let staging = dir.path().join("keys.json.new");
        std::fs::write(&staging, keys.to_string()).unwrap();
        std::fs::rename(staging, dir.path().join("keys.json")).unwrap();
        std::fs::create_dir(dir.path().join("repos")).unwrap();
        let mut command = Command::new("python3");
        command
            .arg(manifest_dir().join("tests/support/codecommit_server.py"))
            .current_dir(dir.path())
            .args(["--root", "repos", "--tls-dir", "tls", "--keys", "keys.json"])
            .args(["--log", "log.jsonl", "--listen", listen, "--hold", "hold"]);
        if let Some(sts) = sts {
            command.args(["--sts", sts]);
        }
        let mut child = command
            .args(["--host", HOST, "--host", FIPS_HOST])
            .args(LOOK_ALIKES.iter().flat_map(|host| ["--host", host]))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 for the CodeCommit-like server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("port=")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"));
        let address = listen.rsplit_once(':').unwrap().0.to_owned();
        CodeCommit {
            child,
            address,
            port,
            dir,
        }
    }

    /// From now on each request waits until [`CodeCommit::release`].
    pub fn hold(&self) {
        std::fs::write(self.path("hold"), "").unwrap();
    }

    /// Waits until a request is held (at most 60 s).
    pub fn wait_until_held(&self) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.path("hold.waiting").exists() {
            assert!(std::time::Instant::now() < deadline, "no request came");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    pub fn release(&self) {
        std::fs::remove_file(self.path("hold")).unwrap();
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Creates an empty bare repository `name` on the server.
    pub fn create_repo(&self, name: &str) {
        let status = Command::new("git")
            .args(["init", "--quiet", "--bare", "-b", "main"])
            .arg(self.path("repos").join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn url(&self, repo: &str) -> String {
        format!("https://{HOST}:{}/v1/repos/{repo}", self.port)
    }

    /// `git` in `scratch`, resolving the CodeCommit host to this server and
    /// trusting its CA; no helper is configured.
    pub fn git(&self, scratch: &Scratch) -> Command {
        let mut git = scratch.command("git");
        git.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.com")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.com");
        for (key, value) in self.http_config() {
            git.arg("-c").arg(format!("{key}={value}"));
        }
        git
    }

    /// git's settings that reach this server under CodeCommit's host names:
    /// each name resolved to it, and its CA trusted.
    pub fn http_config(&self) -> Vec<(&'static str, String)> {
        let resolve = |host| format!("{host}:{}:{}", self.port, self.address);
        let mut config: Vec<_> = [HOST, FIPS_HOST]
            .into_iter()
            .chain(LOOK_ALIKES)
            .map(|host| ("http.curloptResolve", resolve(host)))
            .collect();
        config.push((
            "http.sslCAInfo",
            self.path("tls/ca.pem").display().to_string(),
        ));
        config
    }

    /// Every request the server answered: method, path, status, key_id, reason.
    pub fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.path("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The `reason`s of the server's answers, in order.
    pub fn reasons(&self) -> Vec<String> {
        self.log()
            .iter()
            .map(|entry| entry["reason"].as_str().unwrap().to_owned())
            .collect()
    }
}

impl Drop for CodeCommit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How many GetSessionToken and AssumeRole calls the moto at `endpoint` has
/// recorded (moto runs with recording on: see [`crate::support::moto::Moto::start`]).
pub fn sts_calls(endpoint: &str) -> (u64, u64) {
    let mut command = Command::new("python3");
    command
        .arg(manifest_dir().join("tests/support/codecommit_server.py"))
        .args(["--count-sts-calls", endpoint]);
    let counts: Value = serde_json::from_str(&ok(command)).unwrap();
    (
        counts["GetSessionToken"].as_u64().unwrap(),
        counts["AssumeRole"].as_u64().unwrap(),
    )
}

/// Runs `command`, panicking with its stderr if it fails.
pub fn ok(mut command: Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{command:?}: {}", text(&out.stderr));
    text(&out.stdout).to_owned()
}
