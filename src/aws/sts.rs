//! AWS STS: trading long-term keys and a TOTP code for an MFA session,
//! assuming roles, and asking who the keys belong to.
//!
//! `sts:GetSessionToken` with SerialNumber, TokenCode and DurationSeconds,
//! and `sts:AssumeRole` with them or with an MFA session's keys (the STS API
//! reference: `GetSessionToken`, `AssumeRole`). The client is aws-sdk-sts's,
//! so the STS endpoint is the region's own (partition-correct:
//! `sts.cn-north-1.amazonaws.com.cn` for China), unless the profile or the
//! environment configures another ([`endpoints`]). Calls are bounded in time
//! so an unreachable or hanging STS
//! ends in a clear error within seconds. The only module that calls STS; it
//! never logs or returns a secret or the TOTP code in an error.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_sts::config::Intercept;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::{DateTime, Format};
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;

use crate::aws::endpoints;
use crate::aws::files::SharedFiles;
use crate::os::log::one_line;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// The whole call, retries included: an error reaches the user within five seconds.
const CALL_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// STS refused the code: wrong, or already used in its 30-second window.
    #[error("STS refused the MFA code: {0}")]
    CodeRefused(String),
    #[error("STS refused: {0}; check the profile's keys and mfa_serial")]
    Refused(String),
    #[error("STS is unavailable: {0}; try again in a minute")]
    Unavailable(String),
    #[error("STS's answer could not be read: {0}; check AWS_ENDPOINT_URL_STS")]
    Unreadable(String),
    #[error("could not reach STS: {0}; check the network and any AWS_ENDPOINT_URL_STS")]
    Unreachable(String),
}

/// Error codes of an STS that is down or busy, not of a refusal.
const UNAVAILABLE: [&str; 5] = [
    "ServiceUnavailable",
    "InternalFailure",
    "InternalError",
    "Throttling",
    "RequestLimitExceeded",
];

/// Who calls STS, and where.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The keys the call is signed with.
    pub base: &'a Credentials,
    pub region: &'a str,
    /// The AWS config files: the selected profile's `endpoint_url`,
    /// `services` and FIPS settings apply, as in the AWS CLI.
    pub files: &'a SharedFiles,
}

/// What GetSessionToken is asked, by an IAM user's long-term keys.
#[derive(Debug)]
pub struct SessionRequest<'a> {
    pub caller: Caller<'a>,
    pub mfa_serial: &'a str,
    pub code: &'a str,
    pub duration: Duration,
}

/// What AssumeRole is asked, by base keys or an MFA session.
#[derive(Debug)]
pub struct RoleRequest<'a> {
    pub caller: Caller<'a>,
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    /// The MFA device and code, unless `base` is already an MFA session.
    pub mfa: Option<(&'a str, &'a str)>,
    /// The role session's length; STS's default (an hour) when not sent.
    pub duration: Option<Duration>,
}

/// Whose keys they are, and when STS answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub arn: String,
    /// The `Date` of STS's answer, by STS's clock (whole seconds).
    pub date: Option<SystemTime>,
}

/// Issues MFA sessions and role sessions (temporary credentials, each with
/// a session token and an expiry), and says whose keys are whose;
/// the real one is [`Sts`].
pub trait StsApi {
    fn session(&self, request: &SessionRequest) -> Result<Credentials, Error>;
    fn assume_role(&self, request: &RoleRequest) -> Result<Credentials, Error>;
    /// `sts:GetCallerIdentity`, which no policy can deny: whoever
    /// `caller.base` belongs to.
    fn caller_identity(&self, caller: &Caller) -> Result<Identity, Error>;
}

/// The real STS, through aws-sdk-sts, sent where the AWS files and `env`
/// say ([`endpoints`]).
#[derive(Debug)]
pub struct Sts {
    pub env: Env,
}

impl StsApi for Sts {
    fn session(&self, request: &SessionRequest) -> Result<Credentials, Error> {
        let call = async {
            client(&request.caller, &self.env)
                .await
                .get_session_token()
                .serial_number(request.mfa_serial)
                .token_code(request.code)
                .duration_seconds(seconds(request.duration))
                .send()
                .await
        };
        issued(run(call)?.credentials(), "sts:GetSessionToken")
    }

