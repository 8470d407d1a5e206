//! The session commands, for people in a terminal: `login` (prompt now and
//! cache the session, finding the MFA device first when the profile names
//! none), `logout` (drop cached sessions) and `status` (what is
//! cached and until when). They print names, device ARNs and times, never a
//! secret.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Utc};

use super::target::{DEFAULT_STS_REGION, profile, selected_need, sts_region};
use crate::cli::Args;
use crate::error::Error;
use crate::session::context::Context;
use crate::session::plan::{self, Flags};
use crate::session::store::{self, CacheKey};
use crate::session::{discovery, obtain};

/// Prompts for a code now, caches the new session, prints its expiry.
pub(super) fn login(args: &Args, mut out: impl Write, context: &Context) -> Result<(), Error> {
    let mut profile = profile(args, context)?;
    let region = sts_region(args, &profile, context)?;
    let need = match selected_need(args, &profile, &region) {
        // An IAM user's profile without a device: find it, record it, and
        // read the profile again.
        Err(Error::NoMfaSerial(_)) if profile.get_in(profile.name(), "role_arn")?.is_none() => {
            discovery::discover(
                &profile,
                args.profile.as_deref(),
                &region,
                &mut out,
                context,
            )?;
            profile = super::target::profile(args, context)?;
            selected_need(args, &profile, &region)?
        }
        need => need?,
    };
    let session = obtain::new_session(&need, profile.files(), context)?;
    obtain::save(&need, &session, context);
    writeln!(
        out,
        "MFA session for profile {} ({}) valid until {}",
        need.key.profile,
        need.key.mfa_serial,
        utc(session.expiry())
    )
    .map_err(Error::output)
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
        writeln!(
            out,
            "{what} for profile {} ({})",
            key.profile, key.mfa_serial
        )
        .map_err(Error::output)?;
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
        writeln!(out, "{}\t{}\t{state}", key.profile, key.mfa_serial).map_err(Error::output)?;
    }
    Ok(())
}

/// The cache keys of the selected profile, or of every profile that calls
/// for an MFA session.
pub(super) fn keys(args: &Args, all: bool, context: &Context) -> Result<Vec<CacheKey>, Error> {
    let profile = profile(args, context)?;
    if !all {
        return Ok(vec![selected_need(args, &profile, DEFAULT_STS_REGION)?.key]);
    }
    let mut keys = Vec::new();
    for name in profile.names() {
        // A profile whose MFA settings are broken has no session to show.
        if let Ok(Some(need)) = plan::need(&Flags::default(), &profile, name, DEFAULT_STS_REGION) {
            keys.push(need.key);
        }
    }
    Ok(keys)
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
        assert_eq!(
            utc(UNIX_EPOCH + Duration::from_secs(i64::MAX as u64)),
            "beyond the year 262142"
        );
    }
}
