//! What the user is asked for: the code for one MFA device, and where a
//! profile says it comes from; and the answer, wiped when dropped. The
//! question's `Debug` hides the `mfa_process` command line, which may hold
//! a TOTP seed.

use zeroize::Zeroizing;

use crate::os::printable::printable;

/// An answer as typed, wiped when dropped.
pub type Code = Zeroizing<String>;

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
        format!("MFA code for {}: ", printable(self.mfa_serial))
    }
}
