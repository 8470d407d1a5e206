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

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Utc};
use git_credential_mfa_codecommit::aws::sigv4;
use serde_json::{Value, json};

use crate::aws_cli::{AWS_CLI_HELPER, FROZEN_UNIX, frozen_command, python};
use crate::fake_service::FakeService;
use crate::support::{BINARY, NO_IMDS, Scratch, attribute, request, require, start, text};

// --- What the fake Identity Center knows --------------------------------

pub const START_URL: &str = "https://corp.awsapps.com/start";
pub const ACCOUNT_ID: &str = "111122223333";
/// The access token `aws sso login` cached (name "cached" in the server's log).
pub const ACCESS_TOKEN: &str = "aoaCachedAccessToken-SECRET-7f3a";
/// The access token SSO-OIDC issues on refresh (name "fresh").
pub const FRESH_TOKEN: &str = "aoaRefreshedAccessToken-SECRET-91c2";
/// The refresh token in the cache (name "rt").
pub const REFRESH_TOKEN: &str = "aorRefreshToken-SECRET-5d6e";
pub const CLIENT_ID: &str = "corpClientId-public";
pub const CLIENT_SECRET: &str = "eyJraWQiOiJjbGllbnRTZWNyZXQi-SECRET-0b1c";
/// The role credentials the portal hands out for `ACCOUNT_ID/Dev`.
pub const KEY_ID: &str = "ASIASSODEVEXAMPLE";
pub const SECRET_KEY: &str = "sso/Dev+SecretAccessKey-SECRET-4e2d";
pub const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSSO//session+token-SECRET==";
/// How long SSO-OIDC says a refreshed access token lasts.
pub const FRESH_LIFETIME: Duration = Duration::from_secs(8 * 3600);

/// Every value that must never reach stderr.
const SECRETS: &[&str] = &[
    ACCESS_TOKEN,
    FRESH_TOKEN,
    REFRESH_TOKEN,
    CLIENT_SECRET,
    SECRET_KEY,
    SESSION_TOKEN,
];

const CONFIG: &str = "\
[profile sess]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Dev
region = us-east-1
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
[profile legacy]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 111122223333
sso_role_name = Dev
region = us-east-1
[profile short]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Short
region = us-east-1
";

const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
/// An endpoint nothing listens on: connecting fails at once.
const CLOSED_PORT: &str = NO_IMDS;
const REGION: &str = "us-east-1";

/// A profile form: the profile, the cache file's identifier, the login command.
#[derive(Debug)]
pub struct Form {
    pub profile: &'static str,
    /// What the cache file name is the SHA-1 of.
    pub cache_key: &'static str,
    /// The command that logs this profile in again.
    pub login: &'static str,
}

pub const SESSION: Form = Form {
    profile: "sess",
    cache_key: "corp",
    login: "aws sso login --sso-session corp",
};

pub const LEGACY: Form = Form {
    profile: "legacy",
    cache_key: START_URL,
    login: "aws sso login --profile legacy",
};

// --- The expectations, in one place ----------------------------------------

/// How long a lapsed login may take to be reported.
const LOGIN_LIMIT: Duration = Duration::from_secs(2);
/// How long a hanging endpoint may hold the helper up.
const HANG_LIMIT: Duration = Duration::from_secs(5);
/// When a run is killed: past both limits, so that a hang fails a test
/// instead of holding it up.
const KILL_AFTER: Duration = Duration::from_secs(8);

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

// --- The fake server ---------------------------------------------------------

/// `tests/support/sso_server.py` on 127.0.0.1; killed when the handle drops.
pub struct Portal {
    fake: FakeService,
    /// Both the portal's and SSO-OIDC's endpoint URL.
    pub endpoint: String,
}

impl Portal {
    /// Knows the access tokens "cached" ([`ACCESS_TOKEN`], valid) and "fresh"
    /// ([`FRESH_TOKEN`], valid once SSO-OIDC issued it), the refresh token
    /// "rt" ([`REFRESH_TOKEN`] of [`CLIENT_ID`], issuing "fresh"), and the
    /// role `ACCOUNT_ID/Dev` ([`KEY_ID`], expiring in an hour); both modes "ok".
    pub fn start() -> Self {
        let state = json!({
            "portal": "ok",
            "oidc": "ok",
            "access_tokens": {
                "cached": {"token": ACCESS_TOKEN, "expired": false},
                "fresh": {"token": FRESH_TOKEN, "issued_by": "rt"},
            },
            "refresh_tokens": {
                "rt": {
                    "token": REFRESH_TOKEN,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "issues": "fresh",
                    "expires_in": FRESH_LIFETIME.as_secs(),
                },
            },
            "roles": {},
        });
        let fake = FakeService::start("sso_server.py", state);
        let portal = Portal {
            endpoint: fake.endpoint.clone(),
            fake,
        };
        portal.role("Dev", SystemTime::now() + Duration::from_secs(3600));
        portal
    }

    /// Changes the control file, which the server reads on every request.
    pub fn update(&self, change: impl FnOnce(&mut Value)) {
        self.fake.update(change);
    }

