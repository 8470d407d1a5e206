//! Text for a terminal: anything printed that came from outside (a host,
//! a path, a URL, a profile name, a value from a file) may hold ESC or BEL,
//! which a terminal obeys. Every control character is shown escaped instead
//! (`\u{1b}`, `\n`), as Rust's `escape_default` writes it; all other text,
//! non-ASCII included, is left as it is.

use std::borrow::Cow;

/// `text` with each control character (C0, DEL, C1) escaped.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        let cases = [
            ("plain host.example", "plain host.example"),
            ("é ✔ – 日本", "é ✔ – 日本"),
            ("\x1b]0;owned\x07", "\\u{1b}]0;owned\\u{7}"),
            ("a\nb\rc\td", "a\\nb\\rc\\td"),
            ("\u{7f}\u{9b}31m", "\\u{7f}\\u{9b}31m"),
        ];
        for (text, shown) in cases {
            assert_eq!(printable(text), shown, "{text:?}");
        }
        assert!(matches!(printable("no controls"), Cow::Borrowed(_)));
    }
}
