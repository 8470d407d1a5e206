//! `doctor [--login] [URL]`: every link from git to CodeCommit checked in
//! turn, each one line, `✔` or `✘` with the exact fix, so that a bare `403`
//! from a push has a cause: git and the helpers it runs for each CodeCommit
//! host shape ([`git`]), then the AWS profile, its credentials, the MFA
//! device, the session cache, STS and the clock, and with a URL one signed
//! request to the repository ([`aws`]).
//!
//! It never asks for an MFA code unless given `--login` (its context's
//! prompt is [`Never`]) and never prints a secret: key ids, ARNs, paths and
//! times only. Exit status 1 when any check failed.

mod aws;
mod git;
mod probe;
mod report;

use std::io::Write;

use self::git::Shape;
use self::report::Report;
use crate::aws::codecommit::region_from_host;
use crate::cli::Args;
use crate::error::{DoctorError, Error};
use crate::git::remote;
use crate::prompt::Never;
use crate::session::context::Context;
use crate::session::plan::DEFAULT_STS_REGION;

/// The repository named on the command line, as `get` would see it.
pub(super) struct Repository {
    host: String,
    /// `/v1/repos/name`.
    path: String,
    /// As typed, and its HTTPS URL.
    shape: Shape,
}

impl Repository {
    /// Its HTTPS URL (`https://host/v1/repos/name`).
    fn url(&self) -> &str {
        &self.shape.url
    }

    /// An `https://` URL, or a `codecommit://` one resolved as
    /// `git-remote-codecommit` resolves it.
    fn parse(url: &str, context: &Context) -> Result<Self, Error> {
        let (https, forced) = if url.starts_with("codecommit:") {
            let this = std::env::current_exe().map_err(Error::NoExe)?;
            // What git hands the remote helper: `codecommit::X` loses its prefix.
            let given = url.strip_prefix("codecommit::").unwrap_or(url);
            let plan = remote::plan(given, &context.env, &context.fs, &this)
                .map_err(DoctorError::Remote)?;
            (plan.url, plan.config)
        } else {
            (url.trim_end_matches('/').to_owned(), Vec::new())
        };
        let rest = https.strip_prefix("https://").ok_or(DoctorError::Url)?;
        let (host, path) = rest.split_once('/').ok_or(DoctorError::Url)?;
        if host.is_empty() || host.contains('@') || !path.starts_with("v1/repos/") {
            return Err(DoctorError::Url.into());
        }
        Ok(Repository {
            host: host.to_owned(),
            path: format!("/{path}"),
            shape: Shape {
                what: url.to_owned(),
                url: https,
                forced,
                vpce: false,
            },
        })
    }
}

pub(super) fn run(
    args: &Args,
    url: Option<&str>,
    login: bool,
    out: impl Write,
    context: &Context,
) -> Result<(), Error> {
    let never = Never;
    let context = &Context {
        env: context.env.clone(),
        fs: context.fs.clone(),
        prompt: if login { context.prompt } else { &never },
        lock_dir: context.lock_dir.clone(),
        ..*context
    };
    let repository = url.map(|url| Repository::parse(url, context)).transpose()?;
    let mut report = Report::new(out);
    let region = repository
        .as_ref()
        .and_then(|repository| region_from_host(&repository.host))
        .unwrap_or(DEFAULT_STS_REGION);
    let mut shapes: Vec<Shape> = repository
        .iter()
        .map(|repository| repository.shape.clone())
        .collect();
    shapes.extend(host_shapes(region, repository.as_ref()));
    let found = git::check(&mut report, &shapes, context)?;
    aws::check(&mut report, args, &found, repository.as_ref(), context)?;
    report.finish()
}

/// One URL of each CodeCommit host shape in `region` (VPC endpoints too),
/// but the repository's own.
fn host_shapes(region: &str, repository: Option<&Repository>) -> Vec<Shape> {
    let hosts = [
        (format!("git-codecommit.{region}.amazonaws.com"), false),
        (format!("git-codecommit-fips.{region}.amazonaws.com"), false),
        (
            "git-codecommit.cn-north-1.amazonaws.com.cn".to_owned(),
            false,
        ),
        (
            format!("vpce-0123456789abcdef0-abcdefgh.git-codecommit.{region}.vpce.amazonaws.com"),
            true,
        ),
    ];
    hosts
        .into_iter()
        // The repository's host shows under its URL, unless that is a
        // codecommit:// one, whose helpers are not the https URL's.
        .filter(|(host, _)| {
            repository.is_none_or(|repository| {
                repository.host != *host || !repository.shape.forced.is_empty()
            })
        })
        .map(|(host, vpce)| Shape {
            what: host.clone(),
            url: format!("https://{host}/v1/repos/example"),
            forced: Vec::new(),
            vpce,
        })
        .collect()
}
