//! Where TOTP codes come from: the profile's `mfa_process`, the terminal, or
//! an askpass program, tried in this order (SPEC §1).
//!
//! 1. **`mfa_process`** (a profile key): a command that prints the code, such
//!    as `ykman oath accounts code -s aws`, `op item get … --otp` or
//!    `pass otp …`. It runs through the shell (`sh -c`; `cmd /C` on Windows)
//!    with stdin closed, stderr going to the user (the tool may ask for its
//!    own PIN there or on `/dev/tty`), and at most [`PROCESS_TIMEOUT`]. The
//!    code is the last whitespace-separated word of its output, so that
//!    `ykman`'s `aws  123456` works; the caller checks the six digits. The
//!    user configured it on purpose, so when it fails (non-zero exit, no
//!    output, timeout) that is the answer: no other source is tried. It is
//!    not prompting, so `GIT_TERMINAL_PROMPT=0` and `credential.interactive`
//!    do not stop it.
//! 2. **The terminal** (`/dev/tty`; git owns stdin and stdout). Input is
//!    hidden, and the terminal is switched to byte-at-a-time mode without
//!    signals for the prompt only, so that Ctrl-C and Ctrl-D arrive as bytes
//!    and end in [`Error::Cancelled`] instead of killing the process with echo
//!    still off; the previous settings are restored on every path out (see
//!    gitoxide's `gix-prompt`). Skipped when `GIT_TERMINAL_PROMPT` is false,
//!    or when there is no controlling terminal.
//! 3. **An askpass program**: `GIT_ASKPASS`, else git's `core.askPass` (read
//!    with `git config`, as git does not export it to helpers), else
//!    `SSH_ASKPASS`; the first one *set* is chosen, and an empty one means
//!    "no askpass", as in git. It runs as git runs it: the program itself,
//!    not through a shell (git's `prompt.c` `do_askpass`, no `use_shell`), the
//!    prompt `MFA code for <serial>: ` as its one argument, the answer on its
//!    stdout up to the first CR or LF (git's `strcspn(buf, "\r\n")`). A
//!    non-zero exit means the user pressed Cancel: [`Error::Cancelled`], so
//!    git is told to quit (git itself would go on to the terminal, which we
//!    have already passed).
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
//! The code, and whatever `mfa_process` or askpass print, is returned to the
//! caller only: never logged, echoed, or put in an error or panic message.
//! Errors name a command's exit status, never its output, and never the
//! `mfa_process` command line, which may hold a TOTP seed (`oathtool -b …`).

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use crate::log::Log;

/// How long `mfa_process` may take, PIN entry or key touch included.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// The ways to give a code when none of the sources is available.
const WAYS_OUT: &str = "set mfa_process in the AWS profile, set GIT_ASKPASS, core.askPass or SSH_ASKPASS, or run `git-credential-mfa-codecommit login` in a terminal first";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "an MFA code is needed, but git said not to prompt (credential.interactive=false); set mfa_process in the AWS profile, or run `git-credential-mfa-codecommit login` in a terminal first"
    )]
    NotInteractive,
    #[error(
        "an MFA code is needed, but terminal prompts are off (GIT_TERMINAL_PROMPT=0) and no askpass program is set; {WAYS_OUT}"
    )]
    Disabled,
    #[error(
        "an MFA code is needed, but there is no terminal to ask on ({0}) and no askpass program is set; {WAYS_OUT}"
    )]
    NoTerminal(String),
    #[error("MFA prompt cancelled")]
    Cancelled,
    #[error("could not read the MFA code from the terminal: {0}")]
    Terminal(String),
    #[error("could not run the profile's mfa_process with the shell: {0}")]
    ProcessStart(String),
    #[error(
        "the profile's mfa_process failed ({0}); run it yourself to see why, or remove mfa_process from the profile to be prompted instead"
    )]
    ProcessFailed(String),
    #[error(
        "the profile's mfa_process printed no code; run it yourself to check, or remove mfa_process from the profile to be prompted instead"
    )]
    ProcessNoOutput,
    #[error(
        "the profile's mfa_process did not finish within {0} seconds and was stopped; run it yourself to check"
    )]
    ProcessTimeout(u64),
    #[error("could not run the askpass program {program} (from {source_name}): {cause}")]
    Askpass {
        program: String,
        source_name: &'static str,
        cause: String,
    },
}

/// What the user is asked for.
#[derive(Clone, Copy)]
pub struct Question<'a> {
    /// The MFA device the code is for.
    pub mfa_serial: &'a str,
    /// The profile's `mfa_process`: a command that prints the code.
    pub mfa_process: Option<&'a str>,
}

