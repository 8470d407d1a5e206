//! Running a program the user configured (`mfa_process`, `credential_process`)
//! to its output, within a deadline.
//!
//! stdin is closed (git's request has been read; nothing else is there);
//! stderr goes to the user (the program may ask for a PIN there or on
//! `/dev/tty`), or is kept to say why the program failed; stdout is read on a
//! thread into a capped buffer, so that a background process holding it open
//! cannot block the answer; a program still running at the deadline is
//! killed. Errors name the exit status and, where kept, the first line the
//! program wrote on stderr, never the command line or its output, either of
//! which may hold a secret. The output may be a code or keys: it is read
//! into buffers that never grow (no copy is left behind) and wiped when
//! dropped.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// The most of a program's output that is read.
const MAX_OUTPUT: usize = 64 * 1024;

/// How long to wait for the end of the output once the program has exited:
/// only a background process it left behind can hold it open.
const EOF_GRACE: Duration = Duration::from_millis(500);

/// The most of a failed program's own message that an error repeats.
const MAX_MESSAGE: usize = 200;

/// Where the program's stderr goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// To the user, as it comes.
    ToUser,
    /// Kept, for the error when the program fails.
    Kept,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not start it: {}", reason(.0))]
    Start(#[source] std::io::Error),
    #[error("it failed ({0})")]
    Failed(String),
    #[error("it failed ({status}): {said}")]
    Said { status: String, said: String },
    #[error("it did not finish within {0} seconds and was stopped")]
    Timeout(u64),
}

/// Runs `command` and returns what it printed on stdout (at most
/// [`MAX_OUTPUT`] bytes) once it has exited successfully within `timeout`.
pub fn output(
    mut command: Command,
    timeout: Duration,
    stderr: Stderr,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let deadline = Instant::now() + timeout;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(match stderr {
            Stderr::ToUser => Stdio::inherit(),
            Stderr::Kept => Stdio::piped(),
        })
        .spawn()
        .map_err(Error::Start)?;
    let (ended, end) = mpsc::channel();
    let output = capture(child.stdout.take(), ended.clone());
    let message = capture(child.stderr.take(), ended);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Timeout(timeout.as_secs()));
            }
            Err(error) => return Err(Error::Failed(reason(&error))),
        }
    };
    let grace = Instant::now() + EOF_GRACE;
    for _ in 0..2 {
        let _ = end.recv_timeout(grace.saturating_duration_since(Instant::now()));
    }
    let taken = |buffer: &Mutex<Zeroizing<Vec<u8>>>| {
        std::mem::take(&mut *buffer.lock().unwrap_or_else(PoisonError::into_inner))
    };
    if !status.success() {
        let message = taken(&message);
        let said = String::from_utf8_lossy(&message);
        return Err(
            match said.lines().map(str::trim).find(|line| !line.is_empty()) {
                Some(line) => Error::Said {
                    status: describe(status),
                    said: line.chars().take(MAX_MESSAGE).collect(),
                },
                None => Error::Failed(describe(status)),
            },
        );
    }
    Ok(taken(&output))
}

/// What `pipe` gives, read on a thread into a buffer the caller can take
/// at any time; `ended` is told when it closes. No pipe, no reading.
fn capture(
    pipe: Option<impl Read + Send + 'static>,
    ended: mpsc::Sender<()>,
) -> Arc<Mutex<Zeroizing<Vec<u8>>>> {
    let buffer = Arc::new(Mutex::new(Zeroizing::new(Vec::with_capacity(MAX_OUTPUT))));
    let filled = Arc::clone(&buffer);
    std::thread::spawn(move || {
        if let Some(pipe) = pipe {
            read_capped(pipe, &filled);
        }
        let _ = ended.send(());
    });
    buffer
}

/// Appends what `from` gives to `to`, up to [`MAX_OUTPUT`] bytes; then stops
/// reading (a writer that goes on gets a broken pipe).
fn read_capped(mut from: impl Read, to: &Mutex<Zeroizing<Vec<u8>>>) {
    // Wiped when dropped, as the buffer is.
    let mut chunk = Zeroizing::new([0u8; 4096]);
    while let Ok(read @ 1..) = from.read(&mut chunk[..]) {
        let mut to = to.lock().unwrap_or_else(PoisonError::into_inner);
        if to.len() + read > MAX_OUTPUT {
            return;
        }
        to.extend_from_slice(&chunk[..read]);
    }
}

/// `exit status 3`, or the signal that ended the process.
fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit status {code}"),
        None => status.to_string(),
    }
}

/// An I/O error's text without its `(os error N)`.
pub fn reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn output_of(command: Command, timeout: Duration) -> Result<Vec<u8>, Error> {
        output(command, timeout, Stderr::ToUser).map(|out| out.to_vec())
    }

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        command
    }

    #[test]
    fn the_output_of_a_program_that_succeeds() {
        assert_eq!(output_of(sh("echo hi"), SECOND).unwrap(), b"hi\n");
    }

    #[test]
    fn a_failed_program_names_its_status_not_its_output() {
        let message = output_of(sh("echo 999999; exit 3"), SECOND)
            .unwrap_err()
            .to_string();
        assert_eq!(message, "it failed (exit status 3)");
    }

    #[test]
    fn a_kept_stderr_says_why_a_program_failed() {
        let failed = |script| {
            output(sh(script), SECOND, Stderr::Kept)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            failed("echo out; printf '\\n  access denied\\nmore\\n' >&2; exit 2"),
            "it failed (exit status 2): access denied"
        );
        assert_eq!(failed("exit 3"), "it failed (exit status 3)");
        assert_eq!(
            *output(sh("echo x >&2; echo y"), SECOND, Stderr::Kept).unwrap(),
            b"y\n"
        );
    }

    #[test]
    fn a_slow_program_is_stopped() {
        let started = Instant::now();
        let error = output_of(sh("sleep 5"), Duration::from_millis(200)).unwrap_err();
        assert!(matches!(error, Error::Timeout(0)), "{error}");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn a_background_process_holding_the_output_does_not_block() {
        let started = Instant::now();
        assert_eq!(output_of(sh("echo 1; sleep 5 &"), SECOND).unwrap(), b"1\n");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn the_program_gets_no_stdin() {
        // `cat` would block on an inherited stdin; on /dev/null it ends.
        assert_eq!(output_of(sh("cat"), SECOND).unwrap(), b"");
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let error = output_of(Command::new("/nonexistent/program"), SECOND).unwrap_err();
        assert!(matches!(error, Error::Start(_)), "{error}");
    }
}
