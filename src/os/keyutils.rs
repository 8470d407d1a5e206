//! A keyring-core credential store on the Linux kernel's per-user keyring
//! (`@u`, keyrings(7)), for machines with no Secret Service: servers, CI,
//! cron, ssh sessions, WSL.
//!
//! Each credential is one key of type `user` whose description is
//! `<service>:<user>` and whose payload is the secret bytes. Keys live in the
//! user keyring rather than the session keyring, because a process started
//! without a login session (cron, CI, ssh without `pam_keyinit`) has no session
//! keyring of its own, and one started by systemd with `KeyringMode=private`
//! has a session keyring that does not link `@u` at all. So that every process
//! of the user can read a key in either case, a key is staged in the calling
//! thread's keyring (which the thread possesses), given its permissions and its
//! timeout there, and only then linked into `@u`: a key in `@u` never lacks
//! either, and linking it displaces an older key with the same description in
//! one step.
//!
//! Invariants: keys grant everything to their possessor and their owner's uid
//! and nothing to group or others; a credential built with a `timeout`
//! modifier (seconds) is dropped by the kernel when it runs out; service
//! names hold no `:`, so descriptions are unambiguous.
//!
//! Never: a secret in an error message or a `Debug` output; a key anywhere
//! but the kernel (no file, no environment).
#![cfg(target_os = "linux")]

use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::api::{Credential, CredentialApi, CredentialPersistence, CredentialStoreApi};
use keyring_core::attributes::parse_attributes;
use keyring_core::{Entry, Result};
use linux_keyutils::{
    Key, KeyError, KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission,
};

/// The longest description the kernel accepts, without its NUL.
const MAX_DESCRIPTION: usize = 4095;

/// A kernel keyring operation that failed, and the kernel's reason.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot {operation}: {}", reason(*cause))]
    Kernel {
        operation: &'static str,
        cause: KeyError,
    },
}

fn reason(cause: KeyError) -> String {
    match cause {
        KeyError::AccessDenied | KeyError::PermissionDenied => "permission denied".into(),
        KeyError::QuotaExceeded => {
            "the user's key quota is used up (see /proc/sys/kernel/keys/maxbytes)".into()
        }
        KeyError::KeyDoesNotExist => "no such key".into(),
        KeyError::KeyExpired => "the key has expired".into(),
        KeyError::KeyRevoked => "the key was revoked".into(),
        KeyError::OutOfMemory => "out of memory".into(),
        KeyError::OperationNotSupported => "not supported by this kernel".into(),
        KeyError::Unknown(code) => std::io::Error::from_raw_os_error(code).to_string(),
        other => format!("{other:?}"),
    }
}

/// The kernel's answer to `operation` as a keyring-core error: a missing,
/// expired or revoked key is no entry; a refusal is no storage access.
fn kernel_error(operation: &'static str) -> impl Fn(KeyError) -> keyring_core::Error {
    move |cause| match cause {
        KeyError::KeyDoesNotExist
        | KeyError::KeyExpired
        | KeyError::KeyRevoked
        | KeyError::KeyRejected => keyring_core::Error::NoEntry,
        KeyError::InvalidDescription | KeyError::InvalidArguments => {
            keyring_core::Error::Invalid("key".into(), format!("the kernel refused to {operation}"))
        }
        KeyError::AccessDenied
        | KeyError::PermissionDenied
        | KeyError::QuotaExceeded
        | KeyError::OperationNotSupported => {
            keyring_core::Error::NoStorageAccess(Box::new(Error::Kernel { operation, cause }))
        }
        // ENOSYS: a kernel without keys, or a sandbox that filters keyctl(2).
        KeyError::Unknown(code)
            if std::io::Error::from_raw_os_error(code).kind()
                == std::io::ErrorKind::Unsupported =>
        {
            keyring_core::Error::NoStorageAccess(Box::new(Error::Kernel { operation, cause }))
        }
        _ => keyring_core::Error::PlatformFailure(Box::new(Error::Kernel { operation, cause })),
    }
}

/// The store: the calling user's kernel keyring.
#[derive(Debug)]
pub struct Store {
    user: KeyRing,
}

impl Store {
    /// The user keyring, which the kernel makes on first use; one system call.
    pub fn new() -> Result<Arc<Self>> {
        let user = KeyRing::from_special_id(KeyRingIdentifier::User, false)
            .map_err(kernel_error("open the user keyring"))?;
        Ok(Arc::new(Store { user }))
    }
}

impl CredentialStoreApi for Store {
    fn vendor(&self) -> String {
        "Linux kernel user keyring, git-credential-mfa-codecommit".into()
    }

    fn id(&self) -> String {
        format!(
            "user keyring {}",
            self.user.metadata().map_or_else(
                |_| "?".into(),
                |metadata| metadata.get_description().to_owned(),
            )
        )
    }

