//! `aws::files::writer::set` against the real `aws configure set
//! profile.P.mfa_serial ARN`, file by file: real-looking config files
//! (comments, other profiles, `[default]`, quoted and indented headers, no
//! trailing newline, CRLF, CR), each for several profiles, and generated
//! files, all written by one Python process running the AWS CLI's own
//! command line once per file. The property: the bytes the AWS CLI leaves
//! are the bytes `set` returns. `CONFIG_WRITER_SEED=<n>` generates another
//! sample.

use std::process::Command;

use git_credential_mfa_codecommit::aws::files::ini;
use git_credential_mfa_codecommit::aws::files::writer::{section_for, set};
use serde_json::json;

use crate::support::aws_cli::python;
use crate::support::text;

const ARN: &str = "arn:aws:iam::123456789012:mfa/alice";
const GENERATED: usize = 600;
const SEED: u64 = 0x5EED_F11E_0000_0001;

/// For each `[path, profile]` in the JSON file `argv[1]`: the AWS CLI's
/// `configure set profile.<profile>.mfa_serial <argv[2]>` on that file;
/// prints the paths of the files the AWS CLI cannot even start on (it
/// parses the config first), one per line.
const SCRIPT: &str = r#"
import json, os, sys
from awscli.clidriver import create_clidriver
from botocore.exceptions import ConfigParseError

for path, profile in json.load(open(sys.argv[1])):
    os.environ["AWS_CONFIG_FILE"] = path
    try:
        driver = create_clidriver()
    except ConfigParseError:
        print(path)
        continue
    status = driver.main(["configure", "set", "profile.%s.mfa_serial" % profile, sys.argv[2]])
    if status != 0:
        sys.exit("aws configure set failed on %s" % path)
"#;

const FILES: [&str; 12] = [
    "",
    "[default]\nregion = us-east-1\noutput = json\n",
    "# my AWS config\n[default]\nregion = us-east-1\n\n[profile dev]\nregion = eu-west-1\n\n[profile prod]\nrole_arn = arn:aws:iam::1:role/p\nsource_profile = dev\n",
    "[profile dev]\nregion = eu-west-1",
    "[default]\r\nregion = us-east-1\r\n[profile dev]\r\nregion = eu-west-1\r\n",
    "[default]\rregion = us-east-1\r",
    "[profile dev]\nmfa_serial = arn:aws:iam::1:mfa/old\nregion = eu-west-1\n",
    "[profile \"dev\"]\nregion = eu-west-1\n; trailing comment\n",
    "  [profile dev]\n  region = eu-west-1\n[other]\nx = 1\n",
    "[profile dev]\n# mfa_serial = commented out\n[sso-session s]\nsso_region = us-east-1\n",
    "[profile dev]\ns3 =\n    max_concurrent_requests = 20\nregion: eu-west-1\n",
    "[profile 'my dev']\nregion = eu-west-1\n[profile my dev]\n",
];

const PROFILES: [&str; 4] = ["dev", "default", "my dev", "new"];

/// How many of [`FRAGMENTS`] (the first) are section headers.
const HEADERS: usize = 7;

/// Lines a generated file is made of.
const FRAGMENTS: [&str; 18] = [
    "[default]",
    "[profile dev]",
    "[profile \"dev\"]",
    "  [profile dev]",
    "# [profile dev]",
    "[profile prod]",
    "[sso-session corp]",
    "region = eu-west-1",
    "output: json",
    "mfa_serial = arn:aws:iam::1:mfa/old",
    "# note = x",
    "; comment",
    "",
    "   indented = yes",
    "s3 =",
    "    addressing_style = path",
    "=odd",
    "no separator here",
];

fn generated(seed: u64) -> Vec<String> {
    let mut state = seed | 1;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    (0..GENERATED)
        .map(|_| {
            let newline = ["\n", "\r\n", "\r"][next(3)];
            // Mostly files the AWS CLI can read: a header first, each
            // header once (it refuses a file with a section twice).
            let mut lines = vec![FRAGMENTS[next(HEADERS)]];
            for _ in 0..next(12) {
                let fragment = FRAGMENTS[next(FRAGMENTS.len())];
                if !(lines.contains(&fragment) && fragment.trim_start().starts_with('[')) {
                    lines.push(fragment);
                }
            }
            let mut file = lines.join(newline);
            if next(2) == 0 {
                file.push_str(newline);
            }
            file
        })
        .collect()
}

