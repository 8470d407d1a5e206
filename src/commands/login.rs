//! `login`, `logout` and `status`, for people in a terminal: `login` (prompt
//! now and cache the session, finding the MFA device first when the profile
//! names none), `logout` (drop cached sessions) and `status` (what is
//! cached and until when). They print names, device ARNs and times, never a
//! secret.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use crate::aws::files::SharedFiles;
use crate::cli::Args;
use crate::error::Error;
use crate::os::printable::printable;
use crate::session::context::Context;
use crate::session::plan::{self, Flags, Plan};
use crate::session::store::{self, CacheKey};
use crate::session::{discovery, obtain};

/// Prompts for a code now, caches the new session, prints its expiry.
pub(super) fn login(args: &Args, mut out: impl Write, context: &Context) -> Result<(), Error> {
    let mut plan = Plan::load_for_sts(&args.flags(), context)?;
    // An IAM user's profile without a device: find it, record it, and read
    // the profile again.
    if plan.is_user_without_device() {
        discovery::discover(&plan, &mut out, context)?;
        plan = Plan::load_for_sts(&args.flags(), context)?;
    }
    let need = plan.mfa_need()?;
    let session = obtain::Sessions::of(&plan, context).new_session(need)?;
    obtain::save(need, &session, context);
    let line = format!(
        "MFA session for profile {} ({}) valid until {}",
        need.key.profile,
        need.key.mfa_serial,
        utc(session.expiry())
    );
    writeln!(out, "{}", printable(&line)).map_err(Error::Output)
}

/// Removes the selected profile's cached session, or with `all` every
/// profile's that names an MFA device.
pub(super) fn logout(
    args: &Args,
    all: bool,
    mut out: impl Write,
    context: &Context,
) -> Result<(), Error> {
    for key in keys(args, all, context)? {
        let removed = context.store.delete(&key)?;
        let what = if removed {
            "removed the MFA session"
        } else {
            "no cached MFA session"
        };
        let line = format!("{what} for profile {} ({})", key.profile, key.mfa_serial);
        writeln!(out, "{}", printable(&line)).map_err(Error::Output)?;
    }
    Ok(())
}

/// Lists every MFA profile's cached session and its expiry.
pub(super) fn status(args: &Args, mut out: impl Write, context: &Context) -> Result<(), Error> {
    let now = context.clock.now();
    for key in keys(args, true, context)? {
        let state = match context.store.load(&key) {
            Ok(Some(session)) if session.expiry() > now => {
                format!("valid until {}", utc(session.expiry()))
            }
            Ok(Some(session)) => format!("expired at {}", utc(session.expiry())),
            Ok(None) => "no cached session".to_owned(),
            Err(store::Error::Unreadable { .. }) => {
                "unreadable cached session (the next login replaces it)".to_owned()
            }
            Err(error) => return Err(error.into()),
        };
        let (profile, serial) = (printable(&key.profile), printable(&key.mfa_serial));
        writeln!(out, "{profile}\t{serial}\t{state}").map_err(Error::Output)?;
    }
    Ok(())
}

/// The cache keys of the selected profile, or of every profile that calls
/// for an MFA session.
pub(super) fn keys(args: &Args, all: bool, context: &Context) -> Result<Vec<CacheKey>, Error> {
    let files = SharedFiles::load(args.profile.as_deref(), &context.env, &context.fs)?;
    if all {
        return Ok(every_key(&files));
    }
    let need = plan::need(&args.flags(), &files, files.selected())?;
    let need = need.ok_or_else(|| plan::Error::NoMfaSerial(files.selected().to_owned()))?;
    Ok(vec![need.key])
}

/// The cache keys of every profile that calls for an MFA session.
pub(super) fn every_key(files: &SharedFiles) -> Vec<CacheKey> {
    files
        .profile_names()
        // A profile whose MFA settings are broken has no session to show.
        .filter_map(|name| plan::need(&Flags::default(), files, name).ok()?)
        .map(|need| need.key)
        .collect()
}

/// `time` in UTC; a time past chrono's range (only a corrupt keyring entry
/// holds one) is shown as such instead of panicking.
pub(super) fn utc(time: SystemTime) -> String {
    time.duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|since| i64::try_from(since.as_secs()).ok())
        .and_then(|seconds| DateTime::<Utc>::from_timestamp(seconds, 0))
        .map_or_else(
            || "beyond the year 262142".to_owned(),
            |time| time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_past_chronos_range_are_shown_without_panicking() {
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
            "2023-11-14 22:13:20 UTC"
        );
        // Windows' SystemTime ends in the year 30828, inside chrono's range.
        if let Some(beyond) = UNIX_EPOCH.checked_add(Duration::from_secs(i64::MAX as u64)) {
            assert_eq!(utc(beyond), "beyond the year 262142");
        }
    }
}
