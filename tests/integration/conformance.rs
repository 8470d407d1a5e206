//! The conformance table: the helper against the real `aws codecommit
//! credential-helper` (AWS CLI v1: botocore's `configloader.py` and
//! `credentials.py` over Python's `configparser.RawConfigParser`), case by case.
//!
//! Each [`Case`] is data: the raw BYTES of `~/.aws/config` and
//! `~/.aws/credentials` (so CRLF, CR-only, a BOM, UTF-16, cp1252 and NUL are
//! expressible), other files (an executable `bin/…` is a `credential_process`),
//! the environment, argv and git's request. The runner builds a scratch HOME
//! for it, runs `python -m awscli codecommit credential-helper ARGV` and the
//! helper on that same HOME, with the same environment, under `faketime` at
//! the same frozen second ([`FROZEN`]), and checks the case's [`Expectation`]:
//!
//! - [`Expectation::Same`]: both exit 0; our stdout starts with the CLI's,
//!   byte for byte, and then adds exactly `password_expiry_utc=<frozen+900>`.
//! - [`Expectation::BothFail`]: the CLI exits non-zero (its stderr holds
//!   `cli_says`); ours exits non-zero with an empty stdout and one stderr line
//!   `git-credential-mfa-codecommit: …` holding each of `ours_says`.
//! - [`Expectation::Better`]: the CLI crashes or is plainly wrong; the case
//!   pins down both what ours does and what the CLI does, so the table
//!   documents the difference and notices when the CLI changes.
//! - [`Expectation::V2`]: AWS CLI v2 reads the setting otherwise than v1,
//!   the oracle run here; ours does as v2 does, which the case cites from
//!   v2's source, and the case pins down what v1 does.
//!
//! The deliberate betterments (everything else matches the CLI):
//!
//! 1. A UTF-8 BOM at the start of a file is accepted (the CLI rejects it).
//! 2. In any value, `#` or `;` after whitespace and outside quotes starts a
//!    comment (the CLI keeps it in the value and signs with it).
//! 3. A value continued on indented lines, for a key the helper uses as one
//!    value (region, keys, tokens, source_profile, role_arn,
//!    credential_process, mfa_serial), is an error naming the key (the CLI
//!    signs with the newline in it).
//! 4. An empty value counts as unset; an empty `aws_access_key_id` is an error
//!    naming it (the CLI signs with region '' or user name '').
//! 5. `--region ''` is an error (the CLI signs with region '').
//! 6. A file that cannot be decoded or parsed is an error naming the file and
//!    the line (the CLI also fails, with neither).
//! 7. An unreadable file is an error (the CLI ignores it): not here, as tests
//!    run as root; see the helper's own tests.
//! 8. A `credential_process` answer whose Expiration has passed is an error
//!    (the CLI agrees: "still expired").
//!
//! Role profiles that need STS are left to the role tests; here are only the
//! ones both reject before any call (STS and IMDS point at a closed loopback
//! port). `CONFORMANCE_CASE=<substring>` runs only the cases whose
//! `family: name` contains it.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use git_credential_mfa_codecommit::aws::sigv4;

use crate::support::aws_cli::{AWS_CLI_HELPER, FROZEN_UNIX, frozen_command, python};
use crate::support::{BINARY, NO_IMDS, Scratch, request, require};

/// What one case sets up and expects.
#[derive(Debug)]
struct Case {
    /// A short sentence: what the case shows.
    name: &'static str,
    /// `~/.aws/config`, byte for byte; `{home}` stands for the scratch HOME.
    config: Option<&'static [u8]>,
    /// `~/.aws/credentials`, likewise.
    credentials: Option<&'static [u8]>,
    /// Other files, relative to HOME; those under `bin/` are made executable.
    files: &'static [(&'static str, &'static [u8])],
    /// Added to the scrubbed environment (values may hold `{home}`).
    env: &'static [(&'static str, &'static str)],
    /// Taken out of it.
    unset: &'static [&'static str],
    /// After `credential-helper` for the CLI, and for ours.
    argv: &'static [&'static str],
    host: &'static str,
    /// git's path, without the leading `/`.
    path: &'static str,
    expect: Expectation,
}

#[derive(Debug, PartialEq)]
enum Expectation {
    /// Both sign alike; ours adds `password_expiry_utc=<frozen+900>`.
    Same,
    /// Both sign alike; the credentials expire before the password's 15
    /// minutes, and ours says so: `password_expiry_utc=<this>`.
    SameUntil(u64),
    /// Both fail: the CLI's stderr holds `cli_says`; ours prints one line
    /// holding each of `ours_says` (ASCII case aside).
    BothFail {
        ours_says: &'static [&'static str],
        cli_says: &'static str,
    },
    /// The CLI crashes or is plainly wrong (`why` says how).
    Better {
        ours: Expect,
        cli: Expect,
        why: &'static str,
    },
    /// AWS CLI v2 differs from v1 (the CLI run here) and ours follows v2;
    /// `v2_source` cites where v2 says so.
    V2 {
        ours: Expect,
        v1: Expect,
        v2_source: &'static str,
    },
}

/// One side's outcome in a [`Expectation::Better`] or [`Expectation::V2`]
/// case.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Exits 0, signing for the case's host and path at the frozen second.
    Signs {
        key_id: &'static str,
        secret: &'static str,
        token: Option<&'static str>,
        region: &'static str,
    },
    /// Exits non-zero. For ours: nothing on stdout, one stderr line holding
    /// each of these (ASCII case aside); for the CLI: its stderr holds them.
    Fails(&'static [&'static str]),
    /// Exits 0 and prints nothing: the host is not this helper's.
    Silent,
}

use Expect::{Fails, Signs, Silent};
use Expectation::{Better, BothFail, Same, SameUntil, V2};

/// Where AWS CLI v2 reads the region: `--region`, `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, the profile's `region`, then instance metadata.
const V2_REGION_CHAIN: &str =
    "aws-cli v2, awscli/clidriver.py, CLIDriver._construct_cli_region_chain";

/// Where AWS CLI v2 reads the profile from the environment: `AWS_PROFILE`,
/// then `AWS_DEFAULT_PROFILE`, the first one set (even to nothing) winning.
const V2_PROFILE_VARIABLES: &str = "aws-cli v2, awscli/botocore/configprovider.py, \
     BOTOCORE_DEFAUT_SESSION_VARIABLES['profile'] and EnvironmentProvider.provide";

/// The host most cases use: its region is in the name.
const HOST: &str = "git-codecommit.us-east-1.amazonaws.com";
/// A host without a region, for the cases where the region comes from
/// elsewhere. Not a CodeCommit endpoint's name: both are run with
/// `--ignore-host-check`, the user's word without which this helper
/// answers no such host.
const NO_REGION_HOST: &str = "codecommit.example.amazon.com";

const BASE: Case = Case {
    name: "",
    config: None,
    credentials: None,
    files: &[],
    env: &[],
    unset: &[],
    argv: &["get"],
    host: HOST,
    path: "v1/repos/myrepo",
    expect: Same,
};

/// Both sides get these too: STS at a closed loopback port (as IMDS is, by
/// [`Scratch::command`]), and no terminal prompt.
const COMMON_ENV: &[(&str, &str)] = &[
    ("AWS_ENDPOINT_URL_STS", NO_IMDS),
    ("GIT_TERMINAL_PROMPT", "0"),
];

