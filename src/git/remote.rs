//! `git-remote-codecommit`: a `codecommit://` URL turned into the git command
//! that fetches or pushes the repository over HTTPS, with this package's
//! credential helper asked for the password.
//!
//! The remote helper signs nothing itself. It runs
//! `git -c … remote-https <remote> https://<host>/v1/repos/<repo>`, the `-c`
//! entries scoped to that exact URL: an empty `helper` (the reset: no
//! storage helper configured before it is ever asked, or handed a password),
//! this package's credential helper by absolute path with the URL's profile
//! and region, and `useHttpPath`. git then asks the credential helper as for
//! any HTTPS remote: MFA sessions, roles, the keyring cache, the prompts,
//! `erase` on a rejected password all work unchanged, and no credential is
//! ever in a URL, an argument or the environment.
//!
//! `git -c` rather than `GIT_CONFIG_COUNT`: every git version reads it, no
//! version has to be asked first, and git reads it after the user's own
//! `GIT_CONFIG_COUNT` and `-c` entries, so the reset comes last. What it puts
//! on the command line (the URL, the helper's path, the profile's name) is on
//! `git remote-https`'s and the credential helper's own command lines anyway.
//!
//! The AWS config files are read only when the URL needs them: for the region
//! (`codecommit://[P@]REPO`) or the FIPS setting (both region forms); never
//! for an explicit host. Nothing here runs a process or touches the network.

use std::ffi::OsString;
use std::path::Path;

use aws_types::os_shim_internal::{Env, Fs};

use crate::aws::codecommit;
use crate::aws::files::{self, Choice, MissingProfile, SharedFiles};
use crate::aws::settings;
use crate::git::remote_url::{self, Location, RemoteUrl};
use crate::os::shell;

/// The variable AWS's remote helper reads for a host of one's own.
const ENDPOINT_VAR: &str = "CODE_COMMIT_ENDPOINT";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Url(#[from] remote_url::Error),
    #[error(transparent)]
    Config(#[from] files::Error),
    #[error(
        "profile {} named in the URL is not in {} or {}; the profiles there: {}",
        .0.name, .0.config.display(), .0.credentials.display(), .0.known
    )]
    NoProfile(Box<MissingProfile>),
    #[error(
        "no region for repository {repository}: name one in the URL (codecommit::REGION://{at}{repository}), set region in profile {profile}, or set AWS_REGION"
    )]
    NoRegion {
        repository: String,
        profile: String,
        at: String,
    },
    #[error("{ENDPOINT_VAR} is not HOST[:PORT]; fix it or unset it")]
    Endpoint,
    #[error(
        "{0} is not a CodeCommit host, and a URL alone may not choose one; for a proxy or test endpoint of your own, set {ENDPOINT_VAR}={0}"
    )]
    ForeignHost(String),
    #[error(
        "region {0:?} is not a region name like eu-west-1; fix the profile's region or AWS_REGION"
    )]
    Region(String),
}

/// What to run: `git <args>`.
#[derive(Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The repository's HTTPS URL.
    pub url: String,
    /// The `git -c` entries, in order.
    pub config: Vec<(String, String)>,
}

impl Invocation {
    /// `git`'s arguments: the config entries, then `remote-https <remote> <url>`.
    pub fn args(&self, remote: OsString) -> Vec<OsString> {
        let mut args = Vec::new();
        for (key, value) in &self.config {
            args.push("-c".into());
            args.push(format!("{key}={value}").into());
        }
        args.extend(["remote-https".into(), remote, self.url.clone().into()]);
        args
    }
}