    fn assume_role(&self, request: &RoleRequest) -> Result<Credentials, Error> {
        let call = async {
            client(&request.caller, &self.env)
                .await
                .assume_role()
                .role_arn(request.role_arn)
                .role_session_name(request.session_name)
                .set_external_id(request.external_id.map(str::to_owned))
                .set_serial_number(request.mfa.map(|(serial, _)| serial.to_owned()))
                .set_token_code(request.mfa.map(|(_, code)| code.to_owned()))
                .set_duration_seconds(request.duration.map(seconds))
                .send()
                .await
        };
        issued(run(call)?.credentials(), "sts:AssumeRole")
    }

    fn caller_identity(&self, caller: &Caller) -> Result<Identity, Error> {
        let date = AnswerDate::default();
        let call = async {
            client(caller, &self.env)
                .await
                .get_caller_identity()
                .customize()
                .interceptor(date.clone())
                .send()
                .await
        };
        let arn = run(call)?
            .arn()
            .map(str::to_owned)
            .ok_or_else(|| Error::Unreadable("sts:GetCallerIdentity returned no ARN".to_owned()))?;
        Ok(Identity {
            arn,
            date: date.get(),
        })
    }
}

/// Keeps the `Date` header of the last answer that came.
#[derive(Debug, Clone, Default)]
struct AnswerDate(Arc<Mutex<Option<SystemTime>>>);

impl AnswerDate {
    fn get(&self) -> Option<SystemTime> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Intercept for AnswerDate {
    fn name(&self) -> &'static str {
        "AnswerDate"
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let date = context
            .response()
            .headers()
            .get("date")
            .and_then(|date| DateTime::from_str(date, Format::HttpDate).ok())
            .and_then(|date| SystemTime::try_from(date).ok());
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = date;
        Ok(())
    }
}

/// Runs one STS call to its answer or a sorted error.
fn run<T, E, R>(call: impl Future<Output = Result<T, SdkError<E, R>>>) -> Result<T, Error>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    crate::os::runtime::block_on(call)
        .map_err(|error| Error::Unreachable(error.to_string()))?
        .map_err(classify)
}

/// An STS client signing with `base`, bounded in time, sent where the
/// profile and the environment say ([`endpoints`]).
async fn client(caller: &Caller<'_>, env: &Env) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(
        &endpoints::configured(caller.files, env.clone())
            .await
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(caller.region.to_owned()))
            .credentials_provider(SharedCredentialsProvider::new(caller.base.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .timeout_config(crate::os::runtime::timeouts(CONNECT_TIMEOUT, CALL_TIMEOUT))
            .build(),
    )
}

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// The temporary credentials in STS's answer, with their session token
/// and expiry.
fn issued(
    credentials: Option<&aws_sdk_sts::types::Credentials>,
    operation: &'static str,
) -> Result<Credentials, Error> {
    credentials
        .and_then(|issued| {
            let expiry = SystemTime::try_from(*issued.expiration()).ok()?;
            Some(Credentials::new(
                issued.access_key_id(),
                issued.secret_access_key(),
                Some(issued.session_token().to_owned()),
                Some(expiry),
                operation,
            ))
        })
        .ok_or_else(|| Error::Refused(format!("{operation} returned no credentials")))
}

/// Sorts STS's answer into a refused code, another refusal, an STS that is
/// down, an answer that is not STS's, or no answer.
fn classify<E, R>(error: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &error {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            let Some(code) = service_error.code() else {
                return Error::Unreadable(one_line(service_error));
            };
            let message = service_error
                .message()
                .map_or_else(|| one_line(service_error), str::to_owned);
            if code == "AccessDenied" && message.contains("MultiFactorAuthentication") {
                Error::CodeRefused(message)
            } else if UNAVAILABLE.contains(&code) {
                Error::Unavailable(format!("{code}: {message}"))
            } else {
                Error::Refused(format!("{code}: {message}"))
            }
        }
        SdkError::ResponseError(_) => Error::Unreadable(one_line(&error)),
        _ => Error::Unreachable(one_line(&error)),
    }
}
