//! Fuzzes the decoding of a cached MFA session, `session::Session::decode`:
//! a keyring entry is bytes that another program, another version of the
//! helper or a damaged store may have written.
//!
//! The fuzz input is the keyring entry's bytes, nothing else.
//!
//! What the session module promises, and so what is checked: decoding never
//! panics, and anything that is not exactly one encoding is `None` (a cache
//! miss); it accepts exactly the documented layout (version 1, the expiry as
//! big-endian Unix seconds, three `u16`-length UTF-8 fields, nothing after
//! them) with an expiry `SystemTime` can hold, and reads back each field;
//! encoding the decoded session gives the same bytes; its `Debug` output
//! does not depend on the secret key or the session token.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use git_credential_mfa_codecommit::session::Session;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let decoded = Session::decode(data);
    let Some((seconds, [key_id, secret, token])) = layout(data) else {
        assert!(decoded.is_none(), "decoded what is no encoding");
        return;
    };
    let Some(expiry) = UNIX_EPOCH.checked_add(Duration::from_secs(seconds)) else {
        assert!(
            decoded.is_none(),
            "decoded an expiry SystemTime cannot hold"
        );
        return;
    };
    let session = decoded.expect("an encoding that did not decode");
    let credentials = session.credentials();
    assert_eq!(credentials.access_key_id(), key_id);
    assert_eq!(credentials.secret_access_key(), secret);
    assert_eq!(credentials.session_token(), Some(token));
    assert_eq!(session.expiry(), expiry);
    assert_eq!(
        session.encode().as_deref().map(Vec::as_slice),
        Some(data),
        "round trip"
    );

    let mut other = data[..9].to_vec();
    for field in [key_id, "other-secret", "other-token"] {
        other.extend_from_slice(&(field.len() as u16).to_be_bytes());
        other.extend_from_slice(field.as_bytes());
    }
    let other = Session::decode(&other).expect("same layout, other secrets");
    assert_eq!(format!("{session:?}"), format!("{other:?}"));
});

/// The session module's documented layout, read independently of it: the
/// expiry in seconds and the three fields.
fn layout(bytes: &[u8]) -> Option<(u64, [&str; 3])> {
    if bytes.first() != Some(&1) {
        return None;
    }
    let expiry = u64::from_be_bytes(bytes.get(1..9)?.try_into().ok()?);
    let mut at = 9;
    let mut fields = [""; 3];
    for field in &mut fields {
        let length = usize::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
        at += 2;
        *field = std::str::from_utf8(bytes.get(at..at + length)?).ok()?;
        at += length;
    }
    (at == bytes.len()).then_some((expiry, fields))
}
