//! The INI dialect of the AWS shared config files, read exactly as the AWS
//! CLI reads it: Python's `configparser.RawConfigParser` (strict mode, no
//! interpolation, `#` and `;` comment lines, `=` or `:` delimiters, values
//! continued on deeper-indented lines, option names lower-cased, a
//! `[DEFAULT]` section whose keys every other section inherits), then
//! botocore's `raw_config_parse` step that turns a value left empty on its
//! key's line and continued below (`s3 =` + indented `k = v` lines) into a
//! sub-section.
//!
//! Lines end at LF, CR or CRLF (Python's universal newlines); "whitespace"
//! is Python's `str.isspace()`, Unicode included. The one difference: a
//! UTF-8 byte-order mark at the start is skipped (Notepad writes one; Python
//! then rejects the whole file). Errors carry a line number and never the
//! line's text, which may hold a secret. Pure: bytes in, sections out.

use std::collections::HashSet;

/// A parsed file: its sections in the order they first appear, each with
/// the `[DEFAULT]` section's keys it does not set itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ini {
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The name between the brackets, as written (not trimmed).
    pub name: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Lower-cased, as `configparser` does.
    pub key: String,
    /// The line the key is on.
    pub line: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The value; continuation lines are joined with `\n`.
    Text(String),
    /// A sub-section (`s3 =` followed by indented `k = v` lines): its keys
    /// and values, as written.
    Nested(Vec<(String, String)>),
}

/// Why a file cannot be read, at which line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct SyntaxError {
    pub line: usize,
    pub problem: Problem,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("not UTF-8 text (saved as UTF-16 or a legacy code page?); save it as UTF-8")]
    NotUtf8,
    #[error("a setting before any [section] header")]
    NoSection,
    #[error("neither a [section] header nor a `key = value` line")]
    NotKeyValue,
    #[error("a setting with no name before its `=`")]
    NoKey,
    #[error("section [{0}] appears twice")]
    DuplicateSection(String),
    #[error("{key} appears twice in section [{section}]")]
    DuplicateKey { section: String, key: String },
    #[error(
        "an indented line under {0} is not `key = value` (a sub-section), nor a value on one line"
    )]
    NestedNotKeyValue(String),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
/// The section whose keys every other section of the file inherits.
const DEFAULT_SECTION: &str = "DEFAULT";

/// Python's `str.isspace()`: Unicode's White_Space plus U+001C to U+001F.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Python's `str.strip()`.
pub fn strip(text: &str) -> &str {
    text.trim_matches(is_space)
}

/// Reads a whole file's bytes.
pub fn parse(bytes: &[u8]) -> Result<Ini, SyntaxError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| SyntaxError {
        line: lines(std::str::from_utf8(&bytes[..error.valid_up_to()]).unwrap_or_default()).count(),
        problem: Problem::NotUtf8,
    })?;
    Parser::default().read(text)
}