    /// The portal's mode: "ok", "401", "403" or "hang".
    pub fn portal_mode(&self, mode: &str) {
        self.update(|state| state["portal"] = json!(mode));
    }

    /// SSO-OIDC's mode: "ok", "refuse" or "hang".
    pub fn oidc_mode(&self, mode: &str) {
        self.update(|state| state["oidc"] = json!(mode));
    }

    /// The portal no longer accepts [`ACCESS_TOKEN`], as once it expired.
    pub fn expire_cached_token(&self) {
        self.update(|state| state["access_tokens"]["cached"]["expired"] = json!(true));
    }

    /// Role `ACCOUNT_ID/name` gets [`KEY_ID`], [`SECRET_KEY`] and
    /// [`SESSION_TOKEN`], expiring at `expiration`.
    pub fn role(&self, name: &str, expiration: SystemTime) {
        let millis = expiration.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        self.update(|state| {
            state["roles"][format!("{ACCOUNT_ID}/{name}")] = json!({
                "accessKeyId": KEY_ID,
                "secretAccessKey": SECRET_KEY,
                "sessionToken": SESSION_TOKEN,
                "expiration": millis,
            });
        });
    }

    /// The endpoint variables, both services at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_SSO", self.endpoint.clone()),
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.endpoint.clone()),
        ]
    }

    /// Writes the token cache file `aws sso login` leaves for `form` in
    /// scratch's HOME: [`ACCESS_TOKEN`] expiring at `expires_at` and, if
    /// `refreshable`, the client registration and [`REFRESH_TOKEN`].
    pub fn write_token(
        &self,
        scratch: &Scratch,
        form: &Form,
        expires_at: SystemTime,
        refreshable: bool,
    ) -> PathBuf {
        let mut token = json!({
            "startUrl": START_URL,
            "region": REGION,
            "accessToken": ACCESS_TOKEN,
            "expiresAt": timestamp(expires_at),
        });
        if refreshable {
            let registered_until = expires_at.max(SystemTime::now()) + days(90);
            token["clientId"] = json!(CLIENT_ID);
            token["clientSecret"] = json!(CLIENT_SECRET);
            token["registrationExpiresAt"] = json!(timestamp(registered_until));
            token["refreshToken"] = json!(REFRESH_TOKEN);
        }
        scratch.write(&token_cache(form), &token.to_string())
    }

    /// The log's entries for `service` ("portal" or "oidc").
    pub fn calls(&self, service: &str) -> Vec<Value> {
        self.fake.calls(service)
    }
}

/// `~/.aws/sso/cache/<sha1 of the identifier>.json`, relative to HOME.
pub fn token_cache(form: &Form) -> String {
    format!(".aws/sso/cache/{}.json", sha1_hex(form.cache_key))
}

/// SHA-1 in hex, by Python's hashlib (there is no sha1 crate here).
fn sha1_hex(text: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib, sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            text,
        ])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text_of(&out.stdout).trim().to_owned()
}

/// As the AWS CLI writes `expiresAt`: `2024-02-29T23:59:59Z`.
pub(crate) fn timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// An RFC 3339 time, as either writes it (aws-config adds microseconds).
pub(crate) fn parse_timestamp(text: &str) -> SystemTime {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|error| panic!("{text:?}: {error}"))
        .into()
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

pub(crate) fn hours(n: u64) -> Duration {
    Duration::from_secs(n * 3600)
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// --- Running the helper and the AWS CLI -------------------------------------

/// A scratch HOME with the SSO profiles in its config.
pub fn sso_home() -> Scratch {
    let scratch = Scratch::new();
    scratch.write(".aws/config", CONFIG);
    scratch
}

/// Runs `command` with `stdin`, killed after `kill_after`; what it printed
/// and how long it took.
pub(crate) fn run_timed(
    command: Command,
    stdin: &[u8],
    kill_after: Duration,
) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = start(command, stdin);
    while child.try_wait().unwrap().is_none() && started.elapsed() < kill_after {
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    let _ = child.kill();
    (child.wait_with_output().unwrap(), took)
}

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

/// Checks that `stdout` has the username of `key_id` and `token`, and a
/// password signed with `secret` at its own timestamp, which it returns.
pub(crate) fn assert_signed_as(
    stdout: &[u8],
    key_id: &str,
    token: &str,
    secret: &str,
    label: &str,
) -> SystemTime {
    assert_eq!(
        attribute(stdout, "username"),
        Some(format!("{key_id}%{token}").as_str()),
        "{label}"
    );
    let password = attribute(stdout, "password").expect("a password");
    let (stamp, _) = password.split_once('Z').expect("timestamp Z signature");
    let signed_at: SystemTime = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S")
        .unwrap()
        .and_utc()
        .into();
    let target = sigv4::Target {
        host: HOST,
        path: "/v1/repos/myrepo",
        region: REGION,
    };
    assert_eq!(
        password,
        sigv4::password(secret, &target, signed_at),
        "{label}: not signed with {key_id}'s secret key"
    );
    signed_at
}

pub(crate) fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).unwrap().as_secs()
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
