//! The AWS shared config files (`~/.aws/config`, `~/.aws/credentials`) and
//! the profile they are read for, exactly as the AWS CLI (botocore) reads
//! them: one parser for every reader in the helper, and the only one.
//!
//! - Paths: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else
//!   `~/.aws/…`, with variables and `~` expanded as Python's `expandvars` and
//!   `expanduser` do. A missing file (or a directory) is an empty one.
//! - Profiles: in the config file `[default]` and `[profile NAME]` (the
//!   header split as `shlex` splits it, so `[profile "my dev"]` is `my dev`),
//!   `[sso-session NAME]` and `[services NAME]` beside them; in the
//!   credentials file every section is a profile, named as written. A
//!   profile's settings are both files' merged, the credentials file's
//!   winning; the credential providers also see each file alone.
//! - The profile: `--profile`, else `AWS_PROFILE`, else
//!   `AWS_DEFAULT_PROFILE` (AWS CLI v2's order; v1's botocore reads them the
//!   other way round), else `default`. One named that does not exist is an
//!   error, as in the AWS CLI.
//!
//! Where the AWS CLI reads garbage, this reads better, and says so in the
//! README: a UTF-8 byte-order mark is skipped; a whitespace-led `#` or `;`
//! outside quotes ends a value (an inline comment); a value spread over
//! several lines is an error where one line is expected; an empty value or
//! variable is unset; a file that exists but cannot be read is an error, not
//! an empty file. Nothing here touches the network.

pub mod command_line;
pub(crate) mod disk;
pub mod ini;
pub(crate) mod paths;
pub mod writer;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::{Env, Fs};

use crate::os::shlex;

pub use ini::Value;

/// Which file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Config,
    Credentials,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {}; check that you can read it", .path.display(), .source.kind())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse {}: {error}", .path.display())]
    Syntax {
        path: PathBuf,
        error: ini::SyntaxError,
    },
    #[error(transparent)]
    NoProfile(Box<MissingProfile>),
    #[error("{0} is set but empty; unset it, or name a profile in it")]
    EmptyVariable(&'static str),
    #[error("{} line {line}: {key} of profile {profile} goes on over several lines; put it on one line", .path.display())]
    NotOneLine {
        path: PathBuf,
        line: usize,
        profile: String,
        key: String,
    },
}

/// A profile named by `--profile` or a variable that is in neither file.
#[derive(Debug, thiserror::Error)]
#[error("profile {name} ({how}) is not in {} or {}; the profiles there: {known}", .config.display(), .credentials.display())]
pub struct MissingProfile {
    pub name: String,
    pub how: Choice,
    pub config: PathBuf,
    pub credentials: PathBuf,
    pub known: String,
}

/// How the profile was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// `--profile`.
    Flag,
    /// `AWS_PROFILE` or `AWS_DEFAULT_PROFILE`.
    Variable(&'static str),
    /// Nothing chose one.
    Default,
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Flag => f.write_str("from --profile"),
            Choice::Variable(name) => write!(f, "from {name}"),
            Choice::Default => f.write_str("the default"),
        }
    }
}

/// One parsed file.
#[derive(Debug, Default)]
struct File {
    path: PathBuf,
    sections: Vec<ini::Section>,
}

/// A setting with where it was written.
#[derive(Debug, Clone, Copy)]
pub struct Setting<'a> {
    pub value: &'a Value,
    pub path: &'a Path,
    pub line: usize,
}

/// Both files, read for one selected profile.
#[derive(Debug)]
pub struct SharedFiles {
    config: File,
    credentials: File,
    index: Index,
    selected: String,
    choice: Choice,
}

/// Where each profile, `sso-session` and `services` section is.
#[derive(Debug, Default)]
struct Index {
    /// A profile's section in the config file and in the credentials file.
    profiles: BTreeMap<String, (Option<usize>, Option<usize>)>,
    sso_sessions: BTreeMap<String, usize>,
    services: BTreeMap<String, usize>,
}

