//! `get`: git's request in, a CodeCommit username and password out.
//!
//! ```text
//! request ─▶ CodeCommit host? ──no──▶ print nothing
//!               │yes
//!            plan: region, and the session the profile needs ─▶ none ─▶ base credentials ─┐
//!               │an MFA or role session                                                  │
//!            mfa: cached, or a code + STS ───────────────────────────────────────────────┤
//!                                                                                        ▼
//!                                  signature for (host, path, region, now) ─▶ answer to git
//! ```
//! A foreign host reads no AWS config; the answer is byte for byte the AWS
//! CLI's, with `password_expiry_utc` after it (or, for git 2.46 and later,
//! an ephemeral `Authorization` credential).

use std::io::{BufRead, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use zeroize::Zeroizing;

use crate::aws::{codecommit, sigv4};
use crate::cli::Args;
use crate::error::Error;
use crate::git::protocol::{Request, Response};
use crate::session::context::Context;
use crate::session::obtain::Sessions;
use crate::session::plan::Plan;

/// How long CodeCommit accepts a password after its timestamp.
pub const PASSWORD_LIFETIME: Duration = Duration::from_secs(15 * 60);

pub(super) fn run(
    args: &Args,
    ignore_host_check: bool,
    input: impl BufRead,
    output: impl Write,
    context: &Context,
) -> Result<(), Error> {
    let request = Request::read_from(input)?;
    match answer(args, ignore_host_check, &request, context)? {
        Some(answer) => Ok(answer.write_to(output)?),
        None => Ok(()),
    }
}

/// The answer for `request`; `None` for a host that is not CodeCommit's.
fn answer(
    args: &Args,
    ignore_host_check: bool,
    request: &Request,
    context: &Context,
) -> Result<Option<Response>, Error> {
    let Some(host) = codecommit_host(request, ignore_host_check)? else {
        return Ok(None);
    };
    let path = request.path.as_deref().ok_or(Error::NoPath)?;
    let plan = Plan::load_for_host(&args.flags(), &host, context)?;
    let ephemeral = request.has_capability("authtype");
    signed(&plan, &host, path, ephemeral, context).map(Some)
}

/// git's `host`, as DNS compares it, if this helper should answer for it:
/// HTTPS only, and a CodeCommit host unless the user's own helper line
/// says `--ignore-host-check`. Plain HTTP never gets an answer: anyone
/// on the path could replay the password.
pub(super) fn codecommit_host(
    request: &Request,
    ignore_host_check: bool,
) -> Result<Option<String>, Error> {
    if request.protocol.as_deref() != Some("https") {
        return Ok(None);
    }
    let host = codecommit::canonical_host(request.host.as_deref().unwrap_or_default());
    if !ignore_host_check && !codecommit::is_codecommit_host(&host) {
        return Ok(None);
    }
    if host.is_empty() {
        return Err(Error::NoHost);
    }
    Ok(Some(host))
}

/// The username and password `plan` gives for the repository at `host` and
/// `path` (git's, without the leading slash).
pub(super) fn signed(
    plan: &Plan,
    host: &str,
    path: &str,
    ephemeral: bool,
    context: &Context,
) -> Result<Response, Error> {
    let files = &plan.files;
    let region = &plan.region.name;
    let credentials = match &plan.need {
        Some(need) => Sessions::of(plan, context)
            .cached_or_new(need)?
            .credentials()
            .clone(),
        None => context.credentials.fetch(files, plan.keys(), region)?,
    };
    let now = context.clock.now();
    let path = codecommit::signed_path(path);
    let target = sigv4::Target {
        host: codecommit::signed_host(host),
        path: &path,
        region,
    };
    context.log.step(&format!(
        "signing for {} {} in {region} with key {}",
        target.host,
        target.path,
        credentials.access_key_id()
    ));
    Ok(response(&credentials, &target, now, ephemeral))
}

fn response(
    credentials: &Credentials,
    target: &sigv4::Target,
    now: SystemTime,
    ephemeral: bool,
) -> Response {
    Response {
        ephemeral,
        username: Zeroizing::new(sigv4::username(
            credentials.access_key_id(),
            credentials.session_token(),
        )),
        password: Zeroizing::new(sigv4::password(
            credentials.secret_access_key(),
            target,
            now,
        )),
        password_expiry_utc: Some(unix_seconds(password_expiry(now, credentials.expiry()))),
    }
}

/// The earlier of the password's own end and the credentials' expiry.
fn password_expiry(signed_at: SystemTime, credentials_expiry: Option<SystemTime>) -> SystemTime {
    let password_end = signed_at + PASSWORD_LIFETIME;
    credentials_expiry.map_or(password_end, |expiry| expiry.min(password_end))
}

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