/// Lines as Python's universal newlines split them, without their ends;
/// the last is what follows the last line end (empty when the text ends
/// with one).
pub(super) fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.find(['\r', '\n']) {
            Some(end) => {
                let next = if text[end..].starts_with("\r\n") {
                    end + 2
                } else {
                    end + 1
                };
                rest = Some(&text[next..]);
                Some(&text[..end])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// A key being read: its value's lines so far, each with its line number.
#[derive(Debug)]
struct Pending {
    key: String,
    line: usize,
    pieces: Vec<(String, usize)>,
}

/// A section being read.
#[derive(Debug, Default)]
struct Building {
    name: String,
    keys: Vec<Pending>,
}

#[derive(Debug, Default)]
struct Parser {
    defaults: Building,
    sections: Vec<Building>,
    /// Sections and (section, key) pairs seen: a second one is an error.
    seen_sections: HashSet<String>,
    seen_keys: HashSet<(String, String)>,
}

/// Which section lines go to.
#[derive(Debug, Clone, Copy)]
enum Current {
    Defaults,
    Section(usize),
}

impl Parser {
    fn read(mut self, text: &str) -> Result<Ini, SyntaxError> {
        let mut current: Option<Current> = None;
        // Whether the last key line had a name: only then can a value go on.
        let mut in_value = false;
        let mut indent_level = 0;
        // configparser reports bad lines at the end, unless a worse error
        // (no section, a duplicate) stops it first.
        let mut first_bad_line: Option<SyntaxError> = None;
        for (index, line) in lines(text).enumerate() {
            let number = index + 1;
            let value = strip(line);
            let comment = value.starts_with(['#', ';']);
            if value.is_empty() || comment {
                if !comment && in_value {
                    self.last_key(current).pieces.push((String::new(), number));
                }
                continue;
            }
            let indent = line.chars().take_while(|&c| is_space(c)).count();
            if current.is_some() && in_value && indent > indent_level {
                self.last_key(current)
                    .pieces
                    .push((value.to_owned(), number));
                continue;
            }
            indent_level = indent;
            if let Some(name) = section_header(value) {
                current = Some(self.open(name, number)?);
                in_value = false;
                continue;
            }
            let Some(at) = current else {
                return Err(SyntaxError {
                    line: number,
                    problem: Problem::NoSection,
                });
            };
            let Some((key, value)) = value.split_once(['=', ':']) else {
                first_bad_line.get_or_insert(SyntaxError {
                    line: number,
                    problem: Problem::NotKeyValue,
                });
                continue;
            };
            let key = lower(key.trim_end_matches(is_space));
            if key.is_empty() {
                first_bad_line.get_or_insert(SyntaxError {
                    line: number,
                    problem: Problem::NoKey,
                });
            }
            let section = self.building(at).name.clone();
            if !self.seen_keys.insert((section.clone(), key.clone())) {
                return Err(SyntaxError {
                    line: number,
                    problem: Problem::DuplicateKey { section, key },
                });
            }
            in_value = !key.is_empty();
            self.building_mut(at).keys.push(Pending {
                key,
                line: number,
                pieces: vec![(strip(value).to_owned(), number)],
            });
        }
        if let Some(error) = first_bad_line {
            return Err(error);
        }
        self.finish()
    }

    /// Makes `name` the current section.
    fn open(&mut self, name: &str, line: usize) -> Result<Current, SyntaxError> {
        if name == DEFAULT_SECTION {
            return Ok(Current::Defaults);
        }
        if !self.seen_sections.insert(name.to_owned()) {
            return Err(SyntaxError {
                line,
                problem: Problem::DuplicateSection(name.to_owned()),
            });
        }
        self.sections.push(Building {
            name: name.to_owned(),
            keys: Vec::new(),
        });
        Ok(Current::Section(self.sections.len() - 1))
    }

    fn building(&self, at: Current) -> &Building {
        match at {
            Current::Defaults => &self.defaults,
            Current::Section(index) => &self.sections[index],
        }
    }

    fn building_mut(&mut self, at: Current) -> &mut Building {
        match at {
            Current::Defaults => &mut self.defaults,
            Current::Section(index) => &mut self.sections[index],
        }
    }

    /// The key whose value a continuation line goes on.
    fn last_key(&mut self, at: Option<Current>) -> &mut Pending {
        let at = at.expect("a value is only continued inside a section");
        self.building_mut(at)
            .keys
            .last_mut()
            .expect("a value is only continued after its key")
    }

    /// Joins each value's lines, gives every section the defaults it does
    /// not override, and reads sub-sections.
    fn finish(self) -> Result<Ini, SyntaxError> {
        let mut sections = Vec::with_capacity(self.sections.len());
        for building in self.sections {
            let inherited = self
                .defaults
                .keys
                .iter()
                .filter(|default| building.keys.iter().all(|own| own.key != default.key));
            let mut entries = Vec::new();
            for pending in building.keys.iter().chain(inherited) {
                entries.push(entry(pending)?);
            }
            sections.push(Section {
                name: building.name,
                entries,
            });
        }
        Ok(Ini { sections })
    }
}

/// `[name]` (configparser's `\[(?P<header>.+)\]`, matched at the start of the
/// stripped line: anything after the last `]` is ignored).
fn section_header(line: &str) -> Option<&str> {
    let inner = line.strip_prefix('[')?;
    let end = inner.rfind(']')?;
    (end > 0).then(|| &inner[..end])
}

/// A key's value: its lines joined, or the sub-section it opens.
fn entry(pending: &Pending) -> Result<Entry, SyntaxError> {
    let joined: Vec<&str> = pending
        .pieces
        .iter()
        .map(|(text, _)| text.as_str())
        .collect();
    let text = joined.join("\n");
    let text = text.trim_end_matches(is_space);
    let value = if text.starts_with('\n') {
        Value::Nested(nested(pending)?)
    } else {
        Value::Text(text.to_owned())
    };
    Ok(Entry {
        key: pending.key.clone(),
        line: pending.line,
        value,
    })
}

/// botocore's `_parse_nested`: each non-blank line (split as Python's
/// `splitlines`) is `key = value`, split at the first `=`.
fn nested(pending: &Pending) -> Result<Vec<(String, String)>, SyntaxError> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for (piece, line) in &pending.pieces {
        for part in piece.split(is_line_break).map(strip) {
            if part.is_empty() {
                continue;
            }
            let (key, value) = part.split_once('=').ok_or_else(|| SyntaxError {
                line: *line,
                problem: Problem::NestedNotKeyValue(pending.key.clone()),
            })?;
            let (key, value) = (strip(key).to_owned(), strip(value).to_owned());
            // A dict: a repeated key keeps its place and takes the new value.
            match keys.iter_mut().find(|(existing, _)| *existing == key) {
                Some(entry) => entry.1 = value,
                None => keys.push((key, value)),
            }
        }
    }
    Ok(keys)
}

/// Letters that have a lower case since Unicode 15, which Python 3.11 (whose
/// Unicode is 14, and which runs the AWS CLI here) leaves as they are.
const CASED_AFTER_UNICODE_14: [(char, char); 9] = [
    ('\u{1C89}', '\u{1C89}'),
    ('\u{A7CB}', '\u{A7CC}'),
    ('\u{A7CE}', '\u{A7CE}'),
    ('\u{A7D2}', '\u{A7D2}'),
    ('\u{A7D4}', '\u{A7D4}'),
    ('\u{A7DA}', '\u{A7DA}'),
    ('\u{A7DC}', '\u{A7DC}'),
    ('\u{10D50}', '\u{10D65}'),
    ('\u{16EA0}', '\u{16EB8}'),
];

/// configparser's `optionxform`: Python 3.11's `str.lower()`.
fn lower(key: &str) -> String {
    let kept = |c: char| {
        CASED_AFTER_UNICODE_14
            .iter()
            .any(|(first, last)| (*first..=*last).contains(&c))
    };
    let mut lowered = String::with_capacity(key.len());
    let mut rest = key;
    // Those letters are unassigned, so not cased, in Unicode 14: each ends a
    // run that is lower-cased on its own (final sigma included).
    while let Some(at) = rest.find(kept) {
        let letter = rest[at..].chars().next().unwrap_or_default();
        lowered.push_str(&rest[..at].to_lowercase());
        lowered.push(letter);
        rest = &rest[at + letter.len_utf8()..];
    }
    lowered.push_str(&rest.to_lowercase());
    lowered
}

/// Where Python's `str.splitlines()` breaks, besides CR and LF (which no
/// line holds any more).
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}' | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Value {
        Value::Text(value.to_owned())
    }

    /// (section, key, value) of every entry.
    fn flat(source: &str) -> Vec<(String, String, Value)> {
        parse(source.as_bytes())
            .unwrap()
            .sections
            .into_iter()
            .flat_map(|section| {
                section
                    .entries
                    .into_iter()
                    .map(move |entry| (section.name.clone(), entry.key, entry.value))
            })
            .collect()
    }

    fn problem(source: &[u8]) -> SyntaxError {
        parse(source).unwrap_err()
    }

    #[test]
    fn comments_delimiters_and_whitespace_as_configparser() {
        let source = "# top\n; also\n  [default]\n  # indented comment\nRegion: us-east-1 # kept\n\
             key=value\n[b]\n\u{a0}other = \u{3000}x\u{a0}\n";
        assert_eq!(
            flat(source),
            [
                ("default".into(), "region".into(), text("us-east-1 # kept")),
                ("default".into(), "key".into(), text("value")),
                ("b".into(), "other".into(), text("x")),
            ]
        );
    }

    #[test]
    fn keys_are_lower_cased_as_python_3_11_does() {
        assert_eq!(lower("AWS_Access_Key_ID"), "aws_access_key_id");
        assert_eq!(lower("ΟΔΟΣ"), "οδος".replace('σ', "ς"));
        // Cased only since Unicode 15: kept, and a word boundary for sigma.
        assert_eq!(lower("Σ\u{A7CB}Σ"), "σ\u{A7CB}σ");
        assert_eq!(lower("AΣ\u{A7CB}"), "aς\u{A7CB}");
    }

    #[test]
    fn line_ends_lf_cr_and_crlf() {
        for source in [
            "[a]\nk = v\n",
            "[a]\rk = v\r",
            "[a]\r\nk = v\r\n",
            "\u{feff}[a]\nk = v",
        ] {
            assert_eq!(
                flat(source),
                [("a".into(), "k".into(), text("v"))],
                "{source:?}"
            );
        }
    }

    #[test]
    fn continuation_lines_and_sub_sections() {
        let source = "[a]\nlong = one\n  two\n\n    three\n  # not part\nafter = x\n\
             s3 =\n  region = eu-west-1\n\n  addressing_style=path\nz = 1\n";
        assert_eq!(
            flat(source),
            [
                ("a".into(), "long".into(), text("one\ntwo\n\nthree")),
                ("a".into(), "after".into(), text("x")),
                (
                    "a".into(),
                    "s3".into(),
                    Value::Nested(vec![
                        ("region".into(), "eu-west-1".into()),
                        ("addressing_style".into(), "path".into())
                    ])
                ),
                ("a".into(), "z".into(), text("1")),
            ]
        );
        // An indented header after a key is part of that key's value.
        assert_eq!(
            flat("[a]\nk = v\n  [b]\n"),
            [("a".into(), "k".into(), text("v\n[b]"))]
        );
    }

    #[test]
    fn default_section_keys_go_to_every_section() {
        let source = "[DEFAULT]\nregion = eu-west-1\nx = d\n[a]\nx = own\n[b]\n[DEFAULT]\ny = 2\n";
        let entries = flat(source);
        assert!(entries.contains(&("a".into(), "x".into(), text("own"))));
        assert!(entries.contains(&("a".into(), "region".into(), text("eu-west-1"))));
        assert!(entries.contains(&("b".into(), "x".into(), text("d"))));
        assert!(entries.contains(&("b".into(), "y".into(), text("2"))));
        assert_eq!(entries.len(), 6);
    }

    #[test]
    fn section_headers_as_configparser_matches_them() {
        let names = |source: &str| -> Vec<String> {
            parse(source.as_bytes())
                .unwrap()
                .sections
                .into_iter()
                .map(|section| section.name)
                .collect()
        };
        assert_eq!(
            names("[ profile dev ]\n[a]b] trailing\n[]]\n"),
            [" profile dev ", "a]b", "]"]
        );
    }

    #[test]
    fn errors_name_the_line_and_never_its_text() {
        assert_eq!(problem(b"k = v\n").line, 1);
        assert_eq!(problem(b"k = v\n").problem, Problem::NoSection);
        assert_eq!(problem(b"[a]\nsecret\n").problem, Problem::NotKeyValue);
        assert_eq!(problem(b"[a]\n= v\n").problem, Problem::NoKey);
        assert_eq!(
            problem(b"[a]\n[b]\n[a]\n").problem,
            Problem::DuplicateSection("a".into())
        );
        assert_eq!(
            problem(b"[a]\nKey = 1\nkey = 2\n"),
            SyntaxError {
                line: 3,
                problem: Problem::DuplicateKey {
                    section: "a".into(),
                    key: "key".into()
                }
            }
        );
        assert_eq!(
            problem(b"[a]\ns3 =\n  addressing_style\n"),
            SyntaxError {
                line: 3,
                problem: Problem::NestedNotKeyValue("s3".into())
            }
        );
        assert_eq!(
            problem(b"[a]\nk = v\r\nx = \xff\xfe\n"),
            SyntaxError {
                line: 3,
                problem: Problem::NotUtf8
            }
        );
        assert_eq!(problem(b"\xff\xfe[\x00a\x00]\x00").line, 1);
        let error = problem(b"[a]\nAKIASECRETLINE\n").to_string();
        assert!(!error.contains("AKIA"), "{error}");
    }

    #[test]
    fn a_bad_line_is_reported_unless_a_duplicate_stops_reading_first() {
        assert_eq!(problem(b"[a]\nbad\nbad2\n").line, 2);
        assert_eq!(
            problem(b"[a]\nbad\n[a]\n").problem,
            Problem::DuplicateSection("a".into())
        );
    }
}
