//! Role profiles with MFA end to end: moto's STS, the kernel keyring, a
//! pseudo-terminal for the one prompt, and the real `git` against the server
//! that accepts only sessions issued with MFA (a role assumed with a code, or
//! with an MFA session's keys).

use crate::support::codecommit_server::{ok, sts_calls};
use crate::support::mfa::Mfa;

/// A config with a chained role (on the default profile's MFA session) and
/// a role assumed directly with a code from the `nomfa` profile's keys.
fn role_config(mfa: &Mfa) {
    let unique = mfa.serial.rsplit('/').next().unwrap();
    mfa.scratch.write(
        ".aws/config",
        &format!(
            "[default]\nmfa_serial = {serial}\n[profile nomfa]\n\
             [profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deploy\n\
             source_profile = default\nexternal_id = ext-e2e\nrole_session_name = chained-{unique}\n\
             [profile direct]\nrole_arn = arn:aws:iam::210987654321:role/direct\n\
             source_profile = nomfa\nmfa_serial = {serial}\nrole_session_name = direct-{unique}\n",
            serial = mfa.serial
        ),
    );
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn a_chained_role_prompts_once_and_is_re_assumed_silently() {
    let mfa = Mfa::new();
    role_config(&mfa);
    let before = sts_calls(&mfa.moto.endpoint);
    let mut clone = mfa.git(&["clone", "--quiet", &mfa.server.url("myrepo"), "work"]);
    clone
        .env("AWS_PROFILE", "deploy")
        .env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(clone, "123456\r"), 1);
    let after_clone = sts_calls(&mfa.moto.endpoint);
    assert_eq!((after_clone.0 - before.0, after_clone.1 - before.1), (1, 1));

    // No terminal from here on. A cached role session: no STS call at all.
    let mut fetch = mfa.git(&["-C", mfa.scratch.path("work").to_str().unwrap(), "fetch"]);
    fetch.env("AWS_PROFILE", "deploy");
    ok(fetch);
    assert_eq!(sts_calls(&mfa.moto.endpoint), after_clone);
    // Renewing two hours ahead, the one-hour role session counts as run out
    // while the twelve-hour MFA session does not: the role is re-assumed on
    // the cached MFA session, with no prompt.
    let mut fetch = mfa.git(&["-C", mfa.scratch.path("work").to_str().unwrap(), "fetch"]);
    fetch
        .env("AWS_PROFILE", "deploy")
        .env("GIT_CREDENTIAL_MFA_CODECOMMIT_REFRESH_SECONDS", "7200");
    ok(fetch);
    let after_refresh = sts_calls(&mfa.moto.endpoint);
    assert_eq!(
        (after_refresh.0, after_refresh.1),
        (after_clone.0, after_clone.1 + 1)
    );
    let accepted = mfa
        .server
        .log()
        .into_iter()
        .filter(|entry| entry["status"] == 200)
        .count();
    assert!(accepted >= 3, "{:?}", mfa.server.reasons());
    assert!(
        mfa.server
            .reasons()
            .iter()
            .all(|reason| reason == "no credentials" || reason == "authenticated")
    );
    mfa.assert_no_secret_in_files();
    mfa.logout();
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn a_role_assumed_with_a_code_is_accepted() {
    let mfa = Mfa::new();
    role_config(&mfa);
    let before = sts_calls(&mfa.moto.endpoint);
    let mut list = mfa.git(&["ls-remote", &mfa.server.url("myrepo")]);
    list.env("AWS_PROFILE", "direct")
        .env_remove("GIT_TERMINAL_PROMPT");
    assert_eq!(mfa.in_terminal(list, "654321\r"), 1);
    let after = sts_calls(&mfa.moto.endpoint);
    assert_eq!((after.0 - before.0, after.1 - before.1), (0, 1));
    assert_eq!(
        mfa.server.reasons().last().map(String::as_str),
        Some("authenticated")
    );
    mfa.logout();
}
