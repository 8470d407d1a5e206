//! IAM Identity Center (SSO) profiles, `sso_session` and legacy
//! `sso_start_url` forms, against a fake SSO portal and SSO-OIDC endpoint
//! (`tests/support/sso_server.py`) on 127.0.0.1.
//!
//! [`Portal`] runs the server (a [`FakeService`]), writes the token cache the AWS CLI writes
//! (`~/.aws/sso/cache/<sha1>.json`) and reads the server's request log. The
//! tests check that a valid login signs exactly as the AWS CLI does, that an
//! expired access token is refreshed through SSO-OIDC, and that a lapsed
//! login or a hanging endpoint ends at once with one line naming the
//! `aws sso login` command, never a token or secret.
//!
//! The comparison with a valid login runs both under `faketime -f` (as in
//! `aws_cli.rs`), so that they sign the same second; everything else runs on
//! the real clock, because under a frozen clock the SDK's retry sleeps never
//! end. Every run is killed after [`KILL_AFTER`], so no test can hang.

use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::support::aws_cli::{AWS_CLI_HELPER, FROZEN_UNIX, frozen_command, python};
use crate::support::codecommit_server::HOST;
use crate::support::sso_portal::{
    ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, FRESH_LIFETIME, FRESH_TOKEN, Form, KEY_ID, KILL_AFTER,
    LEGACY, Portal, REFRESH_TOKEN, REGION, SECRET_KEY, SESSION, SESSION_TOKEN, START_URL,
    assert_signed_as, hours, parse_timestamp, run_timed, sso_home, text_of, token_cache, unix,
};
use crate::support::{BINARY, NO_IMDS, Scratch, attribute, request, require, text};

// --- What the fake Identity Center knows --------------------------------

/// Every value that must never reach stderr.
const SECRETS: &[&str] = &[
    ACCESS_TOKEN,
    FRESH_TOKEN,
    REFRESH_TOKEN,
    CLIENT_SECRET,
    SECRET_KEY,
    SESSION_TOKEN,
];

/// An endpoint nothing listens on: connecting fails at once.
const CLOSED_PORT: &str = NO_IMDS;

// --- The expectations, in one place ----------------------------------------

/// How long a lapsed login may take to be reported.
const LOGIN_LIMIT: Duration = Duration::from_secs(2);
/// How long a hanging endpoint may hold the helper up.
const HANG_LIMIT: Duration = Duration::from_secs(5);
/// What our single stderr line must contain: for a lapsed login the words
/// "IAM Identity Center login" and the exact command to run; for a hanging
/// endpoint, "IAM Identity Center".
fn message_must_contain(lapse: Lapse, form: &Form) -> Vec<&'static str> {
    match lapse {
        Lapse::PortalHangs | Lapse::OidcHangs => vec!["IAM Identity Center"],
        _ => vec!["IAM Identity Center login", form.login],
    }
}

/// The time our helper may take for `lapse`.
fn time_limit(lapse: Lapse) -> Duration {
    match lapse {
        Lapse::PortalHangs | Lapse::OidcHangs => HANG_LIMIT,
        _ => LOGIN_LIMIT,
    }
}

// --- Running the helper and the AWS CLI -------------------------------------

/// Our helper's `get` for `form`, on the real clock.
fn ours(scratch: &Scratch, form: &Form, env: &[(&str, String)]) -> (Output, Duration) {
    let mut command = scratch.command(BINARY);
    command
        .args(["--profile", form.profile, "get"])
        .envs(env.iter().map(|(k, v)| (k, v)));
    run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER)
}

/// `aws codecommit credential-helper get` for `form`, on the real clock.
fn theirs(python: &str, scratch: &Scratch, form: &Form, env: &[(&str, String)]) -> Output {
    let mut command = scratch.command(python);
    command
        .args(AWS_CLI_HELPER)
        .args(["--profile", form.profile, "get"])
        .envs(env.iter().map(|(k, v)| (k, v)));
    run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER).0
}

/// Checks a password against its own timestamp and [`SECRET_KEY`].
fn assert_signed_by_the_role(stdout: &[u8], label: &str) -> SystemTime {
    assert_signed_as(stdout, KEY_ID, SESSION_TOKEN, SECRET_KEY, label)
}

// --- (a) A valid login: the same answer as the AWS CLI -----------------------

/// A third profile on the `corp` session, for a role whose credentials end
/// before the password would.
const SHORT: Form = Form {
    profile: "short",
    ..SESSION
};

