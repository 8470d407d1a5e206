//! `ini::parse` against botocore itself, file by file: thousands of INI files
//! generated from fragments that hit every rule of Python's
//! `configparser.RawConfigParser` (strict mode) and of botocore's
//! `raw_config_parse` (sub-sections), plus the committed fuzz corpus and a few
//! realistic files, all read by one Python process.
//!
//! The property, for every file: botocore raises `ConfigParseError` exactly
//! where `ini::parse` fails; where both read it, they give the same sections
//! in the same order, each with the same keys in the same order (the
//! section's own, then the `[DEFAULT]` keys it does not set, as
//! `RawConfigParser.options` lists them), the same values, text or
//! sub-section (its keys in order too); and botocore's `build_profile_map`
//! names the same profiles as `SharedFiles::profile_names` for the file read
//! as `~/.aws/config`. Any other Python exception is a crash, never a match.
//!
//! The one deliberate difference is a UTF-8 byte-order mark at the start:
//! Python reads it as a character before the first header and rejects the
//! file; `ini::parse` skips it. So a file with one must fail in Python, and
//! we must read it as Python reads the same file without the mark (written
//! beside it for that).
//!
//! Python reads files in the locale's encoding; the test runs it in UTF-8
//! mode (`PYTHONUTF8=1`), as on any UTF-8 system. `INI_DIFFERENTIAL_SEED=<n>`
//! generates another sample.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use aws_types::os_shim_internal::{Env, Fs};
use git_credential_mfa_codecommit::aws::files::SharedFiles;
use git_credential_mfa_codecommit::aws::files::ini::{self, Value};
use serde_json::{Value as Json, json};

use crate::support::rng::Rng;
use crate::support::{manifest_dir, text};

/// How many files are generated.
const GENERATED: usize = 3_000;
const SEED: u64 = 0x1A2B_3C4D_5E6F_7081;
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// How many disagreements are shown.
const SHOWN: usize = 10;

/// For each file of the directory `argv[1]`, one JSON line:
/// `{"file": name, "result": r}`, `r` being `{"sections": [[name, [[key,
/// value]…]]…], "profiles": [sorted names]}` (a sub-section's value a list of
/// `[key, value]` pairs), `{"error": true}` or `{"crash": "TypeName"}`.
const SCRIPT: &str = r#"
import json, os, sys
from botocore import configloader
from botocore.exceptions import ConfigParseError

def pairs(options):
    return [[key, value if isinstance(value, str) else list(value.items())]
            for key, value in options.items()]

directory = sys.argv[1]
for name in sorted(os.listdir(directory)):
    path = os.path.join(directory, name)
    try:
        parsed = configloader.raw_config_parse(path)
        profiles = sorted(configloader.build_profile_map(parsed)["profiles"])
        result = {"sections": [[section, pairs(options)]
                               for section, options in parsed.items()],
                  "profiles": profiles}
    except ConfigParseError:
        result = {"error": True}
    except Exception as error:
        result = {"crash": type(error).__name__}
    print(json.dumps({"file": name, "result": result}))
"#;

/// What `str.strip()` removes: ASCII, Unicode, and the separators U+001C to
/// U+001F; some of them `str.splitlines()` breaks at, none a file line end.
const SPACES: &[&str] = &[
    " ", " ", " ", "\t", "\u{a0}", "\u{3000}", "\u{2028}", "\u{2029}", "\u{85}", "\x0b", "\x0c",
    "\x1c", "\x1d", "\x1e", "\x1f", "\u{2009}", "\u{1680}", "\u{202f}",
];

/// Look-alikes that are not whitespace to Python.
const NOT_SPACES: &[&str] = &["\u{200b}", "\u{180e}", "\u{feff}", "\u{2060}"];

