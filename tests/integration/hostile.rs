//! The attacks a credential helper must not fall for, each with the real
//! git and a server on loopback that writes down every `Authorization`
//! header it is sent: plain HTTP under CodeCommit's own name, HTTPS hosts
//! that only look like CodeCommit's, and a repository whose `.gitmodules`
//! points a `codecommit::` URL at its own server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_types::os_shim_internal::Env;

use crate::support::codecommit_server::{CodeCommit, HOST, LOOK_ALIKES, ok};
use crate::support::{BINARY, Scratch, path_with, text};

const KEY_ID: &str = "AKIAHOSTILEEXAMPLE";
const SECRET: &str = "hostile/Secret+Key";
const KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", KEY_ID),
    ("AWS_SECRET_ACCESS_KEY", SECRET),
];

/// A plain-HTTP server on 127.0.0.1 that answers every request with a
/// Basic challenge, as a server fishing for a password would, and keeps
/// each request's `Authorization` header (`None`: none was sent).
struct Fisher {
    port: u16,
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

impl Fisher {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().take(20).flatten() {
                stream
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let mut reader = BufReader::new(&stream);
                let mut authorization = None;
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|read| read > 2) {
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(value.trim().to_owned());
                    }
                    line.clear();
                }
                log.lock().unwrap().push(authorization);
                let _ = (&stream).write_all(
                    b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"CodeCommit\"\r\n\
                      Content-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Fisher { port, seen }
    }

    fn seen(&self) -> Vec<Option<String>> {
        self.seen.lock().unwrap().clone()
    }
}

/// git with this helper configured as AWS's docs configure theirs: for
/// every host, no URL scope.
fn unscoped_git(scratch: &Scratch) -> std::process::Command {
    let mut git = scratch.command("git");
    git.envs(KEYS)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args(["-c", &format!("credential.helper=!'{BINARY}'")])
        .args(["-c", "credential.useHttpPath=true"]);
    git
}

#[test]
fn plain_http_under_codecommits_name_gets_no_password() {
    let scratch = Scratch::new();
    let fisher = Fisher::start();
    let port = fisher.port;
    let mut git = unscoped_git(&scratch);
    git.args([
        "-c",
        &format!("http.curloptResolve={HOST}:{port}:127.0.0.1"),
        "ls-remote",
        &format!("http://{HOST}:{port}/v1/repos/victim"),
    ]);
    let out = git.output().unwrap();
    assert!(!out.status.success());
    let seen = fisher.seen();
    assert!(!seen.is_empty(), "git never reached the server");
    assert_eq!(seen, vec![None; seen.len()], "{}", text(&out.stderr));
}

#[test]
#[ignore = "needs git, python3 and openssl: run by .ci/run"]
fn https_hosts_that_only_look_like_codecommit_get_no_password() {
    let server = CodeCommit::start(&[(KEY_ID, SECRET, None)]);
    server.create_repo("victim");
    let scratch = Scratch::new();
    for host in LOOK_ALIKES {
        let mut git = unscoped_git(&scratch);
        for (key, value) in server.http_config() {
            git.arg("-c").arg(format!("{key}={value}"));
        }
        git.args([
            "ls-remote",
            &format!("https://{host}:{}/v1/repos/victim", server.port),
        ]);
        let out = git.output().unwrap();
        assert!(!out.status.success(), "{host}");
    }
    // The same server under CodeCommit's name gets the password: the
    // look-alikes were refused for their names alone.
    let mut git = unscoped_git(&scratch);
    for (key, value) in server.http_config() {
        git.arg("-c").arg(format!("{key}={value}"));
    }
    git.args(["ls-remote", &server.url("victim")]);
    ok(git);
    // One unanswered challenge per look-alike, then the real host's
    // challenge and its signed requests.
    let reasons = server.reasons();
    let challenges = LOOK_ALIKES.len() + 1;
    assert_eq!(
        reasons[..challenges],
        vec!["no credentials"; challenges],
        "{reasons:?}"
    );
    assert!(
        reasons[challenges..]
            .iter()
            .all(|reason| reason == "authenticated"),
        "{reasons:?}"
    );
}

