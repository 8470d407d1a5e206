//! The OS floor: child processes with deadlines, no core dumps, words for
//! a POSIX shell and words as Python's `shlex` cuts them, the one async
//! runtime, logging to the user's stderr, text made safe for a terminal,
//! flat JSON, and the Linux kernel keyring as a keyring-core store.
//!
//! It imports nothing of the crate; everything may import it.

pub(crate) mod child;
pub mod core_dumps;
pub(crate) mod json;
pub mod keyutils;
pub mod log;
pub mod printable;
pub(crate) mod runtime;
pub(crate) mod shell;
pub(crate) mod shlex;
