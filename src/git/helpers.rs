//! The credential helpers git runs for a URL, and whether it sends them the
//! path, worked out from git's configuration as git's `credential.c` does
//! (for `doctor`, which must say which helper answers first).
//!
//! git reads every `credential.<url>.*` entry whose `<url>` matches, plus
//! the plain `credential.*` ones, in config order (system, global, local,
//! worktree, command line; includes where they are included), and does not
//! pick the most specific as `git config --get-urlmatch` shows: each
//! matching `helper` is appended to the list, an empty one clears it, and
//! the last matching `useHttpPath` wins. A `<url>` matches as git's
//! `urlmatch.c` decides: same scheme, the user only if the pattern names
//! one, the host label by label with `*` matching one whole label, the same
//! port (the scheme's default when none is given), and the pattern's path a
//! prefix of the URL's at a `/`. A `<url>` that is not a URL (`host` alone)
//! matches a URL with exactly that host, as `credential_match` does.
//!
//! Pure: the entries come from `git config --show-scope --show-origin -z
//! --get-regexp '^credential\.'`, read by the caller.

/// Where git read an entry, as `git config --show-scope` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    System,
    Global,
    Local,
    Worktree,
    /// `git -c`, `GIT_CONFIG_COUNT` or `GIT_CONFIG_PARAMETERS`.
    Command,
    /// A name this version does not know (git says `unknown` for a blob or
    /// standard input).
    Unknown,
}

impl Scope {
    fn parse(name: &str) -> Scope {
        match name {
            "system" => Scope::System,
            "global" => Scope::Global,
            "local" => Scope::Local,
            "worktree" => Scope::Worktree,
            "command" => Scope::Command,
            _ => Scope::Unknown,
        }
    }
}

/// One `credential.*` entry, in config order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub scope: Scope,
    /// Where git read it (`file:/home/me/.gitconfig`, `command line:`).
    pub origin: String,
    /// The URL pattern between `credential.` and the name; `None` for
    /// `credential.helper` and the like.
    pub url: Option<String>,
    /// The variable's name, lowercased as git reports it.
    pub name: String,
    /// `None` for a bare key (`useHttpPath` without `=`).
    pub value: Option<String>,
}

impl Entry {
    /// The entry for the config key `credential.<url>.<name>` (or
    /// `credential.<name>`); `None` for any other key.
    pub fn new(scope: Scope, origin: &str, key: &str, value: Option<&str>) -> Option<Entry> {
        let (url, name) = split_key(key)?;
        Some(Entry {
            scope,
            origin: origin.to_owned(),
            url: url.map(str::to_owned),
            name: name.to_ascii_lowercase(),
            value: value.map(str::to_owned),
        })
    }

    /// The entry as the user would find it in the file: `credential.<url>.<name>`.
    pub fn key(&self) -> String {
        match &self.url {
            Some(url) => format!("credential.{url}.{}", self.name),
            None => format!("credential.{}", self.name),
        }
    }

    /// The file it is in, or `None` for the command line and the like.
    pub fn file(&self) -> Option<&str> {
        self.origin.strip_prefix("file:")
    }
}

/// The records of `git config --show-scope --show-origin -z --get-regexp`:
/// `scope NUL origin NUL key [LF value] NUL`, repeated.
pub fn parse(bytes: &[u8]) -> Vec<Entry> {
    let text = String::from_utf8_lossy(bytes);
    let fields: Vec<&str> = text.split_terminator('\0').collect();
    fields
        .chunks_exact(3)
        .filter_map(|record| {
            let (key, value) = split_record(record[2]);
            Entry::new(Scope::parse(record[0]), record[1], key, value)
        })
        .collect()
}

/// A `git config -z` record's key and value: `key LF value`, or a bare
/// `key` (no `=` in the file), which has no value.
fn split_record(record: &str) -> (&str, Option<&str>) {
    match record.split_once('\n') {
        Some((key, value)) => (key, Some(value)),
        None => (record, None),
    }
}

/// The URL (`None` for `credential.<name>`) and the name of a
/// `credential.*` key; `None` for any other key. The URL may hold dots:
/// the name is what follows the last one.
fn split_key(key: &str) -> Option<(Option<&str>, &str)> {
    let rest = key.strip_prefix("credential.")?;
    Some(match rest.rsplit_once('.') {
        Some((url, name)) => (Some(url), name),
        None => (None, rest),
    })
}

/// What git does for one URL.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HelperList<'a> {
    /// The helpers git asks, in order, after the last reset.
    pub helpers: Vec<&'a Entry>,
    /// Whether an empty `helper =` cleared the list on the way.
    pub reset: bool,
    /// The `useHttpPath` entry that decides, if any.
    pub use_http_path: Option<&'a Entry>,
}

/// The helpers git runs for `url` (`https://host[:port]/path`).
pub fn for_url<'a>(entries: &'a [Entry], url: &str) -> HelperList<'a> {
    let mut chain = HelperList::default();
    let Some(target) = Url::parse(url) else {
        return chain;
    };
    for entry in entries {
        if !entry
            .url
            .as_deref()
            .is_none_or(|pattern| matches(pattern, &target))
        {
            continue;
        }
        match entry.name.as_str() {
            "helper" => match entry.value.as_deref() {
                Some("") => {
                    chain.helpers.clear();
                    chain.reset = true;
                }
                Some(_) => chain.helpers.push(entry),
                // git refuses a bare `helper`; it is no helper.
                None => {}
            },
            "usehttppath" => chain.use_http_path = Some(entry),
            _ => {}
        }
    }
    chain
}

/// A URL taken apart as `urlmatch.c` compares it.
#[derive(Debug, PartialEq, Eq)]
struct Url {
    scheme: String,
    user: Option<String>,
    host: String,
    /// The port, the scheme's default when none was given.
    port: Option<u16>,
    path: String,
}

