//! `setup` against the real git: the config file it writes (byte for byte),
//! idempotence, replacing a user's helper list, `--undo`, the scopes, what
//! `git config --get-urlmatch` then resolves for every CodeCommit host shape,
//! and finally `git credential fill` reaching the helper by name through PATH.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::gitconfig::EXPECTED;
use crate::support::{BINARY, Scratch, attribute, path_with, run, text};

const STANDARD: &str = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/x";
const GOVCLOUD: &str = "https://git-codecommit.us-gov-west-1.amazonaws.com/v1/repos/x";
const FIPS: &str = "https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/x";
const CHINA: &str = "https://git-codecommit.cn-north-1.amazonaws.com.cn/v1/repos/x";
const VPCE: &str = "https://vpce-0123456789abcdef0-abcdefgh.git-codecommit.us-east-1.vpce.amazonaws.com/v1/repos/x";
const VPCE_AZ: &str = "https://vpce-0123456789abcdef0-abcdefgh-us-east-1a.git-codecommit.us-east-1.vpce.amazonaws.com/v1/repos/x";
const VPCE_FIPS: &str = "https://vpce-0123456789abcdef0-abcdefgh.git-codecommit-fips.us-east-1.vpce.amazonaws.com/v1/repos/x";

/// What `--undo` says last, whatever it removed.
const UNDO_NOTE: &str = "git-remote-codecommit needs no configuration; \
    cargo uninstall git-credential-mfa-codecommit removes it with this helper\n";

/// `program` in the scratch HOME, never reading the machine's system config,
/// never finding a repository above the scratch directory, with the built
/// binaries first on PATH, as after an install.
fn command(scratch: &Scratch, program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = scratch.command(program);
    command
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env(
            "GIT_CEILING_DIRECTORIES",
            scratch.home.path().parent().unwrap(),
        )
        .env("PATH", path_with(&[]));
    command
}

fn setup(scratch: &Scratch, args: &[&str]) -> Output {
    let mut setup = command(scratch, BINARY);
    setup.arg("setup").args(args);
    run(setup, b"")
}

