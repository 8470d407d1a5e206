//! The one place an async runtime is made.
//!
//! The AWS SDK is async; the helper is a short-lived, single-request process.
//! A current-thread runtime is built on demand, only on the paths that talk to
//! AWS, so `store`, `erase` and foreign hosts never pay for it, and a cached
//! `get`, whose only async work (aws-config reading the config files) never
//! waits, runs that work without one.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_smithy_types::timeout::TimeoutConfig;

/// Runs `future` to completion on a fresh current-thread runtime with I/O and timers.
pub fn block_on<F: Future>(future: F) -> std::io::Result<F::Output> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future))
}

/// The bounds of one outside call: connecting, and the whole call.
pub fn timeouts(connect: Duration, call: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(connect)
        .operation_timeout(call)
        .build()
}

/// Runs `future`, which is expected to finish without waiting; builds a
/// runtime only if it does wait after all.
pub fn run_ready<F: Future>(future: F) -> std::io::Result<F::Output> {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Ok(output),
        Poll::Pending => block_on(future),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_future_needs_no_runtime() {
        assert_eq!(run_ready(async { 7 }).unwrap(), 7);
    }

    #[test]
    fn a_waiting_future_gets_a_runtime() {
        let waits = async {
            tokio::task::yield_now().await;
            8
        };
        assert_eq!(run_ready(waits).unwrap(), 8);
    }
}
