//! `doctor`'s AWS checks: the profile and why it is the one, where its keys
//! come from (the key id only), the region, the MFA device, the session
//! cache, STS and the clock; and with a repository, one signed request to it.

use std::io::Write;
use std::time::Duration;

use aws_credential_types::Credentials;

use super::Target;
use super::git::Found;
use super::probe;
use super::report::Report;
use crate::aws::credentials::{self, Chain, Provider};
use crate::aws::files::Kind as FileKind;
use crate::aws::iam::DeviceRequest;
use crate::aws::settings::Settings;
use crate::aws::sts::{self, Caller, Identity};
use crate::cli::{Args, Operation};
use crate::commands::{get, session};
use crate::error::Error;
use crate::git::protocol::Request;
use crate::session::context::Context;
use crate::session::plan::{self, Kind, Need, RoleBase};
use crate::session::{discovery, store};

/// AWS refuses signatures made this far from its own clock.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// What this helper signs with, as `get` would for the checked URL.
struct Selected {
    args: Args,
    profile: Settings,
    region: String,
    need: Option<Need>,
}

pub(super) fn check(
    report: &mut Report<impl Write>,
    args: &Args,
    found: &Found,
    target: Option<&Target>,
    context: &Context,
) -> Result<(), Error> {
    let Some(selected) = select(report, args, found, target, context)? else {
        return Ok(());
    };
    let base = check_credentials(report, &selected, context)?;
    // One GetCallerIdentity: the device look-up and the STS check read it.
    let identity = base
        .as_ref()
        .map(|base| context.issuer.caller_identity(&caller(&selected, base)));
    let arn = identity
        .as_ref()
        .and_then(|identity| identity.as_ref().ok())
        .map(|identity| identity.arn.as_str());
    check_device(report, &selected, base.as_ref().zip(arn), context)?;
    check_cache(report, &selected, context)?;
    let arn = match identity {
        Some(identity) => check_sts(report, &selected, identity, context)?,
        None => None,
    };
    if let Some(target) = target {
        check_repository(report, &selected, target, found, arn.as_deref(), context)?;
    }
    Ok(())
}

/// The profile, region and MFA session `get` would use, reported.
fn select(
    report: &mut Report<impl Write>,
    args: &Args,
    found: &Found,
    target: Option<&Target>,
    context: &Context,
) -> Result<Option<Selected>, Error> {
    let explicit = args.profile.clone().or_else(|| found.profile.clone());
    let region_flag = args.region.clone().or_else(|| found.region.clone());
    let profile = match Settings::load(explicit.as_deref(), &context.env, &context.fs) {
        Ok(profile) => profile,
        Err(error) => {
            report.fail(
                format!("the AWS config files cannot be used: {error}"),
                "correct the profile name or the file (`aws configure list-profiles` lists what the AWS CLI reads)",
            )?;
            return Ok(None);
        }
    };
    let why = match (&args.profile, &found.profile) {
        (Some(_), _) => "from --profile".to_owned(),
        (None, Some(_)) => "from --profile in git's helper line".to_owned(),
        (None, None) => profile.files().choice().to_string(),
    };
    report.pass(format!(
        "AWS profile {} ({why}), from {}",
        profile.name(),
        profile.files().path(FileKind::Config).display()
    ))?;
    let selected_args = Args {
        profile: explicit,
        region: region_flag,
        mfa_serial: args.mfa_serial.clone(),
        duration: args.duration.clone(),
        verbose: args.verbose,
        operation: Operation::Get {
            ignore_host_check: target.is_some_and(|target| target.is_foreign()),
        },
    };
    let flags = super::super::target::flags(&selected_args);
    let planned = match target {
        Some(target) => plan::for_host(&flags, &profile, &target.host, &context.env)
            .map(|(region, need)| (region, need, "the repository's host")),
        None => plan::region(&flags, &profile, &context.env).and_then(|region| {
            let why = if selected_args.region.is_some() {
                "from --region"
            } else if crate::aws::files::var(&context.env, "AWS_DEFAULT_REGION").is_some() {
                "from AWS_DEFAULT_REGION"
            } else {
                "the profile's"
            };
            let (region, why) = match region {
                Some(region) => (region, why),
                None => (
                    super::super::target::DEFAULT_STS_REGION.to_owned(),
                    "none is set; STS's default",
                ),
            };
            let need = plan::need(&flags, &profile, profile.name(), &region)?;
            Ok((region, need, why))
        }),
    };
    let (region, need, why) = match planned {
        Ok(planned) => planned,
        Err(error) => {
            report.fail(error, "correct the profile's settings")?;
            return Ok(None);
        }
    };
    report.pass(format!("region {region} ({why})"))?;
    Ok(Some(Selected {
        args: selected_args,
        profile,
        region,
        need,
    }))
}

