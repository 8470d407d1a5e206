//! The git configuration that makes git ask this helper, and only this
//! helper, for every CodeCommit URL (what `setup` writes); and what
//! `setup --undo` does, which takes it away again.
//!
//! For each CodeCommit host shape setup writes one URL-scoped section (git's
//! `*` matches a single DNS label, so every shape needs its own: git's
//! `Documentation/gitcredentials.adoc`, "Credential contexts"):
//!
//! ```ini
//! [credential "https://git-codecommit.*.amazonaws.com"]
//!     helper =
//!     helper = mfa-codecommit
//!     useHttpPath = true
//! ```
//!
//! Invariants:
//! - The empty `helper =` comes first: it clears every helper configured
//!   before it (osxkeychain, Git Credential Manager, wincred, libsecret), so
//!   none of them stores a CodeCommit password that dies after 15 minutes.
//! - Idempotent: what is already right is not rewritten; a second run writes
//!   nothing, so the file stays byte for byte the same.
//! - Undo removes only what setup writes (the reset, our helper entries,
//!   `useHttpPath = true`) and only in sections that hold our helper; the
//!   section goes only when nothing else is left in it.
//!
//! It must never edit a config file by hand (only `git config` writes, so
//! git's locking, quoting and `--system`/`--local` paths apply), never touch a
//! section outside the CodeCommit ones, and never change a user's other keys
//! in them (`username = bob` stays). The decisions are pure functions over
//! the section entries that one `git config --get-regexp` reads; only `Git`
//! runs anything.

use std::io::Write;
use std::process::{Command, Output};

use crate::git::helper_line::{HELPER, OURS_PATTERN, helper_line, is_ours};
use crate::git::helpers::{self, Entry};
use crate::os::printable::printable;

/// The host shapes every setup writes: standard and GovCloud, FIPS, China.
const URLS: [&str; 3] = [
    "https://git-codecommit.*.amazonaws.com",
    "https://git-codecommit-fips.*.amazonaws.com",
    "https://git-codecommit.*.amazonaws.com.cn",
];

/// VPC endpoint host shapes (`vpce-<id>-<suffix>[-<az>].git-codecommit[-fips]
/// .<region>.vpce.amazonaws.com`), written with `--vpce`. git's host wildcard
/// is a whole label: `vpce-*.git-codecommit…` would match nothing.
const VPCE_URLS: [&str; 2] = [
    "https://*.git-codecommit.*.vpce.amazonaws.com",
    "https://*.git-codecommit-fips.*.vpce.amazonaws.com",
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("git not found on PATH; setup runs `git config` to write the configuration")]
    GitNotFound,
    #[error("cannot run git: {}", .0.kind())]
    Spawn(#[source] std::io::Error),
    #[error("git config {location} failed: {message}")]
    GitConfig {
        location: &'static str,
        message: String,
    },
    #[error("could not write the output: {}", .0.kind())]
    Output(#[source] std::io::Error),
}

/// Which config file `git config` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Global,
    System,
    Local,
}

impl Location {
    /// The location `system` or `local` names (a flag without its dashes);
    /// anything else is global, setup's default.
    pub fn named(flag: &str) -> Self {
        match flag {
            "system" => Location::System,
            "local" => Location::Local,
            _ => Location::Global,
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Location::Global => "--global",
            Location::System => "--system",
            Location::Local => "--local",
        }
    }
}

/// What to write: where, which host shapes, for which profile.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub location: Location,
    /// VPC endpoint host shapes too.
    pub vpce: bool,
    /// Remove the configuration instead.
    pub undo: bool,
    /// `--profile`, written into the helper line.
    pub profile: Option<&'a str>,
}

/// Writes (or with `undo` removes) the configuration in `location`, one line on
/// `out` per section changed.
pub fn run(request: &Request, mut out: impl Write) -> Result<(), Error> {
    let Request {
        location,
        vpce,
        undo,
        profile,
    } = *request;
    let git = Git { location };
    let entries = git.credential_entries()?;
    let changes = if undo {
        plan_undo(&entries, location)
    } else {
        plan_setup(&entries, &helper_line(profile), vpce, location)
    };
    let flag = location.flag();
    if changes.is_empty() {
        let line = if undo {
            format!("nothing to undo ({flag})")
        } else {
            format!("nothing to change ({flag}): git already uses {HELPER} for CodeCommit URLs")
        };
        return writeln!(out, "{line}").map_err(Error::Output);
    }
    for change in changes {
        for edit in &change.edits {
            git.edit(edit)?;
        }
        writeln!(out, "{}", printable(&change.summary)).map_err(Error::Output)?;
    }
    Ok(())
}

/// One section's change: the `git config` arguments that make it, and the
/// line that tells the user.
#[derive(Debug, PartialEq, Eq)]
struct Change {
    summary: String,
    edits: Vec<Vec<String>>,
}

/// Whether `value` is a helper entry setup writes (see [`OURS_PATTERN`]).
fn is_reset_or_ours(value: &str) -> bool {
    value.is_empty() || is_ours(value)
}

