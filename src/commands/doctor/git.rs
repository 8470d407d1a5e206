//! `doctor`'s git checks: git itself, the credential helpers git runs for
//! each CodeCommit host shape (and the URL's), whether it sends them the
//! path, the helper program git finds, and the `git-remote-codecommit` it
//! finds.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::report::{Finding, Report};
use crate::error::Error;
use crate::git::helper_line::{self, HELPER_PROGRAM, Ours, Program};
use crate::git::helpers::{self, Entry, HelperList, Scope};
use crate::git::{boolean, programs};
use crate::os::child::{self, Stderr};
use crate::session::context::Context;

/// How long one `git` command may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the git checks found that the AWS checks need.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// `--profile` and `--region` of our helper line for the URL checked first.
    pub profile: Option<String>,
    pub region: Option<String>,
    /// git's `http.sslCAInfo` and `http.curloptResolve` for the URL.
    pub ca_bundle: Option<PathBuf>,
    pub resolve: Vec<String>,
}

/// A URL to check the helper list of, and what it stands for.
#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub what: String,
    pub url: String,
    /// The configuration `git-remote-codecommit` adds (`codecommit://`).
    pub forced: Vec<(String, String)>,
    /// Whether `setup` needs `--vpce` for it.
    pub vpce: bool,
}

/// `git` with `args`, its output within [`GIT_TIMEOUT`].
fn git(args: &[&str], context: &Context) -> Result<Vec<u8>, child::Error> {
    context.log.step(&format!("running git {}", args.join(" ")));
    let mut command = Command::new("git");
    command.args(args);
    // git's answers here hold no secret: out of the wiped buffer.
    child::output(command, GIT_TIMEOUT, Stderr::Kept).map(|mut out| std::mem::take(&mut *out))
}

pub(super) fn check(
    report: &mut Report<impl Write>,
    shapes: &[Shape],
    context: &Context,
) -> Result<Found, Error> {
    let mut found = Found::default();
    let version = match git(&["--version"], context) {
        Ok(out) => String::from_utf8_lossy(&out).trim().to_owned(),
        Err(error @ child::Error::Start(_)) => {
            report.add(Finding::fail(
                format!("git does not run: {error}"),
                "install git, or put it on PATH",
            ))?;
            return Ok(found);
        }
        Err(error) => return report.add(unreadable_config(&error)).map(|()| found),
    };
    report.add(Finding::Pass(version_line(&version)))?;
    let ephemeral = version_number(&version) >= (2, 46);
    let listed = git(
        &[
            "config",
            "--show-scope",
            "--show-origin",
            "-z",
            "--get-regexp",
            r"^credential\.",
        ],
        context,
    );
    let bytes = match listed {
        Ok(bytes) => bytes,
        // Status 1, silently: there are no such entries.
        Err(child::Error::Failed(_)) => Vec::new(),
        Err(error) => return report.add(unreadable_config(&error)).map(|()| found),
    };
    let user_entries = helpers::parse(&bytes);
    let mut ours_seen = Vec::new();
    let vpce_configured = user_entries.iter().any(|entry| {
        entry
            .url
            .as_deref()
            .is_some_and(|url| url.contains(".vpce."))
    });
    for shape in shapes.iter().filter(|shape| !shape.vpce || vpce_configured) {
        let mut entries = user_entries.clone();
        entries.extend(
            shape
                .forced
                .iter()
                .filter_map(|(key, value)| forced(key, value)),
        );
        let chain = helpers::for_url(&entries, &shape.url);
        report.add_all(chain_findings(shape, &chain, ephemeral))?;
        if let Some(ours) = chain.helpers.iter().find_map(|entry| ours(entry)) {
            if ours_seen.is_empty() {
                found.profile = ours.profile.clone();
                found.region = ours.region.clone();
            }
            ours_seen.push(ours);
        }
    }
    check_programs(report, &ours_seen, context)?;
    if let Some(shape) = shapes.first() {
        (found.ca_bundle, found.resolve) = http_settings(&shape.url, context);
    }
    Ok(found)
}