/// Section names: botocore's kinds, `shlex` edge cases, `DEFAULT` and not.
const SECTION_NAMES: &[&str] = &[
    "default",
    "Default",
    "DEFAULT",
    " DEFAULT ",
    "DEFAULT ",
    "profile x",
    "profile \"a b\"",
    "profile 'a b'",
    "profile dev",
    "profile  dev2  ",
    "profile\tdev3",
    "profile\u{a0}nbsp",
    "profile 'bad",
    "profile \"bad",
    "profile bad\\",
    "profile a b",
    "profile",
    "profile \"\"",
    "profile default",
    "profile a\\ b",
    "profile \"q\\\"x\"",
    "profile \"q\\x\"",
    "profile #x",
    "profile\u{3000}wide",
    "profile\x0bvt",
    "profile\x0cff",
    "profilex y",
    "profiles odd",
    "sso-session corp",
    "sso-session",
    "services s",
    "services",
    "preview",
    "a]b",
    "[x",
    " ",
    "=",
    "a = b",
    "profile \u{1e9e}",
];

/// Lines that look like headers but are not quite: not a header to
/// `\[(?P<header>.+)\]`, or one with something after it.
const ODD_HEADERS: &[&str] = &[
    "[]",
    "[",
    "[a",
    "a]",
    "[]]",
    "[ ]",
    "[x] # trailing",
    "[x];c",
    "[y] = v",
    "[z] x",
    "[w]]",
    "[[v]]",
    "[a] b [c]",
    "[u]\u{a0}",
];

/// Option names: case folding, Unicode, duplicates after `lower()`.
const KEYS: &[&str] = &[
    "region",
    "Region",
    "REGION",
    "output",
    "aws_access_key_id",
    "mfa_serial",
    "role_arn",
    "source_profile",
    "s3",
    "S3",
    "sts",
    "a b",
    "x.y",
    "k\u{a0}k",
    "k\u{200b}",
    "\u{212a}",
    "k",
    "K",
    "\u{df}",
    "\u{1e9e}",
    "\u{130}",
    "i\u{307}",
    "\u{391}\u{3a3}",
    "\u{3b1}\u{3c2}",
    "\u{3b1}\u{3c3}",
    // Capitals of Unicode 16, unknown to Python 3.11's Unicode 14.
    "\u{a7cb}",
    "\u{264}",
    "\u{1c89}",
    "\u{10d50}",
    "[k",
    "k]",
    "k#",
    "k;",
    "k\0",
    "$HOME",
    "%(x)s",
];

/// Between key and value.
const DELIMITERS: &[&str] = &[
    "=",
    "=",
    " = ",
    " = ",
    ":",
    ": ",
    " : ",
    "\t=\t",
    "=\u{a0}",
    "\u{3000}:",
    "==",
    "=:",
    ":=",
    " =  ",
    "\u{a0}= ",
    "\x0c=",
];

/// Values: inline comments and quotes kept, delimiters inside, odd
/// characters.
const VALUES: &[&str] = &[
    "",
    "us-east-1",
    "eu-west-1",
    "v # inline",
    "v;x",
    "v ; x",
    "v\t# tab",
    "'single'",
    "\"double\"",
    "\"a ; b\" 'c # d'",
    "it's",
    "a=b",
    "x:y",
    "k = v",
    "[brackets]",
    "#",
    ";",
    "value\u{2028}more",
    "a\x0bb",
    "a\x1fb",
    "a\x1cb=c",
    "a\u{85}b",
    "\0",
    "a\0b",
    "\u{fc}n\u{ef}c\u{f6}d\u{e9}",
    "\u{feff}v",
    "$HOME/x",
    "%(region)s",
    "\\",
    "arn:aws:iam::123456789012:mfa/alice",
    "http://127.0.0.1:5000",
    "ykman oath accounts code -s aws",
];

/// What an indented line under a key holds.
const CONTINUED: &[&str] = &[
    "more",
    "region = eu-west-1",
    "addressing_style=path",
    "a=",
    "=b",
    "k = v = w",
    "k\u{2028}= v",
    "k = v\u{2028}j = w",
    "k = v\x0bbad",
    "novalue",
    "addressing_style",
    "[hdr]",
    "[default]",
    "# indented comment",
    "; indented comment",
    "v # not a comment",
    "x: y",
    "\0",
];

