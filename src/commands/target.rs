//! What a command acts on: the CodeCommit host in git's request (or none,
//! for hosts this helper leaves alone), the selected profile, and the plan
//! for them; the command line turned into the plan's typed flags.

use crate::aws::settings::Settings;
use crate::cli::Args;
use crate::error::Error;
use crate::git::protocol::Request;
use crate::session::context::Context;
use crate::session::plan::{self, Need};

/// STS's region when neither `--region` nor the profile names one.
pub(super) const DEFAULT_STS_REGION: &str = "us-east-1";

/// The command line's say in which session a profile calls for.
pub(super) fn flags(args: &Args) -> plan::Flags<'_> {
    plan::Flags {
        profile: args.profile.as_deref(),
        region: args.region.as_deref(),
        mfa_serial: args.mfa_serial.as_deref(),
        duration: args.duration.as_deref(),
    }
}

/// The selected profile.
pub(super) fn profile(args: &Args, context: &Context) -> Result<Settings, Error> {
    Ok(Settings::load(
        args.profile.as_deref(),
        &context.env,
        &context.fs,
    )?)
}

/// git's `host`, if this helper should answer for it.
pub(super) fn codecommit_host(
    request: &Request,
    ignore_host_check: bool,
) -> Result<Option<&str>, Error> {
    let host = request.host.as_deref().unwrap_or_default();
    if !ignore_host_check && !crate::aws::codecommit::is_codecommit_host(host) {
        return Ok(None);
    }
    if host.is_empty() {
        return Err(Error::NoHost);
    }
    Ok(Some(host))
}

/// The profile, the region to sign `host` in, and the MFA session the
/// profile calls for, if any.
pub(super) fn planned(
    args: &Args,
    host: &str,
    context: &Context,
) -> Result<(Settings, String, Option<Need>), Error> {
    let profile = profile(args, context)?;
    let (region, need) = plan::for_host(&flags(args), &profile, host, &context.env)?;
    Ok((profile, region, need))
}

/// The MFA session the selected profile (or `--mfa-serial`) calls for, STS
/// called in `region`; an error when it calls for none.
pub(super) fn selected_need(args: &Args, profile: &Settings, region: &str) -> Result<Need, Error> {
    plan::need(&flags(args), profile, profile.name(), region)?
        .ok_or_else(|| Error::NoMfaSerial(profile.name().to_owned()))
}

/// `--region`, else the profile's region, else [`DEFAULT_STS_REGION`]: where
/// STS is called for a session no repository host places.
pub(super) fn sts_region(
    args: &Args,
    profile: &Settings,
    context: &Context,
) -> Result<String, Error> {
    Ok(plan::region(&flags(args), profile, &context.env)?
        .unwrap_or_else(|| DEFAULT_STS_REGION.to_owned()))
}
