//! The CodeCommit git password: a SigV4 signature over a `GIT` request, as
//! awscli's `customizations/codecommit.py` signs it.
//!
//! `password = YYYYMMDDTHHMMSS + "Z" + hex(HMAC(signing key, string to sign))`,
//! byte for byte what `aws codecommit credential-helper` prints for the same
//! credentials and second. The key derivation is aws-sigv4's own; this module
//! only builds the two strings CodeCommit defines. Pure: the time is a parameter,
//! and nothing here reads the clock, the environment or the network.

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// What is signed: the request git is about to make.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Host name without port.
    pub host: &'a str,
    /// `/` + git's path.
    pub path: &'a str,
    pub region: &'a str,
}

/// `YYYYMMDDTHHMMSS`, UTC, without the `Z` SigV4 usually carries.
pub fn timestamp(time: SystemTime) -> String {
    DateTime::<Utc>::from(time)
        .format("%Y%m%dT%H%M%S")
        .to_string()
}

/// The canonical request: method `GIT`, no query, one signed header, no payload hash.
pub fn canonical_request(target: &Target) -> String {
    format!(
        "GIT\n{path}\n\nhost:{host}\n\nhost\n",
        path = target.path,
        host = target.host
    )
}

pub fn string_to_sign(target: &Target, time: SystemTime) -> String {
    let timestamp = timestamp(time);
    let date = &timestamp[..8];
    let hash = hex::encode(Sha256::digest(canonical_request(target)));
    format!(
        "AWS4-HMAC-SHA256\n{timestamp}\n{date}/{region}/codecommit/aws4_request\n{hash}",
        region = target.region
    )
}

/// The password CodeCommit checks, valid for about 15 minutes after `time`.
pub fn password(secret_access_key: &str, target: &Target, time: SystemTime) -> String {
    let key = aws_sigv4::sign::v4::generate_signing_key(
        secret_access_key,
        time,
        target.region,
        "codecommit",
    );
    let signature = Zeroizing::new(aws_sigv4::sign::v4::calculate_signature(
        key,
        string_to_sign(target, time).as_bytes(),
    ));
    joined(&[&timestamp(time), "Z", &signature])
}

/// The user name: the access key id, then `%` and the session token if there is one.
pub fn username(access_key_id: &str, session_token: Option<&str>) -> String {
    match session_token {
        Some(token) => joined(&[access_key_id, "%", token]),
        None => access_key_id.to_owned(),
    }
}

/// `parts` in one string made at its final size: a secret in it is never
/// copied by the string growing, so wiping the result wipes it.
fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    parts.iter().for_each(|part| text.push_str(part));
    text
}
