//! The Windows executables under wine, as a user on the Windows command line
//! runs them: built for x86_64-pc-windows-gnu by `tests/windows/cargo.sh`
//! (once per run), their files given as `Z:\…` paths, sessions kept in
//! wine's Credential Manager, codes from a `.bat` `mfa_process` or typed at
//! the console of a `cmd` in a tmux pane, and git a spy `git.exe`.
//!
//! Every test names an MFA device of its own, so that tests sharing the
//! prefix's Credential Manager never share an entry.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use chrono::Utc;
use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::codecommit_server::sts_calls;
use crate::support::mfa::{LONG_KEY_ID, LONG_SECRET, MOTO_SECRET};
use crate::support::moto::Moto;
use crate::support::wine::{
    assert_signed_now, assert_vectors_under_wine, built, in_prefix, wine, wine_env, z,
};
use crate::support::{Scratch, attribute, manifest_dir, request, run, text};

/// The helper under wine with `args`, `stdin` written to it, `env` added.
fn helper(scratch: &Scratch, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = wine(scratch, &built().helper);
    command.args(args).envs(env.iter().copied());
    run(command, stdin)
}

/// A serial no other test uses.
fn unique_serial(what: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("arn:aws:iam::123456789012:mfa/win-{what}-{nanos}")
}

/// A scratch HOME whose default profile has long-term keys and `serial`,
/// and whose `mfa_process` (when `code_bat`) is a `.bat` counting its runs
/// in `count`.
fn mfa_scratch(serial: &str, code_bat: bool) -> Scratch {
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        &format!(
            "[default]\naws_access_key_id = {LONG_KEY_ID}\naws_secret_access_key = {LONG_SECRET}\n"
        ),
    );
    let mut config = format!("[default]\nmfa_serial = {serial}\n");
    if code_bat {
        let count = z(&scratch.path("count"));
        let bat = scratch.write(
            "code.bat",
            &format!("@echo off\r\necho x>>{count}\r\necho 123456\r\n"),
        );
        config.push_str(&format!("mfa_process = {}\n", z(&bat)));
    }
    scratch.write(".aws/config", &config);
    scratch
}

/// How many times the scratch's `mfa_process` ran.
fn codes_asked(scratch: &Scratch) -> usize {
    std::fs::read_to_string(scratch.path("count")).map_or(0, |text| text.lines().count())
}

const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
const PATH: &str = "v1/repos/myrepo";

fn target() -> sigv4::Target<'static> {
    sigv4::Target {
        host: HOST,
        path: "/v1/repos/myrepo",
        region: "us-east-1",
    }
}

#[test]
#[ignore = "needs wine and mingw-w64: run by .ci/run"]
fn signatures_match_git_remote_codecommits_vectors() {
    assert_vectors_under_wine(&built().helper);
}

#[test]
#[ignore = "needs wine and mingw-w64: run by .ci/run"]
fn other_hosts_are_silent_and_an_unknown_profile_is_one_line() {
    let scratch = mfa_scratch(&unique_serial("silent"), false);
    let out = helper(&scratch, &["get"], &request("github.com", Some("a/b")), &[]);
    assert!(out.status.success());
    assert_eq!(
        (out.stdout.as_slice(), out.stderr.as_slice()),
        (&b""[..], &b""[..])
    );
    let out = helper(
        &scratch,
        &["get"],
        &request(HOST, Some(PATH)),
        &[("AWS_PROFILE", "nobody")],
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("profile nobody (from AWS_PROFILE) is not in"),
        "{stderr}"
    );
}

