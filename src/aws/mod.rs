//! AWS as the AWS CLI sees it: the shared files (`~/.aws/config`,
//! `~/.aws/credentials`) read and edited as botocore and `aws configure`
//! do, the helper's settings in a profile, the credential providers in
//! botocore's order, where the SDK's clients send requests, STS, IAM, the
//! instance's region from its metadata, CodeCommit's hosts and the SigV4
//! password.
//!
//! It knows nothing of git, sessions, prompts or commands: it imports only
//! the OS floor ([`crate::os`]), and everything above may import it.

pub(crate) mod codecommit;
pub mod credentials;
pub mod endpoints;
pub mod files;
pub mod iam;
pub mod imds;
pub mod process_profile;
pub mod settings;
pub mod sigv4;
pub mod sts;