impl Index {
    fn of(config: &File, credentials: &File) -> Self {
        let mut index = Index::default();
        for (at, section) in config.sections.iter().enumerate() {
            let name = section.name.as_str();
            // The name after the section's kind: `[profile "a b"]` is `a b`.
            let named = || -> Option<String> {
                let mut words = shlex::split(name)?;
                (words.len() == 2).then(|| words.swap_remove(1))
            };
            // botocore tests `startswith("profile")` first: `[profiles x]` is
            // profile `x` too.
            if name.starts_with("profile") {
                if let Some(profile) = named() {
                    index.profiles.insert(profile, (Some(at), None));
                }
            } else if name.starts_with("sso-session") {
                if let Some(session) = named() {
                    index.sso_sessions.insert(session, at);
                }
            } else if name.starts_with("services") {
                if let Some(service) = named() {
                    index.services.insert(service, at);
                }
            } else if name == "default" {
                index.profiles.insert(name.to_owned(), (Some(at), None));
            }
        }
        for (at, section) in credentials.sections.iter().enumerate() {
            let entry = index.profiles.entry(section.name.clone());
            entry.or_insert((None, None)).1 = Some(at);
        }
        index
    }
}

/// The profile `explicit` (from `--profile`) or the environment selects,
/// and how; a variable set but empty still counts, as in botocore, and is
/// an error.
fn select(explicit: Option<&str>, env: &Env) -> Result<(String, Choice), Error> {
    let variable = PROFILE_VARIABLES
        .into_iter()
        .find_map(|name| Some((name, env.get(name).ok()?)));
    match (explicit.filter(|name| !name.is_empty()), variable) {
        (Some(name), _) => Ok((name.to_owned(), Choice::Flag)),
        (None, Some((variable, name))) if name.is_empty() => Err(Error::EmptyVariable(variable)),
        (None, Some((variable, name))) => Ok((name, Choice::Variable(variable))),
        (None, None) => Ok(("default".to_owned(), Choice::Default)),
    }
}

/// The variables AWS CLI v2 reads the profile from, in its order (its
/// botocore's `configprovider.py`, `BOTOCORE_DEFAUT_SESSION_VARIABLES`).
const PROFILE_VARIABLES: [&str; 2] = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];

impl SharedFiles {
    /// Reads both files for `explicit` (from `--profile`) or the profile the
    /// environment selects.
    pub fn load(explicit: Option<&str>, env: &Env, fs: &Fs) -> Result<Self, Error> {
        let config = read(env, fs, "AWS_CONFIG_FILE", "config")?;
        let credentials = read(env, fs, "AWS_SHARED_CREDENTIALS_FILE", "credentials")?;
        let (selected, choice) = select(explicit, env)?;
        let files = SharedFiles {
            index: Index::of(&config, &credentials),
            config,
            credentials,
            selected,
            choice,
        };
        if choice != Choice::Default && !files.has_profile(&files.selected) {
            let known = files.profile_names().collect::<Vec<_>>().join(", ");
            return Err(Error::NoProfile(Box::new(MissingProfile {
                name: files.selected,
                how: choice,
                config: files.config.path,
                credentials: files.credentials.path,
                known: if known.is_empty() {
                    "none".to_owned()
                } else {
                    known
                },
            })));
        }
        Ok(files)
    }

    /// The selected profile.
    pub fn selected(&self) -> &str {
        &self.selected
    }

    /// How the selected profile was chosen.
    pub fn choice(&self) -> Choice {
        self.choice
    }

