//! Fuzzes the git credential protocol: `protocol::Request::read_from` on the
//! bytes git writes to a helper's stdin, then `Response::write_to` on an
//! answer made of what it parsed.
//!
//! The fuzz input is the request as git sends it, nothing else, so a seed is
//! a plain request file. Each input is read twice: as it is, and as the
//! start of an endless stream (the input, then 4 KiB `wwwauth[]=…` lines
//! forever), which is how the 64 KiB limit is reached although libFuzzer's
//! inputs stay a few KiB long.
//!
//! What the protocol module promises, and so what is checked:
//! - the parser never panics and reads one request: nothing past the blank
//!   line that ends it, never more than `MAX_INPUT` + 1 bytes (the one more
//!   tells a request that is too large), `MAX_INPUT` at most for one it
//!   accepts, and an endless stream ends in a request or an error;
//! - the result depends only on the bytes read, and parsed values hold no
//!   LF or NUL;
//! - an answer made of parsed values (username: `username`, password:
//!   `path`, expiry: `protocol` when it is an integer, ephemeral when git
//!   sent `capability[]=authtype`) is refused, with nothing written, when a
//!   value holds CR, LF or NUL; otherwise it is LF-only `key=value` lines
//!   with no CR or NUL that read back to the same values;
//! - the answer's `Debug` output depends neither on the password nor on the
//!   session token after `%` in the username.
#![no_main]

use std::io::{self, BufRead, Read};
use std::sync::LazyLock;

use aws_smithy_types::base64;
use git_credential_mfa_codecommit::git::protocol::{Error, MAX_INPUT, Request, Response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (finite, finite_read) = parse(data);
    check_request(data, &finite, finite_read);

    let mut endless = Endless { head: data, at: 0 };
    let (flooded, flooded_read) = parse(&mut endless);
    assert!(flooded_read <= MAX_INPUT + 1, "read {flooded_read} bytes");
    if finite_read < data.len() as u64 {
        // It stopped inside the input, so what follows the input is unread.
        assert_eq!(flooded, finite);
        assert_eq!(flooded_read, finite_read);
    } else {
        assert!(flooded == finite || flooded == Err(Error::TooLarge));
    }

    if let Ok(request) = finite {
        check_response(&request);
    }
});

/// Parses `input`, returning the result and how many bytes the parser took.
fn parse(input: impl BufRead) -> (Result<Request, Error>, u64) {
    let mut counted = Counted {
        inner: input,
        read: 0,
    };
    let result = Request::read_from(&mut counted);
    (result, counted.read)
}

fn check_request(data: &[u8], result: &Result<Request, Error>, read: u64) {
    let taken = &data[..read as usize];
    match result {
        Ok(request) => {
            assert!(read <= MAX_INPUT, "accepted {read} bytes");
            // A request ends at end of input or at a blank line.
            assert!(read == data.len() as u64 || taken.ends_with(b"\n"));
            let values = [&request.protocol, &request.host, &request.path]
                .into_iter()
                .chain([&request.username])
                .flatten()
                .chain(&request.capabilities);
            for value in values {
                assert!(!value.contains(['\n', '\0']), "{value:?}");
            }
        }
        Err(_) => assert!(read <= MAX_INPUT + 1, "read {read} bytes"),
    }
    if read < data.len() as u64 {
        assert_eq!(&parse(taken).0, result, "the bytes read decide the result");
    }
}

fn check_response(request: &Request) {
    let response = Response {
        username: request.username.clone().unwrap_or_default().into(),
        password: request.path.clone().unwrap_or_default().into(),
        password_expiry_utc: request.protocol.as_deref().and_then(|p| p.parse().ok()),
        ephemeral: request.has_capability("authtype"),
    };
    let breaks_framing = |value: &str| value.contains(['\r', '\n', '\0']);
    let mut out = Vec::new();
    let result = response.write_to(&mut out);
    if breaks_framing(&response.username) {
        assert_eq!(result, Err(Error::UnsafeValue("username")));
        assert!(out.is_empty());
    } else if breaks_framing(&response.password) {
        assert_eq!(result, Err(Error::UnsafeValue("password")));
        assert!(out.is_empty());
    } else {
        assert_eq!(result, Ok(()));
        check_written(&response, &out);
    }

    // Debug shows neither the password nor the token after `%`.
    let other = Response {
        username: match response.username.split_once('%') {
            Some((key_id, _)) => format!("{key_id}%other-token").into(),
            None => response.username.clone(),
        },
        password: "other-password".to_owned().into(),
        ..response.clone()
    };
    assert_eq!(format!("{response:?}"), format!("{other:?}"));
}

fn check_written(response: &Response, out: &[u8]) {
    let text = std::str::from_utf8(out).expect("the answer is UTF-8");
    assert!(!text.contains(['\r', '\0']), "{text:?}");
    assert!(text.ends_with('\n'), "{text:?}");
    let lines: Vec<(&str, &str)> = text
        .lines()
        .map(|line| line.split_once('=').expect("key=value"))
        .collect();
    let keys: Vec<&str> = lines.iter().map(|(key, _)| *key).collect();
    let value = |key: &str| lines.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let mut expected_keys = if response.ephemeral {
        vec!["capability[]", "authtype", "credential", "ephemeral"]
    } else {
        vec!["username", "password"]
    };
    if response.password_expiry_utc.is_some() {
        expected_keys.push("password_expiry_utc");
    }
    assert_eq!(keys, expected_keys);
    assert_eq!(
        value("password_expiry_utc").map(|at| at.parse::<i64>().unwrap()),
        response.password_expiry_utc
    );
    let read_back = Request::read_from(out).expect("git can read the answer");
    if response.ephemeral {
        assert_eq!(read_back.capabilities, ["authtype"]);
        assert_eq!(value("authtype"), Some("Basic"));
        assert_eq!(value("ephemeral"), Some("1"));
        let credential = base64::decode(value("credential").unwrap()).unwrap();
        let basic = format!("{}:{}", *response.username, *response.password);
        assert_eq!(credential, basic.as_bytes());
    } else {
        assert_eq!(
            read_back.username.as_deref(),
            Some(response.username.as_str())
        );
        assert_eq!(value("password"), Some(response.password.as_str()));
    }
}

/// A `BufRead` that counts the bytes taken from it.
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.read += amount as u64;
        self.inner.consume(amount);
    }
}

/// One 4 KiB `wwwauth[]=…` line, as a large header git may forward.
static FILLER: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut line = b"wwwauth[]=Basic realm=\"".to_vec();
    line.resize(4095, b'x');
    line.push(b'\n');
    line
});

/// `head`, then [`FILLER`] lines without end.
struct Endless<'a> {
    head: &'a [u8],
    at: usize,
}

impl Read for Endless<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Endless<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.head.is_empty() {
            Ok(&FILLER[self.at..])
        } else {
            Ok(self.head)
        }
    }

    fn consume(&mut self, amount: usize) {
        if self.head.is_empty() {
            self.at = (self.at + amount) % FILLER.len();
        } else {
            self.head = &self.head[amount..];
        }
    }
}