/// Without the `mfa_process` command line, which may hold a TOTP seed.
impl std::fmt::Debug for Question<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Question")
            .field("mfa_serial", &self.mfa_serial)
            .field("mfa_process", &self.mfa_process.map(|_| "<redacted>"))
            .finish()
    }
}

impl Question<'_> {
    /// The prompt, on the terminal and as askpass's argument.
    pub fn text(&self) -> String {
        format!("MFA code for {}: ", self.mfa_serial)
    }
}

/// Where TOTP codes come from; the real one is [`Sources`].
pub trait TotpPrompt {
    /// One answer to `MFA code for <mfa_serial>: `, unchecked.
    fn ask(&self, question: &Question) -> Result<String, Error>;
}

/// git's configuration, as `git config --get` shows it to a helper.
pub trait GitConfig {
    /// The value of `key`, `None` when it is unset (or git cannot be run).
    fn get(&self, key: &str, kind: ValueKind) -> Option<String>;
}

/// How git should show a configuration value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// `--type=path`: `~/` expanded, as git does for `core.askPass`.
    Path,
}

/// The real `git config`, in the helper's working directory (git runs
/// helpers in the repository), with `-c` options git passes down in
/// `GIT_CONFIG_PARAMETERS`.
#[derive(Debug)]
pub struct GitCommand;

impl GitConfig for GitCommand {
    fn get(&self, key: &str, kind: ValueKind) -> Option<String> {
        let mut git = Command::new("git");
        git.arg("config");
        if kind == ValueKind::Path {
            git.arg("--type=path");
        }
        let out = git
            .args(["--get", key])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        // Exit 1: the key is unset.
        if !out.status.success() {
            return None;
        }
        let mut value = String::from_utf8(out.stdout).ok()?;
        if value.ends_with('\n') {
            value.pop();
        }
        Some(value)
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
    /// False when `GIT_TERMINAL_PROMPT` is false: see [`terminal_allowed`].
    pub terminal: bool,
    /// `GIT_ASKPASS`, as set: `Some("")` is "set, empty", which disables
    /// askpass altogether, as in git.
    pub git_askpass: Option<OsString>,
    /// `SSH_ASKPASS`, as set.
    pub ssh_askpass: Option<OsString>,
    /// `core.askPass` and `credential.interactive` are read here, and only
    /// when needed.
    pub git_config: &'a dyn GitConfig,
    pub log: &'a dyn Log,
    /// How long `mfa_process` may take: [`PROCESS_TIMEOUT`].
    pub process_timeout: Duration,
}

impl TotpPrompt for Sources<'_> {
    fn ask(&self, question: &Question) -> Result<String, Error> {
        if let Some(command) = question.mfa_process {
            self.log
                .step("getting the MFA code from the profile's mfa_process");
            return run_process(command, self.process_timeout);
        }
        let choice = choose(
            || {
                !self.asked_by_git
                    || interactive(
                        self.git_config
                            .get("credential.interactive", ValueKind::Text)
                            .as_deref(),
                    )
            },
            self.terminal,
            open_terminal,
            || {
                askpass(
                    self.git_askpass.as_deref(),
                    || self.git_config.get("core.askPass", ValueKind::Path),
                    self.ssh_askpass.as_deref(),
                )
            },
        );
        match choice? {
            Interactive::Terminal(tty) => {
                self.log.step("asking for the MFA code on the terminal");
                ask_on_terminal(&tty, question)
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
                run_askpass(&askpass, question)
            }
        }
    }
}

/// Whether `GIT_TERMINAL_PROMPT` (its value, if set) allows the terminal:
/// git's `git_env_bool("GIT_TERMINAL_PROMPT", 1)`.
pub fn terminal_allowed(value: Option<&str>) -> bool {
    value.is_none_or(|value| git_bool(value).unwrap_or(true))
}

/// Whether `credential.interactive` (its value, if set) allows prompting.
/// git 2.47 refuses on `never` and on any false boolean (`false`, `no`,
/// `off`, `0`, empty); anything else, `Never` included, allows it.
fn interactive(value: Option<&str>) -> bool {
    match value {
        None => true,
        Some("never") => false,
        Some(value) => git_bool(value).unwrap_or(true),
    }
}

