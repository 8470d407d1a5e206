//! What `doctor` prints: one line per check, `✔` or `✘` (with the fix on
//! the next line), or `–` for a check it could not make; and the count of
//! `✘` lines, which decides the exit status.

use std::fmt::Display;
use std::io::Write;

use crate::error::{DoctorError, Error};
use crate::os::printable::printable;

/// A check's words, which name hosts, paths and values from files, with
/// their control characters escaped.
fn shown(what: impl Display) -> String {
    printable(&what.to_string()).into_owned()
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Finding {
    Pass(String),
    Fail {
        what: String,
        fix: String,
    },
    /// A check that could not be made, or that says nothing either way.
    Skip(String),
}

impl Finding {
    pub(super) fn fail(what: impl Display, fix: impl Display) -> Self {
        Finding::Fail {
            what: what.to_string(),
            fix: fix.to_string(),
        }
    }
}

pub(super) struct Report<W> {
    out: W,
    problems: usize,
}

impl<W: Write> Report<W> {
    pub(super) fn new(out: W) -> Self {
        Report { out, problems: 0 }
    }

    pub(super) fn add(&mut self, finding: Finding) -> Result<(), Error> {
        match finding {
            Finding::Pass(what) => self.line(format_args!("✔ {}", shown(what))),
            Finding::Fail { what, fix } => {
                self.problems += 1;
                self.line(format_args!("✘ {}\n  fix: {}", shown(what), shown(fix)))
            }
            Finding::Skip(what) => self.line(format_args!("– {}", shown(what))),
        }
    }

    fn line(&mut self, line: std::fmt::Arguments) -> Result<(), Error> {
        writeln!(self.out, "{line}")
            .and_then(|()| self.out.flush())
            .map_err(Error::Output)
    }

    /// Each of `findings`, in order.
    pub(super) fn add_all(
        &mut self,
        findings: impl IntoIterator<Item = Finding>,
    ) -> Result<(), Error> {
        findings
            .into_iter()
            .try_for_each(|finding| self.add(finding))
    }

    /// Ok when no check failed.
    pub(super) fn finish(self) -> Result<(), Error> {
        match self.problems {
            0 => Ok(()),
            problems => Err(DoctorError::Problems(problems).into()),
        }
    }
}
