//! One key set in the AWS config file exactly as `aws configure set
//! profile.P.KEY VALUE` sets it (awscli's `ConfigFileWriter`), so that the
//! file the helper leaves is the file the AWS CLI would have left, byte for
//! byte.
//!
//! The AWS CLI's rules, quirks included:
//! - the section is `[default]`, `[preview]`, `[plugins]`, or
//!   `[profile P]` (P shell-quoted when it holds a space or a tab), found
//!   as `[profile P]` or `[profile "P"]`, never in a comment line;
//! - in it, an existing `KEY = …` line is replaced by `KEY = VALUE`; else
//!   the line goes after the section's last `name = value` or `name: value`
//!   line (comments that look like one count) when another section follows,
//!   and one line further when the section ends the file;
//! - a file that has the section is rewritten with its line ends made `\n`
//!   (Python reads it with universal newlines); one that lacks it is left
//!   as it is and gets the section appended, after a `\n` if its last byte is
//!   not one; a missing file becomes `[section]\nKEY = VALUE\n`.
//!
//! Pure: text in, text out.

use super::ini::{is_space, lines, strip};

/// The sections the AWS CLI names without `profile `.
const PREDEFINED: [&str; 2] = ["preview", "plugins"];

/// A section, key or value the file cannot hold on one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a line break in what would be written to the AWS config file")]
pub struct NotOneLine;

/// Whether botocore reads `[profile NAME]` (as [`profile_header`] writes
/// it) back as this one profile: a name that is not empty and holds no
/// control character, line breaks among them (a name that held one would
/// write headers and keys of its own into the file).
pub fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
}

/// The section the AWS CLI writes profile `name`'s settings to: `[default]`
/// and the AWS CLI's own sections by name, any other as [`profile_header`].
pub fn section_for(name: &str) -> String {
    if name == "default" || PREDEFINED.contains(&name) {
        name.to_owned()
    } else {
        profile_header(name)
    }
}

/// `profile NAME`, the header botocore reads back as profile `name`: it
/// splits headers with `shlex`, so a name with whitespace, a quote or a
/// backslash is quoted as Python's `shlex.quote` quotes it. The AWS CLI
/// quotes for a space or a tab only, and so writes `[profile it's]`, which
/// botocore then passes over; here every name comes back whole.
pub fn profile_header(name: &str) -> String {
    if name.contains([' ', '\t', '\'', '"', '\\']) {
        format!("profile '{}'", name.replace('\'', "'\"'\"'"))
    } else {
        format!("profile {name}")
    }
}

/// The file after `key = value` is set in `section`; `None`: no file yet.
pub fn set(
    contents: Option<&str>,
    section: &str,
    key: &str,
    value: &str,
) -> Result<String, NotOneLine> {
    if [section, key, value]
        .iter()
        .any(|text| text.contains(['\n', '\r']))
    {
        return Err(NotOneLine);
    }
    let entry = format!("{key} = {value}\n");
    let Some(text) = contents else {
        return Ok(format!("[{section}]\n{entry}"));
    };
    let mut lines = universal_lines(text);
    let Some(start) = lines.iter().position(|line| starts(line, section)) else {
        let mut out = text.to_owned();
        if !text.is_empty() && !text.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("[{section}]\n{entry}"));
        return Ok(out);
    };
    let mut last = start;
    let mut pending = true;
    for index in start + 1..lines.len() {
        let line = &lines[index];
        if header(line).is_some() {
            if pending {
                lines.insert(last + 1, entry);
            }
            return Ok(lines.concat());
        }
        if let Some(name) = option_name(line) {
            last = index;
            if pending && name == key {
                lines[index] = entry.clone();
                pending = false;
            }
        }
    }
    if pending {
        if !lines.last().is_some_and(|line| line.ends_with('\n')) {
            lines.push("\n".to_owned());
        }
        let at = (last + 2).min(lines.len());
        lines.insert(at, entry);
    }
    Ok(lines.concat())
}

/// The lines as Python's text mode reads them: `\r\n`, `\r` and `\n` each
/// end a line and become `\n`.
fn universal_lines(text: &str) -> Vec<String> {
    let mut pieces: Vec<&str> = lines(text).collect();
    let last = pieces.pop().filter(|last| !last.is_empty());
    pieces
        .into_iter()
        .map(|line| format!("{line}\n"))
        .chain(last.map(str::to_owned))
        .collect()
}

