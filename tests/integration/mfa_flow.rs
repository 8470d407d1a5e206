//! The MFA flow through `commands::run` with doubles: cache hits and misses, the
//! refresh window, a broken keyring, disabled and cancelled prompts, refused
//! and malformed codes, STS failures, temporary base keys, `erase`, and the
//! commands for people; and no secret in any message.

use std::time::{Duration, SystemTime};

use git_credential_mfa_codecommit::aws::sigv4;
use git_credential_mfa_codecommit::aws::sts;
use git_credential_mfa_codecommit::error::Error;
use git_credential_mfa_codecommit::prompt;
use git_credential_mfa_codecommit::session::{discovery, obtain};

use crate::support::doubles::{Run, VECTOR_TIME, World, at, example_keys, request, sts_session};

const ALICE: &str = "arn:aws:iam::123456789012:mfa/alice";
const DEV: &str = "arn:aws:iam::123456789012:mfa/dev";
const HOST: &str = "git-codecommit.eu-west-1.amazonaws.com";
const CONFIG: &str = "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
    [profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\nduration_seconds = 3600\n\
    [profile plain]\nregion = us-east-1\n\
    [profile deploy]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\nmfa_serial = arn:aws:iam::1:mfa/x\n";

/// Twelve hours after the test's clock.
const LATER: u64 = VECTOR_TIME + 43_200;

fn mfa_world() -> World {
    World::new(Some(example_keys(None, None))).with_config(CONFIG)
}

fn get(world: &World) -> Run {
    world.run(&["get"], &request(HOST))
}

/// The answer must be signed with `session`'s keys.
fn assert_signed_with(run: &Run, id: &str) {
    assert_signed_at(run, id, at(VECTOR_TIME));
}

/// The answer must be signed with `session`'s keys at `time`.
fn assert_signed_at(run: &Run, id: &str, time: SystemTime) {
    let target = sigv4::Target {
        host: HOST,
        path: "/v1/repos/myrepo",
        region: "eu-west-1",
    };
    let password = sigv4::password(&format!("{id}/session-secret"), &target, time);
    let expected = format!("username={id}%{id}-session-token\npassword={password}\n");
    assert!(run.stdout.starts_with(&expected), "{}", run.stdout);
}

#[test]
fn first_get_prompts_and_caches_later_gets_reuse_the_session() {
    let world = mfa_world();
    world.prompt.answer(Ok("123456"));
    world.sts.will(Ok(sts_session("ASIAFIRST", at(LATER))));
    for _ in 0..20 {
        let run = get(&world);
        assert!(run.result.is_ok(), "{:?}", run.result);
        assert_signed_with(&run, "ASIAFIRST");
    }
    assert_eq!(world.prompt.count(), 1);
    assert_eq!(*world.prompt.asked.borrow(), [ALICE]);
    let calls = world.sts.calls.borrow();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].mfa_serial.as_str(), calls[0].code.as_str()),
        (ALICE, "123456")
    );
    assert_eq!(
        (calls[0].key_id.as_str(), calls[0].region.as_str()),
        ("AKIDEXAMPLE", "eu-west-1")
    );
    assert_eq!(calls[0].duration, Duration::from_secs(43_200));
    assert_eq!(
        world.store.key_id("default", ALICE).as_deref(),
        Some("ASIAFIRST")
    );
}

#[test]
fn the_password_expiry_follows_the_session() {
    let world = mfa_world();
    world.store.put(
        "default",
        ALICE,
        sts_session("ASIASOON", at(VECTOR_TIME + 400)),
    );
    let run = get(&world);
    assert!(
        run.stdout
            .ends_with(&format!("password_expiry_utc={}\n", VECTOR_TIME + 400)),
        "{}",
        run.stdout
    );
}

#[test]
fn a_session_inside_the_refresh_window_is_renewed() {
    let world = mfa_world();
    world.store.put(
        "default",
        ALICE,
        sts_session("ASIAOLD", at(VECTOR_TIME + 300)),
    );
    world.prompt.answer(Ok("654321"));
    world.sts.will(Ok(sts_session("ASIANEW", at(LATER))));
    assert_signed_with(&get(&world), "ASIANEW");
    assert_eq!(
        world.store.key_id("default", ALICE).as_deref(),
        Some("ASIANEW")
    );
}

