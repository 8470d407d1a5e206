//! `doctor`, one scenario per failure: each shown first as a `✘` line with
//! its fix, then fixed as the fix says and shown `✔`, on a scratch HOME
//! with the real git; the AWS scenarios against moto, the CodeCommit-like
//! server in its deny-unless-MFA mode, the IAM Identity Center portal, a
//! real gnome-keyring and a clock moved by faketime.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::codecommit_server::{CodeCommit, FIPS_HOST, HOST};
use crate::support::gitconfig::EXPECTED;
use crate::support::gitconfig::{write_gitconfig, write_gitconfig_for};
use crate::support::keyrings::{gnome_keyring_locked, gnome_keyring_unlocked};
use crate::support::mfa::{LONG_KEY_ID, LONG_SECRET, Mfa};
use crate::support::sso_portal::{Portal, SESSION};
use crate::support::{BINARY, NO_IMDS, Scratch, path_with, run, text};

/// Our helper alone for every URL: the test servers' ports are not 443,
/// which setup's URL sections name.
const FOR_EVERY_URL: &str =
    "[credential]\n\thelper =\n\thelper = mfa-codecommit\n\tuseHttpPath = true\n";

/// What `doctor` printed, and whether it passed.
struct Doctor {
    stdout: String,
    stderr: String,
    passed: bool,
}

impl Doctor {
    fn of(out: Output) -> Self {
        Doctor {
            stdout: text(&out.stdout).to_owned(),
            stderr: text(&out.stderr).to_owned(),
            passed: out.status.success(),
        }
    }

    /// The `✘` line that contains `what`, and the fix under it.
    fn failed(&self, what: &str) -> String {
        let mut lines = self.stdout.lines();
        while let Some(line) = lines.next() {
            if line.starts_with('✘') && line.contains(what) {
                let fix = lines.next().unwrap_or_default();
                assert!(fix.starts_with("  fix: "), "{line}\n{fix}");
                return format!("{line}\n{fix}");
            }
        }
        panic!("no ✘ line with {what:?}:\n{}{}", self.stdout, self.stderr);
    }

    fn skipped_line(&self, what: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.starts_with('–') && line.contains(what))
            .unwrap_or_else(|| panic!("no – line with {what:?}:\n{}{}", self.stdout, self.stderr))
    }

    fn passed_line(&self, what: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.starts_with('✔') && line.contains(what))
            .unwrap_or_else(|| panic!("no ✔ line with {what:?}:\n{}{}", self.stdout, self.stderr))
    }

    /// Every line is a ✔, and the exit status says so.
    fn assert_healthy(&self) {
        assert!(self.passed, "{}{}", self.stdout, self.stderr);
        for line in self.stdout.lines() {
            assert!(line.starts_with('✔'), "{line}\n{}", self.stdout);
        }
        assert_eq!(self.stderr, "");
    }
}

/// `doctor` in `scratch` with only git (STS at a closed port).
fn git_only(scratch: &Scratch, path: &std::ffi::OsStr, args: &[&str]) -> Doctor {
    let mut command = scratch.command(BINARY);
    command
        .env("PATH", path)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("AWS_ENDPOINT_URL_STS", NO_IMDS)
        .env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none")
        .arg("doctor")
        .args(args);
    Doctor::of(run(command, b""))
}

fn git_scratch(gitconfig: &str) -> Scratch {
    let scratch = Scratch::new();
    scratch.write(".gitconfig", gitconfig);
    scratch.write(
        ".aws/config",
        "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n",
    );
    scratch
}

