//! The session cache: MFA sessions kept in the OS keyring between runs, so the
//! user types a TOTP code once per session instead of once per git command.
//! This is the only module that uses the keyring crates.
//!
//! Every backend is driven through `keyring_core`: the macOS Keychain, the
//! Windows Credential Manager, the Linux Secret Service over D-Bus, and the
//! Linux kernel's user keyring ([`crate::os::keyutils`]). An entry is filed under
//! the service [`SERVICE`] and an account made from the [`CacheKey`]; its
//! value is [`Session::encode`]'s bytes, which fit the smallest backend
//! (Credential Manager's `CRED_MAX_CREDENTIAL_BLOB_SIZE`, 2,560 bytes).
//!
//! Invariants: opening a [`KeyringStore`] does no I/O; the backend is chosen
//! and connected on first use. An entry that is missing or duplicated is a
//! miss (`Ok(None)`); one that is not a session (corrupt, or in another
//! version's format) is [`Error::Unreadable`], which callers treat as a miss
//! worth one warning. Either way a bad entry costs one prompt and is then
//! overwritten. In the kernel keyring an entry carries a timeout, so the
//! kernel drops it when the session expires.
//!
//! Never: a session written anywhere but the keyring (no file, environment,
//! argument or log), or a secret or stored byte in an error message.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::Env;
use keyring_core::{CredentialStore, Entry};
use zeroize::Zeroize;

use crate::session::Session;

/// The keyring service every entry is filed under.
pub const SERVICE: &str = "git-credential-mfa-codecommit";

/// What a cached session is filed under: the profile and MFA device, and the
/// role when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    pub profile: String,
    pub mfa_serial: String,
    pub role_arn: Option<String>,
}

impl CacheKey {
    /// The entry's account (user) name: `profile|mfa_serial`, or
    /// `profile|mfa_serial|role_arn`. A `|` or `\` inside a field is escaped
    /// with `\`, so two different keys never share an account.
    pub fn account(&self) -> String {
        let mut fields = vec![self.profile.as_str(), self.mfa_serial.as_str()];
        fields.extend(self.role_arn.as_deref());
        fields
            .iter()
            .map(|field| field.replace('\\', "\\\\").replace('|', "\\|"))
            .collect::<Vec<_>>()
            .join("|")
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error(
        "unknown keyring {choice:?} in GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING; valid values: {valid} (unset or empty: automatic)"
    )]
    UnknownChoice { choice: String, valid: String },
    /// No backend reachable, or it is locked or refuses access.
    #[error("{backend} unavailable: {reason}")]
    Unavailable {
        backend: &'static str,
        reason: String,
    },
    /// The keyring is locked: the automatic choice falls back from it.
    #[error("{backend} unavailable: {reason}")]
    Locked {
        backend: &'static str,
        reason: &'static str,
    },
    #[error("{backend} failed: {reason}")]
    Failed {
        backend: &'static str,
        reason: String,
    },
    #[error("the MFA session has a field too long for the cache")]
    Unencodable,
    /// More than the backend holds in one entry (Credential Manager: 2,560
    /// bytes; a role session with many tags has a long token).
    #[error("the MFA session is larger than the {backend} holds")]
    TooLarge { backend: &'static str },
    /// An entry that does not decode as a session; its bytes are never shown.
    #[error(
        "the MFA session cached in the {backend} is unreadable (corrupt, or written by another version of this helper)"
    )]
    Unreadable { backend: &'static str },
}

/// Where sessions are kept between runs.
pub trait SessionStore {
    /// The session under `key`; a missing entry is Ok(None), one that is
    /// not a session (corrupt, another version's format) is
    /// [`Error::Unreadable`], which the next `save` replaces.
    fn load(&self, key: &CacheKey) -> Result<Option<Session>, Error>;
    fn save(&self, key: &CacheKey, session: &Session) -> Result<(), Error>;
    /// Removes the entry; Ok(true) if there was one.
    fn delete(&self, key: &CacheKey) -> Result<bool, Error>;
    /// What the sessions are kept in, for messages.
    fn name(&self) -> &'static str;
    /// Something the user should know about the store's choice, once it
    /// was used (the Secret Service was locked, so the kernel keyring
    /// serves); shown once per run.
    fn notice(&self) -> Option<Notice> {
        None
    }
}

