//! `doctor`'s AWS checks: the profile and why it is the one, where its keys
//! come from (the key id only), the region, the MFA device, the session
//! cache, STS and the clock; and with a repository, one signed request to it.
//!
//! [`gather`] makes every call and keeps what it learnt as plain [`Facts`];
//! [`findings`] judges them and calls nothing, so each verdict is tested
//! with facts alone.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;

use super::Repository;
use super::git::Found;
use super::probe;
use super::report::{Finding, Report};
use crate::aws::credentials::{self, KeySource, Provider};
use crate::aws::files::{Kind, SharedFiles};
use crate::aws::iam::DeviceRequest;
use crate::aws::settings::Region;
use crate::aws::sts::{Caller, Identity};
use crate::cli::Args;
use crate::commands::{get, login};
use crate::error::Error;
use crate::session::context::Context;
use crate::session::plan::{Flags, Method, Need, Plan};
use crate::session::store::{self, CacheKey, Notice};
use crate::session::{discovery, obtain};

/// AWS refuses signatures made this far from its own clock.
const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

pub(super) fn check(
    report: &mut Report<impl Write>,
    args: &Args,
    found: &Found,
    repository: Option<&Repository>,
    context: &Context,
) -> Result<(), Error> {
    let facts = gather(args, found, repository, context);
    report.add_all(findings(&facts))
}

/// What the AWS checks learnt: the profile `get` would use, or why the
/// AWS config files cannot be used.
#[derive(Debug)]
struct Facts {
    profile: Result<Profile, String>,
}

/// The selected profile, and why it is the one.
#[derive(Debug)]
struct Profile {
    name: String,
    why: String,
    /// The config file it is read from.
    config: PathBuf,
    /// What `get` would do with it, or why its settings allow nothing.
    plan: Result<Planned, String>,
}

/// What the profile's plan met on the way to a signed request.
#[derive(Debug)]
struct Planned {
    region: Region,
    /// The MFA session it calls for.
    need: Option<Need>,
    source: Source,
    /// The devices IAM lists for the keys' user, asked only when the
    /// profile names none, is no role (a role has no device of its own) and
    /// the repository did not answer without.
    devices: Vec<String>,
    cache: Cache,
    /// STS's `GetCallerIdentity`, when there were keys to ask with.
    identity: Option<Result<Identity, String>>,
    /// This machine's clock, against STS's.
    now: SystemTime,
    repository: Option<Probe>,
}

/// What gives the base keys (for a role with MFA, its source's).
#[derive(Debug)]
enum Source {
    /// A provider, named as a user would look for it, and its key id.
    Found {
        /// The profile the keys are asked for.
        profile: String,
        what: String,
        sso: bool,
        key_id: Result<String, String>,
    },
    /// Nothing in the profile or the environment gives keys.
    Nothing { profile: String },
    /// The profile's credential settings are wrong.
    Invalid(String),
}

/// The keyring, and the cached MFA sessions.
#[derive(Debug)]
struct Cache {
    store: &'static str,
    /// A stored and read back entry: what the user should know, or why not.
    works: Result<Option<Notice>, String>,
    /// Every profile's session and when it ends, if cached.
    sessions: Vec<(CacheKey, Result<Option<SystemTime>, String>)>,
}

/// The signed request to the repository.
#[derive(Debug)]
struct Probe {
    /// Its HTTPS URL.
    url: String,
    answer: Answer,
}

#[derive(Debug)]
enum Answer {
    /// The status of `GET <url>/info/refs?service=git-upload-pack`.
    Status(Result<u16, probe::Error>),
    /// No session is cached, and doctor asks for no code without `--login`.
    NotAsked,
    /// No password could be made.
    NoPassword(String),
}

impl Probe {
    fn answered(&self) -> bool {
        matches!(self.answer, Answer::Status(Ok(200)))
    }
}

