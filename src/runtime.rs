//! The one place an async runtime is made.
//!
//! The AWS SDK is async; the helper is a short-lived, single-request process.
//! A current-thread runtime is built on demand, only on the paths that talk to
//! AWS, so `store`, `erase` and foreign hosts never pay for it.

use std::future::Future;

/// Runs `future` to completion on a fresh current-thread runtime with I/O and timers.
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}
