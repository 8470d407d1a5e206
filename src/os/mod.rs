//! The OS floor: child processes with deadlines, no core dumps, words for
//! a POSIX shell, the one async runtime, logging to the user's stderr, text
//! made safe for a terminal, and flat JSON.
//!
//! It imports nothing of the crate; everything may import it.

pub(crate) mod child;
pub mod core_dumps;
pub(crate) mod json;
pub mod log;
pub mod printable;
pub(crate) mod runtime;
pub(crate) mod shell;
