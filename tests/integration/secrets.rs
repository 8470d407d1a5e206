//! Secrets stay secret: one user's day with verbose output on (`login` with
//! an `mfa_process`, cached `get`s, `status`, a clone through the real git,
//! `erase`, a cold `get` answered by askpass, `credential-process` for the
//! AWS tools (whose JSON answer alone holds the session), `doctor --verbose`
//! trying the repository, a `get` answered
//! at the terminal,
//! a role assumed with a code, a refused code, `logout`), after which no
//! secret key, session token, TOTP code or password appears in anything
//! the helper printed on stderr (or on stdout, but for the answers to
//! `get`), in any file under HOME (which holds TMPDIR, the lock files and
//! the work tree), or in the argv or environment of any process it started.
//!
//! The processes it starts are all spies: `git` (found on PATH), the
//! `mfa_process` and the askpass program record their own
//! `/proc/self/cmdline` and `/proc/self/environ` before doing their job.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use crate::support::codecommit_server::HOST;
use crate::support::mfa::{LONG_SECRET, MOTO_SECRET, MOTO_TOKEN, Mfa};
use crate::support::{BINARY, attribute, files_under, request, run, text};

/// The TOTP code every source gives. Scripts compute it, so that it is in
/// no file; it is typed at the terminal.
const CODE: &str = "914271";
const CODE_SHELL: &str = "echo $((914000 + 271))";
/// A code the helper refuses before STS (five digits).
const BAD_CODE: &str = "70707";
const BAD_CODE_SHELL: &str = "echo $((70000 + 707))";

/// Everything the day left to be searched for secrets.
struct Day {
    mfa: Mfa,
    /// The spies' records: one `<name>.<pid>` file per run.
    spies: tempfile::TempDir,
    /// Every stderr (and non-answer stdout) the helper or git printed.
    printed: Vec<String>,
    /// Every password the helper answered with.
    passwords: Vec<String>,
}

