//! An IAM user in moto with MFA devices of its own, for `doctor` and
//! device discovery.

use std::process::Command;

use expectrl::Expect;
use serde_json::Value;

use crate::support::aws_cli::python;
use crate::support::codecommit_server::ok;
use crate::support::moto::Moto;
use crate::support::{BINARY, Scratch, run, text};

pub(crate) struct User {
    /// The IAM and STS the config file names, running while the user lives.
    _moto: Moto,
    pub(crate) scratch: Scratch,
    pub(crate) serials: Vec<String>,
    pub(crate) name: String,
    /// The config file as written, before any login.
    pub(crate) original: String,
}

impl User {
    pub(crate) fn with_devices(count: usize) -> Self {
        let moto = Moto::start();
        let name = format!("user{}x{count}", std::process::id());
        let out = Command::new(python())
            .args(["-c", SETUP, &moto.endpoint, &name, &count.to_string()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let created: Value = serde_json::from_slice(&out.stdout).unwrap();
        let scratch = Scratch::new();
        scratch.write(
            ".aws/credentials",
            &format!(
                "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                created["id"].as_str().unwrap(),
                created["secret"].as_str().unwrap()
            ),
        );
        let original = config_file(&moto.endpoint);
        scratch.write(".aws/config", &original);
        let serials = created["serials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|serial| serial.as_str().unwrap().to_owned())
            .collect();
        User {
            _moto: moto,
            scratch,
            serials,
            name,
            original,
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut command = self.scratch.command(program);
        command.env("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "keyutils");
        command
    }

    /// `login` in a pseudo-terminal, `at_choice` typed at a device choice,
    /// the code at the code prompt; what the terminal showed.
    pub(crate) fn login(&self, at_choice: Option<&str>) -> String {
        let mut session =
            expectrl::Session::spawn(self.command_line(&["login"])).expect("a pseudo-terminal");
        session.set_expect_timeout(Some(std::time::Duration::from_secs(60)));
        let mut screen = String::new();
        if let Some(answer) = at_choice {
            let found = session.expect("Which one (1-2)? ").unwrap();
            screen.push_str(&String::from_utf8_lossy(found.before()));
            session.send(answer).unwrap();
        }
        let found = session.expect("MFA code for ").unwrap();
        screen.push_str(&String::from_utf8_lossy(found.before()));
        let found = session.expect(": ").unwrap();
        screen.push_str(&format!(
            "MFA code for {}",
            String::from_utf8_lossy(found.before())
        ));
        session.send("123456\r").unwrap();
        let found = session.expect(" valid until").unwrap();
        screen.push_str(&String::from_utf8_lossy(found.before()));
        screen.push_str(" valid until");
        session.expect(expectrl::Eof).unwrap();
        let status = session.get_process().wait().unwrap();
        assert!(
            matches!(status, expectrl::process::unix::WaitStatus::Exited(_, 0)),
            "{status:?}: {screen}"
        );
        screen
    }

    pub(crate) fn command_line(&self, args: &[&str]) -> Command {
        let mut command = self.command(BINARY);
        command.args(args);
        command
    }

    /// The config as the real `aws configure set profile.default.mfa_serial
    /// <serial>` leaves a copy of the original config file.
    pub(crate) fn as_aws_cli_writes(&self, serial: &str) -> String {
        let copy = self.scratch.write("aws-cli-copy", &self.original);
        let mut aws = self.scratch.command(python());
        aws.env("AWS_CONFIG_FILE", &copy).args([
            "-m",
            "awscli",
            "configure",
            "set",
            "profile.default.mfa_serial",
            serial,
        ]);
        ok(aws);
        std::fs::read_to_string(copy).unwrap()
    }

    /// `login` with no terminal, which must fail; its stderr.
    pub(crate) fn failed_login(&self) -> String {
        let mut detached = self.command("setsid");
        detached.args([BINARY, "login"]);
        let out = run(detached, b"");
        assert_eq!(out.status.code(), Some(1));
        text(&out.stderr).to_owned()
    }

    pub(crate) fn config(&self) -> String {
        std::fs::read_to_string(self.scratch.path(".aws/config")).unwrap()
    }

    pub(crate) fn logout(&self) {
        ok(self.command_line(&["logout", "--all"]));
    }
}

/// A config file with comments, another profile, no trailing newline, whose
/// default profile sends STS and IAM to `endpoint` (aws-config's and the
/// AWS CLI's `endpoint_url`).
fn config_file(endpoint: &str) -> String {
    format!(
        "# work accounts\n[default]\nregion = us-east-1\nendpoint_url = {endpoint}\n\n\
         [profile other]\nregion = eu-west-1"
    )
}

/// Creates IAM user `argv[2]` in the moto at `argv[1]` with `argv[3]`
/// virtual MFA devices, enabled; prints its access key id, secret and the
/// devices' serial numbers as JSON.
const SETUP: &str = r#"
import boto3, json, sys
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="AKIAADMINEXAMPLE", aws_secret_access_key="admin")
name = sys.argv[2]
iam.create_user(UserName=name)
key = iam.create_access_key(UserName=name)["AccessKey"]
serials = []
for i in range(int(sys.argv[3])):
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="%s-%d" % (name, i))["VirtualMFADevice"]
    iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1="123456", AuthenticationCode2="654321")
    serials.append(device["SerialNumber"])
print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"], "serials": serials}))
"#;
