//! Words as Python's `shlex.split` (POSIX mode, no comments) cuts them,
//! which botocore uses for `[profile NAME]` headers and to run a
//! `credential_process` without a shell: split at spaces, tabs, CR and LF;
//! `'…'` literal; `"…"` with `\"` and `\\` as the only escapes; a backslash
//! elsewhere escapes the next character. Pure.

/// The words of `text`; `None` where Python raises (an unclosed quote, a
/// backslash at the end).
pub fn split(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has begun: a quoted empty string is a word too.
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                continue;
            }
            '\\' => word.push(chars.next()?),
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => word.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => {
                        let escaped = chars.next()?;
                        if !matches!(escaped, '"' | '\\') {
                            word.push('\\');
                        }
                        word.push(escaped);
                    }
                    c => word.push(c),
                }
            },
            c => word.push(c),
        }
        in_word = true;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::split;

    fn words(text: &str) -> Vec<String> {
        split(text).unwrap()
    }

    #[test]
    fn splits_as_python_shlex_split() {
        assert_eq!(words("profile dev"), ["profile", "dev"]);
        assert_eq!(words("  profile\t \"my dev\" "), ["profile", "my dev"]);
        assert_eq!(words("profile 'a \"b\"'"), ["profile", "a \"b\""]);
        assert_eq!(words(r#"a"b c"d e\ f"#), ["ab cd", "e f"]);
        assert_eq!(words(r#""\"\\\x" '\x'"#), [r#""\\x"#, r"\x"]);
        assert_eq!(words("cmd '' \"\" x"), ["cmd", "", "", "x"]);
        assert_eq!(
            words("a # not a comment ;"),
            ["a", "#", "not", "a", "comment", ";"]
        );
        assert_eq!(words(""), Vec::<String>::new());
    }

    #[test]
    fn unclosed_quotes_and_trailing_backslashes_fail() {
        for text in ["profile 'dev", "a \"b", "a\\"] {
            assert_eq!(split(text), None, "{text}");
        }
    }
}
