//! The session cache against real keyrings, through `KeyringStore`: the
//! kernel keyring in plain processes (no login session, or a private session
//! keyring), and a real gnome-keyring Secret Service on a private D-Bus.
//!
//! Each test runs its body again in a child process (this test binary, with
//! `--exact <name>`) under the wrapper that sets the scene (`setsid`,
//! `keyctl session -`, `dbus-run-session`), with a scrubbed environment and a
//! time limit, so no developer's session bus, keyring or HOME is touched.
//! Entries are named per run, and removed at the end.

use std::ffi::OsString;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::Env;
use git_credential_mfa_codecommit::session::Session;
use git_credential_mfa_codecommit::session::store::{
    self, CacheKey, KeyringStore, SERVICE, SessionStore,
};
use keyring_core::api::CredentialStoreApi;

use crate::support::keyrings::{gnome_keyring_unlocked, keyutils_corrupt};
use crate::support::{require, run, text};

/// Set (to the test's name) in the child that runs a test's body.
const INNER: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_TEST_INNER";

const KEYUTILS: &str = "kernel keyring (keyutils)";
const SECRET_SERVICE: &str = "Secret Service";

/// Whether this process is the child that runs `name`'s body.
fn is_inner(name: &str) -> bool {
    std::env::var_os(INNER).is_some_and(|value| value == name)
}