/// What gives the base credentials, and the key id they have.
fn check_credentials(
    report: &mut Report<impl Write>,
    selected: &Selected,
    context: &Context,
) -> Result<Option<Credentials>, Error> {
    let files = selected.profile.files();
    let region = &selected.region;
    // A role with MFA is assumed with its source's keys: those are checked.
    let (name, chain) = match selected.need.as_ref().map(|need| &need.kind) {
        Some(Kind::Role(role)) => match &role.base {
            RoleBase::Profile(source) => (source.as_str(), Chain::SourceProfile),
            RoleBase::Session(inner) => (
                inner.key.profile.as_str(),
                Chain::Full { environment: false },
            ),
            RoleBase::CredentialSource(source) => {
                let base = context.credentials.credential_source(*source, region);
                return report_base(
                    report,
                    &format!("credential_source {source}"),
                    false,
                    selected.profile.name(),
                    base,
                );
            }
        },
        _ => (
            selected.profile.name(),
            Chain::Full {
                environment: selected.args.profile.is_none(),
            },
        ),
    };
    let provider = credentials::plan(files, &context.env, name, chain);
    let source = match &provider {
        Ok(Some(provider)) => describe(provider, files),
        Ok(None) => {
            return report
                .fail(
                    format!(
                        "profile {name} gives no credentials: no keys, IAM Identity Center, credential_process or role in it, none in the environment"
                    ),
                    format!("aws configure --profile {name}"),
                )
                .map(|()| None);
        }
        Err(error) => return report.fail(error, "correct the profile").map(|()| None),
    };
    let base = match chain {
        Chain::SourceProfile => context.credentials.source_profile(files, name, region),
        Chain::Full { environment: true } => context.credentials.credentials(files, None, region),
        Chain::Full { environment: false } => {
            context.credentials.credentials(files, Some(name), region)
        }
    };
    let sso = matches!(provider, Ok(Some(Provider::Sso(_))));
    report_base(report, &source, sso, name, base)
}

/// The base credentials' line: their key id, or why there are none.
fn report_base(
    report: &mut Report<impl Write>,
    source: &str,
    sso: bool,
    name: &str,
    base: Result<Credentials, credentials::Error>,
) -> Result<Option<Credentials>, Error> {
    match base {
        Ok(base) => {
            report.pass(format!(
                "credentials from {source}: key {}",
                base.access_key_id()
            ))?;
            Ok(Some(base))
        }
        Err(error) => {
            let fix = match sso {
                true => format!("aws sso login --profile {name}"),
                false => format!(
                    "check the credentials of profile {name} (aws configure list --profile {name})"
                ),
            };
            report.fail(format!("no credentials from {source}: {error}"), fix)?;
            Ok(None)
        }
    }
}

/// A provider, named as a user would look for it.
fn describe(provider: &Provider, files: &crate::aws::files::SharedFiles) -> String {
    match provider {
        Provider::Environment => "AWS_ACCESS_KEY_ID in the environment".to_owned(),
        Provider::AssumeRole(profile) => format!("role_arn of profile {profile}"),
        Provider::WebIdentity { role_arn, .. } => format!("a web identity token for {role_arn}"),
        Provider::Sso(profile) => format!("IAM Identity Center (profile {profile})"),
        Provider::Keys(kind, profile) => format!(
            "keys of profile {profile} in {}",
            files.path(*kind).display()
        ),
        Provider::Login(profile) => format!("aws login (profile {profile})"),
        Provider::Process(profile, _) => format!("the credential_process of profile {profile}"),
        Provider::Container => "the container credentials endpoint".to_owned(),
        Provider::InstanceMetadata => "EC2 instance metadata".to_owned(),
    }
}