    /// A credential for `service` and `user`; the one modifier, `timeout`, is
    /// the number of seconds after which the kernel drops a key this entry sets.
    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&HashMap<&str, &str>>,
    ) -> Result<Entry> {
        let modifiers = parse_attributes(&["timeout"], modifiers)?;
        let timeout = match modifiers.get("timeout") {
            None => None,
            Some(text) => Some(
                text.parse::<u32>()
                    .ok()
                    .filter(|&seconds| seconds > 0)
                    .ok_or_else(|| {
                        keyring_core::Error::Invalid(
                            "timeout".into(),
                            "must be a positive number of seconds".into(),
                        )
                    })?,
            ),
        };
        let description = description(service, user)?;
        Ok(Entry::new_with_credential(Arc::new(Cred {
            user_keyring: self.user,
            description,
            service: service.to_owned(),
            user: user.to_owned(),
            timeout,
        })))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn persistence(&self) -> CredentialPersistence {
        CredentialPersistence::UntilReboot
    }

    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// The key description for `service` and `user`: `<service>:<user>`.
pub fn description(service: &str, user: &str) -> Result<String> {
    let invalid = |what: &str, why: &str| keyring_core::Error::Invalid(what.into(), why.into());
    if service.is_empty() || service.contains(':') {
        return Err(invalid("service", "must be non-empty and hold no ':'"));
    }
    if user.is_empty() {
        return Err(invalid("user", "cannot be empty"));
    }
    let description = format!("{service}:{user}");
    if description.contains('\0') {
        return Err(invalid("user", "cannot hold a NUL character"));
    }
    if description.len() > MAX_DESCRIPTION {
        return Err(keyring_core::Error::TooLong(
            "description".into(),
            MAX_DESCRIPTION as u32,
        ));
    }
    Ok(description)
}

/// One key in the user keyring, found by its description.
#[derive(Debug)]
pub struct Cred {
    user_keyring: KeyRing,
    description: String,
    service: String,
    user: String,
    timeout: Option<u32>,
}

impl Cred {
    fn find(&self) -> Result<Key> {
        self.user_keyring
            .search(&self.description)
            .map_err(kernel_error("search the user keyring"))
    }
}

impl CredentialApi for Cred {
    fn set_secret(&self, secret: &[u8]) -> Result<()> {
        if secret.is_empty() {
            // The kernel refuses an empty `user` key payload.
            return Err(keyring_core::Error::Invalid(
                "secret".into(),
                "cannot be empty".into(),
            ));
        }
        let staging = KeyRing::from_special_id(KeyRingIdentifier::Thread, true)
            .map_err(kernel_error("open the thread keyring"))?;
        let key = staging
            .add_key(&self.description, secret)
            .map_err(kernel_error("add a key"))?;
        let permissions = KeyPermissionsBuilder::builder()
            .posessor(Permission::ALL)
            .user(Permission::ALL)
            .build();
        let finished = key
            .set_perms(permissions)
            .map_err(kernel_error("set the key's permissions"))
            .and_then(|()| match self.timeout {
                Some(seconds) => key
                    .set_timeout(seconds as usize)
                    .map_err(kernel_error("set the key's timeout")),
                None => Ok(()),
            })
            .and_then(|()| {
                self.user_keyring
                    .link_key(key)
                    .map_err(kernel_error("link the key into the user keyring"))
            });
        if finished.is_err() {
            // A key that could not be finished must not be left behind.
            let _ = key.invalidate();
        }
        // Out of the thread keyring whatever happened; the link in `@u` (if
        // any) keeps the key alive, and a leftover link would only pin it.
        let _ = staging.unlink_key(key);
        finished
    }

    fn get_secret(&self) -> Result<Vec<u8>> {
        self.find()?
            .read_to_vec()
            .map_err(kernel_error("read the key"))
    }

    fn delete_credential(&self) -> Result<()> {
        self.find()?
            .invalidate()
            .map_err(kernel_error("invalidate the key"))
    }

    fn get_credential(&self) -> Result<Option<Arc<Credential>>> {
        self.find()?;
        Ok(None)
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        Some((self.service.clone(), self.user.clone()))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_join_service_and_user_with_a_colon() {
        assert_eq!(description("svc", "a|b:c").unwrap(), "svc:a|b:c");
    }

    #[test]
    fn ambiguous_or_unusable_descriptions_are_refused() {
        for (service, user) in [("", "u"), ("s:x", "u"), ("s", ""), ("s", "a\0b")] {
            assert!(
                matches!(
                    description(service, user),
                    Err(keyring_core::Error::Invalid(..))
                ),
                "{service:?} {user:?}"
            );
        }
        let long = "u".repeat(MAX_DESCRIPTION);
        assert!(matches!(
            description("s", &long),
            Err(keyring_core::Error::TooLong(..))
        ));
        assert!(description("s", &long[..MAX_DESCRIPTION - 2]).is_ok());
    }

    #[test]
    fn errors_name_the_operation_and_not_the_payload() {
        let error = kernel_error("read the key")(KeyError::AccessDenied);
        assert!(matches!(error, keyring_core::Error::NoStorageAccess(_)));
        assert_eq!(
            std::error::Error::source(&error).unwrap().to_string(),
            "cannot read the key: permission denied"
        );
        assert!(matches!(
            kernel_error("x")(KeyError::KeyExpired),
            keyring_core::Error::NoEntry
        ));
    }
}
