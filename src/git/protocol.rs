//! git's credential-helper wire format (`git help credential`, "INPUT/OUTPUT FORMAT").
//!
//! Input is `key=value` lines ended by a blank line or end of input. Parsing is
//! strict where git is strict (a line without `=`, NUL bytes, input that is not
//! UTF-8 or larger than [`MAX_INPUT`]) and lenient where git is lenient (CRLF line
//! ends, unknown and repeated keys: the last value wins, `[]` keys accumulate).
//! Output is written LF-only and refuses any value that could break the framing
//! (CR, LF or NUL), so nothing we print can inject an attribute. For a git
//! that announces `capability[]=authtype` (2.46 and later) the answer can be
//! an ephemeral `Authorization: Basic` credential, which git sends as it is
//! and hands no storage helper.
//!
//! This module knows nothing of AWS and never echoes an input line back: a
//! malformed line may hold a password.

use std::fmt;
use std::io::{BufRead, Write};

use aws_smithy_types::base64;
use zeroize::Zeroizing;

/// The most input we read from git. Real requests are a few hundred bytes; git's
/// `wwwauth[]` headers are the only large part and stay far below this.
pub const MAX_INPUT: u64 = 64 * 1024;

/// What git tells a helper about the credential it wants.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    /// Host name, with `:port` when the URL carries one.
    pub host: Option<String>,
    /// The URL path without its leading `/`; only sent with `credential.useHttpPath`.
    pub path: Option<String>,
    pub username: Option<String>,
    /// `capability[]` values, in the order git sent them.
    pub capabilities: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not read the request from git: {}", .0.kind())]
    Read(#[source] std::io::Error),
    #[error("the request from git is larger than {MAX_INPUT} bytes")]
    TooLarge,
    #[error("line {0} of the request from git is not UTF-8")]
    NotUtf8(usize),
    #[error("line {0} of the request from git contains a NUL byte")]
    Nul(usize),
    #[error("line {0} of the request from git is not key=value")]
    NoEquals(usize),
    #[error("refusing to send git a value for `{0}` that contains CR, LF or NUL")]
    UnsafeValue(&'static str),
    #[error("could not write the answer to git: {}", .0.kind())]
    Write(#[source] std::io::Error),
}

/// Two errors are equal when they say the same (an I/O cause by its kind).
impl PartialEq for Error {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Request {
    /// Whether git announced `capability` (`capability[]=…`).
    pub fn has_capability(&self, capability: &str) -> bool {
        self.capabilities
            .iter()
            .any(|announced| announced == capability)
    }

    /// Reads one request: up to a blank line, end of input, or [`MAX_INPUT`] bytes.
    pub fn read_from(input: impl BufRead) -> Result<Self, Error> {
        let mut input = input.take(MAX_INPUT + 1);
        let mut request = Request::default();
        let mut line = Vec::new();
        let mut total = 0;
        for number in 1.. {
            line.clear();
            let read = input.read_until(b'\n', &mut line).map_err(Error::Read)?;
            total += read as u64;
            if total > MAX_INPUT {
                return Err(Error::TooLarge);
            }
            let content = strip_line_end(&line);
            if content.is_empty() {
                break;
            }
            request.absorb(number, content)?;
        }
        Ok(request)
    }

    fn absorb(&mut self, number: usize, line: &[u8]) -> Result<(), Error> {
        if line.contains(&0) {
            return Err(Error::Nul(number));
        }
        let line = std::str::from_utf8(line).map_err(|_| Error::NotUtf8(number))?;
        let (key, value) = line.split_once('=').ok_or(Error::NoEquals(number))?;
        let value = value.to_owned();
        match key {
            "protocol" => self.protocol = Some(value),
            "host" => self.host = Some(value),
            "path" => self.path = Some(value),
            "username" => self.username = Some(value),
            "capability[]" => self.capabilities.push(value),
            _ => {}
        }
        Ok(())
    }
}

/// Removes one trailing LF and then one CR: git ≥ 2.29 accepts CRLF too.
fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// What a helper answers to `get`.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The username and password are wiped when the answer is dropped:
    /// the username holds the session token.
    pub username: Zeroizing<String>,
    pub password: Zeroizing<String>,
    /// Unix seconds after which git must not use or store the password (git ≥ 2.40).
    pub password_expiry_utc: Option<i64>,
    /// Answer with a ready `Authorization: Basic` credential that git must
    /// not store (`ephemeral=1`), instead of username and password. Only for
    /// a git that sent `capability[]=authtype` (git ≥ 2.46).
    pub ephemeral: bool,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("username", &redact_token(&self.username))
            .field("password", &"<redacted>")
            .field("password_expiry_utc", &self.password_expiry_utc)
            .field("ephemeral", &self.ephemeral)
            .finish()
    }
}

/// Keeps the access key id of a CodeCommit username, hides its session token.
fn redact_token(username: &str) -> String {
    match username.split_once('%') {
        Some((key_id, _)) => format!("{key_id}%<redacted>"),
        None => username.to_owned(),
    }
}

impl Response {
    /// Writes the response; checks every value first so that nothing is written
    /// when one of them is unsafe.
    pub fn write_to(&self, mut out: impl Write) -> Result<(), Error> {
        for (key, value) in [("username", &self.username), ("password", &self.password)] {
            if value.contains(['\r', '\n', '\0']) {
                return Err(Error::UnsafeValue(key));
            }
        }
        let expiry = self.password_expiry_utc.map(|at| at.to_string());
        let credential;
        let mut attributes = if self.ephemeral {
            let mut pair = Zeroizing::new(String::with_capacity(
                self.username.len() + 1 + self.password.len(),
            ));
            pair.push_str(&self.username);
            pair.push(':');
            pair.push_str(&self.password);
            credential = Zeroizing::new(base64::encode(pair.as_bytes()));
            vec![
                ("capability[]", "authtype"),
                ("authtype", "Basic"),
                ("credential", credential.as_str()),
                ("ephemeral", "1"),
            ]
        } else {
            vec![
                ("username", self.username.as_str()),
                ("password", self.password.as_str()),
            ]
        };
        if let Some(expiry) = &expiry {
            attributes.push(("password_expiry_utc", expiry));
        }
        // Sized once, so that growing leaves no copy behind.
        let size = attributes
            .iter()
            .map(|(key, value)| key.len() + value.len() + 2);
        let mut text = Zeroizing::new(String::with_capacity(size.sum()));
        for (key, value) in attributes {
            text.push_str(key);
            text.push('=');
            text.push_str(value);
            text.push('\n');
        }
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(Error::Write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &[u8]) -> Result<Request, Error> {
        Request::read_from(input)
    }

    #[test]
    fn reads_what_git_sends() {
        let request = parse(
            b"capability[]=authtype\ncapability[]=state\nprotocol=https\n\
              host=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/r\n\
              wwwauth[]=Basic realm=\"x\"\n\n",
        )
        .unwrap();
        assert_eq!(
            request,
            Request {
                protocol: Some("https".into()),
                host: Some("git-codecommit.us-east-1.amazonaws.com".into()),
                path: Some("v1/repos/r".into()),
                username: None,
                capabilities: vec!["authtype".into(), "state".into()],
            }
        );
    }

    #[test]
    fn adversarial_input_table() {
        let host = |h: &str| Ok(Some(h.to_owned()));
        type Case = (&'static [u8], Result<Option<String>, Error>);
        let cases: &[Case] = &[
            (b"", Ok(None)),
            (b"\n", Ok(None)),
            (b"host=a\r\n", host("a")),
            (b"host=a\r\n\r\nhost=b\n", host("a")),
            (b"host=a", host("a")),
            (b"host=a\nhost=b\n", host("b")),
            (b"host=a=b\n", host("a=b")),
            (b"host=\n", host("")),
            (b"host=a\r\r\n", host("a\r")),
            (b"unknown=1\nhost=a\n", host("a")),
            (b"=\nhost=a\n", host("a")),
            (b"host=a\nnoequals\n", Err(Error::NoEquals(2))),
            (b"host=a\0b\n", Err(Error::Nul(1))),
            (b"path=\xff\n", Err(Error::NotUtf8(1))),
            (b"host=a\n\nnot read\n", host("a")),
        ];
        for (input, expected) in cases {
            let got = parse(input).map(|r| r.host);
            assert_eq!(&got, expected, "input {:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn refuses_input_over_the_limit() {
        let mut input = b"wwwauth[]=".to_vec();
        input.resize(MAX_INPUT as usize + 1, b'a');
        assert_eq!(parse(&input), Err(Error::TooLarge));
        let mut input = b"wwwauth[]=".to_vec();
        input.resize(MAX_INPUT as usize - 1, b'a');
        input.push(b'\n');
        assert!(parse(&input).is_ok());
    }

    #[test]
    fn endless_input_stops_at_the_limit() {
        let endless = std::io::BufReader::new(std::io::repeat(b'a'));
        assert_eq!(Request::read_from(endless), Err(Error::TooLarge));
    }

    fn response(password: &str, expiry: Option<i64>) -> Response {
        Response {
            username: Zeroizing::new("AKID%token".to_owned()),
            password: Zeroizing::new(password.to_owned()),
            password_expiry_utc: expiry,
            ephemeral: false,
        }
    }

    #[test]
    fn ephemeral_answers_carry_a_basic_credential_and_no_password() {
        let mut out = Vec::new();
        Response {
            ephemeral: true,
            ..response("p4ss", Some(1700000000))
        }
        .write_to(&mut out)
        .unwrap();
        // base64("AKID%token:p4ss")
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "capability[]=authtype\nauthtype=Basic\ncredential=QUtJRCV0b2tlbjpwNHNz\n\
             ephemeral=1\npassword_expiry_utc=1700000000\n"
        );
    }

    #[test]
    fn writes_lf_only_lines() {
        let mut out = Vec::new();
        response("p", Some(1700000000)).write_to(&mut out).unwrap();
        assert_eq!(
            out,
            b"username=AKID%token\npassword=p\npassword_expiry_utc=1700000000\n"
        );
    }

    #[test]
    fn refuses_to_write_values_that_break_framing() {
        for bad in ["a\nquit=1", "a\r", "a\0"] {
            for ephemeral in [false, true] {
                let mut out = Vec::new();
                let result = Response {
                    ephemeral,
                    ..response(bad, None)
                }
                .write_to(&mut out);
                assert_eq!(result.err(), Some(Error::UnsafeValue("password")));
                assert!(out.is_empty());
            }
        }
    }

    #[test]
    fn debug_output_hides_password_and_token() {
        let shown = format!("{:?}", response("secret-password", None));
        assert!(!shown.contains("secret-password"), "{shown}");
        assert!(!shown.contains("token"), "{shown}");
        assert!(shown.contains("AKID"), "{shown}");
    }
}