/// Indents, deeper and shallower.
const INDENTS: &[&str] = &[
    " ", "  ", "  ", "    ", "\t", "\u{a0}", "\u{3000}", "\x0c", "\x1c", "\u{2028}", " \t",
    "      ",
];

/// Lines `configparser` cannot read at all.
const BAD_LINES: &[&str] = &[
    "justtext", "=v", ":v", "= v", "[", "[]", "  = v", "\u{200b}",
];

const COMMENTS: &[&str] = &[
    "# c",
    "; c",
    "#",
    ";",
    "  # indented",
    "\t; x",
    "\u{a0}#x",
    "#[x]",
];

/// Invalid UTF-8: a lone byte, a cut sequence, a surrogate, an overlong
/// form, past U+10FFFF, UTF-16.
const INVALID: &[&[u8]] = &[
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xff\xfe[\x00a\x00]\x00",
];

/// Whitespace around a token, now and then.
fn spaces(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => rng.pick(SPACES).to_owned(),
        1 => format!("{}{}", rng.pick(SPACES), rng.pick(SPACES)),
        _ => String::new(),
    }
}

/// As [`spaces`], or now and then a character that only looks like one.
fn pad(rng: &mut Rng) -> String {
    if rng.one_in(32) {
        rng.pick(NOT_SPACES).to_owned()
    } else {
        spaces(rng)
    }
}

fn section_name(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => format!("profile p{}", rng.below(30)),
        4 => format!("s{}", rng.below(20)),
        _ => rng.pick(SECTION_NAMES).to_owned(),
    }
}

fn header(rng: &mut Rng) -> String {
    let indent = if rng.one_in(10) {
        rng.pick(INDENTS)
    } else {
        ""
    };
    if rng.one_in(8) {
        return format!("{indent}{}", rng.pick(ODD_HEADERS));
    }
    let trailing = match rng.below(12) {
        0 => " # trailing",
        1 => "]",
        2 => "\t;c",
        3 => " = v",
        _ => "",
    };
    format!("{indent}[{}]{trailing}{}", section_name(rng), spaces(rng))
}

fn key(rng: &mut Rng) -> String {
    match rng.below(8) {
        0..=3 => {
            let key = format!("k{}", rng.below(60));
            if rng.one_in(5) {
                key.to_uppercase()
            } else {
                key
            }
        }
        4 if rng.one_in(10) => String::new(),
        _ => rng.pick(KEYS).to_owned(),
    }
}

fn value(rng: &mut Rng) -> String {
    format!("{}{}{}", pad(rng), rng.pick(VALUES), pad(rng))
}

/// A `key = value` line, sometimes indented, sometimes without a delimiter.
fn key_line(rng: &mut Rng, key: &str) -> String {
    let indent = if rng.one_in(10) {
        rng.pick(INDENTS)
    } else {
        ""
    };
    let delimiter = if rng.one_in(40) {
        " "
    } else {
        rng.pick(DELIMITERS)
    };
    format!("{indent}{key}{}{delimiter}{}", pad(rng), value(rng))
}

fn continued(rng: &mut Rng) -> String {
    let line = if rng.one_in(3) {
        value(rng)
    } else {
        rng.pick(CONTINUED).to_owned()
    };
    format!("{}{line}{}", rng.pick(INDENTS), pad(rng))
}

fn blank(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => String::new(),
        _ => spaces(rng),
    }
}

