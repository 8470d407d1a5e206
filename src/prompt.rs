//! Asking the user for a TOTP code.
//!
//! git owns stdin and stdout, so the code is read from the controlling
//! terminal (`/dev/tty`), never from stdin. Input is hidden, and the terminal
//! is switched to byte-at-a-time mode without signals for the prompt only, so
//! that Ctrl-C and Ctrl-D arrive as bytes and end in [`Error::Cancelled`]
//! instead of killing the process with echo still off; the previous terminal
//! settings are restored on every path out (see gitoxide's `gix-prompt`).
//! `GIT_TERMINAL_PROMPT=0` disables the prompt, as it does git's own.
//! The code is returned to the caller only: never logged, never echoed.

use std::fs::File;
use std::io::{Read, Write};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "an MFA code is needed, but prompting is off (GIT_TERMINAL_PROMPT=0); run `git-credential-mfa-codecommit login` in a terminal first"
    )]
    Disabled,
    #[error(
        "an MFA code is needed, but there is no terminal to ask on ({0}); run `git-credential-mfa-codecommit login` in a terminal first"
    )]
    NoTerminal(String),
    #[error("MFA prompt cancelled")]
    Cancelled,
    #[error("could not read the MFA code from the terminal: {0}")]
    Terminal(String),
}

/// What the user is asked for.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// The MFA device the code is for.
    pub mfa_serial: &'a str,
    /// The profile's `mfa_process`: a command that prints the code.
    pub mfa_process: Option<&'a str>,
}

/// Where TOTP codes come from; the real one is [`Terminal`].
pub trait TotpPrompt {
    /// One answer to `MFA code for <mfa_serial>: `, unchecked.
    fn ask(&self, question: &Question) -> Result<String, Error>;
}

/// The controlling terminal.
#[derive(Debug)]
pub struct Terminal {
    /// False when git said not to prompt (`GIT_TERMINAL_PROMPT=0`).
    pub enabled: bool,
}

impl TotpPrompt for Terminal {
    fn ask(&self, question: &Question) -> Result<String, Error> {
        let mfa_serial = question.mfa_serial;
        if !self.enabled {
            return Err(Error::Disabled);
        }
        let mut tty = File::options()
            .read(true)
            .write(true)
            .open("/dev/tty")
            .map_err(|error| Error::NoTerminal(error.kind().to_string()))?;
        write!(tty, "MFA code for {mfa_serial}: ").map_err(terminal_error)?;
        let answer = read_hidden(&tty);
        // The user's Enter was not echoed: end the prompt's line ourselves.
        writeln!(tty).map_err(terminal_error)?;
        answer
    }
}

fn terminal_error(error: std::io::Error) -> Error {
    Error::Terminal(error.kind().to_string())
}

/// The longest answer kept; a TOTP code is 6 digits.
const MAX_ANSWER: usize = 64;

/// Reads one line without echo, handling erase keys; Ctrl-C, Ctrl-D and a
/// closed terminal cancel.
fn read_hidden(tty: &File) -> Result<String, Error> {
    let _restore = raw::Guard::enter(tty)?;
    let mut tty = tty;
    let mut answer = String::new();
    let mut byte = [0u8; 1];
    loop {
        if tty.read(&mut byte).map_err(terminal_error)? == 0 {
            return Err(Error::Cancelled);
        }
        match byte[0] {
            b'\r' | b'\n' => return Ok(answer),
            0x03 | 0x04 => return Err(Error::Cancelled),
            0x7f | 0x08 => {
                answer.pop();
            }
            0x15 => answer.clear(),
            printable @ 0x20..=0x7e if answer.len() < MAX_ANSWER => {
                answer.push(char::from(printable));
            }
            _ => {}
        }
    }
}

#[cfg(unix)]
mod raw {
    //! Terminal modes for the prompt, restored on drop.
    use std::fs::File;

    use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};

    use super::{Error, terminal_error};

    pub struct Guard<'a> {
        tty: &'a File,
        saved: Termios,
    }

    impl<'a> Guard<'a> {
        /// No echo, no line editing, no signals: every key arrives as a byte.
        pub fn enter(tty: &'a File) -> Result<Self, Error> {
            let saved = termios::tcgetattr(tty).map_err(|e| terminal_error(e.into()))?;
            let mut prompt = saved.clone();
            prompt.local_modes.remove(
                LocalModes::ECHO | LocalModes::ECHONL | LocalModes::ICANON | LocalModes::ISIG,
            );
            prompt.special_codes[SpecialCodeIndex::VMIN] = 1;
            prompt.special_codes[SpecialCodeIndex::VTIME] = 0;
            termios::tcsetattr(tty, OptionalActions::Flush, &prompt)
                .map_err(|e| terminal_error(e.into()))?;
            Ok(Guard { tty, saved })
        }
    }

    impl Drop for Guard<'_> {
        fn drop(&mut self) {
            let _ = termios::tcsetattr(self.tty, OptionalActions::Now, &self.saved);
        }
    }
}

#[cfg(not(unix))]
mod raw {
    //! No terminal prompt on this platform yet.
    use std::fs::File;

    use super::Error;

    pub struct Guard;

    impl Guard {
        pub fn enter(_: &File) -> Result<Self, Error> {
            Err(Error::NoTerminal(
                "not supported on this platform".to_owned(),
            ))
        }
    }
}