/// A git boolean (`git_parse_maybe_bool`): `None` when it is not one.
fn git_bool(value: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "yes", "on"];
    const FALSE: [&str; 3] = ["false", "no", "off"];
    if value.is_empty() {
        Some(false)
    } else if TRUE.iter().any(|word| value.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if FALSE.iter().any(|word| value.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        value.parse::<i64>().ok().map(|number| number != 0)
    }
}

/// An askpass program and where it was configured.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Askpass {
    program: OsString,
    source_name: &'static str,
}

/// git's choice of askpass program: the first of `GIT_ASKPASS`,
/// `core.askPass` and `SSH_ASKPASS` that is set; none if that one is empty.
/// `core.askPass` is looked up only when `GIT_ASKPASS` is unset.
fn askpass(
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

/// The most of a program's output that is read; a code is 6 digits.
const MAX_OUTPUT: usize = 64 * 1024;

/// The code in `mfa_process`'s output: the last whitespace-separated word
/// (all of it when it is one word), `None` when there is none.
fn code_from_process(output: &[u8]) -> Option<String> {
    String::from_utf8_lossy(output)
        .split_whitespace()
        .next_back()
        .map(str::to_owned)
}

/// The answer in askpass's output: up to the first CR or LF, as git reads it.
fn answer_from_askpass(output: &[u8]) -> String {
    let line = output
        .split(|&byte| byte == b'\r' || byte == b'\n')
        .next()
        .unwrap_or_default();
    String::from_utf8_lossy(line).into_owned()
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

/// How long to wait for the end of `mfa_process`'s output once the shell
/// has exited: only a background process it left behind can hold it open.
const EOF_GRACE: Duration = Duration::from_millis(500);

/// Runs `mfa_process` and returns its code, within `timeout`.
fn run_process(command: &str, timeout: Duration) -> Result<String, Error> {
    let deadline = Instant::now() + timeout;
    let mut child = shell(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| Error::ProcessStart(reason(&error)))?;
    // Read on a thread, into a buffer the caller can take at any time, so
    // that output held open by a background process cannot block us.
    let stdout = child.stdout.take().expect("stdout is piped");
    let output = Arc::new(Mutex::new(Vec::new()));
    let (ended, end) = mpsc::channel();
    let buffer = Arc::clone(&output);
    std::thread::spawn(move || {
        read_capped(stdout, &buffer);
        let _ = ended.send(());
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::ProcessTimeout(timeout.as_secs()));
            }
            Err(error) => return Err(Error::ProcessFailed(reason(&error))),
        }
    };
    if !status.success() {
        return Err(Error::ProcessFailed(describe(status)));
    }
    let _ = end.recv_timeout(EOF_GRACE);
    let output = output.lock().unwrap_or_else(PoisonError::into_inner);
    code_from_process(&output).ok_or(Error::ProcessNoOutput)
}

/// Appends what `from` gives to `to`, up to [`MAX_OUTPUT`] bytes; then stops
/// reading (a writer that goes on gets a broken pipe).
fn read_capped(mut from: impl Read, to: &Mutex<Vec<u8>>) {
    let mut chunk = [0u8; 4096];
    while let Ok(read @ 1..) = from.read(&mut chunk) {
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

/// Asks `askpass`; its non-zero exit is the user's Cancel.
fn run_askpass(askpass: &Askpass, question: &Question) -> Result<String, Error> {
    let out = Command::new(&askpass.program)
        .arg(question.text())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| Error::Askpass {
            program: askpass.program.to_string_lossy().into_owned(),
            source_name: askpass.source_name,
            cause: reason(&error),
        })?;
    if !out.status.success() {
        return Err(Error::Cancelled);
    }
    Ok(answer_from_askpass(&out.stdout))
}

/// The controlling terminal, or why there is none.
fn open_terminal() -> Result<File, String> {
    File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|error| reason(&error))
}

/// The system's words for `error` ("No such device or address"), without
/// the error number; `io::Error` never holds the path or any data.
fn reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// Asks on `tty`, hiding the answer.
fn ask_on_terminal(tty: &File, question: &Question) -> Result<String, Error> {
    let mut tty = tty;
    write!(tty, "{}", question.text()).map_err(terminal_error)?;
    let answer = read_hidden(tty);
    // The user's Enter was not echoed: end the prompt's line ourselves.
    writeln!(tty).map_err(terminal_error)?;
    answer
}