/// Whether `line` starts `section` (`_find_section_start`).
fn starts(line: &str, section: &str) -> bool {
    let stripped = strip(line);
    if stripped.starts_with('#') || stripped.starts_with(';') {
        return false;
    }
    let Some(found) = header(line) else {
        return false;
    };
    if found == format!("[{section}]") {
        return true;
    }
    match section.split_once(' ') {
        Some((first, rest)) => found == format!("[{first} \"{rest}\"]"),
        None => false,
    }
}

/// What `^\s*\[[^]]+\]` matches at the start of `line`.
fn header(line: &str) -> Option<&str> {
    let open = line.len() - line.trim_start_matches(is_space).len();
    let rest = line[open..].strip_prefix('[')?;
    let close = rest.find(']')?;
    (close > 0).then(|| &line[..open + 1 + close + 1])
}

/// The stripped option name `(?P<option>[^:=][^:=]*)\s*[:=]` finds in
/// `line`, searching anywhere in it.
fn option_name(line: &str) -> Option<&str> {
    let begin = line.find(|c| c != ':' && c != '=')?;
    let end = begin + line[begin..].find([':', '='])?;
    Some(strip(&line[begin..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_serial(contents: Option<&str>, profile: &str) -> String {
        set(contents, &section_for(profile), "mfa_serial", "arn:x").unwrap()
    }

    #[test]
    fn sections_are_named_as_the_aws_cli_names_them() {
        assert_eq!(section_for("default"), "default");
        assert_eq!(section_for("plugins"), "plugins");
        assert_eq!(section_for("dev"), "profile dev");
        assert_eq!(section_for("my dev"), "profile 'my dev'");
        assert_eq!(section_for("it's\tme"), "profile 'it'\"'\"'s\tme'");
        assert_eq!(section_for("it's"), "profile 'it'\"'\"'s'");
        assert_eq!(section_for(r#"a"b\c"#), r#"profile 'a"b\c'"#);
        assert_eq!(profile_header("default"), "profile default");
    }

    #[test]
    fn a_missing_file_or_section_gets_one_appended_and_the_rest_kept() {
        assert_eq!(
            set_serial(None, "dev"),
            "[profile dev]\nmfa_serial = arn:x\n"
        );
        assert_eq!(
            set_serial(Some(""), "dev"),
            "[profile dev]\nmfa_serial = arn:x\n"
        );
        assert_eq!(
            set_serial(Some("[default]\r\nregion = a"), "dev"),
            "[default]\r\nregion = a\n[profile dev]\nmfa_serial = arn:x\n"
        );
        assert_eq!(
            set_serial(Some("# [profile dev]\n"), "dev"),
            "# [profile dev]\n[profile dev]\nmfa_serial = arn:x\n"
        );
    }

    #[test]
    fn in_an_existing_section_the_line_is_replaced_or_placed_as_the_aws_cli_places_it() {
        let cases = [
            (
                "[profile dev]\nregion = a\n\n[default]\n",
                "[profile dev]\nregion = a\nmfa_serial = arn:x\n\n[default]\n",
            ),
            (
                "[profile dev]\r\nmfa_serial = old\r\nregion = a\r\n",
                "[profile dev]\nmfa_serial = arn:x\nregion = a\n",
            ),
            (
                "[profile dev]\nregion = a\n\n# end\n",
                "[profile dev]\nregion = a\n\nmfa_serial = arn:x\n# end\n",
            ),
            ("[profile dev]", "[profile dev]\nmfa_serial = arn:x\n"),
            (
                "[profile \"dev\"]\nx: 1",
                "[profile \"dev\"]\nx: 1\nmfa_serial = arn:x\n",
            ),
            (
                "[profile dev]\n# note = x\n[other]\n",
                "[profile dev]\n# note = x\nmfa_serial = arn:x\n[other]\n",
            ),
        ];
        for (before, after) in cases {
            assert_eq!(set_serial(Some(before), "dev"), after, "{before:?}");
        }
    }

    #[test]
    fn nothing_with_a_line_break_is_written() {
        assert_eq!(set(None, "default", "mfa_serial", "a\nb"), Err(NotOneLine));
        assert_eq!(set(None, "default\r", "k", "v"), Err(NotOneLine));
    }
}