/// How long one run may take before it counts as hung and is killed.
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// The credentials file's default keys.
const ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
macro_rules! keys {
    () => {
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    };
}
/// The config file's keys.
const CONFIG_ID: &str = "AKIAI44QH8DHBEXAMPLE";
const CONFIG_SECRET: &str = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
macro_rules! config_keys {
    () => {
        "aws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
    };
}
/// Profile dev's keys.
const DEV_ID: &str = "AKIAIOSFODNN7DEVEXMP";
const DEV_SECRET: &str = "devSecret/K7MDENG/bPxRfiCYEXAMPLEKEY";
macro_rules! dev_keys {
    () => {
        "aws_access_key_id = AKIAIOSFODNN7DEVEXMP\naws_secret_access_key = devSecret/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    };
}
/// Profile prod's keys.
const PROD_ID: &str = "AKIAIOSFODNN7PRDEXMP";
const PROD_SECRET: &str = "prodSecret/K7MDENG/bPxRfiCYEXAMPLEKEY";
macro_rules! prod_keys {
    () => {
        "aws_access_key_id = AKIAIOSFODNN7PRDEXMP\naws_secret_access_key = prodSecret/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    };
}
/// `[default]`, `[dev]` and `[prod]`, each with its own keys.
macro_rules! three_profiles {
    () => {
        concat!(
            "[default]\n",
            keys!(),
            "[dev]\n",
            dev_keys!(),
            "[prod]\n",
            prod_keys!()
        )
    };
}
/// The environment's keys.
const ENV_KEYS: [(&str, &str); 2] = [
    ("AWS_ACCESS_KEY_ID", "AKIAENVIRONEXAMPLE00"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "envSecret/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
];
/// What a credential_process prints, inside `{"Version": 1, … }`.
macro_rules! process_keys {
    () => {
        r#""AccessKeyId": "ASIAPROCESSEXAMPLE00", "SecretAccessKey": "procSecret/K7MDENG/bPxRfiCYEXAMPLEKEY""#
    };
}
const PROCESS_SECRET: &str = "procSecret/K7MDENG/bPxRfiCYEXAMPLEKEY";
/// A `bin/creds` script printing `json` as it is.
macro_rules! process {
    ($json:expr) => {
        concat!("#!/bin/sh\ncat <<'JSON'\n", $json, "\nJSON\n").as_bytes()
    };
}
/// `bin/creds`, printing the process keys and a token.
const PROCESS: &[(&str, &[u8])] = &[(
    "bin/creds",
    process!(concat!(
        r#"{"Version": 1, "#,
        process_keys!(),
        r#", "SessionToken": "procToken"}"#
    )),
)];
/// `bin/creds`, whose key id is its arguments: `ASIA[a][b c]`.
const ECHO_ARGS: &[(&str, &[u8])] = &[(
    "bin/creds",
    concat!(
        "#!/bin/sh\nid=ASIA\nfor arg in \"$@\"; do id=\"${id}[${arg}]\"; done\ncat <<JSON\n",
        r#"{"Version": 1, "AccessKeyId": "$id", "SecretAccessKey": "procSecret/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#,
        "\nJSON\n"
    )
    .as_bytes(),
)];
/// `bin/creds` printing the process keys with an Expiration.
macro_rules! expiring {
    ($when:literal) => {
        &[(
            "bin/creds",
            process!(concat!(
                r#"{"Version": 1, "#,
                process_keys!(),
                r#", "SessionToken": "procToken", "Expiration": ""#,
                $when,
                r#""}"#
            )),
        )]
    };
}
/// `[default]` running `bin/creds` with `args`.
macro_rules! run_creds {
    ($args:literal) => {
        Some(
            concat!(
                "[default]\ncredential_process = {home}/bin/creds",
                $args,
                "\n"
            )
            .as_bytes(),
        )
    };
}

const fn bytes(text: &'static str) -> Option<&'static [u8]> {
    Some(text.as_bytes())
}

/// Ours signing for HOST with the credentials file's default keys.
const SIGNS_DEFAULT: Expect = Signs {
    key_id: ID,
    secret: SECRET,
    token: None,
    region: "us-east-1",
};

const CLI_PARSE_CREDENTIALS: Expect =
    Fails(&["Unable to parse config file: {home}/.aws/credentials"]);
const CLI_NO_CREDENTIALS: &str = "'NoneType' object has no attribute 'secret_key'";
const CLI_NO_REGION: &str = "sequence item 1: expected str instance, NoneType found";

const SYNTAX: &[Case] = &[
    Case {
        name: "# and ; comment lines are skipped, before and inside a section",
        credentials: bytes(concat!("# mine\n; old\n[default]\n# a\n; b\n", keys!())),
        ..BASE
    },
    Case {
        name: "indented comment lines under a section header are skipped",
        credentials: bytes(concat!("[default]\n   # a\n\t; b\n", keys!())),
        ..BASE
    },
    Case {
        name: "an indented comment line under a key is not part of its value",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n    # Ireland\nregion_note = x\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "an inline # comment after the key id is dropped",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE # mine\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        expect: Better {
            ours: SIGNS_DEFAULT,
            cli: Signs {
                key_id: "AKIAIOSFODNN7EXAMPLE # mine",
                secret: SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI keeps ` # mine` in the key id and sends it as the user name",
        },
        ..BASE
    },
    Case {
        name: "an inline ; comment after the secret is dropped",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ; rotated\n"
        )),
        expect: Better {
            ours: SIGNS_DEFAULT,
            cli: Signs {
                key_id: ID,
                secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY ; rotated",
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with `… ; rotated` as the secret",
        },
        ..BASE
    },
    Case {
        name: "an inline comment after the region, after a tab, is dropped",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\t# Ireland\n"),
        host: NO_REGION_HOST,
        expect: Better {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1",
            },
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1\t# Ireland",
            },
            why: "the CLI signs for the region `eu-west-1\\t# Ireland`",
        },
        ..BASE
    },
    Case {
        name: "a # not after whitespace is part of the value",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1#x\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "quotes around a value are kept",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = \"eu-west-1\"\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "a secret continued on an indented line is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!(), "  more\n")),
        expect: Better {
            ours: Fails(&["aws_secret_access_key"]),
            cli: Signs {
                key_id: ID,
                secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\nmore",
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with the secret `…KEY\\nmore`",
        },
        ..BASE
    },
    Case {
        name: "a region continued on an indented line is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n  eu-west-2\n"),
        host: NO_REGION_HOST,
        expect: Better {
            ours: Fails(&["region"]),
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1\neu-west-2",
            },
            why: "the CLI signs for the region `eu-west-1\\neu-west-2`",
        },
        ..BASE
    },
    Case {
        name: "an indented key = value after the region continues the region",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n  output = json\n"),
        host: NO_REGION_HOST,
        expect: Better {
            ours: Fails(&["region"]),
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1\noutput = json",
            },
            why: "the CLI signs for the region `eu-west-1\\noutput = json`",
        },
        ..BASE
    },
    Case {
        name: "an indented section header after a key continues that key",
        credentials: bytes(concat!("[default]\n", keys!(), "  [dev]\n")),
        expect: Better {
            ours: Fails(&["aws_secret_access_key"]),
            cli: Signs {
                key_id: ID,
                secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n[dev]",
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with the secret `…KEY\\n[dev]`",
        },
        ..BASE
    },
    Case {
        name: "a blank line does not end a value: an indented key after it continues the key id",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\n",
            "  aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        expect: BothFail {
            ours_says: &["aws_access_key_id"],
            cli_says: "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key",
        },
        ..BASE
    },
    Case {
        name: "a region in an s3 sub-section is not the profile's region",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(
            "[default]\nregion = eu-west-1\ns3 =\n  region = eu-west-2\n  addressing_style = path\n",
        ),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "a region only in an s3 sub-section leaves the profile without one",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\ns3 =\n  region = eu-west-2\n"),
        host: NO_REGION_HOST,
        expect: BothFail {
            ours_says: &["region"],
            cli_says: CLI_NO_REGION,
        },
        ..BASE
    },
    Case {
        name: "a region given as an indented block is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion =\n  eu-west-1\n"),
        host: NO_REGION_HOST,
        expect: BothFail {
            ours_says: &["region"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "a region given as a sub-section is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion =\n  name = eu-west-1\n"),
        host: NO_REGION_HOST,
        expect: BothFail {
            ours_says: &["region"],
            cli_says: "sequence item 1: expected str instance, dict found",
        },
        ..BASE
    },
    Case {
        name: "key: value works as key = value, with or without spaces",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id: AKIAIOSFODNN7EXAMPLE\n",
            "aws_secret_access_key:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        ..BASE
    },
    Case {
        name: "key=value with no spaces",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\n",
            "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        ..BASE
    },
    Case {
        name: "the value runs from the first = or : to the end, later ones included",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG:bPxRfiCY=EXAMPLEKEY\n"
        )),
        ..BASE
    },
    Case {
        name: "option names are lower-cased: Region and AWS_ACCESS_KEY_ID work",
        credentials: bytes(concat!(
            "[default]\nAWS_ACCESS_KEY_ID = AKIAIOSFODNN7EXAMPLE\n",
            "Aws_Secret_Access_Key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        config: bytes("[default]\nRegion = eu-west-1\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "section names are case-sensitive: [Default] is not the default profile",
        credentials: bytes(concat!("[Default]\n", keys!())),
        expect: BothFail {
            ours_says: &["credentials"],
            cli_says: CLI_NO_CREDENTIALS,
        },
        ..BASE
    },
    Case {
        name: "[ default ] with spaces inside the brackets is not the default profile",
        credentials: bytes(concat!("[ default ]\n", keys!())),
        expect: BothFail {
            ours_says: &["credentials"],
            cli_says: CLI_NO_CREDENTIALS,
        },
        ..BASE
    },
    Case {
        name: "a section header with a comment after the ] opens the section",
        credentials: bytes(concat!("[default] # mine\n", keys!())),
        ..BASE
    },
    Case {
        name: "CRLF line ends",
        credentials: bytes(concat!(
            "[default]\r\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\r\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r\n"
        )),
        config: bytes("[default]\r\nregion = eu-west-1\r\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "CR-only line ends",
        credentials: bytes(concat!(
            "[default]\raws_access_key_id = AKIAIOSFODNN7EXAMPLE\r",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\r"
        )),
        config: bytes("[default]\rregion = eu-west-1\r"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "Unicode whitespace around values is trimmed as Python's str.strip() does",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id =\u{a0}AKIAIOSFODNN7EXAMPLE\u{3000}\n",
            "aws_secret_access_key = \x1c\x1dwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\x1e\x1f\u{85}\u{2028}\n"
        )),
        config: bytes("[default]\nregion =\t\x0beu-west-1\x0c \n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "a zero-width space is not whitespace and stays in the key id",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\u{200b}\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        ..BASE
    },
    Case {
        name: "an indented section header and indented keys at the top are read as such",
        credentials: bytes(concat!(
            "  [default]\n    aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n",
            "  aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        ..BASE
    },
    Case {
        name: "a UTF-8 BOM at the start of the credentials file is accepted",
        credentials: Some(
            b"\xef\xbb\xbf[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
        expect: Better {
            ours: SIGNS_DEFAULT,
            cli: CLI_PARSE_CREDENTIALS,
            why: "the CLI reads the BOM as part of the first line and fails: MissingSectionHeaderError",
        },
        ..BASE
    },
    Case {
        name: "a UTF-8 BOM at the start of the config file is accepted",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: Some(b"\xef\xbb\xbf[default]\r\nregion = eu-west-1\r\n"),
        host: NO_REGION_HOST,
        expect: Better {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1",
            },
            cli: Fails(&["Unable to parse config file: {home}/.aws/config"]),
            why: "the CLI reads the BOM as part of the first line and fails: MissingSectionHeaderError",
        },
        ..BASE
    },
    Case {
        name: "UTF-16 (PowerShell's Out-File) is an error naming the file and line 1",
        credentials: Some(
            b"\xff\xfe[\0d\0e\0f\0a\0u\0l\0t\0]\0\r\0\n\0r\0e\0g\0i\0o\0n\0=\0x\0\r\0\n\0",
        ),
        expect: BothFail {
            ours_says: &["{home}/.aws/credentials", "line 1"],
            cli_says: "Unable to parse config file: {home}/.aws/credentials",
        },
        ..BASE
    },
    Case {
        name: "cp1252 bytes (an é in a comment) are an error naming the file and line",
        credentials: Some(
            b"[default]\n# r\xe9gion\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
        expect: BothFail {
            ours_says: &["{home}/.aws/credentials", "line 2"],
            cli_says: "Unable to parse config file: {home}/.aws/credentials",
        },
        ..BASE
    },
    Case {
        name: "bytes that are not text are an error naming the file and line",
        config: Some(b"\x1f\x8b\x08\x00\xde\xad\xbe\xef\n"),
        credentials: bytes(concat!("[default]\n", keys!())),
        expect: BothFail {
            ours_says: &["{home}/.aws/config", "line 1"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "a line of NUL bytes is an error naming the file and line",
        credentials: Some(
            b"[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\0\0\0\0\n",
        ),
        expect: BothFail {
            ours_says: &["{home}/.aws/credentials", "line 4"],
            cli_says: "Unable to parse config file: {home}/.aws/credentials",
        },
        ..BASE
    },
    Case {
        name: "a line with neither = nor : is an error naming the file and line",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\noutput json\n"),
        expect: BothFail {
            ours_says: &["{home}/.aws/config", "line 3"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "a key before any section is an error naming the file and line",
        credentials: bytes(concat!("# keys\nregion = eu-west-1\n[default]\n", keys!())),
        expect: BothFail {
            ours_says: &["{home}/.aws/credentials", "line 2"],
            cli_says: "Unable to parse config file: {home}/.aws/credentials",
        },
        ..BASE
    },
    Case {
        name: "a section twice in one file is an error naming the file and line",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[profile dev]\nregion = eu-west-1\n[default]\n[profile dev]\noutput = json\n"),
        expect: BothFail {
            ours_says: &["{home}/.aws/config", "line 4"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "a key twice in one section (Region after region) is an error naming the file and line",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\nRegion = eu-west-2\n"),
        expect: BothFail {
            ours_says: &["{home}/.aws/config", "line 3"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "a sub-section line without = is an error naming the file",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\ns3 =\n  addressing_style path\n"),
        expect: BothFail {
            ours_says: &["{home}/.aws/config"],
            cli_says: "Unable to parse config file: {home}/.aws/config",
        },
        ..BASE
    },
    Case {
        name: "an empty region counts as unset",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion =\n"),
        host: NO_REGION_HOST,
        expect: Better {
            ours: Fails(&["region"]),
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "",
            },
            why: "the CLI signs for the region ''",
        },
        ..BASE
    },
    Case {
        name: "an empty aws_access_key_id is an error naming it",
        credentials: bytes(concat!(
            "[default]\naws_access_key_id =\n",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        )),
        expect: Better {
            ours: Fails(&["aws_access_key_id"]),
            cli: Signs {
                key_id: "",
                secret: SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with an empty user name",
        },
        ..BASE
    },
    Case {
        name: "an empty aws_secret_access_key counts as unset: the keys are partial",
        credentials: bytes("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key =\n"),
        expect: Better {
            ours: Fails(&["aws_secret_access_key"]),
            cli: Signs {
                key_id: ID,
                secret: "",
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with an empty secret",
        },
        ..BASE
    },
    Case {
        name: "an empty aws_security_token counts as unset: aws_session_token is used",
        credentials: bytes(concat!(
            "[default]\n",
            keys!(),
            "aws_session_token = fileSessionToken\naws_security_token =\n"
        )),
        expect: Better {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: Some("fileSessionToken"),
                region: "us-east-1",
            },
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: Some(""),
                region: "us-east-1",
            },
            why: "the CLI takes the empty aws_security_token and sends the user name `AKIA…%`",
        },
        ..BASE
    },
];

const PROFILES: &[Case] = &[
    Case {
        name: "[DEFAULT] in the config file gives its region to the profiles of that file",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[DEFAULT]\nregion = eu-west-2\n[default]\noutput = json\n"),
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "[DEFAULT] in the config file gives its keys to [profile dev]",
        config: bytes(concat!(
            "[DEFAULT]\n",
            config_keys!(),
            "[profile dev]\nregion = eu-west-1\n"
        )),
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "[DEFAULT] in the credentials file gives its keys to [dev]",
        credentials: bytes(concat!(
            "[DEFAULT]\n",
            keys!(),
            "[dev]\nregion = eu-west-1\n"
        )),
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "[DEFAULT] alone is not the default profile",
        credentials: bytes(concat!("[DEFAULT]\n", keys!())),
        expect: BothFail {
            ours_says: &["credentials"],
            cli_says: CLI_NO_CREDENTIALS,
        },
        ..BASE
    },
    Case {
        name: "[DEFAULT] in the config file does not reach a profile only in the credentials file",
        credentials: bytes(concat!("[dev]\n", dev_keys!())),
        config: bytes("[DEFAULT]\nregion = eu-west-2\n"),
        argv: &["--profile", "dev", "get"],
        host: NO_REGION_HOST,
        expect: BothFail {
            ours_says: &["region"],
            cli_says: CLI_NO_REGION,
        },
        ..BASE
    },
    Case {
        name: "--profile DEFAULT is not a profile",
        config: bytes(concat!("[DEFAULT]\n", config_keys!())),
        argv: &["--profile", "DEFAULT", "get"],
        expect: BothFail {
            ours_says: &["DEFAULT"],
            cli_says: "The config profile (DEFAULT) could not be found",
        },
        ..BASE
    },
    Case {
        name: "[profile \"my dev\"] in double quotes is profile my dev",
        config: bytes(concat!("[profile \"my dev\"]\n", config_keys!())),
        argv: &["--profile", "my dev", "get"],
        ..BASE
    },
    Case {
        name: "[profile 'my dev'] in single quotes is profile my dev",
        config: bytes(concat!("[profile 'my dev']\n", config_keys!())),
        argv: &["--profile", "my dev", "get"],
        ..BASE
    },
    Case {
        name: "[my dev] in the credentials file is profile my dev",
        credentials: bytes(concat!("[my dev]\n", dev_keys!())),
        env: &[("AWS_PROFILE", "my dev")],
        ..BASE
    },
    Case {
        name: "[profile  dev] with two spaces is profile dev",
        config: bytes(concat!("[profile  dev]\n", config_keys!())),
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "[profile dev extra] is not a profile",
        config: bytes(concat!("[profile dev extra]\n", config_keys!())),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["profile", "dev"],
            cli_says: "The config profile (dev) could not be found",
        },
        ..BASE
    },
    Case {
        name: "[dev] in the config file is not a profile",
        config: bytes(concat!("[dev]\n", config_keys!())),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["profile", "dev"],
            cli_says: "The config profile (dev) could not be found",
        },
        ..BASE
    },
    Case {
        name: "[Profile dev] is not a profile",
        config: bytes(concat!("[Profile dev]\n", config_keys!())),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["profile", "dev"],
            cli_says: "The config profile (dev) could not be found",
        },
        ..BASE
    },
    Case {
        name: "[profile dev] in the credentials file is a profile named 'profile dev'",
        credentials: bytes(concat!("[profile dev]\n", dev_keys!())),
        argv: &["--profile", "profile dev", "get"],
        ..BASE
    },
    Case {
        name: "[profile dev] in the credentials file is not profile dev",
        credentials: bytes(concat!("[profile dev]\n", dev_keys!())),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["profile", "dev"],
            cli_says: "The config profile (dev) could not be found",
        },
        ..BASE
    },
    Case {
        name: "sso-session and services sections are not profiles",
        config: bytes(concat!(
            "[sso-session dev]\n",
            config_keys!(),
            "[services dev]\n",
            config_keys!()
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["profile", "dev"],
            cli_says: "The config profile (dev) could not be found",
        },
        ..BASE
    },
    Case {
        name: "of [default] and [profile default], the later one wins",
        config: bytes(concat!(
            "[default]\naws_access_key_id = AKIAEARLIEREXAMPLE00\naws_secret_access_key = earlier\n",
            "[profile default]\n",
            config_keys!()
        )),
        ..BASE
    },
    Case {
        name: "[profile dev] and [profile  dev] are two sections; the later replaces the earlier whole",
        config: bytes(concat!(
            "[profile dev]\n",
            config_keys!(),
            "[profile  dev]\nregion = eu-west-1\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["credentials"],
            cli_says: CLI_NO_CREDENTIALS,
        },
        ..BASE
    },
    Case {
        name: "the credentials file's region wins over the config file's for the same profile",
        config: bytes(concat!(
            "[profile dev]\nregion = eu-west-1\n",
            config_keys!()
        )),
        credentials: bytes("[dev]\nregion = eu-central-1\n"),
        argv: &["--profile", "dev", "get"],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "a region in the credentials file alone is the profile's region",
        credentials: bytes(concat!("[dev]\nregion = eu-central-1\n", dev_keys!())),
        argv: &["--profile", "dev", "get"],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "mfa_serial continued on an indented line is an error naming it",
        config: bytes(concat!(
            "[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
            "  arn:aws:iam::123456789012:mfa/bob\n",
            config_keys!()
        )),
        argv: &["--profile", "dev", "get"],
        expect: Better {
            ours: Fails(&["mfa_serial"]),
            cli: Signs {
                key_id: CONFIG_ID,
                secret: CONFIG_SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI ignores mfa_serial outside role profiles and signs with the plain keys; \
                  ours would ask STS for an MFA session with a two-line serial",
        },
        ..BASE
    },
];

const ENVIRONMENT: &[Case] = &[
    Case {
        name: "AWS_PROFILE selects the profile",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_PROFILE", "dev")],
        ..BASE
    },
    Case {
        name: "AWS_DEFAULT_PROFILE selects the profile",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_DEFAULT_PROFILE", "dev")],
        ..BASE
    },
    Case {
        name: "AWS_PROFILE wins over AWS_DEFAULT_PROFILE, as in v2",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_DEFAULT_PROFILE", "dev"), ("AWS_PROFILE", "prod")],
        expect: V2 {
            ours: Signs {
                key_id: PROD_ID,
                secret: PROD_SECRET,
                token: None,
                region: "us-east-1",
            },
            v1: Signs {
                key_id: DEV_ID,
                secret: DEV_SECRET,
                token: None,
                region: "us-east-1",
            },
            v2_source: V2_PROFILE_VARIABLES,
        },
        ..BASE
    },
    Case {
        name: "--profile wins over AWS_DEFAULT_PROFILE and AWS_PROFILE",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_DEFAULT_PROFILE", "dev"), ("AWS_PROFILE", "dev")],
        argv: &["--profile", "prod", "get"],
        ..BASE
    },
    Case {
        name: "--profile '' is no --profile: AWS_PROFILE applies",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_PROFILE", "dev")],
        argv: &["--profile", "", "get"],
        ..BASE
    },
    Case {
        name: "an empty AWS_PROFILE names the profile '', which does not exist",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_PROFILE", "")],
        expect: BothFail {
            ours_says: &["profile"],
            cli_says: "The config profile () could not be found",
        },
        ..BASE
    },
    Case {
        name: "an empty AWS_PROFILE hides AWS_DEFAULT_PROFILE, as in v2",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "dev")],
        expect: V2 {
            ours: Fails(&["AWS_PROFILE is set but empty"]),
            v1: Signs {
                key_id: DEV_ID,
                secret: DEV_SECRET,
                token: None,
                region: "us-east-1",
            },
            v2_source: V2_PROFILE_VARIABLES,
        },
        ..BASE
    },
    Case {
        name: "an empty AWS_DEFAULT_PROFILE is passed over for AWS_PROFILE, as in v2",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_DEFAULT_PROFILE", ""), ("AWS_PROFILE", "dev")],
        expect: V2 {
            ours: Signs {
                key_id: DEV_ID,
                secret: DEV_SECRET,
                token: None,
                region: "us-east-1",
            },
            v1: Fails(&["The config profile () could not be found"]),
            v2_source: V2_PROFILE_VARIABLES,
        },
        ..BASE
    },
    Case {
        name: "a nonexistent profile named by --profile is an error naming it",
        credentials: bytes(three_profiles!()),
        argv: &["--profile", "nope", "get"],
        expect: BothFail {
            ours_says: &["nope"],
            cli_says: "The config profile (nope) could not be found",
        },
        ..BASE
    },
    Case {
        name: "a nonexistent profile named by AWS_PROFILE is an error naming it",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_PROFILE", "nope")],
        expect: BothFail {
            ours_says: &["nope"],
            cli_says: "The config profile (nope) could not be found",
        },
        ..BASE
    },
    Case {
        name: "a nonexistent AWS_PROFILE is an error even with keys in the environment",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[0], ENV_KEYS[1], ("AWS_PROFILE", "nope")],
        expect: BothFail {
            ours_says: &["nope"],
            cli_says: "The config profile (nope) could not be found",
        },
        ..BASE
    },
    Case {
        name: "keys in the environment win over AWS_PROFILE",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[0], ENV_KEYS[1], ("AWS_PROFILE", "dev")],
        ..BASE
    },
    Case {
        name: "--profile ignores keys in the environment",
        credentials: bytes(three_profiles!()),
        env: &ENV_KEYS,
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "--profile default ignores keys in the environment too",
        credentials: bytes(three_profiles!()),
        env: &ENV_KEYS,
        argv: &["--profile", "default", "get"],
        ..BASE
    },
    Case {
        name: "a key id without a secret in the environment is an error",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[0]],
        expect: BothFail {
            ours_says: &["AWS_SECRET_ACCESS_KEY"],
            cli_says: "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        },
        ..BASE
    },
    Case {
        name: "a key id with an empty secret in the environment is an error",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[0], ("AWS_SECRET_ACCESS_KEY", "")],
        expect: BothFail {
            ours_says: &["AWS_SECRET_ACCESS_KEY"],
            cli_says: "Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY",
        },
        ..BASE
    },
    Case {
        name: "a secret without a key id in the environment is ignored",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[1]],
        ..BASE
    },
    Case {
        name: "an empty AWS_ACCESS_KEY_ID is ignored",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_ACCESS_KEY_ID", ""), ENV_KEYS[1]],
        ..BASE
    },
    Case {
        name: "a partial environment is ignored under --profile",
        credentials: bytes(three_profiles!()),
        env: &[ENV_KEYS[0]],
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "AWS_SESSION_TOKEN joins the environment's keys",
        env: &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_SESSION_TOKEN", "envSessionToken"),
        ],
        ..BASE
    },
    Case {
        name: "the legacy AWS_SECURITY_TOKEN joins the environment's keys",
        env: &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_SECURITY_TOKEN", "envSecurityToken"),
        ],
        ..BASE
    },
    Case {
        name: "AWS_SECURITY_TOKEN wins over AWS_SESSION_TOKEN",
        env: &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_SESSION_TOKEN", "envSessionToken"),
            ("AWS_SECURITY_TOKEN", "envSecurityToken"),
        ],
        ..BASE
    },
    Case {
        name: "an empty AWS_SECURITY_TOKEN leaves AWS_SESSION_TOKEN",
        env: &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_SESSION_TOKEN", "envSessionToken"),
            ("AWS_SECURITY_TOKEN", ""),
        ],
        ..BASE
    },
    Case {
        name: "AWS_SESSION_TOKEN alone does not join a profile's keys",
        credentials: bytes(three_profiles!()),
        env: &[("AWS_SESSION_TOKEN", "envSessionToken")],
        ..BASE
    },
    Case {
        name: "AWS_CREDENTIAL_EXPIRATION in the past is an error",
        env: &[
            ENV_KEYS[0],
            ENV_KEYS[1],
            ("AWS_SESSION_TOKEN", "envSessionToken"),
            ("AWS_CREDENTIAL_EXPIRATION", "2024-02-29T23:00:00Z"),
        ],
        expect: BothFail {
            ours_says: &["expired"],
            cli_says: "Credentials were refreshed, but the refreshed credentials are still expired.",
        },
        ..BASE
    },
    Case {
        name: "the legacy aws_security_token in the credentials file is the token",
        credentials: bytes(concat!(
            "[default]\n",
            keys!(),
            "aws_security_token = fileSecurityToken\n"
        )),
        ..BASE
    },
    Case {
        name: "aws_security_token wins over aws_session_token in the credentials file",
        credentials: bytes(concat!(
            "[default]\n",
            keys!(),
            "aws_session_token = fileSessionToken\naws_security_token = fileSecurityToken\n"
        )),
        ..BASE
    },
    Case {
        name: "aws_security_token wins over aws_session_token in the config file",
        config: bytes(concat!(
            "[default]\n",
            config_keys!(),
            "aws_session_token = configSessionToken\naws_security_token = configSecurityToken\n"
        )),
        ..BASE
    },
    Case {
        name: "AWS_DEFAULT_REGION wins over the profile's region",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        env: &[("AWS_DEFAULT_REGION", "ap-south-1")],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "AWS_REGION wins over the profile's region, as in v2 (v1 does not read it)",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        env: &[("AWS_REGION", "ap-south-1")],
        host: NO_REGION_HOST,
        expect: V2 {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "ap-south-1",
            },
            v1: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1",
            },
            v2_source: V2_REGION_CHAIN,
        },
        ..BASE
    },
    Case {
        name: "AWS_REGION wins over AWS_DEFAULT_REGION, as in v2",
        credentials: bytes(concat!("[default]\n", keys!())),
        env: &[
            ("AWS_REGION", "ap-south-1"),
            ("AWS_DEFAULT_REGION", "eu-north-1"),
        ],
        host: NO_REGION_HOST,
        expect: V2 {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "ap-south-1",
            },
            v1: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-north-1",
            },
            v2_source: V2_REGION_CHAIN,
        },
        ..BASE
    },
    Case {
        name: "AWS_REGION alone gives the region, as in v2 (v1 has none)",
        credentials: bytes(concat!("[default]\n", keys!())),
        env: &[("AWS_REGION", "ap-south-1")],
        host: NO_REGION_HOST,
        expect: V2 {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "ap-south-1",
            },
            v1: Fails(&[CLI_NO_REGION]),
            v2_source: V2_REGION_CHAIN,
        },
        ..BASE
    },
    Case {
        name: "no region anywhere, for a host without one, is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        host: NO_REGION_HOST,
        expect: BothFail {
            ours_says: &["region"],
            cli_says: CLI_NO_REGION,
        },
        ..BASE
    },
    Case {
        name: "an empty AWS_DEFAULT_REGION counts as unset: the profile's region is used",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        env: &[("AWS_DEFAULT_REGION", "")],
        host: NO_REGION_HOST,
        expect: Better {
            ours: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1",
            },
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "",
            },
            why: "the CLI signs for the region ''",
        },
        ..BASE
    },
    Case {
        name: "--region wins over AWS_DEFAULT_REGION and the profile",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        env: &[("AWS_DEFAULT_REGION", "ap-south-1")],
        argv: &["--region", "sa-east-1", "get"],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "the host's region wins over --region",
        credentials: bytes(concat!("[default]\n", keys!())),
        argv: &["--region", "sa-east-1", "get"],
        host: "git-codecommit.us-west-2.amazonaws.com",
        ..BASE
    },
    Case {
        name: "a host that holds amazonaws.com but is not CodeCommit's gets no answer",
        credentials: bytes(concat!("[default]\n", keys!())),
        host: "git-codecommit.us-east-1.amazonaws.com.evil.example",
        expect: Better {
            ours: Silent,
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI's substring test hands a live password to whoever serves the name",
        },
        ..BASE
    },
    Case {
        name: "a host that merely holds amazon.com gets no answer",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        host: "evil-amazon.com.attacker.example",
        expect: Better {
            ours: Silent,
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "eu-west-1",
            },
            why: "the CLI's substring test hands a live password to whoever serves the name",
        },
        ..BASE
    },
    Case {
        name: "get --ignore-host-check signs for any host, in the profile's region",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        argv: &["get", "--ignore-host-check"],
        host: "git.example.org",
        ..BASE
    },
    Case {
        name: "--region '' is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        argv: &["--region", "", "get"],
        host: NO_REGION_HOST,
        expect: Better {
            ours: Fails(&["region"]),
            cli: Signs {
                key_id: ID,
                secret: SECRET,
                token: None,
                region: "",
            },
            why: "the CLI signs for the region ''",
        },
        ..BASE
    },
    Case {
        name: "~ in AWS_CONFIG_FILE is the home directory",
        credentials: bytes(concat!("[default]\n", keys!())),
        files: &[("elsewhere/config", b"[default]\nregion = eu-west-1\n")],
        env: &[("AWS_CONFIG_FILE", "~/elsewhere/config")],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "$HOME in AWS_SHARED_CREDENTIALS_FILE is expanded",
        files: &[("x/credentials", concat!("[default]\n", keys!()).as_bytes())],
        env: &[("AWS_SHARED_CREDENTIALS_FILE", "$HOME/x/credentials")],
        ..BASE
    },
    Case {
        name: "${HOME} in AWS_CONFIG_FILE is expanded",
        files: &[(
            "y/config",
            concat!("[default]\n", config_keys!()).as_bytes(),
        )],
        env: &[("AWS_CONFIG_FILE", "${HOME}/y/config")],
        ..BASE
    },
    Case {
        name: "without AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, ~/.aws/ is read",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\nregion = eu-west-1\n"),
        unset: &["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"],
        host: NO_REGION_HOST,
        ..BASE
    },
    Case {
        name: "a missing credentials file is no error: the config file's keys are used",
        config: bytes(concat!("[default]\n", config_keys!())),
        env: &[("AWS_SHARED_CREDENTIALS_FILE", "{home}/nowhere/credentials")],
        ..BASE
    },
];