/// The invocation for `url`, as git passed it, with `helper` (the credential
/// helper's absolute path) asked for the password.
///
/// A URL may come from a repository (a submodule's `.gitmodules`, once
/// `protocol.codecommit.allow` is `always`), so it never chooses a host
/// outside CodeCommit's: any other host must be the one the user's own
/// `CODE_COMMIT_ENDPOINT` names.
pub fn plan(url: &str, env: &Env, fs: &Fs, helper: &Path) -> Result<Invocation, Error> {
    let url = remote_url::parse(url)?;
    let endpoint = files::var(env, ENDPOINT_VAR)
        .map(|endpoint| remote_url::host(&endpoint).map_err(|_| Error::Endpoint))
        .transpose()?;
    let (host, region) = match &url.location {
        Location::Host(host) => (host.clone(), None),
        Location::Region(region) => {
            let (region, fips) = region_and_fips(&url, region.as_deref(), env, fs)?;
            let host = endpoint
                .clone()
                .unwrap_or_else(|| codecommit::host(&region, fips));
            (host, Some(region))
        }
    };
    let foreign = !codecommit::is_codecommit_host(&host);
    if foreign && endpoint.as_ref() != Some(&host) {
        return Err(Error::ForeignHost(host));
    }
    let https = format!("https://{host}/v1/repos/{}", url.repository);
    let mut line = format!("!{}", shell::quote(&helper_path(helper)));
    if let Some(profile) = &url.profile {
        line.push_str(&format!(" --profile {}", shell::quote(profile)));
    }
    if let Some(region) = region {
        line.push_str(&format!(" --region {}", shell::quote(&region)));
    }
    if foreign {
        line.push_str(" --ignore-host-check");
    }
    let key = |name: &str| format!("credential.{https}.{name}");
    Ok(Invocation {
        config: vec![
            (key("helper"), String::new()),
            (key("helper"), line),
            (key("useHttpPath"), "true".to_owned()),
        ],
        url: https,
    })
}

/// The region (`given` by the URL, else `AWS_DEFAULT_REGION`, the profile's
/// `region`, then `AWS_REGION`) and whether to use the FIPS endpoint
/// (`AWS_USE_FIPS_ENDPOINT`, else the profile's `use_fips_endpoint`),
/// reading the config files only when the environment does not say.
fn region_and_fips(
    url: &RemoteUrl,
    given: Option<&str>,
    env: &Env,
    fs: &Fs,
) -> Result<(String, bool), Error> {
    let fips_var = files::var(env, "AWS_USE_FIPS_ENDPOINT");
    if let (Some(region), Some(fips)) = (given, &fips_var) {
        return Ok((region.to_owned(), is_true(fips)));
    }
    let files = load(url, env, fs)?;
    let fips = match fips_var {
        Some(fips) => is_true(&fips),
        None => files
            .value(files.selected(), "use_fips_endpoint")?
            .is_some_and(is_true),
    };
    let region = match given {
        Some(region) => Some(region.to_owned()),
        None => settings::region(&files, env)?
            .map(|region| region.name)
            .or_else(|| files::var(env, "AWS_REGION")),
    };
    let region = region.ok_or_else(|| Error::NoRegion {
        repository: url.repository.clone(),
        profile: files.selected().to_owned(),
        at: url
            .profile
            .as_ref()
            .map(|profile| format!("{profile}@"))
            .unwrap_or_default(),
    })?;
    if !codecommit::is_region(&region) {
        return Err(Error::Region(region));
    }
    Ok((region, fips))
}

/// The profile the URL names, or the one the environment selects.
fn load(url: &RemoteUrl, env: &Env, fs: &Fs) -> Result<SharedFiles, Error> {
    SharedFiles::load(url.profile.as_deref(), env, fs).map_err(|error| match error {
        files::Error::NoProfile(missing) if missing.how == Choice::Flag => {
            Error::NoProfile(missing)
        }
        error => Error::Config(error),
    })
}

