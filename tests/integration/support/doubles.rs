//! Test doubles for `commands::run`, each as strict as the real peer it stands
//! for: they fail loudly on a call nobody scripted, and count their calls.
//! [`World`] gathers them with a fake environment and AWS config file.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::aws::credentials::{self, Chain, CredentialSource, KeySource};
use git_credential_mfa_codecommit::aws::files::SharedFiles;
use git_credential_mfa_codecommit::aws::iam::{self, DeviceRequest, MfaDevices};
use git_credential_mfa_codecommit::aws::imds::InstanceRegion;
use git_credential_mfa_codecommit::aws::sts::{
    self, Caller, Identity, RoleRequest, SessionRequest, StsApi,
};
use git_credential_mfa_codecommit::cli::{self, Command};
use git_credential_mfa_codecommit::commands;
use git_credential_mfa_codecommit::error::Error;
use git_credential_mfa_codecommit::os::log::Log;
use git_credential_mfa_codecommit::prompt::{self, Prompter, Question};
use git_credential_mfa_codecommit::session::Session;
use git_credential_mfa_codecommit::session::context::{Clock, Context};
use git_credential_mfa_codecommit::session::store::{self, CacheKey, SessionStore};

/// 2015-08-30T12:36:00Z, the time of the FIPS and China vectors.
pub const VECTOR_TIME: u64 = 1_440_938_160;

pub fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Long-term keys (no token) unless `token` is given.
pub fn example_keys(token: Option<&str>, expiry: Option<SystemTime>) -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        token.map(str::to_owned),
        expiry,
        "test",
    )
}

/// A session as STS would issue it, ending at `expiry`.
pub fn sts_session(id: &str, expiry: SystemTime) -> Session {
    Session::from_credentials(Credentials::new(
        id,
        format!("{id}/session-secret"),
        Some(format!("{id}-session-token")),
        Some(expiry),
        "sts",
    ))
    .unwrap()
}

/// Hands out one set of credentials; records every (profile, region) asked for.
#[derive(Default)]
pub struct ScriptedCredentials {
    pub credentials: Option<Credentials>,
    pub calls: RefCell<Vec<(Option<String>, String)>>,
}

/// What the double records for `keys`: the profile named for the chain
/// (`None`: the selected one, the environment's keys included), or the
/// `credential_source`.
fn asked_for(keys: KeySource) -> Option<String> {
    match keys {
        KeySource::Chain(_, Chain::Full { environment: true }) => None,
        KeySource::Chain(profile, _) => Some(profile.to_owned()),
        KeySource::CredentialSource(source) => Some(format!("credential_source={source}")),
    }
}

impl CredentialSource for ScriptedCredentials {
    fn fetch(
        &self,
        _files: &SharedFiles,
        keys: KeySource,
        region: &str,
    ) -> Result<Credentials, credentials::Error> {
        self.calls
            .borrow_mut()
            .push((asked_for(keys), region.to_owned()));
        self.credentials.clone().ok_or(credentials::Error::NotFound)
    }
}

/// Answers prompts from a script; panics on a prompt nobody expected.
#[derive(Default)]
pub struct ScriptedPrompt {
    pub answers: RefCell<VecDeque<Result<String, prompt::Error>>>,
    pub asked: RefCell<Vec<String>>,
}

impl ScriptedPrompt {
    pub fn answer(&self, answer: Result<&str, prompt::Error>) {
        self.answers
            .borrow_mut()
            .push_back(answer.map(str::to_owned));
    }

    pub fn count(&self) -> usize {
        self.asked.borrow().len()
    }
}

impl Prompter for ScriptedPrompt {
    fn ask(&self, question: &Question) -> Result<prompt::Code, prompt::Error> {
        self.asked.borrow_mut().push(question.mfa_serial.to_owned());
        self.answers
            .borrow_mut()
            .pop_front()
            .expect("an unexpected MFA prompt")
            .map(prompt::Code::new)
    }

    fn choose(&self, title: &str, _: &[String]) -> Result<usize, prompt::Error> {
        panic!("an unexpected choice: {title}")
    }
}

/// What STS was asked, without the base secret. For AssumeRole,
/// `operation` names the role, session name and external id, and
/// `mfa_serial`/`code` are empty when no MFA was sent,
/// and `duration` is zero when none was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsCall {
    pub operation: String,
    pub key_id: String,
    pub region: String,
    pub mfa_serial: String,
    pub code: String,
    pub duration: Duration,
}