impl Day {
    fn new() -> Self {
        let mfa = Mfa::new();
        let spies = tempfile::tempdir().unwrap();
        let real_git = String::from_utf8(
            Command::new("sh")
                .args(["-c", "command -v git"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let day = Day {
            mfa,
            spies,
            printed: Vec::new(),
            passwords: Vec::new(),
        };
        day.spy("git", &format!("exec {} \"$@\"", real_git.trim()));
        day.spy("ykman", CODE_SHELL);
        day.spy("bad-ykman", BAD_CODE_SHELL);
        day.spy("askpass", CODE_SHELL);
        day
    }

    fn bin(&self) -> std::path::PathBuf {
        self.spies.path().join("bin")
    }

    /// A script `bin/name` that records its argv and environment, then runs `body`.
    fn spy(&self, name: &str, body: &str) {
        let path = self.bin().join(name);
        std::fs::create_dir_all(self.bin()).unwrap();
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\nrecord='{}/{name}.'$$\ncat /proc/$$/cmdline > \"$record.argv\"\n\
                 cat /proc/$$/environ > \"$record.env\"\n{body}\n",
                self.spies.path().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// The helper's environment, verbose, with the spies first on PATH.
    fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = self.mfa.env();
        for (name, value) in &mut env {
            if *name == "PATH" {
                *value = format!("{}:{value}", self.bin().display());
            }
        }
        env.push(("GIT_CREDENTIAL_MFA_CODECOMMIT_VERBOSE", "1".to_owned()));
        env
    }

    fn config(&self, extra: &str) {
        self.mfa.scratch.write(
            ".aws/config",
            &format!(
                "[default]\nmfa_serial = {}\n{extra}[profile nomfa]\n\
                 [profile direct]\nrole_arn = arn:aws:iam::210987654321:role/direct\n\
                 source_profile = nomfa\nmfa_serial = {}\nmfa_process = {}/bad-ykman\n",
                self.mfa.serial,
                self.mfa.serial,
                self.bin().display()
            ),
        );
    }

    /// The helper with `args` and `env` added, without a terminal.
    fn helper(&mut self, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
        let mut command = self.mfa.scratch.command("setsid");
        command
            .envs(self.env())
            .envs(env.iter().copied())
            .args(["-w", BINARY])
            .args(args);
        let out = run(command, stdin);
        self.printed.push(text(&out.stderr).to_owned());
        out
    }

    /// A `get` that must answer; keeps its password, returns its stdout.
    fn get(&mut self, env: &[(&str, &str)]) -> Vec<u8> {
        let out = self.helper(&["get"], &repository(), env);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let password = attribute(&out.stdout, "password").expect("a password");
        self.passwords.push(password.to_owned());
        out.stdout
    }

    /// A command that must succeed and answer no credential.
    fn command(&mut self, args: &[&str]) {
        let out = self.helper(args, b"", &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        self.printed.push(text(&out.stdout).to_owned());
    }

    /// The secrets of the day: none may appear outside the keyring.
    fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![
            LONG_SECRET.to_owned(),
            MOTO_SECRET.to_owned(),
            MOTO_TOKEN.to_owned(),
            CODE.to_owned(),
            BAD_CODE.to_owned(),
        ];
        secrets.extend(self.passwords.iter().cloned());
        // The signature alone, in case a password is ever cut or reformatted.
        secrets.extend(
            self.passwords
                .iter()
                .map(|password| password.split_once('Z').unwrap().1.to_owned()),
        );
        secrets
    }

    /// The spies' records of `name`: (argv, environment) per run.
    fn records(&self, name: &str) -> Vec<(String, String)> {
        let mut records = Vec::new();
        for entry in std::fs::read_dir(self.spies.path()).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_str().unwrap();
            if let Some(run) = file
                .strip_prefix(&format!("{name}."))
                .and_then(|rest| rest.strip_suffix(".argv"))
            {
                let read = |suffix: &str| {
                    let bytes =
                        std::fs::read(self.spies.path().join(format!("{name}.{run}.{suffix}")));
                    String::from_utf8_lossy(&bytes.unwrap()).into_owned()
                };
                records.push((read("argv"), read("env")));
            }
        }
        records
    }
}

fn repository() -> Vec<u8> {
    request(HOST, Some("v1/repos/myrepo"))
}

#[test]
#[ignore = "needs moto, python3, openssl, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn no_secret_reaches_stderr_files_or_child_processes_with_verbose_output_on() {
    let mut day = Day::new();
    let bin = day.bin().display().to_string();

    // login through an mfa_process; cached gets; status.
    day.config(&format!("mfa_process = {bin}/ykman\n"));
    day.command(&["login"]);
    day.get(&[]);
    let cached = day.get(&[]);
    day.command(&["status"]);

    // A clone through the real git, the helper on its cached session.
    let mut clone = day
        .mfa
        .git(&["clone", "--quiet", &day.mfa.server.url("myrepo"), "work"]);
    clone.envs(day.env());
    let out = clone.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    day.printed.push(text(&out.stderr).to_owned());

    // git rejected the password: erase drops the session it was made with.
    let rejected = format!(
        "protocol=https\nhost={HOST}\npath=v1/repos/myrepo\n{}\n",
        text(&cached)
    );
    let out = day.helper(&["erase"], rejected.as_bytes(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // A cold get answered by askpass (no mfa_process, no terminal).
    day.config("");
    day.get(&[("GIT_ASKPASS", &format!("{bin}/askpass"))]);

    // The session for the AWS tools: the JSON goes to the process that
    // asked, on stdout only; stderr is scanned with the rest.
    let out = day.helper(&["credential-process", "--verbose"], b"", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(
        answer.contains(MOTO_SECRET) && answer.contains(MOTO_TOKEN),
        "{answer}"
    );

    // doctor, verbose, trying the repository with the cached session: all
    // it prints is scanned too.
    crate::support::gitconfig::write_gitconfig(&day.mfa, "");
    let url = day.mfa.server.url("myrepo");
    let out = day.helper(&["doctor", "--verbose", &url], b"", &[]);
    let report = text(&out.stdout).to_owned();
    assert!(report.contains(": 200, the repository answers"), "{report}");
    day.printed.push(report);

    // A cold get answered at the terminal.
    day.command(&["logout"]);
    let outputs = tempfile::tempdir().unwrap();
    std::fs::write(outputs.path().join("request"), repository()).unwrap();
    let mut shell = day.mfa.scratch.command("sh");
    shell
        .envs(day.env())
        .current_dir(outputs.path())
        .arg("-c")
        .arg("git-credential-mfa-codecommit get < request > out 2> err");
    assert_eq!(day.mfa.in_terminal(shell, &format!("{CODE}\r")), 1);
    let stdout = std::fs::read(outputs.path().join("out")).unwrap();
    day.passwords
        .push(attribute(&stdout, "password").unwrap().to_owned());
    day.printed
        .push(std::fs::read_to_string(outputs.path().join("err")).unwrap());

    // A role assumed with a code, and a refused code (the role's
    // mfa_process prints five digits): a clear error, no STS call.
    let out = day.helper(&["get"], &repository(), &[("AWS_PROFILE", "direct")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("6-digit"),
        "{}",
        text(&out.stderr)
    );
    day.config(&format!(
        "[profile assumed]\nrole_arn = arn:aws:iam::210987654321:role/direct\n\
         source_profile = nomfa\nmfa_serial = {}\nmfa_process = {bin}/ykman\n",
        day.mfa.serial
    ));
    day.get(&[("AWS_PROFILE", "assumed")]);
    day.command(&["logout", "--all"]);

    // The scan. First, that there was something to scan.
    assert!(
        day.printed.iter().any(|text| text.contains("signing for")),
        "verbose output was on"
    );
    let git_runs = day.records("git");
    assert!(
        git_runs.iter().any(|(argv, _)| argv.contains("config")),
        "the helper asked git config"
    );
    assert!(!day.records("ykman").is_empty() && !day.records("askpass").is_empty());
    assert!(!day.records("bad-ykman").is_empty());

    let secrets = day.secrets();
    for printed in &day.printed {
        for secret in &secrets {
            assert!(!printed.contains(secret.as_str()), "printed: {printed}");
        }
    }
    for name in ["git", "ykman", "bad-ykman", "askpass"] {
        for (argv, env) in day.records(name) {
            for secret in &secrets {
                assert!(
                    !argv.contains(secret.as_str()) && !env.contains(secret.as_str()),
                    "{name} was started with a secret"
                );
            }
        }
    }
    let credentials = day.mfa.scratch.path(".aws/credentials");
    for (path, bytes) in files_under(day.mfa.scratch.home.path()) {
        let content = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            // The user's own long-term secret lives in their credentials file.
            if path == credentials && secret == LONG_SECRET {
                continue;
            }
            assert!(
                !content.contains(secret.as_str()),
                "{path:?} holds a secret"
            );
        }
    }
    day.mfa.logout();
}
