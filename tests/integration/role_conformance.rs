//! Role profiles against the real AWS CLI: which identity each side picks.
//!
//! Each [`Case`] is an AWS config with a role profile without MFA (web
//! identity included), and the environment and argv that select it or pass
//! it over, run by `python -m awscli codecommit credential-helper get` and by the
//! helper on the same scratch HOME, one after the other, against the same
//! moto STS (`AWS_ENDPOINT_URL_STS`). moto issues fresh random keys on every
//! call, so the passwords differ; what is compared is the identity: the STS
//! calls moto recorded while each side ran, one line per call (see
//! [`Call::line`]): the action, RoleArn, ExternalId, DurationSeconds and
//! SerialNumber when sent, TokenCode and WebIdentityToken when sent, and
//! which keys signed it: `by <key id>` for keys from the files, the
//! environment or a process, `by call N` for the session moto issued to the
//! N-th call of that same run, `unsigned` for web identity. RoleSessionName
//! is left out (botocore sends `botocore-session-<ts>`, the helper
//! `git-credential-mfa-codecommit`).
//!
//! For each case: the CLI's calls are the case's own (the case says what the
//! CLI does); ours are the CLI's; and each side's answer is signed with the
//! identity its last call got: its username is that session's key id and
//! token, its password verifies with that session's secret, as moto's state
//! holds them (or with the case's keys, where no call is made).
//!
//! All cases run before the test reports, so that one failure lists every
//! disagreement. `ROLE_CONFORMANCE_CASE=<substring>` runs only the cases
//! whose name contains it. Both sides run with `AWS_DEFAULT_REGION` set to
//! the host's region (but in the last case): the CLI calls STS in the
//! configured region, ours in the repository's.
//!
//! Last, a role with an MFA device whose source profile is itself (ours only:
//! the CLI would prompt on a terminal): exactly one AssumeRole, with the
//! code, signed by the profile's own long-term keys.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use git_credential_mfa_codecommit::aws::sigv4;
use serde_json::Value;

use crate::support::aws_cli::{AWS_CLI_HELPER, python};
use crate::support::moto::Moto;
use crate::support::{BINARY, Scratch, attribute, manifest_dir, request, run, text};

const HOST: &str = "git-codecommit.eu-west-1.amazonaws.com";
const REGION: &str = "eu-west-1";
const PATH: &str = "v1/repos/myrepo";

/// The environment's keys.
const ENV_ID: &str = "AKIAENVIRONEXAMPLE01";
const ENV_SECRET: &str = "envSecret/K7MDENG/bPxRfiCYEXAMPLEKEY";
const ENV_KEYS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", ENV_ID),
    ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
];

/// `[base]` in the credentials file: key id AKIABASEEXAMPLE00001.
macro_rules! base_credentials {
    () => {
        "[base]\naws_access_key_id = AKIABASEEXAMPLE00001\naws_secret_access_key = baseSecret/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    };
}
/// The config file's keys, for the section they follow: AKIACONFIGEXAMPLE001.
macro_rules! config_keys {
    () => {
        "aws_access_key_id = AKIACONFIGEXAMPLE001\naws_secret_access_key = configSecret/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    };
}
/// Role `deploy` on profile `base`.
macro_rules! deploy {
    () => {
        "[profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nsource_profile = base\n"
    };
}

/// A token that looks like a JWT; moto takes any.
const TOKEN: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJnaXQtdGVzdCIsImF1ZCI6InN0cy5hbWF6b25hd3MuY29tIn0.c2lnbmF0dXJlLW5vdC1jaGVja2Vk";

/// Both sides get these, with `AWS_ENDPOINT_URL_STS` at moto.
const COMMON_ENV: &[(&str, &str)] = &[
    ("AWS_DEFAULT_REGION", REGION),
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none"),
];

/// One role set-up, and what the AWS CLI does with it.
struct Case {
    name: &'static str,
    /// `~/.aws/config`; `{home}` stands for the scratch HOME.
    config: &'static str,
    /// `~/.aws/credentials`.
    credentials: &'static str,
    /// Other files, relative to HOME; those under `bin/` are made executable.
    files: &'static [(&'static str, &'static str)],
    /// Added to the environment (values may hold `{home}`).
    env: &'static [(&'static str, &'static str)],
    /// Taken out of it.
    unset: &'static [&'static str],
    /// After `credential-helper` for the CLI, and for ours.
    argv: &'static [&'static str],
    /// The CLI's STS calls, in order, as [`Call::line`] writes them.
    calls: &'static [&'static str],
    answer: Answer,
    /// Where ours does better than the CLI (the README says so): its own
    /// calls, answered with the session of the last.
    ours_better: Option<&'static [&'static str]>,
}