#[test]
#[ignore = "needs wine, mingw-w64 and moto: run by .ci/run"]
fn one_code_serves_many_gets_from_credential_manager_until_logout_or_erase() {
    let moto = Moto::start();
    let scratch = mfa_scratch(&unique_serial("cached"), true);
    let sts = [("AWS_ENDPOINT_URL_STS", moto.endpoint.as_str())];
    let get = || {
        let out = helper(&scratch, &["get"], &request(HOST, Some(PATH)), &sts);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_signed_now(&out.stdout, MOTO_SECRET, &target());
        out.stdout
    };
    let first = get();
    for _ in 0..4 {
        assert_eq!(attribute(&get(), "username"), attribute(&first, "username"));
    }
    assert_eq!((codes_asked(&scratch), sts_calls(&moto.endpoint).0), (1, 1));
    let process = helper(&scratch, &["credential-process"], b"", &sts);
    assert!(process.status.success(), "{}", text(&process.stderr));
    let json: serde_json::Value = serde_json::from_slice(&process.stdout).unwrap();
    assert_eq!(json["Version"], 1);
    assert_eq!(json["SecretAccessKey"], MOTO_SECRET);
    assert_eq!(codes_asked(&scratch), 1);

    let logout = helper(&scratch, &["logout"], b"", &sts);
    assert!(logout.status.success(), "{}", text(&logout.stderr));
    get();
    assert_eq!(codes_asked(&scratch), 2);
    let username = attribute(&first, "username").unwrap();
    let rejected = format!("protocol=https\nhost={HOST}\npath={PATH}\nusername={username}\n\n");
    let erase = helper(&scratch, &["erase"], rejected.as_bytes(), &sts);
    assert!(erase.status.success(), "{}", text(&erase.stderr));
    get();
    assert_eq!((codes_asked(&scratch), sts_calls(&moto.endpoint).0), (3, 3));
    helper(&scratch, &["logout"], b"", &sts);
}

/// A loopback STS whose GetSessionToken answers carry a token of `length`
/// characters; the number of calls so far.
fn long_token_sts(length: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            // The head, then as much body as Content-Length says.
            while let Ok(read @ 1..) = stream.read(&mut buffer) {
                request.extend_from_slice(&buffer[..read]);
                let head = String::from_utf8_lossy(&request).to_lowercase();
                if let Some(end) = head.find("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|line| line.strip_prefix("content-length:"))
                        .map_or(0, |value| value.trim().parse().unwrap_or(0));
                    if request.len() >= end + 4 + length {
                        break;
                    }
                }
            }
            counted.fetch_add(1, Ordering::SeqCst);
            let expiration =
                (Utc::now() + chrono::Duration::hours(12)).format("%Y-%m-%dT%H:%M:%SZ");
            let token = "T".repeat(length);
            let body = format!(
                "<GetSessionTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetSessionTokenResult><Credentials><AccessKeyId>ASIALONGTOKEN</AccessKeyId>\
                 <SecretAccessKey>long/token/secret</SecretAccessKey><SessionToken>{token}</SessionToken>\
                 <Expiration>{expiration}</Expiration></Credentials></GetSessionTokenResult>\
                 <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>"
            );
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (endpoint, calls)
}

#[test]
#[ignore = "needs wine and mingw-w64: run by .ci/run"]
fn a_2000_byte_token_is_cached_and_one_too_long_for_credential_manager_still_answers() {
    for (length, cached) in [(2000, true), (3000, false)] {
        let (endpoint, calls) = long_token_sts(length);
        let scratch = mfa_scratch(&unique_serial(&format!("long{length}")), true);
        let sts = [("AWS_ENDPOINT_URL_STS", endpoint.as_str())];
        let mut warnings = Vec::new();
        for _ in 0..3 {
            let out = helper(&scratch, &["get"], &request(HOST, Some(PATH)), &sts);
            assert!(out.status.success(), "{}", text(&out.stderr));
            let username = attribute(&out.stdout, "username").unwrap();
            assert_eq!(username, format!("ASIALONGTOKEN%{}", "T".repeat(length)));
            assert_signed_now(&out.stdout, "long/token/secret", &target());
            warnings.push(text(&out.stderr).to_owned());
        }
        let runs = if cached { 1 } else { 3 };
        assert_eq!(
            (calls.load(Ordering::SeqCst), codes_asked(&scratch)),
            (runs, runs)
        );
        for stderr in warnings {
            if cached {
                assert_eq!(stderr, "");
            } else {
                assert_eq!(stderr.lines().count(), 1, "{stderr}");
                assert!(
                    stderr.contains(
                        "larger than the Windows Credential Manager holds, so it is not cached"
                    ),
                    "{stderr}"
                );
                assert!(
                    !stderr.contains("TTTT") && !stderr.contains("long/token"),
                    "{stderr}"
                );
            }
        }
        helper(&scratch, &["logout"], b"", &sts);
    }
}

