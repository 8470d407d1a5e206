//! git 2.46 and later: the helper answers with an ephemeral Basic credential,
//! so no storage helper configured before it keeps the 15-minute password.
//! Observed through the real git: what git sends the helper, and what a
//! storage helper (`git credential-store`) is handed.

use std::process::Command;

use crate::support::codecommit_server::{CodeCommit, ok};
use crate::support::{BINARY, Scratch, require};

const KEY_ID: &str = "AKIAEPHEMERALEXAMPLE";
const SECRET: &str = "ephemeral/Secret";

/// git's version as (major, minor).
fn git_version() -> (u32, u32) {
    let mut git = Command::new("git");
    git.arg("--version");
    let out = ok(git);
    let version = out.split_whitespace().nth(2).unwrap();
    let mut parts = version.split('.').map(|part| part.parse().unwrap_or(0));
    (parts.next().unwrap(), parts.next().unwrap())
}

#[test]
#[ignore = "needs git >= 2.46, python3 and openssl: run by .ci/run"]
fn no_storage_helper_keeps_the_password() {
    require("openssl");
    assert!(
        git_version() >= (2, 46),
        "this test needs git 2.46 or later, found {:?}",
        git_version()
    );
    let server = CodeCommit::start(&[(KEY_ID, SECRET, None)]);
    server.create_repo("myrepo");
    let scratch = Scratch::new();
    // Logs what git hands a helper (its operation and input), then runs it.
    let wrap = scratch.write(
        "wrap.sh",
        "#!/bin/sh\nname=$1; shift\nfor op; do :; done\necho \"op=$op\" >> \"$HOME/$name.log\"\n\
         tee -a \"$HOME/$name.log\" | \"$@\"\n",
    );
    std::fs::set_permissions(&wrap, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut clone = server.git(&scratch);
    clone
        .envs([
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ])
        .args(["-c", "credential.helper="])
        .arg("-c")
        .arg(format!(
            "credential.helper=!{} store git credential-store",
            wrap.display()
        ))
        .arg("-c")
        .arg(format!(
            "credential.helper=!{} ours {BINARY}",
            wrap.display()
        ))
        .args(["-c", "credential.useHttpPath=true"])
        .args(["clone", "--quiet", &server.url("myrepo"), "work"]);
    ok(clone);
    let ours = std::fs::read_to_string(scratch.path("ours.log")).unwrap();
    assert!(
        ours.contains("op=get\n") && ours.contains("capability[]=authtype\n"),
        "{ours}"
    );
    let stored = std::fs::read_to_string(scratch.path("store.log")).unwrap_or_default();
    // git hands storage helpers no password, only the credential marked
    // ephemeral, which git's protocol tells them not to keep.
    assert!(!stored.contains("password="), "{stored}");
    assert!(
        !stored.contains("credential=") || stored.contains("ephemeral=1\n"),
        "{stored}"
    );
    let kept = std::fs::read_to_string(scratch.path(".git-credentials")).unwrap_or_default();
    assert_eq!(kept, "", "git credential-store kept a CodeCommit password");
    assert!(server.log().iter().any(|entry| entry["status"] == 200));
    assert!(
        server
            .reasons()
            .iter()
            .all(|reason| reason == "no credentials" || reason == "authenticated"),
        "{:?}",
        server.reasons()
    );
}
