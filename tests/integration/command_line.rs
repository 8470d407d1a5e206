//! `credential_process` command lines for Windows against botocore itself:
//! `compat_shell_split(line, "win32")` and our splitter on the same
//! generated lines, and every quoted word read back whole by botocore.

use std::process::Command;

use git_credential_mfa_codecommit::aws::files::command_line::{quote_windows, split_windows};
use serde_json::{Value, json};

use crate::support::aws_cli::python;
use crate::support::rng::Rng;
use crate::support::text;

/// Each line of the JSON list on stdin, split by botocore for win32: the
/// words, or null where it raises.
const BOTOCORE_SPLIT: &str = r#"
import json, sys
from botocore.compat import compat_shell_split
def split(line):
    try:
        return compat_shell_split(line, "win32")
    except ValueError:
        return None
print(json.dumps([split(line) for line in json.load(sys.stdin)]))
"#;

fn botocore_split(lines: &[String]) -> Vec<Value> {
    let mut child = Command::new(python())
        .args(["-c", BOTOCORE_SPLIT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &lines).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_str(text(&out.stdout)).unwrap()
}

#[test]
#[ignore = "needs the AWS CLI's botocore: run by .ci/run"]
fn windows_lines_split_as_botocore_splits_them() {
    let mut rng = Rng(19);
    let pieces = [
        "a", "b", " ", "\t", "\"", "\\", "\\\\", "\\\"", "C:\\x y", "\n",
    ];
    let mut lines: Vec<String> = (0..3000)
        .map(|_| (0..rng.below(12)).map(|_| rng.pick(&pieces)).collect())
        .collect();
    let words = [
        "",
        "plain",
        "C:\\Program Files\\h.exe",
        "say \"hi\"",
        "end\\",
        "\\\"x\\\\",
    ];
    lines.extend(
        words
            .iter()
            .map(|word| format!("{} --profile p", quote_windows(word))),
    );
    let theirs = botocore_split(&lines);
    for (line, theirs) in lines.iter().zip(&theirs) {
        assert_eq!(json!(split_windows(line)), *theirs, "{line:?}");
    }
    for (word, theirs) in words.iter().zip(&theirs[3000..]) {
        assert_eq!(*theirs, json!([word, "--profile", "p"]));
    }
}