/// One item of a section's body: one or more lines.
fn body_item(rng: &mut Rng, lines: &mut Vec<String>) {
    match rng.below(22) {
        0..=9 => {
            let key = key(rng);
            lines.push(key_line(rng, &key));
        }
        10..=12 => {
            let key = key(rng);
            lines.push(key_line(rng, &key));
            for _ in 0..=rng.below(3) {
                if rng.one_in(4) {
                    lines.push(blank(rng));
                }
                lines.push(continued(rng));
            }
        }
        13..=15 => {
            // A sub-section: `s3 =` with indented `k = v` lines.
            let key = rng.pick(&["s3", "sts", "codecommit", "S3", "k"]);
            let delimiter = rng.pick(&[" =", "=", " = ", ":", " :  "]);
            lines.push(format!("{key}{delimiter}{}", pad(rng)));
            let indent = rng.pick(&["  ", "    ", "\t", "\u{a0}"]);
            for _ in 0..=rng.below(3) {
                match rng.below(12) {
                    0 => lines.push(blank(rng)),
                    1 => lines.push(format!("{indent}# nested comment")),
                    2 if rng.one_in(3) => lines.push(format!("{indent}{}", rng.pick(CONTINUED))),
                    3 => lines.push(format!("{indent}{indent}k{} = deeper", rng.below(4))),
                    _ => lines.push(format!(
                        "{indent}{}{}={}{}",
                        rng.pick(&["addressing_style", "endpoint_url", "region", "a", "A", ""]),
                        pad(rng),
                        pad(rng),
                        rng.pick(VALUES)
                    )),
                }
            }
        }
        16..=18 => lines.push(blank(rng)),
        19 | 20 => lines.push(rng.pick(COMMENTS).to_owned()),
        _ if rng.one_in(3) => lines.push(rng.pick(BAD_LINES).to_owned()),
        _ => lines.push(format!("{}{}", rng.pick(INDENTS), rng.pick(COMMENTS))),
    }
}

/// One generated file.
fn generate(rng: &mut Rng) -> Vec<u8> {
    let mut lines = Vec::new();
    if rng.one_in(25) {
        let key = key(rng);
        lines.push(key_line(rng, &key));
    }
    for _ in 0..rng.below(3) {
        match rng.below(3) {
            0 => lines.push(blank(rng)),
            _ => lines.push(rng.pick(COMMENTS).to_owned()),
        }
    }
    let sections = rng.below(5);
    let defaults = rng.one_in(5).then(|| rng.below(sections + 1));
    for index in 0..=sections {
        if defaults == Some(index) {
            lines.push("[DEFAULT]".to_owned());
            for _ in 0..rng.below(4) {
                body_item(rng, &mut lines);
            }
        }
        if index == sections {
            break;
        }
        lines.push(header(rng));
        for _ in 0..rng.below(6) {
            body_item(rng, &mut lines);
        }
    }
    let ends: &[&str] = match rng.below(6) {
        0 => &["\r\n"],
        1 => &["\r"],
        2 => &["\n", "\r\n", "\r"],
        _ => &["\n"],
    };
    let mut text = String::new();
    for (index, line) in lines.iter().enumerate() {
        text.push_str(line);
        if index + 1 < lines.len() || !rng.one_in(5) {
            text.push_str(rng.pick(ends));
        }
    }
    let mut bytes = text.into_bytes();
    if rng.one_in(30) {
        let at = rng.below(bytes.len() + 1);
        let invalid = rng.pick(INVALID);
        bytes.splice(at..at, invalid.iter().copied());
    }
    if rng.one_in(25) {
        bytes.splice(0..0, BOM.iter().copied());
    }
    bytes
}