/// Runs the test `name` of this module in a child under `wrapper`, with only
/// PATH, `env` and the marker in its environment, for at most two minutes;
/// panics with the child's output unless exactly that one test passed.
fn rerun(name: &str, wrapper: &[&str], env: &[(&str, OsString)]) {
    require("timeout");
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new("timeout");
    command
        .args(["--kill-after=5", "120"])
        .args(wrapper)
        .arg(exe)
        .args(["--exact", &format!("cache::{name}")])
        .args(["--include-ignored", "--nocapture", "--test-threads=1"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(INNER, name)
        .envs(env.iter().map(|(key, value)| (key, value)));
    let out = run(command, b"");
    let stdout = text(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in {wrapper:?}: {}\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status,
        text(&out.stderr),
    );
}

/// A key no other run uses.
fn unique_key(tag: &str, role_arn: Option<&str>) -> CacheKey {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    CacheKey {
        profile: format!("cache-test-{tag}-{}-{nanos}", std::process::id()),
        mfa_serial: "arn:aws:iam::123456789012:mfa/tester".into(),
        role_arn: role_arn.map(Into::into),
    }
}

/// A session that ends `lifetime` from now (whole seconds, as cached).
fn session(token: &str, lifetime: Duration) -> Session {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let expiry = UNIX_EPOCH + Duration::from_secs((now + lifetime).as_secs());
    Session::from_credentials(Credentials::new(
        "ASIAEXAMPLE",
        format!("secret/{token}+"),
        Some(format!("FwoGZXIvYXdzE//{token}==")),
        Some(expiry),
        "test",
    ))
    .unwrap()
}

fn assert_same(loaded: Option<Session>, saved: &Session) {
    let loaded = loaded.expect("a cached session");
    let (got, want) = (loaded.credentials(), saved.credentials());
    assert_eq!(got.access_key_id(), want.access_key_id());
    assert_eq!(got.secret_access_key(), want.secret_access_key());
    assert_eq!(got.session_token(), want.session_token());
    assert_eq!(loaded.expiry(), saved.expiry());
}

/// What every backend must do: round trip, overwrite, no collisions between
/// keys, a corrupt entry as unreadable (its bytes unshown) until a save
/// repairs it, delete once.
/// `corrupt` writes raw bytes under the key's service and account through the
/// backend directly.
fn keeps_the_store_contract(store: &KeyringStore, corrupt: &dyn Fn(&CacheKey, &[u8])) {
    let hour = Duration::from_secs(3600);
    let key = unique_key("contract", None);
    let with_role = CacheKey {
        role_arn: Some("arn:aws:iam::123456789012:role/deploy".into()),
        ..key.clone()
    };
    let other_role = CacheKey {
        role_arn: Some("arn:aws:iam::123456789012:role/audit".into()),
        ..key.clone()
    };
    let other_serial = CacheKey {
        mfa_serial: "arn:aws:iam::123456789012:mfa/other".into(),
        ..key.clone()
    };
    let all = [&key, &with_role, &other_role, &other_serial];

    assert!(store.load(&key).unwrap().is_none());

    let first = session("first", hour);
    store.save(&key, &first).unwrap();
    assert_same(store.load(&key).unwrap(), &first);

    let second = session("second", 2 * hour);
    store.save(&key, &second).unwrap();
    assert_same(store.load(&key).unwrap(), &second);

    let sessions = [
        second,
        session("role", hour),
        session("other-role", hour),
        session("other-serial", hour),
    ];
    for (key, session) in all.iter().zip(&sessions).skip(1) {
        store.save(key, session).unwrap();
    }
    for (key, session) in all.iter().zip(&sessions) {
        assert_same(store.load(key).unwrap(), session);
    }

    for garbage in [&b"\x00garbage\xff"[..], b"{\"AccessKeyId\":\"ASIA\"}"] {
        corrupt(&key, garbage);
        let error = store.load(&key).unwrap_err();
        assert!(
            matches!(error, store::Error::Unreadable { .. }),
            "{garbage:?}: {error}"
        );
        let message = error.to_string();
        assert!(
            message.contains(store.name())
                && !message.contains("garbage")
                && !message.contains("ASIA"),
            "{message}"
        );
        assert_same(store.load(&with_role).unwrap(), &sessions[1]);
    }
    store.save(&key, &first).unwrap();
    assert_same(store.load(&key).unwrap(), &first);

    assert!(store.delete(&key).unwrap());
    assert!(!store.delete(&key).unwrap());
    assert!(store.load(&key).unwrap().is_none());
    for (key, session) in all.iter().zip(&sessions).skip(1) {
        assert_same(store.load(key).unwrap(), session);
        assert!(store.delete(key).unwrap());
    }
}

/// The kernel keyring's own promises: chosen automatically without a session
/// bus, or with one that has no Secret Service; a key carries the session's
/// time left, and the kernel drops it when that runs out.
fn keyutils_body() {
    let automatic = KeyringStore::open(None, &Env::real()).unwrap();
    assert_eq!(automatic.name(), KEYUTILS);
    let store = KeyringStore::open(Some("keyutils"), &Env::real()).unwrap();
    keeps_the_store_contract(&store, &keyutils_corrupt);
    keeps_the_store_contract(&automatic, &keyutils_corrupt);

    let key = unique_key("timeout", None);
    let short = session("short", Duration::from_secs(3));
    store.save(&key, &short).unwrap();
    assert_same(store.load(&key).unwrap(), &short);
    let description = format!("{SERVICE}:{}", key.account());
    let keys = std::fs::read_to_string("/proc/keys").unwrap();
    let line = keys
        .lines()
        .find(|line| line.ends_with(&format!("{description}: {}", short.encode().unwrap().len())))
        .unwrap_or_else(|| panic!("no {description} in /proc/keys:\n{keys}"));
    let fields: Vec<_> = line.split_whitespace().collect();
    assert!(matches!(fields[3], "1s" | "2s" | "3s"), "{line}");
    // Possessor and user may do everything; group and others nothing.
    assert_eq!(fields[4], "3f3f0000", "{line}");
    std::thread::sleep(Duration::from_secs(4));
    assert!(store.load(&key).unwrap().is_none());
    assert!(!store.delete(&key).unwrap());
}

#[test]
#[ignore = "needs kernel keyutils (blocked in some containers): run by .ci/run"]
fn keyutils_keeps_sessions_in_a_process_without_a_login_session() {
    let name = "keyutils_keeps_sessions_in_a_process_without_a_login_session";
    if !is_inner(name) {
        return rerun(name, &["setsid"], &[]);
    }
    keyutils_body();
}

/// systemd's `KeyringMode=private` (the default for system services) gives a
/// session keyring that does not link the user keyring, so the process does
/// not possess its keys: they must grant access to their owner's uid.
#[test]
#[ignore = "needs kernel keyutils (blocked in some containers) and keyctl: run by .ci/run"]
fn keyutils_keeps_sessions_under_a_private_session_keyring() {
    let name = "keyutils_keeps_sessions_under_a_private_session_keyring";
    if !is_inner(name) {
        require("keyctl");
        return rerun(name, &["setsid", "keyctl", "session", "-"], &[]);
    }
    keyutils_body();
}

/// A session bus with no Secret Service on it (no service files, so nothing
/// is activated), or a bus address that leads nowhere: the kernel keyring.
#[test]
#[ignore = "needs kernel keyutils and dbus-run-session: run by .ci/run"]
fn automatic_choice_is_the_kernel_keyring_where_no_secret_service_answers() {
    let name = "automatic_choice_is_the_kernel_keyring_where_no_secret_service_answers";
    if !is_inner(name) {
        require("dbus-run-session");
        let scratch = tempfile::tempdir().unwrap();
        let config = scratch.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                scratch.path().display()
            ),
        )
        .unwrap();
        let config = format!("--config-file={}", config.display());
        rerun(name, &["dbus-run-session", &config, "--"], &[]);
        let nowhere = scratch.path().join("no-bus");
        let address = OsString::from(format!("unix:path={}", nowhere.display()));
        return rerun(name, &[], &[("DBUS_SESSION_BUS_ADDRESS", address)]);
    }
    assert!(std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some());
    let started = std::time::Instant::now();
    let store = KeyringStore::open(None, &Env::real()).unwrap();
    assert_eq!(store.name(), KEYUTILS);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    keeps_the_store_contract(&store, &keyutils_corrupt);
    // Asked for by name, the missing service is unavailable, not a hang.
    let store = KeyringStore::open(Some("secret-service"), &Env::real()).unwrap();
    let error = store.load(&unique_key("absent", None)).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("Secret Service unavailable: "),
        "{error}"
    );
}

