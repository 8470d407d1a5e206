//! The hidden prompt on the terminal (git owns stdin and stdout): the
//! controlling terminal `/dev/tty`, or on Windows the console, `CONIN$` and
//! `CONOUT$`, as Git for Windows prompts. Also a visible prompt for choosing
//! from a list.
//!
//! Input is hidden, and the terminal is switched to byte-at-a-time mode
//! without signals for the prompt only, so that Ctrl-C and Ctrl-D (Ctrl-Z on
//! Windows) arrive as bytes and end in [`Error::Cancelled`] instead of
//! killing the process with echo still off; the previous settings are
//! restored on every path out (see gitoxide's `gix-prompt`). At most
//! [`MAX_ANSWER`] printable characters are kept.
//!
//! On Unix, signals sent from outside while the prompt waits (`kill -INT`, a
//! supervisor's SIGTERM, SIGHUP, SIGQUIT) would still kill the process in prompt mode,
//! so for the prompt only they are caught: the wait is on the terminal and on
//! a self-pipe the signal handler writes to, and a caught signal ends the
//! prompt, settings restored, in [`Error::Interrupted`]. Nothing is installed
//! before a prompt shows (a cached `get` pays nothing), and after it the
//! signals have their default action again.
//!
//! Never echo a code, and never leave the terminal in prompt mode.

use std::fs::File;
use std::io::{Read, Write};

use super::error::Error;
use super::question::{Code, Question};
use crate::os::child::reason;
use crate::os::printable::printable;
use zeroize::Zeroizing;

/// The longest answer kept; a TOTP code is 6 digits.
const MAX_ANSWER: usize = 64;

/// The end-of-input keys: Ctrl-D, and on Windows Ctrl-Z as well.
const END_OF_INPUT: &[u8] = if cfg!(windows) { b"\x04\x1a" } else { b"\x04" };

/// Where the prompt reads keys and writes the question.
pub(super) struct Terminal {
    input: File,
    output: File,
}

/// The controlling terminal, or why there is none.
#[cfg(not(windows))]
pub(super) fn open() -> Result<Terminal, String> {
    let tty = File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|error| reason(&error))?;
    let output = tty.try_clone().map_err(|error| reason(&error))?;
    Ok(Terminal { input: tty, output })
}

/// The console, or why there is none (mintty, an IDE, a GUI client): its
/// input opened for writing too, which setting its mode needs.
#[cfg(windows)]
pub(super) fn open() -> Result<Terminal, String> {
    let console = |name, read| {
        File::options()
            .read(read)
            .write(true)
            .open(name)
            .map_err(|error| format!("no console: {}", reason(&error)))
    };
    Ok(Terminal {
        input: console("CONIN$", true)?,
        output: console("CONOUT$", false)?,
    })
}

/// Asks on `tty`, hiding the answer.
pub(super) fn ask(tty: &Terminal, question: &Question) -> Result<Code, Error> {
    ask_line(tty, &question.text(), false)
}

/// Shows `title` and the numbered `options` on `tty` and asks which one,
/// showing what is typed; three answers that are not one of the numbers
/// cancel. The index of the one chosen.
pub(super) fn choose(tty: &Terminal, title: &str, options: &[String]) -> Result<usize, Error> {
    let mut out = &tty.output;
    writeln!(out, "{}", printable(title)).map_err(Error::Terminal)?;
    for (number, option) in (1..).zip(options) {
        writeln!(out, "  {number}) {}", printable(option)).map_err(Error::Terminal)?;
    }
    let question = format!("Which one (1-{})? ", options.len());
    for _ in 0..3 {
        let answer = ask_line(tty, &question, true)?;
        if let Some(index) = answer
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|number| (1..=options.len()).contains(number))
        {
            return Ok(index - 1);
        }
    }
    Err(Error::Cancelled)
}

