//! Role profiles resolved by aws-config's chain against a real STS server
//! (moto): `source_profile` and `credential_source`, with `external_id` and
//! `role_session_name` reaching STS, and the answer signed with the role's keys;
//! and no instance metadata probing where the profile has its keys.

use std::net::TcpListener;

use crate::support::mfa::Mfa;
use crate::support::moto::Moto;
use crate::support::{BINARY, Scratch, assert_signed, attribute, request, require, run, text};

const HOST: &str = "git-codecommit.eu-west-1.amazonaws.com";

fn role_config(scratch: &Scratch) {
    scratch.write(
        ".aws/credentials",
        "[base]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = base/secret\n",
    );
    scratch.write(
        ".aws/config",
        "[profile deploy]\n\
         role_arn = arn:aws:iam::210987654321:role/deploy\n\
         source_profile = base\n\
         external_id = deploy-ext-1\n\
         role_session_name = alice\n\
         [profile from-env]\n\
         role_arn = arn:aws:iam::210987654321:role/ci\n\
         credential_source = Environment\n\
         external_id = ci-ext-2\n",
    );
}

/// Runs `get` for `argv` and checks that the answer is signed with the role
/// session moto issued for `role`, requested with `external_id`.
fn assert_role_answer(
    scratch: &Scratch,
    moto: &Moto,
    argv: &[&str],
    env: &[(&str, &str)],
    role: &str,
    external_id: &str,
) {
    let mut env = env.to_vec();
    env.push(("AWS_ENDPOINT_URL_STS", &moto.endpoint));
    let out = scratch.helper(argv, &request(HOST, Some("v1/repos/myrepo")), &env);
    assert!(out.status.success(), "{argv:?}: {}", text(&out.stderr));
    let username = attribute(&out.stdout, "username").unwrap();
    let (key_id, token) = username
        .split_once('%')
        .expect("a role session has a token");
    let session = moto.assumed_role(key_id);
    assert_eq!(session["role_arn"], role);
    assert_eq!(session["external_id"], external_id);
    assert_eq!(session["session_token"], token);
    assert_signed(
        &out.stdout,
        session["secret_access_key"].as_str().unwrap(),
        HOST,
        "eu-west-1",
    );
}

#[test]
#[ignore = "needs moto's STS server (pip install 'moto[server]'): run by .ci/run"]
fn role_profiles_assume_their_role_through_sts() {
    require("python3");
    let moto = Moto::start();
    let scratch = Scratch::new();
    role_config(&scratch);
    assert_role_answer(
        &scratch,
        &moto,
        &["--profile", "deploy", "get"],
        &[],
        "arn:aws:iam::210987654321:role/deploy",
        "deploy-ext-1",
    );
    assert_role_answer(
        &scratch,
        &moto,
        &["get"],
        &[("AWS_PROFILE", "deploy")],
        "arn:aws:iam::210987654321:role/deploy",
        "deploy-ext-1",
    );
    let env_keys = [
        ("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "env/secret"),
    ];
    assert_role_answer(
        &scratch,
        &moto,
        &["--profile", "from-env", "get"],
        &env_keys,
        "arn:aws:iam::210987654321:role/ci",
        "ci-ext-2",
    );
}

/// A loopback listener standing in for the instance metadata service: the
/// kernel completes any connection to it, so one that was tried stays
/// queued for `accept`.
struct Imds(TcpListener);

impl Imds {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        Imds(listener)
    }

    fn endpoint(&self) -> String {
        format!("http://{}", self.0.local_addr().unwrap())
    }

    fn was_asked(&self) -> bool {
        self.0.accept().is_ok()
    }
}

#[test]
fn keys_in_the_profile_mean_no_metadata_service_probing() {
    let imds = Imds::start();
    let scratch = Scratch::new();
    role_config(&scratch);
    for argv in [&["get"][..], &["--profile", "base", "get"]] {
        let out = scratch.helper(
            argv,
            &request(HOST, Some("v1/repos/myrepo")),
            &[
                ("AWS_PROFILE", "base"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
            ],
        );
        assert!(out.status.success(), "{argv:?}: {}", text(&out.stderr));
        assert_signed(&out.stdout, "base/secret", HOST, "eu-west-1");
    }
    assert!(!imds.was_asked());
    // Without keys anywhere, the default chain does end at the metadata service.
    scratch.write(".aws/config", "[profile keyless]\nregion = eu-west-1\n");
    let out = scratch.helper(
        &["get"],
        &request(HOST, Some("v1/repos/myrepo")),
        &[
            ("AWS_PROFILE", "keyless"),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint()),
        ],
    );
    assert!(!out.status.success());
    assert!(imds.was_asked());
}

#[test]
#[ignore = "needs moto, python3, openssl and kernel keyutils: run by .ci/run"]
fn an_mfa_login_and_its_cached_gets_never_probe_the_metadata_service() {
    let imds = Imds::start();
    let mfa = Mfa::new();
    mfa.use_mfa_process("echo 123456");
    let endpoint = imds.endpoint();
    let env = [("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str())];
    for (argv, stdin) in [
        (&["login"][..], Vec::new()),
        (&["get"], mfa_request()),
        (&["get"], mfa_request()),
    ] {
        let mut command = mfa.scratch.command(BINARY);
        command.envs(mfa.env()).envs(env).args(argv);
        let out = run(command, &stdin);
        assert!(out.status.success(), "{argv:?}: {}", text(&out.stderr));
    }
    assert!(!imds.was_asked());
    mfa.logout();
}

fn mfa_request() -> Vec<u8> {
    request(
        crate::support::codecommit_server::HOST,
        Some("v1/repos/myrepo"),
    )
}
