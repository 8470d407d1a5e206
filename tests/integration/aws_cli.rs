//! Byte-identical answers to the real `aws codecommit credential-helper`, both
//! run under Debian's `faketime -f` so that they sign the same frozen second.

use crate::support::aws_cli::{AWS_CLI_HELPER, FROZEN_UNIX, frozen_command, python};
use crate::support::{Scratch, attribute, request, require, run, text};

struct Case {
    argv: &'static [&'static str],
    host: &'static str,
    path: &'static str,
    token: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        argv: &["get"],
        host: "git-codecommit.us-east-1.amazonaws.com",
        path: "v1/repos/myrepo",
        token: None,
    },
    Case {
        argv: &["get"],
        host: "git-codecommit-fips.us-east-2.amazonaws.com",
        path: "v1/repos/fips-repo",
        token: Some("FwoGZXIvYXdzEJr//token+with/slashes=="),
    },
    Case {
        argv: &["get"],
        host: "git-codecommit.cn-north-1.amazonaws.com.cn",
        path: "v1/repos/cn",
        token: None,
    },
    Case {
        argv: &["get"],
        host: "git-codecommit.us-gov-west-1.amazonaws.com",
        path: "v1/repos/gov",
        token: Some("t"),
    },
    Case {
        argv: &["get"],
        host: "vpce-0123456789abcdef0-abcdefgh.git-codecommit.eu-west-1.vpce.amazonaws.com",
        path: "v1/repos/vpc",
        token: None,
    },
    Case {
        argv: &["get"],
        host: "git-codecommit.ap-southeast-2.amazonaws.com:8443",
        path: "v1/repos/port",
        token: None,
    },
    Case {
        argv: &["get"],
        host: "git-codecommit.us-west-2.amazonaws.com",
        path: "v1/repos/odd?query#frag",
        token: None,
    },
    // No CodeCommit host: answered at the user's word only, by both.
    Case {
        argv: &["--region", "eu-west-3", "get", "--ignore-host-check"],
        host: "codecommit.example.amazon.com",
        path: "v1/repos/r",
        token: None,
    },
    Case {
        argv: &["get", "--ignore-host-check", "--region", "sa-east-1"],
        host: "git.example.org",
        path: "v1/repos/r",
        token: None,
    },
    Case {
        argv: &["--profile", "dev", "get"],
        host: "git-codecommit.eu-north-1.amazonaws.com",
        path: "v1/repos/profile",
        token: None,
    },
];

#[test]
#[ignore = "needs the AWS CLI (pip install awscli) and faketime (apt): run by .ci/run"]
fn answers_are_byte_identical_to_the_aws_cli() {
    require("faketime");
    let python = python();
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        "[dev]\naws_access_key_id = AKIAPROFILEKEY\naws_secret_access_key = profile/Secret+Key\n",
    );
    for case in CASES {
        let mut env = vec![
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            (
                "AWS_SECRET_ACCESS_KEY",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            ),
        ];
        if let Some(token) = case.token {
            env.push(("AWS_SESSION_TOKEN", token));
        }
        let input = request(case.host, Some(case.path));
        let frozen = |program: &str, args: &[&str]| {
            let mut command = frozen_command(&scratch, program, args);
            command.args(case.argv).envs(env.iter().copied());
            run(command, &input)
        };
        let theirs = frozen(&python, AWS_CLI_HELPER);
        let ours = frozen(crate::support::BINARY, &[]);
        let label = format!("{} {:?}", case.host, case.argv);
        assert!(
            theirs.status.success(),
            "aws cli, {label}: {}",
            text(&theirs.stderr)
        );
        assert!(
            ours.status.success(),
            "ours, {label}: {}",
            text(&ours.stderr)
        );
        let password = attribute(&theirs.stdout, "password").unwrap();
        assert!(
            password.starts_with("20240229T235959Z"),
            "{label}: the clock was not frozen"
        );
        assert!(
            ours.stdout.starts_with(&theirs.stdout),
            "{label}:\n ours {:?}\n aws  {:?}",
            text(&ours.stdout),
            text(&theirs.stdout)
        );
        assert_eq!(
            text(&ours.stdout[theirs.stdout.len()..]),
            format!("password_expiry_utc={}\n", FROZEN_UNIX + 900),
            "{label}"
        );
    }
}

#[test]
#[ignore = "needs the AWS CLI (pip install awscli): run by .ci/run"]
fn both_stay_silent_for_the_same_foreign_hosts() {
    let python = python();
    let scratch = Scratch::new();
    for host in ["github.com", "bitbucket.org", "gitlab.example.com:8443"] {
        let input = request(host, Some("o/r"));
        let mut aws = scratch.command(&python);
        aws.args(AWS_CLI_HELPER).arg("get");
        let theirs = run(aws, &input);
        let ours = scratch.helper(&["get"], &input, &[]);
        assert_eq!(
            (theirs.status.code(), ours.status.code()),
            (Some(0), Some(0)),
            "{host}"
        );
        assert_eq!(
            (text(&theirs.stdout), text(&ours.stdout)),
            ("", ""),
            "{host}"
        );
    }
}