/// Asks `text` on `tty`, showing the answer as it is typed only with `echo`.
/// The terminal is in prompt mode before the question shows (switching
/// discards what was typed earlier), so that nothing typed after it appears
/// is lost or echoed by the terminal itself.
fn ask_line(tty: &Terminal, text: &str, echo: bool) -> Result<Code, Error> {
    let mode = raw::PromptMode::enter(&tty.input)?;
    let mut out = &tty.output;
    write!(out, "{text}").map_err(Error::Terminal)?;
    let answer = read_line(tty, &mode, echo);
    // A signal that came after the last key still ends the prompt.
    let interrupted = mode.leave();
    // The user's Enter was not echoed: end the prompt's line ourselves.
    let newline = writeln!(out).map_err(Error::Terminal);
    interrupted?;
    newline?;
    answer
}

/// Reads one line in prompt mode, handling erase keys, writing back what is
/// kept only with `echo`; Ctrl-C, [`END_OF_INPUT`] and a closed terminal cancel, a
/// caught signal interrupts.
fn read_line(tty: &Terminal, mode: &raw::PromptMode, echo: bool) -> Result<Code, Error> {
    let mut keys = &tty.input;
    let shown = |bytes: &[u8]| {
        if echo {
            let mut out = &tty.output;
            let _ = out.write_all(bytes);
        }
    };
    // Never grows past MAX_ANSWER: no copy is left behind.
    let mut answer = Code::new(String::with_capacity(MAX_ANSWER));
    let mut byte = Zeroizing::new([0u8; 1]);
    loop {
        mode.wait()?;
        if keys.read(&mut byte[..]).map_err(Error::Terminal)? == 0 {
            return Err(Error::Cancelled);
        }
        match byte[0] {
            b'\r' | b'\n' => return Ok(answer),
            0x03 => return Err(Error::Cancelled),
            end if END_OF_INPUT.contains(&end) => return Err(Error::Cancelled),
            0x7f | 0x08 if answer.pop().is_some() => shown(b"\x08 \x08"),
            0x15 => {
                shown(&b"\x08 \x08".repeat(answer.len()));
                answer.clear();
            }
            printable @ 0x20..=0x7e if answer.len() < MAX_ANSWER => {
                answer.push(char::from(printable));
                shown(&[printable]);
            }
            _ => {}
        }
    }
}

