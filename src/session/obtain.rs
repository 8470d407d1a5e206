//! MFA sessions: one TOTP prompt per session, shared by every git process.
//!
//! A fresh cached session is used as it is. Otherwise, under a cross-process
//! lock, the cache is checked again (another process may just have made one),
//! then a new session is made and cached:
//! - an IAM user's session: long-term keys + a TOTP code → sts:GetSessionToken;
//! - a role session with MFA: base keys + a TOTP code → sts:AssumeRole;
//! - a role session on an MFA session (the source profile has `mfa_serial`):
//!   the source's cached session (prompting only when it too has run out) →
//!   sts:AssumeRole, silently; so a one-hour role is re-assumed all day on
//!   one prompt.
//!
//! A code STS refuses is asked for again, up to [`TRIES`] codes in all. The
//! keyring is a cache, never a requirement: if it fails, the helper warns
//! once and goes on without it; an unreadable entry is a miss, said once,
//! that the new session replaces.

use aws_credential_types::Credentials;

use crate::aws::credentials;
use crate::aws::sts::{self, Caller, RoleRequest, SessionRequest};
use crate::prompt::{self, Question};
use crate::session::Session;
use crate::session::context::Context;
use crate::session::lock;
use crate::session::plan::{Method, Need, Plan, Role, RoleBase};
use crate::session::store;

/// What to do about a keyring that fails.
#[cfg(target_os = "linux")]
pub const KEYRING_HINT: &str =
    "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING=keyutils chooses the kernel keyring";
#[cfg(not(target_os = "linux"))]
pub const KEYRING_HINT: &str = "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING=none turns the cache off";

/// How many codes the user may type before the helper gives up.
pub const TRIES: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Credentials(#[from] credentials::Error),
    #[error(transparent)]
    Prompt(#[from] prompt::Error),
    #[error(transparent)]
    Sts(#[from] sts::Error),
    #[error(
        "profile {0} gives temporary credentials, which cannot call sts:GetSessionToken; give it an IAM user's long-term keys"
    )]
    TemporaryBase(String),
    #[error(
        "no MFA code was accepted in {TRIES} tries; run the command again with the current code"
    )]
    TooManyTries,
    #[error("the profile's mfa_process printed no 6-digit MFA code; check the command")]
    ProcessNotACode,
}

/// The sessions a plan calls for (its own, and for a role on a source
/// profile's session, the source's): made in the plan's region, with its
/// AWS files.
pub struct Sessions<'a, 'w> {
    plan: &'a Plan,
    context: &'a Context<'w>,
}

impl<'a, 'w> Sessions<'a, 'w> {
    pub fn of(plan: &'a Plan, context: &'a Context<'w>) -> Self {
        Sessions { plan, context }
    }

    /// A session for `need`: the cached one, or a new one (prompting once).
    pub fn cached_or_new(&self, need: &Need) -> Result<Session, Error> {
        let context = self.context;
        match context.store.load(&need.key) {
            Ok(Some(session)) if is_fresh(&session, context) => {
                context.log.step(&format!(
                    "using the cached MFA session for profile {} ({})",
                    need.key.profile, need.key.mfa_serial
                ));
                return Ok(session);
            }
            Ok(_) => {}
            // A bad entry is a miss that the new session replaces. Said
            // once: the read under the lock below passes over it.
            Err(error @ store::Error::Unreadable { .. }) => context
                .log
                .warn(&format!("{error}; logging in again replaces it")),
            Err(error) => {
                context.log.warn(&format!(
                    "{error}; going on without caching the MFA session ({KEYRING_HINT})"
                ));
                return self.new_session(need);
            }
        }
        let waiting = || {
            context.log.warn(&format!(
                "waiting for another git-credential-mfa-codecommit, which may be asking for an MFA code for profile {}",
                need.key.profile
            ))
        };
        let _lock = lock::acquire(&context.lock_dir, &need.key.account(), lock::WAIT, waiting)
            .inspect_err(|error| match error {
                lock::Error::Io(_) => context
                    .log
                    .step(&format!("no lock ({error}); going on without")),
                _ => context
                    .log
                    .warn(&format!("{error}; going on without the lock")),
            });
        if let Ok(Some(session)) = context.store.load(&need.key)
            && is_fresh(&session, context)
        {
            context
                .log
                .step("another git process has just made an MFA session; using it");
            return Ok(session);
        }
        let session = self.new_session(need)?;
        save(need, &session, context);
        Ok(session)
    }

    /// STS called with `base`, in the plan's region.
    fn caller<'b>(&'b self, base: &'b Credentials) -> Caller<'b> {
        Caller {
            base,
            region: &self.plan.region.name,
            files: &self.plan.files,
        }
    }