/// Something the user should know, and what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub what: &'static str,
    pub fix: &'static str,
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}; {}", self.what, self.fix)
    }
}

/// A keyring the user can name in GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    #[cfg(target_os = "linux")]
    SecretService,
    #[cfg(target_os = "linux")]
    Keyutils,
    #[cfg(target_os = "macos")]
    Keychain,
    #[cfg(target_os = "windows")]
    Windows,
    /// Any other system: nothing to cache in.
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    Unsupported,
}

impl Backend {
    /// The backends a user may choose here, by their values.
    const CHOICES: &[Backend] = &[
        #[cfg(target_os = "linux")]
        Backend::Keyutils,
        #[cfg(target_os = "linux")]
        Backend::SecretService,
        #[cfg(target_os = "macos")]
        Backend::Keychain,
        #[cfg(target_os = "windows")]
        Backend::Windows,
    ];

    /// The value that chooses this backend.
    fn value(self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService => "secret-service",
            #[cfg(target_os = "linux")]
            Backend::Keyutils => "keyutils",
            #[cfg(target_os = "macos")]
            Backend::Keychain => "keychain",
            #[cfg(target_os = "windows")]
            Backend::Windows => "windows",
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported => "",
        }
    }

    /// The backend's name in messages.
    fn name(self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService => "Secret Service",
            #[cfg(target_os = "linux")]
            Backend::Keyutils => "kernel keyring (keyutils)",
            #[cfg(target_os = "macos")]
            Backend::Keychain => "macOS Keychain",
            #[cfg(target_os = "windows")]
            Backend::Windows => "Windows Credential Manager",
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported => "keyring",
        }
    }

    /// The backend `choice` names; `None` for automatic.
    fn parse(choice: Option<&str>) -> Result<Option<Backend>, Error> {
        let Some(choice) = choice.filter(|choice| !choice.is_empty()) else {
            return Ok(None);
        };
        match Backend::CHOICES.iter().find(|b| b.value() == choice) {
            Some(&backend) => Ok(Some(backend)),
            None => Err(Error::UnknownChoice {
                choice: choice.to_owned(),
                valid: Backend::CHOICES
                    .iter()
                    .map(|b| b.value())
                    .chain(["none"])
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Connects to the backend (the Secret Service), or just makes its handle.
    fn open(self) -> Result<Arc<CredentialStore>, Error> {
        let opened: keyring_core::Result<Arc<CredentialStore>> = match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService => dbus_secret_service_keyring_store::Store::new()
                .map(|store| -> Arc<CredentialStore> { store }),
            #[cfg(target_os = "linux")]
            Backend::Keyutils => {
                crate::os::keyutils::Store::new().map(|store| -> Arc<CredentialStore> { store })
            }
            #[cfg(target_os = "macos")]
            Backend::Keychain => apple_native_keyring_store::keychain::Store::new()
                .map(|store| -> Arc<CredentialStore> { store }),
            #[cfg(target_os = "windows")]
            Backend::Windows => windows_native_keyring_store::Store::new()
                .map(|store| -> Arc<CredentialStore> { store }),
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported => {
                return Err(Error::Unavailable {
                    backend: self.name(),
                    reason: "no supported keyring on this system".into(),
                });
            }
        };
        // Whatever stops a store from opening leaves nothing to cache in.
        opened.map_err(|error| Error::Unavailable {
            backend: self.name(),
            reason: reason(&error),
        })
    }

    /// Settings for the entry about to hold a session for `key` that ends in
    /// `seconds_left`.
    #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
    fn modifiers_for_save(self, key: &CacheKey, seconds_left: u32) -> Vec<(&'static str, String)> {
        match self {
            // The kernel drops the key when the session ends.
            #[cfg(target_os = "linux")]
            Backend::Keyutils => vec![("timeout", seconds_left.to_string())],
            // What the user sees in Seahorse or KWallet.
            #[cfg(target_os = "linux")]
            Backend::SecretService => vec![(
                "label",
                format!("{SERVICE}: MFA session for profile {}", key.profile),
            )],
            #[cfg(target_os = "macos")]
            Backend::Keychain => Vec::new(),
            // Local: kept on this machine, never roamed with a domain profile.
            #[cfg(target_os = "windows")]
            Backend::Windows => vec![("persistence", "Local".to_owned())],
            #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
            Backend::Unsupported => Vec::new(),
        }
    }

    /// [`Error::Locked`] where serving `key` would put up a prompt, which
    /// on git's path nobody may answer: the Secret Service's unlock dialog.
    #[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
    fn refuse_prompt(self, key: &CacheKey, saving: bool) -> Result<(), Error> {
        match self {
            #[cfg(target_os = "linux")]
            Backend::SecretService if secret_service_would_prompt(&key.account(), saving) => {
                Err(Error::Locked {
                    backend: self.name(),
                    reason: "the keyring is locked, and its unlock prompt is never put up for git",
                })
            }
            _ => Ok(()),
        }
    }

    /// `error` from this backend as this module's error.
    fn error(self, error: keyring_core::Error) -> Error {
        if let keyring_core::Error::NoStorageAccess(cause) = &error
            && let Some(reason) = locked(cause.as_ref())
        {
            return Error::Locked {
                backend: self.name(),
                reason,
            };
        }
        match error {
            keyring_core::Error::TooLong(..) => Error::TooLarge {
                backend: self.name(),
            },
            keyring_core::Error::NoStorageAccess(_) | keyring_core::Error::NoDefaultStore => {
                Error::Unavailable {
                    backend: self.name(),
                    reason: reason(&error),
                }
            }
            _ => Error::Failed {
                backend: self.name(),
                reason: reason(&error),
            },
        }
    }
}

/// The stores that serve when the user chose none, in the order they are
/// asked.
///
/// On Linux: the Secret Service if there is a D-Bus session bus and the
/// service answers on it (one connection and one `OpenSession` call, each
/// bounded by the D-Bus timeout), with the kernel keyring behind it for
/// when it turns out to be locked; else the kernel keyring alone. Without
/// `DBUS_SESSION_BUS_ADDRESS` no D-Bus connection is tried at all, as libdbus
/// would otherwise try to autolaunch a bus.
#[cfg(target_os = "linux")]
fn automatic(env: &Env) -> Vec<Slot> {
    let bus = env.get("DBUS_SESSION_BUS_ADDRESS");
    if bus.is_ok_and(|address| !address.is_empty())
        && let Ok(store) = Backend::SecretService.open()
    {
        return vec![
            Slot::opened(Backend::SecretService, Ok(store)),
            Slot::new(Backend::Keyutils),
        ];
    }
    vec![Slot::new(Backend::Keyutils)]
}

/// Whether the Secret Service would put up a prompt to serve the entry
/// `account`: the entry is in a locked collection or, for a save, the
/// default collection is locked (or missing, which a prompt would create).
/// Nobody may see that dialog (a desktop left alone, a session over ssh),
/// and the Secret Service library waits a year for its answer. Asked on a
/// connection of its own whose prompts time out at once, so it shows none;
/// a service that cannot say counts as one that would prompt.
#[cfg(target_os = "linux")]
fn secret_service_would_prompt(account: &str, saving: bool) -> bool {
    use dbus_secret_service::{EncryptionType, SecretService};
    let Ok(service) = SecretService::connect_with_max_prompt_timeout(EncryptionType::Plain, 0)
    else {
        // No service: the store's own call says why.
        return false;
    };
    let attributes = HashMap::from([("service", SERVICE), ("username", account)]);
    let locked_entry = service
        .search_items(attributes)
        .map(|found| !found.locked.is_empty());
    let locked_collection = || {
        service
            .get_default_collection()
            .and_then(|collection| collection.is_locked())
    };
    match locked_entry {
        Ok(false) if saving => locked_collection().unwrap_or(true),
        Ok(locked) => locked,
        Err(_) => true,
    }
}

/// The system's one keyring.
#[cfg(not(target_os = "linux"))]
fn automatic(_: &Env) -> Vec<Slot> {
    #[cfg(target_os = "macos")]
    let backend = Backend::Keychain;
    #[cfg(target_os = "windows")]
    let backend = Backend::Windows;
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let backend = Backend::Unsupported;
    vec![Slot::new(backend)]
}

/// What the user is told when the automatic choice falls back.
const LOCKED_NOTICE: Notice = Notice {
    what: "the Secret Service's default keyring is locked, so MFA sessions are kept in the kernel keyring (keyutils)",
    fix: "unlock it, or set GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING to keyutils or secret-service to choose",
};

/// Why `error` happened, in words that hold no stored data.
fn reason(error: &keyring_core::Error) -> String {
    use keyring_core::Error as E;
    match error {
        E::PlatformFailure(cause) | E::NoStorageAccess(cause) => {
            locked(cause.as_ref()).map_or_else(|| cause.to_string(), str::to_owned)
        }
        E::BadEncoding(_) | E::BadDataFormat(..) => "the stored data is malformed".into(),
        E::TooLong(what, limit) => {
            format!("the {what} is longer than the keyring allows ({limit})")
        }
        E::Invalid(what, why) => format!("invalid {what}: {why}"),
        E::Ambiguous(entries) => format!("{} entries match", entries.len()),
        other => other.to_string(),
    }
}

/// What `cause` means when it is a locked Secret Service keyring, which its
/// store reports as a bare "no access" with the service's terse words.
#[cfg(target_os = "linux")]
fn locked(cause: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<&'static str> {
    use dbus_secret_service::Error as E;
    match cause.downcast_ref::<E>()? {
        E::Locked => Some("the keyring is locked"),
        E::Prompt => {
            Some("the keyring is locked, and its unlock prompt was dismissed or could not be shown")
        }
        _ => None,
    }
}

#[cfg(not(target_os = "linux"))]
fn locked(_: &(dyn std::error::Error + Send + Sync + 'static)) -> Option<&'static str> {
    None
}

/// Whole seconds from `now` until `expiry`, rounded up, at least one (a
/// kernel timeout of zero would mean "never"), at most `u32::MAX`.
fn seconds_left(expiry: SystemTime, now: SystemTime) -> u32 {
    let left = expiry.duration_since(now).unwrap_or_default();
    let seconds = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    u32::try_from(seconds.max(1)).unwrap_or(u32::MAX)
}

/// The store the user's choice names (the value of
/// GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING): `none` keeps nothing, an unknown
/// name fails each call (so the user hears of it only when a cache is
/// needed, as a warning), anything else is the keyring.
pub fn open(choice: Option<&str>, env: &Env) -> Box<dyn SessionStore> {
    if choice == Some("none") {
        return Box::new(NoCache);
    }
    match KeyringStore::open(choice, env) {
        Ok(store) => Box::new(store),
        Err(error) => Box::new(Broken(error)),
    }
}

/// Whether `store` keeps sessions now: a throwaway entry (no real
/// credentials in it) is saved and removed again, as a login would save one.
/// For `doctor`: a run that only reads cannot tell a locked Secret Service.
pub fn probe(store: &dyn SessionStore, now: SystemTime) -> Result<(), Error> {
    let key = CacheKey {
        profile: "doctor probe".to_owned(),
        mfa_serial: "none".to_owned(),
        role_arn: None,
    };
    let placeholder = Credentials::new(
        "ASIADOCTORPROBE",
        "not a secret",
        Some("not a token".to_owned()),
        Some(now + std::time::Duration::from_secs(60)),
        "doctor",
    );
    let session = Session::from_credentials(placeholder).ok_or(Error::Unencodable)?;
    store.save(&key, &session)?;
    store.delete(&key).map(|_| ())
}

/// No cache, by the user's choice: every load misses, nothing is kept.
#[derive(Debug)]
pub struct NoCache;

impl SessionStore for NoCache {
    fn name(&self) -> &'static str {
        "no cache (GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING=none)"
    }

    fn load(&self, _: &CacheKey) -> Result<Option<Session>, Error> {
        Ok(None)
    }

    fn save(&self, _: &CacheKey, _: &Session) -> Result<(), Error> {
        Ok(())
    }

    fn delete(&self, _: &CacheKey) -> Result<bool, Error> {
        Ok(false)
    }
}

/// A store that could not be opened: every call reports why.
#[derive(Debug)]
struct Broken(Error);

impl SessionStore for Broken {
    fn name(&self) -> &'static str {
        "keyring"
    }

    fn load(&self, _: &CacheKey) -> Result<Option<Session>, Error> {
        Err(self.0.clone())
    }

    fn save(&self, _: &CacheKey, _: &Session) -> Result<(), Error> {
        Err(self.0.clone())
    }

    fn delete(&self, _: &CacheKey) -> Result<bool, Error> {
        Err(self.0.clone())
    }
}

/// The OS keyring: the stores the user's choice names, in the order they
/// are asked (the automatic choice on Linux: the Secret Service, then the
/// kernel keyring). Opening it is free; the list is made on first use, and
/// each store opened when it is first asked.
///
/// A load takes the first hit, passing over a locked store; a save goes to
/// the first store that takes it, passing over a locked one; a delete
/// removes the entry from every store.
#[derive(Debug)]
pub struct KeyringStore {
    /// `None`: automatic.
    choice: Option<Backend>,
    /// Where the automatic choice looks for `DBUS_SESSION_BUS_ADDRESS`.
    env: Env,
    slots: OnceLock<Vec<Slot>>,
    /// Set once a locked store was passed over.
    fell_back: OnceLock<()>,
}

/// A backend, and its store once opened (or why it did not open).
#[derive(Debug)]
struct Slot {
    backend: Backend,
    store: OnceLock<Result<Arc<CredentialStore>, Error>>,
}

impl Slot {
    fn new(backend: Backend) -> Self {
        Slot {
            backend,
            store: OnceLock::new(),
        }
    }

    #[cfg(target_os = "linux")]
    fn opened(backend: Backend, store: Result<Arc<CredentialStore>, Error>) -> Self {
        Slot {
            backend,
            store: OnceLock::from(store),
        }
    }

    /// The entry for `key`, with `modifiers` for this backend.
    fn entry(&self, key: &CacheKey, modifiers: &[(&str, String)]) -> Result<Entry, Error> {
        let backend = self.backend;
        let store = self.store.get_or_init(|| backend.open());
        let store = store.as_ref().map_err(Error::clone)?;
        let modifiers: HashMap<&str, &str> = modifiers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        store
            .build(SERVICE, &key.account(), Some(&modifiers))
            .map_err(|error| backend.error(error))
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Session>, Error> {
        let (backend, entry) = (self.backend, self.entry(key, &[])?);
        backend.refuse_prompt(key, false)?;
        let unreadable = Error::Unreadable {
            backend: backend.name(),
        };
        match entry.get_secret() {
            Ok(mut bytes) => {
                let session = Session::decode(&bytes);
                // What was read, not the whole buffer: the kernel keyring's
                // is 64 KiB.
                bytes.as_mut_slice().zeroize();
                session.map(Some).ok_or(unreadable)
            }
            // Duplicates (made by another tool): the next save clears them.
            Err(keyring_core::Error::NoEntry | keyring_core::Error::Ambiguous(_)) => Ok(None),
            Err(keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..)) => {
                Err(unreadable)
            }
            Err(error) => Err(backend.error(error)),
        }
    }

    fn save(&self, key: &CacheKey, session: &Session) -> Result<(), Error> {
        let backend = self.backend;
        let bytes = session.encode().ok_or(Error::Unencodable)?;
        let seconds_left = seconds_left(session.expiry(), SystemTime::now());
        let entry = self.entry(key, &backend.modifiers_for_save(key, seconds_left))?;
        backend.refuse_prompt(key, true)?;
        match entry.set_secret(&bytes) {
            Ok(()) => Ok(()),
            // Duplicates (made by another tool) would shadow the entry forever.
            Err(keyring_core::Error::Ambiguous(entries)) => {
                delete_all(backend, entries)?;
                entry
                    .set_secret(&bytes)
                    .map_err(|error| backend.error(error))
            }
            Err(error) => Err(backend.error(error)),
        }
    }

    fn delete(&self, key: &CacheKey) -> Result<bool, Error> {
        let (backend, entry) = (self.backend, self.entry(key, &[])?);
        backend.refuse_prompt(key, false)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(keyring_core::Error::Ambiguous(entries)) => {
                delete_all(backend, entries)?;
                Ok(true)
            }
            Err(error) => Err(backend.error(error)),
        }
    }
}

/// Deletes every entry in `entries` (the duplicates of an ambiguous entry).
fn delete_all(backend: Backend, entries: Vec<Entry>) -> Result<(), Error> {
    for entry in entries {
        match entry.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => {}
            Err(error) => return Err(backend.error(error)),
        }
    }
    Ok(())
}

