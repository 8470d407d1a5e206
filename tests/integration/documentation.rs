//! `--help`, the README and `docs/` agree: every flag the help lists is
//! documented, every flag the documents hand this program exists, and the
//! `GIT_CREDENTIAL_MFA_CODECOMMIT_*` variables the code reads are exactly
//! the documented ones (beside the installers' own, which cargo-dist reads).

use std::collections::BTreeSet;
use std::path::Path;

use regex_lite::Regex;

use crate::support::{BINARY, manifest_dir, run, text};

/// The variables of cargo-dist's installers, not of the programs.
const INSTALLER_VARIABLES: [&str; 4] = [
    "GIT_CREDENTIAL_MFA_CODECOMMIT_DOWNLOAD_URL",
    "GIT_CREDENTIAL_MFA_CODECOMMIT_INSTALL_DIR",
    "GIT_CREDENTIAL_MFA_CODECOMMIT_NO_MODIFY_PATH",
    "GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL",
];

/// The README and every page of `docs/`, one after the other.
fn documents() -> String {
    let mut all = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let mut pages: Vec<_> = std::fs::read_dir(manifest_dir().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    pages.sort();
    for page in pages {
        all.push_str(&std::fs::read_to_string(page).unwrap());
    }
    all
}

/// Every `--flag` in `text`.
fn flags(text: &str) -> BTreeSet<String> {
    let flag = Regex::new(r"--[a-z][a-z-]*[a-z]").unwrap();
    flag.find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// Every `GIT_CREDENTIAL_MFA_CODECOMMIT_*` name in `text`.
fn variables(text: &str) -> BTreeSet<String> {
    let name = Regex::new(r"GIT_CREDENTIAL_MFA_CODECOMMIT_[A-Z_]*[A-Z]").unwrap();
    name.find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

fn help() -> String {
    let mut command = std::process::Command::new(BINARY);
    command.arg("--help");
    let out = run(command, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).to_owned()
}

/// Every Rust file under `dir`, read whole, one after the other.
fn sources(dir: &Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.push_str(&sources(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            all.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    all
}

#[test]
fn every_flag_in_the_help_is_documented() {
    let documented = flags(&documents());
    let missing: Vec<_> = flags(&help()).difference(&documented).cloned().collect();
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

#[test]
fn every_flag_the_documents_give_the_programs_exists() {
    let known = flags(&help());
    // What follows the program's name on a line: `git-credential-mfa-codecommit
    // setup --vpce`, `helper = mfa-codecommit --profile dev`,
    // `install/install.sh --profile dev` (its arguments go to setup).
    let invocation =
        Regex::new(r"(git-credential-mfa-codecommit|mfa-codecommit|install/install\.sh) ([^`|]*)")
            .unwrap();
    let mut unknown = BTreeSet::new();
    for line in documents().lines() {
        for call in invocation.captures_iter(line) {
            unknown.extend(flags(&call[2]).difference(&known).cloned());
        }
    }
    assert!(
        unknown.is_empty(),
        "documented but not in --help: {unknown:?}"
    );
}

#[test]
fn the_documented_variables_are_the_ones_the_code_reads() {
    let read = variables(&sources(&manifest_dir().join("src")));
    let mut documented = variables(&documents());
    for installer in INSTALLER_VARIABLES {
        documented.remove(installer);
    }
    assert_eq!(read, documented);
}