#[test]
#[ignore = "needs git, python3 and openssl: run by .ci/run"]
fn a_submodule_cannot_point_codecommit_urls_at_its_own_host() {
    let server = CodeCommit::start(&[(KEY_ID, SECRET, None)]);
    server.create_repo("x");
    let attacker = LOOK_ALIKES[0];
    let scratch = Scratch::new();
    let git = |args: &[&str]| {
        let mut git = server.git(&scratch);
        git.envs(KEYS)
            .env("PATH", path_with(&[]))
            .args(["-c", "protocol.codecommit.allow=always"])
            .args(["-c", "protocol.file.allow=always"])
            .args(args);
        git
    };
    // The hostile superproject: one commit whose .gitmodules names the
    // attacker's server through a codecommit:: URL.
    let superproject = scratch.path("super");
    ok(git(&[
        "init",
        "--quiet",
        "-b",
        "main",
        superproject.to_str().unwrap(),
    ]));
    let url = format!("codecommit::https://{attacker}:{}/v1/repos/x", server.port);
    std::fs::write(
        superproject.join(".gitmodules"),
        format!("[submodule \"x\"]\n\tpath = x\n\turl = {url}\n"),
    )
    .unwrap();
    let in_super = |args: &[&str]| {
        let mut all = vec!["-C", superproject.to_str().unwrap()];
        all.extend(args);
        ok(git(&all));
    };
    in_super(&["add", ".gitmodules"]);
    in_super(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{},x", "1".repeat(40)),
    ]);
    in_super(&["commit", "--quiet", "-m", "hostile"]);

    let out = git(&[
        "clone",
        "--quiet",
        "--recurse-submodules",
        "super",
        "victim",
    ])
    .output()
    .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "git-remote-codecommit: {attacker}:{} is not a CodeCommit host, and a URL alone may not choose one",
            server.port
        )),
        "{stderr}"
    );
    let log = server.log();
    assert!(
        log.iter().all(|entry| entry["key_id"].is_null()),
        "the attacker's server was sent a password: {log:?}"
    );
    // The user's own CODE_COMMIT_ENDPOINT is the opt-in for such a host:
    // then it is sent a password.
    let mut own = git(&["ls-remote", &url]);
    own.env(
        "CODE_COMMIT_ENDPOINT",
        format!("{attacker}:{}", server.port),
    )
    .env("AWS_REGION", "us-east-1");
    let out = own.output().unwrap();
    let log = server.log();
    assert!(
        log.iter().any(|entry| entry["key_id"] == KEY_ID),
        "{log:?}: {}",
        text(&out.stderr)
    );
}

/// What reaches the terminal has no control character that came from a
/// request or a URL.
fn assert_escaped(stderr: &[u8], shown: &str) {
    let stderr = text(stderr);
    assert!(
        !stderr.contains(['\x1b', '\x07']),
        "raw control characters: {stderr:?}"
    );
    assert!(stderr.contains(shown), "{stderr:?}");
}

