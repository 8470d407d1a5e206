//! Base AWS credentials, found where the AWS CLI finds them.
//!
//! Without `--profile`: aws-config's default chain (environment, the profile
//! `AWS_PROFILE` or `default` selects with static keys, `credential_process`,
//! IAM Identity Center, `role_arn` with `source_profile` or `credential_source`,
//! web identity, containers, instance metadata). With `--profile`: that profile
//! only, because the AWS CLI ignores environment keys when a profile is named.
//!
//! For role profiles with MFA, which this helper assumes itself, the base
//! keys come from the source profile or from a `credential_source`
//! (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`).
//!
//! Instance metadata is asked once with a one-second connect timeout, so a
//! machine off EC2 learns "no credentials" in about a second, not after
//! retries. The region is always given, so no provider probes for one.
//! The only module that asks aws-config for credentials.

use std::time::Duration;

use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::ecs::EcsCredentialsProvider;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::imds::{self, credentials::ImdsCredentialsProvider};
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{
    ProvideCredentials, SharedCredentialsProvider, error::CredentialsError,
};
use aws_types::region::Region;

use crate::error::one_line;

const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "no AWS credentials found in the environment, the AWS config files or instance metadata; run `aws configure`, set AWS_PROFILE, or pass --profile"
    )]
    NotFound,
    #[error(
        "no AWS credentials found for profile `{0}`; check ~/.aws/config and ~/.aws/credentials, or run `aws configure --profile {0}`"
    )]
    ProfileNotFound(String),
    #[error("could not load AWS credentials: {0}")]
    Provider(String),
    #[error(
        "unknown credential_source `{0}`; use Environment, Ec2InstanceMetadata or EcsContainer"
    )]
    UnknownSource(String),
}

/// Where base credentials come from; the real one is [`DefaultChain`].
pub trait CredentialSource {
    /// Credentials for `profile` (from `--profile`) or the environment's choice,
    /// using `region` for any AWS call a provider makes.
    fn credentials(&self, profile: Option<&str>, region: &str) -> Result<Credentials, Error>;

    /// Credentials from a role profile's `credential_source`: `Environment`,
    /// `Ec2InstanceMetadata` or `EcsContainer`.
    fn credential_source(&self, name: &str, region: &str) -> Result<Credentials, Error>;
}

/// aws-config's providers, on the real environment and file system.
#[derive(Debug, Default)]
pub struct DefaultChain;

impl CredentialSource for DefaultChain {
    fn credentials(&self, profile: Option<&str>, region: &str) -> Result<Credentials, Error> {
        let config = provider_config(region);
        let loading = async {
            match profile {
                Some(name) => {
                    ProfileFileCredentialsProvider::builder()
                        .configure(&config)
                        .profile_name(name)
                        .build()
                        .provide_credentials()
                        .await
                }
                None => {
                    // The chain's first link, alone: when the environment has
                    // keys, the rest (and its TLS set-up) is never built.
                    let environment = EnvironmentVariableCredentialsProvider::new()
                        .provide_credentials()
                        .await;
                    if !matches!(environment, Err(CredentialsError::CredentialsNotLoaded(_))) {
                        return environment;
                    }
                    DefaultCredentialsChain::builder()
                        .configure(config.clone())
                        .region(Region::new(region.to_owned()))
                        .imds_client(imds(&config))
                        .build()
                        .await
                        .provide_credentials()
                        .await
                }
            }
        };
        load(loading, profile)
    }

    fn credential_source(&self, name: &str, region: &str) -> Result<Credentials, Error> {
        let config = provider_config(region);
        let provider = match name {
            "Environment" => {
                SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new())
            }
            "Ec2InstanceMetadata" => SharedCredentialsProvider::new(
                ImdsCredentialsProvider::builder()
                    .configure(&config)
                    .imds_client(imds(&config))
                    .build(),
            ),
            "EcsContainer" => SharedCredentialsProvider::new(
                EcsCredentialsProvider::builder().configure(&config).build(),
            ),
            other => return Err(Error::UnknownSource(other.to_owned())),
        };
        load(async move { provider.provide_credentials().await }, None)
    }
}

fn provider_config(region: &str) -> ProviderConfig {
    ProviderConfig::default().with_region(Some(Region::new(region.to_owned())))
}

/// Instance metadata, asked once with short timeouts.
fn imds(config: &ProviderConfig) -> imds::Client {
    imds::Client::builder()
        .configure(config)
        .max_attempts(1)
        .connect_timeout(IMDS_TIMEOUT)
        .read_timeout(IMDS_TIMEOUT)
        .build()
}

/// Runs a provider to completion and sorts its failure; `profile` names
/// the profile in a "not found" error.
fn load(
    loading: impl Future<Output = Result<Credentials, CredentialsError>>,
    profile: Option<&str>,
) -> Result<Credentials, Error> {
    match crate::runtime::block_on(loading) {
        Ok(Ok(credentials)) => Ok(credentials),
        Ok(Err(CredentialsError::CredentialsNotLoaded(_))) => Err(match profile {
            Some(name) => Error::ProfileNotFound(name.to_owned()),
            None => Error::NotFound,
        }),
        Ok(Err(error)) => Err(Error::Provider(one_line(&error))),
        Err(error) => Err(Error::Provider(error.to_string())),
    }
}
