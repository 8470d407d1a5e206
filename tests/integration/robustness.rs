//! The helper under pressure, end to end with moto's STS and the kernel
//! keyring: many warm `get`s at once, a lock holder killed mid-prompt, and a
//! keyring that cannot be reached. Codes come from an `mfa_process`, so no
//! terminal is needed.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::codecommit::{ok, sts_calls};
use crate::mfa_e2e::{MOTO_KEY_ID, MOTO_TOKEN, Mfa};
use crate::support::{BINARY, attribute, request, run, text};

const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";

fn get(mfa: &Mfa, env: &[(&str, &str)]) -> Command {
    let mut get = mfa.scratch.command(BINARY);
    get.envs(mfa.env()).envs(env.iter().copied()).arg("get");
    get
}

/// `get` started with git's request written to it, its output piped.
fn spawn_get(mfa: &Mfa) -> Child {
    let mut child = get(mfa, &[])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&request(HOST, Some("v1/repos/myrepo")))
        .unwrap();
    child
}

fn assert_session_answer(stdout: &[u8], label: &str) {
    let username = format!("{MOTO_KEY_ID}%{MOTO_TOKEN}");
    assert_eq!(
        attribute(stdout, "username"),
        Some(username.as_str()),
        "{label}"
    );
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn sixty_four_warm_gets_at_once_all_answer() {
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    let mut login = mfa.scratch.command(BINARY);
    login.envs(mfa.env()).arg("login");
    ok(login);
    let children: Vec<_> = (0..64).map(|_| spawn_get(&mfa)).collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "get {i}: {}", text(&out.stderr));
        assert_session_answer(&out.stdout, &format!("get {i}"));
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 1);
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn a_holder_killed_mid_prompt_does_not_wedge_the_lock() {
    let mfa = Mfa::new();
    // The first helper "prompts" for a long time while it holds the lock.
    mfa.use_mfa_process("sleep 20; echo 123456");
    let mut holder = spawn_get(&mfa);
    std::thread::sleep(Duration::from_millis(500));
    holder.kill().unwrap();
    holder.wait().unwrap();
    // The next helper gets the lock at once and answers.
    mfa.use_mfa_process("echo 123456");
    let started = Instant::now();
    let out = run(get(&mfa, &[]), &request(HOST, Some("v1/repos/myrepo")));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_session_answer(&out.stdout, "after the kill");
    // Lock files hold nothing.
    for entry in std::fs::read_dir(mfa.scratch.path("run/git-credential-mfa-codecommit")).unwrap() {
        assert_eq!(entry.unwrap().metadata().unwrap().len(), 0);
    }
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn an_unreachable_keyring_is_one_warning_and_the_answer_still_comes() {
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    // A Secret Service on a bus that is not there.
    let env = [
        ("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "secret-service"),
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
    ];
    for attempt in 0..2 {
        let out = run(get(&mfa, &env), &request(HOST, Some("v1/repos/myrepo")));
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_session_answer(&out.stdout, "no keyring");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.contains("warning: Secret Service unavailable"),
            "{stderr}"
        );
        // Nothing cached, so every run asks STS again.
        assert_eq!(sts_calls(&mfa.moto.endpoint).0, attempt + 1);
    }
}
