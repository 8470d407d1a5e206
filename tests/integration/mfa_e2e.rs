//! MFA sessions end to end with real peers: moto's STS server, the kernel
//! keyring, a pseudo-terminal answering the prompt, and the real `git`
//! pushing to the CodeCommit-like server that enforces "deny unless MFA":
//! it refuses long-term keys and accepts only sessions moto issued for a
//! GetSessionToken call that carried SerialNumber and TokenCode.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use expectrl::Expect;
use expectrl::session::OsSession;
use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::codecommit_server::{HOST, ok, sts_calls};
use crate::support::mfa::{MOTO_KEY_ID, MOTO_SECRET, MOTO_TOKEN, Mfa};
use crate::support::{BINARY, attribute, request, run, text};

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn the_policy_refuses_long_term_keys() {
    let mfa = Mfa::new();
    let mut clone = mfa.git(&["clone", "--quiet", &mfa.server.url("myrepo"), "work"]);
    clone.env("AWS_PROFILE", "nomfa");
    let out = clone.output().unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("403"), "{}", text(&out.stderr));
    assert_eq!(
        mfa.server.reasons().last().map(String::as_str),
        Some("mfa required")
    );
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn one_prompt_for_a_clone_and_twenty_pushes() {
    let mfa = Mfa::new();
    let (sessions_before, _) = sts_calls(&mfa.moto.endpoint);
    let mut clone = mfa.git(&["clone", "--quiet", &mfa.server.url("myrepo"), "work"]);
    clone.env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(clone, "123456\r"), 1);
    // Without a terminal from here on: a prompt would fail the push.
    for push in 0..20 {
        mfa.commit_and_push(&format!("file-{push}"));
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).0 - sessions_before, 1);
    let log = mfa.server.log();
    let pushes = log
        .iter()
        .filter(|entry| {
            entry["path"]
                .as_str()
                .unwrap()
                .ends_with("/git-receive-pack")
        })
        .count();
    assert_eq!(pushes, 20);
    assert!(
        log.iter()
            .filter(|entry| entry["status"] == 200)
            .all(|entry| entry["key_id"] == MOTO_KEY_ID)
    );
    mfa.assert_no_secret_in_files();

    let mut status = mfa.scratch.command(BINARY);
    status.envs(mfa.env()).arg("status");
    let shown = ok(status);
    assert!(
        shown.contains(&mfa.serial) && shown.contains("valid until"),
        "{shown}"
    );
    assert!(!shown.contains(MOTO_SECRET) && !shown.contains(MOTO_TOKEN));
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn sixteen_concurrent_cold_gets_share_one_prompt_and_one_sts_call() {
    let mfa = Mfa::new();
    let (sessions_before, _) = sts_calls(&mfa.moto.endpoint);
    // What the helpers print is kept outside HOME, which the secret scan reads.
    let outputs = tempfile::tempdir().unwrap();
    let input = outputs.path().join("request");
    std::fs::write(&input, request(HOST, Some("v1/repos/myrepo"))).unwrap();
    let mut burst = mfa.scratch.command("sh");
    burst.envs(mfa.env()).current_dir(outputs.path()).arg("-c").arg(format!(
        "for i in $(seq 16); do git-credential-mfa-codecommit get < '{}' > out.$i 2> err.$i & done; wait",
        input.display()
    ));
    assert_eq!(mfa.in_terminal(burst, "654321\r"), 1);
    assert_eq!(sts_calls(&mfa.moto.endpoint).0 - sessions_before, 1);
    for i in 1..=16 {
        let stdout = std::fs::read(outputs.path().join(format!("out.{i}"))).unwrap();
        let stderr = std::fs::read(outputs.path().join(format!("err.{i}"))).unwrap();
        assert_eq!(text(&stderr), "", "get {i}");
        assert_eq!(
            attribute(&stdout, "username"),
            Some(format!("{MOTO_KEY_ID}%{MOTO_TOKEN}").as_str()),
            "get {i}"
        );
        let password = attribute(&stdout, "password").unwrap();
        let stamp = NaiveDateTime::parse_from_str(&password[..15], "%Y%m%dT%H%M%S")
            .unwrap()
            .and_utc();
        let target = sigv4::Target {
            host: HOST,
            path: "/v1/repos/myrepo",
            region: "us-east-1",
        };
        assert_eq!(
            password,
            sigv4::password(MOTO_SECRET, &target, stamp.into()),
            "get {i}"
        );
    }
    mfa.assert_no_secret_in_files();
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3 and kernel keyutils: run by .ci/run"]
fn without_a_terminal_a_cold_get_fails_fast_and_clearly() {
    let mfa = Mfa::new();
    for env in [vec![], vec![("GIT_TERMINAL_PROMPT", "0")]] {
        let mut command = mfa.scratch.command("setsid");
        command
            .envs(mfa.env())
            .envs(env.iter().copied())
            .args([BINARY, "get"]);
        let started = std::time::Instant::now();
        let out = run(command, &request(HOST, Some("v1/repos/myrepo")));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(1), "{env:?}");
        assert_eq!(text(&out.stdout), "");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("an MFA code is needed") && stderr.contains("login"),
            "{stderr}"
        );
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 0);
}