/// Another process logs in while this one waits on the lock, and time
/// passes meanwhile: what the second read finds is judged at the time of
/// use. Stale by then (inside the refresh window, or expired), it is not
/// signed with: the user is asked, and STS makes a new session.
#[test]
fn a_session_gone_stale_while_waiting_on_the_lock_is_not_used() {
    let waited = VECTOR_TIME + 600;
    for (other_expiry, renewed) in [
        (waited + 301, false),
        (waited + 300, true),
        (waited - 1, true),
    ] {
        let world = mfa_world();
        // The first read finds nothing; the second, after the lock, finds
        // what the other process cached, once time has passed.
        world.store.before_a_load(|_| {});
        let clock = world.now.clone();
        world.store.before_a_load(move |store| {
            store.put("default", ALICE, sts_session("ASIAOTHER", at(other_expiry)));
            clock.set(at(waited));
        });
        let used = if renewed {
            world.prompt.answer(Ok("123456"));
            world.sts.will(Ok(sts_session("ASIANEW", at(LATER))));
            "ASIANEW"
        } else {
            "ASIAOTHER"
        };
        let run = get(&world);
        assert!(run.result.is_ok(), "{:?}", run.result);
        assert!(world.store.meanwhile.borrow().is_empty());
        assert_signed_at(&run, used, at(waited));
        let calls = usize::from(renewed);
        assert_eq!((world.prompt.count(), world.sts.count()), (calls, calls));
        assert_eq!(world.store.key_id("default", ALICE).as_deref(), Some(used));
    }
}

#[test]
fn profile_flags_and_duration_pick_the_device_and_length() {
    let world = mfa_world();
    world.prompt.answer(Ok("111111"));
    world.sts.will(Ok(sts_session("ASIADEV", at(LATER))));
    world
        .run(&["--profile", "dev", "get"], &request(HOST))
        .result
        .unwrap();
    world.prompt.answer(Ok("222222"));
    world.sts.will(Ok(sts_session("ASIAFLAG", at(LATER))));
    let serial = "arn:aws:iam::123456789012:mfa/other";
    world
        .run(
            &["get", "--mfa-serial", serial, "--duration", "900"],
            &request(HOST),
        )
        .result
        .unwrap();
    let calls = world.sts.calls.borrow();
    assert_eq!(
        (calls[0].mfa_serial.as_str(), calls[0].duration),
        (DEV, Duration::from_secs(3600))
    );
    // `--profile dev` takes the base keys from profile dev alone, as the
    // AWS CLI does; without it, the environment's keys come first.
    let asked: Vec<_> = world
        .credentials
        .calls
        .borrow()
        .iter()
        .map(|call| call.0.clone())
        .collect();
    assert_eq!(asked, [Some("dev".to_owned()), None]);
    assert_eq!(
        (calls[1].mfa_serial.as_str(), calls[1].duration),
        (serial, Duration::from_secs(900))
    );
    assert!(world.store.get("dev", DEV).is_some() && world.store.get("default", serial).is_some());
}

#[test]
fn bad_duration_is_an_error_before_any_prompt() {
    let world = mfa_world();
    let run = world.run(&["get", "--duration", "60"], &request(HOST));
    assert!(
        matches!(run.result, Err(Error::Config(_))),
        "{:?}",
        run.result.err()
    );
    assert_eq!(
        (world.prompt.count(), world.sts.count(), run.stdout.as_str()),
        (0, 0, "")
    );
}

#[test]
fn a_profile_without_mfa_serial_signs_with_its_keys() {
    let world = mfa_world();
    let run = world.run(&["--profile", "plain", "get"], &request(HOST));
    run.result.unwrap();
    assert!(
        run.stdout.starts_with("username=AKIDEXAMPLE\n"),
        "{}",
        run.stdout
    );
    assert_eq!((world.prompt.count(), world.sts.count()), (0, 0));
}

#[test]
fn a_broken_keyring_warns_once_and_still_answers() {
    let world = mfa_world();
    world.store.fail_load.set(true);
    world.prompt.answer(Ok("123456"));
    world.sts.will(Ok(sts_session("ASIANOCACHE", at(LATER))));
    assert_signed_with(&get(&world), "ASIANOCACHE");
    assert_eq!(
        world.log.warnings.borrow().len(),
        1,
        "{:?}",
        world.log.warnings.borrow()
    );
    assert_eq!(world.store.saves.get(), 0);
}

