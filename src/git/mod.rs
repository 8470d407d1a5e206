//! git as a credential helper meets it: the credential protocol on stdin
//! and stdout, the helpers git runs for a URL and the booleans of its
//! config, the configuration `setup` writes, where git finds programs, and
//! `codecommit://` URLs with the remote helper's plan.
//!
//! It may import [`crate::aws`] (host shapes, a profile's region) and the
//! OS floor; never the sessions, the prompt or the commands.

pub mod boolean;
pub mod config;
pub(crate) mod helper_line;
pub(crate) mod helpers;
pub(crate) mod programs;
pub mod protocol;
pub mod remote;
pub(crate) mod remote_url;
pub(crate) mod setup_config;
