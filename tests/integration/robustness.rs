//! The helper under pressure, end to end with moto's STS and the kernel
//! keyring: many warm `get`s at once, a lock holder killed mid-prompt, and
//! keyrings that fail: one that cannot be reached, a locked one, one holding
//! a corrupt entry. Codes come from an `mfa_process`, so no terminal is
//! needed.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_types::os_shim_internal::Env;
use git_credential_mfa_codecommit::session::store::{CacheKey, KeyringStore, SessionStore};

use crate::support::codecommit_server::{ok, sts_calls};
use crate::support::keyrings::{gnome_keyring_locked, gnome_keyring_unlocked, keyutils_corrupt};
use crate::support::mfa::{MOTO_KEY_ID, MOTO_TOKEN, Mfa};
use crate::support::require;
use crate::support::{BINARY, attribute, request, run, text};

const KEYRING_VAR: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING";

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
        (KEYRING_VAR, "secret-service"),
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

/// The cache key of the default profile's session.
fn default_key(mfa: &Mfa) -> CacheKey {
    CacheKey {
        profile: "default".to_owned(),
        mfa_serial: mfa.serial.clone(),
        role_arn: None,
    }
}

/// A desktop keyring left locked, as after a graphical login when one
/// comes back over ssh: the Secret Service answers on the bus but hands out
/// and takes nothing, so the kernel keyring keeps the session, with one
/// warning, and the next run finds it there.
#[test]
#[ignore = "needs moto, python3, openssl, gnome-keyring and dbus-run-session: run by .ci/run"]
fn a_locked_secret_service_is_one_warning_and_the_answer_still_comes() {
    require("dbus-run-session");
    require("gnome-keyring-daemon");
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    let outputs = tempfile::tempdir().unwrap();
    // The helper with `args` under `wrapper`, choosing its keyring itself.
    let on_a_bus = |wrapper: &[&str], args: &[&str]| {
        let mut command = mfa.scratch.command(wrapper[0]);
        command
            .envs(mfa.env())
            .env_remove(KEYRING_VAR)
            .current_dir(outputs.path())
            .args(&wrapper[1..])
            .arg(BINARY)
            .args(args);
        command
    };
    // The desktop session: the login keyring unlocked, a session cached in it.
    let cached = ok(on_a_bus(&gnome_keyring_unlocked(), &["login"]));
    assert!(cached.contains("valid until"), "{cached}");
    // The ssh session: a bus of its own, on which gnome-keyring starts with
    // that keyring locked. The helper's output is kept apart from the bus's.
    let locked = gnome_keyring_locked();
    let started = Instant::now();
    let out = run(
        on_a_bus(&locked, &["get"]),
        &request(HOST, Some("v1/repos/myrepo")),
    );
    let took = started.elapsed();
    let read = |name: &str| std::fs::read_to_string(outputs.path().join(name)).unwrap();
    let stderr = read("err");
    assert!(out.status.success(), "{stderr}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_session_answer(read("out").as_bytes(), "locked keyring");
    let notice = "git-credential-mfa-codecommit: warning: the Secret Service's default keyring \
        is locked, so MFA sessions are kept in the kernel keyring (keyutils); unlock it, or set \
        GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING to keyutils or secret-service to choose\n";
    assert_eq!(stderr, notice);
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 2);
    // The session went to the kernel keyring, where the next run over ssh
    // finds it: no STS call, the same one warning.
    let keyutils = KeyringStore::open(Some("keyutils"), &Env::real()).unwrap();
    assert!(keyutils.load(&default_key(&mfa)).unwrap().is_some());
    let out = run(
        on_a_bus(&locked, &["get"]),
        &request(HOST, Some("v1/repos/myrepo")),
    );
    assert!(out.status.success(), "{}", read("err"));
    assert_session_answer(read("out").as_bytes(), "locked keyring, cached");
    assert_eq!(read("err"), notice);
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 2);
    assert!(keyutils.delete(&default_key(&mfa)).unwrap());
    mfa.assert_no_secret_in_files();
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn a_corrupt_cached_session_is_one_warning_and_is_replaced() {
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    // It starts as a session of this helper's format would, then is garbage.
    keyutils_corrupt(&default_key(&mfa), b"\x01garbage\xff-ASIA-secret");
    let mut status = mfa.scratch.command(BINARY);
    status.envs(mfa.env()).arg("status");
    assert_eq!(
        ok(status),
        format!(
            "default\t{}\tunreadable cached session (the next login replaces it)\n",
            mfa.serial
        )
    );
    let started = Instant::now();
    let out = run(get(&mfa, &[]), &request(HOST, Some("v1/repos/myrepo")));
    let took = started.elapsed();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_session_answer(&out.stdout, "corrupt entry");
    assert_eq!(
        stderr,
        "git-credential-mfa-codecommit: warning: the MFA session cached in the kernel keyring \
         (keyutils) is unreadable (corrupt, or written by another version of this helper); \
         logging in again replaces it\n"
    );
    // Replaced: the next get answers from the cache, silently.
    let out = run(get(&mfa, &[]), &request(HOST, Some("v1/repos/myrepo")));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "");
    assert_session_answer(&out.stdout, "after the repair");
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 1);
    mfa.logout();
}