/// botocore's `ensure_boolean`: only `true`, in any case, is true.
fn is_true(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// The helper's path as `sh` takes it: on Windows, with `/` for `\`, which
/// Git for Windows' shell reads as the same path.
fn helper_path(helper: &Path) -> String {
    let path = helper.to_string_lossy();
    if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::files::{fake_files, fake_path};

    const HELPER: &str = "/opt/my tools/git-credential-mfa-codecommit";
    const CONFIG: &str = "[default]\nregion = eu-west-1\n\
        [profile fips]\nregion = us-east-2\nuse_fips_endpoint = TRUE\n\
        [profile bare]\n[profile a@b]\nregion = cn-north-1\n[profile \"it's me\"]\n";

    fn plan_with(url: &str, vars: &[(&str, &str)]) -> Result<Invocation, Error> {
        let mut env = vec![("HOME", "/home")];
        env.extend_from_slice(vars);
        let fs = fake_files("/home", &[(".aws/config", CONFIG)]);
        plan(url, &Env::from_slice(&env), &fs, Path::new(HELPER))
    }

    /// The URL and the helper line of a plan.
    fn planned(url: &str, vars: &[(&str, &str)]) -> (String, String) {
        let invocation = plan_with(url, vars).unwrap();
        let https = invocation.url.clone();
        assert_eq!(
            invocation.config,
            [
                (format!("credential.{https}.helper"), String::new()),
                (
                    format!("credential.{https}.helper"),
                    invocation.config[1].1.clone()
                ),
                (format!("credential.{https}.useHttpPath"), "true".to_owned()),
            ]
        );
        (https, invocation.config[1].1.clone())
    }

    type Vars<'a> = &'a [(&'a str, &'a str)];

    const QUOTED: &str = "!'/opt/my tools/git-credential-mfa-codecommit'";

    #[test]
    fn the_region_comes_from_the_url_the_environment_or_the_profile() {
        let cases: [(&str, Vars, &str, &str); 7] = [
            (
                "codecommit://r",
                &[],
                "git-codecommit.eu-west-1.amazonaws.com",
                " --region eu-west-1",
            ),
            (
                "codecommit://r",
                &[
                    ("AWS_DEFAULT_REGION", "ap-south-1"),
                    ("AWS_REGION", "us-west-2"),
                ],
                "git-codecommit.ap-south-1.amazonaws.com",
                " --region ap-south-1",
            ),
            (
                "codecommit://bare@r",
                &[("AWS_REGION", "us-west-2")],
                "git-codecommit.us-west-2.amazonaws.com",
                " --profile bare --region us-west-2",
            ),
            (
                "sa-east-1://r",
                &[("AWS_DEFAULT_REGION", "ap-south-1")],
                "git-codecommit.sa-east-1.amazonaws.com",
                " --region sa-east-1",
            ),
            (
                "codecommit://fips@r",
                &[],
                "git-codecommit-fips.us-east-2.amazonaws.com",
                " --profile fips --region us-east-2",
            ),
            (
                "us-west-1://fips@r",
                &[("AWS_USE_FIPS_ENDPOINT", "false")],
                "git-codecommit.us-west-1.amazonaws.com",
                " --profile fips --region us-west-1",
            ),
            (
                "codecommit://a@b@r",
                &[],
                "git-codecommit.cn-north-1.amazonaws.com.cn",
                " --profile a@b --region cn-north-1",
            ),
        ];
        for (url, vars, host, flags) in cases {
            assert_eq!(
                planned(url, vars),
                (
                    format!("https://{host}/v1/repos/r"),
                    format!("{QUOTED}{flags}")
                ),
                "{url} {vars:?}"
            );
        }
    }

    #[test]
    fn an_explicit_host_is_kept_and_reads_no_config() {
        // No HOME: reading the config files would fail.
        let invocation = plan(
            "https://dev@git-codecommit-fips.us-east-1.amazonaws.com:8443/v1/repos/r",
            &Env::from_slice(&[]),
            &Fs::from_slice(&[]),
            Path::new("/bin/helper"),
        )
        .unwrap();
        assert_eq!(
            invocation.url,
            "https://git-codecommit-fips.us-east-1.amazonaws.com:8443/v1/repos/r"
        );
        assert_eq!(invocation.config[1].1, "!/bin/helper --profile dev");
    }

    #[test]
    fn a_region_and_the_fips_variable_need_no_config() {
        let invocation = plan(
            "us-east-1://r",
            &Env::from_slice(&[("AWS_USE_FIPS_ENDPOINT", "true")]),
            &Fs::from_slice(&[]),
            Path::new("/bin/helper"),
        )
        .unwrap();
        assert_eq!(
            invocation.url,
            "https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/r"
        );
    }

    #[test]
    fn code_commit_endpoint_replaces_the_host() {
        let (url, line) = planned(
            "codecommit://r",
            &[("CODE_COMMIT_ENDPOINT", "proxy.example:8443")],
        );
        assert_eq!(url, "https://proxy.example:8443/v1/repos/r");
        assert_eq!(
            line,
            format!("{QUOTED} --region eu-west-1 --ignore-host-check")
        );
        let error = plan_with("codecommit://r", &[("CODE_COMMIT_ENDPOINT", "a b")])
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "CODE_COMMIT_ENDPOINT is not HOST[:PORT]; fix it or unset it"
        );
    }

    #[test]
    fn a_url_chooses_no_host_outside_codecommit() {
        for (url, host) in [
            ("https://attacker.example/v1/repos/x", "attacker.example"),
            (
                "codecommit://dev@git-codecommit.us-east-1.amazonaws.com.evil.example/v1/repos/x",
                "git-codecommit.us-east-1.amazonaws.com.evil.example",
            ),
            ("https://127.0.0.1:8443/v1/repos/x", "127.0.0.1:8443"),
        ] {
            assert_eq!(
                plan_with(url, &[]).unwrap_err().to_string(),
                format!(
                    "{host} is not a CodeCommit host, and a URL alone may not choose one; \
                     for a proxy or test endpoint of your own, set CODE_COMMIT_ENDPOINT={host}"
                ),
                "{url}"
            );
        }
        // The user's own variable names it: the helper is told to sign there.
        let (url, line) = planned(
            "https://proxy.example:8443/v1/repos/r",
            &[("CODE_COMMIT_ENDPOINT", "Proxy.example:8443")],
        );
        assert_eq!(url, "https://proxy.example:8443/v1/repos/r");
        assert_eq!(line, format!("{QUOTED} --ignore-host-check"));
        // Another host than the variable's is still refused.
        let error = plan_with(
            "https://attacker.example/v1/repos/r",
            &[("CODE_COMMIT_ENDPOINT", "proxy.example:8443")],
        );
        assert!(matches!(error, Err(Error::ForeignHost(host)) if host == "attacker.example"));
    }

    #[test]
    fn a_region_that_is_no_region_name_never_reaches_the_helper_line() {
        for region in ["eu-west-1;id", "eu-west-1 --profile x", "$(id)"] {
            let config = format!("[default]\nregion = {region}\n");
            let fs = fake_files("/home", &[(".aws/config", &config)]);
            let error = plan(
                "codecommit://r",
                &Env::from_slice(&[("HOME", "/home")]),
                &fs,
                Path::new(HELPER),
            )
            .unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "region {region:?} is not a region name like eu-west-1; \
                     fix the profile's region or AWS_REGION"
                )
            );
        }
    }

    #[test]
    fn profile_names_are_shell_quoted() {
        let (_, line) = planned("eu-west-1://it's me@r", &[]);
        assert_eq!(
            line,
            format!(r"{QUOTED} --profile 'it'\''s me' --region eu-west-1")
        );
    }

    #[test]
    fn a_missing_profile_or_region_says_what_to_do() {
        let error = plan_with("codecommit://nobody@r", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "profile nobody named in the URL is not in {} or {}; \
                 the profiles there: a@b, bare, default, fips, it's me",
                fake_path("/home", ".aws/config"),
                fake_path("/home", ".aws/credentials")
            )
        );
        let error = plan_with("codecommit://bare@r", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "no region for repository r: name one in the URL \
             (codecommit::REGION://bare@r), set region in profile bare, or set AWS_REGION"
        );
        let error = plan_with("codecommit://r", &[("AWS_PROFILE", "nobody")])
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("profile nobody (from AWS_PROFILE) is not in"),
            "{error}"
        );
    }

    #[test]
    fn git_runs_remote_https_after_the_entries() {
        let invocation = plan_with("eu-west-1://r", &[]).unwrap();
        let args = invocation.args("origin".into());
        let https = "https://git-codecommit.eu-west-1.amazonaws.com/v1/repos/r";
        let expected: Vec<OsString> = [
            "-c".to_owned(),
            format!("credential.{https}.helper="),
            "-c".to_owned(),
            format!("credential.{https}.helper={QUOTED} --region eu-west-1"),
            "-c".to_owned(),
            format!("credential.{https}.useHttpPath=true"),
            "remote-https".to_owned(),
            "origin".to_owned(),
            https.to_owned(),
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        assert_eq!(args, expected);
    }
}
