//! STS failing in every way a network peer can: unreachable, hanging, a 5xx,
//! an answer that is not STS's XML. Each must end in one clear line within
//! five seconds, with nothing on stdout and nothing cached.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::support::{BINARY, Scratch, request, run, text};

const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";

/// How the fake STS on loopback misbehaves.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// Nothing listens on the port.
    Unreachable,
    /// Accepts, reads, never answers.
    Hangs,
    /// Answers 503 with STS's error XML, every time.
    Unavailable,
    /// Answers 200 with something that is not STS's XML.
    Garbage,
}

/// Starts the fake STS; returns its endpoint. Its thread ends with the test process.
fn fake_sts(fault: Fault) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    if let Fault::Unreachable = fault {
        return endpoint; // the listener drops here: the port is closed
    }
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(answer(stream, fault));
        }
    });
    endpoint
}

/// Reads the request head and answers as `fault` says; returns the
/// connection so that a hanging one stays open.
fn answer(mut stream: TcpStream, fault: Fault) -> TcpStream {
    let mut buffer = [0u8; 8192];
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = stream.read(&mut buffer);
    let (status, body) = match fault {
        Fault::Unavailable => (
            "503 Service Unavailable",
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>\
             <Message>try later</Message></Error></ErrorResponse>",
        ),
        Fault::Garbage => ("200 OK", "this is not XML at all"),
        Fault::Hangs | Fault::Unreachable => return stream,
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
}

#[test]
#[ignore = "needs kernel keyutils (blocked in some containers): run by .ci/run"]
fn every_sts_failure_is_one_clear_line_within_five_seconds_and_nothing_is_cached() {
    for fault in [
        Fault::Unreachable,
        Fault::Hangs,
        Fault::Unavailable,
        Fault::Garbage,
    ] {
        let scratch = Scratch::new();
        let serial = format!(
            "arn:aws:iam::123456789012:mfa/faults-{}-{fault:?}",
            std::process::id()
        );
        scratch.write(
            ".aws/config",
            &format!("[default]\nmfa_serial = {serial}\nmfa_process = echo 123456\n"),
        );
        scratch.write(
            ".aws/credentials",
            "[default]\naws_access_key_id = AKIAFAULTEXAMPLE\naws_secret_access_key = fault/Secret\n",
        );
        let env = [
            ("AWS_ENDPOINT_URL_STS", fake_sts(fault)),
            (
                "GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING",
                "keyutils".to_owned(),
            ),
        ];
        let mut get = scratch.command(BINARY);
        get.envs(env.iter().map(|(key, value)| (*key, value.as_str())))
            .arg("get");
        let started = Instant::now();
        let out = run(get, &request(HOST, Some("v1/repos/myrepo")));
        let took = started.elapsed();
        let stderr = text(&out.stderr);
        assert!(took < Duration::from_secs(5), "{fault:?} took {took:?}");
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {stderr}");
        assert_eq!(text(&out.stdout), "", "{fault:?}");
        assert_eq!(stderr.lines().count(), 1, "{fault:?}: {stderr}");
        let expected = match fault {
            Fault::Unreachable | Fault::Hangs => "could not reach STS",
            Fault::Unavailable => "STS is unavailable: ServiceUnavailable: try later",
            Fault::Garbage => "STS's answer could not be read",
        };
        assert!(stderr.contains(expected), "{fault:?}: {stderr}");
        assert!(
            !stderr.contains("123456") && !stderr.contains("fault/Secret"),
            "{fault:?}: {stderr}"
        );

        let mut status = scratch.command(BINARY);
        status
            .envs(env.iter().map(|(key, value)| (*key, value.as_str())))
            .arg("status");
        let shown = text(&run(status, b"").stdout).to_owned();
        assert!(
            shown.contains(&serial) && shown.contains("no cached session"),
            "{fault:?}: {shown}"
        );
    }
}
