//! The command line: the AWS CLI's `codecommit credential-helper` shapes.
//!
//! `[--profile P] [--region R] get [--ignore-host-check]`, `store`, `erase`,
//! with the global flags accepted before or after the operation, plus the MFA
//! flags, the commands for people (`login`, `logout`, `status`, `setup`,
//! `doctor`) and
//! `credential-process` for the AWS CLI and SDKs.
//! Any other operation is kept, so that the helper can ignore it silently as
//! git expects of helpers (git may learn new operations). Parsing only; no I/O.
//!
//! Parsed with `lexopt`, by hand: git runs the helper on every fetch and
//! push, and a command tree built at start-up would cost each run more
//! than the rest of a `store` or a foreign-host `get`.

use std::ffi::{OsStr, OsString};
use std::time::Duration;

use lexopt::prelude::*;

use crate::git::setup_config::Location;
use crate::session::plan::Flags;

/// What `--help` prints.
pub const HELP: &str = "\
git credential helper for AWS CodeCommit: signs git's HTTPS requests with
your AWS credentials (an MFA session where the profile names an MFA device),
a drop-in for `aws codecommit credential-helper`.

Usage: git-credential-mfa-codecommit [OPTIONS] <COMMAND>

Commands (git runs the first three):
  get [--ignore-host-check]   Print a username and password for the request
                              git sends on stdin (any host with the flag)
  store                       Does nothing: passwords are made afresh each time
  erase                       Drop the cached MFA session if git rejected a
                              password made with it
  login                       Ask for an MFA code now and cache the session
  logout [--all]              Remove the cached MFA session (every profile's)
  status                      Show the cached MFA sessions and their expiry
  credential-process          Print the profile's MFA session as the AWS CLI
                              and SDKs read a credential_process (JSON)
  setup [--global|--system|--local] [--vpce] [--undo]
                              Configure git to use this helper for every
                              CodeCommit URL (--vpce: VPC endpoint hosts too;
                              --undo: remove that configuration)
  setup --aws-profile NAME [--undo]
                              Add (or remove) an AWS profile NAME whose
                              credential_process is this profile's session
  doctor [--login] [URL]      Check each link from git to CodeCommit and say
                              how to fix what is wrong; with a repository URL,
                              try it (--login: ask for an MFA code if needed)

Options (before or after the command):
      --profile <PROFILE>     AWS profile (default: AWS_PROFILE, else
                              AWS_DEFAULT_PROFILE, else default)
      --region <REGION>       Region to sign for when the host names none
      --mfa-serial <ARN>      MFA device (default: the profile's mfa_serial)
      --duration <SECONDS>    MFA session length, 900 to 129600 (default: the
                              profile's duration_seconds, else 43200)
  -v, --verbose               Print each step on stderr (secrets redacted)
  -h, --help                  Print this help
  -V, --version               Print the version
";

/// The parsed command line.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    /// AWS profile to use (default: `AWS_PROFILE`, else
    /// `AWS_DEFAULT_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// Region to sign for when the host does not name one.
    pub region: Option<String>,
    /// MFA device ARN (default: the profile's mfa_serial).
    pub mfa_serial: Option<String>,
    /// MFA session length (checked against STS's limits by the plan, which
    /// knows whether it is a role's).
    pub duration: Option<Duration>,
    /// Print each step on stderr.
    pub verbose: bool,
    pub operation: Operation,
}

impl Args {
    /// The command line's say in which session a profile calls for.
    pub fn flags(&self) -> Flags<'_> {
        Flags {
            profile: self.profile.as_deref(),
            region: self.region.as_deref(),
            mfa_serial: self.mfa_serial.as_deref(),
            duration: self.duration,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Operation {
    /// Print a username and password for the request git sends on stdin.
    Get {
        /// Answer for any host, not only Amazon ones.
        ignore_host_check: bool,
    },
    /// Does nothing: passwords are computed afresh for every request.
    Store,
    /// Drops the cached MFA session if git rejected a password made with it.
    Erase,
    /// Asks for an MFA code now and caches the session.
    Login,
    /// Removes the cached MFA session (`all`: every profile's).
    Logout { all: bool },
    /// Shows the cached MFA sessions and when they expire.
    Status,
    /// Prints the selected profile's MFA session for the AWS CLI and SDKs.
    CredentialProcess,
    /// Configures git for every CodeCommit URL in the `location` config file (with
    /// `vpce`, VPC endpoint hosts too); with `undo`, removes that.
    Setup {
        location: Location,
        vpce: bool,
        undo: bool,
        /// `--aws-profile NAME`: the AWS profile to add instead.
        aws_profile: Option<String>,
    },
    /// Checks the whole chain from git to CodeCommit (and `url`'s
    /// repository), asking for an MFA code only with `login`.
    Doctor { url: Option<String>, login: bool },
    /// Any other operation, with its arguments: ignored, as git expects of
    /// helpers.
    Other(Vec<OsString>),
}

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Run(Args),
    Help,
    Version,
}

/// A command line that asks for nothing this helper does, in one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}; see --help")]
pub struct UsageError(String);

impl From<lexopt::Error> for UsageError {
    fn from(error: lexopt::Error) -> Self {
        UsageError(error.to_string())
    }
}

/// Parses the arguments after the program's name.
pub fn parse(
    arguments: impl IntoIterator<Item = impl Into<OsString>>,
) -> Result<Command, UsageError> {
    let mut parser = lexopt::Parser::from_args(arguments);
    let mut line = Line::default();
    while let Some(arg) = parser.next()? {
        // An operation's own flags are accepted only after it.
        match (arg, line.operation.as_mut()) {
            // As in the AWS CLI, `--profile ''` names no profile.
            (Long("profile"), _) => {
                line.profile = Some(parser.value()?.string()?).filter(|name| !name.is_empty());
            }
            (Long("region"), _) => line.region = Some(parser.value()?.string()?),
            (Long("mfa-serial"), _) => line.mfa_serial = Some(parser.value()?.string()?),
            (Long("duration"), _) => line.duration = Some(seconds(&parser.value()?.string()?)?),
            (Short('v') | Long("verbose"), _) => line.verbose = true,
            (Short('h') | Long("help"), _) => return Ok(Command::Help),
            (Short('V') | Long("version"), _) => return Ok(Command::Version),
            // Before the operation too (a superset of the AWS CLI's), so
            // that a helper line can carry it: git appends the operation.
            (Long("ignore-host-check"), _) => line.ignore_host_check = true,
            (Long("all"), Some(Operation::Logout { all })) => *all = true,
            (Long("login"), Some(Operation::Doctor { login, .. })) => *login = true,
            (
                Value(value),
                Some(Operation::Doctor {
                    url: url @ None, ..
                }),
            ) => {
                *url = Some(value.string()?);
            }
            (Long("vpce"), Some(Operation::Setup { vpce, .. })) => *vpce = true,
            (Long("undo"), Some(Operation::Setup { undo, .. })) => *undo = true,
            (Long("aws-profile"), Some(Operation::Setup { aws_profile, .. })) => {
                *aws_profile = Some(parser.value()?.string()?);
            }
            (
                Long(flag @ ("global" | "system" | "local")),
                Some(Operation::Setup { location, .. }),
            ) => {
                let chosen = Location::named(flag);
                line.locations_conflict |= line.location_given && *location != chosen;
                *location = chosen;
                line.location_given = true;
            }
            (Value(name), None) => {
                let Some(named) = named(&name) else {
                    // Not ours: kept whole, never parsed.
                    let mut other = vec![name];
                    other.extend(parser.raw_args()?);
                    line.operation = Some(Operation::Other(other));
                    break;
                };
                line.operation = Some(named);
            }
            (arg, _) => return Err(arg.unexpected().into()),
        }
    }
    line.finish()
}

/// The command line as read so far.
#[derive(Default)]
struct Line {
    profile: Option<String>,
    region: Option<String>,
    mfa_serial: Option<String>,
    duration: Option<Duration>,
    verbose: bool,
    operation: Option<Operation>,
    ignore_host_check: bool,
    /// Setup's location flags: a second, other one conflicts (reported once
    /// the whole line is read, so that --help still wins).
    location_given: bool,
    locations_conflict: bool,
}

impl Line {
    /// The command, once the whole line is read.
    fn finish(self) -> Result<Command, UsageError> {
        if self.locations_conflict {
            return Err(UsageError(
                "choose one of --global, --system and --local".to_owned(),
            ));
        }
        let mut operation = self
            .operation
            .ok_or_else(|| UsageError("a command is required".to_owned()))?;
        match &mut operation {
            Operation::Get { ignore_host_check } => *ignore_host_check = self.ignore_host_check,
            // git's own operations ignore what is for `get` only.
            Operation::Store | Operation::Erase | Operation::Other(_) => {}
            _ if self.ignore_host_check => {
                return Err(UsageError(
                    "--ignore-host-check goes with get only".to_owned(),
                ));
            }
            _ => {}
        }
        Ok(Command::Run(Args {
            profile: self.profile,
            region: self.region,
            mfa_serial: self.mfa_serial,
            duration: self.duration,
            verbose: self.verbose,
            operation,
        }))
    }
}

/// `--duration`'s value, a whole number of seconds.
fn seconds(value: &str) -> Result<Duration, UsageError> {
    value.parse().map(Duration::from_secs).map_err(|_| {
        UsageError(format!(
            "--duration {value} is not a whole number of seconds"
        ))
    })
}

/// The operation `name` names, with its flags unset; `None` if it is not ours.
fn named(name: &OsStr) -> Option<Operation> {
    Some(match name.to_str()? {
        "get" => Operation::Get {
            ignore_host_check: false,
        },
        "store" => Operation::Store,
        "erase" => Operation::Erase,
        "login" => Operation::Login,
        "logout" => Operation::Logout { all: false },
        "status" => Operation::Status,
        "credential-process" => Operation::CredentialProcess,
        "doctor" => Operation::Doctor {
            url: None,
            login: false,
        },
        "setup" => Operation::Setup {
            location: Location::Global,
            vpce: false,
            undo: false,
            aws_profile: None,
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Args, UsageError> {
        match parse(args.iter().copied())? {
            Command::Run(args) => Ok(args),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn global_flags_go_before_or_after_the_operation() {
        for args in [
            &["--profile", "dev", "--region", "eu-west-1", "get"][..],
            &["get", "--profile", "dev", "--region", "eu-west-1"],
            &["--profile=dev", "get", "--region=eu-west-1"],
        ] {
            let parsed = parse_args(args).unwrap();
            assert_eq!(parsed.profile.as_deref(), Some("dev"), "{args:?}");
            assert_eq!(parsed.region.as_deref(), Some("eu-west-1"), "{args:?}");
        }
    }

    #[test]
    fn each_operation_takes_its_own_flags_only() {
        let parsed = parse_args(&["-v", "get", "--ignore-host-check"]).unwrap();
        assert!(parsed.verbose);
        assert_eq!(
            parsed.operation,
            Operation::Get {
                ignore_host_check: true
            }
        );
        assert_eq!(
            parse_args(&["logout", "--all"]).unwrap().operation,
            Operation::Logout { all: true }
        );
        assert_eq!(parse_args(&["store"]).unwrap().operation, Operation::Store);
        assert!(parse_args(&["store", "--all"]).is_err());
    }

    #[test]
    fn doctor_takes_one_url_and_login() {
        let url = "codecommit::us-east-1://repo";
        assert_eq!(
            parse_args(&["doctor", "--login", url, "--profile", "p"])
                .unwrap()
                .operation,
            Operation::Doctor {
                url: Some(url.to_owned()),
                login: true
            }
        );
        assert!(parse_args(&["doctor", url, url]).is_err());
        assert!(parse_args(&["get", "--login"]).is_err());
    }

    #[test]
    fn ignore_host_check_may_come_first_as_git_appends_the_operation() {
        assert_eq!(
            parse_args(&["--ignore-host-check", "get"])
                .unwrap()
                .operation,
            Operation::Get {
                ignore_host_check: true
            }
        );
        for (name, operation) in [("store", Operation::Store), ("erase", Operation::Erase)] {
            let parsed = parse_args(&["--ignore-host-check", name]).unwrap();
            assert_eq!(parsed.operation, operation);
        }
        assert_eq!(
            parse_args(&["status", "--ignore-host-check"])
                .unwrap_err()
                .to_string(),
            "--ignore-host-check goes with get only; see --help"
        );
    }

    #[test]
    fn setup_takes_one_scope_global_by_default() {
        let setup = |args: &[&str]| parse_args(args).map(|parsed| parsed.operation);
        assert_eq!(
            setup(&["setup"]).unwrap(),
            Operation::Setup {
                location: Location::Global,
                vpce: false,
                undo: false,
                aws_profile: None
            }
        );
        assert_eq!(
            setup(&["setup", "--local", "--vpce", "--undo", "--local"]).unwrap(),
            Operation::Setup {
                location: Location::Local,
                vpce: true,
                undo: true,
                aws_profile: None
            }
        );
        assert_eq!(
            setup(&["setup", "--aws-profile", "alice-mfa", "--undo"]).unwrap(),
            Operation::Setup {
                location: Location::Global,
                vpce: false,
                undo: true,
                aws_profile: Some("alice-mfa".to_owned())
            }
        );
        let error = setup(&["setup", "--global", "--system"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "choose one of --global, --system and --local; see --help"
        );
    }

    #[test]
    fn unknown_operations_are_kept_whole_for_silent_ignoring() {
        assert_eq!(
            parse_args(&["--profile", "p", "capability", "x", "--bogus"])
                .unwrap()
                .operation,
            Operation::Other(vec!["capability".into(), "x".into(), "--bogus".into()])
        );
    }

    #[test]
    fn an_operation_is_required_and_flags_need_values() {
        assert_eq!(
            parse_args(&[]).unwrap_err().to_string(),
            "a command is required; see --help"
        );
        assert!(parse_args(&["get", "--profile"]).is_err());
        let error = parse_args(&["get", "--bogus"]).unwrap_err().to_string();
        assert!(error.contains("--bogus"), "{error}");
    }

    #[test]
    fn durations_are_whole_seconds() {
        let parsed = parse_args(&["login", "--duration", "3600"]).unwrap();
        assert_eq!(parsed.duration, Some(Duration::from_secs(3600)));
        for bad in ["12h", "-1", "", "1.5"] {
            assert_eq!(
                parse_args(&["get", "--duration", bad])
                    .unwrap_err()
                    .to_string(),
                format!("--duration {bad} is not a whole number of seconds; see --help")
            );
        }
    }

    #[test]
    fn help_and_version_win_anywhere() {
        assert_eq!(parse(["get", "--help"]).unwrap(), Command::Help);
        assert_eq!(parse(["-V"]).unwrap(), Command::Version);
        assert_eq!(
            parse(["setup", "--global", "--system", "--help"]).unwrap(),
            Command::Help
        );
    }
}