    /// Makes a new session for `need`, prompting when it takes a code.
    pub fn new_session(&self, need: &Need) -> Result<Session, Error> {
        let role = match &need.method {
            Method::UserSession => return self.user_session(need),
            Method::Role(role) => role,
        };
        if let RoleBase::Session(source) = &role.base {
            let source = self.cached_or_new(source)?;
            return Ok(self.assume(need, role, source.credentials(), None)?);
        }
        let base = self.base_keys(need)?;
        with_code(need, self.context, |code| {
            self.assume(need, role, &base, Some((&need.key.mfa_serial, code)))
        })
    }

    /// GetSessionToken with the profile's long-term keys and a code.
    fn user_session(&self, need: &Need) -> Result<Session, Error> {
        let base = self.base_keys(need)?;
        if base.session_token().is_some() {
            return Err(Error::TemporaryBase(need.key.profile.clone()));
        }
        with_code(need, self.context, |code| {
            self.step("GetSessionToken", need, &base);
            issued(self.context.sts.session(&SessionRequest {
                caller: self.caller(&base),
                mfa_serial: &need.key.mfa_serial,
                code,
                duration: need.duration,
            }))
        })
    }

    /// AssumeRole with `base`, and with `mfa` (device, code) unless `base`
    /// is an MFA session.
    fn assume(
        &self,
        need: &Need,
        role: &Role,
        base: &Credentials,
        mfa: Option<(&str, &str)>,
    ) -> Result<Session, sts::Error> {
        self.step("AssumeRole", need, base);
        issued(self.context.sts.assume_role(&RoleRequest {
            caller: self.caller(base),
            role_arn: &role.role_arn,
            session_name: &role.session_name,
            external_id: role.external_id.as_deref(),
            mfa,
            duration: Some(need.duration),
        }))
    }

    /// The keys STS is first called with for `need`.
    fn base_keys(&self, need: &Need) -> Result<Credentials, credentials::Error> {
        let files = &self.plan.files;
        let region = &self.plan.region.name;
        self.context.credentials.fetch(files, need.keys(), region)
    }

    fn step(&self, operation: &str, need: &Need, base: &Credentials) {
        self.context.log.step(&format!(
            "calling sts:{operation} in {} for profile {} with key {}",
            self.plan.region.name,
            need.key.profile,
            base.access_key_id()
        ));
    }
}

/// Whether `session` outlasts the refresh window.
fn is_fresh(session: &Session, context: &Context) -> bool {
    session.is_fresh(context.clock.now(), context.refresh_window)
}

/// Caches `session`; a failure is a warning.
pub fn save(need: &Need, session: &Session, context: &Context) {
    match context.store.save(&need.key, session) {
        Ok(()) => context.log.step(&format!(
            "cached the MFA session in the {}",
            context.store.name()
        )),
        Err(error @ (store::Error::TooLarge { .. } | store::Error::Unencodable)) => {
            context.log.warn(&format!(
                "{error}, so it is not cached: each git command asks for a code until a session fits"
            ));
        }
        Err(error) => context.log.warn(&format!(
            "{error}; the MFA session is not cached ({KEYRING_HINT})"
        )),
    }
}

/// The session in what STS issued, whose credentials carry a session token
/// and an expiry.
fn issued(credentials: Result<Credentials, sts::Error>) -> Result<Session, sts::Error> {
    Session::from_credentials(credentials?).ok_or_else(|| {
        sts::Error::Unreadable("its credentials have no session token or expiry".to_owned())
    })
}

/// Asks for TOTP codes and passes each to `call`, until STS takes one or
/// [`TRIES`] codes are used up.
fn with_code(
    need: &Need,
    context: &Context,
    call: impl Fn(&str) -> Result<Session, sts::Error>,
) -> Result<Session, Error> {
    let question = Question {
        mfa_serial: &need.key.mfa_serial,
        mfa_process: need.mfa_process.as_deref(),
    };
    // An mfa_process (a hardware key, a password manager) would give the
    // same code again within its 30 seconds: it gets one try.
    let tries = if question.mfa_process.is_some() {
        1
    } else {
        TRIES
    };
    for attempt in 1..=tries {
        let code = context.prompt.ask(&question)?;
        if code.is_empty() {
            return Err(prompt::Error::Cancelled.into());
        }
        if !is_totp_code(&code) {
            if question.mfa_process.is_some() {
                return Err(Error::ProcessNotACode);
            }
            context.log.warn("an MFA code is 6 digits; try again");
            continue;
        }
        match call(&code) {
            Err(sts::Error::CodeRefused(message)) if attempt < tries => context.log.warn(&format!(
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
