//! `aws login` profiles (`login_session`), against a fake AWS Sign-In
//! (`tests/support/signin_server.py`, which checks every DPoP proof) on
//! 127.0.0.1, with botocore's `LoginProvider` (the AWS CLI) as the reference.
//!
//! The session cache is the file `aws login` writes,
//! `~/.aws/login/cache/<sha256 of the session>.json`, with a DPoP key made
//! by openssl for each test. The tests check that a valid session signs
//! exactly as the AWS CLI does (both under `faketime -f`), that an expired
//! one is refreshed by each and the file either writes is taken by the
//! other as it is, and that a lapsed, refused or hanging refresh ends in
//! one line naming `aws login --profile P` (or the network), in time, with
//! no token, key or DPoP key in it. Everything but the frozen comparison runs on
//! the real clock (the SDK's retry sleeps never end under a frozen one).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::support::aws_cli::{AWS_CLI_HELPER, FROZEN_UNIX, frozen_command, python};
use crate::support::fake_service::FakeService;
use crate::support::sso_portal::{
    assert_signed_as, hours, parse_timestamp, run_timed, timestamp, unix,
};
use crate::support::{BINARY, NO_IMDS, Scratch, attribute, request, require, text};

const SESSION: &str = "arn:aws:iam::111122223333:user/Admin";
const ACCOUNT_ID: &str = "111122223333";
const CLIENT_ID: &str = "arn:aws:signin:::devtools/same-device";
const ID_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.identity-SECRET.sig";
/// The credentials `aws login` cached.
const CACHED: Keys = Keys {
    id: "ASIALOGINCACHEDEXAMPLE",
    secret: "login/cached+Secret-SECRET-1a2b",
    token: "IQoJLoginCached//session+token-SECRET==",
};
/// The credentials Sign-In hands out on refresh (name "fresh").
const FRESH: Keys = Keys {
    id: "ASIALOGINFRESHEXAMPLE",
    secret: "login/fresh+Secret-SECRET-3c4d",
    token: "IQoJLoginFresh//session+token-SECRET==",
};
/// The refresh token in the cache (name "rt"), and the one a refresh
/// rotates it to (name "rt2").
const REFRESH_TOKEN: &str = "loginRefreshToken-SECRET-77aa";
const ROTATED_TOKEN: &str = "loginRefreshToken-rotated-SECRET-88bb";
/// How long Sign-In says refreshed credentials last (its model's maximum).
const FRESH_LIFETIME: u64 = 900;

const PROFILE: &str = "signed";
const CONFIG: &str = "\
[profile signed]
login_session = arn:aws:iam::111122223333:user/Admin
region = us-east-1
";
const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
const FIX: &str = "run: aws login --profile signed";

/// How long a lapsed or refused login may take to be reported.
const LOGIN_LIMIT: Duration = Duration::from_secs(2);
/// How long a hanging Sign-In may hold the helper up.
const HANG_LIMIT: Duration = Duration::from_secs(5);
/// When a run is killed: past both limits.
const KILL_AFTER: Duration = Duration::from_secs(8);

#[derive(Debug, Clone, Copy)]
struct Keys {
    id: &'static str,
    secret: &'static str,
    token: &'static str,
}