/// Issues sessions from a script; panics on a call nobody expected.
#[derive(Default)]
pub struct ScriptedSts {
    pub results: RefCell<VecDeque<Result<Session, sts::Error>>>,
    pub calls: RefCell<Vec<StsCall>>,
    /// GetCallerIdentity's answers.
    pub callers: RefCell<VecDeque<Result<String, sts::Error>>>,
}

impl ScriptedSts {
    pub fn will(&self, result: Result<Session, sts::Error>) {
        self.results.borrow_mut().push_back(result);
    }

    pub fn count(&self) -> usize {
        self.calls.borrow().len()
    }
}

impl StsApi for ScriptedSts {
    fn caller_identity(&self, caller: &Caller) -> Result<Identity, sts::Error> {
        let arn = self.callers.borrow_mut().pop_front().unwrap_or_else(|| {
            panic!(
                "an unexpected GetCallerIdentity for {}",
                caller.base.access_key_id()
            )
        })?;
        Ok(Identity { arn, date: None })
    }

    fn session(&self, request: &SessionRequest) -> Result<Credentials, sts::Error> {
        self.calls.borrow_mut().push(StsCall {
            operation: "GetSessionToken".to_owned(),
            key_id: request.caller.base.access_key_id().to_owned(),
            region: request.caller.region.to_owned(),
            mfa_serial: request.mfa_serial.to_owned(),
            code: request.code.to_owned(),
            duration: request.duration,
        });
        self.next()
    }

    fn assume_role(&self, request: &RoleRequest) -> Result<Credentials, sts::Error> {
        let (serial, code) = request.mfa.unwrap_or_default();
        self.calls.borrow_mut().push(StsCall {
            operation: format!(
                "AssumeRole {} as {} with {:?}",
                request.role_arn, request.session_name, request.external_id
            ),
            key_id: request.caller.base.access_key_id().to_owned(),
            region: request.caller.region.to_owned(),
            mfa_serial: serial.to_owned(),
            code: code.to_owned(),
            duration: request.duration.unwrap_or_default(),
        });
        self.next()
    }
}

impl ScriptedSts {
    /// The next scripted answer, as the real STS gives it: the session's
    /// credentials.
    fn next(&self) -> Result<Credentials, sts::Error> {
        self.results
            .borrow_mut()
            .pop_front()
            .expect("an unexpected STS call")
            .map(|session| session.credentials().clone())
    }
}

/// What happens elsewhere just before one `load`: another process caching a
/// session, time passing.
pub type Meanwhile = Box<dyn FnOnce(&MemoryStore)>;

/// A keyring in memory, with failures on demand.
#[derive(Default)]
pub struct MemoryStore {
    pub sessions: RefCell<HashMap<String, Session>>,
    pub fail_load: Cell<bool>,
    pub fail_save: Cell<bool>,
    pub saves: Cell<usize>,
    /// Run one each before the next loads, in order.
    pub meanwhile: RefCell<VecDeque<Meanwhile>>,
}

fn account(key: &CacheKey) -> String {
    format!("{}|{}|{:?}", key.profile, key.mfa_serial, key.role_arn)
}

fn unavailable() -> store::Error {
    store::Error::Unavailable {
        backend: "test keyring",
        reason: "it is down".to_owned(),
    }
}

impl MemoryStore {
    /// Has `event` happen just before the next load that has none yet.
    pub fn before_a_load(&self, event: impl FnOnce(&MemoryStore) + 'static) {
        self.meanwhile.borrow_mut().push_back(Box::new(event));
    }

    pub fn put(&self, profile: &str, mfa_serial: &str, session: Session) {
        let key = CacheKey {
            profile: profile.into(),
            mfa_serial: mfa_serial.into(),
            role_arn: None,
        };
        self.sessions.borrow_mut().insert(account(&key), session);
    }

    /// The access key id of the session cached for `profile` and `mfa_serial`.
    pub fn key_id(&self, profile: &str, mfa_serial: &str) -> Option<String> {
        self.get(profile, mfa_serial)
            .map(|session| session.credentials().access_key_id().to_owned())
    }

    pub fn get(&self, profile: &str, mfa_serial: &str) -> Option<Session> {
        let key = CacheKey {
            profile: profile.into(),
            mfa_serial: mfa_serial.into(),
            role_arn: None,
        };
        self.sessions.borrow().get(&account(&key)).cloned()
    }
}