#[cfg(unix)]
mod raw {
    //! Prompt mode: terminal settings for the prompt, and the signals caught
    //! while it lasts; both undone on every path out, settings first.
    use std::ffi::c_int;
    use std::fs::File;
    use std::io;
    use std::os::fd::AsFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, PoisonError};

    use rustix::event::{self, PollFd, PollFlags};
    use rustix::io::Errno;
    use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    use signal_hook::low_level::{pipe, unregister};
    use signal_hook::{SigId, flag};

    use crate::prompt::error::{Error, Signal};

    /// The signals caught during the prompt.
    const CAUGHT: [(c_int, Signal); 4] = [
        (SIGINT, Signal::Interrupt),
        (SIGTERM, Signal::Terminate),
        (SIGHUP, Signal::HangUp),
        (SIGQUIT, Signal::Quit),
    ];

    /// Fields drop in order: the settings are restored before the signals
    /// get their default action back.
    pub struct PromptMode<'a> {
        settings: Settings<'a>,
        catch: Catch,
    }

    impl<'a> PromptMode<'a> {
        /// No echo, no line editing, no signals from keys: every key arrives
        /// as a byte. Signals are caught first, so that none can find the
        /// terminal changed with nobody left to restore it.
        pub fn enter(tty: &'a File) -> Result<Self, Error> {
            let catch = Catch::start().map_err(Error::Terminal)?;
            let saved = termios::tcgetattr(tty).map_err(|e| Error::Terminal(e.into()))?;
            let mut prompt = saved.clone();
            prompt.local_modes.remove(
                LocalModes::ECHO | LocalModes::ECHONL | LocalModes::ICANON | LocalModes::ISIG,
            );
            prompt.special_codes[SpecialCodeIndex::VMIN] = 1;
            prompt.special_codes[SpecialCodeIndex::VTIME] = 0;
            termios::tcsetattr(tty, OptionalActions::Flush, &prompt)
                .map_err(|e| Error::Terminal(e.into()))?;
            Ok(PromptMode {
                settings: Settings { tty, saved },
                catch,
            })
        }

        /// Waits for a key (or the terminal's end).
        pub fn wait(&self) -> Result<(), Error> {
            wait(self.settings.tty, &self.catch)
        }

        /// Restores the settings, then the signals' default action; a signal
        /// caught at any time during the prompt is the error.
        pub fn leave(self) -> Result<(), Error> {
            let PromptMode {
                settings,
                mut catch,
            } = self;
            drop(settings);
            catch
                .stop()
                .map_or(Ok(()), |signal| Err(Error::Interrupted(signal)))
        }
    }

    /// The terminal's settings before the prompt, restored on drop.
    struct Settings<'a> {
        tty: &'a File,
        saved: Termios,
    }

    impl Drop for Settings<'_> {
        fn drop(&mut self) {
            let _ = termios::tcsetattr(self.tty, OptionalActions::Now, &self.saved);
        }
    }

    /// Waits until `input` is readable (or closed), or a signal `catch`
    /// catches comes: [`Error::Interrupted`].
    fn wait(input: &impl AsFd, catch: &Catch) -> Result<(), Error> {
        loop {
            let mut fds = [
                PollFd::new(input, PollFlags::IN),
                PollFd::new(&catch.wake, PollFlags::IN),
            ];
            let polled = event::poll(&mut fds, None);
            if let Some(signal) = catch.caught() {
                return Err(Error::Interrupted(signal));
            }
            match polled {
                Err(Errno::INTR) => {}
                Err(error) => return Err(Error::Terminal(error.into())),
                Ok(_) => return Ok(()),
            }
        }
    }

    /// The signals in [`CAUGHT`], caught until [`Catch::stop`] (or drop).
    struct Catch {
        /// Which signal came: its index in [`CAUGHT`] plus one; 0 for none.
        caught: Arc<AtomicUsize>,
        /// The process's one switch for the signals' default action
        /// ([`default_action`]): off while catching, on again after.
        default_action: Arc<AtomicBool>,
        /// Removed when catching stops.
        actions: Vec<SigId>,
        /// Readable once a signal came (the handler writes a byte).
        wake: UnixStream,
    }

    impl Catch {
        fn start() -> io::Result<Self> {
            let (wake, writer) = UnixStream::pair()?;
            let default_action = default_action()?;
            default_action.store(false, Ordering::SeqCst);
            let mut catch = Catch {
                caught: Arc::default(),
                default_action,
                actions: Vec::new(),
                wake,
            };
            // Actions run in the order they were registered: the default
            // action (registered once, first, and idle while catching), then
            // the record, then the wake-up, so that a woken wait finds the
            // record.
            for (index, (number, _)) in CAUGHT.iter().enumerate() {
                catch.actions.push(flag::register_usize(
                    *number,
                    Arc::clone(&catch.caught),
                    index + 1,
                )?);
                catch
                    .actions
                    .push(pipe::register(*number, writer.try_clone()?)?);
            }
            Ok(catch)
        }

        /// The signal that came, if one did.
        fn caught(&self) -> Option<Signal> {
            let index = self.caught.load(Ordering::SeqCst).checked_sub(1)?;
            CAUGHT.get(index).map(|(_, signal)| *signal)
        }

        /// Gives the signals their default action back; the signal that
        /// came while catching, if one did.
        fn stop(&mut self) -> Option<Signal> {
            self.default_action.store(true, Ordering::SeqCst);
            for action in self.actions.drain(..) {
                unregister(action);
            }
            self.caught()
        }
    }

    impl Drop for Catch {
        fn drop(&mut self) {
            self.stop();
        }
    }

    /// The switch of the one conditional-default action each caught signal
    /// gets, at the first prompt, for the rest of the process: signal-hook
    /// keeps its handler installed after a prompt's actions are removed,
    /// which would leave the signals ignored, so this action gives them their
    /// default action whenever no prompt is catching them. Registered once:
    /// a second prompt (after a wrong code) must not find an earlier one's
    /// default action, switched on, ahead of its own.
    fn default_action() -> io::Result<Arc<AtomicBool>> {
        static SWITCH: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);
        let mut switch = SWITCH.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(on) = &*switch {
            return Ok(Arc::clone(on));
        }
        let on = Arc::new(AtomicBool::new(true));
        for (number, _) in CAUGHT {
            flag::register_conditional_default(number, Arc::clone(&on))?;
        }
        *switch = Some(Arc::clone(&on));
        Ok(on)
    }

    #[cfg(test)]
    mod tests {
        use signal_hook::low_level::raise;

        use super::*;

        #[test]
        fn a_caught_signal_ends_the_wait_and_is_named() {
            let (input, mut keys) = UnixStream::pair().unwrap();
            let mut catch = Catch::start().unwrap();
            std::io::Write::write_all(&mut keys, b"1").unwrap();
            assert!(wait(&input, &catch).is_ok());
            raise(SIGHUP).unwrap();
            assert!(matches!(
                wait(&input, &catch),
                Err(Error::Interrupted(Signal::HangUp))
            ));
            assert_eq!(catch.stop(), Some(Signal::HangUp));
        }
    }
}