impl Url {
    fn parse(text: &str) -> Option<Url> {
        let (scheme, rest) = text.split_once("://")?;
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"+-.".contains(&byte))
        {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let (authority, path) = rest.find('/').map_or((rest, "/"), |at| rest.split_at(at));
        let (user, host_port) = match authority.rsplit_once('@') {
            // A password in a pattern is ignored by git.
            Some((user, host)) => (
                Some(user.split(':').next().unwrap_or(user).to_owned()),
                host,
            ),
            None => (None, authority),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() => (host, Some(port.parse().ok()?)),
            Some((host, _)) => (host, None),
            None => (host_port, None),
        };
        Some(Url {
            port: port.or(default_port(&scheme)),
            scheme,
            user,
            host: host.to_ascii_lowercase(),
            path: path.to_owned(),
        })
    }
}

/// Whether the config URL `pattern` matches `url`.
fn matches(pattern: &str, url: &Url) -> bool {
    let Some(pattern) = Url::parse(pattern) else {
        // Not a URL: a bare host, matched exactly (credential_match).
        let (host, path) = pattern.split_once('/').unwrap_or((pattern, ""));
        return host.eq_ignore_ascii_case(&host_and_port(url))
            && (path.is_empty() || url.path.trim_start_matches('/') == path);
    };
    pattern.scheme == url.scheme
        && pattern
            .user
            .as_ref()
            .is_none_or(|user| url.user.as_ref() == Some(user))
        && host_matches(&pattern.host, &url.host)
        && pattern.port == url.port
        && path_matches(&pattern.path, &url.path)
}

/// The port a URL of `scheme` has when it names none.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    }
}

/// The host as a credential names it: with its port when one was given.
fn host_and_port(url: &Url) -> String {
    match url.port {
        Some(port) if Some(port) != default_port(&url.scheme) => format!("{}:{port}", url.host),
        _ => url.host.clone(),
    }
}

/// Label by label; `*` matches one whole label.
fn host_matches(pattern: &str, host: &str) -> bool {
    let (pattern, host): (Vec<&str>, Vec<&str>) =
        (pattern.split('.').collect(), host.split('.').collect());
    pattern.len() == host.len()
        && pattern
            .iter()
            .zip(&host)
            .all(|(pattern, label)| *pattern == "*" || pattern == label)
}

/// `pattern` is `path` or a prefix of it that ends at a `/`.
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_end_matches('/');
    pattern.is_empty()
        || path == pattern
        || path
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: Option<&str>, name: &str, value: Option<&str>) -> Entry {
        Entry {
            scope: Scope::Global,
            origin: "file:/home/me/.gitconfig".to_owned(),
            url: url.map(str::to_owned),
            name: name.to_owned(),
            value: value.map(str::to_owned),
        }
    }

    const URL: &str = "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/r";

    #[test]
    fn records_are_split_into_scope_origin_key_and_value() {
        let bytes = b"global\0file:/h/.gitconfig\0credential.helper\nstore\0\
            command\0command line:\0credential.https://a.*.com.usehttppath\0";
        assert_eq!(
            parse(bytes),
            [
                Entry {
                    scope: Scope::Global,
                    origin: "file:/h/.gitconfig".to_owned(),
                    url: None,
                    name: "helper".to_owned(),
                    value: Some("store".to_owned()),
                },
                Entry {
                    scope: Scope::Command,
                    origin: "command line:".to_owned(),
                    url: Some("https://a.*.com".to_owned()),
                    name: "usehttppath".to_owned(),
                    value: None,
                },
            ]
        );
    }

    #[test]
    fn every_matching_helper_is_asked_in_order_after_the_last_reset() {
        let entries = [
            entry(None, "helper", Some("osxkeychain")),
            entry(
                Some("https://git-codecommit.*.amazonaws.com"),
                "helper",
                Some(""),
            ),
            entry(
                Some("https://git-codecommit.*.amazonaws.com"),
                "helper",
                Some("mfa-codecommit"),
            ),
            entry(Some("https://github.com"), "helper", Some("gh")),
            entry(None, "helper", Some("store")),
            entry(
                Some("https://git-codecommit.*.amazonaws.com"),
                "usehttppath",
                Some("true"),
            ),
        ];
        let chain = for_url(&entries, URL);
        let helpers: Vec<_> = chain
            .helpers
            .iter()
            .map(|entry| entry.value.as_deref())
            .collect();
        assert_eq!(helpers, [Some("mfa-codecommit"), Some("store")]);
        assert!(chain.reset);
        assert_eq!(chain.use_http_path, Some(&entries[5]));
    }

    #[test]
    fn patterns_match_as_gits_urlmatch_does() {
        let url = Url::parse(URL).unwrap();
        for (pattern, expected) in [
            ("https://git-codecommit.*.amazonaws.com", true),
            ("https://GIT-codecommit.us-east-1.amazonaws.com:443/", true),
            ("https://*.us-east-1.amazonaws.com/v1", true),
            ("https://git-codecommit.*.amazonaws.com/v1/repos/r", true),
            ("https://git-codecommit.*.amazonaws.com/v1/rep", false),
            ("https://*.amazonaws.com", false),
            ("https://git-codecommit.*.amazonaws.com:8443", false),
            ("http://git-codecommit.*.amazonaws.com", false),
            ("https://bob@git-codecommit.*.amazonaws.com", false),
            ("git-codecommit.us-east-1.amazonaws.com", true),
            ("git-codecommit.*.amazonaws.com", false),
        ] {
            assert_eq!(matches(pattern, &url), expected, "{pattern}");
        }
    }
}