/// What a `get` that showed the terminal prompt left behind.
struct PromptRun {
    stdout: String,
    stderr: String,
    /// `$?` in the shell that ran it.
    status: String,
    /// The terminal's settings (`stty -g`) before and after it.
    settings: (String, String),
    /// How many times the prompt showed.
    prompts: usize,
}

/// Runs `get` with `env` added from a shell in a pseudo-terminal, calling
/// `at_prompt` with the helper's process id each time the MFA prompt shows.
fn get_at_the_prompt(
    mfa: &Mfa,
    env: &[(&str, &str)],
    mut at_prompt: impl FnMut(&mut OsSession, &str),
) -> PromptRun {
    let outputs = tempfile::tempdir().unwrap();
    std::fs::write(
        outputs.path().join("request"),
        request(HOST, Some("v1/repos/myrepo")),
    )
    .unwrap();
    let mut shell = mfa.scratch.command("sh");
    shell
        .envs(mfa.env())
        .envs(env.iter().copied())
        .current_dir(outputs.path())
        .arg("-c")
        .arg(
            "stty -g > before; \
             sh -c 'echo $$ > pid; exec git-credential-mfa-codecommit get' < request > out 2> err; \
             echo $? > status; stty -g > after",
        );
    let read = |name: &str| std::fs::read_to_string(outputs.path().join(name)).unwrap();
    let prompts = mfa.in_terminal_with(shell, |session| at_prompt(session, read("pid").trim()));
    PromptRun {
        stdout: read("out"),
        stderr: read("err"),
        status: read("status"),
        settings: (read("before"), read("after")),
        prompts,
    }
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn ctrl_c_or_enter_at_the_prompt_tells_git_to_quit_and_restores_the_terminal() {
    let mfa = Mfa::new();
    for keys in ["\u{3}", "\r"] {
        let run = get_at_the_prompt(&mfa, &[], |session, _| session.send(keys).unwrap());
        assert_eq!(run.prompts, 1);
        assert_eq!(run.stdout, "quit=1\n", "{keys:?}");
        assert_eq!(run.status, "1\n", "{keys:?}");
        assert_eq!(
            run.stderr, "git-credential-mfa-codecommit: MFA prompt cancelled\n",
            "{keys:?}"
        );
        let (before, after) = run.settings;
        assert_eq!(before, after, "{keys:?}: the terminal was left changed");
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 0);
}

/// Sends SIG`signal` to process `pid`.
fn kill(signal: &str, pid: &str) {
    let mut kill = Command::new("kill");
    kill.args([&format!("-{signal}"), pid]);
    ok(kill);
}

/// Signals from outside, not keys: prompt mode turns keys' signals off, but
/// `kill` still reaches the helper while it waits.
#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn a_signal_at_the_prompt_restores_the_terminal_and_sigint_tells_git_to_quit() {
    let mfa = Mfa::new();
    // At the first prompt, and at the second (after an answer that is not a
    // code), where the first prompt's handlers are still installed.
    for (signal, stdout, prompts) in [
        ("INT", "quit=1\n", 1),
        ("TERM", "", 1),
        ("HUP", "", 1),
        ("QUIT", "", 1),
        ("INT", "quit=1\n", 2),
        ("TERM", "", 2),
    ] {
        let mut sent = None;
        let mut shown = 0;
        let run = get_at_the_prompt(&mfa, &[], |session, pid| {
            shown += 1;
            if shown < prompts {
                session.send("12\r").unwrap();
            } else {
                kill(signal, pid);
                sent = Some(Instant::now());
            }
        });
        assert_eq!(run.prompts, prompts, "SIG{signal}");
        let took = sent.unwrap().elapsed();
        assert!(took < Duration::from_secs(5), "SIG{signal}: {took:?}");
        assert_eq!(run.stdout, stdout, "SIG{signal}");
        assert_eq!(run.status, "1\n", "SIG{signal}");
        let again = "git-credential-mfa-codecommit: warning: an MFA code is 6 digits; try again\n";
        assert_eq!(
            run.stderr,
            format!(
                "{}git-credential-mfa-codecommit: MFA prompt interrupted by SIG{signal}\n",
                again.repeat(prompts - 1)
            )
        );
        let (before, after) = run.settings;
        assert_eq!(before, after, "SIG{signal}: the terminal was left changed");
    }
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 0);
    let mut status = mfa.scratch.command(BINARY);
    status.envs(mfa.env()).arg("status");
    assert!(ok(status).contains("no cached session"));
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn login_reaches_sts_through_the_profiles_endpoint_url() {
    let mfa = Mfa::new();
    let config = format!(
        "[default]\nmfa_serial = {}\nendpoint_url = {}\n",
        mfa.serial, mfa.moto.endpoint
    );
    mfa.scratch.write(".aws/config", &config);
    let mut login = mfa.scratch.command(BINARY);
    login
        .envs(mfa.env())
        .env_remove("AWS_ENDPOINT_URL_STS")
        .args(["login", "--duration", "3600"]);
    assert_eq!(mfa.in_terminal(login, "123456\r"), 1);
    assert_eq!(sts_calls(&mfa.moto.endpoint).0, 1);
    let mut status = mfa.scratch.command(BINARY);
    status.envs(mfa.env()).arg("status");
    assert!(ok(status).contains("valid until"));
    mfa.logout();
}

