//! One run of the helper, from git's request to the answer on stdout.
//!
//! ```text
//! request ─▶ CodeCommit host? ──no──▶ print nothing
//!               │yes
//!            path, region ─▶ credentials ─▶ password for (host, path, region, now) ─▶ git
//! ```
//! Everything outside the process comes in through [`Context`], so tests run
//! the whole flow on byte buffers, a fixed clock and scripted credentials.
//! Work is done only when needed: a foreign host reads no AWS config, and the
//! config files are read only when neither the host nor `--region` names the
//! region.

use std::io::{BufRead, Write};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_types::os_shim_internal::{Env, Fs};

use crate::cli::{Args, Operation};
use crate::credentials::CredentialSource;
use crate::error::Error;
use crate::protocol::{Request, Response};
use crate::{codecommit, config, sigv4};

/// How long CodeCommit accepts a password after its timestamp.
pub const PASSWORD_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The time, read when the password is signed.
pub trait Clock {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The world outside the process, as the flow sees it.
pub struct Context<'a> {
    pub env: Env,
    pub fs: Fs,
    pub clock: &'a dyn Clock,
    pub credentials: &'a dyn CredentialSource,
}

/// Runs `args.operation` with git's request on `input`, the answer to `output`.
pub fn run(
    args: &Args,
    input: impl BufRead,
    output: impl Write,
    context: &Context,
) -> Result<(), Error> {
    match args.operation {
        Operation::Get { ignore_host_check } => {
            let request = Request::read_from(input)?;
            if let Some(response) = get(args, ignore_host_check, &request, context)? {
                response.write_to(output)?;
            }
            Ok(())
        }
        // Nothing is stored, so there is nothing to store or erase; git's
        // request is not even read (git ignores SIGPIPE from helpers).
        Operation::Store | Operation::Erase | Operation::Other(_) => Ok(()),
    }
}

fn get(
    args: &Args,
    ignore_host_check: bool,
    request: &Request,
    context: &Context,
) -> Result<Option<Response>, Error> {
    let host = request.host.as_deref().unwrap_or_default();
    if !ignore_host_check && !codecommit::is_codecommit_host(host) {
        return Ok(None);
    }
    if host.is_empty() {
        return Err(Error::NoHost);
    }
    let path = codecommit::signed_path(request.path.as_deref().ok_or(Error::NoPath)?);
    let region = region(args, host, context)?;
    let credentials = context
        .credentials
        .credentials(args.profile.as_deref(), &region)?;
    let now = context.clock.now();
    let target = sigv4::Target {
        host: codecommit::signed_host(host),
        path: &path,
        region: &region,
    };
    Ok(Some(Response {
        username: sigv4::username(credentials.access_key_id(), credentials.session_token()),
        password: sigv4::password(credentials.secret_access_key(), &target, now),
        password_expiry_utc: Some(unix_seconds(password_expiry(now, credentials.expiry()))),
    }))
}

/// The host's region, else `--region`, else the environment's or profile's.
fn region(args: &Args, host: &str, context: &Context) -> Result<String, Error> {
    if let Some(region) = codecommit::region_from_host(host) {
        return Ok(region.to_owned());
    }
    if let Some(region) = args.region.as_deref().filter(|region| !region.is_empty()) {
        return Ok(region.to_owned());
    }
    config::Profile::load(args.profile.as_deref(), &context.env, &context.fs)?
        .region(&context.env)
        .ok_or_else(|| Error::NoRegion(host.to_owned()))
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