/// What a `get` run by `cmd` in a tmux pane did when `keys` were typed at
/// its prompt: its exit status line, stdout, stderr, and the screen after.
fn get_at_the_console(
    scratch: &Scratch,
    sts: &str,
    serial: &str,
    keys: &[&str],
) -> (String, Vec<u8>, String, String) {
    scratch.write(
        "request",
        std::str::from_utf8(&request(HOST, Some(PATH))).unwrap(),
    );
    let _ = std::fs::remove_file(scratch.path("done"));
    let bat = scratch.write(
        "ask.bat",
        &format!(
            "@echo off\r\n{} get < {} > {} 2> {}\r\necho rc=%ERRORLEVEL%> {}\r\n",
            z(&built().helper),
            z(&scratch.path("request")),
            z(&scratch.path("out")),
            z(&scratch.path("err")),
            z(&scratch.path("done")),
        ),
    );
    let socket = format!("win-{}-{}", std::process::id(), keys.len());
    // The tmux server, started by the first call, passes its environment
    // on to the pane.
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .env_clear()
            .envs(wine_env(scratch))
            .env("AWS_ENDPOINT_URL_STS", sts)
            .output()
            .unwrap()
    };
    let pane = || text(&tmux(&["capture-pane", "-p"]).stdout).to_owned();
    let command = format!("wine cmd /c '{}'", z(&bat));
    let started = tmux(&["new-session", "-d", "-x", "160", "-y", "40", &command]);
    assert!(started.status.success(), "{}", text(&started.stderr));
    let prompt = format!("MFA code for {serial}:");
    let deadline = Instant::now() + Duration::from_secs(60);
    let err = || std::fs::read_to_string(scratch.path("err")).unwrap_or_default();
    while !pane().contains(&prompt) {
        assert!(Instant::now() < deadline, "no prompt: {}{}", pane(), err());
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut send = vec!["send-keys"];
    send.extend(keys);
    tmux(&send);
    while !scratch.path("done").exists() {
        assert!(Instant::now() < deadline, "no answer: {}{}", pane(), err());
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(300));
    let screen = pane();
    tmux(&["kill-server"]);
    let done = std::fs::read_to_string(scratch.path("done")).unwrap();
    let stdout = std::fs::read(scratch.path("out")).unwrap();
    (done.trim().to_owned(), stdout, err(), screen)
}

/// Ctrl-C is not tried: wine's console on a Unix terminal leaves the
/// terminal's own Ctrl-C (a SIGINT to every wine process) in place, where
/// Windows, with processed input off, hands the prompt the key.
#[test]
#[ignore = "needs wine, mingw-w64, moto and tmux: run by .ci/run"]
fn the_code_is_typed_at_the_console_of_cmd_and_end_of_input_cancels() {
    let moto = Moto::start();
    let serial = unique_serial("console");
    let scratch = mfa_scratch(&serial, false);
    let (status, stdout, stderr, _) =
        get_at_the_console(&scratch, &moto.endpoint, &serial, &["12", "C-d"]);
    assert_eq!(
        (status.as_str(), stdout.as_slice()),
        // git stops asking anyone else.
        ("rc=1", &b"quit=1\n"[..]),
        "{stderr}"
    );
    assert!(stderr.contains("MFA prompt cancelled"), "{stderr}");
    let (status, stdout, stderr, screen) =
        get_at_the_console(&scratch, &moto.endpoint, &serial, &["123456", "Enter"]);
    assert_eq!(status, "rc=0", "{stderr}");
    assert_signed_now(&stdout, MOTO_SECRET, &target());
    assert!(!screen.contains("123456"), "the code was echoed: {screen}");
    assert_eq!(sts_calls(&moto.endpoint).0, 1);
    helper(&scratch, &["logout"], b"", &[]);
}