#[test]
#[ignore = "needs python3, the AWS CLI (pip install awscli) and faketime (apt): run by .ci/run"]
fn a_cached_login_answers_as_the_aws_cli_does() {
    require("faketime");
    let python = python();
    let frozen = UNIX_EPOCH + Duration::from_secs(FROZEN_UNIX);
    let portal = Portal::start();
    // Dev's credentials outlast the password (signing time + 900); Short's
    // end first, so ours gives their end as password_expiry_utc.
    let dev_expiry = frozen + hours(1);
    let short_expiry = frozen + Duration::from_secs(300);
    portal.role("Dev", dev_expiry);
    portal.role("Short", short_expiry);
    let cases: &[(&Form, bool, SystemTime)] = &[
        (&SESSION, false, dev_expiry),
        (&SESSION, true, dev_expiry),
        (&LEGACY, false, dev_expiry),
        (&LEGACY, true, dev_expiry),
        (&SHORT, false, short_expiry),
    ];
    for &(form, by_env, role_expiry) in cases {
        let scratch = sso_home();
        portal.write_token(&scratch, form, frozen + hours(8), true);
        let label = format!(
            "{} ({})",
            form.profile,
            if by_env { "AWS_PROFILE" } else { "--profile" }
        );
        let run_frozen = |program: &str, args: &[&str]| {
            let mut command = frozen_command(&scratch, program, args);
            command.envs(portal.env());
            if by_env {
                command.env("AWS_PROFILE", form.profile).arg("get");
            } else {
                command.args(["--profile", form.profile, "get"]);
            }
            run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER).0
        };
        let theirs = run_frozen(&python, AWS_CLI_HELPER);
        let calls_before = portal.calls("portal").len();
        let ours = run_frozen(BINARY, &[]);
        assert!(
            theirs.status.success(),
            "aws cli, {label}: {}",
            text(&theirs.stderr)
        );
        assert!(
            ours.status.success(),
            "ours, {label}: {}",
            text(&ours.stderr)
        );
        let signed_at = assert_signed_by_the_role(&theirs.stdout, &label);
        assert_eq!(
            unix(signed_at),
            FROZEN_UNIX,
            "{label}: the clock was not frozen"
        );
        assert!(
            ours.stdout.starts_with(&theirs.stdout),
            "{label}:\n ours {:?}\n aws  {:?}",
            text(&ours.stdout),
            text(&theirs.stdout)
        );
        let expiry = (FROZEN_UNIX + 900).min(unix(role_expiry));
        assert_eq!(
            text(&ours.stdout[theirs.stdout.len()..]),
            format!("password_expiry_utc={expiry}\n"),
            "{label}"
        );
        let calls = portal.calls("portal");
        assert_eq!(
            calls.len(),
            calls_before + 1,
            "{label}: ours asks the portal once: {calls:?}"
        );
        assert!(
            calls
                .iter()
                .all(|call| call["status"] == 200 && call["token"] == "cached"),
            "{label}: {calls:?}"
        );
        assert!(
            portal.calls("oidc").is_empty(),
            "{label}: nothing to refresh"
        );
    }
}

// --- (b) An expired access token is refreshed --------------------------------

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn b_an_expired_access_token_is_refreshed_through_sso_oidc() {
    let python = python();
    let portal = Portal::start();
    portal.expire_cached_token();
    let scratch = sso_home();
    let cache = scratch.path(&token_cache(&SESSION));

    // Ours: one CreateToken, then the portal with the new token.
    portal.write_token(&scratch, &SESSION, SystemTime::now() - hours(1), true);
    let before = SystemTime::now();
    let (out, took) = ours(&scratch, &SESSION, &portal.env());
    assert!(
        out.status.success(),
        "ours after {took:?}: {}",
        text(&out.stderr)
    );
    crate::support::assert_signed(&out.stdout, SECRET_KEY, HOST, REGION);
    assert_signed_by_the_role(&out.stdout, "ours");
    let oidc = portal.calls("oidc");
    assert_eq!(oidc.len(), 1, "one CreateToken: {oidc:?}");
    assert_eq!(
        (&oidc[0]["status"], &oidc[0]["token"]),
        (&json!(200), &json!("rt"))
    );
    let portal_calls = portal.calls("portal");
    assert_eq!(portal_calls.len(), 1, "{portal_calls:?}");
    assert_eq!(
        (&portal_calls[0]["status"], &portal_calls[0]["token"]),
        (&json!(200), &json!("fresh")),
        "the portal is asked with the refreshed token"
    );
    let written = assert_refreshed_cache(&cache, before, "ours");

    // The AWS CLI accepts the file ours wrote, without refreshing again.
    let theirs_now = theirs(&python, &scratch, &SESSION, &portal.env());
    assert!(
        theirs_now.status.success(),
        "aws cli on ours' file: {}",
        text(&theirs_now.stderr)
    );
    assert_eq!(
        portal.calls("oidc").len(),
        1,
        "ours' refreshed token needs no refresh"
    );
    assert_eq!(std::fs::read_to_string(&cache).unwrap(), written);

    // The AWS CLI, from the same expired token: the same refresh and answer.
    portal.write_token(&scratch, &SESSION, SystemTime::now() - hours(1), true);
    let before = SystemTime::now();
    let cli = theirs(&python, &scratch, &SESSION, &portal.env());
    assert!(cli.status.success(), "aws cli: {}", text(&cli.stderr));
    assert_signed_by_the_role(&cli.stdout, "aws cli");
    assert_eq!(
        attribute(&cli.stdout, "username"),
        attribute(&out.stdout, "username")
    );
    assert_eq!(portal.calls("oidc").len(), 2, "the CLI refreshes once too");
    assert_refreshed_cache(&cache, before, "aws cli");
}

