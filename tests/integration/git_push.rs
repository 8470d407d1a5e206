//! The real `git` cloning from and pushing to a CodeCommit-like HTTPS server
//! through the built helper, configured as a user would configure it; and the
//! server refusing what CodeCommit refuses, so that a passing push means the
//! helper's password was checked, not waved through.

use std::time::{Duration, SystemTime};

use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::codecommit_server::{CodeCommit, HOST, ok};
use crate::support::{Scratch, path_with, require, text};

const KEY_ID: &str = "AKIAPUSHEXAMPLE";
const SECRET: &str = "push/Secret+Key";

/// `git` with this crate's helper configured by name, found on PATH as git
/// finds any `git-credential-*` helper.
fn git_with_helper(server: &CodeCommit, scratch: &Scratch) -> std::process::Command {
    let mut git = server.git(scratch);
    git.env("PATH", path_with(&[]))
        .args([
            "-c",
            "credential.helper=",
            "-c",
            "credential.helper=mfa-codecommit",
        ])
        .args(["-c", "credential.useHttpPath=true"]);
    git
}

fn commit_file(server: &CodeCommit, scratch: &Scratch, work: &str, name: &str) {
    std::fs::write(scratch.path(work).join(name), name).unwrap();
    for args in [&["add", name][..], &["commit", "--quiet", "-m", name]] {
        let mut git = server.git(scratch);
        git.arg("-C").arg(scratch.path(work)).args(args);
        ok(git);
    }
}

#[test]
#[ignore = "needs python3 and openssl for the CodeCommit-like server: run by .ci/run"]
fn clone_and_push_through_the_helper() {
    require("openssl");
    for token in [None, Some("IQoJb3JpZ2luX2VjE/session+token==")] {
        let server = CodeCommit::start(&[(KEY_ID, SECRET, token)]);
        server.create_repo("myrepo");
        let scratch = Scratch::new();
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ];
        env.extend(token.map(|token| ("AWS_SESSION_TOKEN", token)));

        let mut clone = git_with_helper(&server, &scratch);
        clone
            .envs(env.iter().copied())
            .args(["clone", "--quiet", &server.url("myrepo"), "work"]);
        ok(clone);
        commit_file(&server, &scratch, "work", "README");
        let mut push = git_with_helper(&server, &scratch);
        push.envs(env.iter().copied())
            .arg("-C")
            .arg(scratch.path("work"))
            .args(["push", "--quiet", "origin", "HEAD:main"]);
        ok(push);

        let mut again = git_with_helper(&server, &scratch);
        again
            .envs(env.iter().copied())
            .args(["clone", "--quiet", &server.url("myrepo"), "again"]);
        ok(again);
        assert_eq!(
            std::fs::read_to_string(scratch.path("again/README")).unwrap(),
            "README"
        );

        let log = server.log();
        assert!(
            log.iter().any(|entry| entry["path"]
                .as_str()
                .unwrap()
                .ends_with("/git-receive-pack")
                && entry["status"] == 200),
            "no accepted push in {log:?}"
        );
        let reasons = server.reasons();
        assert!(
            reasons
                .iter()
                .all(|reason| reason == "no credentials" || reason == "authenticated"),
            "{reasons:?}"
        );
        assert!(
            log.iter()
                .filter(|entry| entry["status"] == 200)
                .all(|entry| entry["key_id"] == KEY_ID)
        );
    }
}

/// A helper that answers with a fixed username and password.
fn git_with_password(
    server: &CodeCommit,
    scratch: &Scratch,
    username: &str,
    password: &str,
) -> std::process::Command {
    let script = scratch.write(
        &format!("helper-{username}-{password}"),
        &format!("#!/bin/sh\nprintf 'username=%s\\npassword=%s\\n' '{username}' '{password}'\n"),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let mut git = server.git(scratch);
    git.arg("-c")
        .arg(format!("credential.helper={}", script.display()));
    git
}

fn password_for(repo: &str, secret: &str, time: SystemTime) -> String {
    let target = sigv4::Target {
        host: HOST,
        path: &format!("/v1/repos/{repo}"),
        region: "us-east-1",
    };
    sigv4::password(secret, &target, time)
}

#[test]
#[ignore = "needs python3 and openssl for the CodeCommit-like server: run by .ci/run"]
fn the_server_refuses_what_codecommit_refuses() {
    require("openssl");
    let server = CodeCommit::start(&[(KEY_ID, SECRET, None)]);
    server.create_repo("myrepo");
    let scratch = Scratch::new();
    let now = SystemTime::now();
    let cases = [
        ("no credentials", server.git(&scratch)),
        (
            "signature mismatch",
            git_with_password(
                &server,
                &scratch,
                KEY_ID,
                &password_for("myrepo", "wrong-secret", now),
            ),
        ),
        (
            "signature mismatch",
            git_with_password(
                &server,
                &scratch,
                KEY_ID,
                &password_for("other", SECRET, now),
            ),
        ),
        (
            "stale timestamp",
            git_with_password(
                &server,
                &scratch,
                KEY_ID,
                &password_for("myrepo", SECRET, now - Duration::from_secs(16 * 60)),
            ),
        ),
        (
            "unknown access key id",
            git_with_password(
                &server,
                &scratch,
                "AKIAOTHER",
                &password_for("myrepo", SECRET, now),
            ),
        ),
    ];
    for (reason, mut git) in cases {
        let before = server.log().len();
        git.args(["ls-remote", &server.url("myrepo")]);
        let out = git.output().unwrap();
        assert!(!out.status.success(), "{reason}: git succeeded");
        let reasons = server.reasons();
        assert_eq!(
            reasons.last().map(String::as_str),
            Some(reason),
            "{reasons:?}"
        );
        assert!(reasons.len() > before);
        let stderr = text(&out.stderr);
        let expected = if reason == "no credentials" {
            "could not read Username"
        } else {
            "403"
        };
        assert!(stderr.contains(expected), "{reason}: {stderr}");
    }
    // And the same fixed-password helper gets in with a good password.
    let mut good = git_with_password(
        &server,
        &scratch,
        KEY_ID,
        &password_for("myrepo", SECRET, SystemTime::now()),
    );
    good.args(["ls-remote", &server.url("myrepo")]);
    ok(good);
}
