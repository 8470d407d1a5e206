//! The signing vectors in `tests/data/codecommit-passwords.txt` (made with
//! botocore exactly as the AWS CLI calls it; the file's header says how),
//! checked stage by stage so that a failure names the stage.

use std::time::SystemTime;

use chrono::DateTime;
use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::vectors::records;

/// The Python repr of a plain ASCII string with `\n` escapes, undone.
fn unrepr(repr: &str) -> String {
    repr.trim_matches('\'').replace("\\n", "\n")
}

#[test]
fn every_vector_matches_at_every_stage() {
    let records = records();
    assert_eq!(records.len(), 5, "vector count");
    for record in records {
        let time: SystemTime = DateTime::parse_from_rfc3339(&record["time"])
            .unwrap()
            .into();
        let target = sigv4::Target {
            host: &record["host"],
            path: &record["path"],
            region: &record["region"],
        };
        let name = &record["host"];
        assert_eq!(
            sigv4::string_to_sign(&target, time),
            unrepr(&record["string_to_sign"]),
            "string to sign for {name}"
        );
        assert_eq!(
            sigv4::password(&record["secret_access_key"], &target, time),
            record["expected_password"],
            "password for {name}"
        );
        let token = Some(record["session_token"].as_str()).filter(|token| !token.is_empty());
        assert_eq!(
            sigv4::username(&record["access_key_id"], token),
            record["expected_username"],
            "username for {name}"
        );
    }
}