/// `HOME` and `XDG_RUNTIME_DIR` for a test's own gnome-keyring, under `root`.
fn scratch_dirs(root: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let home = root.join("home");
    let runtime = root.join("run");
    for dir in [&home, &runtime] {
        std::fs::create_dir(dir).unwrap();
        std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    }
    (home, runtime)
}

/// Runs `name` under a fresh, unlocked gnome-keyring in a scratch HOME.
fn with_gnome_keyring(name: &str) {
    require("dbus-run-session");
    require("gnome-keyring-daemon");
    let scratch = tempfile::tempdir().unwrap();
    let (home, runtime) = scratch_dirs(scratch.path());
    rerun(
        name,
        &gnome_keyring_unlocked(),
        &[
            ("HOME", home.into_os_string()),
            ("XDG_RUNTIME_DIR", runtime.into_os_string()),
        ],
    );
}

/// The Secret Service by name, once gnome-keyring has claimed its bus name.
fn secret_service() -> KeyringStore {
    let probe = unique_key("probe", None);
    for _ in 0..100 {
        let store = KeyringStore::open(Some("secret-service"), &Env::real()).unwrap();
        match store.load(&probe) {
            Ok(None) => return store,
            Ok(Some(_)) => panic!("a session under a fresh key"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let store = KeyringStore::open(Some("secret-service"), &Env::real()).unwrap();
    panic!("no Secret Service: {:?}", store.load(&probe));
}

fn secret_service_corrupt(key: &CacheKey, bytes: &[u8]) {
    dbus_secret_service_keyring_store::Store::new()
        .unwrap()
        .build(SERVICE, &key.account(), None)
        .unwrap()
        .set_secret(bytes)
        .unwrap();
}

#[test]
#[ignore = "needs gnome-keyring and dbus-run-session: run by .ci/run"]
fn secret_service_keeps_sessions_in_gnome_keyring() {
    let name = "secret_service_keeps_sessions_in_gnome_keyring";
    if !is_inner(name) {
        return with_gnome_keyring(name);
    }
    let store = secret_service();
    assert_eq!(store.name(), SECRET_SERVICE);
    keeps_the_store_contract(&store, &secret_service_corrupt);
    let automatic = KeyringStore::open(None, &Env::real()).unwrap();
    assert_eq!(automatic.name(), SECRET_SERVICE);
    keeps_the_store_contract(&automatic, &secret_service_corrupt);
}

/// Two items answer to one key (another tool added one with an extra
/// attribute): a miss, which the next save or delete clears up.
#[test]
#[ignore = "needs gnome-keyring and dbus-run-session: run by .ci/run"]
fn secret_service_duplicates_are_a_miss_that_save_and_delete_clear() {
    let name = "secret_service_duplicates_are_a_miss_that_save_and_delete_clear";
    if !is_inner(name) {
        return with_gnome_keyring(name);
    }
    let store = secret_service();
    let raw = dbus_secret_service_keyring_store::Store::new().unwrap();
    let duplicate = |key: &CacheKey| {
        let target = std::collections::HashMap::from([("target", "default")]);
        let bytes = session("duplicate", Duration::from_secs(60))
            .encode()
            .unwrap();
        raw.build(SERVICE, &key.account(), Some(&target))
            .unwrap()
            .set_secret(&bytes)
            .unwrap();
    };
    let key = unique_key("duplicates", None);
    let saved = session("saved", Duration::from_secs(3600));
    store.save(&key, &saved).unwrap();
    duplicate(&key);
    assert!(store.load(&key).unwrap().is_none());
    store.save(&key, &saved).unwrap();
    assert_same(store.load(&key).unwrap(), &saved);

    duplicate(&key);
    assert!(store.delete(&key).unwrap());
    assert!(!store.delete(&key).unwrap());
    assert!(store.load(&key).unwrap().is_none());
}

/// A test of a Secret Service whose keyring is found locked, in two stages
/// under the same scratch HOME: `create` saves a session for the key under
/// a fresh, unlocked gnome-keyring; then the test's own stage runs under
/// `wrapper`, a new login session in which that keyring starts locked, with
/// `env` added. In the test's own stage: the key and the session saved.
fn locked_keyring_stage(
    name: &str,
    wrapper: &[&str],
    env: &[(&str, OsString)],
) -> Option<(CacheKey, Session)> {
    let saved = session("locked", Duration::from_secs(3600));
    if !is_inner(name) {
        require("dbus-run-session");
        require("gnome-keyring-daemon");
        let scratch = tempfile::tempdir().unwrap();
        let (home, runtime) = scratch_dirs(scratch.path());
        let profile = unique_key("locked", None).profile;
        let stage_env = |stage: &str| {
            let mut all = vec![
                ("HOME", home.clone().into_os_string()),
                ("XDG_RUNTIME_DIR", runtime.clone().into_os_string()),
                ("CACHE_TEST_STAGE", stage.into()),
                ("CACHE_TEST_PROFILE", profile.clone().into()),
            ];
            all.extend(env.iter().cloned());
            all
        };
        rerun(name, &gnome_keyring_unlocked(), &stage_env("create"));
        rerun(name, wrapper, &stage_env("locked"));
        return None;
    }
    let key = CacheKey {
        profile: std::env::var("CACHE_TEST_PROFILE").unwrap(),
        ..unique_key("locked", None)
    };
    if std::env::var("CACHE_TEST_STAGE").unwrap() == "create" {
        secret_service().save(&key, &saved).unwrap();
        return None;
    }
    Some((key, saved))
}

/// The Secret Service chosen by name refuses `key` at once, with an error
/// that starts with `says`; a key it has no entry for is a plain miss.
fn refused_by_name(key: &CacheKey, saved: &Session, says: &str) -> KeyringStore {
    let started = std::time::Instant::now();
    let store = KeyringStore::open(Some("secret-service"), &Env::real()).unwrap();
    for result in [store.load(key).map(drop), store.save(key, saved)] {
        let error = result.unwrap_err();
        assert!(error.to_string().starts_with(says), "{error}");
    }
    assert!(store.load(&unique_key("other", None)).unwrap().is_none());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    store
}

/// A login keyring left locked (a headless login, over ssh): with no one to
/// answer the unlock prompt, the Secret Service chosen by name is
/// unavailable at once (no hang), and the automatic choice falls back to
/// the kernel keyring, where the next run finds the session.
#[test]
#[ignore = "needs gnome-keyring and dbus-run-session: run by .ci/run"]
fn a_locked_secret_service_is_unavailable_at_once_and_the_automatic_choice_falls_back() {
    let name = "a_locked_secret_service_is_unavailable_at_once_and_the_automatic_choice_falls_back";
    let Some((key, saved)) = locked_keyring_stage(name, &["dbus-run-session", "--"], &[]) else {
        return;
    };
    let store = refused_by_name(&key, &saved, "Secret Service unavailable: ");
    assert_eq!(store.notice(), None);

    // Chosen automatically, the kernel keyring serves instead, with a
    // notice; the next run finds the session there (a miss in the Secret
    // Service is looked up in it).
    let fresh = unique_key("fallback", None);
    let automatic = KeyringStore::open(None, &Env::real()).unwrap();
    assert!(automatic.load(&fresh).unwrap().is_none());
    assert_eq!(automatic.notice(), None);
    automatic.save(&fresh, &saved).unwrap();
    assert_eq!(automatic.name(), KEYUTILS);
    let notice = automatic.notice().expect("a notice").to_string();
    assert!(
        notice.starts_with("the Secret Service's default keyring is locked")
            && notice.contains("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING"),
        "{notice}"
    );
    let next_run = KeyringStore::open(None, &Env::real()).unwrap();
    assert_same(next_run.load(&fresh).unwrap(), &saved);
    let in_keyutils = KeyringStore::open(Some("keyutils"), &Env::real()).unwrap();
    assert_same(in_keyutils.load(&fresh).unwrap(), &saved);
    assert!(next_run.delete(&fresh).unwrap());
    assert!(in_keyutils.load(&fresh).unwrap().is_none());

    // The binary says so once, on stderr, when it meets the locked
    // keyring's entry.
    let home = std::env::var_os("HOME").unwrap();
    let config = std::path::Path::new(&home).join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile {}]\nmfa_serial = {}\n",
            key.profile, key.mfa_serial
        ),
    )
    .unwrap();
    let mut status = Command::new(env!("CARGO_BIN_EXE_git-credential-mfa-codecommit"));
    status.arg("status").env("AWS_CONFIG_FILE", &config);
    let out = run(status, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!("git-credential-mfa-codecommit: warning: {notice}\n")
    );
}

