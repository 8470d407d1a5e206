//! The profile's `mfa_process`: a command that prints the TOTP code.
//!
//! It runs through the shell (`sh -c`; `cmd /C` on Windows) as
//! [`crate::os::child`] runs programs: no stdin, stderr to the user (the tool may
//! ask for its own PIN there or on `/dev/tty`), within the timeout it is
//! given ([`PROCESS_TIMEOUT`] in real use). The code is the last
//! whitespace-separated word of its output, so that `ykman`'s `aws  123456`
//! works; the caller checks the six digits.
//!
//! Never put the command line (it may hold a TOTP seed, `oathtool -b …`) or
//! its output in an error: errors name the exit status only.

use std::process::Command;
use std::time::Duration;

use super::error::Error;
use super::question::Code;
use crate::os::child;

/// How long `mfa_process` may take, PIN entry or key touch included.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `mfa_process` and returns its code, within `timeout`.
pub(super) fn run(command: &str, timeout: Duration) -> Result<Code, Error> {
    let output = child::output(shell(command), timeout, child::Stderr::ToUser).map_err(
        |error| match error {
            child::Error::Start(source) => Error::ProcessStart(source),
            child::Error::Failed(status) | child::Error::Said { status, .. } => {
                Error::ProcessFailed(status)
            }
            child::Error::Timeout(seconds) => Error::ProcessTimeout(seconds),
        },
    )?;
    code_from_process(&output).ok_or(Error::ProcessNoOutput)
}

/// `command` through the shell, as `mfa_process`.
#[cfg(not(windows))]
fn shell(command: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(command);
    shell
}

/// `command` through `cmd`, as `mfa_process`, passed on unquoted.
#[cfg(windows)]
fn shell(command: &str) -> Command {
    use std::os::windows::process::CommandExt;
    let mut shell = Command::new("cmd");
    shell.arg("/C").raw_arg(command);
    shell
}

/// The code in `mfa_process`'s output: the last whitespace-separated word
/// (all of it when it is one word), `None` when there is none.
fn code_from_process(output: &[u8]) -> Option<Code> {
    let text = Code::new(String::from_utf8_lossy(output).into_owned());
    text.split_whitespace()
        .next_back()
        .map(|code| Code::new(code.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_the_process_output_or_its_last_word() {
        assert_eq!(
            code_from_process(b"123456\n")
                .as_deref()
                .map(String::as_str),
            Some("123456")
        );
        assert_eq!(
            code_from_process(b"  123456  ")
                .as_deref()
                .map(String::as_str),
            Some("123456")
        );
        assert_eq!(
            code_from_process(b"aws  123456\n")
                .as_deref()
                .map(String::as_str),
            Some("123456")
        );
        assert_eq!(
            code_from_process(b"Touch your YubiKey...\r\naws 654321\r\n")
                .as_deref()
                .map(String::as_str),
            Some("654321")
        );
        assert_eq!(code_from_process(b""), None);
        assert_eq!(code_from_process(b" \n\t\n"), None);
    }

    #[cfg(unix)]
    mod running {
        use std::time::Instant;

        use super::*;

        const SECOND: Duration = Duration::from_secs(1);

        #[test]
        fn a_process_prints_the_code() {
            assert_eq!(*run("echo 123456", SECOND).unwrap(), "123456");
            assert_eq!(*run("printf 'aws  123456\\n'", SECOND).unwrap(), "123456");
        }

        #[test]
        fn a_failed_process_names_its_status_not_its_output_or_command() {
            let error = run("echo 999999; exit 3", SECOND).unwrap_err();
            let message = error.to_string();
            assert!(matches!(error, Error::ProcessFailed(_)), "{message}");
            assert!(message.contains("exit status 3"), "{message}");
            assert!(!message.contains("999999") && !message.contains("echo"));
        }

        #[test]
        fn a_silent_process_is_an_error() {
            assert!(matches!(run("true", SECOND), Err(Error::ProcessNoOutput)));
        }

        #[test]
        fn a_slow_process_is_stopped() {
            let started = Instant::now();
            let error = run("sleep 5", Duration::from_millis(200)).unwrap_err();
            assert!(matches!(error, Error::ProcessTimeout(_)), "{error}");
            assert!(started.elapsed() < Duration::from_secs(3));
        }

        #[test]
        fn a_background_process_holding_the_output_does_not_block_the_code() {
            let started = Instant::now();
            let code = run("echo 123456; sleep 5 &", SECOND).unwrap();
            assert_eq!(*code, "123456");
            assert!(started.elapsed() < Duration::from_secs(3));
        }

        #[test]
        fn the_process_gets_no_stdin() {
            // `cat` would block on an inherited stdin; on /dev/null it ends.
            assert!(matches!(run("cat", SECOND), Err(Error::ProcessNoOutput)));
        }
    }
}