fn terminal_error(error: std::io::Error) -> Error {
    Error::Terminal(reason(&error))
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

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn the_code_is_the_process_output_or_its_last_word() {
        assert_eq!(code_from_process(b"123456\n").as_deref(), Some("123456"));
        assert_eq!(code_from_process(b"  123456  ").as_deref(), Some("123456"));
        assert_eq!(
            code_from_process(b"aws  123456\n").as_deref(),
            Some("123456")
        );
        assert_eq!(
            code_from_process(b"Touch your YubiKey...\r\naws 654321\r\n").as_deref(),
            Some("654321")
        );
        assert_eq!(code_from_process(b""), None);
        assert_eq!(code_from_process(b" \n\t\n"), None);
    }

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

    #[test]
    fn booleans_are_read_as_git_reads_them() {
        for value in ["true", "YES", "on", "1", "42", "-1"] {
            assert_eq!(git_bool(value), Some(true), "{value}");
        }
        for value in ["false", "No", "OFF", "0", "00", ""] {
            assert_eq!(git_bool(value), Some(false), "{value}");
        }
        assert_eq!(git_bool("maybe"), None);
    }

    #[test]
    fn git_terminal_prompt_is_a_boolean_that_defaults_to_true() {
        assert!(terminal_allowed(None));
        assert!(terminal_allowed(Some("1")));
        assert!(terminal_allowed(Some("true")));
        assert!(terminal_allowed(Some("garbage")));
        assert!(!terminal_allowed(Some("0")));
        assert!(!terminal_allowed(Some("false")));
        assert!(!terminal_allowed(Some("")));
    }

    #[test]
    fn credential_interactive_refuses_on_never_and_false_values_only() {
        assert!(interactive(None));
        for value in ["true", "auto", "always", "Never", "bogus", "1"] {
            assert!(interactive(Some(value)), "{value}");
        }
        for value in ["never", "false", "FALSE", "no", "off", "0", ""] {
            assert!(!interactive(Some(value)), "{value}");
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
            askpass(os("/a/git"), unread, os("/a/ssh")),
            chosen("/a/git", "GIT_ASKPASS")
        );
        assert_eq!(
            askpass(None, || Some("/a/core".into()), os("/a/ssh")),
            chosen("/a/core", "core.askPass")
        );
        assert_eq!(
            askpass(None, || None, os("/a/ssh")),
            chosen("/a/ssh", "SSH_ASKPASS")
        );
        assert_eq!(askpass(None, || None, None), None);
    }

    #[test]
    fn an_empty_askpass_setting_disables_askpass_as_in_git() {
        let unread = || -> Option<String> { panic!("core.askPass read needlessly") };
        assert_eq!(askpass(os(""), unread, os("/a/ssh")), None);
        assert_eq!(askpass(None, || Some(String::new()), os("/a/ssh")), None);
        assert_eq!(askpass(None, || None, os("")), None);
    }

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
                askpass: chosen("/a/git", "GIT_ASKPASS"),
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

    #[cfg(unix)]
    mod process {
        use super::*;

        const SECOND: Duration = Duration::from_secs(1);

        #[test]
        fn a_process_prints_the_code() {
            assert_eq!(run_process("echo 123456", SECOND).unwrap(), "123456");
            assert_eq!(
                run_process("printf 'aws  123456\\n'", SECOND).unwrap(),
                "123456"
            );
        }

        #[test]
        fn a_failed_process_names_its_status_not_its_output_or_command() {
            let error = run_process("echo 999999; exit 3", SECOND).unwrap_err();
            let message = error.to_string();
            assert!(matches!(error, Error::ProcessFailed(_)), "{message}");
            assert!(message.contains("exit status 3"), "{message}");
            assert!(!message.contains("999999") && !message.contains("echo"));
        }

        #[test]
        fn a_silent_process_is_an_error() {
            assert!(matches!(
                run_process("true", SECOND),
                Err(Error::ProcessNoOutput)
            ));
        }

        #[test]
        fn a_slow_process_is_stopped() {
            let started = Instant::now();
            let error = run_process("sleep 5", Duration::from_millis(200)).unwrap_err();
            assert!(matches!(error, Error::ProcessTimeout(_)), "{error}");
            assert!(started.elapsed() < Duration::from_secs(3));
        }

        #[test]
        fn a_background_process_holding_the_output_does_not_block_the_code() {
            let started = Instant::now();
            let code = run_process("echo 123456; sleep 5 &", SECOND).unwrap();
            assert_eq!(code, "123456");
            assert!(started.elapsed() < Duration::from_secs(3));
        }

        #[test]
        fn the_process_gets_no_stdin() {
            // `cat` would block on an inherited stdin; on /dev/null it ends.
            assert!(matches!(
                run_process("cat", SECOND),
                Err(Error::ProcessNoOutput)
            ));
        }
    }
}
