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

/// Fixtures and fakes every test file may use; no test file imports another.
mod support;

// The signature and the protocol, in-process or against recorded answers.
mod command_line; // credential_process command lines against botocore's splitter
mod ini_differential; // the INI parser against botocore, generated files
mod vectors; // SigV4 passwords against git-remote-codecommit's vectors

// The flow through `commands::run`, with strict doubles (support/doubles.rs).
mod flow; // the drop-in get, no MFA
mod mfa_flow; // MFA sessions: cache, prompt, STS
mod role_flow; // roles with MFA

// The built program beside the AWS CLI, byte for byte.
mod aws_cli; // answers to the AWS CLI's credential helper
mod config_writer; // `aws configure set` against our writer
mod conformance; // the conformance table of config files
mod role_conformance; // which identity role profiles pick

// The built program as git and people run it.
mod binary; // argv, stdin, stdout, exit status
mod documentation; // --help, the README and docs/ agree
mod instance_region; // the region from instance metadata
mod setup; // `setup` with the real git
mod sts_faults; // STS failing every way a peer can

// End to end with real peers: moto, keyrings, terminals, git, servers.
mod authtype; // git 2.46's ephemeral credentials
mod aws_tools; // credential-process for the AWS CLI and boto3
mod cache; // the session cache in real keyrings
mod chain; // role chains against moto's STS
mod discovery; // MFA device discovery against moto's IAM
mod doctor; // one scenario per failure, then fixed
mod git_push; // clone and push through the helper
mod hostile; // the attacks a credential helper must not fall for
mod login; // `aws login` profiles against a fake Sign-In
mod mfa_e2e; // MFA sessions with moto, the kernel keyring, a terminal, git
mod prompt_sources; // askpass, mfa_process and the gates
mod remote; // git-remote-codecommit with the real git
mod robustness; // concurrent gets, killed holders, failing keyrings
mod role_e2e; // roles with MFA end to end
mod secrets; // a user's day, no secret in any output or file
mod sso; // IAM Identity Center against a fake portal

// Other platforms and the release.
mod release; // what install/release.sh makes, as users meet it
mod windows; // the .exe files under wine
