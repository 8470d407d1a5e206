//! IAM's `ListMFADevices`: the MFA devices of one IAM user, for finding the
//! device when a profile names none (`login` only; a git process never calls
//! IAM).
//!
//! One signed query request, made with the AWS SDK's own parts rather than
//! the IAM SDK crate (hundreds of operations, for one call): aws-sigv4 signs
//! it, the smithy runtime's `Operation` sends it through the same HTTPS
//! client, timeouts and connection handling as every SDK client here, and
//! aws-smithy-xml reads the answer. IAM is global per partition: the
//! endpoint is `iam.amazonaws.com`, `iam.cn-north-1.amazonaws.com.cn` or
//! `iam.us-gov.amazonaws.com` by the profile's region, unless the profile
//! or the environment configures another, by the rules of the SDK's clients
//! (`aws/endpoints.rs`).
//!
//! Bounded in time. The request's headers carry the signature and the
//! session token: nothing here prints them, and errors name IAM's error code
//! and message only.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::body::SdkBody;
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};
use aws_types::os_shim_internal::Env;

use crate::aws::endpoints;
use crate::aws::files::SharedFiles;
use crate::os::log::one_line;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One page's call, connecting included.
const CALL_TIMEOUT: Duration = Duration::from_secs(8);
/// A user has at most 8 MFA devices; IAM pages by 100.
const MAX_PAGES: usize = 5;
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("IAM does not let these keys list their MFA devices ({0})")]
    Denied(String),
    #[error("IAM refused to list the MFA devices: {0}")]
    Refused(String),
    #[error("IAM's answer could not be read; check AWS_ENDPOINT_URL_IAM")]
    Unreadable,
    #[error("could not reach IAM: {0}; check the network and any AWS_ENDPOINT_URL_IAM")]
    Unreachable(String),
}

/// Whose devices, asked with which keys.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRequest<'a> {
    pub base: &'a Credentials,
    /// The IAM user; `None` for the root user (IAM then lists the caller's).
    pub user_name: Option<&'a str>,
    /// The profile's region: it picks the partition.
    pub region: &'a str,
    /// The profile, for an endpoint it configures.
    pub files: &'a SharedFiles,
    pub env: &'a Env,
    /// When the request is signed.
    pub now: SystemTime,
}

/// Lists MFA devices; the real one is [`Iam`].
pub trait MfaDevices {
    /// The serial numbers (ARNs) of the user's MFA devices.
    fn list(&self, request: &DeviceRequest) -> Result<Vec<String>, Error>;
}

/// The real IAM.
#[derive(Debug, Default)]
pub struct Iam;

impl MfaDevices for Iam {
    fn list(&self, request: &DeviceRequest) -> Result<Vec<String>, Error> {
        crate::os::runtime::block_on(all_pages(request))
            .map_err(|error| Error::Unreachable(one_line(&error)))?
    }
}

/// Every page of the user's devices, each page bounded in time.
async fn all_pages(request: &DeviceRequest<'_>) -> Result<Vec<String>, Error> {
    let endpoint = Endpoint::for_request(request).await;
    let mut serials = Vec::new();
    let mut marker = None;
    for _ in 0..MAX_PAGES {
        let page = list_page(&endpoint, request, marker.as_deref());
        let page = tokio::time::timeout(CALL_TIMEOUT, page)
            .await
            .map_err(|_| Error::Unreachable(format!("no answer in {CALL_TIMEOUT:?}")))??;
        serials.extend(page.serials);
        match page.marker {
            Some(next) if page.truncated => marker = Some(next),
            _ => break,
        }
    }
    Ok(serials)
}

/// Where IAM is, and the region its signatures name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    url: String,
    signing_region: &'static str,
}

impl Endpoint {
    /// The partition's IAM, unless the profile or the environment
    /// configures another URL for IAM ([`endpoints::service_url`]).
    async fn for_request(request: &DeviceRequest<'_>) -> Self {
        let (url, signing_region) = if request.region.starts_with("cn-") {
            ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1")
        } else if request.region.starts_with("us-gov-") {
            ("https://iam.us-gov.amazonaws.com", "us-gov-west-1")
        } else {
            ("https://iam.amazonaws.com", "us-east-1")
        };
        let configured = endpoints::service_url(request.files, request.env.clone(), "IAM").await;
        Endpoint {
            url: configured
                .map(|url| url.trim_end_matches('/').to_owned())
                .unwrap_or_else(|| url.to_owned()),
            signing_region,
        }
    }
}

/// One page of devices.
#[derive(Debug, Default, PartialEq, Eq)]
struct Page {
    serials: Vec<String>,
    truncated: bool,
    marker: Option<String>,
}