/// A login keyring left locked on a desktop nobody is at: gnome-keyring's
/// unlock dialog goes to a prompter that never answers
/// (`tests/support/waiting_prompter.py`), and the Secret Service library
/// would wait a year for it. On git's path such a prompt counts as locked:
/// nothing is ever asked of the prompter, the Secret Service chosen by name
/// is unavailable at once, and the automatic choice falls back to the
/// kernel keyring with its notice.
#[test]
#[ignore = "needs gnome-keyring, dbus-run-session and Debian's python3-dbus and python3-gi: run by .ci/run"]
fn a_secret_service_prompt_nobody_answers_counts_as_locked() {
    let name = "a_secret_service_prompt_nobody_answers_counts_as_locked";
    let scratch = tempfile::tempdir().unwrap();
    let prompts = scratch.path().join("prompts");
    let prompter = crate::support::manifest_dir().join("tests/support/waiting_prompter.py");
    let start_prompter = format!(
        "/usr/bin/python3 '{}' \"$CACHE_TEST_PROMPTS\" > \"$CACHE_TEST_PROMPTS.ready\" & \
         for _ in $(seq 100); do grep -q ready \"$CACHE_TEST_PROMPTS.ready\" && exec \"$@\"; sleep 0.1; done; \
         echo the prompter did not start >&2; exit 1",
        prompter.display()
    );
    let wrapper = ["dbus-run-session", "--", "sh", "-c", &start_prompter, "sh"];
    let env = [("CACHE_TEST_PROMPTS", prompts.clone().into_os_string())];
    let Some((key, saved)) = locked_keyring_stage(name, &wrapper, &env) else {
        if !is_inner(name) {
            assert!(
                !prompts.exists(),
                "a prompt was started: {:?}",
                std::fs::read_to_string(&prompts)
            );
        }
        return;
    };
    let started = std::time::Instant::now();
    refused_by_name(
        &key,
        &saved,
        "Secret Service unavailable: the keyring is locked",
    );
    let automatic = KeyringStore::open(None, &Env::real()).unwrap();
    assert!(automatic.load(&key).unwrap().is_none());
    automatic.save(&key, &saved).unwrap();
    assert_eq!(automatic.name(), KEYUTILS);
    assert_same(automatic.load(&key).unwrap(), &saved);
    let notice = automatic.notice().expect("a notice").to_string();
    assert!(
        notice.starts_with("the Secret Service's default keyring is locked"),
        "{notice}"
    );
    assert!(automatic.delete(&key).unwrap());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
