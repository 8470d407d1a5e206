//! The askpass program: which one git would choose, and asking it.
//!
//! The choice is git's: `GIT_ASKPASS`, else `core.askPass`, else
//! `SSH_ASKPASS`; the first one *set* wins, and an empty one means "no
//! askpass". It runs as git runs it: the program itself, not through a shell
//! (git's `prompt.c` `do_askpass`, no `use_shell`), the prompt as its one
//! argument, stdin closed, the answer on its stdout up to the first CR or LF
//! (git's `strcspn(buf, "\r\n")`). A non-zero exit is the user's Cancel.
//!
//! Never trim or check the answer here (the caller does), and never put it
//! in an error: errors name the program and where it was configured only.

use std::ffi::{OsStr, OsString};
use std::process::{Command, Stdio};

use super::error::Error;
use super::question::Question;

/// An askpass program and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Askpass {
    pub(super) program: OsString,
    pub(super) source_name: &'static str,
}

/// git's choice of askpass program: the first of `GIT_ASKPASS`,
/// `core.askPass` and `SSH_ASKPASS` that is set; none if that one is empty.
/// `core.askPass` is looked up only when `GIT_ASKPASS` is unset.
pub(super) fn configured(
    git_askpass: Option<&OsStr>,
    core_askpass: impl FnOnce() -> Option<String>,
    ssh_askpass: Option<&OsStr>,
) -> Option<Askpass> {
    let (program, source_name) = match git_askpass {
        Some(program) => (program.to_owned(), "GIT_ASKPASS"),
        None => match core_askpass() {
            Some(program) => (program.into(), "core.askPass"),
            None => (ssh_askpass?.to_owned(), "SSH_ASKPASS"),
        },
    };
    (!program.is_empty()).then_some(Askpass {
        program,
        source_name,
    })
}

/// Asks `askpass`; its non-zero exit is the user's Cancel.
pub(super) fn run(askpass: &Askpass, question: &Question) -> Result<String, Error> {
    let out = Command::new(&askpass.program)
        .arg(question.text())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| Error::Askpass {
            program: askpass.program.to_string_lossy().into_owned(),
            source_name: askpass.source_name,
            source: error,
        })?;
    if !out.status.success() {
        return Err(Error::Cancelled);
    }
    Ok(answer_from_askpass(&out.stdout))
}

/// The answer in askpass's output: up to the first CR or LF, as git reads it.
fn answer_from_askpass(output: &[u8]) -> String {
    let line = output
        .split(|&byte| byte == b'\r' || byte == b'\n')
        .next()
        .unwrap_or_default();
    String::from_utf8_lossy(line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_askpass_answer_ends_at_the_first_line_break_as_in_git() {
        assert_eq!(answer_from_askpass(b"123456\n"), "123456");
        assert_eq!(answer_from_askpass(b"123456\r\n"), "123456");
        assert_eq!(answer_from_askpass(b"123456"), "123456");
        assert_eq!(answer_from_askpass(b"123456\nsecond line\n"), "123456");
        assert_eq!(answer_from_askpass(b"\n"), "");
        assert_eq!(answer_from_askpass(b""), "");
        // Not trimmed, as git does not trim: the caller refuses " 123456".
        assert_eq!(answer_from_askpass(b" 123456\n"), " 123456");
    }

    fn os(text: &str) -> Option<&OsStr> {
        Some(OsStr::new(text))
    }

    fn chosen(program: &str, source_name: &'static str) -> Option<Askpass> {
        Some(Askpass {
            program: program.into(),
            source_name,
        })
    }

    #[test]
    fn askpass_is_git_askpass_then_core_askpass_then_ssh_askpass() {
        let unread = || -> Option<String> { panic!("core.askPass read needlessly") };
        assert_eq!(
            configured(os("/a/git"), unread, os("/a/ssh")),
            chosen("/a/git", "GIT_ASKPASS")
        );
        assert_eq!(
            configured(None, || Some("/a/core".into()), os("/a/ssh")),
            chosen("/a/core", "core.askPass")
        );
        assert_eq!(
            configured(None, || None, os("/a/ssh")),
            chosen("/a/ssh", "SSH_ASKPASS")
        );
        assert_eq!(configured(None, || None, None), None);
    }

    #[test]
    fn an_empty_askpass_setting_disables_askpass_as_in_git() {
        let unread = || -> Option<String> { panic!("core.askPass read needlessly") };
        assert_eq!(configured(os(""), unread, os("/a/ssh")), None);
        assert_eq!(configured(None, || Some(String::new()), os("/a/ssh")), None);
        assert_eq!(configured(None, || None, os("")), None);
    }
}
