//! Where TOTP codes come from: the profile's `mfa_process`, the terminal, or
//! an askpass program, tried in this order (git's own
//! order is in `Documentation/gitcredentials.adoc`, "Requesting credentials"). This module holds the
//! order and the gating; each source is run by its own submodule.
//!
//! 1. **`mfa_process`** (a profile key; `process.rs`): a command that
//!    prints the code, such as `ykman oath accounts code -s aws`,
//!    `op item get … --otp` or `pass otp …`, given at most
//!    [`PROCESS_TIMEOUT`]. The user configured it on purpose, so when it
//!    fails (non-zero exit, no output, timeout) that is the answer: no other
//!    source is tried. It is not prompting, so `GIT_TERMINAL_PROMPT=0` and
//!    `credential.interactive` do not stop it.
//! 2. **The terminal** (`/dev/tty`; `terminal.rs`; git owns stdin and
//!    stdout), with the input hidden; Ctrl-C and Ctrl-D end in
//!    [`Error::Cancelled`], and SIGINT, SIGTERM or SIGHUP sent while it
//!    waits in [`Error::Interrupted`]. Skipped when `GIT_TERMINAL_PROMPT` is
//!    false, or when there is no controlling terminal.
//! 3. **An askpass program** (`askpass.rs`): `GIT_ASKPASS`, else git's
//!    `core.askPass` (read with `git config`, as git does not export it to
//!    helpers), else `SSH_ASKPASS`; the first one *set* is chosen, and an
//!    empty one means "no askpass", as in git. A non-zero exit means the user
//!    pressed Cancel: [`Error::Cancelled`], so git is told to quit (git
//!    itself would go on to the terminal, which we have already passed).
//! 4. Nothing available: one error naming the ways out.
//!
//! What disables what:
//! - `credential.interactive=false` (or `never`, or any false boolean;
//!   git ≥ 2.47; one global key, not URL-scoped; read only once an
//!   interactive prompt is about to happen) disables the terminal *and*
//!   askpass, as it does git's own prompts;
//! - `GIT_TERMINAL_PROMPT=0` disables the terminal only, exactly as in git:
//!   git's `git_prompt()` tries askpass first and consults
//!   `GIT_TERMINAL_PROMPT` only for its terminal fallback. Our order differs
//!   on purpose (terminal before askpass, so that a desktop's `SSH_ASKPASS`
//!   does not pop up a dialog in front of a user at a terminal), but the
//!   gating is git's.
//! - Neither gate applies to `login`, which a person runs in order to be
//!   asked, and which the errors here recommend.
//!
//! This module and its submodules are the only code that touches the
//! terminal or runs a prompt program. The code, and whatever `mfa_process`
//! or askpass print, is returned to the caller only: never logged, echoed,
//! or put in an error or panic message. Errors name a command's exit status,
//! never its output, and never the `mfa_process` command line, which may
//! hold a TOTP seed (`oathtool -b …`).
//!
//! It imports only the OS floor: what git's config says comes in through
//! [`GitSettings`], which `crate::git` implements; `crate::session` asks it.

mod askpass;
mod error;
mod process;
mod question;
mod terminal;

use std::ffi::OsString;
use std::time::Duration;

use crate::os::log::Log;

use askpass::Askpass;
pub use error::{Error, Signal};
pub use process::PROCESS_TIMEOUT;
pub use question::{Code, Question};

/// What git's configuration says of prompting, read only when a prompt is
/// about to happen (git does not export it to helpers); the real one is
/// `git::config::GitCommand`.
pub trait GitSettings {
    /// Whether `credential.interactive` lets a helper prompt.
    fn interactive(&self) -> bool;
    /// `core.askPass`, `~/` expanded; `None` when unset.
    fn askpass(&self) -> Option<String>;
}

/// Where TOTP codes come from, and the user's choice among MFA devices;
/// the real one is [`Sources`].
pub trait Prompter {
    /// One answer to `MFA code for <mfa_serial>: `, unchecked.
    fn ask(&self, question: &Question) -> Result<Code, Error>;
    /// The index of the option the user picks on the terminal, after
    /// `title`; only a person at a terminal is asked.
    fn choose(&self, title: &str, options: &[String]) -> Result<usize, Error>;
}