#[cfg(windows)]
#[allow(unsafe_code)]
mod raw {
    //! Prompt mode on the Windows console: no echo, no line editing, Ctrl-C
    //! read as a key (processed input off), what was typed before discarded;
    //! the console's mode restored on drop. The console API has no safe
    //! wrapper in the crates this project uses, so these three calls are the
    //! crate's only `unsafe`.
    use std::fs::File;
    use std::io;
    use std::os::windows::io::AsRawHandle;

    use windows_sys::Win32::System::Console::{
        CONSOLE_MODE, ENABLE_ECHO_INPUT, ENABLE_LINE_INPUT, ENABLE_PROCESSED_INPUT,
        FlushConsoleInputBuffer, GetConsoleMode, SetConsoleMode,
    };

    use crate::prompt::error::Error;

    /// The console input's mode before the prompt, restored on drop.
    pub struct PromptMode<'a> {
        input: &'a File,
        saved: CONSOLE_MODE,
    }

    impl<'a> PromptMode<'a> {
        pub fn enter(input: &'a File) -> Result<Self, Error> {
            let handle = input.as_raw_handle();
            let mut saved: CONSOLE_MODE = 0;
            // SAFETY: `handle` is the console input `input` holds open for
            // the whole call, and `saved` a live place for the mode.
            let got = unsafe { GetConsoleMode(handle, &mut saved) };
            check(got)?;
            let prompt = saved & !(ENABLE_ECHO_INPUT | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT);
            set(input, prompt)?;
            let mode = PromptMode { input, saved };
            // SAFETY: as above; the call only discards pending input.
            check(unsafe { FlushConsoleInputBuffer(handle) })?;
            Ok(mode)
        }

        /// Reading blocks until a key comes: nothing to wait for first.
        pub fn wait(&self) -> Result<(), Error> {
            Ok(())
        }

        pub fn leave(self) -> Result<(), Error> {
            Ok(())
        }
    }

    impl Drop for PromptMode<'_> {
        fn drop(&mut self) {
            let _ = set(self.input, self.saved);
        }
    }

    fn set(input: &File, mode: CONSOLE_MODE) -> Result<(), Error> {
        // SAFETY: the handle is the console input `input` holds open.
        check(unsafe { SetConsoleMode(input.as_raw_handle(), mode) })
    }

    /// A console call's result: nonzero is success, else the last error.
    fn check(result: i32) -> Result<(), Error> {
        if result == 0 {
            Err(Error::Terminal(io::Error::last_os_error()))
        } else {
            Ok(())
        }
    }
}
