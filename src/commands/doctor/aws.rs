//! `doctor`'s AWS checks: the profile and why it is the one, where its keys
//! come from (the key id only), the region, the MFA device, the session
//! cache, STS and the clock; and with a repository, one signed request to it.

use std::io::Write;
use std::time::Duration;

use aws_credential_types::Credentials;

use super::Repository;
use super::git::Found;
use super::probe;
use super::report::{Finding, Report};
use crate::aws::credentials::{self, KeySource, Provider};
use crate::aws::files::Kind;
use crate::aws::iam::DeviceRequest;
use crate::aws::settings::Settings;
use crate::aws::sts::{self, Caller, Identity};
use crate::cli::Args;
use crate::commands::{get, login};
use crate::error::Error;
use crate::session::context::Context;
use crate::session::plan::{Flags, Method, Plan};
use crate::session::{discovery, store};

/// AWS refuses signatures made this far from its own clock.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

pub(super) fn check(
    report: &mut Report<impl Write>,
    args: &Args,
    found: &Found,
    repository: Option<&Repository>,
    context: &Context,
) -> Result<(), Error> {
    let Some(plan) = select(report, args, found, repository, context)? else {
        return Ok(());
    };
    let base = check_credentials(report, &plan, context)?;
    // One GetCallerIdentity: the device look-up and the STS check read it.
    let identity = base
        .as_ref()
        .map(|base| context.issuer.caller_identity(&caller(&plan, base)));
    let arn = identity
        .as_ref()
        .and_then(|identity| identity.as_ref().ok())
        .map(|identity| identity.arn.as_str());
    // The signed request first: its answer says whether this account
    // asks for MFA here, which the device check reports.
    let probed = repository.map(|repository| probe_repository(&plan, repository, found, context));
    let answered = matches!(probed, Some(Probed::Answered(Ok(200), _)));
    report.add(device(&plan, base.as_ref().zip(arn), answered, context)?)?;
    check_cache(report, &plan, context)?;
    let arn = match identity {
        Some(identity) => check_sts(report, &plan, identity, context)?,
        None => None,
    };
    if let Some((repository, probed)) = repository.zip(probed) {
        report.add(match probed {
            Probed::Answered(status, url) => {
                verdict(status, &url, &plan, repository, arn.as_deref())
            }
            Probed::Not(finding) => finding,
        })?;
    }
    Ok(())
}

/// The plan `get` would follow (for the checked URL), reported: the
/// profile and why, the region and why.
fn select(
    report: &mut Report<impl Write>,
    args: &Args,
    found: &Found,
    repository: Option<&Repository>,
    context: &Context,
) -> Result<Option<Plan>, Error> {
    let flags = Flags {
        profile: args.profile.as_deref().or(found.profile.as_deref()),
        region: args.region.as_deref().or(found.region.as_deref()),
        ..args.flags()
    };
    let settings = match Settings::load(flags.profile, &context.env, &context.fs) {
        Ok(settings) => settings,
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
        (None, None) => settings.files().choice().to_string(),
    };
    report.pass(format!(
        "AWS profile {} ({why}), from {}",
        settings.name(),
        settings.files().path(Kind::Config).display()
    ))?;
    let plan = match repository {
        Some(repository) => Plan::for_host(
            &flags,
            settings,
            &repository.host,
            &context.env,
            context.instance,
        ),
        None => Plan::for_sts(&flags, settings, &context.env),
    };
    match plan {
        Ok(plan) => {
            let region = &plan.region;
            report.pass(format!("region {} ({})", region.name, region.source))?;
            Ok(Some(plan))
        }
        Err(error) => report
            .fail(error, "correct the profile's settings")
            .map(|()| None),
    }
}

