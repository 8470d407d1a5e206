//! One run of the helper, from git's request to the answer on stdout.
//!
//! ```text
//! request ─▶ CodeCommit host? ──no──▶ print nothing
//!               │yes
//!            path, region, profile ─▶ mfa_serial? ──no──▶ base credentials ─┐
//!                (the profile's, or its source profile's)                   │
//!                                        │yes                               │
//!                  MFA or role session (cache, or code + STS) ──────────────┤
//!                                                                           ▼
//!                                password for (host, path, region, now) ─▶ git
//! ```
//! Everything outside the process comes in through [`Context`], so tests run
//! the whole flow on byte buffers and doubles. Work is done only when needed:
//! a foreign host reads no AWS config, `store` reads nothing at all.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::{Env, Fs};

use crate::cache::{CacheKey, SessionStore};
use crate::cli::{Args, Operation};
use crate::credentials::{CredentialSource, ROLE_SESSION_NAME};
use crate::error::Error;
use crate::log::Log;
use crate::mfa::{self, Kind, Need, Role, RoleBase};
use crate::prompt::TotpPrompt;
use crate::protocol::{Request, Response};
use crate::sts::TokenIssuer;
use crate::{codecommit, commands, config, sigv4};

/// How long CodeCommit accepts a password after its timestamp.
pub const PASSWORD_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The time, read when needed.
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
    pub prompt: &'a dyn TotpPrompt,
    pub issuer: &'a dyn TokenIssuer,
    pub store: &'a dyn SessionStore,
    /// Where the cross-process lock files live.
    pub lock_dir: PathBuf,
    /// A cached session is renewed this long before it expires.
    pub refresh_window: Duration,
    pub log: &'a dyn Log,
}

/// Runs `args.operation` with git's request on `input`, the answer to `output`.
///
/// When the user cancels the MFA prompt (or it gets a SIGINT), git is told
/// `quit=1` so that it stops instead of asking for a username; the error is
/// still returned.
pub fn run(
    args: &Args,
    input: impl BufRead,
    mut output: impl Write,
    context: &Context,
) -> Result<(), Error> {
    let result = match &args.operation {
        Operation::Get { ignore_host_check } => {
            let request = Request::read_from(input)?;
            get(args, *ignore_host_check, &request, context).and_then(|answer| {
                answer.map_or(Ok(()), |answer| Ok(answer.write_to(&mut output)?))
            })
        }
        Operation::Erase => erase(args, &Request::read_from(input)?, context),
        Operation::Login => commands::login(args, &mut output, context),
        Operation::Logout { all } => commands::logout(args, *all, &mut output, context),
        Operation::Status => commands::status(args, &mut output, context),
        Operation::Setup { scope, vpce, undo } => {
            crate::setup::run(args, *scope, *vpce, *undo, &mut output).map_err(Error::from)
        }
        // Nothing is stored by git's `store`; git's request is not even read
        // (git ignores SIGPIPE from helpers).
        Operation::Store | Operation::Other(_) => Ok(()),
    };
    if let Err(Error::Prompt(error)) = &result
        && error.stops_git()
    {
        // Best effort: git may already be gone.
        let _ = output.write_all(b"quit=1\n");
    }
    result
}

fn get(
    args: &Args,
    ignore_host_check: bool,
    request: &Request,
    context: &Context,
) -> Result<Option<Response>, Error> {
    let Some(host) = codecommit_host(request, ignore_host_check)? else {
        return Ok(None);
    };
    let path = codecommit::signed_path(request.path.as_deref().ok_or(Error::NoPath)?);
    let (profile, region, need) = plan(args, host, context)?;
    let credentials = match &need {
        Some(need) => mfa::session(need, profile.files(), context)?
            .credentials()
            .clone(),
        None => {
            context
                .credentials
                .credentials(profile.files(), args.profile.as_deref(), &region)?
        }
    };
    let now = context.clock.now();
    let target = sigv4::Target {
        host: codecommit::signed_host(host),
        path: &path,
        region: &region,
    };
    context.log.step(&format!(
        "signing for {} {} in {region} with key {}",
        target.host,
        target.path,
        credentials.access_key_id()
    ));
    Ok(Some(answer(
        &credentials,
        &target,
        now,
        request.has_capability("authtype"),
    )))
}

/// git's `host`, if this helper should answer for it.
fn codecommit_host(request: &Request, ignore_host_check: bool) -> Result<Option<&str>, Error> {
    let host = request.host.as_deref().unwrap_or_default();
    if !ignore_host_check && !codecommit::is_codecommit_host(host) {
        return Ok(None);
    }
    if host.is_empty() {
        return Err(Error::NoHost);
    }
    Ok(Some(host))
}

fn answer(
    credentials: &Credentials,
    target: &sigv4::Target,
    now: SystemTime,
    ephemeral: bool,
) -> Response {
    Response {
        ephemeral,
        username: sigv4::username(credentials.access_key_id(), credentials.session_token()),
        password: sigv4::password(credentials.secret_access_key(), target, now),
        password_expiry_utc: Some(unix_seconds(password_expiry(now, credentials.expiry()))),
    }
}