/// A fresh P-256 key in the SEC1 PEM form `aws login` caches it in.
fn dpop_key() -> String {
    let out = Command::new("openssl")
        .args(["ecparam", "-name", "prime256v1", "-genkey", "-noout"])
        .output()
        .expect("openssl");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pem = text(&out.stdout).to_owned();
    assert!(pem.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{pem}");
    pem
}

/// Sign-In on 127.0.0.1, bound to a new DPoP key: "rt" issues [`FRESH`]
/// and rotates to "rt2", which issues it too.
struct SignIn {
    fake: FakeService,
    key: String,
}

impl SignIn {
    fn start() -> Self {
        let key = dpop_key();
        let refresh = |token: &str| {
            json!({"token": token, "client_id": CLIENT_ID, "issues": "fresh",
                   "expires_in": FRESH_LIFETIME, "rotates_to": "rt2"})
        };
        let state = json!({
            "mode": "ok",
            "dpop_key": key,
            "refresh_tokens": {"rt": refresh(REFRESH_TOKEN), "rt2": refresh(ROTATED_TOKEN)},
            "credentials": {"fresh": {"accessKeyId": FRESH.id,
                "secretAccessKey": FRESH.secret, "sessionToken": FRESH.token}},
        });
        SignIn {
            fake: FakeService::start("signin_server.py", state),
            key,
        }
    }

    /// "ok", "expired", "changed", "denied" or "hang".
    fn mode(&self, mode: &str) {
        self.fake.update(|state| state["mode"] = json!(mode));
    }

    fn calls(&self) -> Vec<Value> {
        self.fake.calls("signin")
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![("AWS_ENDPOINT_URL_SIGNIN", self.fake.endpoint.clone())]
    }

    /// The cache `aws login` leaves: [`CACHED`] until `expires_at`, the
    /// refresh token "rt", this server's DPoP key; owner-only, as botocore
    /// writes it. `directory` is relative to HOME.
    fn write_cache(&self, scratch: &Scratch, directory: &str, expires_at: SystemTime) -> PathBuf {
        let cache = json!({
            "accessToken": {"accessKeyId": CACHED.id, "secretAccessKey": CACHED.secret,
                "sessionToken": CACHED.token, "accountId": ACCOUNT_ID,
                "expiresAt": timestamp(expires_at)},
            "tokenType": "aws_sigv4",
            "refreshToken": REFRESH_TOKEN,
            "idToken": ID_TOKEN,
            "clientId": CLIENT_ID,
            "dpopKey": self.key,
        });
        let path = scratch.write(&cache_file(directory), &cache.to_string());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// Every value that must never reach stderr: tokens, keys, the DPoP key.
    fn secrets(&self) -> Vec<&str> {
        let mut secrets = vec![REFRESH_TOKEN, ROTATED_TOKEN, ID_TOKEN];
        for keys in [CACHED, FRESH] {
            secrets.extend([keys.secret, keys.token]);
        }
        secrets.extend(self.key.lines().filter(|line| !line.starts_with("-----")));
        secrets
    }
}

/// `<directory>/<sha256 of the session>.json`, as both name it.
fn cache_file(directory: &str) -> String {
    format!("{directory}/{}.json", hex::encode(Sha256::digest(SESSION)))
}

const DEFAULT_CACHE: &str = ".aws/login/cache";

fn login_home() -> Scratch {
    let scratch = Scratch::new();
    scratch.write(".aws/config", CONFIG);
    scratch
}

/// `program args --profile signed get` for the repository, on the real clock.
fn get(scratch: &Scratch, program: &str, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = scratch.command(program);
    command
        .args(args)
        .args(["--profile", PROFILE, "get"])
        .envs(env.iter().map(|(k, v)| (k, v)));
    run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER).0
}

/// Checks that `stdout` is signed with `keys` at its own timestamp; returns
/// that time and the answer's password_expiry_utc, if any.
fn assert_signed_with(stdout: &[u8], keys: Keys, label: &str) -> (u64, Option<u64>) {
    let signed_at = assert_signed_as(stdout, keys.id, keys.token, keys.secret, label);
    let expiry = attribute(stdout, "password_expiry_utc").map(|e| e.parse().unwrap());
    (unix(signed_at), expiry)
}

// --- A valid session: the same answer as the AWS CLI -------------------------

#[test]
#[ignore = "needs python3, the AWS CLI with awscrt (pip install awscli awscrt), openssl and faketime: run by .ci/run"]
fn a_cached_login_signs_as_the_aws_cli_does() {
    require("faketime");
    let python = python();
    let frozen = UNIX_EPOCH + Duration::from_secs(FROZEN_UNIX);
    let signin = SignIn::start();
    // Ten minutes left: botocore's advisory refresh rereads the file and
    // keeps it (more than five minutes remain); aws-config does not refresh.
    let expiry = FROZEN_UNIX + 600;
    for directory in [None, Some("elsewhere/logins")] {
        let scratch = login_home();
        let cache_dir = directory.unwrap_or(DEFAULT_CACHE);
        signin.write_cache(&scratch, cache_dir, frozen + Duration::from_secs(600));
        let label = format!("cache in {cache_dir}");
        let run = |program: &str, args: &[&str]| {
            let mut command = frozen_command(&scratch, program, args);
            command
                .envs(signin.env())
                .args(["--profile", PROFILE, "get"]);
            if directory.is_some() {
                command.env("AWS_LOGIN_CACHE_DIRECTORY", scratch.path(cache_dir));
            }
            run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER).0
        };
        let theirs = run(&python, AWS_CLI_HELPER);
        let ours = run(BINARY, &[]);
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
        let (signed_at, _) = assert_signed_with(&theirs.stdout, CACHED, &label);
        assert_eq!(signed_at, FROZEN_UNIX, "{label}: the clock was not frozen");
        assert!(
            ours.stdout.starts_with(&theirs.stdout),
            "{label}:\n ours {:?}\n aws  {:?}",
            text(&ours.stdout),
            text(&theirs.stdout)
        );
        assert_eq!(
            text(&ours.stdout[theirs.stdout.len()..]),
            format!("password_expiry_utc={expiry}\n"),
            "{label}: the session's end comes before the password's"
        );
    }
    assert_eq!(signin.calls(), Vec::<Value>::new(), "nothing to refresh");
}

