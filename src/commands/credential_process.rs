//! `credential-process`: the selected profile's MFA session (the IAM user's,
//! or the role session of a role profile with MFA: the entries `get` caches)
//! printed for the AWS CLI and SDKs, which run it as a profile's
//! `credential_process`. One prompt then serves git and every AWS tool for
//! the session's life.
//!
//! stdout gets one JSON object, `Version` 1 with the keys, the token and the
//! expiry in RFC 3339 UTC, and nothing else; any failure is one line on
//! stderr and nothing on stdout. The AWS tools capture both streams, so the
//! prompt is on the terminal (`/dev/tty`) or an askpass program, as for git.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::DateTime;

use crate::cli::Args;
use crate::error::Error;
use crate::os::json::{self, Member};
use crate::session::context::Context;
use crate::session::obtain::Sessions;
use crate::session::plan::Plan;

pub(super) fn run(args: &Args, mut out: impl Write, context: &Context) -> Result<(), Error> {
    let plan = Plan::load_for_sts(&args.flags(), context)?;
    let session = Sessions::of(&plan, context).cached_or_new(plan.mfa_need()?)?;
    let credentials = session.credentials();
    let expiration = rfc3339(session.expiry()).ok_or(Error::BadExpiry)?;
    let mut line = json::write_object(&[
        ("Version", Member::Whole(1)),
        ("AccessKeyId", Member::Text(credentials.access_key_id())),
        (
            "SecretAccessKey",
            Member::Text(credentials.secret_access_key()),
        ),
        ("SessionToken", Member::Text(session.session_token())),
        ("Expiration", Member::Text(&expiration)),
    ]);
    line.push('\n');
    out.write_all(line.as_bytes()).map_err(Error::Output)
}

/// `time` as `2024-02-29T23:59:59Z`; `None` past chrono's range.
fn rfc3339(time: SystemTime) -> Option<String> {
    let seconds = i64::try_from(time.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
    let time = DateTime::from_timestamp(seconds, 0)?;
    Some(time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn expirations_are_rfc3339_utc() {
        let time = UNIX_EPOCH + Duration::from_secs(1_709_251_199);
        assert_eq!(rfc3339(time).as_deref(), Some("2024-02-29T23:59:59Z"));
        // Windows' SystemTime ends in the year 30828, inside chrono's range.
        if let Some(beyond) = UNIX_EPOCH.checked_add(Duration::from_secs(u64::MAX / 2)) {
            assert_eq!(rfc3339(beyond), None);
        }
    }
}