#[test]
#[ignore = "needs wine and mingw-w64: run by .ci/run"]
fn notepads_files_in_the_profile_folder_are_read_and_percent_variables_name_them() {
    let scratch = Scratch::new();
    let probe = in_prefix(&built().prefix, "wine")
        .args(["cmd", "/c", "echo %USERPROFILE%"])
        .output()
        .unwrap();
    let profile = in_prefix(&built().prefix, "winepath")
        .args(["-u", text(&probe.stdout).trim()])
        .output()
        .unwrap();
    let aws = PathBuf::from(text(&profile.stdout).trim()).join(".aws");
    std::fs::create_dir_all(&aws).unwrap();
    // Notepad's UTF-8: a byte-order mark, and CRLF line ends.
    let notepad = |text: &str| {
        [
            b"\xef\xbb\xbf".as_slice(),
            text.replace('\n', "\r\n").as_bytes(),
        ]
        .concat()
    };
    std::fs::write(
        aws.join("credentials"),
        notepad("[notepad]\naws_access_key_id = AKIANOTEPAD\naws_secret_access_key = note/pad\n"),
    )
    .unwrap();
    std::fs::write(
        aws.join("config"),
        notepad("[profile notepad]\nregion = eu-west-1\n"),
    )
    .unwrap();
    let mut command = wine(&scratch, &built().helper);
    command
        .env_remove("AWS_CONFIG_FILE")
        // Expanded as botocore's ntpath.expandvars expands it.
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            r"%USERPROFILE%\.aws\credentials",
        )
        .args(["--profile", "notepad", "get"]);
    let host = "git-codecommit.eu-west-1.amazonaws.com";
    let out = run(command, &request(host, Some(PATH)));
    std::fs::remove_dir_all(&aws).unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(attribute(&out.stdout, "username"), Some("AKIANOTEPAD"));
    let target = sigv4::Target {
        host,
        path: "/v1/repos/myrepo",
        region: "eu-west-1",
    };
    assert_signed_now(&out.stdout, "note/pad", &target);
}

#[test]
#[ignore = "needs wine and mingw-w64: run by .ci/run"]
fn git_remote_codecommit_exe_runs_git_remote_https_with_the_helper_in_program_files() {
    let scratch = Scratch::new();
    scratch.write(".aws/config", "[default]\nregion = eu-west-1\n");
    let bin = scratch.path("Program Files/CodeCommit MFA/bin");
    std::fs::create_dir_all(&bin).unwrap();
    for exe in [&built().helper, &built().remote] {
        std::fs::copy(exe, bin.join(exe.file_name().unwrap())).unwrap();
    }
    let spy_dir = scratch.path("spy");
    std::fs::create_dir_all(&spy_dir).unwrap();
    let compiled = Command::new("x86_64-w64-mingw32-gcc-posix")
        .arg("-o")
        .arg(spy_dir.join("git.exe"))
        .arg(manifest_dir().join("tests/windows/spy.c"))
        .output()
        .unwrap();
    assert!(compiled.status.success(), "{}", text(&compiled.stderr));
    let mut command = wine(&scratch, &bin.join("git-remote-codecommit.exe"));
    command
        .args(["origin", "codecommit://myrepo"])
        .env("WINEPATH", z(&spy_dir))
        .env("SPY_LOG", z(&scratch.path("spy.log")));
    let out = run(command, b"");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let log = std::fs::read_to_string(scratch.path("spy.log")).unwrap();
    let args: Vec<&str> = log.lines().collect();
    let https = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/myrepo";
    assert_eq!(args[args.len() - 3..], ["remote-https", "origin", https]);
    let helper_key = format!("credential.{https}.helper=");
    let lines: Vec<&str> = args
        .iter()
        .filter_map(|arg| arg.strip_prefix(&helper_key))
        .collect();
    assert_eq!(lines[0], "", "the list is reset first: {args:?}");
    // git runs a `!` helper line through sh (Git for Windows's too): the
    // path must come back as one word, with `/` for `\`.
    let line = lines[1].strip_prefix('!').expect("a shell helper line");
    let words = Command::new("sh")
        .args(["-c", &format!("printf '%s\\n' {line}")])
        .output()
        .unwrap();
    let exe = z(&bin.join("git-credential-mfa-codecommit.exe")).replace('\\', "/");
    assert_eq!(
        text(&words.stdout).lines().collect::<Vec<_>>(),
        [exe.as_str(), "--region", "eu-west-1"]
    );
}