const PROVIDERS: &[Case] = &[
    Case {
        name: "keys in the credentials file win over a credential_process in the config file",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: run_creds!(""),
        files: PROCESS,
        ..BASE
    },
    Case {
        name: "a credential_process wins over keys in the config file",
        config: bytes(concat!(
            "[default]\ncredential_process = {home}/bin/creds\n",
            config_keys!()
        )),
        files: PROCESS,
        ..BASE
    },
    Case {
        name: "a credential_process in the credentials file wins over keys in the config file",
        credentials: run_creds!(""),
        config: bytes(concat!("[default]\n", config_keys!())),
        files: PROCESS,
        ..BASE
    },
    Case {
        name: "keys in the config file alone",
        config: bytes(concat!("[default]\n", config_keys!())),
        ..BASE
    },
    Case {
        name: "keys in the environment win over every file",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[default]\ncredential_process = {home}/bin/creds\n",
            config_keys!()
        )),
        files: PROCESS,
        env: &ENV_KEYS,
        ..BASE
    },
    Case {
        name: "keys in both files: the credentials file's win",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!("[default]\n", config_keys!())),
        ..BASE
    },
    Case {
        name: "keys for profile dev in both files: the credentials file's win",
        credentials: bytes(concat!("[dev]\n", dev_keys!())),
        config: bytes(concat!("[profile dev]\n", config_keys!())),
        argv: &["--profile", "dev", "get"],
        ..BASE
    },
    Case {
        name: "a key id without a secret in the credentials file is an error",
        credentials: bytes("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
        config: bytes(concat!("[default]\n", config_keys!())),
        expect: BothFail {
            ours_says: &["aws_secret_access_key"],
            cli_says: "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key",
        },
        ..BASE
    },
    Case {
        name: "a key id without a secret in the config file is an error",
        config: bytes("[default]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\n"),
        expect: BothFail {
            ours_says: &["aws_secret_access_key"],
            cli_says: "Partial credentials found in config-file, missing: aws_secret_access_key",
        },
        ..BASE
    },
    Case {
        name: "a key id in one file and the secret in the other do not combine",
        credentials: bytes("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"),
        config: bytes(
            "[default]\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n",
        ),
        expect: BothFail {
            ours_says: &["aws_secret_access_key"],
            cli_says: "Partial credentials found in shared-credentials-file, missing: aws_secret_access_key",
        },
        ..BASE
    },
    Case {
        name: "a secret without a key id in the credentials file is ignored",
        credentials: bytes(
            "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
        config: bytes(concat!("[default]\n", config_keys!())),
        ..BASE
    },
    Case {
        name: "a session token in the config file does not join keys from the credentials file",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[default]\naws_session_token = configSessionToken\n"),
        ..BASE
    },
    Case {
        name: "no credentials anywhere is an error",
        config: bytes("[default]\nregion = us-east-1\n"),
        expect: BothFail {
            ours_says: &["credentials"],
            cli_says: CLI_NO_CREDENTIALS,
        },
        ..BASE
    },
];

const PROCESS_CASES: &[Case] = &[
    Case {
        name: "a credential_process without a session token",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            process!(concat!(r#"{"Version": 1, "#, process_keys!(), "}")),
        )],
        ..BASE
    },
    Case {
        name: "a credential_process with a null session token",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            process!(concat!(
                r#"{"Version": 1, "#,
                process_keys!(),
                r#", "SessionToken": null}"#
            )),
        )],
        ..BASE
    },
    Case {
        name: "quoted arguments with spaces arrive intact",
        config: run_creds!(r#" "a b" 'c  d' plain"#),
        files: ECHO_ARGS,
        ..BASE
    },
    Case {
        name: "; and # inside quotes are kept in the arguments",
        config: run_creds!(r#" "x ;y" '#z' "w # v""#),
        files: ECHO_ARGS,
        ..BASE
    },
    Case {
        name: "an unquoted # after a space starts a comment in credential_process",
        config: run_creds!(" a #b"),
        files: ECHO_ARGS,
        expect: Better {
            ours: Signs {
                key_id: "ASIA[a]",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            cli: Signs {
                key_id: "ASIA[a][#b]",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI passes the comment `#b` to the process as an argument",
        },
        ..BASE
    },
    Case {
        name: "an unquoted ; after a space starts a comment in credential_process",
        config: run_creds!(" a ;b c"),
        files: ECHO_ARGS,
        expect: Better {
            ours: Signs {
                key_id: "ASIA[a]",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            cli: Signs {
                key_id: "ASIA[a][;b][c]",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI passes the comment `;b c` to the process as two arguments",
        },
        ..BASE
    },
    Case {
        name: "$HOME in an argument is passed literally: no shell runs the command",
        config: run_creds!(" $HOME '$HOME'"),
        files: ECHO_ARGS,
        ..BASE
    },
    Case {
        name: "$HOME in the command is not expanded",
        config: bytes("[default]\ncredential_process = $HOME/bin/creds\n"),
        files: PROCESS,
        expect: BothFail {
            ours_says: &["$HOME/bin/creds"],
            cli_says: "No such file or directory: '$HOME/bin/creds'",
        },
        ..BASE
    },
    Case {
        name: "~ in the command is not expanded",
        config: bytes("[default]\ncredential_process = ~/bin/creds\n"),
        files: PROCESS,
        expect: BothFail {
            ours_says: &["~/bin/creds"],
            cli_says: "No such file or directory: '~/bin/creds'",
        },
        ..BASE
    },
    Case {
        name: "sh -c '…' runs a shell only when asked to",
        config: bytes(
            "[default]\ncredential_process = sh -c '\"$0\" \"$1\"' {home}/bin/creds 'x y'\n",
        ),
        files: ECHO_ARGS,
        ..BASE
    },
    Case {
        name: "a missing program is an error naming it",
        config: bytes("[default]\ncredential_process = {home}/bin/nope\n"),
        expect: BothFail {
            ours_says: &["{home}/bin/nope"],
            cli_says: "No such file or directory: '{home}/bin/nope'",
        },
        ..BASE
    },
    Case {
        name: "an unbalanced quote in credential_process is an error",
        config: run_creds!(r#" "a"#),
        files: PROCESS,
        expect: BothFail {
            ours_says: &["credential_process"],
            cli_says: "No closing quotation",
        },
        ..BASE
    },
    Case {
        name: "a process exiting non-zero is an error",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            b"#!/bin/sh\necho 'access denied by policy' >&2\nexit 1\n",
        )],
        expect: BothFail {
            ours_says: &["credential_process"],
            cli_says: "Error when retrieving credentials from custom-process: access denied by policy",
        },
        ..BASE
    },
    Case {
        name: "Version 2 is an error",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            process!(concat!(r#"{"Version": 2, "#, process_keys!(), "}")),
        )],
        expect: BothFail {
            ours_says: &["version"],
            cli_says: "Unsupported version '2' for credential process provider, supported versions: 1",
        },
        ..BASE
    },
    Case {
        name: "a missing Version is an error",
        config: run_creds!(""),
        files: &[("bin/creds", process!(concat!("{", process_keys!(), "}")))],
        expect: BothFail {
            ours_says: &["version"],
            cli_says: "Unsupported version '<Version key not provided>'",
        },
        ..BASE
    },
    Case {
        name: "a missing SecretAccessKey is an error naming it",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            process!(r#"{"Version": 1, "AccessKeyId": "ASIAPROCESSEXAMPLE00"}"#),
        )],
        expect: BothFail {
            ours_says: &["SecretAccessKey"],
            cli_says: "Missing required key in response: 'SecretAccessKey'",
        },
        ..BASE
    },
    Case {
        name: "output that is not JSON is an error",
        config: run_creds!(""),
        files: &[("bin/creds", b"#!/bin/sh\necho 'AccessKeyId=ASIA'\n")],
        expect: BothFail {
            ours_says: &["credential_process"],
            cli_says: "Expecting value: line 1 column 1 (char 0)",
        },
        ..BASE
    },
    Case {
        name: "an empty AccessKeyId is an error naming it",
        config: run_creds!(""),
        files: &[(
            "bin/creds",
            process!(
                r#"{"Version": 1, "AccessKeyId": "", "SecretAccessKey": "procSecret/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#
            ),
        )],
        expect: Better {
            ours: Fails(&["AccessKeyId"]),
            cli: Signs {
                key_id: "",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI signs with an empty user name",
        },
        ..BASE
    },
    Case {
        name: "an Expiration one second before the frozen clock is an error",
        config: run_creds!(""),
        files: expiring!("2024-02-29T23:59:58Z"),
        expect: BothFail {
            ours_says: &["expired"],
            cli_says: "Credentials were refreshed, but the refreshed credentials are still expired.",
        },
        ..BASE
    },
    Case {
        name: "an Expiration years ago is an error",
        config: run_creds!(""),
        files: expiring!("2020-01-01T00:00:00Z"),
        expect: BothFail {
            ours_says: &["expired"],
            cli_says: "Credentials were refreshed, but the refreshed credentials are still expired.",
        },
        ..BASE
    },
    Case {
        name: "an Expiration in an hour (with an offset) signs for the password's 15 minutes",
        config: run_creds!(""),
        files: expiring!("2024-03-01T01:59:59+01:00"),
        ..BASE
    },
    Case {
        name: "an Expiration in 5 minutes signs, and the password expires with the credentials",
        config: run_creds!(""),
        files: expiring!("2024-03-01T00:04:59Z"),
        expect: SameUntil(FROZEN_UNIX + 300),
        ..BASE
    },
    Case {
        name: "an Expiration that is not a time is an error",
        config: run_creds!(""),
        files: expiring!("tomorrow"),
        expect: BothFail {
            ours_says: &["Expiration"],
            cli_says: "Unknown string format: tomorrow",
        },
        ..BASE
    },
    Case {
        name: "an empty credential_process counts as unset: the config file's keys are used",
        config: bytes(concat!("[default]\ncredential_process =\n", config_keys!())),
        expect: Better {
            ours: Signs {
                key_id: CONFIG_ID,
                secret: CONFIG_SECRET,
                token: None,
                region: "us-east-1",
            },
            cli: Fails(&["list index out of range"]),
            why: "the CLI crashes on the empty command: IndexError",
        },
        ..BASE
    },
    Case {
        name: "a credential_process continued on an indented line is an error naming it",
        config: bytes("[default]\ncredential_process = {home}/bin/creds\n  --verbose\n"),
        files: ECHO_ARGS,
        expect: Better {
            ours: Fails(&["credential_process"]),
            cli: Signs {
                key_id: "ASIA[--verbose]",
                secret: PROCESS_SECRET,
                token: None,
                region: "us-east-1",
            },
            why: "the CLI splits the newline away and runs the continuation as more arguments",
        },
        ..BASE
    },
];

const ROLES: &[Case] = &[
    Case {
        name: "a role with both source_profile and credential_source is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n",
            "source_profile = default\ncredential_source = Environment\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["source_profile", "credential_source"],
            cli_says: "The profile \"dev\" contains both source_profile and credential_source.",
        },
        ..BASE
    },
    Case {
        name: "a role with mfa_serial and both source_profile and credential_source is an error too",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n",
            "mfa_serial = arn:aws:iam::123456789012:mfa/dev\n",
            "source_profile = default\ncredential_source = Environment\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["source_profile", "credential_source"],
            cli_says: "The profile \"dev\" contains both source_profile and credential_source.",
        },
        ..BASE
    },
    Case {
        name: "a role with neither source_profile nor credential_source is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes("[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["source_profile"],
            cli_says: "Partial credentials found in assume-role, missing: source_profile or credential_source",
        },
        ..BASE
    },
    Case {
        name: "a source_profile that does not exist is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = nope\n",
        ),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["nope"],
            cli_says: "The source_profile \"nope\" referenced in the profile \"dev\" does not exist.",
        },
        ..BASE
    },
    Case {
        name: "a source_profile without credentials is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n",
            "source_profile = bare\n[profile bare]\nregion = us-east-1\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["bare"],
            cli_says: "The source profile \"bare\" must have credentials.",
        },
        ..BASE
    },
    Case {
        name: "a source_profile cycle is an error",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = ops\n",
            "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = dev\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["dev", "loop"],
            cli_says: "Infinite loop in credential configuration detected.",
        },
        ..BASE
    },
    Case {
        name: "an unknown credential_source is an error naming it",
        config: bytes(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\ncredential_source = Laptop\n",
        ),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["Laptop"],
            cli_says: "The credential source \"Laptop\" referenced in profile \"dev\" is not valid.",
        },
        ..BASE
    },
    Case {
        name: "credential_source = Environment without keys in the environment is an error",
        config: bytes(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\ncredential_source = Environment\n",
        ),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["Environment"],
            cli_says: "No credentials found in credential_source referenced in profile dev",
        },
        ..BASE
    },
    Case {
        name: "a source_profile continued on an indented line is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n",
            "source_profile = default\n  ops\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["source_profile"],
            cli_says: "The source_profile \"default\nops\" referenced in the profile \"dev\" does not exist.",
        },
        ..BASE
    },
    Case {
        name: "a role_arn continued on an indented line is an error naming it",
        credentials: bytes(concat!("[default]\n", keys!())),
        config: bytes(concat!(
            "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n",
            "  arn:aws:iam::123456789012:role/ops\nsource_profile = default\n"
        )),
        argv: &["--profile", "dev", "get"],
        expect: BothFail {
            ours_says: &["role_arn"],
            cli_says: "You must specify a region.",
        },
        ..BASE
    },
];

