//! MFA sessions: one TOTP prompt per session, shared by every git process.
//!
//! A fresh cached session is used as it is. Otherwise, under a cross-process
//! lock, the cache is checked again (another process may just have made one),
//! then the user's long-term keys, a TOTP code and sts:GetSessionToken make a
//! new session, which is cached. A code STS refuses is asked for again, up to
//! [`TRIES`] codes in all. The keyring is a cache, never a requirement: if it
//! fails, the helper warns once and goes on without it.

use std::time::Duration;

use crate::app::Context;
use crate::cache::CacheKey;
use crate::error::Error;
use crate::lock;
use crate::prompt::{self, Question};
use crate::session::Session;
use crate::sts::{self, SessionRequest};

/// How many codes the user may type before the helper gives up.
pub const TRIES: usize = 3;

/// An MFA session the selected profile calls for.
#[derive(Debug, Clone)]
pub struct Need {
    pub key: CacheKey,
    /// `--profile`, passed on to credential and STS look-ups.
    pub explicit_profile: Option<String>,
    /// The region STS is called in (the repository's: same partition).
    pub region: String,
    pub duration: Duration,
    /// The profile's `mfa_process`, a command that prints the code.
    pub mfa_process: Option<String>,
}

/// A session for `need`: the cached one, or a new one (prompting once).
pub fn session(need: &Need, context: &Context) -> Result<Session, Error> {
    match context.store.load(&need.key) {
        Ok(Some(session)) if is_fresh(&session, context) => {
            context.log.step(&format!(
                "using the cached MFA session for profile {} ({})",
                need.key.profile, need.key.mfa_serial
            ));
            return Ok(session);
        }
        Ok(_) => {}
        Err(error) => {
            context.log.warn(&format!(
                "{error}; going on without caching the MFA session"
            ));
            return new_session(need, context);
        }
    }
    let _lock = lock::acquire(&context.lock_dir, &need.key.account()).inspect_err(|error| {
        context
            .log
            .step(&format!("no lock ({error}); going on without"))
    });
    if let Ok(Some(session)) = context.store.load(&need.key)
        && is_fresh(&session, context)
    {
        context
            .log
            .step("another git process has just made an MFA session; using it");
        return Ok(session);
    }
    let session = new_session(need, context)?;
    save(need, &session, context);
    Ok(session)
}

/// Whether `session` outlasts the refresh window.
fn is_fresh(session: &Session, context: &Context) -> bool {
    session.is_fresh(context.clock.now(), context.refresh_window)
}

/// Caches `session`; a failure is a warning.
pub fn save(need: &Need, session: &Session, context: &Context) {
    match context.store.save(&need.key, session) {
        Ok(()) => context.log.step("cached the MFA session in the keyring"),
        Err(error) => context
            .log
            .warn(&format!("{error}; the MFA session is not cached")),
    }
}

/// Prompts for a code and asks STS for a session, retrying refused codes.
pub fn new_session(need: &Need, context: &Context) -> Result<Session, Error> {
    let base = context
        .credentials
        .credentials(need.explicit_profile.as_deref(), &need.region)?;
    if base.session_token().is_some() {
        return Err(Error::TemporaryBase(need.key.profile.clone()));
    }
    let serial = &need.key.mfa_serial;
    for attempt in 1..=TRIES {
        let code = context.prompt.ask(&Question {
            mfa_serial: serial,
            mfa_process: need.mfa_process.as_deref(),
        })?;
        if code.is_empty() {
            return Err(prompt::Error::Cancelled.into());
        }
        if !is_totp_code(&code) {
            context.log.warn("an MFA code is 6 digits; try again");
            continue;
        }
        context.log.step(&format!(
            "calling sts:GetSessionToken in {} for {serial} with key {}",
            need.region,
            base.access_key_id()
        ));
        let request = SessionRequest {
            base: &base,
            profile: need.explicit_profile.as_deref(),
            region: &need.region,
            mfa_serial: serial,
            code: &code,
            duration: need.duration,
        };
        match context.issuer.session(&request) {
            Err(sts::Error::CodeRefused(message)) if attempt < TRIES => context.log.warn(&format!(
                "STS refused the code ({message}): it was wrong, or already used; type the next code"
            )),
            result => return Ok(result?),
        }
    }
    Err(Error::TooManyTries)
}

/// Drops the cached session for `need` if `key_id` is its access key id.
pub fn forget_if_issued(need: &Need, key_id: &str, context: &Context) {
    let issued = matches!(context.store.load(&need.key),
        Ok(Some(session)) if session.credentials().access_key_id() == key_id);
    if issued {
        match context.store.delete(&need.key) {
            Ok(_) => context
                .log
                .step("git rejected the MFA session; removed it from the keyring"),
            Err(error) => context
                .log
                .warn(&format!("{error}; the rejected MFA session stays cached")),
        }
    }
}

/// Six ASCII digits.
fn is_totp_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit())
}