/// What gives the base credentials (for a role with MFA, its source's), and
/// the key id they have.
fn check_credentials(
    report: &mut Report<impl Write>,
    plan: &Plan,
    context: &Context,
) -> Result<Option<Credentials>, Error> {
    let files = plan.settings.files();
    let keys = plan.keys();
    let (source, name, sso) = match keys {
        KeySource::CredentialSource(source) => (
            format!("credential_source {source}"),
            plan.settings.name(),
            false,
        ),
        KeySource::Chain(name, chain) => {
            match credentials::provider(files, &context.env, name, chain) {
                Ok(Some(provider)) => (
                    describe(&provider, files),
                    name,
                    matches!(provider, Provider::Sso(_)),
                ),
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
            }
        }
    };
    match context.credentials.fetch(files, keys, &plan.region.name) {
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

/// The MFA device, or that the profile names none: fine where the signed
/// request was `answered` without MFA, a failure where IAM lists a device
/// for `caller` (the base keys and whose they are) that the profile does
/// not name, and otherwise a `–`: nothing says the account asks for MFA.
fn device(
    plan: &Plan,
    caller: Option<(&Credentials, &str)>,
    answered: bool,
    context: &Context,
) -> Result<Finding, Error> {
    let name = plan.settings.name();
    if let Some(need) = &plan.need {
        let role = match &need.method {
            Method::Role(role) => format!(", for role {}", role.role_arn),
            Method::UserSession => String::new(),
        };
        return Ok(Finding::Pass(format!(
            "MFA device {}, sessions of {} s{role}",
            need.key.mfa_serial,
            need.duration.as_secs()
        )));
    }
    if answered {
        return Ok(Finding::Pass(format!(
            "profile {name} names no MFA device (mfa_serial), and the repository answers without: this account does not ask for MFA here"
        )));
    }
    let is_role = plan.settings.get_in(name, "role_arn")?.is_some();
    let listed = caller
        .filter(|_| !is_role)
        .and_then(|(base, arn)| devices(plan, base, arn, context))
        .unwrap_or_default();
    let what = format!(
        "profile {name} names no MFA device (mfa_serial): its requests carry no MFA, which accounts that require MFA refuse"
    );
    Ok(match listed.as_slice() {
        [] => Finding::Skip(format!(
            "profile {name} names no MFA device (mfa_serial): its requests carry no MFA"
        )),
        [serial] => Finding::fail(
            what,
            format!(
                "git-credential-mfa-codecommit login --profile {name} (it records {serial}, the device IAM lists)"
            ),
        ),
        [..] => Finding::fail(
            what,
            format!(
                "git-credential-mfa-codecommit login --profile {name} (it asks which of the devices IAM lists: {})",
                listed.join(", ")
            ),
        ),
    })
}

/// The devices IAM lists for the user `arn` names, if it says.
fn devices(plan: &Plan, base: &Credentials, arn: &str, context: &Context) -> Option<Vec<String>> {
    let user_name = discovery::user_name(arn)?;
    context
        .devices
        .list(&DeviceRequest {
            base,
            user_name,
            region: &plan.region.name,
            config: plan.settings.files(),
            env: &context.env,
            now: context.clock.now(),
        })
        .ok()
}

fn caller<'a>(plan: &'a Plan, base: &'a Credentials) -> Caller<'a> {
    Caller {
        base,
        profile: plan.profile_flag(),
        region: &plan.region.name,
        config: plan.settings.files(),
    }
}

/// The keyring, and the cached MFA sessions.
fn check_cache(
    report: &mut Report<impl Write>,
    plan: &Plan,
    context: &Context,
) -> Result<(), Error> {
    let store = context.store;
    match store::probe(store, context.clock.now()) {
        Ok(()) => match store.notice() {
            None => report.pass(format!("session cache: {}", store.name()))?,
            Some(notice) => report.fail(notice.what, notice.fix)?,
        },
        Err(error) => report.fail(
            format!("session cache: {error}"),
            crate::session::obtain::KEYRING_HINT,
        )?,
    }
    let now = context.clock.now();
    for key in login::every_key(&plan.settings) {
        let state = match store.load(&key) {
            Ok(Some(session)) if session.expiry() > now => {
                format!("valid until {}", login::utc(session.expiry()))
            }
            Ok(Some(session)) => format!(
                "expired at {}; the next use asks for a code",
                login::utc(session.expiry())
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
    plan: &Plan,
    identity: Result<Identity, sts::Error>,
    context: &Context,
) -> Result<Option<String>, Error> {
    let region = &plan.region.name;
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

/// The signed request to the repository: its answer (with the URL asked),
/// or why it was not made.
enum Probed {
    Answered(Result<u16, probe::Error>, String),
    Not(Finding),
}

/// One signed `GET info/refs`, with the credentials `get` would give.
fn probe_repository(
    plan: &Plan,
    repository: &Repository,
    found: &Found,
    context: &Context,
) -> Probed {
    let path = repository.path.trim_start_matches('/');
    let answer = match get::signed(plan, &repository.host, path, false, context) {
        Ok(answer) => answer,
        Err(Error::Prompt(crate::prompt::Error::NotAsked)) => {
            return Probed::Not(Finding::Skip(format!(
                "{} not tried: there is no cached MFA session, and doctor asks for a code only with --login",
                repository.url()
            )));
        }
        Err(error) => {
            return Probed::Not(Finding::fail(
                format!("no password for {}: {error}", repository.url()),
                "fix the checks above first",
            ));
        }
    };
    let url = format!("{}/info/refs?service=git-upload-pack", repository.url());
    context.log.step(&format!("GET {url}"));
    let status = probe::info_refs(&probe::Request {
        url: repository.url(),
        username: &answer.username,
        password: &answer.password,
        ca_bundle: found.ca_bundle.as_deref(),
        resolve: &found.resolve,
    });
    Probed::Answered(status, url)
}

/// What the repository's answer to the signed request means.
fn verdict(
    status: Result<u16, probe::Error>,
    url: &str,
    plan: &Plan,
    repository: &Repository,
    arn: Option<&str>,
) -> Finding {
    let repo_name = repository.path.rsplit('/').next().unwrap_or_default();
    let who = arn.unwrap_or("the caller");
    let name = plan.settings.name();
    let region = &plan.region.name;
    match status {
        Ok(200) => Finding::Pass(format!("GET {url}: 200, the repository answers")),
        Ok(403) if plan.need.is_none() => Finding::fail(
            format!("GET {url}: 403 for keys without MFA: this account needs MFA"),
            format!(
                "add mfa_serial to profile {name} (git-credential-mfa-codecommit login --profile {name} finds it)"
            ),
        ),
        Ok(403) => {
            let account = arn
                .and_then(|arn| arn.split(':').nth(4))
                .filter(|account| !account.is_empty())
                .unwrap_or("<account>");
            Finding::fail(
                format!("GET {url}: 403: {who} may not pull {repo_name}"),
                format!(
                    "ask for codecommit:GitPull (and GitPush) on arn:aws:codecommit:{region}:{account}:{repo_name} for {who}"
                ),
            )
        }
        Ok(404) => Finding::fail(
            format!("GET {url}: 404: there is no repository {repo_name} in {region}"),
            format!(
                "check the name and the region (aws codecommit list-repositories --region {region})"
            ),
        ),
        Ok(status) => Finding::fail(
            format!("GET {url}: {status}"),
            "try again; if it stays, see the README's troubleshooting",
        ),
        Err(error @ probe::Error::Certificate { .. }) => Finding::Skip(format!(
            "GET {url} not checked: doctor's TLS client refuses {error}, which git's may accept; `git ls-remote {}` says what git does",
            repository.url()
        )),
        Err(error) => Finding::fail(
            error,
            "check the network, and git's http.sslCAInfo and proxy settings",
        ),
    }
}
