//! git-credential-mfa-codecommit: a git credential helper that answers AWS
//! CodeCommit's HTTPS endpoints with SigV4-derived passwords, byte for byte as
//! `aws codecommit credential-helper` does, signed with an MFA session (one
//! TOTP code per session, cached in the OS keyring) where the profile names
//! an MFA device.
//!
//! The floor plan, each folder one outside world or one layer
//! (`.ci/module-cycles.py` checks the arrows between them):
//!
//! ```text
//! main.rs, bin/   wire the real world in, print the one-line error, exit
//! lib.rs          this map
//! cli.rs          argv → the command and its flags (no I/O)
//! error.rs        the user's one line: each module's error, and setup's and
//!                 doctor's own failures, composed with their causes
//! commands/       one file per user command, and doctor's checks and probe;
//!                 only lib imports it
//! session/        the plan, obtaining a session (cache, lock, code, STS), the
//!                 session and its bytes, the keyring as a store, the lock, MFA
//!                 device discovery, and the Context the flow runs in
//! git/            the credential protocol, the helpers git runs, git's
//!                 booleans and config, setup's config, codecommit:// URLs
//! prompt/         where a TOTP code comes from: mfa_process, terminal, askpass
//! aws/            the shared files (read and edited), the profile's settings,
//!                 credential providers, STS, IAM, CodeCommit hosts, SigV4
//! os/             children, shell and shlex words, the runtime, logging,
//!                 JSON, the kernel keyring as a keyring-core store
//! ```
//!
//! Imports point down this list only (`git/` reaches `prompt/` only to
//! implement its `GitSettings`): `aws/` and `prompt/` import only `os/`,
//! and `os/` nothing.
//!
//! The binaries only wire the real world in: `main.rs` into [`commands::run`],
//! `bin/git-remote-codecommit.rs` (for `codecommit://` URLs) into
//! [`git::remote::plan`].
// No `unsafe`, but for the Windows console's mode (`prompt::terminal`),
// allowed there alone.
#![deny(unsafe_code)]

pub mod aws;
pub mod cli;
pub mod commands;
pub mod error;
pub mod git;
pub mod os;
pub mod prompt;
pub mod session;