/// The profile, the region to sign for, and the MFA session the profile
/// calls for, if any.
fn plan(
    args: &Args,
    host: &str,
    context: &Context,
) -> Result<(config::Profile, String, Option<Need>), Error> {
    let profile = config::Profile::load(args.profile.as_deref(), &context.env, &context.fs)?;
    let region = match codecommit::region_from_host(host) {
        Some(region) => region.to_owned(),
        None => {
            region(args, &profile, &context.env)?.ok_or_else(|| Error::NoRegion(host.to_owned()))?
        }
    };
    let need = mfa_need(&Flags::from(args), &profile, profile.name(), &region)?;
    Ok((profile, region, need))
}

/// `--region`, else the environment's or profile's region, as the AWS CLI
/// reads them; an empty `--region` is an error.
pub fn region(args: &Args, profile: &config::Profile, env: &Env) -> Result<Option<String>, Error> {
    match args.region.as_deref() {
        Some("") => Err(Error::EmptyRegion),
        Some(region) => Ok(Some(region.to_owned())),
        None => Ok(profile.region(env)?),
    }
}

/// The command line's say in which session a profile calls for.
#[derive(Debug, Default, Clone, Copy)]
pub struct Flags<'a> {
    pub profile: Option<&'a str>,
    pub mfa_serial: Option<&'a str>,
    pub duration: Option<&'a str>,
}

impl<'a> From<&'a Args> for Flags<'a> {
    fn from(args: &'a Args) -> Self {
        Flags {
            profile: args.profile.as_deref(),
            mfa_serial: args.mfa_serial.as_deref(),
            duration: args.duration.as_deref(),
        }
    }
}

/// The MFA session profile `name` (or `--mfa-serial`) calls for: an IAM
/// user's session, a role assumed with MFA, or a role assumed on the source
/// profile's MFA session. `None`: the credential chain alone will do.
pub fn mfa_need(
    flags: &Flags,
    profile: &config::Profile,
    name: &str,
    region: &str,
) -> Result<Option<Need>, Error> {
    let own_serial = match flags.mfa_serial {
        Some(serial) => Some(serial),
        None => profile.get_in(name, "mfa_serial")?,
    };
    let mfa_process = profile.get_in(name, "mfa_process")?.map(str::to_owned);
    let need = |serial: &str, role_arn: Option<&str>, duration, kind| Need {
        key: CacheKey {
            profile: name.to_owned(),
            mfa_serial: serial.to_owned(),
            role_arn: role_arn.map(str::to_owned),
        },
        explicit_profile: flags.profile.map(str::to_owned),
        region: region.to_owned(),
        duration,
        mfa_process: mfa_process.clone(),
        kind,
    };
    let flag = flags.duration;
    let Some(role_arn) = profile.get_in(name, "role_arn")? else {
        return Ok(match own_serial {
            Some(serial) => Some(need(
                serial,
                None,
                profile.session_duration(name, flag)?,
                Kind::UserSession,
            )),
            None => None,
        });
    };
    let source = profile.get_in(name, "source_profile")?;
    // A source profile of an IAM user with an MFA device: chain on its
    // session, the one `--profile <source>` would use.
    let user_source = match source {
        Some(source) if profile.get_in(source, "role_arn")?.is_none() => Some(source),
        _ => None,
    };
    let source_session = match user_source {
        Some(source) => {
            let source_flags = Flags {
                profile: Some(source),
                ..Flags::default()
            };
            mfa_need(&source_flags, profile, source, region)?
        }
        None => None,
    };
    let (serial, base) = match (source_session, own_serial) {
        (Some(source_need), _) => (
            own_serial.map_or_else(|| source_need.key.mfa_serial.clone(), str::to_owned),
            RoleBase::Session(Box::new(source_need)),
        ),
        (None, Some(serial)) => {
            let base = match (source, profile.get_in(name, "credential_source")?) {
                (Some(source), _) => RoleBase::Profile(source.to_owned()),
                (None, Some(credential_source)) => {
                    RoleBase::CredentialSource(credential_source.to_owned())
                }
                (None, None) => return Err(Error::RoleWithoutSource(name.to_owned())),
            };
            (serial.to_owned(), base)
        }
        // A role without MFA: aws-config's chain assumes it.
        (None, None) => return Ok(None),
    };
    let role = Role {
        role_arn: role_arn.to_owned(),
        session_name: profile
            .get_in(name, "role_session_name")?
            .unwrap_or(ROLE_SESSION_NAME)
            .to_owned(),
        external_id: profile.get_in(name, "external_id")?.map(str::to_owned),
        base,
    };
    Ok(Some(need(
        &serial,
        Some(role_arn),
        profile.role_duration(name, flag)?,
        Kind::Role(role),
    )))
}

/// git rejected credentials (HTTP 401): if they came from the cached MFA
/// session, drop that session so that the next `get` makes a new one.
fn erase(args: &Args, request: &Request, context: &Context) -> Result<(), Error> {
    let (Some(host), Some(username)) = (codecommit_host(request, false)?, &request.username) else {
        return Ok(());
    };
    let Some(need) = plan(args, host, context)?.2 else {
        return Ok(());
    };
    let key_id = username.split('%').next().unwrap_or_default();
    mfa::forget_if_issued(&need, key_id, context);
    Ok(())
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