/// Every call the checks need, in `get`'s order: the profile, its plan,
/// the keys, whose they are, the repository, the devices, the cache.
fn gather(args: &Args, found: &Found, repository: Option<&Repository>, context: &Context) -> Facts {
    let flags = Flags {
        profile: args.profile.as_deref().or(found.profile.as_deref()),
        region: args.region.as_deref().or(found.region.as_deref()),
        ..args.flags()
    };
    let files = match SharedFiles::load(flags.profile, &context.env, &context.fs) {
        Ok(files) => files,
        Err(error) => {
            return Facts {
                profile: Err(error.to_string()),
            };
        }
    };
    let why = match (&args.profile, &found.profile) {
        (Some(_), _) => "from --profile".to_owned(),
        (None, Some(_)) => "from --profile in git's helper line".to_owned(),
        (None, None) => files.choice().to_string(),
    };
    let name = files.selected().to_owned();
    let config = files.path(Kind::Config).to_owned();
    let plan = match repository {
        Some(repository) => Plan::for_host(
            &flags,
            files,
            &repository.host,
            &context.env,
            context.instance,
        ),
        None => Plan::for_sts(&flags, files, &context.env),
    };
    let plan = plan
        .map(|plan| follow(&plan, found, repository, context))
        .map_err(|error| error.to_string());
    Facts {
        profile: Ok(Profile {
            name,
            why,
            config,
            plan,
        }),
    }
}

/// The calls `plan` leads to.
fn follow(
    plan: &Plan,
    found: &Found,
    repository: Option<&Repository>,
    context: &Context,
) -> Planned {
    let (source, base) = source(plan, context);
    // One GetCallerIdentity: the device look-up and the STS check read it.
    let identity = base.as_ref().map(|base| {
        let caller = Caller {
            base,
            region: &plan.region.name,
            files: &plan.files,
        };
        context.sts.caller_identity(&caller)
    });
    let arn = identity
        .as_ref()
        .and_then(|identity| identity.as_ref().ok())
        .map(|identity| identity.arn.as_str());
    // The signed request first: a repository that answers without MFA
    // needs no device.
    let repository =
        repository.map(|repository| probe_repository(plan, repository, found, context));
    let answered = repository.as_ref().is_some_and(Probe::answered);
    let devices = match base.as_ref().zip(arn) {
        Some((base, arn)) if plan.is_user_without_device() && !answered => {
            devices(plan, base, arn, context)
        }
        _ => Vec::new(),
    };
    Planned {
        region: plan.region.clone(),
        need: plan.need.clone(),
        source,
        devices,
        cache: cache(plan, context),
        identity: identity.map(|identity| identity.map_err(|error| error.to_string())),
        now: context.clock.now(),
        repository,
    }
}

/// What gives the plan's base keys, and the keys, if they come.
fn source(plan: &Plan, context: &Context) -> (Source, Option<Credentials>) {
    let files = &plan.files;
    let keys = plan.keys();
    let (what, profile, sso) = match keys {
        KeySource::CredentialSource(source) => (
            format!("credential_source {source}"),
            files.selected(),
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
                    let profile = name.to_owned();
                    return (Source::Nothing { profile }, None);
                }
                Err(error) => return (Source::Invalid(error.to_string()), None),
            }
        }
    };
    let base = context.credentials.fetch(files, keys, &plan.region.name);
    let key_id = match &base {
        Ok(base) => Ok(base.access_key_id().to_owned()),
        Err(error) => Err(error.to_string()),
    };
    let source = Source::Found {
        profile: profile.to_owned(),
        what,
        sso,
        key_id,
    };
    (source, base.ok())
}

