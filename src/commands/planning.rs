//! What a command acts on: the CodeCommit host in git's request (or none,
//! for hosts this helper leaves alone), and the plan for the selected
//! profile; the command line turned into the plan's typed flags.

use crate::aws::codecommit;
use crate::aws::settings::Settings;
use crate::cli::Args;
use crate::error::Error;
use crate::git::protocol::Request;
use crate::session::context::Context;
use crate::session::plan::{self, Need, Plan};

/// The command line's say in which session a profile calls for.
pub(super) fn flags(args: &Args) -> plan::Flags<'_> {
    plan::Flags {
        profile: args.profile.as_deref(),
        region: args.region.as_deref(),
        mfa_serial: args.mfa_serial.as_deref(),
        duration: args.duration,
    }
}

/// The selected profile's settings.
pub(super) fn settings(args: &Args, context: &Context) -> Result<Settings, Error> {
    Ok(Settings::load(
        args.profile.as_deref(),
        &context.env,
        &context.fs,
    )?)
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

/// The plan for signing for `host`.
pub(super) fn for_host(args: &Args, host: &str, context: &Context) -> Result<Plan, Error> {
    let settings = settings(args, context)?;
    let instance = context.instance;
    Ok(Plan::for_host(
        &flags(args),
        settings,
        host,
        &context.env,
        instance,
    )?)
}

/// The plan for calling STS alone: a session no repository places.
pub(super) fn for_sts(args: &Args, context: &Context) -> Result<Plan, Error> {
    let settings = settings(args, context)?;
    Ok(Plan::for_sts(&flags(args), settings, &context.env)?)
}

/// The MFA session `plan` calls for; an error when it calls for none.
pub(super) fn selected_need(plan: &Plan) -> Result<&Need, Error> {
    plan.need
        .as_ref()
        .ok_or_else(|| Error::NoMfaSerial(plan.settings.name().to_owned()))
}