/// Hand-written files as people keep them.
const REALISTIC: &[(&str, &str)] = &[
    (
        "a typical config",
        "# ~/.aws/config\n[default]\nregion = us-east-1\noutput = json\ncli_pager =\n\n\
         [profile dev]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
         duration_seconds = 43200 ; twelve hours\n\n\
         [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = dev\n\
         role_session_name = alice\ns3 =\n    addressing_style = path\n    signature_version = s3v4\n\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
         sso_registration_scopes = sso:account:access\n\n\
         [profile \"sso dev\"]\nsso_session = corp\nsso_account_id = 111122223333\n\
         sso_role_name = ReadOnly\nservices = local\n\n\
         [services local]\nsts =\n  endpoint_url = http://127.0.0.1:5000\n\
         codecommit =\n  endpoint_url = http://127.0.0.1:6000\n",
    ),
    (
        "a credentials file with CRLF and [DEFAULT]",
        "[DEFAULT]\r\nregion = us-east-1\r\n\r\n[default]\r\n\
         aws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\n\
         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n\r\n\
         [ci]\r\naws_access_key_id=AKIAI44QH8DHBEXAMPLE\r\n\
         aws_secret_access_key=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\r\n\
         aws_session_token = FwoGZXIvYXdzEJr//token+with/slashes==\r\n",
    ),
    (
        "a Notepad file: BOM and CRLF",
        "\u{feff}[default]\r\nregion = eu-central-1\r\ncredential_process = \"C:\\Program Files\\tool.exe\" --json\r\n",
    ),
    (
        "a value over several lines and a comment inside",
        "[profile long]\nmfa_process = sh -c\n  'echo 123456'\n\n  # not part of it\n  tail\nregion=ap-south-1\n",
    ),
];

/// One input and where it came from.
struct Case {
    label: String,
    bytes: Vec<u8>,
}

fn cases(seed: u64) -> Vec<Case> {
    let mut rng = Rng(seed);
    let mut cases: Vec<Case> = (0..GENERATED)
        .map(|index| Case {
            label: format!("generated #{index} (seed {seed})"),
            bytes: generate(&mut rng),
        })
        .collect();
    let corpus = manifest_dir().join("tests/fuzz/corpus/config");
    let mut entries: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    assert!(
        !entries.is_empty(),
        "no fuzz corpus in {}",
        corpus.display()
    );
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // As the fuzz target splits it: config NUL credentials NUL profile.
        let mut parts = data.splitn(3, |&byte| byte == 0);
        for role in ["config", "credentials"] {
            if let Some(bytes) = parts.next() {
                cases.push(Case {
                    label: format!("fuzz corpus {name}, its {role} file"),
                    bytes: bytes.to_vec(),
                });
            }
        }
    }
    cases.extend(REALISTIC.iter().map(|(label, text)| Case {
        label: format!("hand-written: {label}"),
        bytes: text.as_bytes().to_vec(),
    }));
    cases
}

/// `bytes` as a Rust literal.
fn escaped(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!("b\"{}\"", bytes.escape_ascii()),
    }
}

/// What we read from `bytes`, in the shape the Python script prints.
fn ours(bytes: &[u8]) -> Json {
    let Ok(parsed) = ini::parse(bytes) else {
        return json!({ "error": true });
    };
    let sections: Vec<Json> = parsed
        .sections
        .iter()
        .map(|section| {
            let entries: Vec<Json> = section
                .entries
                .iter()
                .map(|entry| {
                    let value = match &entry.value {
                        Value::Text(text) => json!(text),
                        Value::Nested(pairs) => json!(pairs),
                    };
                    json!([entry.key, value])
                })
                .collect();
            json!([section.name, entries])
        })
        .collect();
    json!({ "sections": sections, "profiles": profiles(bytes) })
}

/// `SharedFiles`'s profile names for `bytes` as `~/.aws/config`, sorted by
/// code point as Python sorts them.
fn profiles(bytes: &[u8]) -> Json {
    let env = Env::from_slice(&[("HOME", "/home")]);
    let fs = Fs::from_map(HashMap::from([(
        "/home/.aws/config".to_owned(),
        bytes.to_vec(),
    )]));
    match SharedFiles::load(None, &env, &fs) {
        Ok(aws) => {
            let names: BTreeSet<&str> = aws.profile_names().collect();
            json!(names)
        }
        Err(error) => json!(format!("SharedFiles::load failed: {error}")),
    }
}

/// Whether a parsed result holds a sub-section.
fn has_sub_section(result: &Json) -> bool {
    let Some(Json::Array(sections)) = result.get("sections") else {
        return false;
    };
    sections
        .iter()
        .filter_map(|section| section[1].as_array())
        .flatten()
        .any(|entry| entry[1].is_array())
}