/// The cache file holds the refreshed token and the unchanged registration;
/// returns its text.
fn assert_refreshed_cache(
    path: &std::path::Path,
    refreshed_after: SystemTime,
    who: &str,
) -> String {
    let written = std::fs::read_to_string(path).unwrap();
    let token: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        token["accessToken"], FRESH_TOKEN,
        "{who}: the new token is cached"
    );
    assert_eq!(token["refreshToken"], REFRESH_TOKEN, "{who}");
    assert_eq!(token["clientId"], CLIENT_ID, "{who}");
    assert_eq!(token["clientSecret"], CLIENT_SECRET, "{who}");
    assert_eq!(token["startUrl"], START_URL, "{who}");
    assert_eq!(token["region"], REGION, "{who}");
    assert!(
        token["registrationExpiresAt"].is_string(),
        "{who}: {written}"
    );
    let expires = parse_timestamp(token["expiresAt"].as_str().unwrap());
    let earliest = refreshed_after + FRESH_LIFETIME - Duration::from_secs(1);
    let latest = SystemTime::now() + FRESH_LIFETIME + Duration::from_secs(1);
    assert!(
        earliest <= expires && expires <= latest,
        "{who}: expiresAt {} is not refresh time + expiresIn",
        token["expiresAt"]
    );
    written
}

// --- (c, d, e) A lapsed login or a hanging endpoint ---------------------------

#[derive(Debug, Clone, Copy)]
enum Lapse {
    /// The access token has expired; the cache holds no refresh token.
    ExpiredNoRefresh,
    /// The access token has expired; SSO-OIDC refuses the refresh token.
    RefreshRefused,
    /// The access token has expired; SSO-OIDC is a closed port.
    OidcUnreachable,
    /// No token cache file at all.
    NoToken,
    /// A valid-looking token; the portal answers 401 UnauthorizedException.
    Portal401,
    /// A valid-looking token; the portal answers 403 ForbiddenException.
    Portal403,
    /// A valid token; the portal accepts the connection and never answers.
    PortalHangs,
    /// The access token has expired; SSO-OIDC never answers the refresh.
    OidcHangs,
}

impl Lapse {
    /// Sets the scene in `portal` and `scratch`; returns the environment.
    fn arrange(
        self,
        portal: &Portal,
        scratch: &Scratch,
        form: &Form,
    ) -> Vec<(&'static str, String)> {
        let now = SystemTime::now();
        let mut env = portal.env();
        match self {
            Lapse::ExpiredNoRefresh => {
                portal.expire_cached_token();
                portal.write_token(scratch, form, now - hours(1), false);
            }
            Lapse::RefreshRefused => {
                portal.expire_cached_token();
                portal.oidc_mode("refuse");
                portal.write_token(scratch, form, now - hours(1), true);
            }
            Lapse::OidcUnreachable => {
                portal.expire_cached_token();
                portal.write_token(scratch, form, now - hours(1), true);
                env.retain(|(name, _)| *name != "AWS_ENDPOINT_URL_SSO_OIDC");
                env.push(("AWS_ENDPOINT_URL_SSO_OIDC", CLOSED_PORT.to_owned()));
            }
            Lapse::NoToken => {}
            Lapse::Portal401 | Lapse::Portal403 => {
                portal.portal_mode(if matches!(self, Lapse::Portal401) {
                    "401"
                } else {
                    "403"
                });
                portal.write_token(scratch, form, now + hours(8), true);
            }
            Lapse::PortalHangs => {
                portal.portal_mode("hang");
                portal.write_token(scratch, form, now + hours(8), true);
            }
            Lapse::OidcHangs => {
                portal.expire_cached_token();
                portal.oidc_mode("hang");
                portal.write_token(scratch, form, now - hours(1), true);
            }
        }
        env
    }

    /// Whether the AWS CLI can check the scene quickly (it waits long for a
    /// closed port or a hang).
    fn cli_checks_it(self) -> bool {
        !matches!(
            self,
            Lapse::OidcUnreachable | Lapse::PortalHangs | Lapse::OidcHangs
        )
    }
}