/// What the answer is signed with.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// The session moto issued to the run's last call.
    LastSession,
    /// These keys (id, secret), as they are: no session token.
    Keys(&'static str, &'static str),
    /// No answer: both fail, and the CLI's stderr holds this.
    Fails(&'static str),
}

const BASE: Case = Case {
    name: "",
    ours_better: None,
    config: "",
    credentials: "",
    files: &[],
    env: &[],
    unset: &[],
    argv: &["get"],
    calls: &[],
    answer: Answer::LastSession,
};

const CASES: &[Case] = &[
    Case {
        name: "source_profile with keys in the credentials file",
        config: deploy!(),
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "deploy")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/deploy by AKIABASEEXAMPLE00001"],
        ..BASE
    },
    Case {
        name: "source_profile with keys in the config file",
        config: concat!(deploy!(), "[profile base]\n", config_keys!()),
        env: &[("AWS_PROFILE", "deploy")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/deploy by AKIACONFIGEXAMPLE001"],
        ..BASE
    },
    Case {
        name: "source_profile with keys in both files: the credentials file's sign",
        config: concat!(deploy!(), "[profile base]\n", config_keys!()),
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "deploy")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/deploy by AKIABASEEXAMPLE00001"],
        ..BASE
    },
    Case {
        name: "the default profile as the role",
        config: "[default]\nrole_arn = arn:aws:iam::210987654321:role/default\nsource_profile = base\n",
        credentials: base_credentials!(),
        calls: &["AssumeRole arn:aws:iam::210987654321:role/default by AKIABASEEXAMPLE00001"],
        ..BASE
    },
    Case {
        name: "a role chained on a role: the inner role first, the outer one with its session",
        config: "[profile outer]\nrole_arn = arn:aws:iam::210987654321:role/outer\nsource_profile = inner\n\
                 [profile inner]\nrole_arn = arn:aws:iam::111122223333:role/inner\nsource_profile = base\n",
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "outer")],
        calls: &[
            "AssumeRole arn:aws:iam::111122223333:role/inner by AKIABASEEXAMPLE00001",
            "AssumeRole arn:aws:iam::210987654321:role/outer by call 1",
        ],
        ..BASE
    },
    Case {
        name: "a profile that is its own source, with keys beside role_arn: its keys sign",
        config: concat!(
            "[profile self]\nrole_arn = arn:aws:iam::210987654321:role/self\nsource_profile = self\n",
            config_keys!()
        ),
        env: &[("AWS_PROFILE", "self")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/self by AKIACONFIGEXAMPLE001"],
        ..BASE
    },
    Case {
        name: "a source profile with both a role and keys gives its keys, not its role",
        config: concat!(
            "[profile outer]\nrole_arn = arn:aws:iam::210987654321:role/outer\nsource_profile = both\n",
            "[profile both]\nrole_arn = arn:aws:iam::111122223333:role/never\nsource_profile = base\n",
            config_keys!()
        ),
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "outer")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/outer by AKIACONFIGEXAMPLE001"],
        ..BASE
    },
    Case {
        name: "credential_source = Environment under --profile: the environment's keys sign",
        config: "[profile ci]\nrole_arn = arn:aws:iam::210987654321:role/ci\ncredential_source = Environment\n",
        env: ENV_KEYS,
        argv: &["--profile", "ci", "get"],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/ci by AKIAENVIRONEXAMPLE01"],
        ..BASE
    },
    Case {
        name: "external_id and duration_seconds are passed on",
        config: concat!(deploy!(), "external_id = ext-42\nduration_seconds = 1800\n"),
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "deploy")],
        calls: &[
            "AssumeRole arn:aws:iam::210987654321:role/deploy ExternalId=ext-42 DurationSeconds=1800 by AKIABASEEXAMPLE00001",
        ],
        ..BASE
    },
    Case {
        name: "a source profile whose keys come from a credential_process",
        config: "[profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nsource_profile = proc\n\
                 [profile proc]\ncredential_process = {home}/bin/creds\n",
        files: &[(
            "bin/creds",
            "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCESSEXAMPLE01\", \"SecretAccessKey\": \"processSecret/K7MDENG\"}'\n",
        )],
        env: &[("AWS_PROFILE", "deploy")],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/deploy by AKIAPROCESSEXAMPLE01"],
        ..BASE
    },
    Case {
        name: "environment keys with AWS_PROFILE = a role: the environment's keys, no STS call",
        config: deploy!(),
        credentials: base_credentials!(),
        env: &[
            ("AWS_PROFILE", "deploy"),
            ("AWS_ACCESS_KEY_ID", ENV_ID),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ],
        answer: Answer::Keys(ENV_ID, ENV_SECRET),
        ..BASE
    },
    Case {
        name: "environment keys with AWS_PROFILE = a credential_source role: no STS call",
        config: "[profile ci]\nrole_arn = arn:aws:iam::210987654321:role/ci\ncredential_source = Environment\n",
        env: &[
            ("AWS_PROFILE", "ci"),
            ("AWS_ACCESS_KEY_ID", ENV_ID),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ],
        answer: Answer::Keys(ENV_ID, ENV_SECRET),
        ..BASE
    },
    Case {
        name: "environment keys with --profile = a role: the role, on its source's keys",
        config: deploy!(),
        credentials: base_credentials!(),
        env: ENV_KEYS,
        argv: &["--profile", "deploy", "get"],
        calls: &["AssumeRole arn:aws:iam::210987654321:role/deploy by AKIABASEEXAMPLE00001"],
        ..BASE
    },
    Case {
        name: "web_identity_token_file and role_arn in the profile",
        config: "[profile web]\nrole_arn = arn:aws:iam::210987654321:role/web\n\
                 web_identity_token_file = {home}/token\n",
        files: &[("token", TOKEN)],
        env: &[("AWS_PROFILE", "web")],
        calls: &[
            "AssumeRoleWithWebIdentity arn:aws:iam::210987654321:role/web WebIdentityToken unsigned",
        ],
        ..BASE
    },
    Case {
        name: "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN in the environment",
        files: &[("token", TOKEN)],
        env: &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "{home}/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::210987654321:role/web-env"),
        ],
        calls: &[
            "AssumeRoleWithWebIdentity arn:aws:iam::210987654321:role/web-env WebIdentityToken unsigned",
        ],
        ..BASE
    },
    Case {
        name: "no region but the host's: the CLI has no region for its STS client",
        config: deploy!(),
        credentials: base_credentials!(),
        env: &[("AWS_PROFILE", "deploy")],
        unset: &["AWS_DEFAULT_REGION"],
        answer: Answer::Fails("You must specify a region"),
        // Ours calls STS in the repository's region, which the host names.
        ours_better: Some(&[
            "AssumeRole arn:aws:iam::210987654321:role/deploy by AKIABASEEXAMPLE00001",
        ]),
        ..BASE
    },
];

