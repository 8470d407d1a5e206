//! Words for a POSIX shell: git runs credential helper lines through `sh`, so
//! a profile name or a path with a space or quote in it must arrive as one
//! word. Pure.

/// `word` as one shell word: as it is when it holds only characters no shell
/// treats specially, else in single quotes (a `'` inside as `'\''`).
pub fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:@+=/%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_what_a_shell_would_split_or_expand() {
        assert_eq!(quote("dev"), "dev");
        assert_eq!(quote("/usr/bin/x"), "/usr/bin/x");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's mine"), r"'it'\''s mine'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("a!b"), "'a!b'");
    }

    #[test]
    #[cfg_attr(windows, ignore = "needs Git for Windows's sh")]
    fn sh_reads_a_quoted_word_back_whole() {
        let word = "/tmp/my dir/it's \"here\" $x `y` \\z";
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf %s {}", quote(word)))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), word);
    }
}
