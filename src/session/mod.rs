//! MFA sessions: which session a profile needs (the pure [`plan`]),
//! obtaining it ([`obtain`]: the cache, the cross-process lock, a TOTP code
//! and STS), the session and its cached bytes, the keyring stores, and
//! finding a user's MFA device ([`discovery`]).
//!
//! It may import [`crate::aws`], [`crate::prompt`] and the OS floor; the
//! commands build on it, and it never sees the command line.

mod cached;
pub mod context;
pub mod discovery;
pub mod lock;
pub mod obtain;
pub mod plan;
pub mod store;

pub use cached::Session;