/// One STS request moto recorded.
#[derive(Debug)]
struct Call {
    action: String,
    role_arn: Option<String>,
    external_id: Option<String>,
    duration_seconds: Option<String>,
    serial_number: Option<String>,
    token_code: bool,
    web_identity_token: bool,
    /// The access key id in the Authorization header's `Credential=`.
    signer: Option<String>,
}

impl Call {
    /// From the parameters `tests/support/codecommit_server.py` reads out
    /// of a recorded request (`Signer` added).
    fn from_params(params: &Value) -> Self {
        let get = |name: &str| params[name].as_str().map(str::to_owned);
        Call {
            action: get("Action").unwrap_or_default(),
            role_arn: get("RoleArn"),
            external_id: get("ExternalId"),
            duration_seconds: get("DurationSeconds"),
            serial_number: get("SerialNumber"),
            token_code: get("TokenCode").is_some(),
            web_identity_token: get("WebIdentityToken").is_some(),
            signer: get("Signer"),
        }
    }

    /// The call in one line; a signer that is the session moto issued to
    /// call N of `issued` (the run's sessions, in order) is `by call N`.
    fn line(&self, issued: &[Value]) -> String {
        let mut line = self.action.clone();
        if let Some(role_arn) = &self.role_arn {
            write!(line, " {role_arn}").unwrap();
        }
        for (name, value) in [
            ("ExternalId", &self.external_id),
            ("DurationSeconds", &self.duration_seconds),
            ("SerialNumber", &self.serial_number),
        ] {
            if let Some(value) = value {
                write!(line, " {name}={value}").unwrap();
            }
        }
        for (name, sent) in [
            ("TokenCode", self.token_code),
            ("WebIdentityToken", self.web_identity_token),
        ] {
            if sent {
                write!(line, " {name}").unwrap();
            }
        }
        match &self.signer {
            None => line.push_str(" unsigned"),
            Some(key) => match issued
                .iter()
                .position(|session| session["access_key_id"] == key.as_str())
            {
                Some(call) => write!(line, " by call {}", call + 1).unwrap(),
                None => write!(line, " by {key}").unwrap(),
            },
        }
        line
    }
}