/// The MFA device, or that the profile names none (and which IAM lists
/// for `caller`: the base keys and whose they are).
fn check_device(
    report: &mut Report<impl Write>,
    selected: &Selected,
    caller: Option<(&Credentials, &str)>,
    context: &Context,
) -> Result<(), Error> {
    let name = selected.profile.name();
    if let Some(need) = &selected.need {
        let role = match &need.kind {
            Kind::Role(role) => format!(", for role {}", role.role_arn),
            Kind::UserSession => String::new(),
        };
        return report.pass(format!(
            "MFA device {}, sessions of {} s{role}",
            need.key.mfa_serial,
            need.duration.as_secs()
        ));
    }
    let what = format!(
        "profile {name} names no MFA device (mfa_serial): its requests carry no MFA, which accounts that require MFA refuse"
    );
    let is_role = selected.profile.get_in(name, "role_arn")?.is_some();
    let listed = caller
        .filter(|_| !is_role)
        .and_then(|(base, arn)| devices(selected, base, arn, context));
    let fix = match listed.as_deref() {
        Some([serial]) => format!(
            "git-credential-mfa-codecommit login --profile {name} (it records {serial}, the device IAM lists)"
        ),
        Some([_, _, ..]) => format!(
            "git-credential-mfa-codecommit login --profile {name} (it asks which of IAM's {} devices)",
            listed.as_ref().map_or(0, Vec::len)
        ),
        _ => format!(
            "add mfa_serial = <your MFA device's ARN> to profile {name} in {}",
            selected.profile.files().path(FileKind::Config).display()
        ),
    };
    report.fail(what, fix)
}

/// The devices IAM lists for the user `arn` names, if it says.
fn devices(
    selected: &Selected,
    base: &Credentials,
    arn: &str,
    context: &Context,
) -> Option<Vec<String>> {
    let user_name = discovery::user_name(arn)?;
    context
        .devices
        .list(&DeviceRequest {
            base,
            user_name,
            region: &selected.region,
            env: &context.env,
            now: context.clock.now(),
        })
        .ok()
}

fn caller<'a>(selected: &'a Selected, base: &'a Credentials) -> Caller<'a> {
    Caller {
        base,
        profile: selected.args.profile.as_deref(),
        region: &selected.region,
        config: selected.profile.files(),
    }
}

/// The keyring, and the cached MFA sessions.
fn check_cache(
    report: &mut Report<impl Write>,
    selected: &Selected,
    context: &Context,
) -> Result<(), Error> {
    let store = context.store;
    match store::probe(store, context.clock.now()) {
        Ok(()) => match store.notice() {
            None => report.pass(format!("session cache: {}", store.name()))?,
            Some(notice) => {
                let (what, fix) = notice.split_once("; ").unwrap_or((notice, ""));
                report.fail(what, fix)?;
            }
        },
        Err(error) => report.fail(
            format!("session cache: {error}"),
            crate::session::obtain::KEYRING_HINT,
        )?,
    }
    let now = context.clock.now();
    let keys = match session::keys(&selected.args, true, context) {
        Ok(keys) => keys,
        Err(_) => return Ok(()),
    };
    for key in keys {
        let state = match store.load(&key) {
            Ok(Some(session)) if session.expiry() > now => {
                format!("valid until {}", session::utc(session.expiry()))
            }
            Ok(Some(session)) => format!(
                "expired at {}; the next use asks for a code",
                session::utc(session.expiry())
            ),
            Ok(None) => "none cached; the next use asks for a code".to_owned(),
            Err(error) => format!("unreadable ({error}); the next use asks for a code"),
        };
        report.pass(format!(
            "MFA session of profile {} ({}): {state}",
            key.profile, key.mfa_serial
        ))?;
    }
    Ok(())
}