/// No prompt at all, for a command that must not ask (`doctor` without
/// `--login`): every question is [`Error::NotAsked`], and `mfa_process` is
/// not run either.
#[derive(Debug, Default)]
pub struct Never;

impl Prompter for Never {
    fn ask(&self, _: &Question) -> Result<Code, Error> {
        Err(Error::NotAsked)
    }

    fn choose(&self, _: &str, _: &[String]) -> Result<usize, Error> {
        Err(Error::NotAsked)
    }
}

/// The real prompt: `mfa_process`, the terminal, askpass, in this order.
///
/// The environment comes in as values (`main.rs` reads it), so that tests
/// choose the settings.
pub struct Sources<'a> {
    /// False for `login`, which a person runs in order to be prompted: git's
    /// gates are for git's own runs of the helper, so `credential.interactive`
    /// is not read (and `terminal` should be true).
    pub asked_by_git: bool,
    /// False when `GIT_TERMINAL_PROMPT` is false.
    pub terminal: bool,
    /// `GIT_ASKPASS`, as set: `Some("")` is "set, empty", which disables
    /// askpass altogether, as in git.
    pub git_askpass: Option<OsString>,
    /// `SSH_ASKPASS`, as set.
    pub ssh_askpass: Option<OsString>,
    /// `core.askPass` and `credential.interactive` are read here, and only
    /// when needed.
    pub git_config: &'a dyn GitSettings,
    pub log: &'a dyn Log,
    /// How long `mfa_process` may take: [`PROCESS_TIMEOUT`].
    pub process_timeout: Duration,
}

impl Prompter for Sources<'_> {
    fn choose(&self, title: &str, options: &[String]) -> Result<usize, Error> {
        let tty = terminal::open().map_err(Error::NoTerminal)?;
        terminal::choose(&tty, title, options)
    }

    fn ask(&self, question: &Question) -> Result<Code, Error> {
        if let Some(command) = question.mfa_process {
            self.log
                .step("getting the MFA code from the profile's mfa_process");
            return process::run(command, self.process_timeout);
        }
        let choice = choose(
            || !self.asked_by_git || self.git_config.interactive(),
            self.terminal,
            terminal::open,
            || {
                askpass::configured(
                    self.git_askpass.as_deref(),
                    || self.git_config.askpass(),
                    self.ssh_askpass.as_deref(),
                )
            },
        );
        match choice? {
            Interactive::Terminal(tty) => {
                self.log.step("asking for the MFA code on the terminal");
                terminal::ask(&tty, question)
            }
            Interactive::Askpass(askpass, no_terminal) => {
                if let Some(reason) = no_terminal {
                    self.log.step(&format!("no terminal ({reason})"));
                }
                self.log.step(&format!(
                    "asking for the MFA code with {} ({})",
                    askpass.source_name,
                    askpass.program.to_string_lossy()
                ));
                askpass::run(&askpass, question, askpass::ASKPASS_TIMEOUT)
            }
        }
    }
}

/// An interactive source that is available.
#[derive(Debug)]
enum Interactive<T> {
    Terminal(T),
    /// With why the terminal was passed over, if it was not disabled.
    Askpass(Askpass, Option<String>),
}

