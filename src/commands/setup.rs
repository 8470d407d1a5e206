//! `setup`: the command line's request for git's configuration, checked and
//! handed to [`crate::git::setup_config`], which writes (or with `--undo`
//! removes) it; then a look at which `git-remote-codecommit` git will run
//! for `codecommit://` URLs, with a warning when it is not this package's
//! (AWS's from PyPI first on PATH, say) or git finds none.
//!
//! `setup --aws-profile NAME` instead adds to the AWS config file the
//! profile NAME whose `credential_process` prints the selected profile's
//! MFA session ([`crate::aws::process_profile`]), or with `--undo` removes it.

use std::io::Write;

use crate::aws::files::{Kind, SharedFiles};
use crate::aws::files::{disk, writer};
use crate::aws::process_profile::{self, Block};
use crate::cli::Args;
use crate::error::{Error, SetupError};
use crate::git::programs;
use crate::git::setup_config::{self, Location, Request};
use crate::os::printable::printable;
use crate::session::context::Context;

pub(super) const REMOTE_HELPER: &str = "git-remote-codecommit";

/// Refuses the flags that only make sense in a helper line.
fn refuse_helper_flags(args: &Args) -> Result<(), Error> {
    let given = [
        (args.region.is_some(), "--region"),
        (args.mfa_serial.is_some(), "--mfa-serial"),
        (args.duration.is_some(), "--duration"),
    ];
    match given.into_iter().find(|(present, _)| *present) {
        Some((_, flag)) => Err(SetupError::HelperFlag(flag).into()),
        None => Ok(()),
    }
}

pub(super) fn run(
    args: &Args,
    location: Location,
    vpce: bool,
    undo: bool,
    mut out: impl Write,
    context: &Context,
) -> Result<(), Error> {
    refuse_helper_flags(args)?;
    let request = Request {
        location,
        vpce,
        undo,
        profile: args.profile.as_deref(),
    };
    setup_config::run(&request, &mut out).map_err(SetupError::Git)?;
    if undo {
        writeln!(
            out,
            "{REMOTE_HELPER} needs no configuration; cargo uninstall git-credential-mfa-codecommit removes it with this helper"
        )
        .map_err(Error::Output)?;
    } else {
        check_remote_helper(context);
    }
    Ok(())
}

/// Warns unless the `git-remote-codecommit` git finds is the one installed
/// beside this program.
fn check_remote_helper(context: &Context) {
    let path = context.env.get("PATH").unwrap_or_default();
    let Some(located) = programs::locate_for_git(REMOTE_HELPER, path.as_ref()) else {
        return;
    };
    if let Some((problem, fix)) = remote_helper_problem(&located) {
        context.log.warn(&format!("{problem}; {fix}"));
    }
}

/// What is wrong with the `git-remote-codecommit` git runs, and the fix.
pub(super) fn remote_helper_problem(located: &programs::Located) -> Option<(String, String)> {
    let ours = &located.ours;
    let dir = ours.parent().unwrap_or(ours).display();
    match &located.found {
        _ if located.is_ours() => None,
        Some(found) => Some((
            format!(
                "git runs {} for codecommit:// URLs, not {}",
                found.display(),
                ours.display()
            ),
            format!(
                "put {dir} before it on PATH, or remove it (AWS's: pip uninstall git-remote-codecommit)"
            ),
        )),
        None => Some((
            format!("{dir} is not on PATH, so git finds no {REMOTE_HELPER} for codecommit:// URLs"),
            "add it to PATH".to_owned(),
        )),
    }
}

/// Adds (or with `undo` removes) the AWS profile `name` that runs
/// `credential-process` for the selected profile.
pub(super) fn aws_profile(
    args: &Args,
    name: &str,
    vpce: bool,
    undo: bool,
    mut out: impl Write,
    context: &Context,
) -> Result<(), Error> {
    refuse_helper_flags(args)?;
    if vpce {
        return Err(SetupError::HelperFlag("--vpce").into());
    }
    if !writer::is_profile_name(name) {
        return Err(SetupError::ProfileName(name.to_owned()).into());
    }
    let files = &SharedFiles::load(args.profile.as_deref(), &context.env, &context.fs)?;
    let source = files.selected();
    let path = files.path(Kind::Config);
    if name == source {
        return Err(SetupError::IsSource(name.to_owned()).into());
    }
    let exe = std::env::current_exe().map_err(Error::NoExe)?;
    let block = Block::new(
        name,
        &exe.to_string_lossy(),
        source,
        files.value(source, "region")?,
    );
    let contents = disk::read(path).map_err(SetupError::File)?;
    let existed = contents.is_some();
    let change = Change {
        block: &block,
        files,
        name,
        source,
    };
    let (text, line) = change.decide(&contents.unwrap_or_default(), undo)?;
    if let Some(text) = text {
        disk::write(path, &text, existed).map_err(SetupError::File)?;
    }
    writeln!(out, "{}", printable(&line)).map_err(Error::Output)
}

/// The profile `name` that `--aws-profile` adds for profile `source`, or
/// removes.
struct Change<'a> {
    block: &'a Block,
    files: &'a SharedFiles,
    name: &'a str,
    source: &'a str,
}

impl Change<'_> {
    /// The config file's new text (`None`: it stays), and the line that
    /// says what was done; an error where the file is not as expected.
    fn decide(&self, contents: &str, undo: bool) -> Result<(Option<String>, String), SetupError> {
        let Change {
            block,
            files,
            name,
            source,
        } = *self;
        let path = files.path(Kind::Config);
        if undo {
            return match process_profile::remove(contents, block) {
                Some(text) => Ok((
                    Some(text),
                    format!("removed profile {name} from {}", path.display()),
                )),
                None if files.has_profile(name) => Err(SetupError::Changed {
                    name: name.to_owned(),
                    path: path.to_owned(),
                }),
                None => Ok((
                    None,
                    format!("nothing to undo: no profile {name} in {}", path.display()),
                )),
            };
        }
        if process_profile::contains(contents, block) {
            return Ok((
                None,
                format!(
                    "nothing to change: profile {name} in {} already uses profile {source}'s session",
                    path.display()
                ),
            ));
        }
        if files.has_profile(name) {
            return Err(SetupError::Exists(name.to_owned()));
        }
        if !files.has_profile(source) {
            return Err(SetupError::WithoutSource(source.to_owned()));
        }
        let line = format!(
            "added profile {name} to {}: aws --profile {name} now uses profile {source}'s MFA session",
            path.display()
        );
        Ok((Some(process_profile::add(contents, block)), line))
    }
}
