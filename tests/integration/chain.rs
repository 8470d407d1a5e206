//! Role profiles resolved by aws-config's chain against a real STS server
//! (moto): `source_profile` and `credential_source`, with `external_id` and
//! `role_session_name` reaching STS, and the answer signed with the role's keys.

use crate::moto::Moto;
use crate::support::{Scratch, assert_signed, attribute, request, require, text};

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