/// What one side did in one run.
struct Run {
    tool: &'static str,
    out: Output,
    took: Duration,
    calls: Vec<Call>,
    /// The role sessions moto issued during the run, in order: one per call.
    sessions: Vec<Value>,
}

impl Run {
    fn lines(&self) -> Vec<String> {
        self.calls
            .iter()
            .map(|call| call.line(&self.sessions))
            .collect()
    }

    /// Everything about the run, for a failure message; the answer with its
    /// session token and signature cut short.
    fn report(&self) -> String {
        let answer: Vec<String> = text(&self.out.stdout)
            .lines()
            .map(|line| match line.split_once('%') {
                Some((key_id, _)) => format!("{key_id}%…"),
                None if line.starts_with("password=") => {
                    format!("{}…", line.get(..25).unwrap_or(line))
                }
                None => line.to_owned(),
            })
            .collect();
        format!(
            "  {}: exit {:?}, calls {:#?}\n  stdout {answer:?}\n  stderr {:?}",
            self.tool,
            self.out.status.code(),
            self.lines(),
            text(&self.out.stderr)
        )
    }
}

/// Prints moto's recorded STS requests (as the CodeCommit-like server reads
/// them) and its role sessions, both oldest first.
const SNAPSHOT: &str = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
import codecommit_server as server
calls = []
for _, params in server.sts_calls(sys.argv[2]):
    params["Signer"] = params.pop(server.SIGNER, None)
    calls.append(params)
state = json.loads(server.moto_get(sys.argv[2], "/moto-api/data.json"))
print(json.dumps({"calls": calls, "sessions": state.get("sts", {}).get("AssumedRole", [])}))
"#;

/// Runs commands against moto, one at a time, and tells each run's STS
/// calls and sessions from those of the runs before.
struct Observer<'a> {
    moto: &'a Moto,
    calls: usize,
    sessions: usize,
}

impl<'a> Observer<'a> {
    fn new(moto: &'a Moto) -> Self {
        Observer {
            moto,
            calls: 0,
            sessions: 0,
        }
    }

    /// moto's recorded STS requests and role sessions so far.
    fn snapshot(&self) -> (Vec<Value>, Vec<Value>) {
        let out = Command::new("python3")
            .args(["-c", SNAPSHOT])
            .arg(manifest_dir().join("tests/support"))
            .arg(&self.moto.endpoint)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let mut snapshot: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut take = |key: &str| match snapshot[key].take() {
            Value::Array(items) => items,
            other => panic!("moto's {key}: {other}"),
        };
        (take("calls"), take("sessions"))
    }