/// `setup` that must succeed; its stdout.
fn ok_setup(scratch: &Scratch, args: &[&str]) -> String {
    let out = setup(scratch, args);
    assert!(
        out.status.success(),
        "setup {args:?}: {}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stderr), "", "setup {args:?}");
    text(&out.stdout).to_owned()
}

fn gitconfig(scratch: &Scratch) -> String {
    std::fs::read_to_string(scratch.path(".gitconfig")).unwrap()
}

/// What git resolves `credential.helper` to for `url`, or `None`.
fn helper_for(scratch: &Scratch, url: &str) -> Option<String> {
    let mut git = command(scratch, "git");
    git.args(["config", "--get-urlmatch", "credential.helper", url]);
    let out = run(git, b"");
    out.status
        .success()
        .then(|| text(&out.stdout).trim_end().to_owned())
}

#[test]
fn setup_on_an_empty_home_writes_one_section_per_host_shape() {
    let scratch = Scratch::new();
    let stdout = ok_setup(&scratch, &[]);
    assert_eq!(gitconfig(&scratch), EXPECTED);
    assert_eq!(
        stdout,
        "configured https://git-codecommit.*.amazonaws.com (--global)\n\
         configured https://git-codecommit-fips.*.amazonaws.com (--global)\n\
         configured https://git-codecommit.*.amazonaws.com.cn (--global)\n"
    );
}

#[test]
fn setup_twice_leaves_the_config_byte_identical() {
    for args in [&[][..], &["--vpce", "--profile", "dev"]] {
        let scratch = Scratch::new();
        ok_setup(&scratch, args);
        let first = std::fs::read(scratch.path(".gitconfig")).unwrap();
        let stdout = ok_setup(&scratch, args);
        assert_eq!(std::fs::read(scratch.path(".gitconfig")).unwrap(), first);
        assert_eq!(
            stdout,
            "nothing to change (--global): git already uses mfa-codecommit for CodeCommit URLs\n"
        );
    }
}

#[test]
fn profile_goes_into_the_helper_line_and_plain_setup_switches_it_back() {
    let scratch = Scratch::new();
    ok_setup(&scratch, &["--profile", "dev"]);
    assert_eq!(
        gitconfig(&scratch),
        EXPECTED.replace(
            "helper = mfa-codecommit\n",
            "helper = mfa-codecommit --profile dev\n"
        )
    );
    assert_eq!(
        helper_for(&scratch, FIPS).as_deref(),
        Some("mfa-codecommit --profile dev")
    );
    let stdout = ok_setup(&scratch, &[]);
    assert_eq!(gitconfig(&scratch), EXPECTED);
    assert!(
        stdout.contains(
            "configured https://git-codecommit.*.amazonaws.com (--global), \
             replacing helper list [\"\", \"mfa-codecommit --profile dev\"]"
        ),
        "{stdout}"
    );
}

#[test]
fn a_users_helper_list_is_replaced_and_reported_and_other_settings_survive_undo() {
    let scratch = Scratch::new();
    let before = "\
[user]
\tname = x
[credential \"https://git-codecommit-fips.*.amazonaws.com\"]
\tusername = bob
\thelper = store
";
    scratch.write(".gitconfig", before);
    let stdout = ok_setup(&scratch, &[]);
    assert!(
        stdout.contains(
            "configured https://git-codecommit-fips.*.amazonaws.com (--global), \
             replacing helper list [\"store\"]\n"
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
    assert_eq!(
        helper_for(&scratch, FIPS).as_deref(),
        Some("mfa-codecommit")
    );
    assert!(
        gitconfig(&scratch).starts_with(
            "[user]\n\tname = x\n\
             [credential \"https://git-codecommit-fips.*.amazonaws.com\"]\n\
             \tusername = bob\n\thelper = \n\thelper = mfa-codecommit\n\tuseHttpPath = true\n"
        ),
        "{}",
        gitconfig(&scratch)
    );

    let stdout = ok_setup(&scratch, &["--undo"]);
    assert_eq!(stdout.lines().count(), 4, "{stdout}");
    assert!(stdout.ends_with(UNDO_NOTE), "{stdout}");
    // The user's `store` is gone (setup replaced it); everything else is back.
    assert_eq!(
        gitconfig(&scratch),
        before.replace("\thelper = store\n", "")
    );
    assert_eq!(helper_for(&scratch, FIPS), None);
}

#[test]
fn undo_returns_a_config_of_unrelated_settings_byte_identical() {
    for args in [&[][..], &["--vpce", "--profile", "dev"]] {
        let scratch = Scratch::new();
        let before = "[user]\n\tname = x\n[credential]\n\thelper = cache\n";
        scratch.write(".gitconfig", before);
        ok_setup(&scratch, args);
        assert_ne!(gitconfig(&scratch), before);
        let stdout = ok_setup(&scratch, &["--undo"]);
        assert!(
            stdout.starts_with("removed mfa-codecommit from "),
            "{stdout}"
        );
        assert_eq!(gitconfig(&scratch), before, "{args:?}");
    }
}

#[test]
fn undo_with_nothing_to_undo_succeeds_and_writes_nothing() {
    let scratch = Scratch::new();
    assert_eq!(
        ok_setup(&scratch, &["--undo"]),
        format!("nothing to undo (--global)\n{UNDO_NOTE}")
    );
    assert!(!scratch.path(".gitconfig").exists());

    let foreign = "[credential \"https://git-codecommit.*.amazonaws.com\"]\n\thelper = \n\thelper = store\n\tuseHttpPath = true\n";
    scratch.write(".gitconfig", foreign);
    assert_eq!(
        ok_setup(&scratch, &["--undo"]),
        format!("nothing to undo (--global)\n{UNDO_NOTE}")
    );
    assert_eq!(gitconfig(&scratch), foreign);
}

#[test]
fn every_codecommit_host_shape_resolves_to_the_helper_and_other_hosts_to_nothing() {
    let scratch = Scratch::new();
    ok_setup(&scratch, &[]);
    for url in [STANDARD, GOVCLOUD, FIPS, CHINA] {
        assert_eq!(
            helper_for(&scratch, url).as_deref(),
            Some("mfa-codecommit"),
            "{url}"
        );
    }
    for url in [
        VPCE,
        "https://github.com/owner/repo",
        "https://git-codecommit.us-east-1.amazonaws.com.evil.example/v1/repos/x",
        "https://x.git-codecommit.us-east-1.amazonaws.com/v1/repos/x",
    ] {
        assert_eq!(helper_for(&scratch, url), None, "{url}");
    }

    let stdout = ok_setup(&scratch, &["--vpce"]);
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    for url in [STANDARD, FIPS, CHINA, VPCE, VPCE_AZ, VPCE_FIPS] {
        assert_eq!(
            helper_for(&scratch, url).as_deref(),
            Some("mfa-codecommit"),
            "{url}"
        );
    }
    assert_eq!(helper_for(&scratch, "https://github.com/owner/repo"), None);
}

#[test]
fn local_writes_the_repositorys_config() {
    let scratch = Scratch::new();
    let mut init = command(&scratch, "git");
    init.args(["init", "--quiet", "repo"]);
    assert!(run(init, b"").status.success());
    let mut local = command(&scratch, BINARY);
    local
        .args(["setup", "--local"])
        .current_dir(scratch.path("repo"));
    let out = run(local, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let config = std::fs::read_to_string(scratch.path("repo/.git/config")).unwrap();
    assert!(config.ends_with(EXPECTED), "{config}");
    assert!(!scratch.path(".gitconfig").exists());
}

#[test]
fn local_outside_a_repository_fails_with_one_clear_line() {
    let scratch = Scratch::new();
    let out = setup(&scratch, &["--local"]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "git-credential-mfa-codecommit: git config --local failed: \
         --local can only be used inside a git repository\n"
    );
}

#[test]
fn system_writes_the_file_git_names_for_the_system_config() {
    let scratch = Scratch::new();
    let system = scratch.path("system-gitconfig");
    let mut setup = command(&scratch, BINARY);
    setup
        .args(["setup", "--system"])
        .env("GIT_CONFIG_SYSTEM", &system);
    let out = run(setup, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&system).unwrap(), EXPECTED);
    assert!(!scratch.path(".gitconfig").exists());
}

#[test]
fn scopes_conflict_and_helper_only_flags_are_refused() {
    let scratch = Scratch::new();
    for args in [
        &["--global", "--local"][..],
        &["--system", "--local"],
        &["--global", "--system"],
    ] {
        let out = setup(&scratch, args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains("choose one of --global, --system and --local"),
            "{args:?}"
        );
    }
    let out = setup(&scratch, &["--region", "eu-west-1"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr)
            .contains("setup writes only --profile into the helper line, not --region"),
        "{}",
        text(&out.stderr)
    );
    assert!(!scratch.path(".gitconfig").exists());
}

#[test]
fn missing_git_is_one_clear_error() {
    let scratch = Scratch::new();
    let mut setup = command(&scratch, BINARY);
    setup.arg("setup").env("PATH", scratch.home.path());
    let out = run(setup, b"");
    assert!(!out.status.success());
    assert_eq!(
        text(&out.stderr),
        "git-credential-mfa-codecommit: git not found on PATH; \
         setup runs `git config` to write the configuration\n"
    );
}

#[test]
fn git_credential_fill_reaches_the_helper_by_name_after_setup() {
    let scratch = Scratch::new();
    ok_setup(&scratch, &["--vpce"]);
    for url in [STANDARD, FIPS, CHINA, VPCE] {
        let mut fill = command(&scratch, "git");
        fill.args(["credential", "fill"])
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("AWS_ACCESS_KEY_ID", "AKIASETUPEXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "setup/secret");
        let out = run(fill, format!("url={url}\n\n").as_bytes());
        assert!(out.status.success(), "{url}: {}", text(&out.stderr));
        assert_eq!(
            attribute(&out.stdout, "username"),
            Some("AKIASETUPEXAMPLE"),
            "{url}"
        );
        assert!(attribute(&out.stdout, "password").is_some(), "{url}");
        // useHttpPath made git send the path, which the password signs.
        assert_eq!(attribute(&out.stdout, "path"), Some("v1/repos/x"), "{url}");
    }
}

#[test]
fn setup_warns_when_git_would_run_another_git_remote_codecommit_or_none() {
    let scratch = Scratch::new();
    let other = tempfile::tempdir().unwrap();
    let aws = other.path().join("git-remote-codecommit");
    std::fs::write(&aws, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&aws, std::fs::Permissions::from_mode(0o755)).unwrap();
    let bin_dir = Path::new(BINARY).parent().unwrap().display().to_string();

    let mut first = command(&scratch, BINARY);
    first.arg("setup").env("PATH", path_with(&[other.path()]));
    let out = run(first, b"");
    assert!(out.status.success());
    assert_eq!(
        text(&out.stderr),
        format!(
            "git-credential-mfa-codecommit: warning: git runs {} for codecommit:// URLs, \
             not {bin_dir}/git-remote-codecommit; put {bin_dir} before it on PATH, or remove it \
             (AWS's: pip uninstall git-remote-codecommit)\n",
            aws.display()
        )
    );

    // PATH without the install directory: git would find none at all.
    let git_dir = other.path().join("git-only");
    std::fs::create_dir(&git_dir).unwrap();
    let git = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    std::os::unix::fs::symlink(text(&git.stdout).trim_end(), git_dir.join("git")).unwrap();
    let mut missing = command(&scratch, BINARY);
    missing.arg("setup").env("PATH", &git_dir);
    let out = run(missing, b"");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        format!(
            "git-credential-mfa-codecommit: warning: {bin_dir} is not on PATH, so git finds no \
             git-remote-codecommit for codecommit:// URLs; add it to PATH\n"
        )
    );
}

/// `setup --aws-profile` in the scratch HOME.
fn aws_profile_setup(scratch: &Scratch, args: &[&str]) -> Output {
    let mut setup = command(scratch, BINARY);
    setup.args(["setup", "--aws-profile"]).args(args);
    run(setup, b"")
}

#[test]
fn an_aws_profile_for_credential_process_is_added_once_and_undone_byte_for_byte() {
    for before in [
        "# mine\n[profile alice]\nregion = eu-west-1\n",
        "[profile alice]\r\nregion = eu-west-1",
        "",
    ] {
        let scratch = Scratch::new();
        scratch.write(".aws/config", before);
        scratch.write(
            ".aws/credentials",
            "[alice]\naws_access_key_id = AKIAX\naws_secret_access_key = x\n",
        );
        let config = scratch.path(".aws/config");
        let out = aws_profile_setup(&scratch, &["alice-mfa", "--profile", "alice"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(
            text(&out.stdout),
            format!(
                "added profile alice-mfa to {}: aws --profile alice-mfa now uses profile alice's MFA session\n",
                config.display()
            )
        );
        let region = if before.is_empty() {
            ""
        } else {
            "region = eu-west-1\n"
        };
        let block = format!(
            "[profile alice-mfa]\ncredential_process = {BINARY} credential-process --profile alice\n{region}"
        );
        let after = std::fs::read_to_string(&config).unwrap();
        let expected = match before {
            "" => block,
            crlf if crlf.contains('\r') => format!("{crlf}\r\n{}", block.replace('\n', "\r\n")),
            plain => format!("{plain}\n{block}"),
        };
        assert_eq!(after, expected);

        let again = aws_profile_setup(&scratch, &["alice-mfa", "--profile", "alice"]);
        assert!(text(&again.stdout).starts_with("nothing to change: profile alice-mfa"));
        assert_eq!(std::fs::read_to_string(&config).unwrap(), after);

        let undo = aws_profile_setup(&scratch, &["alice-mfa", "--profile", "alice", "--undo"]);
        assert!(undo.status.success(), "{}", text(&undo.stderr));
        assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
        let undo = aws_profile_setup(&scratch, &["alice-mfa", "--profile", "alice", "--undo"]);
        assert!(text(&undo.stdout).starts_with("nothing to undo: no profile alice-mfa"));
    }
}

#[test]
fn an_aws_profile_that_exists_or_would_run_itself_is_refused_and_nothing_written() {
    let scratch = Scratch::new();
    let before = "[profile alice]\n[profile taken]\nregion = x\n";
    scratch.write(".aws/config", before);
    let injected = "evil\n[profile x]\ncredential_process = id\n[profile y";
    let cases: [(&[&str], &str); 6] = [
        (
            &[injected, "--profile", "alice"],
            r#""evil\n[profile x]\ncredential_process = id\n[profile y" cannot be a profile name in the AWS config file"#,
        ),
        (
            &["", "--profile", "alice"],
            r#""" cannot be a profile name in the AWS config file"#,
        ),
        (
            &["taken", "--profile", "alice"],
            "profile taken already exists; choose another name for --aws-profile, or remove it first",
        ),
        (
            &["alice", "--profile", "alice"],
            "profile alice is the one to sign with; name the new AWS profile otherwise (--aws-profile)",
        ),
        (
            &["new"],
            "profile default is in neither AWS file; pass --profile with the profile whose session to use",
        ),
        (
            &["taken", "--profile", "alice", "--undo"],
            "profile taken in ",
        ),
    ];
    for (args, expected) in cases {
        let out = aws_profile_setup(&scratch, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with(&format!("git-credential-mfa-codecommit: {expected}")),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            std::fs::read_to_string(scratch.path(".aws/config")).unwrap(),
            before
        );
    }
}

/// A write cut short leaves the AWS config as it was: setup is killed
/// (SIGXFSZ, from a file size limit below the new file's size) while it
/// writes, and the old text is still there, whole.
#[test]
fn an_interrupted_write_loses_nothing() {
    let scratch = Scratch::new();
    let before = format!(
        "{}[profile alice]\nregion = eu-west-1\n",
        "# a long comment that makes the file larger than the limit\n".repeat(40)
    );
    scratch.write(".aws/config", &before);
    let mut setup = command(&scratch, "sh");
    // 1 block of 512 bytes: the new file is killed mid-write.
    setup
        .args(["-c", "ulimit -f 1 && exec \"$0\" \"$@\"", BINARY])
        .args(["setup", "--aws-profile", "alice-mfa", "--profile", "alice"]);
    let out = run(setup, b"");
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert_eq!(
        std::fs::read_to_string(scratch.path(".aws/config")).unwrap(),
        before
    );
}
