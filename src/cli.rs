//! The command line: the AWS CLI's `codecommit credential-helper` shapes.
//!
//! `[--profile P] [--region R] get [--ignore-host-check]`, `store`, `erase`,
//! with the global flags accepted before or after the operation, plus the MFA
//! flags and the commands for people (`login`, `logout`, `status`, `setup`).
//! Any other operation is kept, so that the helper can ignore it silently as
//! git expects of helpers (git may learn new operations). Parsing only; no I/O.
//!
//! Parsed with `lexopt`, by hand: git runs the helper on every fetch and
//! push, and building a clap command tree was most of the work a `store` or
//! a foreign-host `get` did (about 120 k of its 130 k instructions in `main`).

use std::ffi::OsString;

use lexopt::prelude::*;

use crate::setup::Scope;

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
  setup [--global|--system|--local] [--vpce] [--undo]
                              Configure git to use this helper for every
                              CodeCommit URL (--vpce: VPC endpoint hosts too;
                              --undo: remove that configuration)

Options (before or after the command):
      --profile <PROFILE>     AWS profile (default: AWS_PROFILE, else default)
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
    /// AWS profile to use (default: AWS_PROFILE, else `default`).
    pub profile: Option<String>,
    /// Region to sign for when the host does not name one.
    pub region: Option<String>,
    /// MFA device ARN (default: the profile's mfa_serial).
    pub mfa_serial: Option<String>,
    /// MFA session length in seconds, as given.
    pub duration: Option<String>,
    /// Print each step on stderr.
    pub verbose: bool,
    pub operation: Operation,
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
    /// Configures git for every CodeCommit URL in `scope`'s config file (with
    /// `vpce`, VPC endpoint hosts too); with `undo`, removes that.
    Setup {
        scope: Scope,
        vpce: bool,
        undo: bool,
    },
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
    let mut args = Args {
        profile: None,
        region: None,
        mfa_serial: None,
        duration: None,
        verbose: false,
        operation: Operation::Store,
    };
    let mut name: Option<String> = None;
    // The flags of the operations: each is accepted only after its operation.
    let (mut ignore_host_check, mut all, mut vpce, mut undo) = (false, false, false, false);
    let mut scopes = Vec::new();
    while let Some(arg) = parser.next()? {
        let operation = name.as_deref();
        match arg {
            Long("profile") => args.profile = Some(parser.value()?.string()?),
            Long("region") => args.region = Some(parser.value()?.string()?),
            Long("mfa-serial") => args.mfa_serial = Some(parser.value()?.string()?),
            Long("duration") => args.duration = Some(parser.value()?.string()?),
            Short('v') | Long("verbose") => args.verbose = true,
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Long("ignore-host-check") if operation == Some("get") => ignore_host_check = true,
            Long("all") if operation == Some("logout") => all = true,
            Long("vpce") if operation == Some("setup") => vpce = true,
            Long("undo") if operation == Some("setup") => undo = true,
            Long(scope @ ("global" | "system" | "local")) if operation == Some("setup") => {
                scopes.push(match scope {
                    "system" => Scope::System,
                    "local" => Scope::Local,
                    _ => Scope::Global,
                });
            }
            Value(value) if name.is_none() => match value.to_str() {
                Some(
                    known @ ("get" | "store" | "erase" | "login" | "logout" | "status" | "setup"),
                ) => {
                    name = Some(known.to_owned());
                }
                _ => {
                    // Not ours: kept whole, never parsed.
                    let mut other = vec![value];
                    other.extend(parser.raw_args()?);
                    args.operation = Operation::Other(other);
                    return Ok(Command::Run(args));
                }
            },
            _ => return Err(arg.unexpected().into()),
        }
    }
    scopes.dedup();
    args.operation = match name.as_deref() {
        None => return Err(UsageError("a command is required".to_owned())),
        Some("get") => Operation::Get { ignore_host_check },
        Some("erase") => Operation::Erase,
        Some("login") => Operation::Login,
        Some("logout") => Operation::Logout { all },
        Some("status") => Operation::Status,
        Some("setup") => Operation::Setup {
            scope: match scopes[..] {
                [] => Scope::Global,
                [scope] => scope,
                _ => {
                    return Err(UsageError(
                        "choose one of --global, --system and --local".to_owned(),
                    ));
                }
            },
            vpce,
            undo,
        },
        // "store", the one name left.
        Some(_) => Operation::Store,
    };
    Ok(Command::Run(args))
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
        assert!(parse_args(&["--ignore-host-check", "get"]).is_err());
        assert!(parse_args(&["store", "--all"]).is_err());
    }

    #[test]
    fn setup_takes_one_scope_global_by_default() {
        let setup = |args: &[&str]| parse_args(args).map(|parsed| parsed.operation);
        assert_eq!(
            setup(&["setup"]).unwrap(),
            Operation::Setup {
                scope: Scope::Global,
                vpce: false,
                undo: false
            }
        );
        assert_eq!(
            setup(&["setup", "--local", "--vpce", "--undo", "--local"]).unwrap(),
            Operation::Setup {
                scope: Scope::Local,
                vpce: true,
                undo: true
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
    fn help_and_version_win_anywhere() {
        assert_eq!(parse(["get", "--help"]).unwrap(), Command::Help);
        assert_eq!(parse(["-V"]).unwrap(), Command::Version);
    }
}