fn setup(scratch: &Scratch) {
    let mut command = scratch.command(BINARY);
    command.env("PATH", path_with(&[])).arg("setup");
    let out = run(command, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_storage_helper_asked_before_ours_is_found_and_setup_fixes_it() {
    let scratch = git_scratch(
        "[credential]\n\thelper = store\n\
         [credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = mfa-codecommit\n\tuseHttpPath = true\n",
    );
    let before = git_only(&scratch, &path_with(&[]), &[]);
    let gitconfig = scratch.path(".gitconfig").display().to_string();
    assert_eq!(
        before.failed("git-codecommit.us-east-1.amazonaws.com"),
        format!(
            "✘ git asks `store` (credential.helper in {gitconfig}) before this helper for \
             git-codecommit.us-east-1.amazonaws.com; any password it has stored answers first\n  \
             fix: git-credential-mfa-codecommit setup (it clears the helper list for CodeCommit URLs first)"
        )
    );
    // FIPS and China hosts: git asks only `store` there.
    assert!(
        before
            .failed("git-codecommit-fips.us-east-1.amazonaws.com")
            .contains("git asks store for")
    );
    assert!(!before.passed);
    setup(&scratch);
    let after = git_only(&scratch, &path_with(&[]), &[]);
    for host in [
        "git-codecommit.us-east-1.amazonaws.com,",
        "git-codecommit-fips.us-east-1.amazonaws.com,",
        "git-codecommit.cn-north-1.amazonaws.com.cn,",
    ] {
        assert_eq!(
            after.passed_line(host),
            format!(
                "✔ git asks only this helper for {host} after a reset of the list, with the path"
            )
        );
    }
}

#[test]
fn a_use_http_path_set_false_is_found_and_a_storage_helper_after_ours_is_harmless() {
    let scratch = git_scratch(&format!(
        "{EXPECTED}[credential \"https://git-codecommit.us-east-1.amazonaws.com\"]\n\thelper = cache\n\tuseHttpPath = false\n"
    ));
    let url = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/myrepo";
    let before = git_only(&scratch, &path_with(&[]), &[url]);
    let gitconfig = scratch.path(".gitconfig").display().to_string();
    let key = "credential.https://git-codecommit.us-east-1.amazonaws.com";
    assert_eq!(
        before.failed("no repository path"),
        format!(
            "✘ git sends the helper no repository path for {url} (useHttpPath is not true), so it cannot sign\n  \
             fix: git config --file {gitconfig} {key}.usehttppath true"
        )
    );
    // The fix, as printed.
    let mut git = scratch.command("git");
    git.args([
        "config",
        "--file",
        &gitconfig,
        &format!("{key}.usehttppath"),
        "true",
    ]);
    assert!(run(git, b"").status.success());
    let after = git_only(&scratch, &path_with(&[]), &[url]);
    // git 2.46 and later hand a helper after ours an ephemeral answer,
    // which it does not store (see the unit tests for older git).
    assert_eq!(
        after.passed_line(url),
        format!(
            "✔ git asks only this helper for {url}, after a reset of the list, with the path \
             (then `cache`: git gives them only ephemeral passwords, which they do not keep)"
        )
    );
}

#[test]
fn use_http_path_unset_is_found_and_setup_fixes_it() {
    let scratch = git_scratch(
        "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper =\n\thelper = mfa-codecommit\n",
    );
    let before = git_only(&scratch, &path_with(&[]), &[]);
    assert_eq!(
        before.failed("no repository path for git-codecommit.us-east-1"),
        "✘ git sends the helper no repository path for git-codecommit.us-east-1.amazonaws.com \
         (useHttpPath is not true), so it cannot sign\n  fix: git-credential-mfa-codecommit setup"
    );
    setup(&scratch);
    let after = git_only(&scratch, &path_with(&[]), &[]);
    after.passed_line("only this helper for git-codecommit.us-east-1.amazonaws.com, after a reset of the list, with the path");
}

#[test]
fn the_helper_missing_from_gits_path_is_found() {
    let scratch = git_scratch(EXPECTED);
    let dir = Path::new(BINARY).parent().unwrap();
    // This process's PATH without any directory holding the helper (an
    // installed copy, or the built one).
    let without = std::env::join_paths(
        std::env::split_paths(&std::env::var_os("PATH").unwrap())
            .filter(|dir| !dir.join("git-credential-mfa-codecommit").exists()),
    )
    .unwrap();
    let before = git_only(&scratch, &without, &[]);
    assert_eq!(
        before.failed("finds no"),
        format!(
            "✘ git finds no git-credential-mfa-codecommit on git's PATH\n  fix: add {} to PATH \
             (GUI git clients take PATH from the desktop session), or name the program by its full path in the helper line",
            dir.display()
        )
    );
    let after = git_only(&scratch, &path_with(&[]), &[]);
    assert_eq!(
        after.passed_line("git runs this program"),
        format!(
            "✔ git runs this program ({}, version {})",
            dir.join("git-credential-mfa-codecommit").display(),
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[test]
fn a_config_file_git_cannot_read_is_named_not_taken_for_no_helpers() {
    let scratch = git_scratch("[credential\n\thelper = store\n");
    let doctor = git_only(&scratch, &path_with(&[]), &[]);
    let line = doctor.failed("git cannot read its configuration");
    assert!(line.contains(".gitconfig"), "{line}");
    assert!(
        !doctor.stdout.contains("git asks no credential helper"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn a_new_user_without_aws_keys_is_told_to_configure_them() {
    let scratch = Scratch::new();
    scratch.write(".gitconfig", EXPECTED);
    let mut command = scratch.command(BINARY);
    command
        .env("PATH", path_with(&[]))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none")
        .arg("doctor");
    let doctor = Doctor::of(run(command, b""));
    assert_eq!(
        doctor.failed("gives no credentials"),
        "✘ profile default gives no credentials: no keys, IAM Identity Center, credential_process or role in it, \
         none in the environment\n  fix: aws configure --profile default"
    );
    assert!(!doctor.passed);
    // Nothing says the account asks for MFA: not a problem of its own.
    assert_eq!(
        doctor.skipped_line("names no MFA device"),
        "– profile default names no MFA device (mfa_serial): its requests carry no MFA"
    );
    assert!(
        doctor
            .stderr
            .ends_with("doctor found 1 problem(s); each line marked ✘ above says how to fix it\n"),
        "{}",
        doctor.stderr
    );
}

#[test]
fn a_codecommit_url_needs_no_helper_configuration() {
    // A storage helper for everything: git-remote-codecommit's own entries
    // come after it and reset the list.
    let scratch = git_scratch("[credential]\n\thelper = store\n");
    let url = "codecommit::us-east-1://myrepo";
    let doctor = git_only(&scratch, &path_with(&[]), &[url]);
    assert_eq!(
        doctor.passed_line(url),
        format!("✔ git asks only this helper for {url}, after a reset of the list, with the path")
    );
    assert!(
        doctor
            .failed("git-codecommit.us-east-1.amazonaws.com")
            .contains("git asks store for")
    );
}

#[test]
fn helper_lists_match_urls_as_git_itself_matches_them() {
    // Each pattern alone, asked through the real `git credential fill`.
    let url = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r";
    for pattern in [
        "https://git-codecommit.*.amazonaws.com",
        "https://GIT-codecommit.us-east-1.amazonaws.com:443/",
        "https://*.us-east-1.amazonaws.com/v1",
        "https://git-codecommit.*.amazonaws.com/v1/repos/r",
        "https://git-codecommit.*.amazonaws.com/v1/rep",
        "https://*.amazonaws.com",
        "https://git-codecommit.*.amazonaws.com:8443",
        "http://git-codecommit.*.amazonaws.com",
        "https://bob@git-codecommit.*.amazonaws.com",
        "git-codecommit.us-east-1.amazonaws.com",
        "git-codecommit.*.amazonaws.com",
        "https://git-codecommit.*.*.com",
    ] {
        let scratch = git_scratch(&format!(
            "[credential \"{pattern}\"]\n\thelper = !mfa-codecommit-spy\n\
             [credential]\n\tuseHttpPath = true\n"
        ));
        let mut git = scratch.command("git");
        git.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_TRACE", scratch.path("trace"))
            .args(["credential", "fill"]);
        run(git, format!("url={url}\n\n").as_bytes());
        let trace = std::fs::read_to_string(scratch.path("trace")).unwrap_or_default();
        let git_asked = trace.contains("mfa-codecommit-spy");
        let doctor = git_only(&scratch, &path_with(&[]), &[url]);
        let doctor_asked = doctor
            .stdout
            .contains(&format!("git asks !mfa-codecommit-spy for {url}"));
        assert_eq!(doctor_asked, git_asked, "{pattern}:\n{}", doctor.stdout);
    }
}

#[test]
#[ignore = "needs moto, python3 and openssl, and kernel keyutils: run by .ci/run"]
fn a_healthy_setup_prints_only_checks_passed_and_a_missing_repository_is_a_404() {
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    let url = mfa.server.url("myrepo");
    write_gitconfig(&mfa, FOR_EVERY_URL);
    // No session yet: the repository is not tried, and nothing is asked.
    let first = doctor(&mfa, &[&url]);
    assert!(first.passed, "{}{}", first.stdout, first.stderr);
    assert!(
        first
            .stdout
            .contains("not tried: there is no cached MFA session"),
        "{}",
        first.stdout
    );
    assert_eq!(
        crate::support::codecommit_server::sts_calls(&mfa.moto.endpoint).0,
        0
    );
    // --login asks (mfa_process) once; then all is well.
    let login = doctor(&mfa, &["--login", &url]);
    login.assert_healthy();
    let healthy = doctor(&mfa, &[&url]);
    healthy.assert_healthy();
    assert_eq!(
        crate::support::codecommit_server::sts_calls(&mfa.moto.endpoint).0,
        1
    );
    healthy.passed_line(&format!("GET {url}/info/refs?service=git-upload-pack: 200"));
    healthy.passed_line("MFA session of profile default");
    healthy.passed_line("STS in us-east-1 knows the keys as arn:aws:");
    print!("{}", healthy.stdout);
    // The same repository as a codecommit:// URL, reached through the
    // server's port as CODE_COMMIT_ENDPOINT says.
    let mut remote = doctor_command(&mfa, &["codecommit::us-east-1://myrepo"]);
    let endpoint = url
        .trim_start_matches("https://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    remote.env("CODE_COMMIT_ENDPOINT", &endpoint);
    let remote = Doctor::of(run(remote, b""));
    remote.assert_healthy();
    remote.passed_line(&format!(
        "GET https://{endpoint}/v1/repos/myrepo/info/refs?service=git-upload-pack: 200"
    ));
    // A repository that is not there.
    let missing = mfa.server.url("nosuch");
    let before = doctor(&mfa, &[&missing]);
    assert_eq!(
        before.failed("404"),
        format!(
            "✘ GET {missing}/info/refs?service=git-upload-pack: 404: there is no repository nosuch in us-east-1\n  \
             fix: check the name and the region (aws codecommit list-repositories --region us-east-1)"
        )
    );
    assert!(!before.passed);
    mfa.server.create_repo("nosuch");
    doctor(&mfa, &[&missing]).assert_healthy();
}

#[test]
#[ignore = "needs moto, python3 and openssl, and kernel keyutils: run by .ci/run"]
fn a_profile_without_mfa_serial_meets_a_403_read_as_needs_mfa() {
    let mfa = Mfa::new();
    let url = mfa.server.url("myrepo");
    write_gitconfig(
        &mfa,
        "[credential]\n\thelper =\n\thelper = mfa-codecommit --profile nomfa\n\tuseHttpPath = true\n",
    );
    let before = doctor(&mfa, &[&url]);
    print!("{}", before.stdout);
    before.passed_line("AWS profile nomfa (from --profile in git's helper line)");
    // moto's IAM lists no device for the user: the 403 below is the ✘.
    assert_eq!(
        before.skipped_line("names no MFA device"),
        "– profile nomfa names no MFA device (mfa_serial): its requests carry no MFA"
    );
    assert_eq!(
        before.failed("403"),
        format!(
            "✘ GET {url}/info/refs?service=git-upload-pack: 403 for keys without MFA: this account needs MFA\n  \
             fix: add mfa_serial to profile nomfa (git-credential-mfa-codecommit login --profile nomfa finds it)"
        )
    );
    assert!(!before.passed);
    // The fix: the device named, and a session made.
    mfa.scratch.write(
        ".aws/config",
        &format!(
            "[default]\nmfa_serial = {}\n[profile nomfa]\nmfa_serial = {}-nomfa\nmfa_process = echo 123456\n",
            mfa.serial, mfa.serial
        ),
    );
    doctor(&mfa, &["--login", &url]).assert_healthy();
    doctor(&mfa, &[&url]).assert_healthy();
}

#[test]
#[ignore = "needs moto, python3 and openssl: run by .ci/run"]
fn a_profile_without_mfa_serial_is_healthy_where_the_account_asks_for_none() {
    let mfa = Mfa::new();
    // A CodeCommit whose account does not require MFA: long-term keys pull.
    let open = CodeCommit::start(&[(LONG_KEY_ID, LONG_SECRET, None)]);
    open.create_repo("myrepo");
    write_gitconfig_for(
        &mfa,
        &open,
        "[credential]\n\thelper =\n\thelper = mfa-codecommit --profile nomfa\n\tuseHttpPath = true\n",
    );
    let url = open.url("myrepo");
    let healthy = doctor(&mfa, &[&url]);
    print!("{}", healthy.stdout);
    healthy.assert_healthy();
    assert_eq!(
        healthy.passed_line("names no MFA device"),
        "✔ profile nomfa names no MFA device (mfa_serial), and the repository answers without: \
         this account does not ask for MFA here"
    );
}

#[test]
#[ignore = "needs moto, python3 and openssl, and kernel keyutils: run by .ci/run"]
fn a_403_with_an_mfa_session_names_the_permission_the_caller_lacks() {
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    // A CodeCommit that knows none of these keys, as one whose policy
    // grants them nothing.
    let other = CodeCommit::start(&[]);
    other.create_repo("myrepo");
    write_gitconfig_for(&mfa, &other, FOR_EVERY_URL);
    let url = other.url("myrepo");
    let before = doctor(&mfa, &["--login", &url]);
    assert_eq!(
        before.failed("403"),
        format!(
            "✘ GET {url}/info/refs?service=git-upload-pack: 403: arn:aws:sts::123456789012:user/moto may not pull myrepo\n  \
             fix: ask for codecommit:GitPull (and GitPush) on arn:aws:codecommit:us-east-1:123456789012:myrepo \
             for arn:aws:sts::123456789012:user/moto"
        )
    );
    // Granted (the MFA-enforcing server knows the session): a 200.
    write_gitconfig(&mfa, FOR_EVERY_URL);
    let url = mfa.server.url("myrepo");
    doctor(&mfa, &[&url]).assert_healthy();
}

#[test]
#[ignore = "needs moto (IAM and STS), python3, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn a_profile_without_mfa_serial_is_told_the_device_iam_lists() {
    let user = crate::support::iam_user::User::with_devices(1);
    user.scratch.write(".gitconfig", EXPECTED);
    let doctor = || {
        let mut command = user.command_line(&["doctor"]);
        command
            .env("PATH", path_with(&[]))
            .env("GIT_CONFIG_NOSYSTEM", "1");
        Doctor::of(run(command, b""))
    };
    let serial = &user.serials[0];
    assert_eq!(
        doctor().failed("names no MFA device"),
        format!(
            "✘ profile default names no MFA device (mfa_serial): its requests carry no MFA, which accounts that require MFA refuse\n  \
             fix: git-credential-mfa-codecommit login --profile default (it records {serial}, the device IAM lists)"
        )
    );
    user.login(None);
    let after = doctor();
    after.assert_healthy();
    after.passed_line(&format!("MFA device {serial}, sessions of 43200 s"));
}

#[test]
#[ignore = "needs moto, python3 and openssl: run by .ci/run"]
fn a_profile_without_mfa_serial_is_told_every_device_iam_lists() {
    let user = crate::support::iam_user::User::with_devices(2);
    user.scratch.write(".gitconfig", EXPECTED);
    let mut command = user.command_line(&["doctor"]);
    command
        .env("PATH", path_with(&[]))
        .env("GIT_CONFIG_NOSYSTEM", "1");
    let doctor = Doctor::of(run(command, b""));
    let mut serials = user.serials.clone();
    serials.sort();
    let line = doctor.failed("names no MFA device");
    let listed = line
        .split_once("the devices IAM lists: ")
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    let mut named: Vec<String> = listed.split(", ").map(str::to_owned).collect();
    named.sort();
    assert_eq!(named, serials, "{line}");
}

#[test]
#[ignore = "needs moto, python3 and openssl, and kernel keyutils: run by .ci/run"]
fn a_role_profile_is_checked_through_its_source_profiles_keys() {
    let mfa = Mfa::new();
    write_gitconfig(&mfa, EXPECTED);
    mfa.scratch.write(
        ".aws/config",
        &format!(
            "[default]\nregion = us-east-1\n[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\n\
             source_profile = default\nmfa_serial = {}\n",
            mfa.serial
        ),
    );
    let ops = doctor(&mfa, &["--profile", "ops"]);
    ops.assert_healthy();
    let credentials = mfa.scratch.path(".aws/credentials").display().to_string();
    ops.passed_line(&format!(
        "credentials from keys of profile default in {credentials}: key {}",
        crate::support::mfa::LONG_KEY_ID
    ));
    ops.passed_line(&format!(
        "MFA device {}, sessions of 3600 s, for role arn:aws:iam::123456789012:role/ops",
        mfa.serial
    ));
}

#[test]
#[ignore = "needs moto, python3 and faketime: run by .ci/run"]
fn a_clock_six_minutes_off_is_found_against_sts() {
    crate::support::require("faketime");
    let mfa = Mfa::new();
    write_gitconfig(&mfa, EXPECTED);
    let mut skewed = mfa.scratch.command("faketime");
    skewed.envs(mfa.env()).args(["-f", "+6m", BINARY, "doctor"]);
    let before = Doctor::of(run(skewed, b""));
    let line = before.failed("STS's");
    assert!(
        line.starts_with("✘ this clock is 6 min ") && line.contains(" s ahead of STS's: AWS refuses signatures more than 5 minutes off, so every push fails\n  fix: turn on time synchronisation"),
        "{line}"
    );
    let after = doctor(&mfa, &[]);
    assert!(
        after
            .passed_line("this clock is within")
            .ends_with(" s of STS's")
    );
}

#[test]
#[ignore = "needs python3, dbus-run-session, gnome-keyring and kernel keyutils: run by .ci/run"]
fn a_locked_secret_service_is_found_with_the_fallback_in_use() {
    crate::support::require("dbus-run-session");
    crate::support::require("gnome-keyring-daemon");
    let mfa = Mfa::new();
    write_gitconfig(&mfa, EXPECTED);
    let outputs = tempfile::tempdir().unwrap();
    let on_a_bus = |wrapper: &[&str]| {
        let mut command = mfa.scratch.command(wrapper[0]);
        command
            .envs(mfa.env())
            .env_remove("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING")
            .current_dir(outputs.path())
            .args(&wrapper[1..])
            .args([BINARY, "doctor"]);
        command
    };
    let unlocked = gnome_keyring_unlocked();
    let fixed = Doctor::of(run(on_a_bus(&unlocked), b""));
    fixed.passed_line("session cache: Secret Service");
    let locked = gnome_keyring_locked();
    run(on_a_bus(&locked), b"");
    let before = Doctor {
        stdout: std::fs::read_to_string(outputs.path().join("out")).unwrap(),
        stderr: std::fs::read_to_string(outputs.path().join("err")).unwrap(),
        passed: false,
    };
    assert_eq!(
        before.failed("locked"),
        "✘ the Secret Service's default keyring is locked, so MFA sessions are kept in the kernel keyring (keyutils)\n  \
         fix: unlock it, or set GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING to keyutils or secret-service to choose"
    );
    // Choosing the kernel keyring, as the fix says.
    let mut chosen = on_a_bus(&locked);
    chosen.env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "keyutils");
    run(chosen, b"");
    let out = std::fs::read_to_string(outputs.path().join("out")).unwrap();
    assert!(
        out.contains("✔ session cache: kernel keyring (keyutils)\n"),
        "{out}"
    );
}

#[test]
#[ignore = "needs python3 for the IAM Identity Center portal: run by .ci/run"]
fn an_expired_identity_center_login_is_found_and_a_new_login_fixes_it() {
    let portal = Portal::start();
    portal.expire_cached_token();
    let scratch = crate::support::sso_portal::sso_home();
    scratch.write(".gitconfig", EXPECTED);
    let doctor_sso = || {
        let mut command = scratch.command(BINARY);
        command
            .envs(portal.env())
            .env("PATH", path_with(&[]))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("AWS_ENDPOINT_URL_STS", NO_IMDS)
            .env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none")
            .args(["--profile", SESSION.profile, "doctor"]);
        Doctor::of(run(command, b""))
    };
    let expired = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    portal.write_token(&scratch, &SESSION, expired, false);
    let before = doctor_sso();
    let line = before.failed("no credentials from IAM Identity Center");
    assert!(
        line.ends_with(&format!(
            "\n  fix: aws sso login --profile {}",
            SESSION.profile
        )),
        "{line}"
    );
    // `aws sso login` leaves a fresh token.
    let fresh = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    portal.write_token(&scratch, &SESSION, fresh, false);
    portal.update(|state| state["access_tokens"]["cached"]["expired"] = serde_json::json!(false));
    let after = doctor_sso();
    after.passed_line(&format!(
        "credentials from IAM Identity Center (profile {}): key {}",
        SESSION.profile,
        crate::support::sso_portal::KEY_ID
    ));
}

/// `doctor` with `args` in `mfa`'s world.
fn doctor_command(mfa: &Mfa, args: &[&str]) -> Command {
    let mut command = mfa.scratch.command(BINARY);
    command
        .envs(mfa.env())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("doctor")
        .args(args);
    command
}

fn doctor(mfa: &Mfa, args: &[&str]) -> Doctor {
    Doctor::of(run(doctor_command(mfa, args), b""))
}

/// Git for Windows's system config, as its installer writes it: Git
/// Credential Manager for every URL.
const GIT_FOR_WINDOWS_SYSTEM: &str = "[core]\n\tautocrlf = true\n\
    [credential]\n\thelper = manager\n\
    [credential \"helperselector\"]\n\tselected = manager\n";

#[test]
fn git_for_windows_manager_is_named_and_setup_keeps_it_from_codecommit() {
    let scratch = git_scratch("");
    scratch.write(".aws/config", "[default]\nregion = us-east-1\n");
    let system = scratch.write("etc/gitconfig", GIT_FOR_WINDOWS_SYSTEM);
    // A spy Git Credential Manager: it records each time git asks it.
    let asked = scratch.path("manager-asked");
    let spy = scratch.write(
        "spy/git-credential-manager",
        &format!("#!/bin/sh\necho \"$1\" >> '{}'\n", asked.display()),
    );
    std::fs::set_permissions(&spy, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = path_with(&[spy.parent().unwrap()]);
    let doctor = |scratch: &Scratch| {
        let mut command = scratch.command(BINARY);
        command
            .env("PATH", &path)
            .env("GIT_CONFIG_SYSTEM", &system)
            .env("AWS_ENDPOINT_URL_STS", NO_IMDS)
            .env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "none")
            .arg("doctor");
        Doctor::of(run(command, b""))
    };
    let host = "git-codecommit.us-east-1.amazonaws.com";
    assert_eq!(
        doctor(&scratch).failed(host),
        format!(
            "✘ git asks manager for {host}, not this helper\n  fix: git-credential-mfa-codecommit setup"
        )
    );
    setup(&scratch);
    doctor(&scratch).passed_line(&format!("{host},"));
    let fill = |url: &str| {
        let mut git = scratch.command("git");
        git.args(["credential", "fill"])
            .env("PATH", &path)
            .env("GIT_CONFIG_SYSTEM", &system)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("AWS_ACCESS_KEY_ID", "AKIAWINDOWSEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "windows/secret");
        run(git, format!("url={url}\n\n").as_bytes())
    };
    let out = fill(&format!("https://{host}/v1/repos/x"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("username=AKIAWINDOWSEXAMPLE\n"));
    assert!(!asked.exists(), "git asked the manager for CodeCommit");
    fill("https://github.com/a/b");
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), "get\n");
}

/// A self-signed certificate that is its own CA, as `openssl req -x509`
/// makes by default: curl (git) accepts it in `http.sslCAInfo`, rustls
/// refuses it as a CA used as an end entity.
#[test]
#[ignore = "needs moto, python3 and openssl: run by .ci/run"]
fn a_certificate_git_accepts_and_doctors_client_refuses_is_not_called_broken() {
    let mfa = Mfa::new();
    let tls = tempfile::tempdir().unwrap();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "3", "-subj"])
        .arg(format!("/CN={HOST}"))
        .arg("-addext")
        .arg(format!("subjectAltName=DNS:{HOST},DNS:{FIPS_HOST}"))
        .arg("-keyout")
        .arg(tls.path().join("server.key"))
        .arg("-out")
        .arg(tls.path().join("server.pem"))
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    std::fs::copy(tls.path().join("server.pem"), tls.path().join("ca.pem")).unwrap();
    let server = CodeCommit::start_with_tls(
        serde_json::json!({LONG_KEY_ID: {"secret": LONG_SECRET, "session_token": null}}),
        tls.path(),
    );
    server.create_repo("myrepo");
    let helper = "[credential]\n\thelper =\n\thelper = mfa-codecommit --profile nomfa\n\tuseHttpPath = true\n";
    write_gitconfig_for(&mfa, &server, helper);
    let url = server.url("myrepo");
    // git accepts it: a clone's first request, through this helper.
    let mut git = server.git(&mfa.scratch);
    git.envs(mfa.env())
        .args([
            "-c",
            "credential.helper=",
            "-c",
            "credential.helper=mfa-codecommit --profile nomfa",
        ])
        .args(["-c", "credential.useHttpPath=true", "ls-remote", &url]);
    let listed = run(git, b"");
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let doctor = doctor(&mfa, &[&url]);
    assert!(
        doctor
            .skipped_line("not checked: doctor's TLS client refuses")
            .contains("CaUsedAsEndEntity"),
        "{}",
        doctor.stdout
    );
    assert!(doctor.passed, "{}{}", doctor.stdout, doctor.stderr);
}
