//! Paths the AWS CLI takes from the environment (`AWS_CONFIG_FILE`,
//! `AWS_SHARED_CREDENTIALS_FILE`), expanded
//! as botocore expands them: Python's `os.path.expandvars`, then
//! `os.path.expanduser`. Python's rules differ by platform, and so do
//! these: `ntpath` on Windows (`%NAME%` too), `posixpath` elsewhere.

use std::path::PathBuf;

use aws_types::os_shim_internal::Env;

use super::var;

/// `path` with its variables and a leading `~` expanded.
pub(crate) fn expand(path: &str, env: &Env) -> PathBuf {
    expand_user(&expand_vars(path, env), env)
}

/// The home directory, as Python's `os.path.expanduser` finds it.
pub(crate) fn home(env: &Env) -> PathBuf {
    HOME_VARIABLES
        .into_iter()
        .find_map(|name| var(env, name))
        .map(PathBuf::from)
        .or_else(std::env::home_dir)
        .unwrap_or_default()
}

/// On Windows `USERPROFILE` (Python reads no `HOME` there; Git for Windows
/// sets one to the same place), elsewhere `HOME`.
#[cfg(windows)]
const HOME_VARIABLES: [&str; 2] = ["USERPROFILE", "HOME"];
#[cfg(not(windows))]
const HOME_VARIABLES: [&str; 2] = ["HOME", "USERPROFILE"];

/// `posixpath.expandvars`: `$NAME` and `${NAME}` (NAME of ASCII letters,
/// digits and `_`) replaced where the variable is set, left as written
/// where it is not.
#[cfg(not(windows))]
fn expand_vars(path: &str, env: &Env) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, used) = match after.strip_prefix('{') {
            Some(braced) => match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            },
            None => {
                let end = name_length(after, |c| c.is_ascii_alphanumeric() || c == '_');
                (&after[..end], end)
            }
        };
        out.push_str(&lookup(env, name).unwrap_or_else(|| rest[at..at + 1 + used].to_owned()));
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// `ntpath.expandvars`: `%NAME%`, `${NAME}` and `$NAME` (NAME of ASCII
/// letters, digits, `_` and `-`) replaced where the variable is set, left
/// as written where it is not; `%%` and `$$` are one sign, and nothing
/// between single quotes is expanded.
#[cfg(windows)]
fn expand_vars(path: &str, env: &Env) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(at) = rest.find(['\'', '%', '$']) {
        out.push_str(&rest[..at]);
        let sign = &rest[at..at + 1];
        let after = &rest[at + 1..];
        let (expanded, used) = match sign {
            "%" | "$" if after.starts_with(sign) => (Some(sign.to_owned()), 1),
            "'" => (None, after.find('\'').map_or(after.len(), |end| end + 1)),
            "%" => match after.find('%') {
                Some(end) => (lookup(env, &after[..end]), end + 1),
                None => (None, after.len()),
            },
            _ => match after.strip_prefix('{') {
                Some(braced) => match braced.find('}') {
                    Some(end) => (lookup(env, &braced[..end]), end + 2),
                    None => (None, after.len()),
                },
                None => {
                    let end =
                        name_length(after, |c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    (lookup(env, &after[..end]), end)
                }
            },
        };
        out.push_str(&expanded.unwrap_or_else(|| rest[at..at + 1 + used].to_owned()));
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// How many bytes at the start of `text` are a variable's name.
fn name_length(text: &str, in_name: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !in_name(c)).unwrap_or(text.len())
}

/// A variable's value, empty included; `None` when it is not set (or the
/// name is empty).
fn lookup(env: &Env, name: &str) -> Option<String> {
    env.get(name).ok().filter(|_| !name.is_empty())
}

/// Python's `os.path.expanduser` for `~` and `~/…` (and `~\…` on Windows;
/// `~user` is left alone).
fn expand_user(path: &str, env: &Env) -> PathBuf {
    match path.strip_prefix('~') {
        Some("") => home(env),
        Some(rest) if rest.starts_with(std::path::is_separator) => home(env).join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's own cases (CPython's `test_posixpath` and `test_ntpath`,
    /// `test_expandvars`), with the answers this platform's Python gives.
    #[test]
    fn variables_expand_as_this_platforms_python_expands_them() {
        let env = Env::from_slice(&[
            ("foo", "bar"),
            ("{foo", "baz1"),
            ("{foo}", "baz2"),
            ("a-b", "dash"),
            ("E", ""),
        ]);
        let common = [
            ("foo", "foo"),
            ("$foo bar", "bar bar"),
            ("${foo}bar", "barbar"),
            ("$[foo]bar", "$[foo]bar"),
            ("$bar bar", "$bar bar"),
            ("$?bar", "$?bar"),
            ("$foo}bar", "bar}bar"),
            ("${foo", "${foo"),
            ("${{foo}}", "baz1}"),
            ("$foo$foo", "barbar"),
            ("$bar$bar", "$bar$bar"),
            ("$E/x", "/x"),
            ("${}", "${}"),
            ("$", "$"),
            ("a$", "a$"),
        ];
        #[cfg(not(windows))]
        let platform = [
            ("%foo%", "%foo%"),
            ("$$foo", "$bar"),
            ("$a-b", "$a-b"),
            ("'$foo'", "'bar'"),
        ];
        #[cfg(windows)]
        let platform = [
            ("%foo% bar", "bar bar"),
            ("%foo%bar", "barbar"),
            ("%foo%%foo%", "barbar"),
            ("%%foo%%foo%foo%", "%foo%foobar"),
            ("%?bar%", "%?bar%"),
            ("%foo%%bar", "bar%bar"),
            ("'%foo%'%bar", "'%foo%'%bar"),
            ("bar'%foo%", "bar'%foo%"),
            ("a'b'$foo", "a'b'bar"),
            ("%E%x", "x"),
            ("%%", "%"),
            ("%", "%"),
            ("$$foo", "$foo"),
            ("$a-b", "dash"),
            (r"C:\x\%foo%\'q", r"C:\x\bar\'q"),
        ];
        for (path, expanded) in common.into_iter().chain(platform) {
            assert_eq!(expand_vars(path, &env), expanded, "{path}");
        }
    }

    #[test]
    fn a_leading_tilde_is_the_home_directory() {
        let env = Env::from_slice(&[("HOME", "/h"), ("USERPROFILE", "/h")]);
        assert_eq!(expand("~", &env), PathBuf::from("/h"));
        assert_eq!(expand("~/a", &env), PathBuf::from("/h").join("a"));
        assert_eq!(expand("~bob/x", &env), PathBuf::from("~bob/x"));
        assert_eq!(expand("a/~", &env), PathBuf::from("a/~"));
    }
}
