//! The drop-in `get` flow (no MFA) through `commands::run` with doubles: a fixed
//! clock, a credential chain that counts its calls, and fake environment and
//! config files.

use git_credential_mfa_codecommit::aws::credentials;
use git_credential_mfa_codecommit::error::Error;

use crate::support::doubles::{Run, VECTOR_TIME, World, at, example_keys, request};

fn keys_world(token: Option<&str>, expiry: Option<u64>) -> World {
    World::new(Some(example_keys(token, expiry.map(at))))
}

fn get(world: &World, host: &str) -> Run {
    world.run(&["get"], &request(host))
}

#[test]
fn get_answers_with_the_fips_vector_password() {
    let world = keys_world(None, None);
    let run = get(&world, "git-codecommit-fips.us-east-1.amazonaws.com");
    run.result.unwrap();
    let expiry = VECTOR_TIME + 900;
    assert_eq!(
        run.stdout,
        format!(
            "username=AKIDEXAMPLE\n\
             password=20150830T123600Z204cfd41d07d10c07e1d9ec1386fb1457b5d828f67ac16d5d3c3b6a914de213b\n\
             password_expiry_utc={expiry}\n"
        )
    );
    assert_eq!(
        *world.credentials.calls.borrow(),
        [(None, "us-east-1".to_owned())]
    );
    assert_eq!((world.prompt.count(), world.sts.count()), (0, 0));
}

#[test]
fn china_host_with_a_port_signs_without_the_port() {
    let world = keys_world(Some("token"), None);
    let run = get(&world, "git-codecommit.cn-north-1.amazonaws.com.cn:8443");
    run.result.unwrap();
    assert!(run.stdout.starts_with(
        "username=AKIDEXAMPLE%token\n\
         password=20150830T123600Z3932b19b0ad67cec7ef3c8a655ff8e2a7cffb177464a439f4b34160936f73aac\n"
    ), "{}", run.stdout);
}

#[test]
fn password_expiry_is_the_earlier_of_password_and_credentials() {
    // credentials' expiry (seconds after signing) → password_expiry_utc
    for (credentials_end, expected) in [(60, 60), (3600, 900)] {
        let world = keys_world(Some("t"), Some(VECTOR_TIME + credentials_end));
        let run = get(&world, "git-codecommit.us-east-1.amazonaws.com");
        run.result.unwrap();
        let line = format!("password_expiry_utc={}\n", VECTOR_TIME + expected);
        assert!(run.stdout.ends_with(&line), "{}", run.stdout);
    }
}

#[test]
fn foreign_host_asks_for_nothing_and_prints_nothing() {
    let world = World::new(None).with_config("not an ini file");
    for argv in [&["--profile", "dev", "get"][..], &["erase"], &["store"]] {
        let run = world.run(argv, &request("github.com"));
        run.result.unwrap();
        assert_eq!(run.stdout, "");
    }
    assert!(world.credentials.calls.borrow().is_empty());
}

#[test]
fn region_precedence_host_then_flag_then_environment_then_profile_as_in_aws_cli_v2() {
    let config = "[default]\nregion = ap-south-1\n[profile dev]\nregion = sa-east-1\n";
    let custom = "codecommit.internal.example.amazonaws.com";
    // argv, host, environment, the region credentials are asked for
    type Case<'a> = (
        &'a [&'a str],
        &'a str,
        &'a [(&'static str, &'a str)],
        &'a str,
    );
    let cases: &[Case] = &[
        (
            &["get", "--region", "eu-west-1"],
            "git-codecommit.us-east-2.amazonaws.com",
            &[],
            "us-east-2",
        ),
        (
            &["get", "--ignore-host-check", "--region", "eu-west-1"],
            custom,
            &[("AWS_REGION", "ca-central-1")],
            "eu-west-1",
        ),
        // AWS CLI v2 reads AWS_REGION before AWS_DEFAULT_REGION (v1 never
        // reads it).
        (
            &["get", "--ignore-host-check"],
            custom,
            &[("AWS_REGION", "ca-central-1"), ("AWS_DEFAULT_REGION", "x")],
            "ca-central-1",
        ),
        (
            &["get", "--ignore-host-check"],
            custom,
            &[("AWS_REGION", "ca-central-1")],
            "ca-central-1",
        ),
        (
            &["get", "--ignore-host-check"],
            custom,
            &[("AWS_DEFAULT_REGION", "eu-north-1")],
            "eu-north-1",
        ),
        (&["get", "--ignore-host-check"], custom, &[], "ap-south-1"),
        (
            &["get", "--ignore-host-check", "--profile", "dev"],
            custom,
            &[],
            "sa-east-1",
        ),
        (
            &["get", "--ignore-host-check"],
            custom,
            &[("AWS_PROFILE", "dev")],
            "sa-east-1",
        ),
    ];
    for (argv, host, env, region) in cases {
        let mut world = keys_world(None, None).with_config(config);
        world.env = env
            .iter()
            .map(|(key, value)| (*key, value.to_string()))
            .collect();
        world.run(argv, &request(host)).result.unwrap();
        assert_eq!(
            world.credentials.calls.borrow()[0].1,
            *region,
            "{argv:?} {host} {env:?}"
        );
    }
}

