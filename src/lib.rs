//! git-credential-mfa-codecommit: a git credential helper that answers AWS
//! CodeCommit's HTTPS endpoints with SigV4-derived passwords, byte for byte as
//! `aws codecommit credential-helper` does.
//!
//! The binary (`main.rs`) only wires the real world into [`app::run`].
#![forbid(unsafe_code)]

pub mod app;
pub mod cache;
pub mod cli;
pub mod codecommit;
pub mod config;
pub mod credentials;
pub mod error;
pub mod protocol;
pub mod runtime;
pub mod session;
pub mod sigv4;
