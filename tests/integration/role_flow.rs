//! Role profiles with MFA through `commands::run` with doubles: AssumeRole with a
//! TOTP code, and AssumeRole chained on the source profile's MFA session,
//! re-assumed silently while that session lasts.

use std::time::Duration;

use git_credential_mfa_codecommit::aws::credentials::role;
use git_credential_mfa_codecommit::error::Error;
use git_credential_mfa_codecommit::session::plan;

use crate::support::doubles::{Run, VECTOR_TIME, World, at, example_keys, request, sts_session};

const HOST: &str = "git-codecommit.eu-west-1.amazonaws.com";
const ALICE: &str = "arn:aws:iam::123456789012:mfa/alice";
const DEPLOY: &str = "arn:aws:iam::210987654321:role/deploy";
const CONFIG: &str = "[profile base]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
    [profile deploy]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nsource_profile = base\n\
    external_id = ext-1\nrole_session_name = alice\n\
    [profile keysonly]\n\
    [profile direct]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nsource_profile = keysonly\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/alice\nduration_seconds = 7200\n\
    [profile fromenv]\nrole_arn = arn:aws:iam::210987654321:role/deploy\ncredential_source = Environment\n\
    mfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
    [profile orphan]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nmfa_serial = arn:aws:iam::1:mfa/x\n\
    [profile plainrole]\nrole_arn = arn:aws:iam::210987654321:role/deploy\nsource_profile = keysonly\n";

fn world() -> World {
    World::new(Some(example_keys(None, None))).with_config(CONFIG)
}

fn get(world: &World, profile: &str) -> Run {
    world.run(&["--profile", profile, "get"], &request(HOST))
}

fn username(run: &Run) -> &str {
    run.stdout.lines().next().unwrap_or_default()
}

#[test]
fn a_role_on_the_source_profiles_mfa_session_is_re_assumed_without_prompting() {
    let world = world();
    world.prompt.answer(Ok("123456"));
    world
        .sts
        .will(Ok(sts_session("ASIABASE", at(VECTOR_TIME + 43_200))));
    world
        .sts
        .will(Ok(sts_session("ASIAROLE1", at(VECTOR_TIME + 3_600))));
    let run = get(&world, "deploy");
    assert!(run.result.is_ok(), "{:?}", run.result);
    assert_eq!(username(&run), "username=ASIAROLE1%ASIAROLE1-session-token");
    {
        let calls = world.sts.calls.borrow();
        assert_eq!(calls[0].operation, "GetSessionToken");
        assert_eq!(calls[0].key_id, "AKIDEXAMPLE");
        assert_eq!(
            (calls[0].mfa_serial.as_str(), calls[0].code.as_str()),
            (ALICE, "123456")
        );
        assert_eq!(
            calls[1].operation,
            format!("AssumeRole {DEPLOY} as alice with Some(\"ext-1\")")
        );
        assert_eq!(
            (calls[1].key_id.as_str(), calls[1].mfa_serial.as_str()),
            ("ASIABASE", "")
        );
        assert_eq!(calls[1].duration, Duration::from_secs(3_600));
    }
    // Within the hour: the cached role session.
    get(&world, "deploy").result.unwrap();
    assert_eq!(world.sts.count(), 2);
    // The role session has run out, the MFA session has not: no prompt.
    world.now.set(at(VECTOR_TIME + 3_600));
    world
        .sts
        .will(Ok(sts_session("ASIAROLE2", at(VECTOR_TIME + 7_200))));
    let run = get(&world, "deploy");
    assert_eq!(username(&run), "username=ASIAROLE2%ASIAROLE2-session-token");
    assert_eq!((world.prompt.count(), world.sts.count()), (1, 3));
    assert_eq!(world.sts.calls.borrow()[2].key_id, "ASIABASE");
    // Twelve hours on, both have run out: one prompt again.
    world.now.set(at(VECTOR_TIME + 43_200));
    world.prompt.answer(Ok("654321"));
    world
        .sts
        .will(Ok(sts_session("ASIABASE2", at(VECTOR_TIME + 86_400))));
    world
        .sts
        .will(Ok(sts_session("ASIAROLE3", at(VECTOR_TIME + 46_800))));
    assert_eq!(
        username(&get(&world, "deploy")),
        "username=ASIAROLE3%ASIAROLE3-session-token"
    );
    assert_eq!((world.prompt.count(), world.sts.count()), (2, 5));
}

#[test]
fn a_role_profile_with_mfa_serial_assumes_the_role_with_a_code() {
    let world = world();
    world.prompt.answer(Ok("123456"));
    world
        .sts
        .will(Ok(sts_session("ASIADIRECT", at(VECTOR_TIME + 7_200))));
    let run = get(&world, "direct");
    assert_eq!(
        username(&run),
        "username=ASIADIRECT%ASIADIRECT-session-token"
    );
    let calls = world.sts.calls.borrow();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].operation,
        format!("AssumeRole {DEPLOY} as git-credential-mfa-codecommit with None")
    );
    assert_eq!(
        (calls[0].mfa_serial.as_str(), calls[0].code.as_str()),
        (ALICE, "123456")
    );
    assert_eq!(calls[0].duration, Duration::from_secs(7_200));
    assert_eq!(
        world.credentials.calls.borrow()[0].0.as_deref(),
        Some("keysonly")
    );
    drop(calls);
    get(&world, "direct").result.unwrap();
    assert_eq!((world.prompt.count(), world.sts.count()), (1, 1));
}

#[test]
fn credential_source_keys_assume_the_role_with_a_code() {
    let world = world();
    world.prompt.answer(Ok("123456"));
    world
        .sts
        .will(Ok(sts_session("ASIAENVROLE", at(VECTOR_TIME + 3_600))));
    get(&world, "fromenv").result.unwrap();
    assert_eq!(
        world.credentials.calls.borrow()[0].0.as_deref(),
        Some("credential_source=Environment")
    );
    assert_eq!(world.sts.calls.borrow()[0].code, "123456");
}

#[test]
fn role_profiles_without_a_source_are_an_error_and_without_mfa_use_the_chain() {
    let world = world();
    assert!(matches!(
        get(&world, "orphan").result,
        Err(Error::Plan(plan::Error::Role(role::Error::NoSource(_))))
    ));
    let run = get(&world, "plainrole");
    assert!(run.result.is_ok(), "{:?}", run.result);
    assert_eq!(username(&run), "username=AKIDEXAMPLE");
    assert_eq!(
        world.credentials.calls.borrow()[0].0.as_deref(),
        Some("plainrole")
    );
    assert_eq!((world.prompt.count(), world.sts.count()), (0, 0));
}

#[test]
fn role_durations_are_checked_against_assume_roles_limits() {
    let world = world();
    let run = world.run(
        &["--profile", "direct", "get", "--duration", "50000"],
        &request(HOST),
    );
    let error = run.result.unwrap_err().to_string();
    assert!(error.contains("from 900 to 43200"), "{error}");
}