// --- An expired session is refreshed by both ---------------------------------

/// Checks the file a refresh wrote, between `before` and now: [`FRESH`],
/// the rotated refresh token, the rest as it was, still owner-only.
fn assert_refreshed(path: &PathBuf, signin: &SignIn, before: SystemTime, label: &str) {
    let written: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let access = &written["accessToken"];
    assert_eq!(
        (&access["accessKeyId"], &access["secretAccessKey"]),
        (&json!(FRESH.id), &json!(FRESH.secret)),
        "{label}"
    );
    assert_eq!(access["sessionToken"], FRESH.token, "{label}");
    assert_eq!(access["accountId"], ACCOUNT_ID, "{label}");
    let expires = unix(parse_timestamp(access["expiresAt"].as_str().unwrap()));
    let window = unix(before) + FRESH_LIFETIME..=unix(SystemTime::now()) + FRESH_LIFETIME;
    assert!(
        window.contains(&expires),
        "{label}: expiresAt {expires}, not in {window:?}"
    );
    assert_eq!(written["refreshToken"], ROTATED_TOKEN, "{label}");
    for (key, value) in [
        ("clientId", CLIENT_ID),
        ("idToken", ID_TOKEN),
        ("tokenType", "aws_sigv4"),
        ("dpopKey", signin.key.as_str()),
    ] {
        assert_eq!(written[key], value, "{label}: {key}");
    }
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{label}: the cache stays the owner's");
}

/// Checks that the last call Sign-In had was one good refresh with "rt".
fn assert_one_refresh(signin: &SignIn, calls: usize, label: &str) {
    let log = signin.calls();
    assert_eq!(log.len(), calls, "{label}: {log:?}");
    let last = &log[calls - 1];
    assert_eq!(
        (&last["status"], &last["token"], &last["dpop"]),
        (&json!(200), &json!("rt"), &json!("valid")),
        "{label}: {log:?}"
    );
}

