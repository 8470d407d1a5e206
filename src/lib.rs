//! git-credential-mfa-codecommit: a git credential helper that answers AWS
//! CodeCommit's HTTPS endpoints with SigV4-derived passwords, byte for byte as
//! `aws codecommit credential-helper` does, signed with an MFA session (one
//! TOTP code per session, cached in the OS keyring) where the profile names
//! an MFA device.
//!
//! The binaries only wire the real world in: `main.rs` into [`commands::run`],
//! `bin/git-remote-codecommit.rs` (for `codecommit://` URLs) into [`remote::plan`].
#![forbid(unsafe_code)]

pub mod aws_config;
pub mod aws_profile;
pub mod cache;
pub mod child;
pub mod cli;
pub mod codecommit;
pub mod commands;
pub mod config;
pub mod config_file;
pub mod context;
pub mod credential_helpers;
pub mod credentials;
pub mod discovery;
pub mod error;
pub mod helper_config;
pub mod iam;
pub mod json;
pub mod keyutils;
pub mod lock;
pub mod log;
pub mod mfa;
pub mod plan;
pub mod probe;
pub mod prompt;
pub mod protocol;
pub mod remote;
pub mod remote_url;
pub mod runtime;
pub mod session;
pub mod shell;
pub mod sigv4;
pub mod sts;
pub mod which;
