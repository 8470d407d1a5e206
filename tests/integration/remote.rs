//! `git-remote-codecommit` with the real git: what it runs for each URL form,
//! the real git resolving the credential helper from that (and never a
//! storage helper), its one-line errors; then clones, pushes and fetches
//! through `codecommit::` and `codecommit://` URLs against the CodeCommit-like
//! server, one MFA prompt for a clone and several pushes, and no secret in
//! any process's command line or environment while git is mid-request (AWS's
//! own remote helper, side by side, puts the signed URL on one).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::support::codecommit_server::{CodeCommit, FIPS_HOST, HOST, ok};
use crate::support::mfa::{LONG_KEY_ID, LONG_SECRET, MOTO_KEY_ID, MOTO_SECRET, MOTO_TOKEN, Mfa};
use crate::support::{
    BINARY, REMOTE, Scratch, assert_signed, attribute, path_with, port_443, require, run, text,
};

const KEY_ID: &str = "AKIAREMOTEEXAMPLE";
const SECRET: &str = "remote/Secret+Key";
const REPO_URL: &str = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/myrepo";

/// A scratch HOME whose default profile has keys and a region, and a `git`
/// first on PATH that only writes down its arguments.
struct Spy {
    scratch: Scratch,
    dir: tempfile::TempDir,
}

impl Spy {
    fn new() -> Self {
        let scratch = Scratch::new();
        scratch.write(
            ".aws/credentials",
            &format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
        );
        scratch.write(
            ".aws/config",
            "[default]\nregion = eu-west-1\n[profile other]\n",
        );
        let dir = tempfile::tempdir().unwrap();
        let git = dir.path().join("git");
        std::fs::write(&git, "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$SPY_ARGS\"\n").unwrap();
        make_executable(&git);
        Spy { scratch, dir }
    }

