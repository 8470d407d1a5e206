//! `codecommit://` URLs, as git hands them to `git-remote-codecommit`.
//!
//! git runs `git-remote-codecommit <remote> <url>`; for `codecommit::<address>`
//! the URL is `<address>` (the prefix is gone), for `codecommit://…` it is the
//! whole URL. The forms, a superset of AWS's own remote helper's:
//!
//! | git passes | repository |
//! |---|---|
//! | `codecommit://[P@]REPO` | `REPO` in the region the profile gives |
//! | `<region>://[P@]REPO` (from `codecommit::<region>://…`) | `REPO` in `<region>` |
//! | `https://[P@]HOST[:PORT]/v1/repos/REPO` (from `codecommit::https://…`) | `REPO` at `HOST` |
//! | `codecommit://[P@]HOST[:PORT]/v1/repos/REPO` | the same |
//!
//! Invariants: the profile is everything before the last `@` of the
//! authority (profile names may hold `@`); repository names are CodeCommit's
//! (letters, digits, `.`, `_`, `-`, at most 100, no `.git` suffix); a
//! password, a query, a fragment or any other path is refused, never dropped.
//! Regions are checked for shape only: a fixed list goes stale. Pure: no I/O.

use std::fmt;

use crate::aws::codecommit::is_region;

/// What a `codecommit` URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    /// The AWS profile before the `@`, if any.
    pub profile: Option<String>,
    pub repository: String,
    pub location: Location,
}

/// Where the repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The region the URL names, or `None`: the profile's.
    Region(Option<String>),
    /// An explicit `HOST[:PORT]` (FIPS, VPC endpoint, GovCloud, China, proxy).
    Host(String),
}

/// The forms every error message lists.
const FORMS: &str = "codecommit://[PROFILE@]REPO, codecommit::REGION://[PROFILE@]REPO \
    or codecommit::https://[PROFILE@]HOST/v1/repos/REPO";

/// Why a URL is not one of the accepted forms. The URL is never repeated:
/// it may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem}; use {FORMS}")]
pub struct Error {
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    NoScheme,
    Scheme(String),
    Password,
    Empty(&'static str),
    Stray(&'static str),
    Path,
    Host,
    Port,
    Repository(String),
    GitSuffix(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::NoScheme => f.write_str("the URL has no scheme"),
            Problem::Scheme(scheme) => write!(
                f,
                "{scheme:?} is neither codecommit, https nor a region (like eu-west-1)"
            ),
            Problem::Password => f.write_str("a password in a codecommit URL is never used"),
            Problem::Empty(what) => write!(f, "the URL names no {what}"),
            Problem::Stray(what) => write!(f, "a codecommit URL takes no {what}"),
            Problem::Path => f.write_str("the path is not /v1/repos/REPO"),
            Problem::Host => f.write_str("the host is not a DNS name"),
            Problem::Port => f.write_str("the port is not a number from 1 to 65535"),
            Problem::Repository(name) => write!(
                f,
                "{name:?} is not a CodeCommit repository name (letters, digits, '.', '_' and '-', at most 100)"
            ),
            Problem::GitSuffix(name) => write!(
                f,
                "CodeCommit repository names never end in .git: drop it from {name:?}"
            ),
        }
    }
}

fn error(problem: Problem) -> Error {
    Error { problem }
}

/// Parses the URL git passes as the second argument.
pub fn parse(url: &str) -> Result<RemoteUrl, Error> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| error(Problem::NoScheme))?;
    if let Some(stray) = [('?', "query"), ('#', "fragment")]
        .into_iter()
        .find_map(|(mark, what)| rest.contains(mark).then_some(what))
    {
        return Err(error(Problem::Stray(stray)));
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], Some(&rest[slash..])),
        None => (rest, None),
    };
    let (profile, address) = match authority.rsplit_once('@') {
        Some((profile, address)) => (Some(profile), address),
        None => (None, authority),
    };
    if profile.is_some_and(|profile| profile.contains(':')) {
        return Err(error(Problem::Password));
    }
    if profile == Some("") {
        return Err(error(Problem::Empty("profile before the @")));
    }
    let profile = profile.map(str::to_owned);
    let explicit_host = |address: &str, path: &str| -> Result<RemoteUrl, Error> {
        let repository = path
            .strip_prefix("/v1/repos/")
            .ok_or_else(|| error(Problem::Path))?;
        Ok(RemoteUrl {
            profile: profile.clone(),
            repository: repository_name(repository)?,
            location: Location::Host(host(address)?),
        })
    };
    match (scheme, path) {
        ("https", Some(path)) | ("codecommit", Some(path)) => explicit_host(address, path),
        ("https", None) => Err(error(Problem::Path)),
        (_, Some(_)) if is_region(scheme) => {
            Err(error(Problem::Stray("path after the repository")))
        }
        ("codecommit", None) => Ok(RemoteUrl {
            profile,
            repository: repository_name(address)?,
            location: Location::Region(None),
        }),
        (region, None) if is_region(region) => Ok(RemoteUrl {
            profile,
            repository: repository_name(address)?,
            location: Location::Region(Some(region.to_owned())),
        }),
        ("", _) => Err(error(Problem::NoScheme)),
        (scheme, _) => Err(error(Problem::Scheme(scheme.to_owned()))),
    }
}