    /// Every profile's name, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.index.profiles.keys().map(String::as_str)
    }

    pub fn has_profile(&self, name: &str) -> bool {
        self.index.profiles.contains_key(name)
    }

    pub fn path(&self, kind: Kind) -> &Path {
        &self.file(kind).path
    }

    fn file(&self, kind: Kind) -> &File {
        match kind {
            Kind::Config => &self.config,
            Kind::Credentials => &self.credentials,
        }
    }

    /// `key` of `profile` as written in the file `kind` alone.
    pub fn setting_in(&self, kind: Kind, profile: &str, key: &str) -> Option<Setting<'_>> {
        let (config, credentials) = self.index.profiles.get(profile)?;
        let index = match kind {
            Kind::Config => (*config)?,
            Kind::Credentials => (*credentials)?,
        };
        let file = self.file(kind);
        find(file, index, key)
    }

    /// `key` of `profile`, the credentials file's over the config file's.
    pub fn setting(&self, profile: &str, key: &str) -> Option<Setting<'_>> {
        self.setting_in(Kind::Credentials, profile, key)
            .or_else(|| self.setting_in(Kind::Config, profile, key))
    }

    /// `key` of `profile` as one line of text, its inline comment dropped;
    /// `None` when unset or empty.
    pub fn value(&self, profile: &str, key: &str) -> Result<Option<&str>, Error> {
        self.setting(profile, key)
            .map_or(Ok(None), |setting| one_line(setting, profile, key))
    }

    /// As [`SharedFiles::value`], from the file `kind` alone.
    pub fn value_in(&self, kind: Kind, profile: &str, key: &str) -> Result<Option<&str>, Error> {
        self.setting_in(kind, profile, key)
            .map_or(Ok(None), |setting| one_line(setting, profile, key))
    }

    /// `key` of the `[sso-session NAME]` section.
    pub fn sso_session_value(&self, session: &str, key: &str) -> Result<Option<&str>, Error> {
        self.index
            .sso_sessions
            .get(session)
            .and_then(|&index| find(&self.config, index, key))
            .map_or(Ok(None), |setting| one_line(setting, session, key))
    }

    /// Whether `[sso-session NAME]` exists.
    pub fn has_sso_session(&self, session: &str) -> bool {
        self.index.sso_sessions.contains_key(session)
    }

    /// The selected profile's settings for the AWS SDK's own reader, as a
    /// `[default]` profile that reader takes as this module reads them: the
    /// endpoint settings of `SDK_KEYS` on one line each, comments dropped,
    /// and the `[services NAME]` section they name.
    pub fn render_for_sdk(&self) -> String {
        let mut rendered = String::from("[default]\n");
        for key in SDK_KEYS {
            if let Ok(Some(value)) = self.value(&self.selected, key) {
                rendered.push_str(&format!("{key} = {value}\n"));
            }
        }
        let services = self.value(&self.selected, "services").ok().flatten();
        if let Some((name, index)) =
            services.and_then(|name| Some((name, self.index.services.get(name)?)))
        {
            rendered.push_str(&format!("[services {name}]\n"));
            for entry in &self.config.sections[*index].entries {
                if let (true, Value::Nested(settings)) = (is_key(&entry.key), &entry.value) {
                    rendered.push_str(&format!("{} =\n", entry.key));
                    for (key, value) in settings {
                        let value = strip_comment(value);
                        if is_key(key) && !value.is_empty() {
                            rendered.push_str(&format!("  {key} = {value}\n"));
                        }
                    }
                }
            }
        }
        rendered
    }
}

/// The settings the AWS SDK's clients take from the profile: where to send
/// requests. Region, retries and timeouts the helper sets itself.
const SDK_KEYS: [&str; 5] = [
    "endpoint_url",
    "use_fips_endpoint",
    "use_dualstack_endpoint",
    "ignore_configured_endpoint_urls",
    "services",
];

/// A setting's name as AWS spells them.
fn is_key(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-'))
}

fn find<'a>(file: &'a File, index: usize, key: &str) -> Option<Setting<'a>> {
    file.sections[index]
        .entries
        .iter()
        .find(|entry| entry.key == key)
        .map(|entry| Setting {
            value: &entry.value,
            path: &file.path,
            line: entry.line,
        })
}

/// The one-line text of a setting.
fn one_line<'a>(setting: Setting<'a>, profile: &str, key: &str) -> Result<Option<&'a str>, Error> {
    match setting.value {
        Value::Text(text) if !text.contains('\n') => {
            let text = strip_comment(text);
            Ok((!text.is_empty()).then_some(text))
        }
        _ => Err(Error::NotOneLine {
            path: setting.path.to_owned(),
            line: setting.line,
            profile: profile.to_owned(),
            key: key.to_owned(),
        }),
    }
}

/// `text` up to an inline comment: a `#` or `;` at its start or after
/// whitespace, outside single and double quotes.
pub fn strip_comment(text: &str) -> &str {
    let mut quote = None;
    let mut after_space = true;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (None, '#' | ';') if after_space => return ini::strip(&text[..at]),
            (None, '\'' | '"') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            _ => {}
        }
        after_space = ini::is_space(c);
    }
    text
}