    /// `program` as git runs a remote helper: with the spy first on PATH.
    fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = self.scratch.command(program);
        command
            .env("PATH", path_with(&[self.dir.path()]))
            .env("SPY_ARGS", self.dir.path().join("args"))
            .env("GIT_TERMINAL_PROMPT", "0");
        command
    }

    /// The arguments the remote helper gave `git`.
    fn run(&self, remote: &str, url: &str) -> Vec<String> {
        let mut command = self.command(REMOTE);
        command.args([remote, url]);
        ok(command);
        let args = std::fs::read_to_string(self.dir.path().join("args")).unwrap();
        args.split_terminator('\0').map(str::to_owned).collect()
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The real git, with `config` (the `-c` pairs the remote helper chose), as
/// `git remote-https` would run: `git credential <action>`.
fn credential(spy: &Spy, config: &[String], action: &str, input: &str) -> String {
    let mut git = spy.command("git");
    git.env("PATH", path_with(&[]))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args(config)
        .args(["credential", action]);
    let out = run(git, input.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).to_owned()
}

#[test]
fn each_url_form_becomes_git_remote_https_with_our_helper_for_that_url() {
    let spy = Spy::new();
    let helper = format!("!{BINARY}");
    let cases = [
        (
            "codecommit://myrepo",
            REPO_URL.to_owned(),
            format!("{helper} --region eu-west-1"),
        ),
        (
            "ap-northeast-1://other@myrepo",
            "https://git-codecommit.ap-northeast-1.amazonaws.com/v1/repos/myrepo".to_owned(),
            format!("{helper} --profile other --region ap-northeast-1"),
        ),
        (
            "https://other@git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/myrepo",
            "https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/myrepo".to_owned(),
            format!("{helper} --profile other"),
        ),
    ];
    for (url, https, line) in cases {
        let args = spy.run("origin", url);
        assert_eq!(
            args,
            [
                "-c".to_owned(),
                format!("credential.{https}.helper="),
                "-c".to_owned(),
                format!("credential.{https}.helper={line}"),
                "-c".to_owned(),
                format!("credential.{https}.useHttpPath=true"),
                "remote-https".to_owned(),
                "origin".to_owned(),
                https,
            ],
            "{url}"
        );
    }
}

#[test]
fn the_real_git_asks_only_our_helper_and_no_storage_helper_gets_the_password() {
    let spy = Spy::new();
    let args = spy.run("origin", "codecommit://myrepo");
    let config = &args[..6];
    // Storage helpers the user configured: in the global file, and in the
    // environment as an IDE might.
    spy.scratch
        .write(".gitconfig", "[credential]\n\thelper = store\n");
    let input = format!("url={REPO_URL}\n\n");
    let mut fill = spy.command("git");
    fill.env("PATH", path_with(&[]))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_COUNT", "1")
        .env("GIT_CONFIG_KEY_0", "credential.helper")
        .env("GIT_CONFIG_VALUE_0", "cache --timeout=5")
        .args(config)
        .args(["credential", "fill"]);
    let out = run(fill, input.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(attribute(&out.stdout, "username"), Some(KEY_ID));
    assert_signed(
        &out.stdout,
        SECRET,
        "git-codecommit.eu-west-1.amazonaws.com",
        "eu-west-1",
    );
    credential(&spy, config, "approve", text(&out.stdout));
    assert!(!spy.scratch.path(".git-credentials").exists());
    // Without the remote helper's entries the same approval is stored: the
    // check above can fail.
    credential(&spy, &[], "approve", text(&out.stdout));
    assert!(spy.scratch.path(".git-credentials").exists());
}

#[test]
fn a_malformed_git_config_count_is_gits_own_error_and_nothing_is_sent() {
    let spy = Spy::new();
    let mut command = spy.command(REMOTE);
    // The real git, and a closed proxy port should git ever try to connect.
    command
        .env("PATH", path_with(&[]))
        .env("GIT_CONFIG_COUNT", "two")
        .env("HTTPS_PROXY", crate::support::NO_IMDS)
        .env("https_proxy", crate::support::NO_IMDS)
        .args(["origin", "codecommit://myrepo"]);
    let out = run(command, b"");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bogus count in GIT_CONFIG_COUNT"),
        "{stderr}"
    );
}

#[test]
fn a_helper_path_with_spaces_and_quotes_reaches_git_as_one_word() {
    let spy = Spy::new();
    let dir = tempfile::Builder::new()
        .prefix("it's my \"bin\" dir ")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    for binary in [BINARY, REMOTE] {
        let name = Path::new(binary).file_name().unwrap();
        std::fs::hard_link(binary, dir.path().join(name)).unwrap();
    }
    let remote = dir.path().join("git-remote-codecommit");
    let mut command = spy.command(&remote);
    command.args(["origin", "codecommit://myrepo"]);
    ok(command);
    let args = std::fs::read_to_string(spy.dir.path().join("args")).unwrap();
    let args: Vec<String> = args.split_terminator('\0').map(str::to_owned).collect();
    let input = format!("url={REPO_URL}\n\n");
    let answer = credential(&spy, &args[..6], "fill", &input);
    assert_eq!(attribute(answer.as_bytes(), "username"), Some(KEY_ID));
}

type Vars<'a> = &'a [(&'a str, &'a str)];

#[test]
fn bad_urls_and_command_lines_end_in_one_line_and_status_128() {
    let spy = Spy::new();
    let cases: [(&[&str], Vars, &str); 7] = [
        (
            &["origin", "codecommit://me:hunter2@myrepo"],
            &[],
            "git-remote-codecommit: a password in a codecommit URL is never used; use \
             codecommit://[PROFILE@]REPO, codecommit::REGION://[PROFILE@]REPO or \
             codecommit::https://[PROFILE@]HOST/v1/repos/REPO\n",
        ),
        (
            &["origin", "codecommit://nobody@myrepo"],
            &[],
            "profile nobody named in the URL is not in",
        ),
        (
            &["origin", "codecommit://other@myrepo"],
            &[],
            "git-remote-codecommit: no region for repository myrepo: name one in the URL \
             (codecommit::REGION://other@myrepo), set region in profile other, or set AWS_REGION\n",
        ),
        (
            &["origin", "eu-west-1://myrepo"],
            &[("AWS_PROFILE", "nobody")],
            "profile nobody (from AWS_PROFILE) is not in",
        ),
        (
            &["origin", "ssh://myrepo"],
            &[],
            "\"ssh\" is neither codecommit, https nor a region",
        ),
        (
            &["codecommit://myrepo"],
            &[],
            "git-remote-codecommit: git runs this with a remote and a URL",
        ),
        (
            &["origin", "codecommit://myrepo", "extra"],
            &[],
            "git-remote-codecommit: git runs this with a remote and a URL",
        ),
    ];
    for (args, env, expected) in cases {
        let mut command = spy.command(REMOTE);
        command.args(args).envs(env.iter().copied());
        let out = run(command, b"");
        assert_eq!(out.status.code(), Some(128), "{args:?}");
        assert_eq!(text(&out.stdout), "", "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2"));
        assert!(!spy.dir.path().join("args").exists(), "{args:?} ran git");
    }
}

