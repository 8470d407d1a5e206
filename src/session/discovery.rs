//! Finding the MFA device of a profile that names none, for `login`: who
//! the profile's keys belong to (`sts:GetCallerIdentity`), that IAM user's
//! devices (`iam:ListMFADevices`, which AWS's standard "force MFA" policy
//! allows without MFA, so it works before the first session), the user's
//! pick when there are several, and `mfa_serial` recorded in the profile of
//! the config file as `aws configure set` records it.
//!
//! Only `login` comes here: a git process never calls IAM or writes the
//! user's config. Nothing is written unless exactly one device was chosen,
//! and only the one line `aws configure set` would change or add.

use std::io::Write;
use std::path::Path;

use crate::aws::files::disk;
use crate::aws::files::{Kind, writer};
use crate::aws::iam::{self, DeviceRequest};
use crate::aws::{credentials, sts};
use crate::os::printable::printable;
use crate::prompt;
use crate::session::context::Context;
use crate::session::plan::Plan;

/// Where MFA devices are made, for the messages.
const CONSOLE: &str = "the IAM console's Security credentials page";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Credentials(#[from] credentials::Error),
    #[error(transparent)]
    Sts(#[from] sts::Error),
    #[error("{0}; pass --mfa-serial with your device's ARN ({CONSOLE} shows it)")]
    Iam(#[from] iam::Error),
    #[error(
        "profile {profile} signs as {arn}, not as an IAM user, so it has no MFA device of its own; add mfa_serial to the profile"
    )]
    NotAUser { profile: String, arn: String },
    #[error("{arn} has no MFA device; add one on {CONSOLE}, then run login again")]
    NoDevice { arn: String },
    #[error("{arn} has several MFA devices ({}); pass --mfa-serial with one of them", .serials.join(", "))]
    Several { arn: String, serials: Vec<String> },
    #[error(transparent)]
    Prompt(prompt::Error),
    #[error("cannot record mfa_serial: {0}")]
    Unwritable(#[from] disk::Error),
}

/// Finds the MFA device of the selected profile (an IAM user's, with no
/// `mfa_serial`), records it in the config file, says so on `out`, and
/// returns its ARN.
pub fn discover(plan: &Plan, out: &mut dyn Write, context: &Context) -> Result<String, Error> {
    let files = &plan.files;
    let name = files.selected();
    let region = &plan.region.name;
    let base = context.credentials.fetch(files, plan.keys(), region)?;
    let caller = sts::Caller {
        base: &base,
        region,
        files,
    };
    let arn = context.sts.caller_identity(&caller)?.arn;
    let user_name = user_name(&arn).ok_or_else(|| Error::NotAUser {
        profile: name.to_owned(),
        arn: arn.clone(),
    })?;
    let mut serials = context.devices.list(&DeviceRequest {
        base: &base,
        user_name,
        region,
        files,
        env: &context.env,
        now: context.clock.now(),
    })?;
    let serial = match serials.len() {
        0 => return Err(Error::NoDevice { arn }),
        1 => serials.remove(0),
        _ => {
            let title = format!("{arn} has {} MFA devices:", serials.len());
            match context.prompt.choose(&title, &serials) {
                Ok(index) => serials.swap_remove(index),
                Err(error) if error.stops_git() => return Err(Error::Prompt(error)),
                Err(_) => return Err(Error::Several { arn, serials }),
            }
        }
    };
    let path = files.path(Kind::Config);
    record(path, name, &serial)?;
    let line = format!(
        "found MFA device {serial}; recorded it as mfa_serial of profile {name} in {}",
        path.display()
    );
    let _ = writeln!(out, "{}", printable(&line));
    Ok(serial)
}

/// The IAM user name in a caller ARN (`arn:aws:iam::1:user/path/NAME`),
/// `Some(None)` for the root user (IAM then lists the caller's own), `None`
/// for anything that is not an IAM user (an assumed role, a federated user).
pub fn user_name(arn: &str) -> Option<Option<&str>> {
    let resource = arn.splitn(6, ':').nth(5)?;
    if resource == "root" {
        return Some(None);
    }
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .map(Some)
}

/// Sets `mfa_serial = serial` in profile `name` of the config file at
/// `path`, as `aws configure set` does.
fn record(path: &Path, name: &str, serial: &str) -> Result<(), Error> {
    let contents = disk::read(path)?;
    let text = writer::set(
        contents.as_deref(),
        &writer::section_for(name),
        "mfa_serial",
        serial,
    )
    .map_err(|error| disk::Error::refused(path, error))?;
    Ok(disk::write(path, &text, contents.is_some())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_come_from_iam_user_arns_only() {
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/alice"),
            Some(Some("alice"))
        );
        assert_eq!(
            user_name("arn:aws-cn:iam::123456789012:user/team/ops/bob"),
            Some(Some("bob"))
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:root"), Some(None));
        assert_eq!(
            user_name("arn:aws:sts::123456789012:assumed-role/r/s"),
            None
        );
        assert_eq!(
            user_name("arn:aws:sts::123456789012:federated-user/f"),
            None
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:user/"), None);
        assert_eq!(user_name("nonsense"), None);
    }
}