/// The table, by family.
const FAMILIES: &[(&str, &[Case])] = &[
    ("file syntax", SYNTAX),
    ("profiles and sections", PROFILES),
    ("environment", ENVIRONMENT),
    ("provider order", PROVIDERS),
    ("credential_process", PROCESS_CASES),
    ("invalid role profiles", ROLES),
];

fn all_cases() -> impl Iterator<Item = (&'static str, &'static Case)> {
    FAMILIES
        .iter()
        .flat_map(|(family, cases)| cases.iter().map(move |case| (*family, case)))
}

/// What one case showed: the problems found on each side, and both outputs.
struct Verdict {
    label: String,
    cli: Vec<String>,
    ours: Vec<String>,
    theirs_output: Output,
    ours_output: Output,
    home: String,
    /// How long the CLI and ours took.
    took: (Duration, Duration),
}

#[test]
#[ignore = "needs the AWS CLI (pip install awscli) and faketime (apt): run by .ci/run"]
fn every_case_of_the_table_holds() {
    require("faketime");
    check_table();
    let python = python();
    let filter = std::env::var("CONFORMANCE_CASE").ok();
    let selected: Vec<(String, &Case)> = all_cases()
        .map(|(family, case)| (format!("{family}: {}", case.name), case))
        .filter(|(label, _)| filter.as_deref().is_none_or(|part| label.contains(part)))
        .collect();
    assert!(
        !selected.is_empty(),
        "no case's name contains CONFORMANCE_CASE={filter:?}"
    );

    // Two at a time: the CLI takes most of a second, and the machine may have two cores.
    let next = AtomicUsize::new(0);
    let verdicts = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((label, case)) = selected.get(index) else {
                        break;
                    };
                    let verdict = run_case(label, case, &python);
                    let state = match (verdict.cli.is_empty(), verdict.ours.is_empty()) {
                        (true, true) => "ok",
                        (true, false) => "FAIL (ours)",
                        (false, true) => "FAIL (cli)",
                        (false, false) => "FAIL (cli and ours)",
                    };
                    let (cli, ours) = verdict.took;
                    println!(
                        "{state:>19} {:>5.1}s {:>5.1}s  {label}",
                        cli.as_secs_f64(),
                        ours.as_secs_f64()
                    );
                    verdicts.lock().unwrap().push((index, verdict));
                }
            });
        }
    });

    let mut verdicts = verdicts.into_inner().unwrap();
    verdicts.sort_by_key(|(index, _)| *index);
    let failed: Vec<String> = verdicts
        .iter()
        .filter(|(_, verdict)| !verdict.cli.is_empty() || !verdict.ours.is_empty())
        .map(|(_, verdict)| describe(verdict))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} conformance cases fail (CONFORMANCE_CASE=<part of a name> runs one):\n\n{}",
        failed.len(),
        verdicts.len(),
        failed.join("\n")
    );
}