fn values<'a>(entries: &'a [Entry], url: &str, name: &str) -> Vec<Option<&'a str>> {
    entries
        .iter()
        .filter(|entry| entry.url.as_deref() == Some(url) && entry.name == name)
        .map(|entry| entry.value.as_deref())
        .collect()
}

fn key(url: &str, name: &str) -> String {
    format!("credential.{url}.{name}")
}

fn edit(args: &[&str]) -> Vec<String> {
    args.iter().map(|&arg| arg.to_owned()).collect()
}

/// The changes that make every section say `helper =`, `helper = <helper>`,
/// `useHttpPath = true`, in that order. VPC endpoint sections are written with
/// `vpce`, and kept in step when an earlier `--vpce` run wrote them.
fn plan_setup(entries: &[Entry], helper: &str, vpce: bool, location: Location) -> Vec<Change> {
    let vpce_urls = VPCE_URLS.into_iter().filter(|url| {
        vpce || values(entries, url, "helper")
            .into_iter()
            .flatten()
            .any(is_ours)
    });
    let wanted = [Some(""), Some(helper)];
    URLS.into_iter()
        .chain(vpce_urls)
        .filter_map(|url| {
            let helpers = values(entries, url, "helper");
            let http_path = values(entries, url, "usehttppath");
            let (helper_key, http_path_key) = (key(url, "helper"), key(url, "useHttpPath"));
            let mut summary = format!("configured {url} ({})", location.flag());
            let mut edits = Vec::new();
            if helpers != wanted {
                // All three entries are written afresh, so that they end up
                // together and in order (git drops a section emptied on the
                // way, and `--add` makes it again at the end of the file).
                if !helpers.is_empty() {
                    edits.push(edit(&["--unset-all", &helper_key]));
                    let old: Vec<&str> = helpers.iter().map(|value| value.unwrap_or("")).collect();
                    summary.push_str(&format!(", replacing helper list {old:?}"));
                }
                if !http_path.is_empty() {
                    edits.push(edit(&["--unset-all", &http_path_key]));
                }
                edits.push(edit(&["--add", &helper_key, ""]));
                edits.push(edit(&["--add", &helper_key, helper]));
                edits.push(edit(&["--add", &http_path_key, "true"]));
            } else if http_path != [Some("true")] {
                edits.push(edit(&["--replace-all", &http_path_key, "true"]));
            }
            (!edits.is_empty()).then_some(Change { summary, edits })
        })
        .collect()
}

/// The changes that remove setup's entries from every section that holds our
/// helper: the whole section when nothing else is in it.
fn plan_undo(entries: &[Entry], location: Location) -> Vec<Change> {
    URLS.into_iter()
        .chain(VPCE_URLS)
        .filter_map(|url| {
            let section: Vec<&Entry> = entries
                .iter()
                .filter(|entry| entry.url.as_deref() == Some(url))
                .collect();
            let helpers = values(entries, url, "helper");
            if !helpers.iter().flatten().any(|value| is_ours(value)) {
                return None;
            }
            let http_path = values(entries, url, "usehttppath");
            let ours = |entry: &&Entry| match (entry.name.as_str(), entry.value.as_deref()) {
                ("helper", Some(value)) => is_reset_or_ours(value),
                ("usehttppath", value) => value == Some("true"),
                _ => false,
            };
            let edits = if section.iter().all(ours) {
                vec![edit(&["--remove-section", &format!("credential.{url}")])]
            } else {
                let mut edits = vec![edit(&["--unset-all", &key(url, "helper"), OURS_PATTERN])];
                if http_path.contains(&Some("true")) {
                    edits.push(edit(&["--unset-all", &key(url, "useHttpPath"), "^true$"]));
                }
                edits
            };
            Some(Change {
                summary: format!("removed {HELPER} from {url} ({})", location.flag()),
                edits,
            })
        })
        .collect()
}

/// `git config <location> …` as a subprocess: the only part that runs anything.
struct Git {
    location: Location,
}