#[test]
fn a_failed_save_is_a_warning() {
    let world = mfa_world();
    world.store.fail_save.set(true);
    world.prompt.answer(Ok("123456"));
    world.sts.will(Ok(sts_session("ASIAUNSAVED", at(LATER))));
    assert_signed_with(&get(&world), "ASIAUNSAVED");
    assert_eq!(world.log.warnings.borrow().len(), 1);
}

#[test]
fn prompts_that_cannot_happen_fail_fast_without_sts() {
    for refusal in [
        prompt::Error::Disabled,
        prompt::Error::NoTerminal("no tty".into()),
    ] {
        let world = mfa_world();
        world.prompt.answer(Err(refusal));
        let run = get(&world);
        assert!(matches!(run.result, Err(Error::Prompt(_))));
        assert!(run.result.unwrap_err().to_string().contains("login"));
        assert_eq!((run.stdout.as_str(), world.sts.count()), ("", 0));
    }
}

#[test]
fn cancelled_or_empty_answers_tell_git_to_quit() {
    for answer in [Err(prompt::Error::Cancelled), Ok("")] {
        let world = mfa_world();
        world.prompt.answer(answer);
        let run = get(&world);
        assert!(matches!(
            run.result,
            Err(Error::Prompt(prompt::Error::Cancelled))
        ));
        assert_eq!(run.stdout, "quit=1\n");
        assert_eq!(world.sts.count(), 0);
        assert!(world.store.get("default", ALICE).is_none());
    }
}

#[test]
fn refused_codes_are_asked_again_up_to_three_times() {
    let world = mfa_world();
    let refused = || {
        Err(sts::Error::CodeRefused(
            "MultiFactorAuthentication failed with invalid MFA one time pass code.".into(),
        ))
    };
    for code in ["111111", "222222", "333333"] {
        world.prompt.answer(Ok(code));
    }
    world.sts.will(refused());
    world.sts.will(refused());
    world.sts.will(Ok(sts_session("ASIATHIRD", at(LATER))));
    assert_signed_with(&get(&world), "ASIATHIRD");
    assert_eq!(world.log.warnings.borrow().len(), 2);
    assert!(world.log.warnings.borrow()[0].contains("already used"));

    let world = mfa_world();
    for code in ["111111", "222222", "333333"] {
        world.prompt.answer(Ok(code));
        world.sts.will(refused());
    }
    let run = get(&world);
    assert!(matches!(
        run.result,
        Err(Error::Sts(sts::Error::CodeRefused(_)))
    ));
    assert_eq!((run.stdout.as_str(), world.prompt.count()), ("", 3));
    assert!(world.store.get("default", ALICE).is_none());
}

#[test]
fn malformed_codes_are_asked_again_without_calling_sts() {
    let world = mfa_world();
    for code in ["12345", "12345a", "1234567"] {
        world.prompt.answer(Ok(code));
    }
    let run = get(&world);
    assert!(matches!(
        run.result,
        Err(Error::Mfa(obtain::Error::TooManyTries))
    ));
    assert_eq!((world.prompt.count(), world.sts.count()), (3, 0));

    let world = mfa_world();
    world.prompt.answer(Ok("12 34"));
    world.prompt.answer(Ok("123456"));
    world.sts.will(Ok(sts_session("ASIAOK", at(LATER))));
    assert_signed_with(&get(&world), "ASIAOK");
    assert_eq!(world.sts.calls.borrow()[0].code, "123456");
}

#[test]
fn other_sts_errors_end_at_once_with_stss_message() {
    let world = mfa_world();
    world.prompt.answer(Ok("123456"));
    world.sts.will(Err(sts::Error::Refused(
        "InvalidClientTokenId: The security token included in the request is invalid".into(),
    )));
    let run = get(&world);
    let error = run.result.unwrap_err().to_string();
    assert!(
        error.contains("The security token included in the request is invalid"),
        "{error}"
    );
    assert_eq!((world.prompt.count(), run.stdout.as_str()), (1, ""));
}

#[test]
fn temporary_base_keys_are_refused_before_prompting() {
    let world = World::new(Some(example_keys(Some("token"), None))).with_config(CONFIG);
    let run = get(&world);
    assert!(matches!(
        run.result,
        Err(Error::Mfa(obtain::Error::TemporaryBase(_)))
    ));
    assert_eq!((world.prompt.count(), world.sts.count()), (0, 0));
}