/// The table's own rules: enough cases, unique names, and a Better case's two
/// sides really differ.
fn check_table() {
    let cases: Vec<_> = all_cases().collect();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|(_, case)| case.name).collect();
    names.sort_unstable();
    for pair in names.windows(2) {
        assert_ne!(pair[0], pair[1], "two cases have the same name");
    }
    for (_, case) in &cases {
        assert!(!case.name.is_empty(), "a case without a name");
        let (ours, cli, why) = match &case.expect {
            Better { ours, cli, why } => (ours, cli, why),
            V2 {
                ours,
                v1,
                v2_source,
            } => (ours, v1, v2_source),
            _ => continue,
        };
        assert_ne!(ours, cli, "{}: the two sides agree", case.name);
        assert!(!why.is_empty(), "{}: without a why or a source", case.name);
    }
}

fn run_case(label: &str, case: &Case, python: &str) -> Verdict {
    let scratch = Scratch::new();
    let home = scratch
        .home
        .path()
        .to_str()
        .expect("a UTF-8 temp dir")
        .to_owned();
    let fill = |text: &str| text.replace("{home}", &home);
    let mut files: Vec<(&str, &[u8])> = case.files.to_vec();
    files.extend(case.config.map(|bytes| (".aws/config", bytes)));
    files.extend(case.credentials.map(|bytes| (".aws/credentials", bytes)));
    for (relative, bytes) in files {
        let path = scratch.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, replace(bytes, b"{home}", home.as_bytes())).unwrap();
        if relative.starts_with("bin/") {
            std::fs::set_permissions(&path, PermissionsExt::from_mode(0o755)).unwrap();
        }
    }
    let env: Vec<(&str, String)> = COMMON_ENV
        .iter()
        .chain(case.env)
        .map(|(name, value)| (*name, fill(value)))
        .collect();
    let input = request(case.host, Some(case.path));
    let frozen = |program: &str, args: &[&str]| {
        let mut command = frozen_command(&scratch, program, args);
        command.args(case.argv);
        if case.host == NO_REGION_HOST {
            command.arg("--ignore-host-check");
        }
        for (name, value) in &env {
            command.env(name, value);
        }
        for name in case.unset {
            command.env_remove(name);
        }
        run_bounded(command, &input)
    };
    let started = Instant::now();
    let theirs = frozen(python, AWS_CLI_HELPER);
    let cli_took = started.elapsed();
    let ours = frozen(BINARY, &[]);
    let took = (cli_took, started.elapsed() - cli_took);

    let mut cli = Vec::new();
    let mut our = Vec::new();
    let password_end = FROZEN_UNIX + 900;
    match &case.expect {
        Same | SameUntil(_) => {
            let expiry = match case.expect {
                SameUntil(at) => at,
                _ => password_end,
            };
            if !theirs.status.success() {
                cli.push(format!("expected to sign; exited {}", theirs.status));
            } else if !String::from_utf8_lossy(&theirs.stdout).contains("password=20240229T235959Z")
            {
                cli.push("did not sign at the frozen second".to_owned());
            }
            let mut expected = theirs.stdout.clone();
            expected.extend(format!("password_expiry_utc={expiry}\n").bytes());
            if !ours.status.success() {
                our.push(format!(
                    "expected to sign as the CLI; exited {}",
                    ours.status
                ));
            } else if ours.stdout != expected {
                our.push(format!(
                    "expected stdout {:?}",
                    String::from_utf8_lossy(&expected)
                ));
            }
        }
        BothFail {
            ours_says,
            cli_says,
        } => {
            cli.extend(cli_outcome(&theirs, &Fails(&[]), case, &fill));
            let cli_says = fill(cli_says);
            if !String::from_utf8_lossy(&theirs.stderr).contains(&cli_says) {
                cli.push(format!("stderr does not contain {cli_says:?}"));
            }
            our.extend(our_failure(&ours, ours_says, &fill));
        }
        Better {
            ours: mine,
            cli: theirs_expected,
            ..
        }
        | V2 {
            ours: mine,
            v1: theirs_expected,
            ..
        } => {
            cli.extend(cli_outcome(&theirs, theirs_expected, case, &fill));
            our.extend(match mine {
                Fails(says) => our_failure(&ours, says, &fill),
                Silent => silent(&ours),
                signs => {
                    let expected = signed(signs, case);
                    let expected = format!("{expected}password_expiry_utc={password_end}\n");
                    check_stdout(&ours, &expected)
                }
            });
            if theirs.status.success()
                && ours.status.success()
                && ours.stdout.starts_with(&theirs.stdout)
            {
                our.push("signs exactly as the CLI, which the case says it must not".to_owned());
            }
        }
    }
    Verdict {
        label: label.to_owned(),
        cli,
        ours: our,
        theirs_output: theirs,
        ours_output: ours,
        home,
        took,
    }
}