/// STS's answer in the region: whose the keys are, and the clock against
/// STS's.
fn check_sts(
    report: &mut Report<impl Write>,
    selected: &Selected,
    identity: Result<Identity, sts::Error>,
    context: &Context,
) -> Result<Option<String>, Error> {
    let region = &selected.region;
    let identity = match identity {
        Ok(identity) => identity,
        Err(error) => {
            report.fail(
                format!("sts:GetCallerIdentity in {region} failed: {error}"),
                "check the network, the keys, and the clock (AWS refuses signatures more than 5 minutes off)",
            )?;
            return Ok(None);
        }
    };
    report.pass(format!(
        "STS in {region} knows the keys as {}",
        identity.arn
    ))?;
    if let Some(date) = identity.date {
        let now = context.clock.now();
        let (offset, direction) = match now.duration_since(date) {
            Ok(ahead) => (ahead, "ahead of"),
            Err(behind) => (behind.duration(), "behind"),
        };
        // STS's Date has whole seconds: up to one more is rounding.
        let seconds = offset.as_secs();
        if offset > MAX_SKEW + Duration::from_secs(1) {
            report.fail(
                format!(
                    "this clock is {} min {} s {direction} STS's: AWS refuses signatures more than 5 minutes off, so every push fails",
                    seconds / 60,
                    seconds % 60
                ),
                "turn on time synchronisation (Linux: timedatectl set-ntp true; macOS and Windows: set the time automatically)",
            )?;
        } else {
            report.pass(format!(
                "this clock is within {} s of STS's",
                seconds.max(1)
            ))?;
        }
    }
    Ok(Some(identity.arn))
}

/// One signed `GET info/refs`, with the credentials `get` would give.
fn check_repository(
    report: &mut Report<impl Write>,
    selected: &Selected,
    target: &Target,
    found: &Found,
    arn: Option<&str>,
    context: &Context,
) -> Result<(), Error> {
    let request = Request {
        protocol: Some("https".to_owned()),
        host: Some(target.host.clone()),
        path: Some(target.path.trim_start_matches('/').to_owned()),
        username: None,
        capabilities: Vec::new(),
    };
    let answer = match get::answer(&selected.args, target.is_foreign(), &request, context) {
        Ok(Some(answer)) => answer,
        Ok(None) => return report.skip(format!("{} is not a CodeCommit host", target.host)),
        Err(Error::Prompt(crate::prompt::Error::NotAsked)) => {
            return report.skip(format!(
                "{} not tried: there is no cached MFA session, and doctor asks for a code only with --login",
                target.url()
            ));
        }
        Err(error) => {
            return report.fail(
                format!("no password for {}: {error}", target.url()),
                "fix the checks above first",
            );
        }
    };
    let url = format!("{}/info/refs?service=git-upload-pack", target.url());
    context.log.step(&format!("GET {url}"));
    let status = probe::info_refs(&probe::Request {
        url: target.url(),
        username: &answer.username,
        password: &answer.password,
        ca_bundle: found.ca_bundle.as_deref(),
        resolve: &found.resolve,
    });
    let repository = target.path.rsplit('/').next().unwrap_or_default();
    let who = arn.unwrap_or("the caller");
    let name = selected.profile.name();
    match status {
        Ok(200) => report.pass(format!("GET {url}: 200, the repository answers")),
        Ok(403) if selected.need.is_none() => report.fail(
            format!("GET {url}: 403 for keys without MFA: this account needs MFA"),
            format!("add mfa_serial to profile {name} (git-credential-mfa-codecommit login --profile {name} finds it)"),
        ),
        Ok(403) => {
            let account = arn
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|account| !account.is_empty())
                .unwrap_or("<account>");
            report.fail(
                format!("GET {url}: 403: {who} may not pull {repository}"),
                format!(
                    "ask for codecommit:GitPull (and GitPush) on arn:aws:codecommit:{}:{account}:{repository} for {who}",
                    selected.region
                ),
            )
        }
        Ok(404) => report.fail(
            format!("GET {url}: 404: there is no repository {repository} in {}", selected.region),
            format!(
                "check the name and the region (aws codecommit list-repositories --region {})",
                selected.region
            ),
        ),
        Ok(status) => report.fail(
            format!("GET {url}: {status}"),
            "try again; if it stays, see the README's troubleshooting",
        ),
        Err(error) => report.fail(error, "check the network, and git's http.sslCAInfo and proxy settings"),
    }
}
