//! The one integration-test binary (see `autotests = false` in Cargo.toml).
//!
//! Tests marked `#[ignore]` need a real outside peer (the AWS CLI, faketime,
//! Python, openssl, moto); `.ci/run` installs those and runs them with
//! `cargo test -- --include-ignored`, the README's test command.
//!
//! It drives Linux peers (keyutils, the Secret Service, `/proc`, faketime),
//! so it is built on Linux only; from there, `windows.rs` runs the Windows
//! executables under wine.
#![cfg(target_os = "linux")]

mod authtype;
mod aws_cli;
mod aws_tools;
mod binary;
mod cache;
mod chain;
mod codecommit;
mod command_line;
mod config_writer;
mod conformance;
mod discovery;
mod doctor;
mod documentation;
mod doubles;
mod fake_service;
mod flow;
mod git_push;
mod hostile;
mod ini_differential;
mod instance_region;
mod login;
mod mfa_e2e;
mod mfa_flow;
mod moto;
mod prompt_sources;
mod release;
mod remote;
mod robustness;
mod role_conformance;
mod role_e2e;
mod role_flow;
mod secrets;
mod setup;
mod sso;
mod sts_faults;
mod support;
mod vectors;
mod windows;