/// The problems with the CLI's outcome against `expected`.
fn cli_outcome(
    theirs: &Output,
    expected: &Expect,
    case: &Case,
    fill: &dyn Fn(&str) -> String,
) -> Vec<String> {
    match expected {
        Fails(says) => {
            let mut problems = Vec::new();
            if theirs.status.success() {
                problems.push("expected to fail; exited 0".to_owned());
            }
            let stderr = String::from_utf8_lossy(&theirs.stderr);
            for part in says.iter().map(|part| fill(part)) {
                if !stderr.contains(&part) {
                    problems.push(format!("stderr does not contain {part:?}"));
                }
            }
            problems
        }
        Silent => silent(theirs),
        signs => check_stdout(theirs, &signed(signs, case)),
    }
}

/// The problems with an outcome that should be silence: exit 0, no output.
fn silent(output: &Output) -> Vec<String> {
    let mut problems = Vec::new();
    if !output.status.success() {
        problems.push(format!("expected silence; exited {}", output.status));
    }
    if !output.stdout.is_empty() || !output.stderr.is_empty() {
        problems.push("expected silence; printed something".to_owned());
    }
    problems
}

/// The problems with a run that should have printed exactly `expected`.
fn check_stdout(output: &Output, expected: &str) -> Vec<String> {
    if !output.status.success() {
        vec![format!("expected to sign; exited {}", output.status)]
    } else if output.stdout != expected.as_bytes() {
        vec![format!("expected stdout {expected:?}")]
    } else {
        Vec::new()
    }
}