/// A provider, named as a user would look for it.
fn describe(provider: &Provider, files: &SharedFiles) -> String {
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

/// The devices IAM lists for the user `arn` names; none if it says nothing.
fn devices(plan: &Plan, base: &Credentials, arn: &str, context: &Context) -> Vec<String> {
    let Some(user_name) = discovery::user_name(arn) else {
        return Vec::new();
    };
    let request = DeviceRequest {
        base,
        user_name,
        region: &plan.region.name,
        files: &plan.files,
        env: &context.env,
        now: context.clock.now(),
    };
    context.devices.list(&request).unwrap_or_default()
}

/// The keyring, tried with a placeholder entry, and every profile's session.
fn cache(plan: &Plan, context: &Context) -> Cache {
    let store = context.store;
    let works = match store::probe(store, context.clock.now()) {
        Ok(()) => Ok(store.notice()),
        Err(error) => Err(error.to_string()),
    };
    let sessions = login::every_key(&plan.files)
        .into_iter()
        .map(|key| {
            let expiry = match store.load(&key) {
                Ok(session) => Ok(session.map(|session| session.expiry())),
                Err(error) => Err(error.to_string()),
            };
            (key, expiry)
        })
        .collect();
    Cache {
        store: store.name(),
        works,
        sessions,
    }
}

/// One signed `GET info/refs`, with the credentials `get` would give.
fn probe_repository(
    plan: &Plan,
    repository: &Repository,
    found: &Found,
    context: &Context,
) -> Probe {
    let path = repository.path.trim_start_matches('/');
    let answer = match get::signed(plan, &repository.host, path, false, context) {
        Ok(answer) => {
            let url = repository.url();
            context.log.step(&format!("GET {}", info_refs(url)));
            Answer::Status(probe::info_refs(&probe::Request {
                url,
                username: &answer.username,
                password: &answer.password,
                ca_bundle: found.ca_bundle.as_deref(),
                resolve: &found.resolve,
            }))
        }
        Err(Error::Prompt(crate::prompt::Error::NotAsked)) => Answer::NotAsked,
        Err(error) => Answer::NoPassword(error.to_string()),
    };
    Probe {
        url: repository.url().to_owned(),
        answer,
    }
}

/// The URL of the request git makes first when it fetches from `url`.
fn info_refs(url: &str) -> String {
    format!("{url}/info/refs?service=git-upload-pack")
}

/// What the facts mean, one finding per line of the report, in order.
fn findings(facts: &Facts) -> Vec<Finding> {
    let profile = match &facts.profile {
        Ok(profile) => profile,
        Err(error) => {
            return vec![Finding::fail(
                format!("the AWS config files cannot be used: {error}"),
                "correct the profile name or the file (`aws configure list-profiles` lists what the AWS CLI reads)",
            )];
        }
    };
    let mut findings = vec![Finding::Pass(format!(
        "AWS profile {} ({}), from {}",
        profile.name,
        profile.why,
        profile.config.display()
    ))];
    let plan = match &profile.plan {
        Ok(plan) => plan,
        Err(error) => {
            findings.push(Finding::fail(error, "correct the profile's settings"));
            return findings;
        }
    };
    let region = &plan.region;
    findings.push(Finding::Pass(format!(
        "region {} ({})",
        region.name, region.source
    )));
    findings.push(source_finding(&plan.source));
    findings.push(device_finding(&profile.name, plan));
    findings.extend(cache_findings(&plan.cache, plan.now));
    let arn = match &plan.identity {
        Some(identity) => {
            findings.extend(sts_findings(identity, &region.name, plan.now));
            identity.as_ref().ok().map(|identity| identity.arn.as_str())
        }
        None => None,
    };
    if let Some(probe) = &plan.repository {
        findings.push(verdict(probe, &profile.name, plan, arn));
    }
    findings
}

/// Whether the base keys came, and from what.
fn source_finding(source: &Source) -> Finding {
    match source {
        Source::Found {
            what,
            key_id: Ok(key_id),
            ..
        } => Finding::Pass(format!("credentials from {what}: key {key_id}")),
        Source::Found {
            profile,
            what,
            sso,
            key_id: Err(error),
        } => Finding::fail(
            format!("no credentials from {what}: {error}"),
            match sso {
                true => format!("aws sso login --profile {profile}"),
                false => format!(
                    "check the credentials of profile {profile} (aws configure list --profile {profile})"
                ),
            },
        ),
        Source::Nothing { profile } => Finding::fail(
            format!(
                "profile {profile} gives no credentials: no keys, IAM Identity Center, credential_process or role in it, none in the environment"
            ),
            format!("aws configure --profile {profile}"),
        ),
        Source::Invalid(error) => Finding::fail(error, "correct the profile"),
    }
}

/// The MFA device, or that the profile names none: fine where the signed
/// request was answered without MFA, a failure where IAM lists a device
/// the profile does not name, and otherwise a `–`: nothing says the
/// account asks for MFA.
fn device_finding(name: &str, plan: &Planned) -> Finding {
    if let Some(need) = &plan.need {
        let role = match &need.method {
            Method::Role(role) => format!(", for role {}", role.role_arn),
            Method::UserSession => String::new(),
        };
        return Finding::Pass(format!(
            "MFA device {}, sessions of {} s{role}",
            need.key.mfa_serial,
            need.duration.as_secs()
        ));
    }
    if plan.repository.as_ref().is_some_and(Probe::answered) {
        return Finding::Pass(format!(
            "profile {name} names no MFA device (mfa_serial), and the repository answers without: this account does not ask for MFA here"
        ));
    }
    let what = format!(
        "profile {name} names no MFA device (mfa_serial): its requests carry no MFA, which accounts that require MFA refuse"
    );
    match plan.devices.as_slice() {
        [] => Finding::Skip(format!(
            "profile {name} names no MFA device (mfa_serial): its requests carry no MFA"
        )),
        [serial] => Finding::fail(
            what,
            format!(
                "git-credential-mfa-codecommit login --profile {name} (it records {serial}, the device IAM lists)"
            ),
        ),
        listed => Finding::fail(
            what,
            format!(
                "git-credential-mfa-codecommit login --profile {name} (it asks which of the devices IAM lists: {})",
                listed.join(", ")
            ),
        ),
    }
}

/// Whether the keyring keeps a session, and each profile's cached one.
fn cache_findings(cache: &Cache, now: SystemTime) -> Vec<Finding> {
    let mut findings = vec![match &cache.works {
        Ok(None) => Finding::Pass(format!("session cache: {}", cache.store)),
        Ok(Some(notice)) => Finding::fail(notice.what, notice.fix),
        Err(error) => Finding::fail(format!("session cache: {error}"), obtain::KEYRING_HINT),
    }];
    for (key, expiry) in &cache.sessions {
        let state = match expiry {
            Ok(Some(expiry)) if *expiry > now => {
                format!("valid until {}", login::utc(*expiry))
            }
            Ok(Some(expiry)) => format!(
                "expired at {}; the next use asks for a code",
                login::utc(*expiry)
            ),
            Ok(None) => "none cached; the next use asks for a code".to_owned(),
            Err(error) => format!("unreadable ({error}); the next use asks for a code"),
        };
        findings.push(Finding::Pass(format!(
            "MFA session of profile {} ({}): {state}",
            key.profile, key.mfa_serial
        )));
    }
    findings
}

/// STS's answer in `region`: whose the keys are, and this clock against
/// STS's.
fn sts_findings(
    identity: &Result<Identity, String>,
    region: &str,
    now: SystemTime,
) -> Vec<Finding> {
    let identity = match identity {
        Ok(identity) => identity,
        Err(error) => {
            return vec![Finding::fail(
                format!("sts:GetCallerIdentity in {region} failed: {error}"),
                "check the network, the keys, and the clock (AWS refuses signatures more than 5 minutes off)",
            )];
        }
    };
    let mut findings = vec![Finding::Pass(format!(
        "STS in {region} knows the keys as {}",
        identity.arn
    ))];
    if let Some(date) = identity.date {
        let (offset, direction) = match now.duration_since(date) {
            Ok(ahead) => (ahead, "ahead of"),
            Err(behind) => (behind.duration(), "behind"),
        };
        // STS's Date has whole seconds: up to one more is rounding.
        let seconds = offset.as_secs();
        findings.push(if offset > MAX_SKEW + Duration::from_secs(1) {
            Finding::fail(
                format!(
                    "this clock is {} min {} s {direction} STS's: AWS refuses signatures more than 5 minutes off, so every push fails",
                    seconds / 60,
                    seconds % 60
                ),
                "turn on time synchronisation (Linux: timedatectl set-ntp true; macOS and Windows: set the time automatically)",
            )
        } else {
            Finding::Pass(format!("this clock is within {} s of STS's", seconds.max(1)))
        });
    }
    findings
}

/// What the repository's answer to the signed request means.
fn verdict(probe: &Probe, name: &str, plan: &Planned, arn: Option<&str>) -> Finding {
    let url = info_refs(&probe.url);
    let status = match &probe.answer {
        Answer::Status(status) => status,
        Answer::NotAsked => {
            return Finding::Skip(format!(
                "{} not tried: there is no cached MFA session, and doctor asks for a code only with --login",
                probe.url
            ));
        }
        Answer::NoPassword(error) => {
            return Finding::fail(
                format!("no password for {}: {error}", probe.url),
                "fix the checks above first",
            );
        }
    };
    let repo_name = probe.url.rsplit('/').next().unwrap_or_default();
    let who = arn.unwrap_or("the caller");
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
            probe.url
        )),
        Err(error) => Finding::fail(
            error,
            "check the network, and git's http.sslCAInfo and proxy settings",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::settings::RegionSource;
    use crate::session::plan::{Role, RoleBase};

    const ARN: &str = "arn:aws:iam::123456789012:user/alice";
    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
    /// 2030-01-01 00:00:00 UTC.
    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_456_000 + seconds)
    }

    fn key() -> CacheKey {
        CacheKey {
            profile: "dev".to_owned(),
            mfa_serial: SERIAL.to_owned(),
            role_arn: None,
        }
    }

    /// A profile with nothing wrong: its device, keys, cache, STS and the
    /// repository all answer.
    fn healthy() -> Planned {
        Planned {
            region: Region::new("eu-west-1".to_owned(), RegionSource::Host),
            need: Some(Need {
                key: key(),
                environment_keys: false,
                duration: Duration::from_secs(43_200),
                mfa_process: None,
                method: Method::UserSession,
            }),
            source: Source::Found {
                profile: "dev".to_owned(),
                what: "keys of profile dev in /h/.aws/credentials".to_owned(),
                sso: false,
                key_id: Ok("AKIDEXAMPLE".to_owned()),
            },
            devices: Vec::new(),
            cache: Cache {
                store: "kernel keyring",
                works: Ok(None),
                sessions: vec![(key(), Ok(Some(at(3_600))))],
            },
            identity: Some(Ok(Identity {
                arn: ARN.to_owned(),
                date: Some(at(2)),
            })),
            now: at(0),
            repository: Some(Probe {
                url: "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r".to_owned(),
                answer: Answer::Status(Ok(200)),
            }),
        }
    }

    fn facts(plan: Result<Planned, String>) -> Facts {
        Facts {
            profile: Ok(Profile {
                name: "dev".to_owned(),
                why: "from --profile".to_owned(),
                config: PathBuf::from("/h/.aws/config"),
                plan,
            }),
        }
    }

    /// The report's lines for `facts`, and whether it failed.
    fn report(facts: &Facts) -> (Vec<String>, bool) {
        let mut out = Vec::new();
        let mut report = Report::new(&mut out);
        report.add_all(findings(facts)).unwrap();
        let failed = report.finish().is_err();
        let text = String::from_utf8(out).unwrap();
        (text.lines().map(str::to_owned).collect(), failed)
    }

    /// The lines `change` makes differ from a healthy profile's, and
    /// whether the report failed.
    fn changed(change: impl FnOnce(&mut Planned)) -> (Vec<String>, bool) {
        let (before, _) = report(&facts(Ok(healthy())));
        let mut plan = healthy();
        change(&mut plan);
        let (after, failed) = report(&facts(Ok(plan)));
        let new = after.into_iter().filter(|line| !before.contains(line));
        (new.collect(), failed)
    }

    fn fails(what: &str, fix: &str) -> (Vec<String>, bool) {
        (vec![format!("✘ {what}"), format!("  fix: {fix}")], true)
    }

    fn passes(what: &str) -> (Vec<String>, bool) {
        (vec![format!("✔ {what}")], false)
    }

    fn skips(what: &str) -> (Vec<String>, bool) {
        (vec![format!("– {what}")], false)
    }

    #[test]
    fn a_healthy_profile_passes_every_check_in_gets_order() {
        let (lines, failed) = report(&facts(Ok(healthy())));
        assert!(!failed);
        assert_eq!(
            lines,
            [
                "✔ AWS profile dev (from --profile), from /h/.aws/config",
                "✔ region eu-west-1 (the repository's host)",
                "✔ credentials from keys of profile dev in /h/.aws/credentials: key AKIDEXAMPLE",
                "✔ MFA device arn:aws:iam::123456789012:mfa/alice, sessions of 43200 s",
                "✔ session cache: kernel keyring",
                "✔ MFA session of profile dev (arn:aws:iam::123456789012:mfa/alice): valid until 2030-01-01 01:00:00 UTC",
                "✔ STS in eu-west-1 knows the keys as arn:aws:iam::123456789012:user/alice",
                "✔ this clock is within 2 s of STS's",
                "✔ GET https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r/info/refs?service=git-upload-pack: 200, the repository answers",
            ]
        );
    }

    #[test]
    fn unusable_files_and_plans_end_the_checks() {
        let files = Facts {
            profile: Err("no profile x".to_owned()),
        };
        assert_eq!(
            report(&files),
            fails(
                "the AWS config files cannot be used: no profile x",
                "correct the profile name or the file (`aws configure list-profiles` lists what the AWS CLI reads)"
            )
        );
        let (lines, failed) = report(&facts(Err("--region is empty".to_owned())));
        assert!(failed);
        assert_eq!(
            lines[1..],
            fails("--region is empty", "correct the profile's settings").0
        );
    }

    #[test]
    fn keys_that_do_not_come_say_how_to_get_them() {
        let key_error = |sso| {
            changed(|plan| {
                plan.source = Source::Found {
                    profile: "base".to_owned(),
                    what: "IAM Identity Center (profile base)".to_owned(),
                    sso,
                    key_id: Err("token expired".to_owned()),
                }
            })
        };
        let what = "no credentials from IAM Identity Center (profile base): token expired";
        assert_eq!(key_error(true), fails(what, "aws sso login --profile base"));
        assert_eq!(
            key_error(false),
            fails(
                what,
                "check the credentials of profile base (aws configure list --profile base)"
            )
        );
        assert_eq!(
            changed(|plan| plan.source = Source::Nothing {
                profile: "base".to_owned()
            }),
            fails(
                "profile base gives no credentials: no keys, IAM Identity Center, credential_process or role in it, none in the environment",
                "aws configure --profile base"
            )
        );
        assert_eq!(
            changed(|plan| plan.source = Source::Invalid("a loop".to_owned())),
            fails("a loop", "correct the profile")
        );
    }

    #[test]
    fn a_profile_without_a_device_is_judged_by_the_repository_and_iam() {
        let without = |answer, devices: &[&str]| {
            changed(|plan| {
                plan.need = None;
                plan.devices = devices.iter().map(|&serial| serial.to_owned()).collect();
                plan.repository.as_mut().unwrap().answer = answer;
            })
        };
        assert_eq!(
            without(Answer::Status(Ok(200)), &[]),
            passes(
                "profile dev names no MFA device (mfa_serial), and the repository answers without: this account does not ask for MFA here"
            )
        );
        assert_eq!(
            without(Answer::NotAsked, &[]).0[0],
            "– profile dev names no MFA device (mfa_serial): its requests carry no MFA"
        );
        let what = "profile dev names no MFA device (mfa_serial): its requests carry no MFA, which accounts that require MFA refuse";
        assert_eq!(
            without(Answer::NotAsked, &[SERIAL]).0[..2],
            fails(
                what,
                "git-credential-mfa-codecommit login --profile dev (it records arn:aws:iam::123456789012:mfa/alice, the device IAM lists)"
            )
            .0
        );
        assert_eq!(
            without(Answer::NotAsked, &["a", "b"]).0[1],
            "  fix: git-credential-mfa-codecommit login --profile dev (it asks which of the devices IAM lists: a, b)"
        );
        let role = changed(|plan| {
            plan.need.as_mut().unwrap().method = Method::Role(Role {
                role_arn: "arn:aws:iam::2:role/r".to_owned(),
                session_name: "s".to_owned(),
                external_id: None,
                base: RoleBase::Profile("base".to_owned()),
            });
        });
        assert_eq!(
            role,
            passes(
                "MFA device arn:aws:iam::123456789012:mfa/alice, sessions of 43200 s, for role arn:aws:iam::2:role/r"
            )
        );
    }

    #[test]
    fn the_cache_says_what_the_next_use_does() {
        assert_eq!(
            changed(|plan| plan.cache.works = Err("locked".to_owned())),
            fails("session cache: locked", obtain::KEYRING_HINT)
        );
        let notice = Notice {
            what: "the Secret Service is locked",
            fix: "unlock it",
        };
        assert_eq!(
            changed(|plan| plan.cache.works = Ok(Some(notice))),
            fails("the Secret Service is locked", "unlock it")
        );
        let session = |expiry| changed(|plan| plan.cache.sessions[0].1 = expiry);
        let prefix = "MFA session of profile dev (arn:aws:iam::123456789012:mfa/alice): ";
        let session_line = |state: &str| passes(&format!("{prefix}{state}"));
        assert_eq!(
            session(Ok(Some(at(0)))),
            session_line("expired at 2030-01-01 00:00:00 UTC; the next use asks for a code")
        );
        assert_eq!(
            session(Ok(None)),
            session_line("none cached; the next use asks for a code")
        );
        assert_eq!(
            session(Err("damaged".to_owned())),
            session_line("unreadable (damaged); the next use asks for a code")
        );
    }

    #[test]
    fn sts_failures_and_a_clock_off_by_over_five_minutes_fail() {
        assert_eq!(
            changed(|plan| plan.identity = Some(Err("timed out".to_owned()))).0[..2],
            fails(
                "sts:GetCallerIdentity in eu-west-1 failed: timed out",
                "check the network, the keys, and the clock (AWS refuses signatures more than 5 minutes off)"
            )
            .0
        );
        let sts_date =
            |date| changed(|plan| plan.identity.as_mut().unwrap().as_mut().unwrap().date = date);
        let fix = "turn on time synchronisation (Linux: timedatectl set-ntp true; macOS and Windows: set the time automatically)";
        assert_eq!(
            sts_date(Some(at(302))),
            fails(
                "this clock is 5 min 2 s behind STS's: AWS refuses signatures more than 5 minutes off, so every push fails",
                fix
            )
        );
        assert_eq!(
            sts_date(Some(at(0) - Duration::from_secs(400))),
            fails(
                "this clock is 6 min 40 s ahead of STS's: AWS refuses signatures more than 5 minutes off, so every push fails",
                fix
            )
        );
        assert_eq!(
            sts_date(Some(at(301))),
            passes("this clock is within 301 s of STS's")
        );
        assert_eq!(
            sts_date(Some(at(0))),
            passes("this clock is within 1 s of STS's")
        );
        // No Date header: nothing to compare.
        assert_eq!(sts_date(None), (Vec::new(), false));
    }

    #[test]
    fn each_answer_of_the_repository_says_what_to_do() {
        let url = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r";
        let get = format!("GET {url}/info/refs?service=git-upload-pack");
        let answer = |answer| changed(|plan| plan.repository.as_mut().unwrap().answer = answer);
        let status = |status| answer(Answer::Status(Ok(status)));
        assert_eq!(
            status(403),
            fails(
                &format!("{get}: 403: {ARN} may not pull r"),
                &format!(
                    "ask for codecommit:GitPull (and GitPush) on arn:aws:codecommit:eu-west-1:123456789012:r for {ARN}"
                )
            )
        );
        let unknown_caller = changed(|plan| {
            plan.identity = None;
            plan.repository.as_mut().unwrap().answer = Answer::Status(Ok(403));
        });
        assert_eq!(
            unknown_caller.0.last().unwrap(),
            "  fix: ask for codecommit:GitPull (and GitPush) on arn:aws:codecommit:eu-west-1:<account>:r for the caller"
        );
        let without_mfa = changed(|plan| {
            plan.need = None;
            plan.repository.as_mut().unwrap().answer = Answer::Status(Ok(403));
        });
        assert_eq!(
            without_mfa.0[1..],
            fails(
                &format!("{get}: 403 for keys without MFA: this account needs MFA"),
                "add mfa_serial to profile dev (git-credential-mfa-codecommit login --profile dev finds it)"
            )
            .0
        );
        assert_eq!(
            status(404),
            fails(
                &format!("{get}: 404: there is no repository r in eu-west-1"),
                "check the name and the region (aws codecommit list-repositories --region eu-west-1)"
            )
        );
        assert_eq!(
            status(500),
            fails(
                &format!("{get}: 500"),
                "try again; if it stays, see the README's troubleshooting"
            )
        );
        let certificate = probe::Error::Certificate {
            host: "h".to_owned(),
            cause: "unknown issuer".to_owned(),
        };
        assert_eq!(
            answer(Answer::Status(Err(certificate))),
            skips(&format!(
                "{get} not checked: doctor's TLS client refuses h's certificate: unknown issuer, which git's may accept; `git ls-remote {url}` says what git does"
            ))
        );
        let unreachable = probe::Error::Unreachable {
            host: "h".to_owned(),
            cause: "refused".to_owned(),
        };
        assert_eq!(
            answer(Answer::Status(Err(unreachable))),
            fails(
                "could not reach h: refused",
                "check the network, and git's http.sslCAInfo and proxy settings"
            )
        );
        assert_eq!(
            answer(Answer::NotAsked),
            skips(&format!(
                "{url} not tried: there is no cached MFA session, and doctor asks for a code only with --login"
            ))
        );
        assert_eq!(
            answer(Answer::NoPassword("no keys".to_owned())),
            fails(
                &format!("no password for {url}: no keys"),
                "fix the checks above first"
            )
        );
    }
}
