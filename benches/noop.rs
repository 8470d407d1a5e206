//! The floor for the benchmark: a Rust binary that does nothing, built with
//! the same release profile as the helper (`cargo build --release --example noop`).

fn main() {}
