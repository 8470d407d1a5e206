//! An MFA user for end-to-end tests: moto's STS, a profile with an MFA
//! device, and the keys moto and the profile hand out.

use std::process::Command;
use std::time::{Duration, SystemTime};

use expectrl::session::OsSession;
use expectrl::{Eof, Expect};
use serde_json::json;

use crate::support::codecommit_server::{CodeCommit, ok};
use crate::support::moto::Moto;
use crate::support::{BINARY, Scratch, files_under, path_with, require};

/// moto's fixed GetSessionToken answer (moto/sts/responses.py).
pub(crate) const MOTO_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

pub(crate) const MOTO_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";

pub(crate) const MOTO_TOKEN: &str = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/LTo6UDdyJwOOvEVPvLXCrrrUtdnniCEXAMPLE/IvU1dYUg2RVAJBanLiHb4IgRmpRV3zrkuWJOgQs8IZZaIv2BXIa2R4OlgkBN9bkUDNCJiBeb/AXlzBBko7b15fjrBs2+cTQtpZ3CYWFXG8C5zqx37wnOE49mRl/+OtkIKGO7fAE";

/// The IAM user's long-term keys.
pub(crate) const LONG_KEY_ID: &str = "AKIALONGTERMEXAMPLE";

pub(crate) const LONG_SECRET: &str = "long/Term+Secret";

/// moto, the MFA-enforcing server, and a user whose default profile names an
/// MFA device of its own (so that tests sharing the user's kernel keyring
/// never share a cache entry).
pub(crate) struct Mfa {
    pub(crate) moto: Moto,
    pub(crate) server: CodeCommit,
    pub(crate) scratch: Scratch,
    pub(crate) serial: String,
}

impl Mfa {
    pub(crate) fn new() -> Self {
        require("openssl");
        let moto = Moto::start();
        let keys = json!({
            LONG_KEY_ID: {"secret": LONG_SECRET, "session_token": null, "long_term": true},
            MOTO_KEY_ID: {"secret": MOTO_SECRET, "session_token": MOTO_TOKEN, "mfa_session": true},
        });
        let server = CodeCommit::start_with(keys, Some(&moto.endpoint));
        server.create_repo("myrepo");
        let unique = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let serial = format!(
            "arn:aws:iam::123456789012:mfa/e2e-{}-{unique}",
            std::process::id()
        );
        let scratch = Scratch::new();
        scratch.write(
            ".aws/credentials",
            &format!("[default]\naws_access_key_id = {LONG_KEY_ID}\naws_secret_access_key = {LONG_SECRET}\n\
                      [nomfa]\naws_access_key_id = {LONG_KEY_ID}\naws_secret_access_key = {LONG_SECRET}\n"),
        );
        scratch.write(
            ".aws/config",
            &format!("[default]\nmfa_serial = {serial}\n[profile nomfa]\n"),
        );
        std::fs::create_dir_all(scratch.path("tmp")).unwrap();
        std::fs::create_dir_all(scratch.path("run")).unwrap();
        Mfa {
            moto,
            server,
            scratch,
            serial,
        }
    }

    /// The helper's environment: STS is moto, the cache is the kernel
    /// keyring, temp and runtime dirs are inside HOME (for the secret scan).
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_STS", self.moto.endpoint.clone()),
            (
                "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING",
                "keyutils".to_owned(),
            ),
            ("TMPDIR", self.scratch.path("tmp").display().to_string()),
            (
                "XDG_RUNTIME_DIR",
                self.scratch.path("run").display().to_string(),
            ),
            ("PATH", path_with(&[]).into_string().unwrap()),
        ]
    }

    /// `git` set up as the README says, against the MFA-enforcing server.
    pub(crate) fn git(&self, args: &[&str]) -> Command {
        let mut git = self.server.git(&self.scratch);
        git.envs(self.env())
            .args([
                "-c",
                "credential.helper=",
                "-c",
                "credential.helper=mfa-codecommit",
            ])
            .args(["-c", "credential.useHttpPath=true"])
            .args(args);
        git
    }

    /// Runs `command` in a pseudo-terminal, typing `keys` at each MFA
    /// prompt; returns how many prompts there were, after checking that the
    /// command succeeded.
    pub(crate) fn in_terminal(&self, command: Command, keys: &str) -> usize {
        self.in_terminal_with(command, |session| session.send(keys).unwrap())
    }

    /// Runs `command` in a pseudo-terminal, calling `at_prompt` at each MFA
    /// prompt; returns how many prompts there were, after checking that the
    /// command succeeded.
    pub(crate) fn in_terminal_with(
        &self,
        command: Command,
        mut at_prompt: impl FnMut(&mut OsSession),
    ) -> usize {
        let mut session = expectrl::Session::spawn(command).expect("a pseudo-terminal");
        session.set_expect_timeout(Some(Duration::from_secs(60)));
        let prompt = format!("MFA code for {}: ", self.serial);
        let mut prompts = 0;
        let mut screen = String::new();
        loop {
            let found = session
                .expect(expectrl::Any::boxed(vec![
                    Box::new(prompt.clone()),
                    Box::new(Eof),
                ]))
                .unwrap();
            screen.push_str(&String::from_utf8_lossy(found.before()));
            if found
                .get(0)
                .is_some_and(|matched| matched == prompt.as_bytes())
            {
                prompts += 1;
                at_prompt(&mut session);
            } else {
                break;
            }
        }
        let status = session.get_process().wait().unwrap();
        assert!(
            matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 0)),
            "{status:?}: {screen}"
        );
        prompts
    }

    pub(crate) fn commit_and_push(&self, name: &str) {
        let work = self.scratch.path("work");
        std::fs::write(work.join(name), name).unwrap();
        let mut add = self.server.git(&self.scratch);
        add.arg("-C").arg(&work).args(["add", name]);
        ok(add);
        let mut commit = self.server.git(&self.scratch);
        commit
            .arg("-C")
            .arg(&work)
            .args(["commit", "--quiet", "-m", name]);
        ok(commit);
        let work = work.to_str().unwrap();
        ok(self.git(&["-C", work, "push", "--quiet", "origin", "HEAD:main"]));
    }

    /// No file under HOME (which holds the helper's TMPDIR and
    /// XDG_RUNTIME_DIR here) contains the session's secret or token.
    pub(crate) fn assert_no_secret_in_files(&self) {
        for (path, bytes) in files_under(self.scratch.home.path()) {
            let content = String::from_utf8_lossy(&bytes);
            assert!(
                !content.contains(MOTO_SECRET) && !content.contains(MOTO_TOKEN),
                "{path:?} holds the session"
            );
        }
    }

    /// Drops every session this test cached in the user's kernel keyring.
    pub(crate) fn logout(&self) {
        let mut logout = self.scratch.command(BINARY);
        logout.envs(self.env()).args(["logout", "--all"]);
        ok(logout);
    }

    /// The default profile answering its prompts with `mfa_process = command`.
    pub(crate) fn use_mfa_process(&self, command: &str) {
        self.scratch.write(
            ".aws/config",
            &format!(
                "[default]\nmfa_serial = {}\nmfa_process = {command}\n",
                self.serial
            ),
        );
    }
}