#[test]
#[ignore = "needs python3, the AWS CLI with awscrt (pip install awscli awscrt) and openssl: run by .ci/run"]
fn an_expired_login_is_refreshed_with_a_dpop_proof_and_written_back() {
    let python = python();
    let signin = SignIn::start();
    let scratch = login_home();
    let env = signin.env();
    let expired = SystemTime::now() - hours(1);

    // Ours refreshes once, signs with the new keys, and writes them back.
    let path = signin.write_cache(&scratch, DEFAULT_CACHE, expired);
    let before = SystemTime::now();
    let ours = get(&scratch, BINARY, &[], &env);
    assert!(ours.status.success(), "ours: {}", text(&ours.stderr));
    let (signed_at, expiry) = assert_signed_with(&ours.stdout, FRESH, "ours");
    assert!(
        expiry.is_some_and(|e| e <= signed_at + 900 && e > signed_at),
        "{expiry:?}"
    );
    assert_one_refresh(&signin, 1, "ours");
    assert_refreshed(&path, &signin, before, "ours");

    // The AWS CLI takes ours' file as it is.
    let written = std::fs::read_to_string(&path).unwrap();
    let cli = get(&scratch, &python, AWS_CLI_HELPER, &env);
    assert!(
        cli.status.success(),
        "aws cli on ours' file: {}",
        text(&cli.stderr)
    );
    assert_signed_with(&cli.stdout, FRESH, "aws cli on ours' file");
    assert_eq!(signin.calls().len(), 1, "no second refresh");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);

    // The AWS CLI refreshes the same expired file, and ours takes its file.
    signin.write_cache(&scratch, DEFAULT_CACHE, expired);
    let before = SystemTime::now();
    let cli = get(&scratch, &python, AWS_CLI_HELPER, &env);
    assert!(cli.status.success(), "aws cli: {}", text(&cli.stderr));
    assert_signed_with(&cli.stdout, FRESH, "aws cli");
    assert_one_refresh(&signin, 2, "aws cli");
    assert_refreshed(&path, &signin, before, "aws cli");
    let ours = get(&scratch, BINARY, &[], &env);
    assert!(
        ours.status.success(),
        "ours on the CLI's file: {}",
        text(&ours.stderr)
    );
    assert_signed_with(&ours.stdout, FRESH, "ours on the CLI's file");
    assert_eq!(signin.calls().len(), 2, "ours takes the CLI's refresh");
}

// --- Lapsed, refused, unusable, hanging -------------------------------------

/// How a session fails, and what ours must say within what time.
#[derive(Debug, Clone, Copy)]
enum Lapse {
    /// Sign-In answers TOKEN_EXPIRED.
    Expired,
    /// Sign-In answers USER_CREDENTIALS_CHANGED.
    PasswordChanged,
    /// Sign-In answers INSUFFICIENT_PERMISSIONS.
    Denied,
    /// No cache file at all.
    NeverLoggedIn,
    /// The cache's DPoP key is not a key.
    BrokenKey,
    /// The cache holds another DPoP key than the session's: Sign-In
    /// refuses the proof.
    OtherKey,
    /// Nothing listens where Sign-In should be.
    Closed,
    /// Sign-In never answers.
    Hangs,
}

impl Lapse {
    /// Sets the failure up; the environment to run with.
    fn arrange(self, signin: &SignIn, scratch: &Scratch) -> Vec<(&'static str, String)> {
        let expired = SystemTime::now() - hours(1);
        if !matches!(self, Lapse::NeverLoggedIn) {
            let path = signin.write_cache(scratch, DEFAULT_CACHE, expired);
            let key = match self {
                Lapse::BrokenKey => {
                    "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n"
                        .to_owned()
                }
                Lapse::OtherKey => dpop_key(),
                _ => signin.key.clone(),
            };
            let mut cache: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            cache["dpopKey"] = json!(key);
            std::fs::write(&path, cache.to_string()).unwrap();
        }
        match self {
            Lapse::Expired => signin.mode("expired"),
            Lapse::PasswordChanged => signin.mode("changed"),
            Lapse::Denied => signin.mode("denied"),
            Lapse::Hangs => signin.mode("hang"),
            Lapse::NeverLoggedIn | Lapse::BrokenKey | Lapse::OtherKey | Lapse::Closed => {
                signin.mode("ok")
            }
        }
        match self {
            Lapse::Closed => vec![("AWS_ENDPOINT_URL_SIGNIN", NO_IMDS.to_owned())],
            _ => signin.env(),
        }
    }