#[test]
fn erase_drops_only_the_session_git_rejected() {
    let world = mfa_world();
    world
        .store
        .put("default", ALICE, sts_session("ASIACACHED", at(LATER)));
    let erase = |username: &str| {
        let input = format!(
            "protocol=https\nhost={HOST}\npath=v1/repos/myrepo\nusername={username}\npassword=x\n\n"
        );
        world.run(&["erase"], &input).result.unwrap();
    };
    erase("ASIAOTHER%token");
    assert!(world.store.get("default", ALICE).is_some());
    erase("ASIACACHED%ASIACACHED-session-token");
    assert!(world.store.get("default", ALICE).is_none());
}

#[test]
fn login_prompts_now_and_status_and_logout_show_and_drop_sessions() {
    let world = mfa_world();
    world
        .store
        .put("default", ALICE, sts_session("ASIAOLD", at(LATER)));
    world.prompt.answer(Ok("123456"));
    world.sts.will(Ok(sts_session("ASIALOGIN", at(LATER))));
    let run = world.run(&["login"], "");
    run.result.unwrap();
    assert_eq!(
        run.stdout,
        format!("MFA session for profile default ({ALICE}) valid until 2015-08-31 00:36:00 UTC\n")
    );
    assert_eq!(world.sts.calls.borrow()[0].region, "us-east-1");

    let run = world.run(&["status"], "");
    assert_eq!(
        run.stdout,
        format!(
            "default\t{ALICE}\tvalid until 2015-08-31 00:36:00 UTC\n\
             deploy\tarn:aws:iam::1:mfa/x\tno cached session\n\
             dev\t{DEV}\tno cached session\n"
        )
    );
    let run = world.run(&["logout", "--all"], "");
    assert_eq!(
        run.stdout,
        format!(
            "removed the MFA session for profile default ({ALICE})\n\
             no cached MFA session for profile deploy (arn:aws:iam::1:mfa/x)\n\
             no cached MFA session for profile dev ({DEV})\n"
        )
    );
    assert!(world.store.get("default", ALICE).is_none());
    // A profile without a device: login looks it up, starting with whose
    // keys they are (here STS cannot say), and writes nothing.
    world
        .sts
        .callers
        .borrow_mut()
        .push_back(Err(sts::Error::Unreachable("no STS here".into())));
    let run = world.run(&["--profile", "plain", "login"], "");
    assert!(
        matches!(
            run.result,
            Err(Error::Discovery(discovery::Error::Sts(
                sts::Error::Unreachable(_)
            )))
        ),
        "{:?}",
        run.result
    );
    assert_eq!(run.stdout, "");
}

#[test]
fn no_message_carries_a_secret() {
    let world = mfa_world();
    world.prompt.answer(Ok("987654"));
    world.sts.will(Err(sts::Error::CodeRefused(
        "MultiFactorAuthentication failed".into(),
    )));
    world.prompt.answer(Ok("135790"));
    world.sts.will(Ok(sts_session("ASIASECRET", at(LATER))));
    let run = world.run(&["get", "--verbose"], &request(HOST));
    run.result.unwrap();
    let messages = [
        world.log.steps.borrow().clone(),
        world.log.warnings.borrow().clone(),
    ]
    .concat();
    assert!(messages.len() >= 3, "{messages:?}");
    let password = run
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("password="))
        .unwrap();
    for secret in [
        "987654",
        "135790",
        "session-secret",
        "session-token",
        "wJalrXUtnFEMI",
        password,
    ] {
        assert!(
            messages.iter().all(|message| !message.contains(secret)),
            "{secret} in {messages:?}"
        );
    }
}

#[test]
fn an_mfa_process_gets_one_try_and_must_print_a_code() {
    let config =
        format!("[default]\nmfa_serial = {ALICE}\nmfa_process = ykman oath accounts code -s aws\n");
    let world = World::new(Some(example_keys(None, None))).with_config(&config);
    world.prompt.answer(Ok("111111"));
    world.sts.will(Err(sts::Error::CodeRefused(
        "MultiFactorAuthentication failed".into(),
    )));
    let run = get(&world);
    assert!(matches!(
        run.result,
        Err(Error::Sts(sts::Error::CodeRefused(_)))
    ));
    assert_eq!((world.prompt.count(), world.sts.count()), (1, 1));

    let world = World::new(Some(example_keys(None, None))).with_config(&config);
    world.prompt.answer(Ok("12345"));
    let run = get(&world);
    assert!(matches!(
        run.result,
        Err(Error::Mfa(obtain::Error::ProcessNotACode))
    ));
    assert_eq!((world.prompt.count(), world.sts.count()), (1, 0));
}
