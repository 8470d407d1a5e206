//! The world outside the process, as the commands and the flow below them
//! see it: the environment, the files, the clock, and each outside peer
//! behind its trait (the credential chain, the instance's metadata, the MFA
//! prompt, STS, IAM, the keyring, the user's stderr).
//!
//! `main` builds the real one; tests build one of doubles, so that every
//! command runs on byte buffers. It lives with the sessions because the
//! session flow is what needs the whole world; the commands hand it down.
//! It names the peers' traits, each defined beside its real peer, and
//! imports nothing that uses it.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_types::os_shim_internal::{Env, Fs};

use crate::aws::credentials::CredentialSource;
use crate::aws::iam::MfaDevices;
use crate::aws::imds::InstanceRegion;
use crate::aws::sts::StsApi;
use crate::os::log::Log;
use crate::prompt::Prompter;
use crate::session::store::SessionStore;

/// The time, read when needed.
pub trait Clock {
    fn now(&self) -> SystemTime;
}

/// The system's clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The world outside the process, as the flow sees it.
pub struct Context<'a> {
    pub env: Env,
    pub fs: Fs,
    pub clock: &'a dyn Clock,
    pub credentials: &'a dyn CredentialSource,
    /// The EC2 instance's region, the last source of a region to sign in.
    pub instance: &'a dyn InstanceRegion,
    pub prompt: &'a dyn Prompter,
    pub sts: &'a dyn StsApi,
    /// IAM's list of a user's MFA devices (`login` only).
    pub devices: &'a dyn MfaDevices,
    pub store: &'a dyn SessionStore,
    /// Where the cross-process lock files live.
    pub lock_dir: PathBuf,
    /// A cached session is renewed this long before it expires.
    pub refresh_window: Duration,
    pub log: &'a dyn Log,
}
