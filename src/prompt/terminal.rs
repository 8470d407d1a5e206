//! The hidden prompt on the controlling terminal (`/dev/tty`; git owns stdin
//! and stdout).
//!
//! Input is hidden, and the terminal is switched to byte-at-a-time mode
//! without signals for the prompt only, so that Ctrl-C and Ctrl-D arrive as
//! bytes and end in [`Error::Cancelled`] instead of killing the process with
//! echo still off; the previous settings are restored on every path out (see
//! gitoxide's `gix-prompt`). At most [`MAX_ANSWER`] printable characters are
//! kept.
//!
//! Never echo the answer, and never leave the terminal in prompt mode.

use std::fs::File;
use std::io::{Read, Write};

use super::{Error, Question, reason};

/// The longest answer kept; a TOTP code is 6 digits.
const MAX_ANSWER: usize = 64;

/// The controlling terminal, or why there is none.
pub(super) fn open() -> Result<File, String> {
    File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|error| reason(&error))
}

/// Asks on `tty`, hiding the answer. The terminal is in prompt mode before
/// the question shows (switching discards what was typed earlier), so that
/// nothing typed after it appears is lost or echoed.
pub(super) fn ask(tty: &File, question: &Question) -> Result<String, Error> {
    let restore = raw::Guard::enter(tty)?;
    let mut out = tty;
    write!(out, "{}", question.text()).map_err(terminal_error)?;
    let answer = read_hidden(tty);
    drop(restore);
    // The user's Enter was not echoed: end the prompt's line ourselves.
    writeln!(out).map_err(terminal_error)?;
    answer
}

fn terminal_error(error: std::io::Error) -> Error {
    Error::Terminal(reason(&error))
}

/// Reads one line in prompt mode, handling erase keys; Ctrl-C, Ctrl-D and a
/// closed terminal cancel.
fn read_hidden(tty: &File) -> Result<String, Error> {
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