/// A variable's value; unset, empty and non-UTF-8 alike are `None`.
pub fn var(env: &Env, name: &str) -> Option<String> {
    env.get(name).ok().filter(|value| !value.is_empty())
}

/// The file `variable` names, else `~/.aws/<default>`, read and parsed.
fn read(env: &Env, fs: &Fs, variable: &str, default: &str) -> Result<File, Error> {
    let path = match var(env, variable) {
        Some(path) => paths::expand(&path, env),
        None => paths::home(env).join(".aws").join(default),
    };
    let read = crate::os::runtime::run_ready(fs.read_to_end(&path)).and_then(|read| read);
    let bytes = match read {
        Ok(bytes) => bytes,
        // Python's `os.path.isfile` is false for both: no file to read.
        Err(error)
            if matches!(
                error.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
            ) =>
        {
            return Ok(File {
                path,
                sections: Vec::new(),
            });
        }
        Err(error) => {
            return Err(Error::Unreadable {
                path,
                source: error,
            });
        }
    };
    match ini::parse(&bytes) {
        Ok(parsed) => Ok(File {
            path,
            sections: parsed.sections,
        }),
        Err(error) => Err(Error::Syntax { path, error }),
    }
}

/// Where this platform's joins put `relative` (with `/`) under `home`:
/// `/h\.aws\config` on Windows, as the messages show it.
#[cfg(test)]
pub(crate) fn fake_path(home: &str, relative: &str) -> String {
    let path = relative
        .split('/')
        .fold(PathBuf::from(home), |path, part| path.join(part));
    path.to_string_lossy().into_owned()
}