/// Signals are caught for the prompt only: once it is answered, a SIGTERM
/// (here while STS keeps the helper waiting) ends the helper at once.
#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn after_the_prompt_a_signal_has_its_default_action_again() {
    let mfa = Mfa::new();
    // An STS that takes the connection and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    silent.set_nonblocking(true).unwrap();
    let sts = format!("http://{}", silent.local_addr().unwrap());
    let run = get_at_the_prompt(&mfa, &[("AWS_ENDPOINT_URL_STS", &sts)], |session, pid| {
        session.send("123456\r").unwrap();
        // The helper is waiting on STS once it has connected.
        let deadline = Instant::now() + Duration::from_secs(30);
        let _connection = loop {
            match silent.accept() {
                Ok((connection, _)) => break connection,
                Err(error) => assert!(Instant::now() < deadline, "no call to STS: {error}"),
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        kill("TERM", pid);
    });
    assert_eq!(run.prompts, 1);
    assert_eq!(run.status, "143\n", "{}", run.stderr);
    // Killed: not a word from the helper (the shell may say "Terminated").
    assert_eq!(run.stdout, "");
    assert!(!run.stderr.contains("git-credential"), "{}", run.stderr);
    let (before, after) = run.settings;
    assert_eq!(before, after, "the terminal was left changed");
}