/// A signed request: its headers hold the signature and any session token,
/// so it shows only that it exists.
struct Signed {
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signed(ListMFADevices)")
    }
}

async fn list_page(
    endpoint: &Endpoint,
    request: &DeviceRequest<'_>,
    marker: Option<&str>,
) -> Result<Page, Error> {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "ListMFADevices")
        .append_pair("Version", "2010-05-08");
    if let Some(user) = request.user_name {
        form.append_pair("UserName", user);
    }
    if let Some(marker) = marker {
        form.append_pair("Marker", marker);
    }
    let signed = signed(endpoint, request, form.finish())?;
    let operation = Operation::builder()
        .service_name("iam")
        .operation_name("ListMFADevices")
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&endpoint.url)
        .no_auth()
        .no_retry()
        .timeout_config(crate::os::runtime::timeouts(CONNECT_TIMEOUT, CALL_TIMEOUT))
        .serializer(|signed: Signed| {
            let mut request = HttpRequest::new(SdkBody::from(signed.body));
            request.set_method("POST")?;
            request.set_uri("/")?;
            for (name, value) in signed.headers {
                request.headers_mut().insert(name, value);
            }
            Ok(request)
        })
        .deserializer(|response: &HttpResponse| {
            read_page(response).map_err(OrchestratorError::operation)
        })
        .build();
    operation.invoke(signed).await.map_err(|error| match error {
        SdkError::ServiceError(context) => context.into_err(),
        error => Error::Unreachable(one_line(&error)),
    })
}

/// The request with SigV4 headers for IAM in the partition's region.
fn signed(endpoint: &Endpoint, request: &DeviceRequest, body: String) -> Result<Signed, Error> {
    let failed = |error: &dyn std::error::Error| Error::Unreachable(one_line(error));
    let identity = Identity::from(request.base.clone());
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(endpoint.signing_region)
        .name("iam")
        .time(request.now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| failed(&error))?
        .into();
    let url = format!("{}/", endpoint.url);
    let headers = [("content-type", CONTENT_TYPE)];
    let signable = SignableRequest::new(
        "POST",
        &url,
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|error| failed(&error))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|error| failed(&error))?
        .into_parts();
    let (signature_headers, _) = instructions.into_parts();
    let mut all = vec![("content-type", CONTENT_TYPE.to_owned())];
    all.extend(
        signature_headers
            .iter()
            .map(|header| (header.name(), header.value().to_owned())),
    );
    Ok(Signed { headers: all, body })
}

/// The devices on one page of IAM's answer, or IAM's error.
fn read_page(response: &HttpResponse) -> Result<Page, Error> {
    let text = response
        .body()
        .bytes()
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .ok_or(Error::Unreadable)?;
    let fields = leaves(
        text,
        &["SerialNumber", "IsTruncated", "Marker", "Code", "Message"],
    )
    .map_err(|_| Error::Unreadable)?;
    let first = |name: &str| {
        fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.clone())
    };
    if !response.status().is_success() {
        let code = first("Code").ok_or(Error::Unreadable)?;
        let message = first("Message").unwrap_or_default();
        let detail = format!("{code}: {message}");
        return Err(if code == "AccessDenied" {
            Error::Denied(detail)
        } else {
            Error::Refused(detail)
        });
    }
    Ok(Page {
        serials: fields
            .iter()
            .filter(|(field, _)| field == "SerialNumber")
            .map(|(_, value)| value.clone())
            .collect(),
        truncated: first("IsTruncated").is_some_and(|value| value == "true"),
        marker: first("Marker"),
    })
}