#[test]
fn the_instances_region_serves_only_when_nothing_else_names_one() {
    let custom = "codecommit.internal.example.amazonaws.com";
    let mut world = keys_world(None, None).with_config("[default]\n");
    world.instance.region = Some("me-south-1");
    world
        .run(&["get", "--ignore-host-check"], &request(custom))
        .result
        .unwrap();
    assert_eq!(world.credentials.calls.borrow()[0].1, "me-south-1");
    assert_eq!(world.instance.asked.get(), 1);

    let world = keys_world(None, None).with_config("[default]\nregion = eu-west-1\n");
    world
        .run(&["get", "--ignore-host-check"], &request(custom))
        .result
        .unwrap();
    world
        .run(&["get"], &request("git-codecommit.us-east-2.amazonaws.com"))
        .result
        .unwrap();
    assert_eq!(world.instance.asked.get(), 0);
}

#[test]
fn missing_path_region_or_credentials_are_errors_with_nothing_printed() {
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["get"],
            "protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\n",
            "credential.useHttpPath true",
        ),
        (
            &["get", "--ignore-host-check"],
            "protocol=https\nhost=example.amazon.com\npath=v1/repos/r\n",
            "--region",
        ),
        (
            &["get", "--ignore-host-check"],
            "protocol=https\npath=v1/repos/r\n",
            "no host",
        ),
        (
            &["get"],
            "host=git-codecommit.us-east-1.amazonaws.com\npath\n",
            "not key=value",
        ),
    ];
    for (argv, input, message) in cases {
        let world = keys_world(None, None);
        let run = world.run(argv, input);
        let error = run.result.expect_err(input).to_string();
        assert!(error.contains(message), "{input:?}: {error}");
        assert_eq!(run.stdout, "", "{input:?}");
        assert!(world.credentials.calls.borrow().is_empty(), "{input:?}");
    }
    let world = World::new(None);
    let run = get(&world, "git-codecommit.us-east-1.amazonaws.com");
    assert!(matches!(
        run.result,
        Err(Error::Credentials(credentials::Error::NotFound))
    ));
    assert_eq!(run.stdout, "");
}

#[test]
fn ignore_host_check_signs_any_host_with_the_given_region() {
    let world = keys_world(None, None);
    let run = world.run(
        &["get", "--ignore-host-check", "--region", "us-east-1"],
        &request("git.example.org"),
    );
    run.result.unwrap();
    assert!(
        run.stdout
            .starts_with("username=AKIDEXAMPLE\npassword=20150830T123600Z"),
        "{}",
        run.stdout
    );
}

#[test]
fn store_and_unknown_operations_read_nothing_and_do_nothing() {
    for argv in [&["store"][..], &["capability"], &["future-op", "--x"]] {
        let world = World::new(None);
        let run = world.run(argv, "garbage without equals\0\n");
        run.result.unwrap();
        assert_eq!(run.stdout, "");
        assert!(world.credentials.calls.borrow().is_empty());
    }
}

#[test]
fn git_announcing_authtype_gets_an_ephemeral_basic_credential() {
    let world = keys_world(None, None);
    let input = format!(
        "capability[]=authtype\ncapability[]=state\n{}",
        request("git-codecommit-fips.us-east-1.amazonaws.com")
    );
    let run = world.run(&["get"], &input);
    run.result.unwrap();
    // base64("AKIDEXAMPLE:" + the FIPS vector's password)
    let password =
        "20150830T123600Z204cfd41d07d10c07e1d9ec1386fb1457b5d828f67ac16d5d3c3b6a914de213b";
    let credential = aws_smithy_types::base64::encode(format!("AKIDEXAMPLE:{password}"));
    assert_eq!(
        run.stdout,
        format!(
            "capability[]=authtype\nauthtype=Basic\ncredential={credential}\nephemeral=1\n\
             password_expiry_utc={}\n",
            VECTOR_TIME + 900
        )
    );
}