    /// Runs `command` with git's request and collects what it asked STS.
    fn run(&mut self, tool: &'static str, command: Command) -> Run {
        let started = Instant::now();
        let out = run(command, &request(HOST, Some(PATH)));
        let took = started.elapsed();
        let (calls, sessions) = self.snapshot();
        let calls: Vec<Call> = calls[self.calls..].iter().map(Call::from_params).collect();
        let sessions = sessions[self.sessions..].to_vec();
        self.calls += calls.len();
        self.sessions += sessions.len();
        // moto answers one request at a time, and every call here makes a
        // session: the N-th session is the N-th call's.
        assert_eq!(
            calls
                .iter()
                .map(|call| call.role_arn.as_deref())
                .collect::<Vec<_>>(),
            sessions
                .iter()
                .map(|session| session["role_arn"].as_str())
                .collect::<Vec<_>>(),
            "{tool}: moto's sessions do not pair with its calls"
        );
        Run {
            tool,
            out,
            took,
            calls,
            sessions,
        }
    }
}

/// `text` with `{home}` replaced by the scratch HOME.
fn expand(text: &str, scratch: &Scratch) -> String {
    text.replace("{home}", &scratch.home.path().display().to_string())
}

/// A scratch HOME holding the case's files.
fn home_for(case: &Case) -> Scratch {
    let scratch = Scratch::new();
    scratch.write(".aws/config", &expand(case.config, &scratch));
    scratch.write(".aws/credentials", case.credentials);
    for (relative, content) in case.files {
        let path = scratch.write(relative, &expand(content, &scratch));
        if relative.starts_with("bin/") {
            std::fs::set_permissions(&path, PermissionsExt::from_mode(0o755)).unwrap();
        }
    }
    scratch
}

/// `program args` with the case's argv and environment, STS at moto.
fn command(scratch: &Scratch, case: &Case, moto: &Moto, program: &str, args: &[&str]) -> Command {
    let mut command = scratch.command(program);
    command
        .args(args)
        .args(case.argv)
        .envs(COMMON_ENV.iter().copied())
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint);
    for (name, value) in case.env {
        command.env(name, expand(value, scratch));
    }
    for name in case.unset {
        command.env_remove(name);
    }
    command
}

/// What is wrong with `run`'s answer, given what it should be signed with.
fn answer_problem(run: &Run, answer: Answer) -> Option<String> {
    let stdout = &run.out.stdout;
    let (username, secret) = match answer {
        Answer::Fails(says) => {
            let failed = !run.out.status.success() && stdout.is_empty();
            let said = run.tool != "aws cli" || text(&run.out.stderr).contains(says);
            return (!failed || !said).then(|| format!("should fail saying {says:?}"));
        }
        Answer::Keys(id, secret) => (id.to_owned(), secret),
        Answer::LastSession => {
            let Some(session) = run.sessions.last() else {
                return Some("no session to sign with".to_owned());
            };
            (
                format!(
                    "{}%{}",
                    session["access_key_id"].as_str().unwrap(),
                    session["session_token"].as_str().unwrap()
                ),
                session["secret_access_key"].as_str().unwrap(),
            )
        }
    };
    if !run.out.status.success() {
        return Some("failed".to_owned());
    }
    if attribute(stdout, "username") != Some(username.as_str()) {
        return Some(format!("the username is not {username:?}"));
    }
    let password = attribute(stdout, "password").unwrap_or_default();
    let stamp = password.get(..15).unwrap_or_default();
    let Ok(signed_at) = NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S") else {
        return Some(format!("the password {password:?} has no timestamp"));
    };
    let target = sigv4::Target {
        host: HOST,
        path: &format!("/{PATH}"),
        region: REGION,
    };
    (password != sigv4::password(secret, &target, signed_at.and_utc().into()))
        .then(|| "the password is not signed with that identity's secret".to_owned())
}