fn repository_name(name: &str) -> Result<String, Error> {
    if name.is_empty() {
        return Err(error(Problem::Empty("repository")));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    if name.len() > 100 || !name.chars().all(allowed) || name == "." || name == ".." {
        return Err(error(Problem::Repository(name.to_owned())));
    }
    if name.ends_with(".git") {
        return Err(error(Problem::GitSuffix(name.to_owned())));
    }
    Ok(name.to_owned())
}

/// `HOST[:PORT]`, the host lower-cased as DNS compares it.
pub fn host(address: &str) -> Result<String, Error> {
    let (name, port) = match address.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (address, None),
    };
    let label = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if name.is_empty() {
        return Err(error(Problem::Empty("host")));
    }
    if !name.split('.').all(label) {
        return Err(error(Problem::Host));
    }
    if let Some(port) = port {
        let valid = port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|port| port != 0);
        if !valid {
            return Err(error(Problem::Port));
        }
    }
    Ok(address.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(profile: Option<&str>, repository: &str, location: Location) -> RemoteUrl {
        RemoteUrl {
            profile: profile.map(str::to_owned),
            repository: repository.to_owned(),
            location,
        }
    }

    fn region(region: Option<&str>) -> Location {
        Location::Region(region.map(str::to_owned))
    }

    fn host(host: &str) -> Location {
        Location::Host(host.to_owned())
    }

    #[test]
    fn every_form_git_passes() {
        let cases = [
            ("codecommit://repo", url(None, "repo", region(None))),
            (
                "codecommit://dev@my-repo",
                url(Some("dev"), "my-repo", region(None)),
            ),
            (
                "eu-west-1://dev@My.Repo_1",
                url(Some("dev"), "My.Repo_1", region(Some("eu-west-1"))),
            ),
            (
                "us-gov-west-1://repo",
                url(None, "repo", region(Some("us-gov-west-1"))),
            ),
            (
                "ap-southeast-7://repo",
                url(None, "repo", region(Some("ap-southeast-7"))),
            ),
            (
                "https://git-codecommit-fips.us-east-1.amazonaws.com/v1/repos/r",
                url(
                    None,
                    "r",
                    host("git-codecommit-fips.us-east-1.amazonaws.com"),
                ),
            ),
            (
                "https://ops@Git-CodeCommit.cn-north-1.amazonaws.com.cn:8443/v1/repos/r",
                url(
                    Some("ops"),
                    "r",
                    host("git-codecommit.cn-north-1.amazonaws.com.cn:8443"),
                ),
            ),
            (
                "codecommit://dev@vpce-0a-b.git-codecommit.eu-west-1.vpce.amazonaws.com/v1/repos/r",
                url(
                    Some("dev"),
                    "r",
                    host("vpce-0a-b.git-codecommit.eu-west-1.vpce.amazonaws.com"),
                ),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn the_profile_ends_at_the_last_at_sign() {
        assert_eq!(
            parse("codecommit://alice@example.com@repo")
                .unwrap()
                .profile,
            Some("alice@example.com".to_owned())
        );
        assert_eq!(
            parse("https://a@b@h.example/v1/repos/r").unwrap().profile,
            Some("a@b".to_owned())
        );
    }

    #[test]
    fn repository_names_are_codecommits() {
        let longest = "a".repeat(100);
        assert!(parse(&format!("codecommit://{longest}")).is_ok());
        for name in [&"a".repeat(101)[..], "a b", "a%20b", "ä", ".", "..", "a+b"] {
            let error = parse(&format!("codecommit://{name}")).unwrap_err();
            assert_eq!(
                error.problem,
                Problem::Repository(name.to_owned()),
                "{name}"
            );
        }
        let error = parse("codecommit://dev@repo.git").unwrap_err().to_string();
        assert!(
            error.starts_with("CodeCommit repository names never end in .git"),
            "{error}"
        );
    }

    #[test]
    fn what_is_not_a_codecommit_url_is_refused() {
        let cases = [
            ("repo", Problem::NoScheme),
            ("://repo", Problem::NoScheme),
            ("ssh://repo", Problem::Scheme("ssh".to_owned())),
            ("EU-WEST-1://repo", Problem::Scheme("EU-WEST-1".to_owned())),
            ("eu-west://repo", Problem::Scheme("eu-west".to_owned())),
            ("codecommit://dev:secret@repo", Problem::Password),
            ("https://dev:secret@h.example/v1/repos/r", Problem::Password),
            ("codecommit://@repo", Problem::Empty("profile before the @")),
            ("codecommit://dev@", Problem::Empty("repository")),
            ("codecommit://", Problem::Empty("repository")),
            ("codecommit://repo?x=1", Problem::Stray("query")),
            ("codecommit://repo#main", Problem::Stray("fragment")),
            (
                "eu-west-1://repo/x",
                Problem::Stray("path after the repository"),
            ),
            (
                "codecommit://repo:1",
                Problem::Repository("repo:1".to_owned()),
            ),
            ("https://h.example", Problem::Path),
            ("https://h.example/repos/r", Problem::Path),
            (
                "https://h.example/v1/repos/r/x",
                Problem::Repository("r/x".to_owned()),
            ),
            ("https://h.example/v1/repos/", Problem::Empty("repository")),
            ("https://h_x.example/v1/repos/r", Problem::Host),
            ("https://h..example/v1/repos/r", Problem::Host),
            ("https:///v1/repos/r", Problem::Empty("host")),
            ("https://h.example:0/v1/repos/r", Problem::Port),
            ("https://h.example:99999/v1/repos/r", Problem::Port),
            ("https://h.example:1:2/v1/repos/r", Problem::Port),
            ("https://h.example:+1/v1/repos/r", Problem::Port),
        ];
        for (text, problem) in cases {
            assert_eq!(parse(text), Err(error(problem)), "{text}");
        }
    }

    #[test]
    fn errors_list_the_forms_and_never_repeat_a_password() {
        let message = parse("codecommit://dev:hunter2@repo")
            .unwrap_err()
            .to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.ends_with(&format!("use {FORMS}")), "{message}");
    }
}
