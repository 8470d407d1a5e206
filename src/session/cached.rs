//! An MFA session: temporary AWS credentials that end at a known time, and
//! the compact bytes they are cached as.
//!
//! The encoding fits the smallest keyring (Windows Credential Manager keeps at
//! most 2,560 bytes): a version byte, the expiry as big-endian Unix seconds,
//! then the access key id, secret access key and session token, each behind a
//! big-endian `u16` length. Anything that does not decode exactly (another
//! version, a short or long buffer, a field that is not UTF-8) is not a
//! session: the cache reports it as unreadable, a miss. Secrets stay inside
//! [`Credentials`], whose `Debug` redacts them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use zeroize::Zeroizing;

const VERSION: u8 = 1;

/// Temporary credentials with an expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    credentials: Credentials,
    expiry: SystemTime,
}

impl Session {
    /// A session from credentials STS issued; `None` unless they carry a session
    /// token and an expiry, as every STS session does.
    pub fn from_credentials(credentials: Credentials) -> Option<Self> {
        let expiry = credentials.expiry()?;
        credentials.session_token()?;
        Some(Session {
            credentials,
            expiry,
        })
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The session token, which every session has (both ways of making one
    /// require it).
    pub fn session_token(&self) -> &str {
        self.credentials.session_token().unwrap_or_default()
    }

    pub fn expiry(&self) -> SystemTime {
        self.expiry
    }

    /// Whether the session is still good for `margin` after `now`. A margin
    /// past any time a clock holds leaves no session fresh.
    pub fn is_fresh(&self, now: SystemTime, margin: Duration) -> bool {
        now.checked_add(margin)
            .is_some_and(|needed| needed < self.expiry)
    }

    /// The cached form, wiped when dropped; `None` if a field is too long
    /// for it.
    pub fn encode(&self) -> Option<Zeroizing<Vec<u8>>> {
        let expiry = self.expiry.duration_since(UNIX_EPOCH).ok()?.as_secs();
        let token = self.credentials.session_token()?;
        let fields = [
            self.credentials.access_key_id(),
            self.credentials.secret_access_key(),
            token,
        ];
        let size = 9 + fields.iter().map(|f| 2 + f.len()).sum::<usize>();
        let mut bytes = Zeroizing::new(Vec::with_capacity(size));
        bytes.push(VERSION);
        bytes.extend_from_slice(&expiry.to_be_bytes());
        for field in fields {
            bytes.extend_from_slice(&u16::try_from(field.len()).ok()?.to_be_bytes());
            bytes.extend_from_slice(field.as_bytes());
        }
        Some(bytes)
    }

    /// The session `bytes` encode, if they are exactly one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&version, rest) = bytes.split_first()?;
        if version != VERSION {
            return None;
        }
        let (expiry, mut rest) = rest.split_first_chunk::<8>()?;
        let mut fields = [""; 3];
        for field in &mut fields {
            let (length, tail) = rest.split_first_chunk::<2>()?;
            let (value, tail) = tail.split_at_checked(usize::from(u16::from_be_bytes(*length)))?;
            *field = std::str::from_utf8(value).ok()?;
            rest = tail;
        }
        if !rest.is_empty() {
            return None;
        }
        let [access_key_id, secret_access_key, session_token] = fields;
        let expiry = UNIX_EPOCH.checked_add(Duration::from_secs(u64::from_be_bytes(*expiry)))?;
        Session::from_credentials(Credentials::new(
            access_key_id,
            secret_access_key,
            Some(session_token.to_owned()),
            Some(expiry),
            "cache",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(token: &str) -> Session {
        let expiry = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        Session::from_credentials(Credentials::new(
            "ASIAEXAMPLE",
            "secret/key+",
            Some(token.to_owned()),
            Some(expiry),
            "sts",
        ))
        .unwrap()
    }

    #[test]
    fn encoding_round_trips() {
        let original = session("FwoGZXIvYXdzEJr//token==");
        let decoded = Session::decode(&original.encode().unwrap()).unwrap();
        assert_eq!(decoded.credentials().access_key_id(), "ASIAEXAMPLE");
        assert_eq!(decoded.credentials().secret_access_key(), "secret/key+");
        assert_eq!(
            decoded.credentials().session_token(),
            Some("FwoGZXIvYXdzEJr//token==")
        );
        assert_eq!(decoded.expiry(), original.expiry());
    }

    #[test]
    fn a_typical_session_fits_windows_credential_manager() {
        // STS session tokens run to several hundred bytes; 2,560 is the limit.
        let encoded = session(&"x".repeat(1500)).encode().unwrap();
        assert!(encoded.len() < 2560, "{}", encoded.len());
    }

    #[test]
    fn anything_but_an_exact_encoding_is_no_session() {
        let good = session("token").encode().unwrap();
        let mut other_version = good.clone();
        other_version[0] = 2;
        let mut longer = good.clone();
        longer.push(0);
        let mut not_utf8 = good.clone();
        let last = not_utf8.len() - 1;
        not_utf8[last] = 0xff;
        let empty_token = session("").encode().unwrap();
        for bad in [
            &b""[..],
            b"{\"AccessKeyId\":\"x\"}",
            &good[..good.len() - 1],
            &other_version,
            &longer,
            &not_utf8,
        ] {
            assert_eq!(Session::decode(bad), None, "{bad:?}");
        }
        assert!(Session::decode(&empty_token).is_some());
    }

    #[test]
    fn an_expiry_past_what_system_time_holds_is_no_session() {
        // Found by tests/fuzz (target `session`): an expiry past what
        // SystemTime holds (2^63 seconds on Linux) overflowed
        // `UNIX_EPOCH + Duration` and panicked instead of being a miss.
        let mut bytes = session("t").encode().unwrap();
        bytes[1..9].copy_from_slice(&u64::MAX.to_be_bytes());
        assert_eq!(Session::decode(&bytes), None);
    }

    #[test]
    fn credentials_without_token_or_expiry_are_no_session() {
        let keys = Credentials::new("AKIA", "s", None, Some(SystemTime::now()), "t");
        assert_eq!(Session::from_credentials(keys), None);
        let keys = Credentials::new("ASIA", "s", Some("t".into()), None, "t");
        assert_eq!(Session::from_credentials(keys), None);
    }

    #[test]
    fn freshness_keeps_a_margin_before_expiry() {
        let session = session("t");
        let margin = Duration::from_secs(300);
        let expiry = session.expiry();
        assert!(session.is_fresh(expiry - Duration::from_secs(301), margin));
        assert!(!session.is_fresh(expiry - Duration::from_secs(300), margin));
        assert!(!session.is_fresh(expiry, margin));
        assert!(!session.is_fresh(expiry - margin * 2, Duration::MAX));
        assert!(!session.is_fresh(expiry, Duration::from_secs(u64::MAX)));
    }

    #[test]
    fn debug_output_hides_the_secrets() {
        let shown = format!("{:?}", session("the-token"));
        assert!(!shown.contains("secret/key+"), "{shown}");
        assert!(!shown.contains("the-token"), "{shown}");
    }
}
