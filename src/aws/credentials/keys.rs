//! Keys written out: in the environment (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SECURITY_TOKEN` before `AWS_SESSION_TOKEN`,
//! `AWS_CREDENTIAL_EXPIRATION`) and in a profile of one of the files
//! (`aws_access_key_id`, `aws_secret_access_key`, `aws_security_token` before
//! `aws_session_token`), as botocore's `EnvProvider`, `SharedCredentialProvider`
//! and `ConfigProvider` read them. A key id without its secret is an error, as
//! there; so, unlike there, is an empty key id or secret.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::Env;

use super::expiry::{self, unexpired};
use crate::aws::files::{self, Kind, SharedFiles, var};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Files(#[from] files::Error),
    #[error(transparent)]
    Expiry(#[from] expiry::Error),
    #[error("{where_} has {present} but no {missing}; add it, or remove {present}")]
    Partial {
        where_: String,
        present: &'static str,
        missing: &'static str,
    },
    #[error("{where_} has an empty {key}; fill it in")]
    Empty { where_: String, key: &'static str },
}

/// The environment's keys (`AWS_ACCESS_KEY_ID` is set).
pub(super) fn from_env(env: &Env, now: SystemTime) -> Result<Credentials, Error> {
    let partial = || Error::Partial {
        where_: "the environment".to_owned(),
        present: "AWS_ACCESS_KEY_ID",
        missing: "AWS_SECRET_ACCESS_KEY",
    };
    let id = var(env, "AWS_ACCESS_KEY_ID").ok_or_else(partial)?;
    let secret = var(env, "AWS_SECRET_ACCESS_KEY").ok_or_else(partial)?;
    let token = var(env, "AWS_SECURITY_TOKEN").or_else(|| var(env, "AWS_SESSION_TOKEN"));
    let expiry = match var(env, "AWS_CREDENTIAL_EXPIRATION") {
        Some(text) => Some(unexpired(
            &text,
            now,
            "the environment's AWS credentials (AWS_CREDENTIAL_EXPIRATION)",
        )?),
        None => None,
    };
    Ok(Credentials::new(id, secret, token, expiry, "Environment"))
}

/// The keys of `profile` in the file `kind` (it has `aws_access_key_id`).
pub(super) fn from_file(
    files: &SharedFiles,
    kind: Kind,
    profile: &str,
) -> Result<Credentials, Error> {
    let value = |key| files.value_in(kind, profile, key);
    let where_ = || format!("profile {profile} in {}", files.path(kind).display());
    let required = |key: &'static str| -> Result<String, Error> {
        match value(key)? {
            Some(text) => Ok(text.to_owned()),
            None if files.setting_in(kind, profile, key).is_some() => Err(Error::Empty {
                where_: where_(),
                key,
            }),
            None => Err(Error::Partial {
                where_: where_(),
                present: "aws_access_key_id",
                missing: key,
            }),
        }
    };
    let id = required("aws_access_key_id")?;
    let secret = required("aws_secret_access_key")?;
    let token = match value("aws_security_token")? {
        Some(token) => Some(token),
        None => value("aws_session_token")?,
    };
    Ok(Credentials::new(
        id,
        secret,
        token.map(str::to_owned),
        None,
        "SharedConfig",
    ))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use crate::aws::files::{fake_files, fake_path};

    use super::*;

    /// 2024-02-29T23:59:59Z.
    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_709_251_199)
    }

    #[test]
    fn environment_keys_as_botocore_reads_them() {
        let env = Env::from_slice(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "new"),
            ("AWS_SECURITY_TOKEN", "legacy"),
        ]);
        let keys = from_env(&env, now()).unwrap();
        assert_eq!(
            (keys.access_key_id(), keys.session_token()),
            ("AKID", Some("legacy"))
        );
        let partial = from_env(&Env::from_slice(&[("AWS_ACCESS_KEY_ID", "AKID")]), now());
        assert_eq!(
            partial.unwrap_err().to_string(),
            "the environment has AWS_ACCESS_KEY_ID but no AWS_SECRET_ACCESS_KEY; add it, or remove AWS_ACCESS_KEY_ID"
        );
    }

    #[test]
    fn an_expired_environment_is_an_error() {
        let env = |expiry| {
            Env::from_slice(&[
                ("AWS_ACCESS_KEY_ID", "AKID"),
                ("AWS_SECRET_ACCESS_KEY", "secret"),
                ("AWS_CREDENTIAL_EXPIRATION", expiry),
            ])
        };
        assert!(from_env(&env("2024-03-01T00:00:00Z"), now()).is_ok());
        let error = from_env(&env("2024-02-29T23:00:00+00:00"), now()).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("expired at 2024-02-29 23:00:00 UTC"),
            "{error}"
        );
        assert!(from_env(&env("tomorrow"), now()).is_err());
    }

    #[test]
    fn file_keys_need_both_halves() {
        let env = Env::from_slice(&[("HOME", "/h")]);
        let fs = fake_files(
            "/h",
            &[(
                ".aws/credentials",
                "[default]\naws_access_key_id = AKID\naws_secret_access_key = s\naws_session_token = t\n\
             [half]\naws_access_key_id = AKID\n[empty]\naws_access_key_id = AKID\naws_secret_access_key =\n",
            )],
        );
        let files = SharedFiles::load(None, &env, &fs).unwrap();
        let keys = from_file(&files, Kind::Credentials, "default").unwrap();
        assert_eq!(
            (keys.secret_access_key(), keys.session_token()),
            ("s", Some("t"))
        );
        assert_eq!(
            from_file(&files, Kind::Credentials, "half")
                .unwrap_err()
                .to_string(),
            format!(
                "profile half in {} has aws_access_key_id but no aws_secret_access_key; add it, or remove aws_access_key_id",
                fake_path("/h", ".aws/credentials")
            )
        );
        assert_eq!(
            from_file(&files, Kind::Credentials, "empty")
                .unwrap_err()
                .to_string(),
            format!(
                "profile empty in {} has an empty aws_secret_access_key; fill it in",
                fake_path("/h", ".aws/credentials")
            )
        );
    }
}