/// The order and gating of the interactive sources, once there is no
/// `mfa_process`. Each look-up runs only when its step is reached: no
/// `git config` when the terminal answers, no terminal when prompting is off.
fn choose<T>(
    interactive: impl FnOnce() -> bool,
    terminal_allowed: bool,
    open_terminal: impl FnOnce() -> Result<T, String>,
    askpass: impl FnOnce() -> Option<Askpass>,
) -> Result<Interactive<T>, Error> {
    if !interactive() {
        return Err(Error::NotInteractive);
    }
    let no_terminal = if terminal_allowed {
        match open_terminal() {
            Ok(tty) => return Ok(Interactive::Terminal(tty)),
            Err(reason) => Some(reason),
        }
    } else {
        None
    };
    match (askpass(), no_terminal) {
        (Some(askpass), no_terminal) => Ok(Interactive::Askpass(askpass, no_terminal)),
        (None, Some(reason)) => Err(Error::NoTerminal(reason)),
        (None, None) => Err(Error::Disabled),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// Runs `choose` with the given facts, counting each look-up.
    struct Facts {
        interactive: bool,
        terminal_allowed: bool,
        terminal: Result<(), &'static str>,
        askpass: Option<Askpass>,
        looked_up: Cell<[usize; 3]>,
    }

    impl Facts {
        fn new() -> Self {
            Facts {
                interactive: true,
                terminal_allowed: true,
                terminal: Ok(()),
                askpass: Some(Askpass {
                    program: "/a/git".into(),
                    source_name: "GIT_ASKPASS",
                }),
                looked_up: Cell::new([0; 3]),
            }
        }

        fn count(&self, which: usize) {
            let mut counts = self.looked_up.get();
            counts[which] += 1;
            self.looked_up.set(counts);
        }

        fn choose(&self) -> Result<Interactive<()>, Error> {
            choose(
                || {
                    self.count(0);
                    self.interactive
                },
                self.terminal_allowed,
                || {
                    self.count(1);
                    self.terminal.map_err(str::to_owned)
                },
                || {
                    self.count(2);
                    self.askpass.clone()
                },
            )
        }
    }

    #[test]
    fn the_terminal_comes_before_askpass_which_is_not_looked_up() {
        let facts = Facts::new();
        assert!(matches!(facts.choose(), Ok(Interactive::Terminal(()))));
        assert_eq!(facts.looked_up.get(), [1, 1, 0]);
    }

    #[test]
    fn without_a_terminal_askpass_answers() {
        let facts = Facts {
            terminal: Err("no such device or address"),
            ..Facts::new()
        };
        let Ok(Interactive::Askpass(askpass, Some(reason))) = facts.choose() else {
            panic!("askpass expected");
        };
        assert_eq!(askpass.source_name, "GIT_ASKPASS");
        assert_eq!(reason, "no such device or address");
    }

    #[test]
    fn git_terminal_prompt_0_skips_the_terminal_but_not_askpass() {
        let facts = Facts {
            terminal_allowed: false,
            ..Facts::new()
        };
        assert!(matches!(facts.choose(), Ok(Interactive::Askpass(_, None))));
        assert_eq!(facts.looked_up.get(), [1, 0, 1]);
    }

    #[test]
    fn credential_interactive_false_stops_before_terminal_and_askpass() {
        let facts = Facts {
            interactive: false,
            ..Facts::new()
        };
        assert!(matches!(facts.choose(), Err(Error::NotInteractive)));
        assert_eq!(facts.looked_up.get(), [1, 0, 0]);
    }

    #[test]
    fn nothing_available_tells_disabled_from_absent() {
        let disabled = Facts {
            terminal_allowed: false,
            askpass: None,
            ..Facts::new()
        };
        assert!(matches!(disabled.choose(), Err(Error::Disabled)));
        let absent = Facts {
            terminal: Err("no such device or address"),
            askpass: None,
            ..Facts::new()
        };
        let Err(error @ Error::NoTerminal(_)) = absent.choose() else {
            panic!("NoTerminal expected");
        };
        let message = error.to_string();
        for way in ["mfa_process", "GIT_ASKPASS", "core.askPass", "SSH_ASKPASS"] {
            assert!(message.contains(way), "{message}");
        }
        assert!(message.contains("login"), "{message}");
    }

    #[test]
    fn the_question_debug_hides_the_mfa_process_command() {
        let question = Question {
            mfa_serial: "arn:aws:iam::123456789012:mfa/alice",
            mfa_process: Some("oathtool --totp -b JBSWY3DPEHPK3PXP"),
        };
        let shown = format!("{question:?}");
        assert!(shown.contains("alice") && !shown.contains("JBSWY3DPEHPK3PXP"));
    }
}