    /// What ours' one line must say.
    fn message(self) -> &'static str {
        match self {
            Lapse::Expired | Lapse::NeverLoggedIn => {
                "the `aws login` session of profile signed has expired or is missing; run: aws login --profile signed"
            }
            Lapse::PasswordChanged => {
                "AWS Sign-In refused to refresh the `aws login` session of profile signed (the password changed after the login); run: aws login --profile signed"
            }
            Lapse::Denied => {
                "AWS Sign-In refused to refresh the `aws login` session of profile signed (no permission for signin:CreateOAuth2Token); run: aws login --profile signed"
            }
            Lapse::BrokenKey => "the cached `aws login` session of profile signed cannot be used (",
            Lapse::OtherKey => {
                "AWS Sign-In refused to refresh the `aws login` session of profile signed (ValidationException"
            }
            Lapse::Closed | Lapse::Hangs => {
                "could not reach AWS Sign-In to refresh the `aws login` session of profile signed: "
            }
        }
    }

    fn limit(self) -> Duration {
        match self {
            Lapse::Hangs => HANG_LIMIT,
            _ => LOGIN_LIMIT,
        }
    }
}

#[test]
#[ignore = "needs python3, the AWS CLI with awscrt (pip install awscli awscrt) and openssl: run by .ci/run"]
fn a_lapsed_refused_or_hanging_login_ends_in_one_line_in_time() {
    let python = python();
    let all = [
        Lapse::Expired,
        Lapse::PasswordChanged,
        Lapse::Denied,
        Lapse::NeverLoggedIn,
        Lapse::BrokenKey,
        Lapse::OtherKey,
        Lapse::Closed,
        Lapse::Hangs,
    ];
    for lapse in all {
        let signin = SignIn::start();
        let scratch = login_home();
        let env = lapse.arrange(&signin, &scratch);
        let mut command = scratch.command(BINARY);
        command
            .args(["--profile", PROFILE, "get"])
            .envs(env.iter().map(|(k, v)| (k, v)));
        let (out, took) = run_timed(command, &request(HOST, Some("v1/repos/myrepo")), KILL_AFTER);
        let stderr = text(&out.stderr);
        assert!(
            !out.status.success() && out.stdout.is_empty(),
            "{lapse:?}: {stderr}"
        );
        assert!(took < lapse.limit(), "{lapse:?} took {took:?}");
        assert_eq!(stderr.lines().count(), 1, "{lapse:?}: {stderr}");
        assert!(stderr.contains(lapse.message()), "{lapse:?}: {stderr}");
        if !matches!(lapse, Lapse::Closed | Lapse::Hangs) {
            assert!(stderr.contains(FIX), "{lapse:?}: {stderr}");
        }
        for secret in signin.secrets() {
            assert!(
                !stderr.contains(secret),
                "{lapse:?} shows a secret: {stderr}"
            );
        }
        // botocore fails too where its answer comes in time (it retries a
        // hanging endpoint for a minute).
        if !matches!(lapse, Lapse::Hangs) {
            let cli = get(&scratch, &python, AWS_CLI_HELPER, &env);
            assert!(
                !cli.status.success() && cli.stdout.is_empty(),
                "aws cli, {lapse:?}"
            );
        }
    }
}

#[test]
#[ignore = "needs python3, the AWS CLI with awscrt (pip install awscli awscrt) and openssl: run by .ci/run"]
fn a_cache_directory_with_a_tilde_is_an_error_naming_it() {
    let python = python();
    let signin = SignIn::start();
    let scratch = login_home();
    signin.write_cache(&scratch, "logins", SystemTime::now() + hours(1));
    let mut env = signin.env();
    env.push(("AWS_LOGIN_CACHE_DIRECTORY", "~/logins".to_owned()));
    // botocore expands it; aws-config, which reads the cache, would not.
    let cli = get(&scratch, &python, AWS_CLI_HELPER, &env);
    assert_signed_with(&cli.stdout, CACHED, "aws cli");
    let ours = get(&scratch, BINARY, &[], &env);
    assert!(!ours.status.success() && ours.stdout.is_empty());
    assert_eq!(
        text(&ours.stderr),
        "git-credential-mfa-codecommit: AWS_LOGIN_CACHE_DIRECTORY (~/logins) holds a ~ or a variable, which this helper does not expand; set it to the directory it stands for\n"
    );
}
