//! The askpass program: which one git would choose, and asking it.
//!
//! The choice is git's: `GIT_ASKPASS`, else `core.askPass`, else
//! `SSH_ASKPASS`; the first one *set* wins, and an empty one means "no
//! askpass". It runs as git runs it: the program itself, not through a shell
//! (git's `prompt.c` `do_askpass`, no `use_shell`), the prompt as its one
//! argument, stdin closed, the answer on its stdout up to the first CR or LF
//! (git's `strcspn(buf, "\r\n")`). A non-zero exit is the user's Cancel.
//! Unlike git, it waits at most [`ASKPASS_TIMEOUT`] and reads at most
//! what [`child`] reads of any program.
//!
//! Never trim or check the answer here (the caller does), and never put it
//! in an error: errors name the program and where it was configured only.

use std::ffi::{OsStr, OsString};
use std::process::Command;
use std::time::Duration;

use super::error::Error;
use super::question::{Code, Question};
use crate::os::child::{self, Stderr};

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

/// How long a dialog may wait for its person: codes change every 30
/// seconds, and one left for minutes has been walked away from.
pub(super) const ASKPASS_TIMEOUT: Duration = Duration::from_secs(180);

/// Asks `askpass`, waiting at most `timeout`; its non-zero exit is the
/// user's Cancel.
pub(super) fn run(
    askpass: &Askpass,
    question: &Question,
    timeout: Duration,
) -> Result<Code, Error> {
    let mut command = Command::new(&askpass.program);
    command.arg(question.text());
    let program = || askpass.program.to_string_lossy().into_owned();
    match child::output(command, timeout, Stderr::ToUser) {
        Ok(out) => Ok(answer_from_askpass(&out)),
        Err(child::Error::Start(source)) => Err(Error::Askpass {
            program: program(),
            source_name: askpass.source_name,
            source,
        }),
        Err(child::Error::Timeout(seconds)) => Err(Error::AskpassTimeout {
            program: program(),
            source_name: askpass.source_name,
            seconds,
        }),
        Err(child::Error::Failed(_) | child::Error::Said { .. }) => Err(Error::Cancelled),
    }
}

/// The answer in askpass's output: up to the first CR or LF, as git reads it.
fn answer_from_askpass(output: &[u8]) -> Code {
    let line = output
        .split(|&byte| byte == b'\r' || byte == b'\n')
        .next()
        .unwrap_or_default();
    Code::new(String::from_utf8_lossy(line).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_askpass_answer_ends_at_the_first_line_break_as_in_git() {
        assert_eq!(*answer_from_askpass(b"123456\n"), "123456");
        assert_eq!(*answer_from_askpass(b"123456\r\n"), "123456");
        assert_eq!(*answer_from_askpass(b"123456"), "123456");
        assert_eq!(*answer_from_askpass(b"123456\nsecond line\n"), "123456");
        assert_eq!(*answer_from_askpass(b"\n"), "");
        assert_eq!(*answer_from_askpass(b""), "");
        // Not trimmed, as git does not trim: the caller refuses " 123456".
        assert_eq!(*answer_from_askpass(b" 123456\n"), " 123456");
    }

    #[cfg(unix)]
    mod running {
        use super::*;
        use std::time::Instant;

        /// An askpass program that runs `script` with `sh`.
        fn script(dir: &tempfile::TempDir, script: &str) -> Askpass {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join("askpass");
            std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            Askpass {
                program: path.into(),
                source_name: "GIT_ASKPASS",
            }
        }

        const QUESTION: Question = Question {
            mfa_serial: "arn:aws:iam::1:mfa/a",
            mfa_process: None,
        };

        #[test]
        fn a_dialog_nobody_answers_is_stopped_at_its_bound() {
            let dir = tempfile::tempdir().unwrap();
            let started = Instant::now();
            let error = run(
                &script(&dir, "sleep 30"),
                &QUESTION,
                Duration::from_millis(300),
            )
            .unwrap_err();
            assert!(started.elapsed() < Duration::from_secs(5));
            assert!(
                error.to_string().ends_with(
                    "(from GIT_ASKPASS) gave no answer within 0 seconds and was stopped"
                ),
                "{error}"
            );
        }

        #[test]
        fn endless_output_is_read_no_further_than_a_bound() {
            let dir = tempfile::tempdir().unwrap();
            let started = Instant::now();
            let result = run(
                &script(&dir, "yes 123456"),
                &QUESTION,
                Duration::from_secs(20),
            );
            assert!(started.elapsed() < Duration::from_secs(10));
            // yes ends on the closed pipe: a failed askpass, the user's Cancel.
            assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
            let answer = run(
                &script(&dir, "echo 123456"),
                &QUESTION,
                Duration::from_secs(20),
            );
            assert_eq!(*answer.unwrap(), "123456");
        }
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
