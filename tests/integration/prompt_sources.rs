//! Where TOTP codes come from, end to end and without a terminal: the
//! profile's `mfa_process`, `GIT_ASKPASS` / `core.askPass` / `SSH_ASKPASS`,
//! and the gates (`GIT_TERMINAL_PROMPT`, `credential.interactive`), through
//! the built helper against moto's STS, and the real `git` with a GUI-style
//! askpass against the MFA-enforcing server.
//!
//! Every helper and git runs under `setsid`: no controlling terminal, as in
//! an IDE or a GUI git client (but `login`, which a person runs at a
//! terminal). The scripts standing in for `ykman` or an askpass dialog record
//! each run (and their arguments) in a file.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use crate::support::codecommit_server::{HOST, ok, sts_calls};
use crate::support::mfa::{MOTO_KEY_ID, MOTO_TOKEN, Mfa};
use crate::support::{BINARY, attribute, request, require, run, text};

/// A script in the scratch HOME that records `$#|$1` in `<name>.log`, then
/// runs `body`; its path.
fn recorder(mfa: &Mfa, name: &str, body: &str) -> String {
    let log = mfa.scratch.path(&format!("calls/{name}.log"));
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    let path = mfa.scratch.write(
        &format!("bin/{name}"),
        &format!(
            "#!/bin/sh\nprintf '%s|%s\\n' \"$#\" \"$1\" >> '{}'\n{body}\n",
            log.display()
        ),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// What the recorder `name` was run with, one entry per run.
fn runs(mfa: &Mfa, name: &str) -> Vec<String> {
    std::fs::read_to_string(mfa.scratch.path(&format!("calls/{name}.log")))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `git config --global key value` in the scratch HOME.
fn git_config(mfa: &Mfa, key: &str, value: &str) {
    let mut git = mfa.scratch.command("git");
    git.args(["config", "--global", key, value]);
    ok(git);
}

fn git_config_unset(mfa: &Mfa, key: &str) {
    let mut git = mfa.scratch.command("git");
    git.args(["config", "--global", "--unset", key]);
    ok(git);
}

/// `program args` without a controlling terminal, in the helper's
/// environment (no system git config), with `env` added.
fn detached(mfa: &Mfa, program: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    require("setsid");
    let mut command = mfa.scratch.command("setsid");
    command
        .envs(mfa.env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .envs(env.iter().copied())
        .args(["-w", program])
        .args(args);
    command
}

/// A `get` for the MFA-enforcing server's repository, without a terminal.
fn get(mfa: &Mfa, env: &[(&str, &str)]) -> Output {
    run(
        detached(mfa, BINARY, &["get"], env),
        &request(HOST, Some("v1/repos/myrepo")),
    )
}

/// The helper answered with the session moto issued.
fn assert_session(out: &Output) {
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        attribute(&out.stdout, "username"),
        Some(format!("{MOTO_KEY_ID}%{MOTO_TOKEN}").as_str())
    );
}

/// The helper failed with one error line holding every `part`, and printed
/// `stdout` to git.
fn assert_failed(out: &Output, stdout: &str, parts: &[&str]) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), stdout);
    let stderr = text(&out.stderr).to_owned();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "{part:?} not in {stderr}");
    }
    stderr
}