impl Git {
    fn config(&self, args: &[String]) -> Result<Output, Error> {
        Command::new("git")
            .arg("config")
            .arg(self.location.flag())
            .args(args)
            .output()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => Error::GitNotFound,
                _ => Error::Spawn(error),
            })
    }

    /// Every `credential.*` entry in this location's file; none when the
    /// file does not exist (`git config` exits 1 for "no match").
    fn credential_entries(&self) -> Result<Vec<Entry>, Error> {
        let args = [
            "--show-scope",
            "--show-origin",
            "-z",
            "--get-regexp",
            r"^credential\.",
        ];
        let output = self.config(&edit(&args))?;
        match output.status.code() {
            Some(0) => Ok(helpers::parse(&output.stdout)),
            Some(1) => Ok(Vec::new()),
            _ => Err(self.failed(&output)),
        }
    }

    fn edit(&self, args: &[String]) -> Result<(), Error> {
        let output = self.config(args)?;
        if output.status.success() {
            Ok(())
        } else {
            Err(self.failed(&output))
        }
    }

    /// git's own message, on one line, without its `fatal: ` / `error: `.
    fn failed(&self, output: &Output) -> Error {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .map(|line| {
                let line = line.trim();
                line.strip_prefix("fatal: ")
                    .or_else(|| line.strip_prefix("error: "))
                    .unwrap_or(line)
            })
            .filter(|line| !line.is_empty())
            .collect();
        let message = if lines.is_empty() {
            output.status.to_string()
        } else {
            lines.join("; ")
        };
        Error::GitConfig {
            location: self.location.flag(),
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::helpers::Scope;

    fn entry(url: &str, name: &str, value: &str) -> Entry {
        let key = key(url, name);
        Entry::new(Scope::Global, "file:/h/.gitconfig", &key, Some(value)).unwrap()
    }

    fn configured(url: &str, helper: &str) -> Vec<Entry> {
        vec![
            entry(url, "helper", ""),
            entry(url, "helper", helper),
            entry(url, "usehttppath", "true"),
        ]
    }

    #[test]
    fn profiles_are_shell_quoted_only_when_needed() {
        assert_eq!(helper_line(None), "mfa-codecommit");
        assert_eq!(helper_line(Some("dev")), "mfa-codecommit --profile dev");
        assert_eq!(
            helper_line(Some("it's mine")),
            r"mfa-codecommit --profile 'it'\''s mine'"
        );
        assert_eq!(helper_line(Some("")), "mfa-codecommit --profile ''");
    }

    #[test]
    fn our_helper_is_recognised_with_any_profile_and_nothing_else() {
        for value in ["mfa-codecommit", "mfa-codecommit --profile 'a b'"] {
            assert!(is_ours(value), "{value}");
        }
        for value in ["", "store", "mfa-codecommitx", "mfa-codecommit --region x"] {
            assert!(!is_ours(value), "{value}");
        }
        assert!(is_reset_or_ours(""));
    }

    #[test]
    fn setup_on_nothing_writes_every_base_section_and_no_vpce() {
        let changes = plan_setup(&[], HELPER, false, Location::Global);
        assert_eq!(changes.len(), URLS.len());
        assert_eq!(
            changes[0],
            Change {
                summary: format!("configured {} (--global)", URLS[0]),
                edits: vec![
                    edit(&["--add", &key(URLS[0], "helper"), ""]),
                    edit(&["--add", &key(URLS[0], "helper"), "mfa-codecommit"]),
                    edit(&["--add", &key(URLS[0], "useHttpPath"), "true"]),
                ],
            }
        );
        assert_eq!(plan_setup(&[], HELPER, true, Location::Global).len(), 5);
    }

    #[test]
    fn setup_changes_nothing_that_is_already_right() {
        let entries: Vec<Entry> = URLS
            .iter()
            .flat_map(|url| configured(url, HELPER))
            .collect();
        assert_eq!(plan_setup(&entries, HELPER, false, Location::Local), []);
    }

    #[test]
    fn setup_replaces_a_foreign_helper_list_and_says_so() {
        let entries = [
            entry(URLS[1], "username", "bob"),
            entry(URLS[1], "helper", "store"),
        ];
        let changes = plan_setup(&entries, HELPER, false, Location::System);
        let fips = changes
            .iter()
            .find(|c| c.summary.contains(URLS[1]))
            .unwrap();
        assert_eq!(
            fips.summary,
            format!(
                "configured {} (--system), replacing helper list [\"store\"]",
                URLS[1]
            )
        );
        assert_eq!(
            fips.edits[0],
            edit(&["--unset-all", &key(URLS[1], "helper")])
        );
        assert_eq!(fips.edits.len(), 4);
    }

    #[test]
    fn setup_keeps_earlier_vpce_sections_in_step() {
        let entries = configured(VPCE_URLS[0], "mfa-codecommit --profile dev");
        let changes = plan_setup(&entries, HELPER, false, Location::Global);
        assert_eq!(changes.len(), URLS.len() + 1);
        assert!(changes[3].summary.contains(VPCE_URLS[0]));
    }

    #[test]
    fn undo_removes_a_section_of_only_ours_whole() {
        let changes = plan_undo(
            &configured(URLS[2], "mfa-codecommit --profile dev"),
            Location::Global,
        );
        assert_eq!(
            changes,
            [Change {
                summary: format!("removed mfa-codecommit from {} (--global)", URLS[2]),
                edits: vec![edit(&[
                    "--remove-section",
                    &format!("credential.{}", URLS[2])
                ])],
            }]
        );
    }

    #[test]
    fn undo_keeps_other_keys_and_leaves_sections_without_our_helper_alone() {
        let mut entries = configured(URLS[0], HELPER);
        entries.insert(0, entry(URLS[0], "username", "bob"));
        entries.extend([
            entry(URLS[1], "helper", ""),
            entry(URLS[1], "helper", "store"),
        ]);
        let changes = plan_undo(&entries, Location::Global);
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].edits,
            [
                edit(&["--unset-all", &key(URLS[0], "helper"), OURS_PATTERN]),
                edit(&["--unset-all", &key(URLS[0], "useHttpPath"), "^true$"]),
            ]
        );
    }
}
