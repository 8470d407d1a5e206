//! A `credential_process` command line as botocore splits it
//! (`botocore.compat.compat_shell_split`): POSIX `shlex` everywhere but
//! Windows, and there the rules of the Microsoft C runtime
//! (`_windows_shell_split`), and the one quoting rule that each splitter
//! reads back as one word. Pure.
//!
//! The Windows rules: only space and tab separate words; `"` is the only
//! quote; backslashes are literal unless a run of them ends at a `"`, where
//! each pair is one backslash and an odd one left over makes the `"` a plain
//! character.

use crate::os::shell;
use crate::os::shlex;

/// The words of `command` as botocore splits it on this platform; `None`
/// where botocore raises (an unclosed quote).
pub fn split(command: &str) -> Option<Vec<String>> {
    if cfg!(windows) {
        split_windows(command)
    } else {
        shlex::split(command)
    }
}

/// `word` quoted so that [`split`] on this platform reads it back whole.
pub fn quote(word: &str) -> String {
    if cfg!(windows) {
        quote_windows(word)
    } else {
        shell::quote(word)
    }
}

/// The words of `command` as `_windows_shell_split` cuts them.
pub fn split_windows(command: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has begun: `""` is a word too.
    let mut in_word = false;
    let mut quoted = false;
    let mut backslashes = 0;
    for c in command.chars() {
        if c == '\\' {
            backslashes += 1;
            continue;
        }
        if c == '"' {
            word.extend(std::iter::repeat_n('\\', backslashes / 2));
            let escaped = backslashes % 2 == 1;
            backslashes = 0;
            in_word = true;
            if escaped {
                word.push('"');
            } else {
                quoted = !quoted;
            }
            continue;
        }
        word.extend(std::iter::repeat_n('\\', backslashes));
        in_word |= backslashes > 0;
        backslashes = 0;
        if (c == ' ' || c == '\t') && !quoted {
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
        } else {
            word.push(c);
            in_word = true;
        }
    }
    if quoted {
        return None;
    }
    word.extend(std::iter::repeat_n('\\', backslashes));
    if in_word || backslashes > 0 {
        words.push(word);
    }
    Some(words)
}

/// `word` as one word for [`split_windows`]: as it is without space, tab or
/// `"`, else in double quotes, a `"` inside as `\"` and the backslashes
/// before a `"` (the closing one included) doubled.
pub fn quote_windows(word: &str) -> String {
    if !word.is_empty() && !word.contains([' ', '\t', '"']) {
        return word.to_owned();
    }
    let mut quoted = String::from("\"");
    let mut backslashes = 0;
    for c in word.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                // The run already written, doubled, and one for the quote.
                quoted.extend(std::iter::repeat_n('\\', backslashes + 1));
                backslashes = 0;
            }
            _ => backslashes = 0,
        }
        quoted.push(c);
    }
    quoted.extend(std::iter::repeat_n('\\', backslashes));
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// botocore's own cases (tests/unit/test_compat.py,
    /// `test_compat_shell_split_windows`), the last four from Microsoft's
    /// documentation of the C runtime's parsing.
    const BOTOCORE_WINDOWS_CASES: &[(&str, &[&str])] = &[
        (r"", &[]),
        (r"spam \\", &[r"spam", r"\\"]),
        (r"spam ", &[r"spam"]),
        (r" spam", &[r"spam"]),
        ("spam eggs", &[r"spam", r"eggs"]),
        ("spam\teggs", &[r"spam", r"eggs"]),
        ("spam\neggs", &["spam\neggs"]),
        (r#""""#, &[""]),
        (r#"" ""#, &[" "]),
        ("\"\t\"", &["\t"]),
        (r"\\", &[r"\\"]),
        (r"\\ ", &[r"\\"]),
        ("\\\\\t", &[r"\\"]),
        (r#"\""#, &[r#"""#]),
        (r#""abc" d e"#, &[r"abc", r"d", r"e"]),
        (r#"a\\b d"e f"g h"#, &[r"a\\b", r"de fg", r"h"]),
        (r#"a\\\"b c d"#, &[r#"a\"b"#, r"c", r"d"]),
        (r#"a\\\\"b c" d e"#, &[r"a\\b c", r"d", r"e"]),
    ];

    #[test]
    fn windows_command_lines_split_as_botocore_splits_them() {
        for (command, words) in BOTOCORE_WINDOWS_CASES {
            assert_eq!(split_windows(command).unwrap(), *words, "{command:?}");
        }
        assert_eq!(split_windows(r#"""#), None);
    }

    #[test]
    fn quoted_words_come_back_whole() {
        for word in [
            "",
            "plain",
            r"C:\Program Files\helper.exe",
            r#"say "hi""#,
            r"ends\",
            r#"\"odd\\"#,
            "tab\there",
            r"\\server\share\x",
        ] {
            let line = format!("{} --profile x", quote_windows(word));
            assert_eq!(
                split_windows(&line).unwrap(),
                [word, "--profile", "x"],
                "{line}"
            );
        }
        assert_eq!(quote_windows(r"C:\bin\h.exe"), r"C:\bin\h.exe");
        assert_eq!(quote_windows(r"C:\a b\"), r#""C:\a b\\""#);
    }
}
