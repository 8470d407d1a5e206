//! git's booleans, read as git reads them (`git_parse_maybe_bool` in
//! `parse.c`): a key with no `=` is true, an empty value false; `true`,
//! `yes`, `on` and `false`, `no`, `off` in any case; else an integer as
//! `git_parse_int` takes it (C's `strtoimax` with base 0, so `0x1f` and
//! `017` too, leading whitespace, a sign, a `k`, `m` or `g` unit, and at
//! most `INT_MAX` either way), true unless zero. The one parser of git
//! booleans in the crate: `credential.useHttpPath`, `GIT_TERMINAL_PROMPT`.
//! Pure.

const WORDS: [(&str, bool); 6] = [
    ("true", true),
    ("yes", true),
    ("on", true),
    ("false", false),
    ("no", false),
    ("off", false),
];

/// git's `INT_MAX`: the bound of an integer git takes as a boolean.
const INT_MAX: i128 = i32::MAX as i128;

/// A config value as git reads a boolean (`None`: a key with no `=`);
/// `None` when git would call it a bad boolean.
pub fn parse(value: Option<&str>) -> Option<bool> {
    let Some(value) = value else {
        return Some(true);
    };
    if value.is_empty() {
        return Some(false);
    }
    match WORDS
        .iter()
        .find(|(word, _)| value.eq_ignore_ascii_case(word))
    {
        Some(&(_, meaning)) => Some(meaning),
        None => integer(value).map(|number| number != 0),
    }
}

/// `GIT_TERMINAL_PROMPT` (its value, if set) as git's
/// `git_env_bool("GIT_TERMINAL_PROMPT", 1)` reads it: true when unset, and
/// when set to what is not a boolean (where git itself would stop).
pub fn env_allows(value: Option<&str>) -> bool {
    value.is_none_or(|value| parse(Some(value)).unwrap_or(true))
}

/// `git_parse_int`: the integer `text` is, with its unit.
fn integer(text: &str) -> Option<i128> {
    let text = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, text) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .filter(|digits| digits.starts_with(|c: char| c.is_ascii_hexdigit()));
    let (radix, digits) = match hex {
        Some(digits) => (16, digits),
        None if text.starts_with('0') => (8, text),
        None => (10, text),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    // Past i128 is past INT_MAX too.
    let magnitude = i128::from_str_radix(&digits[..end], radix).ok()?;
    let factor = match digits[end..].to_ascii_lowercase().as_str() {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return None,
    };
    let number = magnitude.checked_mul(factor)?;
    (number <= INT_MAX).then_some(if negative { -number } else { number })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASES: [&str; 30] = [
        "",
        "true",
        "YES",
        "On",
        "false",
        "No",
        "OFF",
        "maybe",
        "1",
        "0",
        "-0",
        "+1",
        " 1",
        "\t0",
        "1 ",
        "1k",
        "1K",
        "1m",
        "1g",
        "2g",
        "2097151k",
        "2097152k",
        "0x10",
        "0X1f",
        "0x",
        "017",
        "08",
        "2147483647",
        "2147483648",
        "-2147483647",
    ];

    #[test]
    fn booleans_are_read_as_git_reads_them() {
        assert_eq!(parse(None), Some(true));
        for (value, meaning) in [
            ("", Some(false)),
            ("Yes", Some(true)),
            ("off", Some(false)),
            ("0", Some(false)),
            ("0x10", Some(true)),
            ("1k", Some(true)),
            ("2g", None),
            ("-2147483648", None),
            ("08", None),
            ("maybe", None),
        ] {
            assert_eq!(parse(Some(value)), meaning, "{value:?}");
        }
    }

    #[test]
    fn git_terminal_prompt_is_a_boolean_that_defaults_to_true() {
        assert!(env_allows(None));
        assert!(env_allows(Some("1")));
        assert!(env_allows(Some("true")));
        assert!(env_allows(Some("garbage")));
        assert!(!env_allows(Some("0")));
        assert!(!env_allows(Some("false")));
        assert!(!env_allows(Some("")));
    }

    /// Each case written to a config file and read back by the real
    /// `git config --type=bool`, the reference.
    #[test]
    #[cfg_attr(windows, ignore = "needs Git for Windows")]
    fn every_case_reads_as_the_real_git_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        let mut text = String::from("[t]\n\tbare\n");
        for (at, value) in CASES.iter().enumerate() {
            text.push_str(&format!("\tk{at} = \"{}\"\n", value.replace('\t', "\\t")));
        }
        std::fs::write(&file, text).unwrap();
        let git = |key: &str| {
            let out = std::process::Command::new("git")
                .args(["config", "--file"])
                .arg(&file)
                .args(["--type=bool", "--get", key])
                .output()
                .unwrap();
            match String::from_utf8(out.stdout).unwrap().trim_end() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }
        };
        assert_eq!(git("t.bare"), parse(None));
        for (at, value) in CASES.iter().enumerate() {
            assert_eq!(parse(Some(value)), git(&format!("t.k{at}")), "{value:?}");
        }
    }
}
