//! `git-remote-codecommit`: git runs it as `git-remote-codecommit <remote>
//! <url>` for `codecommit::…` and `codecommit://…` URLs. It wires the real
//! environment, the config files and the credential helper installed beside
//! it into [`remote::plan`], then becomes `git remote-https` (exec; on
//! Windows, a child whose exit status it passes on). Errors are one line and
//! exit 128, as git's own remote helpers.
#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::git::remote;
use git_credential_mfa_codecommit::os::printable::printable;

const HELP: &str = "\
git remote helper for AWS CodeCommit: git runs it for codecommit:: and
codecommit:// URLs, and asks git-credential-mfa-codecommit for the password.

  git clone codecommit://[PROFILE@]REPO                 region from the profile
  git clone codecommit::REGION://[PROFILE@]REPO
  git clone codecommit::https://[PROFILE@]HOST/v1/repos/REPO
";

/// git's own remote helpers exit so on an error.
const FAILURE: u8 = 128;

/// The credential helper, installed beside this program.
const CREDENTIAL_HELPER: &str = "git-credential-mfa-codecommit";

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match &args[..] {
        [flag] if flag == "-h" || flag == "--help" => print(HELP),
        [flag] if flag == "-V" || flag == "--version" => {
            print(concat!(env!("CARGO_PKG_VERSION"), "\n"))
        }
        [remote, url] => match run(remote.clone(), url) {
            Ok(code) => code,
            Err(message) => fail(&message),
        },
        _ => fail(
            "git runs this with a remote and a URL: git clone codecommit://[PROFILE@]REPO (see --help)",
        ),
    }
}

/// Plans the `git remote-https` run for `url` and runs it.
fn run(remote: OsString, url: &OsString) -> Result<ExitCode, String> {
    let url = url.to_str().ok_or("the URL is not UTF-8")?;
    let helper = credential_helper()?;
    let invocation =
        remote::plan(url, &Env::real(), &Fs::real(), &helper).map_err(|error| error.to_string())?;
    let mut git = Command::new("git");
    git.args(invocation.args(remote));
    let failed = |error: io::Error| match error.kind() {
        io::ErrorKind::NotFound => "git not found on PATH".to_owned(),
        kind => format!("cannot run git remote-https: {kind}"),
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        Err(failed(git.exec()))
    }
    #[cfg(not(unix))]
    {
        let status = git.status().map_err(failed)?;
        Ok(status
            .code()
            .and_then(|code| u8::try_from(code).ok())
            .map_or(ExitCode::FAILURE, ExitCode::from))
    }
}

/// The credential helper's absolute path: beside this program, as
/// `cargo install` and `install/install.sh` put both.
fn credential_helper() -> Result<PathBuf, String> {
    let exe = std::env::current_exe()
        .map_err(|error| format!("cannot find where this program is: {}", error.kind()))?;
    let helper = exe.with_file_name(format!(
        "{CREDENTIAL_HELPER}{}",
        std::env::consts::EXE_SUFFIX
    ));
    if helper.is_file() {
        Ok(helper)
    } else {
        Err(format!(
            "{CREDENTIAL_HELPER} is not beside {}; reinstall both: cargo install git-credential-mfa-codecommit",
            exe.display()
        ))
    }
}

fn print(text: &str) -> ExitCode {
    match io::stdout().write_all(text.as_bytes()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(
        io::stderr(),
        "git-remote-codecommit: {}",
        printable(message)
    );
    ExitCode::from(FAILURE)
}
