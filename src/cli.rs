//! The command line: the AWS CLI's `codecommit credential-helper` shapes.
//!
//! `[--profile P] [--region R] get [--ignore-host-check]`, `store`, `erase`,
//! with the global flags accepted before or after the operation, plus the MFA
//! flags and the commands for people (`login`, `logout`, `status`). Any other
//! operation is kept, so that the helper can ignore it silently as git expects
//! of helpers (git may learn new operations). Parsing only; no I/O.

use std::ffi::OsString;

use clap::{Parser, Subcommand};

/// git credential helper for AWS CodeCommit: signs git's HTTPS requests with
/// your AWS credentials, a drop-in for `aws codecommit credential-helper`.
#[derive(Debug, Parser)]
#[command(name = "git-credential-mfa-codecommit", version)]
pub struct Args {
    /// AWS profile to use (default: AWS_PROFILE, else `default`).
    #[arg(long, global = true, value_name = "PROFILE")]
    pub profile: Option<String>,
    /// Region to sign for when the host does not name one.
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// MFA device ARN (default: the profile's mfa_serial).
    #[arg(long, global = true, value_name = "ARN")]
    pub mfa_serial: Option<String>,
    /// MFA session length in seconds, 900 to 129600 (default: the profile's
    /// duration_seconds, else 43200).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub duration: Option<String>,
    /// Print each step on stderr (secrets redacted).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub operation: Operation,
}

#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum Operation {
    /// Print a username and password for the request git sends on stdin.
    Get {
        /// Answer for any host, not only Amazon ones.
        #[arg(long)]
        ignore_host_check: bool,
    },
    /// Does nothing: passwords are computed afresh for every request.
    Store,
    /// Drops the cached MFA session if git rejected a password made with it.
    Erase,
    /// Asks for an MFA code now and caches the session.
    Login,
    /// Removes the cached MFA session.
    Logout {
        /// Every profile's, not only the selected one's.
        #[arg(long)]
        all: bool,
    },
    /// Shows the cached MFA sessions and when they expire.
    Status,
    /// Configures git to use this helper for every CodeCommit URL (one
    /// section per host shape); with --undo, removes that configuration.
    Setup {
        /// Write the user's git config (~/.gitconfig); the default.
        #[arg(long, conflicts_with_all = ["system", "local"])]
        global: bool,
        /// Write the system's git config (needs write access to it).
        #[arg(long, conflicts_with = "local")]
        system: bool,
        /// Write the current repository's .git/config.
        #[arg(long)]
        local: bool,
        /// Also configure VPC endpoint hosts (*.git-codecommit[-fips].*.vpce.amazonaws.com).
        #[arg(long)]
        vpce: bool,
        /// Remove what setup wrote instead, leaving every other setting alone.
        #[arg(long)]
        undo: bool,
    },
    /// Any other operation: ignored, as git expects of helpers.
    #[command(external_subcommand)]
    Other(Vec<OsString>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(
            std::iter::once("git-credential-mfa-codecommit").chain(args.iter().copied()),
        )
    }

    #[test]
    fn global_flags_go_before_or_after_the_operation() {
        for args in [
            &["--profile", "dev", "--region", "eu-west-1", "get"][..],
            &["get", "--profile", "dev", "--region", "eu-west-1"],
            &["--profile=dev", "get", "--region=eu-west-1"],
        ] {
            let parsed = parse(args).unwrap();
            assert_eq!(parsed.profile.as_deref(), Some("dev"), "{args:?}");
            assert_eq!(parsed.region.as_deref(), Some("eu-west-1"), "{args:?}");
        }
    }

    #[test]
    fn get_takes_ignore_host_check() {
        let parsed = parse(&["get", "--ignore-host-check"]).unwrap();
        assert_eq!(
            parsed.operation,
            Operation::Get {
                ignore_host_check: true
            }
        );
    }

    #[test]
    fn unknown_operations_are_kept_for_silent_ignoring() {
        let parsed = parse(&["capability", "x"]).unwrap();
        assert_eq!(
            parsed.operation,
            Operation::Other(vec!["capability".into(), "x".into()])
        );
    }

    #[test]
    fn an_operation_is_required_and_flags_need_values() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["get", "--profile"]).is_err());
        assert!(parse(&["get", "--bogus"]).is_err());
    }
}
