//! Why no MFA code came from the prompt: each a line that says what to do,
//! built from no code, answer or command line.

use crate::os::child::reason;

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
    /// From [`super::Never`]: the command asks for no code.
    #[error("an MFA code is needed, and this command asks for none without --login")]
    NotAsked,
    #[error("MFA prompt cancelled")]
    Cancelled,
    #[error("MFA prompt interrupted by {0}")]
    Interrupted(Signal),
    #[error("could not read the MFA code from the terminal: {}", reason(.0))]
    Terminal(#[source] std::io::Error),
    #[error("could not run the profile's mfa_process with the shell: {}", reason(.0))]
    ProcessStart(#[source] std::io::Error),
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
    #[error(
        "the askpass program {program} (from {source_name}) gave no answer within {seconds} seconds and was stopped"
    )]
    AskpassTimeout {
        program: String,
        source_name: &'static str,
        seconds: u64,
    },
    #[error("could not run the askpass program {program} (from {source_name}): {}", reason(.source))]
    Askpass {
        program: String,
        source_name: &'static str,
        source: std::io::Error,
    },
}

impl Error {
    /// Whether git should stop too, as the user asked: Ctrl-C, Ctrl-D, an
    /// empty answer, Cancel in an askpass dialog, or a SIGINT at the prompt.
    pub fn stops_git(&self) -> bool {
        matches!(
            self,
            Error::Cancelled | Error::Interrupted(Signal::Interrupt)
        )
    }
}

/// A signal that ended the terminal prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Interrupt,
    Terminate,
    HangUp,
    Quit,
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::HangUp => "SIGHUP",
            Signal::Quit => "SIGQUIT",
        })
    }
}