/// The problems with ours, which should have failed saying each of `says`.
fn our_failure(ours: &Output, says: &[&str], fill: &dyn Fn(&str) -> String) -> Vec<String> {
    if ours.status.success() {
        return vec!["expected to fail; exited 0".to_owned()];
    }
    let mut problems = Vec::new();
    if !ours.stdout.is_empty() {
        problems.push("printed on stdout while failing".to_owned());
    }
    let stderr = String::from_utf8_lossy(&ours.stderr);
    if stderr.matches('\n').count() != 1 || !stderr.ends_with('\n') {
        problems.push("stderr is not exactly one line".to_owned());
    }
    if !stderr.starts_with("git-credential-mfa-codecommit: ") {
        problems.push("stderr does not start with `git-credential-mfa-codecommit: `".to_owned());
    }
    let lower = stderr.to_lowercase();
    for part in says.iter().map(|part| fill(part)) {
        if !lower.contains(&part.to_lowercase()) {
            problems.push(format!("stderr does not contain {part:?}"));
        }
    }
    problems
}

/// The answer `signs` stands for, without the expiry: `username=…\npassword=…\n`.
fn signed(signs: &Expect, case: &Case) -> String {
    let Signs {
        key_id,
        secret,
        token,
        region,
    } = signs
    else {
        unreachable!("signed() is for Signs")
    };
    let host = case.host.split(':').next().unwrap();
    let path = format!("/{}", case.path);
    let target = sigv4::Target {
        host,
        path: &path,
        region,
    };
    let at = UNIX_EPOCH + Duration::from_secs(FROZEN_UNIX);
    format!(
        "username={}\npassword={}\n",
        sigv4::username(key_id, *token),
        sigv4::password(secret, &target, at)
    )
}

