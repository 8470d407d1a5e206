//! The providers the AWS SDK for Rust runs for the chain: a container's
//! credential endpoint, instance metadata, and web identity tokens, each
//! within one deadline whatever its own timeouts and retries: instance
//! metadata is asked once with one-second timeouts, so a machine off EC2
//! learns "no credentials" in about a second. The region is always given, so
//! no provider probes for one. [`provider_config`] bounds the SDK clients
//! that `sso.rs` builds too, and [`bounded`] their providers and the login
//! provider of `login.rs`.

use std::time::Duration;

use aws_config::ecs::EcsCredentialsProvider;
use aws_config::imds::credentials::ImdsCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::web_identity_token::{StaticConfiguration, WebIdentityTokenCredentialsProvider};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, error::CredentialsError};
use aws_types::region::Region;

use super::role::SESSION_NAME as ROLE_SESSION_NAME;
use crate::os::log::one_line;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The provider has no credentials (instance metadata off EC2).
    #[error("no credentials there")]
    NotFound,
    #[error("could not load AWS credentials: {0}")]
    Provider(String),
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// One call, its one retry included.
const CALL_TIMEOUT: Duration = Duration::from_secs(3);

/// aws-config's settings for the providers: the region, one retry, bounded.
pub(super) fn provider_config(region: &str) -> ProviderConfig {
    ProviderConfig::default()
        .with_region(Some(Region::new(region.to_owned())))
        .with_retry_config(RetryConfig::standard().with_max_attempts(2))
        .with_timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(CALL_TIMEOUT)
                .operation_timeout(CALL_TIMEOUT)
                .build(),
        )
}

/// Instance metadata's credentials; [`Error::NotFound`] off EC2.
pub(super) fn instance_metadata(region: &str) -> Result<Credentials, Error> {
    let config = provider_config(region);
    load(
        ImdsCredentialsProvider::builder()
            .configure(&config)
            .imds_client(crate::aws::imds::client(&config))
            .build(),
        "instance metadata",
    )
}

/// The container credential endpoint's credentials.
pub(super) fn container(region: &str) -> Result<Credentials, Error> {
    load(
        EcsCredentialsProvider::builder()
            .configure(&provider_config(region))
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(CALL_TIMEOUT)
            .build(),
        "the container credential endpoint (AWS_CONTAINER_CREDENTIALS_*)",
    )
}

/// sts:AssumeRoleWithWebIdentity with the token in `token_file`.
pub(super) fn web_identity(
    token_file: &str,
    role_arn: &str,
    session_name: Option<&str>,
    region: &str,
) -> Result<Credentials, Error> {
    let provider = WebIdentityTokenCredentialsProvider::builder()
        .configure(&provider_config(region))
        .static_configuration(StaticConfiguration {
            web_identity_token_file: token_file.into(),
            role_arn: role_arn.to_owned(),
            session_name: session_name.unwrap_or(ROLE_SESSION_NAME).to_owned(),
        })
        .build();
    load(provider, "STS (AssumeRoleWithWebIdentity)")
}

/// Runs a provider to completion, within [`CALL_TIMEOUT`] whatever its own
/// timeouts and retries, and sorts its failure; `what` names it.
fn load(provider: impl ProvideCredentials, what: &str) -> Result<Credentials, Error> {
    match bounded(provider) {
        Ok(Ok(credentials)) => Ok(credentials),
        Ok(Err(CredentialsError::CredentialsNotLoaded(_))) => Err(Error::NotFound),
        Ok(Err(error)) => Err(Error::Provider(one_line(&error))),
        Err(reason) => Err(Error::Provider(format!("{what} {reason}"))),
    }
}

/// A provider's answer, or why none came: no runtime, or nothing within
/// [`CALL_TIMEOUT`] (worded as the SDK's own operation timeout, which may
/// come first).
pub(super) fn bounded(
    provider: impl ProvideCredentials,
) -> Result<aws_credential_types::provider::Result, String> {
    // Made inside the runtime, whose timer it needs.
    let bounded =
        async { tokio::time::timeout(CALL_TIMEOUT, provider.provide_credentials()).await };
    match crate::os::runtime::block_on(bounded) {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(_)) => Err(format!(
            "timed out: no answer within {} seconds",
            CALL_TIMEOUT.as_secs()
        )),
        Err(error) => Err(format!("could not start: {error}")),
    }
}