#[test]
fn escape_sequences_in_a_host_or_path_reach_no_terminal() {
    let scratch = Scratch::new();
    scratch.write(".aws/config", "[default]\n");
    let host = "evil\x1b]0;owned\x07.example";
    let out = scratch.helper(
        &["get", "--ignore-host-check"],
        &crate::support::request(host, Some("v1/repos/r")),
        &KEYS,
    );
    assert!(!out.status.success());
    assert_escaped(&out.stderr, "evil\\u{1b}]0;owned\\u{7}.example");
    let out = scratch.helper(
        &[
            "get",
            "--verbose",
            "--ignore-host-check",
            "--region",
            "us-east-1",
        ],
        &crate::support::request("git.example", Some("v1/repos/\x1b[2J")),
        &KEYS,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_escaped(&out.stderr, "/v1/repos/\\u{1b}[2J");
}

#[test]
fn escape_sequences_in_a_codecommit_url_reach_no_terminal() {
    let scratch = Scratch::new();
    scratch.write(".aws/config", "[default]\nregion = eu-west-1\n");
    let mut remote = scratch.command(crate::support::REMOTE);
    remote.args(["origin", "codecommit://\x1b[31mme\x07@repo"]);
    let out = remote.output().unwrap();
    assert!(!out.status.success());
    assert_escaped(&out.stderr, "profile \\u{1b}[31mme\\u{7} named in the URL");
}

/// Another process of the same user cannot read the helper's memory, and
/// no core file holds it: while the helper waits for a code, its askpass
/// (as the helper's child, run as an ordinary user) finds the helper's
/// `/proc` files owned by root, as the kernel makes them for a process
/// that is not dumpable, and its own core size limit 0, inherited.
#[test]
#[ignore = "needs root and setpriv: run by .ci/run"]
fn the_helper_is_not_dumpable_and_makes_no_core_file() {
    use std::os::unix::fs::{PermissionsExt, chown};
    crate::support::require("setpriv");
    const USER: u32 = 4242;
    let scratch = Scratch::new();
    scratch.write(
        ".aws/config",
        "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/u\n",
    );
    let askpass = scratch.write(
        "askpass",
        "#!/bin/sh\n{ stat -c %u /proc/$PPID/mem; ulimit -c; } > \"$HOME/seen\"\nexit 1\n",
    );
    std::fs::set_permissions(&askpass, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The user's own copy of the helper: the build's folder may be closed
    // to other users.
    let helper = scratch.path("git-credential-mfa-codecommit");
    std::fs::copy(BINARY, &helper).unwrap();
    for path in [
        scratch.home.path(),
        &scratch.path(".aws"),
        &scratch.path(".aws/config"),
        &askpass,
        &helper,
    ] {
        chown(path, Some(USER), Some(USER)).unwrap();
    }
    let mut get = scratch.command("setpriv");
    get.args([
        &format!("--reuid={USER}"),
        &format!("--regid={USER}"),
        "--clear-groups",
    ])
    .arg(&helper)
    .arg("get")
    .envs(KEYS)
    .env("GIT_ASKPASS", &askpass)
    .env("GIT_TERMINAL_PROMPT", "0")
    .env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none");
    let out = crate::support::run(get, &crate::support::request(HOST, Some("v1/repos/r")));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("MFA prompt cancelled"),
        "{}",
        text(&out.stderr)
    );
    let seen = std::fs::read_to_string(scratch.path("seen")).unwrap();
    assert_eq!(seen, "0\n0\n");
}

/// DNS names compare in any case and with or without the final dot: such
/// a CodeCommit host gets its answer, signed for the name as DNS knows it.
#[test]
fn codecommit_hosts_in_capitals_or_with_a_final_dot_are_answered() {
    let scratch = Scratch::new();
    for host in [
        "GIT-CODECOMMIT.US-EAST-1.AMAZONAWS.COM",
        "git-codecommit.us-east-1.amazonaws.com.",
        "Git-CodeCommit.us-east-1.amazonaws.com.:443",
    ] {
        let out = scratch.helper(
            &["get"],
            &crate::support::request(host, Some("v1/repos/myrepo")),
            &KEYS,
        );
        assert!(out.status.success(), "{host}: {}", text(&out.stderr));
        crate::support::assert_signed(&out.stdout, SECRET, HOST, "us-east-1");
    }
}

/// A refresh window past anything a clock can hold leaves no cached
/// session fresh: the helper asks for a new one (here: prompts are off, so
/// it says it needs a code) instead of aborting on an overflow.
#[test]
#[ignore = "needs kernel keyutils (blocked in some containers): run by .ci/run"]
fn a_huge_refresh_window_renews_the_session_instead_of_crashing() {
    use aws_credential_types::Credentials;
    use git_credential_mfa_codecommit::session::Session;
    use git_credential_mfa_codecommit::session::store::{CacheKey, KeyringStore, SessionStore};
    let serial = "arn:aws:iam::123456789012:mfa/refresh";
    let key = CacheKey {
        profile: format!("refresh-{}", std::process::id()),
        mfa_serial: serial.to_owned(),
        role_arn: None,
    };
    let scratch = Scratch::new();
    scratch.write(
        ".aws/config",
        &format!(
            "[profile {}]\nregion = us-east-1\nmfa_serial = {serial}\n",
            key.profile
        ),
    );
    scratch.write(
        ".aws/credentials",
        &format!(
            "[{}]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n",
            key.profile
        ),
    );
    let store = KeyringStore::open(Some("keyutils"), &Env::real()).unwrap();
    let expiry = std::time::SystemTime::now() + Duration::from_secs(3600);
    let session = Session::from_credentials(Credentials::new(
        "ASIAREFRESH",
        "refresh/secret",
        Some("refresh-token".to_owned()),
        Some(expiry),
        "test",
    ))
    .unwrap();
    store.save(&key, &session).unwrap();
    let get = |refresh: &str| {
        scratch.helper(
            &["--profile", &key.profile, "get"],
            &crate::support::request(HOST, Some("v1/repos/myrepo")),
            &[
                ("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "keyutils"),
                ("GIT_CREDENTIAL_MFA_CODECOMMIT_REFRESH_SECONDS", refresh),
                ("GIT_TERMINAL_PROMPT", "0"),
            ],
        )
    };
    // The cached session serves with the default window...
    let out = get("300");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        crate::support::attribute(&out.stdout, "username"),
        Some("ASIAREFRESH%refresh-token")
    );
    // ...and with a window no clock holds, a new one is needed.
    let out = get("18446744073709551615");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("an MFA code is needed"),
        "{}",
        text(&out.stderr)
    );
    assert!(store.delete(&key).unwrap());
}
