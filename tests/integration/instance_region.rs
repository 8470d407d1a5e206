//! The EC2 instance's region, the AWS CLI v2's last source of one, from a
//! loopback stand-in for the instance metadata service (IMDSv2: a token
//! `PUT`, then the region `GET` with it): used only when nothing else names
//! a region, skipped when metadata is off, and bounded when the service
//! hangs.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Scratch, assert_signed, request, text};

/// A host of CodeCommit's that names no region.
/// A host that names no region, so that the region comes from elsewhere;
/// the helper answers for it only with the user's own opt-in.
const HOST: &str = "codecommit.example.amazon.com";
const GET: [&str; 2] = ["get", "--ignore-host-check"];
const TOKEN: &str = "imds-token-1";

/// The metadata service: answers the token and the region as IMDSv2 does
/// (the region only with the token), or, `hanging`, never answers.
struct Metadata {
    endpoint: String,
    requests: Arc<AtomicUsize>,
}

impl Metadata {
    fn start(region: &'static str, hanging: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                if hanging {
                    // Held open, unanswered, until the test ends.
                    std::mem::forget(stream);
                    continue;
                }
                answer(stream, region);
            }
        });
        Metadata { endpoint, requests }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// One request on `stream`: the token for `PUT /latest/api/token`, the
/// region for a `GET` of the placement that carries it, 401 otherwise.
fn answer(stream: TcpStream, region: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        head.push(line.trim_end().to_owned());
    }
    let has = |header: &str| {
        head.iter()
            .any(|line| line.to_ascii_lowercase().starts_with(header))
    };
    let first = head.first().cloned().unwrap_or_default();
    let (status, body) = if first.starts_with("PUT /latest/api/token ")
        && has("x-aws-ec2-metadata-token-ttl-seconds:")
    {
        ("200 OK", TOKEN.to_owned())
    } else if first.starts_with("GET /latest/meta-data/placement/region ")
        && has(&format!("x-aws-ec2-metadata-token: {TOKEN}"))
    {
        ("200 OK", region.to_owned())
    } else {
        ("401 Unauthorized", String::new())
    };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-length: {}\r\nx-aws-ec2-metadata-token-ttl-seconds: 21600\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn scratch(config: &str) -> Scratch {
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIAKEYS\naws_secret_access_key = keys/secret\n",
    );
    scratch.write(".aws/config", config);
    scratch
}

#[test]
fn the_instances_region_signs_when_nothing_else_names_one() {
    let metadata = Metadata::start("me-south-1", false);
    let scratch = scratch("[default]\n");
    let endpoint = [(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        metadata.endpoint.as_str(),
    )];
    let out = scratch.helper(&GET, &request(HOST, Some("v1/repos/myrepo")), &endpoint);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_signed(&out.stdout, "keys/secret", HOST, "me-south-1");
    assert_eq!(metadata.requests(), 2, "one token and one region request");

    // A region anywhere else, and the service is not asked.
    for (config, env) in [
        ("[default]\nregion = eu-west-1\n", None),
        ("[default]\n", Some(("AWS_REGION", "eu-west-1"))),
    ] {
        scratch.write(".aws/config", config);
        let mut vars = endpoint.to_vec();
        vars.extend(env);
        let out = scratch.helper(&GET, &request(HOST, Some("v1/repos/myrepo")), &vars);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_signed(&out.stdout, "keys/secret", HOST, "eu-west-1");
    }
    assert_eq!(metadata.requests(), 2);
}

#[test]
fn metadata_that_is_off_or_hangs_gives_the_no_region_error_in_time() {
    let answering = Metadata::start("me-south-1", false);
    let hanging = Metadata::start("me-south-1", true);
    let scratch = scratch("[default]\n");
    for (metadata, disabled) in [(&answering, true), (&hanging, false)] {
        let mut env = vec![(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            metadata.endpoint.as_str(),
        )];
        if disabled {
            env.push(("AWS_EC2_METADATA_DISABLED", "true"));
        }
        let started = Instant::now();
        let out = scratch.helper(&GET, &request(HOST, Some("v1/repos/myrepo")), &env);
        let took = started.elapsed();
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        assert_eq!(
            text(&out.stderr),
            format!(
                "git-credential-mfa-codecommit: no AWS region for host {HOST}; pass --region, or set `region` in the profile or AWS_REGION\n"
            )
        );
        assert!(took < Duration::from_secs(5), "took {took:?}");
    }
    assert_eq!(
        answering.requests(),
        0,
        "AWS_EC2_METADATA_DISABLED=true asks nothing"
    );
    assert!(hanging.requests() >= 1);
}