/// botocore's reading of every file of `dir`, by file name.
fn botocore(dir: &std::path::Path) -> HashMap<String, Json> {
    let output = Command::new(crate::support::aws_cli::python())
        .args(["-c", SCRIPT])
        .arg(dir)
        .env("PYTHONUTF8", "1")
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "the botocore script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    text(&output.stdout)
        .lines()
        .map(|line| {
            let mut line: Json = serde_json::from_str(line).expect("a JSON line");
            let name = line["file"].as_str().expect("a file name").to_owned();
            (name, line["result"].take())
        })
        .collect()
}

#[test]
#[ignore = "needs python3 with botocore (pip install awscli): run by .ci/run"]
fn ini_parse_reads_every_file_as_botocore_does() {
    let seed = std::env::var("INI_DIFFERENTIAL_SEED")
        .map(|seed| seed.parse().expect("INI_DIFFERENTIAL_SEED is a number"))
        .unwrap_or(SEED);
    let cases = cases(seed);
    let dir = tempfile::tempdir().unwrap();
    for (index, case) in cases.iter().enumerate() {
        std::fs::write(dir.path().join(format!("{index}")), &case.bytes).unwrap();
        if let Some(rest) = case.bytes.strip_prefix(BOM) {
            std::fs::write(dir.path().join(format!("{index}-without-bom")), rest).unwrap();
        }
    }
    let theirs = botocore(dir.path());

    let error = json!({ "error": true });
    let (mut python_parses, mut ours_parse, mut both_parse, mut both_fail) = (0, 0, 0, 0);
    let (mut nested, mut boms) = (0, 0);
    // Each disagreement with the length of its file: the shortest are shown.
    let mut failures: Vec<(usize, String)> = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let result = |name: String| {
            theirs
                .get(&name)
                .unwrap_or_else(|| panic!("no result from Python for {name}"))
        };
        let python = result(index.to_string());
        let mine = ours(&case.bytes);
        python_parses += usize::from(*python != error);
        ours_parse += usize::from(mine != error);
        // With a BOM: Python fails, and we read the file it reads without one.
        let expected = if case.bytes.starts_with(BOM) {
            boms += 1;
            if *python != error {
                failures.push((
                    case.bytes.len(),
                    format!(
                        "{}: {}\n  python (must fail, for the BOM): {python}\n  ours:   {mine}",
                        case.label,
                        escaped(&case.bytes)
                    ),
                ));
            }
            result(format!("{index}-without-bom"))
        } else {
            python
        };
        match (*expected != error, mine != error) {
            (true, true) => both_parse += 1,
            (false, false) => both_fail += 1,
            _ => {}
        }
        nested += usize::from(has_sub_section(expected));
        if *expected != mine {
            failures.push((
                case.bytes.len(),
                format!(
                    "{}: {}\n  python: {expected}\n  ours:   {mine}",
                    case.label,
                    escaped(&case.bytes)
                ),
            ));
        }
    }
    println!(
        "{} files ({GENERATED} generated, seed {seed}; {boms} with a BOM): \
         Python parses {python_parses}, fails {}; ours parses {ours_parse}, fails {}; \
         both parse {both_parse}, both fail {both_fail}; {nested} with sub-sections; \
         {} disagreements",
        cases.len(),
        cases.len() - python_parses,
        cases.len() - ours_parse,
        failures.len()
    );
    failures.sort_by_key(|(length, _)| *length);
    let shown: Vec<&str> = failures
        .iter()
        .take(SHOWN)
        .map(|(_, failure)| failure.as_str())
        .collect();
    assert!(
        failures.is_empty(),
        "{} disagreements between botocore and ini::parse in {} files (the {} shortest files):\n\n{}",
        failures.len(),
        cases.len(),
        shown.len(),
        shown.join("\n\n")
    );
    // The sample must exercise both outcomes and sub-sections.
    let share = |count: usize| count * 100 / cases.len();
    assert!(
        share(both_parse) >= 25 && share(both_fail) >= 15 && share(nested) >= 5,
        "a lopsided sample: {both_parse} parse, {both_fail} fail, {nested} with sub-sections"
    );
}