#[test]
fn without_the_credential_helper_beside_it_it_says_so() {
    let spy = Spy::new();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let alone = dir.path().join("git-remote-codecommit");
    std::fs::hard_link(REMOTE, &alone).unwrap();
    let mut command = spy.command(&alone);
    command.args(["origin", "codecommit://myrepo"]);
    let out = run(command, b"");
    assert_eq!(out.status.code(), Some(128));
    assert!(
        text(&out.stderr)
            .starts_with("git-remote-codecommit: git-credential-mfa-codecommit is not beside"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn it_tells_its_version() {
    let mut command = Command::new(REMOTE);
    command.arg("--version");
    assert_eq!(ok(command), concat!(env!("CARGO_PKG_VERSION"), "\n"));
}

fn commit(git: impl Fn() -> Command, work: &Path, name: &str) {
    std::fs::write(work.join(name), name).unwrap();
    for args in [&["add", name][..], &["commit", "--quiet", "-m", name]] {
        let mut command = git();
        command.arg("-C").arg(work).args(args);
        ok(command);
    }
}

#[test]
#[ignore = "needs python3, openssl and root (port 443) for the CodeCommit-like server: run by .ci/run"]
fn clone_push_and_fetch_through_every_codecommit_url_form() {
    require("openssl");
    let keys = json!({ KEY_ID: {"secret": SECRET, "session_token": null} });
    let server = CodeCommit::start_on(keys, None, &port_443());
    server.create_repo("myrepo");
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        &format!("[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    );
    scratch.write(".aws/config", "[profile dev]\nregion = us-east-1\n");
    // A storage helper that must never be handed a CodeCommit password.
    scratch.write(".gitconfig", "[credential]\n\thelper = store\n");
    let git = || {
        let mut git = server.git(&scratch);
        git.env("PATH", path_with(&[]));
        git
    };
    let clone = |url: &str, work: &str| {
        let mut command = git();
        command.args(["clone", "--quiet", url, work]);
        ok(command);
        scratch.path(work)
    };

    let a = clone("codecommit::us-east-1://dev@myrepo", "a");
    commit(git, &a, "from-a");
    let mut push = git();
    push.arg("-C")
        .arg(&a)
        .args(["push", "--quiet", "origin", "HEAD:main"]);
    ok(push);

    let b = clone("codecommit://dev@myrepo", "b");
    assert!(b.join("from-a").exists());
    let c = clone(
        &format!("codecommit::https://dev@{FIPS_HOST}/v1/repos/myrepo"),
        "c",
    );
    commit(git, &c, "from-c");
    let mut push = git();
    push.arg("-C")
        .arg(&c)
        .args(["push", "--quiet", "origin", "HEAD:main"]);
    ok(push);
    let mut pull = git();
    pull.arg("-C")
        .arg(&b)
        .args(["pull", "--quiet", "origin", "main"]);
    ok(pull);
    assert!(b.join("from-c").exists());

    let mut url = git();
    url.arg("-C").arg(&a).args(["remote", "get-url", "origin"]);
    assert_eq!(ok(url), "codecommit::us-east-1://dev@myrepo\n");
    // git asks without credentials first, as of any HTTPS remote, then
    // with the helper's password: every one of those was accepted.
    let log = server.log();
    let (challenges, signed): (Vec<_>, Vec<_>) = log
        .iter()
        .partition(|entry| entry["reason"] == "no credentials");
    assert_eq!(challenges.len(), 6, "{log:?}");
    assert!(signed.len() >= 12, "{log:?}");
    assert!(
        signed
            .iter()
            .all(|entry| entry["status"] == 200 && entry["key_id"] == KEY_ID),
        "{log:?}"
    );
    assert!(!scratch.path(".git-credentials").exists());
}

/// `git` for the MFA-enforcing server through `codecommit::` URLs only: no
/// credential helper is configured, `CODE_COMMIT_ENDPOINT` points the
/// remote helper at the server's port.
fn mfa_git(mfa: &Mfa, args: &[&str]) -> Command {
    let mut git = mfa.server.git(&mfa.scratch);
    git.envs(mfa.env())
        .env("PATH", path_with(&[]))
        .env(
            "CODE_COMMIT_ENDPOINT",
            format!("{HOST}:{}", mfa.server.port),
        )
        .args(args);
    git
}

const MFA_URL: &str = "codecommit::us-east-1://myrepo";

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn one_prompt_for_a_clone_and_several_pushes_over_a_codecommit_url() {
    let mfa = Mfa::new();
    // The credential helper's own errors reach the user unchanged.
    let out = mfa_git(&mfa, &["clone", "--quiet", MFA_URL, "work"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("git-credential-mfa-codecommit: an MFA code is needed"),
        "{stderr}"
    );
    let (sessions_before, _) = crate::support::codecommit_server::sts_calls(&mfa.moto.endpoint);
    let mut clone = mfa_git(&mfa, &["clone", "--quiet", MFA_URL, "work"]);
    clone.env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(clone, "123456\r"), 1);
    let work = mfa.scratch.path("work");
    for name in ["one", "two", "three"] {
        commit(|| mfa_git(&mfa, &[]), &work, name);
        let mut push = mfa_git(&mfa, &["push", "--quiet", "origin", "HEAD:main"]);
        push.current_dir(&work);
        ok(push);
    }
    let (sessions, _) = crate::support::codecommit_server::sts_calls(&mfa.moto.endpoint);
    assert_eq!(sessions - sessions_before, 1);
    let log = mfa.server.log();
    assert!(
        log.iter()
            .filter(|entry| entry["status"] == 200)
            .all(|entry| entry["key_id"] == MOTO_KEY_ID)
    );
    assert_eq!(
        log.iter()
            .filter(|entry| entry["path"]
                .as_str()
                .unwrap()
                .ends_with("/git-receive-pack"))
            .count(),
        3
    );
    mfa.assert_no_secret_in_files();
    mfa.logout();
}

/// What every process's command line and environment hold: `(pid, what,
/// text)`, NULs as spaces.
fn every_process() -> Vec<(String, &'static str, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for what in ["cmdline", "environ"] {
            if let Ok(bytes) = std::fs::read(entry.path().join(what)) {
                let text = String::from_utf8_lossy(&bytes).replace('\0', " ");
                found.push((pid.clone(), what, text));
            }
        }
    }
    found
}

/// A CodeCommit password: `YYYYMMDDTHHMMSSZ` and 64 hex digits.
fn holds_a_password(text: &str) -> bool {
    regex_lite::Regex::new(r"\d{8}T\d{6}Z[0-9a-f]{64}")
        .unwrap()
        .is_match(text)
}

/// Starts `command`, waits until the server holds its request, returns what
/// every process then holds, lets the request go and waits for the command.
fn look_while_held(
    server: &CodeCommit,
    mut command: Command,
) -> (Vec<(String, &'static str, String)>, bool) {
    server.hold();
    let mut child = command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    server.wait_until_held();
    let processes = every_process();
    server.release();
    let succeeded = child.wait().unwrap().success();
    (processes, succeeded)
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils, a pseudo-terminal and AWS's git-remote-codecommit: run by .ci/run"]
fn while_git_waits_on_codecommit_no_process_holds_a_secret_unlike_with_aws_helper() {
    let mfa = Mfa::new();
    let mut clone = mfa_git(&mfa, &["clone", "--quiet", MFA_URL, "work"]);
    clone.env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(clone, "123456\r"), 1);

    let mut fetch = mfa_git(&mfa, &["fetch", "--quiet", "origin"]);
    fetch.current_dir(mfa.scratch.path("work"));
    let (processes, fetched) = look_while_held(&mfa.server, fetch);
    assert!(fetched);
    let remote_https = format!(
        "remote-https origin https://{HOST}:{}/v1/repos/myrepo",
        mfa.server.port
    );
    assert!(
        processes
            .iter()
            .any(|(_, what, text)| *what == "cmdline" && text.contains(&remote_https)),
        "git remote-https was not seen"
    );
    for (pid, what, text) in &processes {
        for secret in [MOTO_SECRET, MOTO_TOKEN, LONG_SECRET] {
            assert!(
                !text.contains(secret),
                "process {pid}'s {what} holds a secret"
            );
        }
        assert!(
            !holds_a_password(text),
            "process {pid}'s {what} holds a password"
        );
    }
    mfa.logout();

    // AWS's remote helper, from PyPI, with the same URL and the same keys.
    let scripts = Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_path('scripts'))",
        ])
        .output()
        .unwrap();
    let scripts = PathBuf::from(text(&scripts.stdout).trim());
    assert!(
        scripts.join("git-remote-codecommit").exists(),
        "this test needs AWS's git-remote-codecommit (pip install git-remote-codecommit)"
    );
    let mut clone = mfa.server.git(&mfa.scratch);
    clone
        .envs(mfa.env())
        .env(
            "PATH",
            std::env::join_paths(
                [scripts.clone()]
                    .into_iter()
                    .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
            )
            .unwrap(),
        )
        .env(
            "CODE_COMMIT_ENDPOINT",
            format!("{HOST}:{}", mfa.server.port),
        )
        .args(["clone", "--quiet", MFA_URL, "aws-work"]);
    let (processes, _) = look_while_held(&mfa.server, clone);
    let leaked: Vec<&String> = processes
        .iter()
        .filter(|(_, what, text)| {
            *what == "cmdline" && text.contains(LONG_KEY_ID) && holds_a_password(text)
        })
        .map(|(pid, _, _)| pid)
        .collect();
    assert!(
        !leaked.is_empty(),
        "AWS's helper was expected to put the signed URL on a command line"
    );
}