impl SessionStore for MemoryStore {
    fn name(&self) -> &'static str {
        "test keyring"
    }

    fn load(&self, key: &CacheKey) -> Result<Option<Session>, store::Error> {
        let event = self.meanwhile.borrow_mut().pop_front();
        if let Some(event) = event {
            event(self);
        }
        if self.fail_load.get() {
            return Err(unavailable());
        }
        Ok(self.sessions.borrow().get(&account(key)).cloned())
    }

    fn save(&self, key: &CacheKey, session: &Session) -> Result<(), store::Error> {
        self.saves.set(self.saves.get() + 1);
        if self.fail_save.get() {
            return Err(unavailable());
        }
        self.sessions
            .borrow_mut()
            .insert(account(key), session.clone());
        Ok(())
    }

    fn delete(&self, key: &CacheKey) -> Result<bool, store::Error> {
        if self.fail_load.get() {
            return Err(unavailable());
        }
        Ok(self.sessions.borrow_mut().remove(&account(key)).is_some())
    }
}

/// Keeps every message, steps and warnings apart.
#[derive(Default)]
pub struct RecordingLog {
    pub steps: RefCell<Vec<String>>,
    pub warnings: RefCell<Vec<String>>,
}

impl Log for RecordingLog {
    fn step(&self, message: &str) {
        self.steps.borrow_mut().push(message.to_owned());
    }

    fn warn(&self, message: &str) {
        self.warnings.borrow_mut().push(message.to_owned());
    }
}

/// IAM, which no flow test expects to be called.
pub struct NoIam;

impl MfaDevices for NoIam {
    fn list(&self, request: &DeviceRequest) -> Result<Vec<String>, iam::Error> {
        panic!("an unexpected ListMFADevices for {:?}", request.user_name)
    }
}

/// The instance metadata service: the instance's region (`None`: off EC2),
/// and how often it was asked.
#[derive(Default)]
pub struct Instance {
    pub region: Option<&'static str>,
    pub asked: Cell<usize>,
}

impl InstanceRegion for Instance {
    fn region(&self) -> Option<String> {
        self.asked.set(self.asked.get() + 1);
        self.region.map(str::to_owned)
    }
}

/// Everything `commands::run` touches, faked.
pub struct World {
    /// Shared, so that events elsewhere ([`MemoryStore::before_a_load`]) can
    /// move it.
    pub now: Rc<Cell<SystemTime>>,
    pub credentials: ScriptedCredentials,
    pub instance: Instance,
    pub prompt: ScriptedPrompt,
    pub sts: ScriptedSts,
    pub store: MemoryStore,
    pub log: RecordingLog,
    pub config: Option<String>,
    pub env: Vec<(&'static str, String)>,
    lock_dir: tempfile::TempDir,
}

pub struct Run {
    pub result: Result<(), Error>,
    pub stdout: String,
}

impl Clock for World {
    fn now(&self) -> SystemTime {
        self.now.get()
    }
}

impl World {
    /// A world at [`VECTOR_TIME`] whose credential chain yields `credentials`.
    pub fn new(credentials: Option<Credentials>) -> Self {
        World {
            now: Rc::new(Cell::new(at(VECTOR_TIME))),
            credentials: ScriptedCredentials {
                credentials,
                ..Default::default()
            },
            instance: Instance::default(),
            prompt: ScriptedPrompt::default(),
            sts: ScriptedSts::default(),
            store: MemoryStore::default(),
            log: RecordingLog::default(),
            config: None,
            env: Vec::new(),
            lock_dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn with_config(mut self, config: &str) -> Self {
        self.config = Some(config.to_owned());
        self
    }

    /// Runs the helper with `argv` and git's `input`.
    pub fn run(&self, argv: &[&str], input: &str) -> Run {
        let Ok(Command::Run(args)) = cli::parse(argv.iter().copied()) else {
            panic!("not a command line to run: {argv:?}");
        };
        let mut files = HashMap::new();
        if let Some(config) = &self.config {
            files.insert("/home/.aws/config".into(), config.as_bytes().to_vec());
        }
        let mut vars = vec![("HOME", "/home")];
        vars.extend(self.env.iter().map(|(key, value)| (*key, value.as_str())));
        let context = Context {
            env: Env::from_slice(&vars),
            fs: Fs::from_map(files),
            clock: self,
            credentials: &self.credentials,
            instance: &self.instance,
            prompt: &self.prompt,
            sts: &self.sts,
            devices: &NoIam,
            store: &self.store,
            lock_dir: self.lock_dir.path().to_owned(),
            refresh_window: Duration::from_secs(300),
            log: &self.log,
        };
        let mut stdout = Vec::new();
        let result = commands::run(&args, input.as_bytes(), &mut stdout, &context);
        Run {
            result,
            stdout: String::from_utf8(stdout).unwrap(),
        }
    }
}

/// git's request for `host` and `v1/repos/myrepo`.
pub fn request(host: &str) -> String {
    format!("protocol=https\nhost={host}\npath=v1/repos/myrepo\n\n")
}
