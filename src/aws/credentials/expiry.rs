//! When credentials say they expire (`AWS_CREDENTIAL_EXPIRATION`, a
//! `credential_process`'s `Expiration`): an RFC 3339 time, which must be
//! still to come. Expired credentials are an error, never a signature.

use std::time::SystemTime;

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} expired at {1}; renew them")]
    Expired(String, String),
    #[error("{0}: the expiry is not an RFC 3339 time")]
    NotATime(String),
}

/// `text` as an RFC 3339 time, after `now`; `what` names the credentials.
pub fn unexpired(text: &str, now: SystemTime, what: &str) -> Result<SystemTime, Error> {
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| Error::NotATime(what.to_owned()))?
        .with_timezone(&Utc);
    if SystemTime::from(time) <= now {
        return Err(Error::Expired(
            what.to_owned(),
            time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        ));
    }
    Ok(time.into())
}