/// git refuses to run: nearly always a config file it cannot parse.
fn unreadable_config(error: &child::Error) -> Finding {
    Finding::fail(
        format!("git cannot read its configuration: {error}"),
        "correct the file git names (git config --list --show-origin shows the others)",
    )
}

/// git's CA bundle (`GIT_SSL_CAINFO`, else `http.sslCAInfo` for `url`) and
/// its `http.curloptResolve` entries.
fn http_settings(url: &str, context: &Context) -> (Option<PathBuf>, Vec<String>) {
    let values = |args: &[&str]| -> Vec<String> {
        git(args, context)
            .map(|out| {
                String::from_utf8_lossy(&out)
                    .lines()
                    .filter(|line| !line.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    };
    let ca_bundle = context
        .env
        .get("GIT_SSL_CAINFO")
        .ok()
        .filter(|path| !path.is_empty())
        .or_else(|| values(&["config", "--get-urlmatch", "http.sslCAInfo", url]).pop())
        .map(PathBuf::from);
    let resolve = values(&["config", "--get-all", "http.curloptResolve"]);
    (ca_bundle, resolve)
}

/// The major and minor number of `git version 2.47.3`.
fn version_number(version: &str) -> (u32, u32) {
    let number = version.strip_prefix("git version ").unwrap_or(version);
    let mut parts = number
        .split(['.', ' '])
        .map(|part| part.parse::<u32>().ok());
    (
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    )
}

/// `git version 2.47.3` and what this helper makes of it.
fn version_line(version: &str) -> String {
    let number = version_number(version);
    let features = if number >= (2, 46) {
        "passwords go to git as ephemeral credentials, which no helper stores"
    } else if number >= (2, 40) {
        "passwords carry their expiry (password_expiry_utc); git 2.46 would also keep them from storage helpers"
    } else {
        "git before 2.40 cannot be told when a password expires: keep storage helpers away from CodeCommit URLs"
    };
    format!("{version}: {features}")
}

/// An entry `git-remote-codecommit` adds with `git -c`.
fn forced(key: &str, value: &str) -> Option<Entry> {
    Entry::new(Scope::Command, "git-remote-codecommit", key, Some(value))
}

/// `entry`'s helper, if it is this helper.
fn ours(entry: &Entry) -> Option<Ours> {
    helper_line::read(entry.value.as_deref()?)
}

/// Where an entry is, for a fix.
fn place(entry: &Entry) -> String {
    match entry.file() {
        Some(file) => file.to_owned(),
        None if entry.scope == Scope::Command => {
            "the command-line config (GIT_CONFIG_COUNT, GIT_CONFIG_PARAMETERS or git -c)".to_owned()
        }
        None => entry.origin.clone(),
    }
}

/// How to take `entry` away: with `git config` where it is in a file.
fn removal(entry: &Entry) -> String {
    let value = entry.value.as_deref().unwrap_or_default();
    match entry.file() {
        Some(file) => format!(
            "git config --file {file} --unset-all {} '^{}$'",
            entry.key(),
            regex_lite::escape(value)
        ),
        None => format!("remove {} = {value} from {}", entry.key(), place(entry)),
    }
}

/// One shape's helper list and `useHttpPath`, judged: a failure for each
/// other helper that sees a password and for a missing path, else one
/// pass. With `ephemeral` (git 2.46+) helpers after ours are harmless: git
/// gives them nothing to keep.
fn chain_findings(shape: &Shape, chain: &HelperList, ephemeral: bool) -> Vec<Finding> {
    let what = &shape.what;
    let Some(first_ours) = chain.helpers.iter().position(|entry| ours(entry).is_some()) else {
        let asked: Vec<&str> = chain
            .helpers
            .iter()
            .filter_map(|entry| entry.value.as_deref())
            .collect();
        let what = match asked.as_slice() {
            [] => format!("git asks no credential helper for {what}"),
            asked => format!("git asks {} for {what}, not this helper", asked.join(", ")),
        };
        return vec![Finding::fail(what, setup_command(shape))];
    };
    let mut findings = other_helpers(shape, chain, first_ours, ephemeral);
    findings.extend(missing_path(shape, chain));
    if !findings.is_empty() {
        return findings;
    }
    let reset = if chain.reset {
        ", after a reset of the list"
    } else {
        ""
    };
    let after: Vec<String> = chain.helpers[first_ours..]
        .iter()
        .filter(|entry| ours(entry).is_none())
        .map(|entry| format!("`{}`", entry.value.as_deref().unwrap_or_default()))
        .collect();
    let then = match after.as_slice() {
        [] => String::new(),
        after => format!(
            " (then {}: git gives them only ephemeral passwords, which they do not keep)",
            after.join(", ")
        ),
    };
    vec![Finding::Pass(format!(
        "git asks only this helper for {what}{reset}, with the path{then}"
    ))]
}

/// The setup command that writes `shape`'s configuration.
fn setup_command(shape: &Shape) -> &'static str {
    if shape.vpce {
        "git-credential-mfa-codecommit setup --vpce"
    } else {
        "git-credential-mfa-codecommit setup"
    }
}

/// A failure for each other helper that sees a password: one asked before
/// this helper (its stored password answers first), or one after it that
/// is given every password to store (before git 2.46).
fn other_helpers(
    shape: &Shape,
    chain: &HelperList,
    first_ours: usize,
    ephemeral: bool,
) -> Vec<Finding> {
    let what = &shape.what;
    let mut findings = Vec::new();
    for (at, other) in chain.helpers.iter().enumerate() {
        if ours(other).is_some() || (at > first_ours && ephemeral) {
            continue;
        }
        let value = other.value.as_deref().unwrap_or_default();
        let whose = format!("`{value}` ({} in {})", other.key(), place(other));
        findings.push(if at < first_ours {
            // setup's reset clears what comes before it in the same file or
            // an earlier one.
            let fix = if !chain.reset && matches!(other.scope, Scope::System | Scope::Global) {
                format!(
                    "{} (it clears the helper list for CodeCommit URLs first)",
                    setup_command(shape)
                )
            } else {
                removal(other)
            };
            Finding::fail(
                format!("git asks {whose} before this helper for {what}; any password it has stored answers first"),
                fix,
            )
        } else {
            Finding::fail(
                format!(
                    "git gives {whose} every password for {what} to store, session token included"
                ),
                removal(other),
            )
        });
    }
    findings
}

/// A failure when git does not send the path (`useHttpPath`), without
/// which no password can be signed.
fn missing_path(shape: &Shape, chain: &HelperList) -> Option<Finding> {
    let decided = chain.use_http_path;
    if decided.and_then(|entry| boolean::parse(entry.value.as_deref())) == Some(true) {
        return None;
    }
    let fix = match decided {
        Some(entry) => match entry.file() {
            Some(file) => format!("git config --file {file} {} true", entry.key()),
            None => format!("remove {} from {}", entry.key(), place(entry)),
        },
        None => setup_command(shape).to_owned(),
    };
    Some(Finding::fail(
        format!(
            "git sends the helper no repository path for {} (useHttpPath is not true), so it cannot sign",
            shape.what
        ),
        fix,
    ))
}

/// The helper programs git runs, and the `git-remote-codecommit` it finds.
fn check_programs(
    report: &mut Report<impl Write>,
    ours: &[Ours],
    context: &Context,
) -> Result<(), Error> {
    let path = context.env.get("PATH").unwrap_or_default();
    let this = std::env::current_exe().map_err(Error::NoExe)?;
    // Each program looked up once, however many lines name it.
    let mut programs: Vec<&Program> = Vec::new();
    for program in ours.iter().map(|ours| &ours.program) {
        if !programs.contains(&program) {
            programs.push(program);
        }
    }
    let mut seen: Vec<PathBuf> = Vec::new();
    for program in programs {
        let (found, how) = match program {
            Program::Named => (
                programs::locate_for_git(HELPER_PROGRAM, path.as_ref())
                    .and_then(|located| located.found),
                "on git's PATH",
            ),
            Program::Path(path) => (
                Some(path.clone()).filter(|path| path.is_file()),
                "named in the helper line",
            ),
        };
        // And each file reported once, however it is named (by name and by
        // path).
        if let Some(found) = &found {
            if seen.iter().any(|other| programs::same_file(found, other)) {
                continue;
            }
            seen.push(found.clone());
        }
        report.add(match found {
            Some(found) => check_version(&found, how, &this, context),
            None => {
                let fix = match program {
                    Program::Named => format!(
                        "add {} to PATH (GUI git clients take PATH from the desktop session), or name the program by its full path in the helper line",
                        directory(&this)
                    ),
                    Program::Path(_) => format!("name {} in the helper line", this.display()),
                };
                Finding::fail(format!("git finds no {HELPER_PROGRAM} {how}"), fix)
            }
        })?;
    }
    report.add_all(check_remote_helper(path.as_ref()))
}

/// The directory `program` is in.
fn directory(program: &Path) -> String {
    program.parent().unwrap_or(program).display().to_string()
}

/// Whether the helper program git runs (`found`, `how` git finds it) is
/// this one, or at least this version.
fn check_version(found: &Path, how: &str, this: &Path, context: &Context) -> Finding {
    let version = env!("CARGO_PKG_VERSION");
    if programs::same_file(found, this) {
        return Finding::Pass(format!(
            "git runs this program ({}, version {version})",
            found.display()
        ));
    }
    context
        .log
        .step(&format!("running {} --version", found.display()));
    let mut command = Command::new(found);
    command.arg("--version");
    let theirs = child::output(command, GIT_TIMEOUT, Stderr::Kept)
        .map(|out| String::from_utf8_lossy(&out).trim().to_owned())
        .unwrap_or_else(|_| "unknown".to_owned());
    if theirs == version {
        return Finding::Pass(format!(
            "git runs {} {how}, the same version as this one ({version})",
            found.display()
        ));
    }
    Finding::fail(
        format!(
            "git runs {} {how}, version {theirs}, not this one ({}, version {version})",
            found.display(),
            this.display()
        ),
        format!(
            "remove {}, or put {} before it on PATH",
            found.display(),
            directory(this)
        ),
    )
}

/// The `git-remote-codecommit` git finds for `codecommit://` URLs, if any.
fn check_remote_helper(path: &OsStr) -> Option<Finding> {
    let remote = super::super::setup::REMOTE_HELPER;
    let located = programs::locate_for_git(remote, path)?;
    Some(match super::super::setup::remote_helper_problem(&located) {
        None => Finding::Pass(format!(
            "git runs this package's {remote} for codecommit:// URLs"
        )),
        Some((what, fix)) => Finding::fail(what, fix),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(value: &str) -> Entry {
        forced("credential.https://h.helper", value).unwrap()
    }

    #[test]
    fn our_helper_lines_are_told_from_others() {
        assert_eq!(
            ours(&entry("mfa-codecommit --profile 'my p'")),
            Some(Ours {
                program: Program::Named,
                profile: Some("my p".to_owned()),
                region: None
            })
        );
        assert_eq!(
            ours(&entry(
                "!'/opt/x y/git-credential-mfa-codecommit' --region eu-west-1"
            )),
            Some(Ours {
                program: Program::Path(PathBuf::from("/opt/x y/git-credential-mfa-codecommit")),
                profile: None,
                region: Some("eu-west-1".to_owned())
            })
        );
        assert_eq!(ours(&entry("!aws codecommit credential-helper $@")), None);
        assert_eq!(ours(&entry("store")), None);
        assert_eq!(ours(&entry("!mfa-codecommit")), None);
    }

    /// What `chain_findings` has printed for `entries`, and whether it failed.
    fn judged(entries: &[Entry], ephemeral: bool) -> (String, bool) {
        let shape = Shape {
            what: "H".to_owned(),
            url: "https://h/v1/repos/r".to_owned(),
            forced: Vec::new(),
            vpce: false,
        };
        let chain = helpers::for_url(entries, &shape.url);
        let mut out = Vec::new();
        let mut report = Report::new(&mut out);
        report
            .add_all(chain_findings(&shape, &chain, ephemeral))
            .unwrap();
        let failed = report.finish().is_err();
        (String::from_utf8(out).unwrap(), failed)
    }

    fn global(name: &str, value: &str) -> Entry {
        Entry {
            scope: Scope::Global,
            origin: "file:/h/.gitconfig".to_owned(),
            ..forced(&format!("credential.https://h.{name}"), value).unwrap()
        }
    }

    #[test]
    fn a_storage_helper_after_ours_fails_only_before_git_2_46() {
        let entries = [
            global("helper", ""),
            global("helper", "mfa-codecommit"),
            global("helper", "store"),
            global("usehttppath", "true"),
        ];
        let (older, failed) = judged(&entries, false);
        assert!(failed);
        assert_eq!(
            older,
            "✘ git gives `store` (credential.https://h.helper in /h/.gitconfig) every password for H to store, session token included\n  \
             fix: git config --file /h/.gitconfig --unset-all credential.https://h.helper '^store$'\n"
        );
        let (newer, failed) = judged(&entries, true);
        assert!(!failed, "{newer}");
        assert!(newer.starts_with("✔ git asks only this helper for H, after a reset"));
    }

    #[test]
    fn a_helper_before_ours_is_fixed_by_setup_only_where_a_reset_would_clear_it() {
        let in_global = [
            global("helper", "osxkeychain"),
            global("helper", "mfa-codecommit"),
            global("usehttppath", "true"),
        ];
        let (out, failed) = judged(&in_global, true);
        assert!(failed);
        assert!(out.ends_with("fix: git-credential-mfa-codecommit setup (it clears the helper list for CodeCommit URLs first)\n"), "{out}");
        let mut after_a_reset = vec![global("helper", "")];
        after_a_reset.extend(in_global);
        let (out, _) = judged(&after_a_reset, true);
        assert!(
            out.ends_with("--unset-all credential.https://h.helper '^osxkeychain$'\n"),
            "{out}"
        );
    }

    #[test]
    fn a_list_without_this_helper_names_what_git_asks_and_the_setup_that_fixes_it() {
        let (none, failed) = judged(&[], true);
        assert!(failed);
        assert_eq!(
            none,
            "✘ git asks no credential helper for H\n  fix: git-credential-mfa-codecommit setup\n"
        );
        let (other, _) = judged(&[global("helper", "osxkeychain")], true);
        assert!(
            other.starts_with("✘ git asks osxkeychain for H, not this helper\n"),
            "{other}"
        );
    }

    #[test]
    fn a_path_git_does_not_send_is_fixed_where_it_was_turned_off() {
        let entries = [
            global("helper", "mfa-codecommit"),
            global("usehttppath", "false"),
        ];
        let (out, failed) = judged(&entries, true);
        assert!(failed);
        assert_eq!(
            out,
            "✘ git sends the helper no repository path for H (useHttpPath is not true), so it cannot sign\n  \
             fix: git config --file /h/.gitconfig credential.https://h.usehttppath true\n"
        );
        let (out, failed) = judged(&entries[..1], true);
        assert!(failed);
        assert!(
            out.ends_with("fix: git-credential-mfa-codecommit setup\n"),
            "{out}"
        );
    }

    #[test]
    fn git_versions_say_what_follows() {
        assert!(version_line("git version 2.47.3").contains("ephemeral"));
        assert!(version_line("git version 2.43.0").contains("password_expiry_utc"));
        assert!(version_line("git version 2.39.5 (Apple Git-154)").contains("before 2.40"));
    }
}