#[test]
#[ignore = "needs the AWS CLI: run by .ci/run"]
fn the_file_left_is_the_one_aws_configure_set_leaves() {
    let seed = std::env::var("CONFIG_WRITER_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(SEED);
    let dir = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    let mut inputs = Vec::new();
    let fixed = FILES.iter().flat_map(|file| {
        PROFILES
            .iter()
            .map(move |profile| (file.to_string(), *profile))
    });
    let random = generated(seed).into_iter().map(|file| (file, "dev"));
    for (index, (file, profile)) in fixed.chain(random).enumerate() {
        let path = dir.path().join(format!("config-{index}"));
        // The empty fixed file stands for no file at all.
        let contents = (!file.is_empty() || index >= FILES.len() * PROFILES.len()).then_some(file);
        if let Some(contents) = &contents {
            std::fs::write(&path, contents).unwrap();
        }
        cases.push(json!([path, profile]));
        inputs.push((path, profile, contents));
    }
    let list = dir.path().join("cases.json");
    std::fs::write(&list, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new(python())
        .args(["-c", SCRIPT])
        .arg(&list)
        .arg(ARN)
        .env("PYTHONUTF8", "1")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let unparsed: Vec<&str> = text(&out.stdout).lines().collect();
    let mut differ = Vec::new();
    let mut compared = 0;
    for (path, profile, contents) in &inputs {
        if unparsed.contains(&path.to_str().unwrap()) {
            // The helper never writes a file it could not read either.
            let bytes = contents.as_deref().unwrap_or_default().as_bytes();
            assert!(
                ini::parse(bytes).is_err(),
                "{contents:?} is read by the helper only"
            );
            continue;
        }
        compared += 1;
        let theirs = std::fs::read_to_string(path).unwrap();
        let ours = set(
            contents.as_deref(),
            &section_for(profile),
            "mfa_serial",
            ARN,
        )
        .unwrap();
        if ours != theirs {
            differ.push(format!(
                "{profile} in {contents:?}:\n  aws: {theirs:?}\n  ours: {ours:?}"
            ));
        }
    }
    assert!(compared > 250, "only {compared} files compared");
    assert!(
        differ.is_empty(),
        "{} of {} differ (seed {seed}):\n{}",
        differ.len(),
        inputs.len(),
        differ
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Profile names botocore splits or quotes: whitespace, quotes, a
/// backslash, comment characters.
const ODD_NAMES: [&str; 8] = [
    "dev",
    "my dev",
    "tab\there",
    "it's",
    "a\"b",
    "back\\slash",
    "x#y;z",
    "'quoted'",
];

/// botocore's profiles of the config file `path`: each name and `key`.
const READ_BACK: &str = r#"
import json, os, sys
import botocore.session
os.environ["AWS_CONFIG_FILE"] = sys.argv[1]
profiles = botocore.session.Session().full_config["profiles"]
print(json.dumps({name: p.get(sys.argv[2]) for name, p in profiles.items()}))
"#;

fn botocore_profiles(path: &std::path::Path, key: &str) -> serde_json::Value {
    let out = Command::new(python())
        .args(["-c", READ_BACK])
        .arg(path)
        .arg(key)
        .env("PYTHONUTF8", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_str(text(&out.stdout)).unwrap()
}

/// Both writers of the config file, `login`'s `mfa_serial` and `setup
/// --aws-profile`'s block, name a profile with one rule, and botocore
/// reads every name back whole (the AWS CLI itself writes `[profile it's]`,
/// which botocore passes over).
#[test]
#[ignore = "needs the AWS CLI: run by .ci/run"]
fn botocore_reads_back_every_profile_name_either_writer_writes() {
    use git_credential_mfa_codecommit::aws::process_profile::{Block, add};
    let dir = tempfile::tempdir().unwrap();
    let (set_path, block_path) = (dir.path().join("set"), dir.path().join("block"));
    let (mut set_file, mut block_file) = (None, String::new());
    for name in ODD_NAMES {
        set_file = Some(set(set_file.as_deref(), &section_for(name), "mfa_serial", ARN).unwrap());
        block_file = add(&block_file, &Block::new(name, "/bin/helper", "src", None));
    }
    std::fs::write(&set_path, set_file.unwrap()).unwrap();
    std::fs::write(&block_path, block_file).unwrap();
    let process = "/bin/helper credential-process --profile src";
    for (path, key, value) in [
        (&set_path, "mfa_serial", ARN),
        (&block_path, "credential_process", process),
    ] {
        let profiles = botocore_profiles(path, key);
        for name in ODD_NAMES {
            assert_eq!(profiles[name], json!(value), "{name:?} in {profiles}");
        }
        assert_eq!(profiles.as_object().unwrap().len(), ODD_NAMES.len());
    }
}
