//! A fake IAM Identity Center for tests: the SSO portal and SSO-OIDC
//! endpoint of `tests/support/sso_server.py` on 127.0.0.1 (a
//! [`FakeService`]), the token cache the AWS CLI writes beside it, and the
//! clock helpers its tests share.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, Utc};
use git_credential_mfa_codecommit::aws::sigv4;
use serde_json::{Value, json};

use crate::support::codecommit_server::HOST;
use crate::support::fake_service::FakeService;
use crate::support::{Scratch, attribute, start};

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

/// `tests/support/sso_server.py` on 127.0.0.1; killed when the handle drops.
pub struct Portal {
    pub(crate) fake: FakeService,
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

/// When a run is killed: past both limits, so that a hang fails a test
/// instead of holding it up.
pub(crate) const KILL_AFTER: Duration = Duration::from_secs(8);

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

pub(crate) const CONFIG: &str = "\
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

pub(crate) const REGION: &str = "us-east-1";

pub(crate) fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