/// A failing case, with both outputs (the scratch HOME shown as `{home}`).
fn describe(verdict: &Verdict) -> String {
    let show = |bytes: &[u8]| String::from_utf8_lossy(bytes).replace(&verdict.home, "{home}");
    let tail = |bytes: &[u8]| {
        let text = show(bytes);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(3)..].join("\n      ")
    };
    let mut text = format!("- {}\n", verdict.label);
    for problem in &verdict.cli {
        text.push_str(&format!(
            "    cli:  {}\n",
            problem.replace(&verdict.home, "{home}")
        ));
    }
    for problem in &verdict.ours {
        text.push_str(&format!(
            "    ours: {}\n",
            problem.replace(&verdict.home, "{home}")
        ));
    }
    text.push_str(&format!(
        "    aws cli ({}): stdout {:?}\n      stderr: {}\n",
        verdict.theirs_output.status,
        show(&verdict.theirs_output.stdout),
        tail(&verdict.theirs_output.stderr)
    ));
    text.push_str(&format!(
        "    ours ({}): stdout {:?}\n      stderr: {:?}\n",
        verdict.ours_output.status,
        show(&verdict.ours_output.stdout),
        show(&verdict.ours_output.stderr)
    ));
    text
}

/// `haystack` with every `needle` replaced by `with`.
fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest
        .windows(needle.len())
        .position(|window| window == needle)
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Runs `command` in its own process group with `input` on stdin; a run past
/// [`RUN_LIMIT`] has its whole group killed (faketime forks the program).
fn run_bounded(mut command: Command, input: &[u8]) -> Output {
    command
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let _ = child.stdin.take().unwrap().write_all(input);
    let group = child.id();
    let (finished, done) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = done.recv_timeout(RUN_LIMIT) {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .status();
        }
    });
    let output = child.wait_with_output().unwrap();
    let _ = finished.send(());
    watchdog.join().unwrap();
    output
}