/// Runs ours for each form in a fresh HOME and server; panics listing every
/// expectation it missed. The AWS CLI, run in the same scene, must fail too:
/// else the scene, not the helper, is wrong.
fn check(lapse: Lapse, forms: &[&Form]) {
    let python = lapse.cli_checks_it().then(python);
    let mut problems = Vec::new();
    for form in forms {
        let portal = Portal::start();
        let scratch = sso_home();
        let env = lapse.arrange(&portal, &scratch, form);
        let (out, took) = ours(&scratch, form, &env);
        let stderr = text_of(&out.stderr);
        eprintln!(
            "[{lapse:?} {}] ours: exit {:?} after {took:.2?}, stderr {stderr:?}",
            form.profile,
            out.status.code()
        );
        let mut problem =
            |what: String| problems.push(format!("{lapse:?} {}: {what}", form.profile));
        if out.status.success() {
            problem("exited 0".into());
        }
        if !out.stdout.is_empty() {
            problem(format!("printed on stdout: {:?}", text_of(&out.stdout)));
        }
        if stderr.lines().count() != 1 || !stderr.ends_with('\n') {
            problem(format!("not exactly one line on stderr: {stderr:?}"));
        }
        for needle in message_must_contain(lapse, form) {
            if !stderr.contains(needle) {
                problem(format!("stderr lacks {needle:?}: {:?}", stderr.trim_end()));
            }
        }
        for secret in SECRETS {
            if stderr.contains(secret) {
                problem(format!("stderr holds the secret {secret:?}"));
            }
        }
        if took >= time_limit(lapse) {
            let killed = if took >= KILL_AFTER { " (killed)" } else { "" };
            problem(format!(
                "took {took:.2?}{killed}, limit {:?}",
                time_limit(lapse)
            ));
        }
        if let Some(python) = &python {
            let cli = theirs(python, &scratch, form, &env);
            eprintln!(
                "[{lapse:?} {}] aws cli: exit {:?}, stderr {:?}",
                form.profile,
                cli.status.code(),
                text_of(&cli.stderr).trim()
            );
            assert!(
                !cli.status.success() && cli.stdout.is_empty(),
                "{lapse:?} {}: the scene is no lapsed login for the AWS CLI either: {:?}",
                form.profile,
                text_of(&cli.stdout)
            );
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn c_an_expired_token_without_refresh_token_asks_for_login() {
    check(Lapse::ExpiredNoRefresh, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn c_a_refused_refresh_asks_for_login() {
    check(Lapse::RefreshRefused, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3: run by .ci/run"]
fn c_an_unreachable_oidc_endpoint_asks_for_login() {
    check(Lapse::OidcUnreachable, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn c_no_cached_token_asks_for_login() {
    check(Lapse::NoToken, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn c_a_portal_401_asks_for_login() {
    check(Lapse::Portal401, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn c_a_portal_403_asks_for_login() {
    check(Lapse::Portal403, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3: run by .ci/run"]
fn d_a_hanging_portal_ends_within_seconds() {
    check(Lapse::PortalHangs, &[&SESSION, &LEGACY]);
}

#[test]
#[ignore = "needs python3: run by .ci/run"]
fn d_a_hanging_oidc_refresh_ends_within_seconds() {
    // Only the sso_session form refreshes.
    check(Lapse::OidcHangs, &[&SESSION]);
}

// --- The fake against the reference -------------------------------------------

/// The AWS CLI reads the fake's error answers as AWS's own.
#[test]
#[ignore = "needs python3 and the AWS CLI (pip install awscli): run by .ci/run"]
fn the_aws_cli_reads_the_fakes_errors_as_aws_errors() {
    let python = python();
    let cases: &[(Lapse, &Form, &str, &str)] = &[
        (
            Lapse::Portal401,
            &SESSION,
            "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.",
            "UnauthorizedException",
        ),
        (
            Lapse::Portal403,
            &LEGACY,
            "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access",
            "ForbiddenException",
        ),
        (
            Lapse::RefreshRefused,
            &SESSION,
            "Error when retrieving token from sso: Token has expired and refresh failed",
            "InvalidGrantException",
        ),
    ];
    for &(lapse, form, message, error) in cases {
        let portal = Portal::start();
        let scratch = sso_home();
        let env = lapse.arrange(&portal, &scratch, form);
        let cli = theirs(&python, &scratch, form, &env);
        assert_eq!(text_of(&cli.stderr).trim(), message, "{lapse:?}");
        assert!(!cli.status.success() && cli.stdout.is_empty(), "{lapse:?}");
        let errors: Vec<Value> = portal
            .fake
            .log()
            .into_iter()
            .map(|call| call["error"].clone())
            .collect();
        assert!(errors.contains(&json!(error)), "{lapse:?}: {errors:?}");
    }
}
