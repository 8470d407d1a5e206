//! The EC2 instance's own region, from instance metadata (IMDSv2): the AWS
//! CLI v2's last source of a region (its `IMDSRegionProvider`, at the end of
//! `_construct_cli_region_chain` in `awscli/clidriver.py`), asked only when
//! nothing else names one.
//!
//! One attempt with one-second timeouts, botocore's defaults
//! (`metadata_service_timeout`, `metadata_service_num_attempts`), within a
//! deadline whatever the SDK's own retries: off EC2 the answer is "none"
//! within about a second. `AWS_EC2_METADATA_DISABLED=true` turns it off and
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT` points it elsewhere, as for the SDK.

use std::time::Duration;

use aws_config::imds::{self, region::ImdsRegionProvider};
use aws_config::provider_config::ProviderConfig;

/// How long one request to the metadata service may take.
const TIMEOUT: Duration = Duration::from_secs(1);
/// The token request and the region request together.
const DEADLINE: Duration = Duration::from_secs(3);

/// Where the instance's region comes from; the real one is [`Imds`].
pub trait InstanceRegion {
    /// The instance's region; `None` off EC2, or when metadata is off.
    fn region(&self) -> Option<String>;
}

/// The instance metadata service.
pub struct Imds;

impl InstanceRegion for Imds {
    fn region(&self) -> Option<String> {
        let provider = ImdsRegionProvider::builder()
            .imds_client(client(&ProviderConfig::default()))
            .build();
        // Made inside the runtime, whose timer it needs.
        let bounded = async { tokio::time::timeout(DEADLINE, provider.region()).await };
        let region = crate::os::runtime::block_on(bounded).ok()?.ok()??;
        Some(region.to_string())
    }
}

/// A metadata client that asks once, with one-second timeouts.
pub(crate) fn client(config: &ProviderConfig) -> imds::Client {
    imds::Client::builder()
        .configure(config)
        .max_attempts(1)
        .connect_timeout(TIMEOUT)
        .read_timeout(TIMEOUT)
        .build()
}
