//! Where the AWS SDK's clients send their requests: the endpoint settings
//! of the selected profile (as this helper read it, rendered for the SDK's
//! own reader) and of the environment, read with aws-runtime's
//! `EnvConfigValue` in the order aws-config's loader reads them. A
//! service's URL is `AWS_ENDPOINT_URL_<SERVICE>`, else `AWS_ENDPOINT_URL`,
//! else the service's entry in the profile's `[services]` section, else the
//! profile's `endpoint_url` (the SDKs' reference guide, "Service-specific
//! endpoints"), all dropped by `ignore_configured_endpoint_urls`; beside
//! them, `use_fips_endpoint` and `use_dualstack_endpoint`. The STS client
//! takes the whole config; IAM, called without an SDK client, asks
//! [`service_url`].
//!
//! The loader itself (`aws_config::defaults(..).load()`) is not used: it
//! links aws-config's default credential and token chains, with every
//! provider they hold, into every run of the helper, though the helper
//! always brings its own credentials, and each cached `get` would pay for
//! loading that code at start-up.

use std::borrow::Cow;

use aws_runtime::env_config::EnvConfigValue;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_runtime::env_config::section::EnvConfigSections;
use aws_runtime::env_config::source;
use aws_types::SdkConfig;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::sdk_config::Builder;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::aws::files::SharedFiles;

/// The variable whose service-specific forms (`AWS_ENDPOINT_URL_STS`) the
/// clients ask for.
const ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";

/// An SDK config builder holding `files`' and `env`'s endpoint settings;
/// the caller adds the region, the credentials and the bounds.
pub async fn configured(files: &SharedFiles, env: Env) -> Builder {
    let sections = sections(files, &env).await;
    let flag = |variable: &str, key: &str| {
        EnvConfigValue::new()
            .env(variable)
            .profile(key)
            .validate(&env, Some(&sections), parse_bool)
            .unwrap_or(None)
    };
    let ignore = flag(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )
    .unwrap_or(false);
    let mut builder = SdkConfig::builder();
    builder
        .set_use_fips(flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"))
        .set_use_dual_stack(flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"))
        .set_endpoint_url(if ignore {
            None
        } else {
            EnvConfigValue::new()
                .env(ENDPOINT_URL)
                .profile("endpoint_url")
                .load(&env, Some(&sections))
                .map(|(url, _)| url.into_owned())
        });
    builder.service_config(Services {
        env,
        sections,
        ignore,
    })
}

/// The endpoint URL `files` and `env` configure for the service the SDK
/// names `service_id` (`IAM`), by the rules its clients follow.
pub async fn service_url(files: &SharedFiles, env: Env, service_id: &str) -> Option<String> {
    let config = configured(files, env).await.build();
    config.service_config()?.load_config(
        ServiceConfigKey::builder()
            .service_id(service_id)
            .env(ENDPOINT_URL)
            .profile("endpoint_url")
            .build()
            .ok()?,
    )
}

/// The selected profile as the SDK's reader parses it, named `default`.
async fn sections(files: &SharedFiles, env: &Env) -> EnvConfigSections {
    let rendered = EnvConfigFiles::builder()
        .with_contents(EnvConfigFileKind::Config, files.render_for_sdk())
        .build();
    source::load(env, &Fs::real(), &rendered)
        .await
        .ok()
        .and_then(|mut source| {
            source.profile = Cow::Borrowed("default");
            EnvConfigSections::parse(source).ok()
        })
        .unwrap_or_default()
}

/// `true` or `false` in any case, as aws-config takes them; anything else
/// is as if unset.
fn parse_bool(value: &str) -> Result<bool, std::fmt::Error> {
    [false, true]
        .into_iter()
        .find(|flag| value.eq_ignore_ascii_case(&flag.to_string()))
        .ok_or(std::fmt::Error)
}

/// A client's service-specific settings (its endpoint URL): the
/// service's variable, its `[services]` entry, then the global ones.
#[derive(Debug)]
struct Services {
    env: Env,
    sections: EnvConfigSections,
    ignore: bool,
}

impl LoadServiceConfig for Services {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        if self.ignore && key.env() == ENDPOINT_URL {
            return None;
        }
        EnvConfigValue::new()
            .env(key.env())
            .profile(key.profile())
            .service_id(key.service_id())
            .load(&self.env, Some(&self.sections))
            .map(|(value, _)| value.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::files::fake_files;

    fn files(text: &str) -> SharedFiles {
        let fs = fake_files("/home", &[(".aws/config", text)]);
        SharedFiles::load(None, &Env::from_slice(&[("HOME", "/home")]), &fs).unwrap()
    }

    fn config(text: &str, env: &[(&str, &str)]) -> SdkConfig {
        let files = files(text);
        let configured = configured(&files, Env::from_slice(env));
        crate::os::runtime::block_on(configured).unwrap().build()
    }

    fn url(text: &str, env: &[(&str, &str)], service_id: &str) -> Option<String> {
        let files = files(text);
        let url = service_url(&files, Env::from_slice(env), service_id);
        crate::os::runtime::block_on(url).unwrap()
    }

    fn sts_endpoint(text: &str, env: &[(&str, &str)]) -> Option<String> {
        url(text, env, "STS")
    }

    const SERVICES: &str = "[default]\nendpoint_url = http://127.0.0.1:5000\nservices = s\n\
         use_fips_endpoint = TRUE\nuse_dualstack_endpoint = maybe\n\
         [services s]\nsts =\n  endpoint_url = http://127.0.0.1:6000\n";

    #[test]
    fn a_service_url_is_its_variable_then_the_global_one_then_the_profiles() {
        let service = ("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7000");
        let global = ("AWS_ENDPOINT_URL", "http://127.0.0.1:8000");
        for (env, url) in [
            (vec![service, global], "http://127.0.0.1:7000"),
            (vec![global], "http://127.0.0.1:8000"),
            (vec![], "http://127.0.0.1:6000"),
        ] {
            assert_eq!(sts_endpoint(SERVICES, &env).as_deref(), Some(url));
        }
        // A service without a [services] entry gets the profile's endpoint_url.
        assert_eq!(
            url(SERVICES, &[], "IAM").as_deref(),
            Some("http://127.0.0.1:5000")
        );
    }

    #[test]
    fn the_flags_are_the_variable_then_the_profile_and_only_booleans() {
        let profile = config(SERVICES, &[]);
        assert_eq!(profile.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert_eq!(profile.use_fips(), Some(true));
        // Not a boolean: unset, as aws-config leaves it.
        assert_eq!(profile.use_dual_stack(), None);
        let variable = config(SERVICES, &[("AWS_USE_FIPS_ENDPOINT", "false")]);
        assert_eq!(variable.use_fips(), Some(false));
    }

    #[test]
    fn ignore_configured_endpoint_urls_drops_every_url() {
        for (text, env) in [
            (
                format!("{SERVICES}[profile other]\n"),
                vec![("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")],
            ),
            (
                SERVICES.replace(
                    "[services",
                    "ignore_configured_endpoint_urls = true\n[services",
                ),
                vec![("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7000")],
            ),
        ] {
            assert_eq!(config(&text, &env).endpoint_url(), None);
            assert_eq!(sts_endpoint(&text, &env), None, "{text}");
        }
    }

    #[test]
    fn nothing_configured_is_nothing() {
        let text = "[default]\nregion = us-east-1\n";
        let config = config(text, &[]);
        assert_eq!(config.endpoint_url(), None);
        assert_eq!(sts_endpoint(text, &[]), None);
        assert_eq!(config.use_fips(), None);
    }
}
