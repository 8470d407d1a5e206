//! `doctor`'s look at one repository: the request git makes first when it
//! fetches (`GET <repo>/info/refs?service=git-upload-pack`), sent with a
//! username and password from this helper, and the HTTP status CodeCommit
//! answers with.
//!
//! It connects as git would: through the smithy runtime's HTTPS client
//! (rustls, the system's roots) unless git's `http.sslCAInfo` names a CA
//! bundle, which then replaces them as it does for curl, and with git's
//! `http.curloptResolve` entries (`HOST:PORT:ADDRESS`) resolving those names.
//! Bounded in time. The password is only ever in the request's header;
//! errors never show it.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::body::SdkBody;

use crate::os::log::one_line;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the CA bundle {path} (http.sslCAInfo): {}", .source.kind())]
    CaBundle {
        path: String,
        source: std::io::Error,
    },
    #[error("could not reach {host}: {cause}")]
    Unreachable { host: String, cause: String },
    /// rustls refused the server's certificate, which git's TLS library
    /// may still accept (a self-signed certificate that is its own CA).
    #[error("{host}'s certificate: {cause}")]
    Certificate { host: String, cause: String },
}

/// One look at a repository.
pub struct Request<'a> {
    /// `https://host[:port]/v1/repos/<name>`.
    pub url: &'a str,
    pub username: &'a str,
    pub password: &'a str,
    /// git's `http.sslCAInfo`, if set.
    pub ca_bundle: Option<&'a Path>,
    /// git's `http.curloptResolve` entries.
    pub resolve: &'a [String],
}

/// Shows the URL only: the password is a credential.
impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// The HTTP status of the repository's `info/refs`.
pub fn info_refs(request: &Request) -> Result<u16, Error> {
    let host = request
        .url
        .split_once("://")
        .map_or(request.url, |(_, rest)| {
            rest.split('/').next().unwrap_or(rest)
        })
        .to_owned();
    let unreachable = |cause: String| Error::Unreachable {
        host: host.clone(),
        cause,
    };
    let mut trust = TrustStore::default();
    if let Some(path) = request.ca_bundle {
        let pem = std::fs::read(path).map_err(|source| Error::CaBundle {
            path: path.display().to_string(),
            source,
        })?;
        trust = TrustStore::empty().with_pem_certificate(pem);
    }
    let tls_context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|error| unreachable(one_line(&error)))?;
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls_context)
        .build_with_resolver(Resolver::from_entries(request.resolve));
    let authorization = format!(
        "Basic {}",
        aws_smithy_types::base64::encode(format!("{}:{}", request.username, request.password))
    );
    let operation = Operation::builder()
        .service_name("codecommit")
        .operation_name("InfoRefs")
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(request.url)
        .http_client(client)
        .no_auth()
        .no_retry()
        .timeout_config(crate::os::runtime::timeouts(CONNECT_TIMEOUT, CALL_TIMEOUT))
        .serializer(move |(): ()| {
            let mut http = HttpRequest::new(SdkBody::empty());
            http.set_method("GET")?;
            http.set_uri("/info/refs?service=git-upload-pack")?;
            http.headers_mut()
                .insert("authorization", authorization.clone());
            http.headers_mut()
                .insert("user-agent", "git/2 (git-credential-mfa-codecommit doctor)");
            Ok(http)
        })
        .deserializer(|response: &HttpResponse| {
            Ok::<_, OrchestratorError<std::convert::Infallible>>(response.status().as_u16())
        })
        .build();
    crate::os::runtime::block_on(operation.invoke(()))
        .map_err(|error| unreachable(one_line(&error)))?
        .map_err(|error: SdkError<_, _>| match refused_certificate(&error) {
            Some(cause) => Error::Certificate {
                host: host.clone(),
                cause: cause.to_string(),
            },
            None => unreachable(one_line(&error)),
        })
}

/// The certificate error among `error`'s causes, if rustls refused one.
/// An `io::Error`'s `source()` passes over the error it wraps, so the walk
/// goes into that error itself.
fn refused_certificate<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(refused @ rustls::Error::InvalidCertificate(_)) = error.downcast_ref() {
            return Some(refused);
        }
        cause = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}

/// git's `http.curloptResolve` names first, then the system's resolver.
#[derive(Debug, Clone, Default)]
struct Resolver(HashMap<String, Vec<IpAddr>>);

impl Resolver {
    /// `[+]HOST:PORT:ADDRESS[,ADDRESS]` entries; `-HOST:PORT` and entries
    /// that do not parse are passed over, as curl does.
    fn from_entries(entries: &[String]) -> Self {
        let mut names = HashMap::new();
        for entry in entries {
            let entry = entry.strip_prefix('+').unwrap_or(entry);
            let mut fields = entry.splitn(3, ':');
            let (Some(host), Some(_port), Some(addresses)) =
                (fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let addresses: Vec<IpAddr> = addresses
                .split(',')
                .filter_map(|address| address.trim_matches(['[', ']']).parse().ok())
                .collect();
            if !addresses.is_empty() {
                names.insert(host.to_ascii_lowercase(), addresses);
            }
        }
        Resolver(names)
    }
}

impl ResolveDns for Resolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        if let Some(addresses) = self.0.get(&name.to_ascii_lowercase()) {
            return DnsFuture::ready(Ok(addresses.clone()));
        }
        // One look-up for one probe: blocking here costs nothing.
        let found = (name, 0)
            .to_socket_addrs()
            .map(|addresses| addresses.map(|address: SocketAddr| address.ip()).collect())
            .map_err(ResolveDnsError::new);
        DnsFuture::ready(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_entries_name_addresses_as_curl_reads_them() {
        let resolver = Resolver::from_entries(&[
            "git-codecommit.us-east-1.amazonaws.com:443:127.0.0.7".to_owned(),
            "+Other.example:8443:127.0.0.8,[::1]".to_owned(),
            "-gone.example:443".to_owned(),
            "broken".to_owned(),
        ]);
        assert_eq!(
            resolver.0["git-codecommit.us-east-1.amazonaws.com"],
            ["127.0.0.7".parse::<IpAddr>().unwrap()]
        );
        assert_eq!(resolver.0["other.example"].len(), 2);
        assert_eq!(resolver.0.len(), 2);
    }
}