/// Every way in which the runs depart from the case, and ours from the CLI's.
fn problems(case: &Case, cli: &Run, ours: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    if cli.lines() != case.calls {
        problems.push(format!(
            "the CLI's STS calls are not the case's {:#?}\n{}",
            case.calls,
            cli.report()
        ));
    }
    let (expected, ours_answer) = match case.ours_better {
        Some(calls) => (
            calls.iter().map(|call| call.to_string()).collect(),
            Answer::LastSession,
        ),
        None => (cli.lines(), case.answer),
    };
    if ours.lines() != expected {
        problems.push(format!(
            "ours made other STS calls than expected {expected:#?}\n{}\n{}",
            cli.report(),
            ours.report()
        ));
    }
    for (run, answer) in [(cli, case.answer), (ours, ours_answer)] {
        if let Some(problem) = answer_problem(run, answer) {
            problems.push(format!("{}: {problem}\n{}", run.tool, run.report()));
        }
    }
    problems
}

#[test]
#[ignore = "needs moto and the AWS CLI (pip install 'moto[server]' awscli): run by .ci/run"]
fn role_profiles_pick_the_aws_clis_identity() {
    let python = python();
    let moto = Moto::start();
    let mut observer = Observer::new(&moto);
    let only = std::env::var("ROLE_CONFORMANCE_CASE").unwrap_or_default();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in CASES.iter().filter(|case| case.name.contains(&only)) {
        let scratch = home_for(case);
        let cli = observer.run(
            "aws cli",
            command(&scratch, case, &moto, &python, AWS_CLI_HELPER),
        );
        let ours = observer.run("ours", command(&scratch, case, &moto, BINARY, &[]));
        let found = problems(case, &cli, &ours);
        eprintln!(
            "{} {} (aws cli {:.2?}, ours {:.2?})",
            if found.is_empty() { "ok  " } else { "FAIL" },
            case.name,
            cli.took,
            ours.took
        );
        failures.extend(
            found
                .into_iter()
                .map(|problem| format!("{}: {problem}", case.name)),
        );
        ran += 1;
    }
    assert!(ran > 0, "no case's name contains {only:?}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
#[ignore = "needs moto's STS server (pip install 'moto[server]'): run by .ci/run"]
fn an_mfa_role_that_is_its_own_source_is_assumed_once_with_the_code() {
    let moto = Moto::start();
    let mut observer = Observer::new(&moto);
    let scratch = Scratch::new();
    const SELF_ID: &str = "AKIASELFEXAMPLE00001";
    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/self";
    const ROLE: &str = "arn:aws:iam::210987654321:role/self-mfa";
    scratch.write(
        ".aws/credentials",
        &format!(
            "[self]\naws_access_key_id = {SELF_ID}\naws_secret_access_key = self/Secret+Key\n"
        ),
    );
    scratch.write(
        ".aws/config",
        &format!(
            "[profile self]\nrole_arn = {ROLE}\nsource_profile = self\n\
             mfa_serial = {SERIAL}\nmfa_process = echo 123456\n"
        ),
    );
    for (argv, env) in [
        (&["get"][..], &[("AWS_PROFILE", "self")][..]),
        (&["--profile", "self", "get"], &[]),
    ] {
        let case = Case { argv, env, ..BASE };
        let ours = observer.run("ours", command(&scratch, &case, &moto, BINARY, &[]));
        let [call] = &ours.calls[..] else {
            panic!("{argv:?}: not one STS call\n{}", ours.report());
        };
        assert_eq!(
            (
                call.action.as_str(),
                call.role_arn.as_deref(),
                call.serial_number.as_deref(),
                call.token_code,
                call.signer.as_deref()
            ),
            ("AssumeRole", Some(ROLE), Some(SERIAL), true, Some(SELF_ID)),
            "{argv:?}\n{}",
            ours.report()
        );
        if let Some(problem) = answer_problem(&ours, Answer::LastSession) {
            panic!("{argv:?}: {problem}\n{}", ours.report());
        }
    }
}