/// A fake file system holding `files` (paths relative to `home`, with `/`)
/// at their [`fake_path`].
#[cfg(test)]
pub(crate) fn fake_files(home: &str, files: &[(&str, &str)]) -> Fs {
    Fs::from_map(
        files
            .iter()
            .map(|(relative, text)| (fake_path(home, relative), text.as_bytes().to_vec()))
            .collect::<std::collections::HashMap<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        config: &str,
        credentials: &str,
        vars: &[(&str, &str)],
        explicit: Option<&str>,
    ) -> Result<SharedFiles, Error> {
        let mut env = vec![("HOME", "/home")];
        env.extend_from_slice(vars);
        let fs = fake_files(
            "/home",
            &[(".aws/config", config), (".aws/credentials", credentials)],
        );
        SharedFiles::load(explicit, &Env::from_slice(&env), &fs)
    }

    #[test]
    fn profiles_of_both_files_as_botocore_names_them() {
        let config = "[default]\n[profile dev]\n[profile \"my dev\"]\n[profile  two  ]\n[dev2]\n\
            [profile a b]\n[profilex]\n[profiles odd]\n[sso-session corp]\n[services s]\n[profile 'bad]\n";
        let credentials = "[profile dev]\n[creds only]\n[default]\n";
        let files = load(config, credentials, &[], None).unwrap();
        assert_eq!(
            files.profile_names().collect::<Vec<_>>(),
            [
                "creds only",
                "default",
                "dev",
                "my dev",
                "odd",
                "profile dev",
                "two"
            ]
        );
        assert!(files.has_sso_session("corp"));
    }

    #[test]
    fn the_credentials_file_wins_and_each_file_is_seen_alone() {
        let files = load(
            "[default]\nregion = eu-west-1\naws_access_key_id = CONFIG\n",
            "[default]\naws_access_key_id = CREDS\n",
            &[],
            None,
        )
        .unwrap();
        assert_eq!(
            files.value("default", "aws_access_key_id").unwrap(),
            Some("CREDS")
        );
        assert_eq!(
            files
                .value_in(Kind::Config, "default", "aws_access_key_id")
                .unwrap(),
            Some("CONFIG")
        );
        assert_eq!(files.value("default", "region").unwrap(), Some("eu-west-1"));
    }

    #[test]
    fn the_profile_comes_from_the_flag_then_aws_cli_v2s_variables() {
        let config = "[profile a]\n[profile b]\n[profile c]\n";
        let pick = |vars: &[(&str, &str)], explicit| {
            let files = load(config, "", vars, explicit).unwrap();
            (files.selected().to_owned(), files.choice())
        };
        assert_eq!(pick(&[], None), ("default".into(), Choice::Default));
        assert_eq!(
            pick(&[("AWS_PROFILE", "b"), ("AWS_DEFAULT_PROFILE", "a")], None),
            ("b".into(), Choice::Variable("AWS_PROFILE"))
        );
        assert_eq!(
            pick(&[("AWS_DEFAULT_PROFILE", "a")], None),
            ("a".into(), Choice::Variable("AWS_DEFAULT_PROFILE"))
        );
        let empty = load(
            config,
            "",
            &[("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "a")],
            None,
        );
        assert_eq!(
            empty.unwrap_err().to_string(),
            "AWS_PROFILE is set but empty; unset it, or name a profile in it"
        );
        assert_eq!(
            pick(&[("AWS_PROFILE", "b")], Some("c")),
            ("c".into(), Choice::Flag)
        );
        let error = load(config, "", &[("AWS_PROFILE", "nope")], None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "profile nope (from AWS_PROFILE) is not in {} or {}; the profiles there: a, b, c",
                fake_path("/home", ".aws/config"),
                fake_path("/home", ".aws/credentials")
            )
        );
        assert!(load(config, "", &[], Some("default")).is_err());
    }

    #[test]
    fn values_lose_inline_comments_outside_quotes() {
        for (written, read) in [
            ("us-east-1 # prod", "us-east-1"),
            ("us-east-1\t;x", "us-east-1"),
            ("a#b;c", "a#b;c"),
            ("# all comment", ""),
            ("cmd \"a ; b\" 'c # d' # e", "cmd \"a ; b\" 'c # d'"),
            ("it's # open quote", "it's # open quote"),
        ] {
            assert_eq!(strip_comment(written), read, "{written}");
        }
    }

    #[test]
    fn a_value_on_several_lines_is_an_error_where_one_is_expected() {
        let files = load(
            "[default]\nregion = us-east-1\n  eu-west-1\ns3 =\n  x = 1\nempty =\n",
            "",
            &[],
            None,
        )
        .unwrap();
        let error = files.value("default", "region").unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "{} line 2: region of profile default goes on over several lines; put it on one line",
                fake_path("/home", ".aws/config")
            )
        );
        assert!(files.value("default", "s3").is_err());
        assert_eq!(files.value("default", "empty").unwrap(), None);
        assert_eq!(files.value("default", "absent").unwrap(), None);
    }

    #[test]
    fn unreadable_and_unparsable_files_are_errors_naming_them() {
        let error = load("[default]\nregion\n", "", &[], None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            format!(
                "cannot parse {}: line 2: neither a [section] header nor a `key = value` line",
                fake_path("/home", ".aws/config")
            )
        );
    }

    #[test]
    fn paths_expand_variables_and_the_home_directory() {
        let env = Env::from_slice(&[
            ("HOME", "/h"),
            ("X", "x"),
            ("AWS_CONFIG_FILE", "~/$X/${X}/$NOPE/c"),
        ]);
        let found = PathBuf::from("/h").join("x/x/$NOPE/c");
        let fs = Fs::from_slice(&[(&found.to_string_lossy(), "[profile found]\n")]);
        let files = SharedFiles::load(None, &env, &fs).unwrap();
        assert!(files.has_profile("found"));
    }

    #[test]
    fn rendering_for_the_sdk_keeps_one_line_values_of_the_selected_profile() {
        let files = load(
            "[default]\nendpoint_url = http://127.0.0.1:5000 # local\nregion = us-east-1\nservices = s\nlong = a\n  b\n\
             [services s]\nsts =\n  endpoint_url = http://127.0.0.1:6000\n",
            "[default]\nregion = eu-west-1\n",
            &[],
            None,
        )
        .unwrap();
        assert_eq!(
            files.render_for_sdk(),
            "[default]\nendpoint_url = http://127.0.0.1:5000\nservices = s\n\
             [services s]\nsts =\n  endpoint_url = http://127.0.0.1:6000\n"
        );
    }
}