impl KeyringStore {
    /// The keyring `choice` names (the value of
    /// GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING; `None` or empty: automatic).
    /// Does no I/O: an unknown name is the only error.
    pub fn open(choice: Option<&str>, env: &Env) -> Result<Self, Error> {
        Ok(KeyringStore {
            choice: Backend::parse(choice)?,
            env: env.clone(),
            slots: OnceLock::new(),
            fell_back: OnceLock::new(),
        })
    }

    fn slots(&self) -> &[Slot] {
        self.slots.get_or_init(|| match self.choice {
            Some(backend) => vec![Slot::new(backend)],
            None => automatic(&self.env),
        })
    }
}

impl SessionStore for KeyringStore {
    /// With the automatic choice this chooses the backend, which on Linux
    /// may ask D-Bus.
    fn name(&self) -> &'static str {
        if let Some(backend) = self.choice {
            return backend.name();
        }
        let slots = self.slots();
        let serving = usize::from(self.fell_back.get().is_some()).min(slots.len() - 1);
        slots[serving].backend.name()
    }

    fn notice(&self) -> Option<Notice> {
        self.fell_back.get().map(|()| LOCKED_NOTICE)
    }

    /// A store that misses is followed by the next, whose failures are then
    /// a miss too.
    fn load(&self, key: &CacheKey) -> Result<Option<Session>, Error> {
        let mut result = Ok(None);
        let mut missed = false;
        for slot in self.slots() {
            if result.is_err() {
                let _ = self.fell_back.set(()); // past a locked store
            }
            result = match slot.load(key) {
                Ok(None) => {
                    missed = true;
                    Ok(None)
                }
                Err(_) if missed => Ok(None),
                Err(error @ Error::Locked { .. }) => Err(error),
                done => return done,
            };
        }
        result
    }

    fn save(&self, key: &CacheKey, session: &Session) -> Result<(), Error> {
        let mut result = Ok(());
        for slot in self.slots() {
            if result.is_err() {
                let _ = self.fell_back.set(()); // past a locked store
            }
            result = slot.save(key, session);
            if !matches!(result, Err(Error::Locked { .. })) {
                break;
            }
        }
        result
    }

    /// The first store's answer, unless it was locked and another store
    /// held the entry; the other stores' failures are misses.
    fn delete(&self, key: &CacheKey) -> Result<bool, Error> {
        let (first, rest) = self.slots().split_first().expect("a keyring");
        let removed = first.delete(key);
        let mut also = false;
        for slot in rest {
            also |= slot.delete(key).unwrap_or(false);
        }
        match removed {
            Ok(removed) => Ok(removed || also),
            Err(Error::Locked { .. }) if also => Ok(true),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn key(profile: &str, serial: &str, role: Option<&str>) -> CacheKey {
        CacheKey {
            profile: profile.into(),
            mfa_serial: serial.into(),
            role_arn: role.map(Into::into),
        }
    }

    #[test]
    fn accounts_name_profile_device_and_role() {
        let serial = "arn:aws:iam::123456789012:mfa/alice";
        let role = "arn:aws:iam::123456789012:role/deploy";
        assert_eq!(
            key("dev", serial, None).account(),
            "dev|arn:aws:iam::123456789012:mfa/alice"
        );
        assert_eq!(
            key("dev", serial, Some(role)).account(),
            "dev|arn:aws:iam::123456789012:mfa/alice|arn:aws:iam::123456789012:role/deploy"
        );
    }

    #[test]
    fn different_keys_never_share_an_account() {
        let keys = [
            key("a|b", "c", None),
            key("a", "b|c", None),
            key("a", "b", Some("c")),
            key("a\\", "b", None),
            key("a\\|b", "c", None),
            key("a", "\\|b|c", None),
            key("a", "b", Some("")),
            key("a", "b", None),
        ];
        for (i, one) in keys.iter().enumerate() {
            for other in &keys[i + 1..] {
                assert_ne!(one.account(), other.account(), "{one:?} {other:?}");
            }
        }
    }

    /// The system's own keyring as the automatic choice finds it (the
    /// Keychain, Credential Manager, the Secret Service or the kernel
    /// keyring) keeps a session whole until it is deleted.
    #[test]
    #[ignore = "needs the system's keyring, unlocked: run by .ci/run (Linux, and wine's Credential Manager) and .github/workflows/ci.yml (macOS, Windows)"]
    fn the_systems_keyring_keeps_a_session_until_it_is_deleted() {
        let store = KeyringStore::open(None, &Env::real()).unwrap();
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let serial = format!(
            "arn:aws:iam::123456789012:mfa/store-{}-{}",
            std::process::id(),
            nanos.as_nanos()
        );
        let key = key("store-test", &serial, None);
        let expiry = UNIX_EPOCH + Duration::from_secs(nanos.as_secs() + 3600);
        let credentials = Credentials::new(
            "ASIAEXAMPLE",
            "session/secret",
            Some("session-token".into()),
            Some(expiry),
            "cache",
        );
        let session = Session::from_credentials(credentials).unwrap();
        assert_eq!(store.load(&key).unwrap(), None, "{}", store.name());
        store.save(&key, &session).unwrap();
        assert_eq!(store.load(&key).unwrap(), Some(session), "{}", store.name());
        assert!(store.delete(&key).unwrap(), "{}", store.name());
        assert_eq!(store.load(&key).unwrap(), None, "{}", store.name());
    }

    #[test]
    fn no_choice_or_an_empty_one_is_automatic() {
        assert_eq!(Backend::parse(None).unwrap(), None);
        assert_eq!(Backend::parse(Some("")).unwrap(), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn linux_offers_keyutils_and_the_secret_service() {
        assert_eq!(
            Backend::parse(Some("keyutils")).unwrap(),
            Some(Backend::Keyutils)
        );
        assert_eq!(
            Backend::parse(Some("secret-service")).unwrap(),
            Some(Backend::SecretService)
        );
        let store = KeyringStore::open(Some("keyutils"), &Env::from_slice(&[])).unwrap();
        assert_eq!(store.name(), "kernel keyring (keyutils)");
        // An explicit choice is named without opening anything.
        assert!(store.slots.get().is_none());
    }

    #[test]
    fn an_unknown_choice_names_the_valid_values() {
        for choice in ["keychian", "Keyutils", "windows ", "none-at-all"] {
            let error = KeyringStore::open(Some(choice), &Env::from_slice(&[])).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(&format!("{choice:?}")), "{message}");
            assert!(
                message.contains("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING"),
                "{message}"
            );
            for backend in Backend::CHOICES {
                assert!(message.contains(backend.value()), "{message}");
            }
            assert!(message.contains("none"), "{message}");
        }
        #[cfg(target_os = "linux")]
        assert_eq!(
            KeyringStore::open(Some("keychain"), &Env::from_slice(&[]))
                .unwrap_err()
                .to_string(),
            "unknown keyring \"keychain\" in GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING; \
             valid values: keyutils, secret-service, none (unset or empty: automatic)"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_keys_get_the_session_time_left_and_secret_service_items_a_label() {
        let key = key("dev", "arn:aws:iam::123456789012:mfa/alice", None);
        assert_eq!(
            Backend::Keyutils.modifiers_for_save(&key, 43_200),
            [("timeout", "43200".to_owned())]
        );
        assert_eq!(
            Backend::SecretService.modifiers_for_save(&key, 43_200),
            [(
                "label",
                "git-credential-mfa-codecommit: MFA session for profile dev".to_owned()
            )]
        );
    }

    #[test]
    fn kernel_timeouts_cover_the_session_and_never_mean_forever() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |seconds: u64, nanos: u32| now + Duration::new(seconds, nanos);
        assert_eq!(seconds_left(at(43_200, 0), now), 43_200);
        assert_eq!(seconds_left(at(10, 100), now), 11);
        assert_eq!(seconds_left(now, now), 1);
        assert_eq!(seconds_left(now - Duration::from_secs(60), now), 1);
        assert_eq!(seconds_left(at(u64::from(u32::MAX) + 9, 0), now), u32::MAX);
    }

    #[test]
    fn error_reasons_never_show_stored_data() {
        let secret = b"ASIA-secret-token".to_vec();
        for error in [
            keyring_core::Error::BadEncoding(secret.clone()),
            keyring_core::Error::BadDataFormat(secret.clone(), "bad".into()),
        ] {
            assert!(!reason(&error).contains("secret"), "{}", reason(&error));
        }
    }
}
