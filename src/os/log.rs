//! Messages for people, on stderr: warnings always, steps only when asked
//! (`--verbose` or `GIT_CREDENTIAL_MFA_CODECOMMIT_VERBOSE=1`).
//!
//! Callers pass text built from redacted values only (key ids, profile names,
//! MFA device ARNs, times); a secret key, session token, TOTP code or password
//! never reaches a message. [`one_line`] puts an error and its causes into
//! one such line. What reaches stderr has its control characters escaped.

use std::error::Error as StdError;
use std::io::Write;

use super::printable::printable;

/// Where the helper tells the user what it does; the real one is [`Stderr`].
pub trait Log {
    /// A step, shown with `--verbose`.
    fn step(&self, message: &str);
    /// Something the user should know although the helper goes on.
    fn warn(&self, message: &str);
}

/// The process's stderr.
#[derive(Debug)]
pub struct Stderr {
    pub verbose: bool,
}

impl Log for Stderr {
    fn step(&self, message: &str) {
        if self.verbose {
            let _ = writeln!(
                std::io::stderr(),
                "git-credential-mfa-codecommit: {}",
                printable(message)
            );
        }
    }

    fn warn(&self, message: &str) {
        let _ = writeln!(
            std::io::stderr(),
            "git-credential-mfa-codecommit: warning: {}",
            printable(message)
        );
    }
}

/// `error` and its sources on one line, `: `-separated, without line breaks.
pub fn one_line(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