fn sessions_issued(mfa: &Mfa) -> u64 {
    sts_calls(&mfa.moto.endpoint).0
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn the_tests_really_run_without_a_terminal() {
    let mfa = Mfa::new();
    let probe = detached(&mfa, "sh", &["-c", "exec 3<>/dev/tty"], &[])
        .output()
        .unwrap();
    assert!(!probe.status.success(), "a controlling terminal is there");
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn an_mfa_process_answers_once_and_the_cache_answers_after() {
    let mfa = Mfa::new();
    let process = recorder(&mfa, "ykman", "echo 123456");
    mfa.use_mfa_process(&process);
    let first = get(&mfa, &[]);
    assert_session(&first);
    assert_eq!(text(&first.stderr), "");
    assert_eq!(runs(&mfa, "ykman"), ["0|"], "run once, with no argument");
    assert_eq!(sessions_issued(&mfa), 1);

    let second = get(&mfa, &[]);
    assert_session(&second);
    assert_eq!(runs(&mfa, "ykman").len(), 1, "the cache answered");
    assert_eq!(sessions_issued(&mfa), 1);
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn an_mfa_process_may_print_more_than_the_code_and_is_not_stopped_by_prompt_gates() {
    let mfa = Mfa::new();
    mfa.use_mfa_process(&recorder(
        &mfa,
        "ykman",
        "echo 'Touch your YubiKey...' >&2; printf 'aws  123456\\n'",
    ));
    let askpass = recorder(&mfa, "askpass", "echo 111111");
    // mfa_process is not prompting: neither gate stops it, and askpass,
    // although set, is not asked.
    git_config(&mfa, "credential.interactive", "false");
    let out = get(
        &mfa,
        &[("GIT_TERMINAL_PROMPT", "0"), ("GIT_ASKPASS", &askpass)],
    );
    assert_session(&out);
    // The tool's own stderr reaches the user.
    assert_eq!(text(&out.stderr), "Touch your YubiKey...\n");
    assert_eq!(runs(&mfa, "ykman").len(), 1);
    assert!(runs(&mfa, "askpass").is_empty());
    assert_eq!(sessions_issued(&mfa), 1);
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn a_failing_mfa_process_is_a_clear_error_without_sts_or_askpass() {
    let mfa = Mfa::new();
    let process = recorder(&mfa, "ykman", "echo 987654; exit 3");
    mfa.use_mfa_process(&process);
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    let out = get(&mfa, &[("GIT_ASKPASS", &askpass)]);
    let stderr = assert_failed(&out, "", &["mfa_process", "exit status 3"]);
    assert!(!stderr.contains("987654"), "the output leaked: {stderr}");
    assert!(!stderr.contains(&process), "the command leaked: {stderr}");
    assert_eq!(runs(&mfa, "ykman").len(), 1, "not retried");
    assert!(runs(&mfa, "askpass").is_empty(), "no fall-through");
    assert_eq!(sessions_issued(&mfa), 0);

    // No output at all is an error too.
    mfa.use_mfa_process(&recorder(&mfa, "silent", "true"));
    let out = get(&mfa, &[("GIT_ASKPASS", &askpass)]);
    assert_failed(&out, "", &["mfa_process printed no code"]);
    assert!(runs(&mfa, "askpass").is_empty());
    assert_eq!(sessions_issued(&mfa), 0);
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn git_askpass_gets_the_prompt_as_its_one_argument_even_with_terminal_prompts_off() {
    let mfa = Mfa::new();
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    let asked = format!("1|MFA code for {}: ", mfa.serial);
    assert_session(&get(&mfa, &[("GIT_ASKPASS", &askpass)]));
    assert_eq!(runs(&mfa, "askpass"), [asked.as_str()]);
    assert_eq!(sessions_issued(&mfa), 1);
    mfa.logout();

    // GIT_TERMINAL_PROMPT=0 turns off the terminal only, as in git.
    let out = get(
        &mfa,
        &[("GIT_ASKPASS", &askpass), ("GIT_TERMINAL_PROMPT", "0")],
    );
    assert_session(&out);
    assert_eq!(runs(&mfa, "askpass"), [asked.as_str(), asked.as_str()]);
    assert_eq!(sessions_issued(&mfa), 2);
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn askpass_is_git_askpass_then_core_askpass_then_ssh_askpass() {
    let mfa = Mfa::new();
    let git_askpass = recorder(&mfa, "git-askpass", "echo 123456");
    let core_askpass = recorder(&mfa, "core-askpass", "echo 123456");
    let ssh_askpass = recorder(&mfa, "ssh-askpass", "echo 123456");
    git_config(&mfa, "core.askPass", &core_askpass);
    let asked = format!("1|MFA code for {}: ", mfa.serial);

    assert_session(&get(
        &mfa,
        &[("GIT_ASKPASS", &git_askpass), ("SSH_ASKPASS", &ssh_askpass)],
    ));
    mfa.logout();
    // core.askPass is read from git's config: git does not export it.
    assert_session(&get(&mfa, &[("SSH_ASKPASS", &ssh_askpass)]));
    mfa.logout();
    git_config_unset(&mfa, "core.askPass");
    assert_session(&get(&mfa, &[("SSH_ASKPASS", &ssh_askpass)]));
    mfa.logout();

    assert_eq!(runs(&mfa, "git-askpass"), [asked.as_str()]);
    assert_eq!(runs(&mfa, "core-askpass"), [asked.as_str()]);
    assert_eq!(runs(&mfa, "ssh-askpass"), [asked.as_str()]);
    assert_eq!(sessions_issued(&mfa), 3);
}

/// A key with no `=` is true in git: `[credential] interactive` allows
/// prompting (it once read as the empty string, false).
#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn a_bare_credential_interactive_key_is_true_as_in_git() {
    let mfa = Mfa::new();
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    for value in ["yes", "1k"] {
        git_config(&mfa, "credential.interactive", value);
        assert_session(&get(&mfa, &[("GIT_ASKPASS", &askpass)]));
        mfa.logout();
    }
    git_config_unset(&mfa, "credential.interactive");
    let gitconfig = mfa.scratch.path(".gitconfig");
    let mut text = std::fs::read_to_string(&gitconfig).unwrap_or_default();
    text.push_str("[credential]\n\tinteractive\n");
    std::fs::write(&gitconfig, text).unwrap();
    assert_session(&get(&mfa, &[("GIT_ASKPASS", &askpass)]));
    assert_eq!(runs(&mfa, "askpass").len(), 3);
    assert_eq!(sessions_issued(&mfa), 3);
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn an_askpass_that_exits_1_is_a_cancel_that_tells_git_to_quit() {
    let mfa = Mfa::new();
    let askpass = recorder(&mfa, "askpass", "exit 1");
    let out = get(&mfa, &[("GIT_ASKPASS", &askpass)]);
    assert_failed(&out, "quit=1\n", &["MFA prompt cancelled"]);
    assert_eq!(runs(&mfa, "askpass").len(), 1);
    assert_eq!(sessions_issued(&mfa), 0);
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn credential_interactive_false_keeps_askpass_closed() {
    let mfa = Mfa::new();
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    for value in ["false", "never", "off", "0"] {
        git_config(&mfa, "credential.interactive", value);
        let out = get(&mfa, &[("GIT_ASKPASS", &askpass)]);
        assert_failed(
            &out,
            "",
            &["credential.interactive=false", "mfa_process", "login"],
        );
    }
    assert!(runs(&mfa, "askpass").is_empty());
    assert_eq!(sessions_issued(&mfa), 0);
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn with_no_source_at_all_the_error_names_every_way_out() {
    let mfa = Mfa::new();
    let ways = [
        "mfa_process",
        "GIT_ASKPASS",
        "core.askPass",
        "SSH_ASKPASS",
        "login",
    ];
    let out = get(&mfa, &[]);
    let stderr = assert_failed(&out, "", &ways);
    assert!(stderr.contains("no terminal"), "{stderr}");

    // Prompting turned off is told apart from a missing terminal.
    let out = get(&mfa, &[("GIT_TERMINAL_PROMPT", "0")]);
    let stderr = assert_failed(&out, "", &ways);
    assert!(stderr.contains("GIT_TERMINAL_PROMPT=0"), "{stderr}");

    // An empty GIT_ASKPASS means "no askpass", even with SSH_ASKPASS set, as in git.
    let ssh_askpass = recorder(&mfa, "ssh-askpass", "echo 123456");
    let out = get(&mfa, &[("GIT_ASKPASS", ""), ("SSH_ASKPASS", &ssh_askpass)]);
    assert_failed(&out, "", &ways);
    assert!(runs(&mfa, "ssh-askpass").is_empty());
    assert_eq!(sessions_issued(&mfa), 0);
}

#[test]
#[ignore = "needs moto, python3, openssl, setsid and kernel keyutils: run by .ci/run"]
fn git_with_a_gui_askpass_gets_through_the_mfa_policy() {
    let mfa = Mfa::new();
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    let url = mfa.server.url("myrepo");
    // As an IDE runs git: no terminal, GIT_ASKPASS set to its dialog, and
    // (set by the test server's git) GIT_TERMINAL_PROMPT=0.
    let mut git = mfa.git(&["ls-remote", &url]);
    git.env("GIT_ASKPASS", &askpass)
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let mut detached = mfa.scratch.command("setsid");
    detached
        .arg("-w")
        .arg(git.get_program())
        .args(git.get_args());
    for (key, value) in git.get_envs() {
        match value {
            Some(value) => detached.env(key, value),
            None => detached.env_remove(key),
        };
    }
    let out = detached.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Only our MFA prompt reached the dialog: git never asked for a
    // username or password of its own.
    assert_eq!(
        runs(&mfa, "askpass"),
        [format!("1|MFA code for {}: ", mfa.serial)]
    );
    assert_eq!(sessions_issued(&mfa), 1);
    let log = mfa.server.log();
    assert!(
        log.iter()
            .any(|entry| entry["status"] == 200 && entry["key_id"] == MOTO_KEY_ID),
        "{log:?}"
    );
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn login_asks_on_the_terminal_even_when_git_prompts_are_off() {
    // `login` is what the errors above recommend: git's gates must not
    // turn that advice into a loop.
    let mfa = Mfa::new();
    git_config(&mfa, "credential.interactive", "false");
    let askpass = recorder(&mfa, "askpass", "echo 123456");
    let mut login = mfa.scratch.command(BINARY);
    login
        .envs(mfa.env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", &askpass)
        .arg("login");
    assert_eq!(mfa.in_terminal(login, "123456\r"), 1);
    assert!(runs(&mfa, "askpass").is_empty(), "the terminal comes first");
    assert_eq!(sessions_issued(&mfa), 1);
    mfa.logout();
}
