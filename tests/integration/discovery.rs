//! MFA device discovery by `login` against moto's IAM and STS: a user with
//! one virtual MFA device (found, recorded, then the code asked), with two
//! (chosen on the terminal, or an error listing them without one), with
//! none, and an account whose IAM refuses the call; the config file left
//! equal, byte for byte, to what the real `aws configure set` leaves on a
//! copy of it. `get` never calls IAM or writes the config.

use crate::support::iam_user::User;
use crate::support::{request, run, text};

#[test]
#[ignore = "needs moto, boto3, the AWS CLI, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn one_device_is_found_recorded_as_the_aws_cli_records_it_and_used() {
    let user = User::with_devices(1);
    // A git process does not look: with no mfa_serial, get signs with the keys.
    let get = run(
        user.command_line(&["get"]),
        &request("git-codecommit.us-east-1.amazonaws.com", Some("v1/repos/r")),
    );
    assert!(get.status.success(), "{}", text(&get.stderr));
    assert_eq!(user.config(), user.original);

    let screen = user.login(None);
    let serial = &user.serials[0];
    assert!(
        screen.contains(&format!(
            "found MFA device {serial}; recorded it as mfa_serial of profile default"
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "MFA session for profile default ({serial}) valid until"
        )),
        "{screen}"
    );
    assert_eq!(user.config(), user.as_aws_cli_writes(serial));
    // The next login asks for the code only.
    let screen = user.login(None);
    assert!(!screen.contains("found MFA device"), "{screen}");
    user.logout();
}

#[test]
#[ignore = "needs moto, boto3, the AWS CLI, kernel keyutils and a pseudo-terminal: run by .ci/run"]
fn of_two_devices_the_one_chosen_is_recorded_and_without_a_terminal_both_are_named() {
    let user = User::with_devices(2);
    let stderr = user.failed_login();
    let arn = format!("arn:aws:iam::123456789012:user/{}", user.name);
    assert_eq!(
        stderr,
        format!(
            "git-credential-mfa-codecommit: {arn} has several MFA devices ({}, {}); pass --mfa-serial with one of them\n",
            user.serials[0], user.serials[1]
        )
    );
    assert_eq!(user.config(), user.original);

    let screen = user.login(Some("2\r"));
    assert!(
        screen.contains(&format!("{arn} has 2 MFA devices:"))
            && screen.contains(&format!("  1) {}", user.serials[0]))
            && screen.contains(&format!("  2) {}", user.serials[1])),
        "{screen}"
    );
    assert_eq!(user.config(), user.as_aws_cli_writes(&user.serials[1]));
    user.logout();
}

#[test]
#[ignore = "needs moto, boto3 and the AWS CLI: run by .ci/run"]
fn no_device_or_a_refused_list_is_one_line_and_nothing_written() {
    let user = User::with_devices(0);
    assert_eq!(
        user.failed_login(),
        format!(
            "git-credential-mfa-codecommit: arn:aws:iam::123456789012:user/{} has no MFA device; \
             add one on the IAM console's Security credentials page, then run login again\n",
            user.name
        )
    );
    assert_eq!(user.config(), user.original);

    // IAM refusing the call (here: keys IAM does not know).
    user.scratch.write(
        ".aws/credentials",
        "[default]\naws_access_key_id = AKIANOBODYEXAMPLE\naws_secret_access_key = x\n",
    );
    let stderr = user.failed_login();
    assert!(
        stderr.lines().count() == 1 && stderr.contains("--mfa-serial"),
        "{stderr}"
    );
    assert!(!stderr.contains("AKIANOBODYEXAMPLE x"), "{stderr}");
    assert_eq!(user.config(), user.original);
}
