//! The keyrings' own states for tests: gnome-keyring unlocked or locked
//! under dbus-run-session, and a corrupt entry in the kernel keyring.

use git_credential_mfa_codecommit::session::store::{CacheKey, SERVICE};
use keyring_core::api::CredentialStoreApi;

/// Writes `bytes` under `key` in the kernel keyring, as another program could.
pub(crate) fn keyutils_corrupt(key: &CacheKey, bytes: &[u8]) {
    git_credential_mfa_codecommit::os::keyutils::Store::new()
        .unwrap()
        .build(SERVICE, &key.account(), None)
        .unwrap()
        .set_secret(bytes)
        .unwrap();
}

/// The wrapper that gives a private session bus with gnome-keyring on it, its
/// login keyring created (or opened) and unlocked with a password, as a
/// graphical login does through pam_gnome_keyring.
pub(crate) fn gnome_keyring_unlocked() -> [&'static str; 6] {
    let unlock = "printf %s test-password \
                  | gnome-keyring-daemon --unlock --components=secrets >/dev/null \
                  && exec \"$@\"";
    ["dbus-run-session", "--", "sh", "-c", unlock, "sh"]
}

/// The wrapper that gives a private session bus on which gnome-keyring
/// starts with the login keyring locked, as in an ssh session into a
/// desktop; the program's stdout and stderr go to the files `out` and `err`
/// of the working directory, apart from the bus's own output.
pub(crate) fn gnome_keyring_locked() -> [&'static str; 6] {
    [
        "dbus-run-session",
        "--",
        "sh",
        "-c",
        "exec \"$@\" > out 2> err",
        "sh",
    ]
}