/// The text of every element named one of `names`, in document order.
fn leaves(text: &str, names: &[&str]) -> Result<Vec<(String, String)>, XmlDecodeError> {
    fn walk(
        decoder: &mut ScopedDecoder,
        names: &[&str],
        found: &mut Vec<(String, String)>,
    ) -> Result<(), XmlDecodeError> {
        while let Some(mut tag) = decoder.next_tag() {
            let name = tag.start_el().local().to_owned();
            if names.contains(&name.as_str()) {
                let value = try_data(&mut tag)?.trim().to_owned();
                found.push((name, value));
            } else {
                walk(&mut tag, names, found)?;
            }
        }
        Ok(())
    }
    let mut document = Document::new(text);
    let mut root = document.root_element()?;
    let mut found = Vec::new();
    walk(&mut root, names, &mut found)?;
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::files::fake_files;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()))
    }

    #[test]
    fn devices_and_the_next_page_are_read_from_the_answer() {
        let body = r#"<ListMFADevicesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListMFADevicesResult>
    <MFADevices>
      <member><UserName>alice</UserName><SerialNumber>arn:aws:iam::1:mfa/a</SerialNumber></member>
      <member><UserName>alice</UserName><SerialNumber>arn:aws:iam::1:mfa/b</SerialNumber></member>
    </MFADevices>
    <IsTruncated>true</IsTruncated>
    <Marker>next+page</Marker>
  </ListMFADevicesResult>
</ListMFADevicesResponse>"#;
        assert_eq!(
            read_page(&response(200, body)),
            Ok(Page {
                serials: vec![
                    "arn:aws:iam::1:mfa/a".to_owned(),
                    "arn:aws:iam::1:mfa/b".to_owned()
                ],
                truncated: true,
                marker: Some("next+page".to_owned()),
            })
        );
    }

    #[test]
    fn iam_errors_are_sorted_by_code() {
        let error = |code: &str| {
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>not for you</Message></Error></ErrorResponse>"
            )
        };
        assert_eq!(
            read_page(&response(403, &error("AccessDenied"))),
            Err(Error::Denied("AccessDenied: not for you".to_owned()))
        );
        assert_eq!(
            read_page(&response(403, &error("InvalidClientTokenId"))),
            Err(Error::Refused(
                "InvalidClientTokenId: not for you".to_owned()
            ))
        );
        assert_eq!(read_page(&response(500, "<html>")), Err(Error::Unreadable));
        assert_eq!(read_page(&response(200, "not xml")), Err(Error::Unreadable));
    }

    fn files(config: &str) -> SharedFiles {
        let fs = fake_files("/home", &[(".aws/config", config)]);
        SharedFiles::load(None, &Env::from_slice(&[("HOME", "/home")]), &fs).unwrap()
    }

    fn request<'a>(
        base: &'a Credentials,
        files: &'a SharedFiles,
        env: &'a Env,
        region: &'a str,
    ) -> DeviceRequest<'a> {
        DeviceRequest {
            base,
            user_name: Some("alice"),
            region,
            files,
            env,
            now: SystemTime::UNIX_EPOCH + Duration::from_secs(1_440_938_160),
        }
    }

    #[test]
    fn the_partition_picks_the_endpoint_unless_one_is_configured() {
        let base = Credentials::new("AKIAX", "secret", None, None, "test");
        let endpoint = |config: &str, vars: &[(&str, &str)], region| {
            let files = files(config);
            let env = Env::from_slice(vars);
            let request = request(&base, &files, &env, region);
            crate::os::runtime::block_on(Endpoint::for_request(&request)).unwrap()
        };
        assert_eq!(
            endpoint("", &[], "eu-west-1"),
            Endpoint {
                url: "https://iam.amazonaws.com".to_owned(),
                signing_region: "us-east-1"
            }
        );
        assert_eq!(
            endpoint("", &[], "cn-northwest-1").url,
            "https://iam.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            endpoint("", &[], "us-gov-east-1").signing_region,
            "us-gov-west-1"
        );
        let local = [
            ("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:5000/"),
            ("AWS_ENDPOINT_URL", "http://x"),
        ];
        assert_eq!(
            endpoint("", &local, "eu-west-1").url,
            "http://127.0.0.1:5000"
        );
        assert_eq!(endpoint("", &local[1..], "eu-west-1").url, "http://x");
        let profile = "[default]\nservices = s\n[services s]\niam =\n  endpoint_url = http://127.0.0.1:6000\n";
        assert_eq!(
            endpoint(profile, &[], "eu-west-1").url,
            "http://127.0.0.1:6000"
        );
        let ignored = [
            ("AWS_ENDPOINT_URL_IAM", "http://x"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ];
        assert_eq!(
            endpoint(profile, &ignored, "eu-west-1").url,
            "https://iam.amazonaws.com"
        );
    }

    #[test]
    fn the_signed_request_says_nothing_of_its_headers() {
        let base = Credentials::new("AKIAX", "secret", Some("token".to_owned()), None, "test");
        let endpoint = Endpoint {
            url: "https://iam.amazonaws.com".to_owned(),
            signing_region: "us-east-1",
        };
        let files = files("");
        let env = Env::from_slice(&[]);
        let request = request(&base, &files, &env, "us-east-1");
        let signed = signed(&endpoint, &request, "Action=ListMFADevices".to_owned()).unwrap();
        let names: Vec<&str> = signed.headers.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "content-type",
                "x-amz-date",
                "authorization",
                "x-amz-security-token"
            ]
        );
        let authorization = &signed.headers[2].1;
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIAX/20150830/us-east-1/iam/aws4_request"
            ),
            "{authorization}"
        );
        assert_eq!(format!("{signed:?}"), "Signed(ListMFADevices)");
    }
}
