//! One of the fake AWS services of `tests/support` (on `fake_service.py`)
//! as a running process: started on 127.0.0.1 with its control file and
//! request log in a directory of its own, changed by rewriting the control
//! file, read through its log, killed when the handle drops.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::manifest_dir;

pub struct FakeService {
    child: Child,
    /// The URL it listens on.
    pub endpoint: String,
    dir: tempfile::TempDir,
    state: RefCell<Value>,
    script: &'static str,
}

impl FakeService {
    /// Runs `tests/support/<script>` with `state` as its control file.
    pub fn start(script: &'static str, state: Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let state_path = dir.path().join("state.json");
        write_atomically(&state_path, &state);
        let stderr = std::fs::File::create(dir.path().join("server.err")).unwrap();
        let mut child = Command::new("python3")
            .arg(manifest_dir().join("tests/support").join(script))
            .arg("--state")
            .arg(&state_path)
            .arg("--log")
            .arg(dir.path().join("log.jsonl"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|error| panic!("python3 (for tests/support/{script}): {error}"));
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let endpoint = line.trim().to_owned();
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "{script} did not start: {endpoint:?} {}",
            std::fs::read_to_string(dir.path().join("server.err")).unwrap_or_default()
        );
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        FakeService {
            child,
            endpoint,
            dir,
            state: RefCell::new(state),
            script,
        }
    }

    /// Changes the control file, which the server reads on every request.
    pub fn update(&self, change: impl FnOnce(&mut Value)) {
        let mut state = self.state.borrow_mut();
        change(&mut state);
        write_atomically(&self.dir.path().join("state.json"), &state);
    }

    /// The server's log: one JSON object per request.
    pub fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The log's entries for `service`.
    pub fn calls(&self, service: &str) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|entry| entry["service"] == service)
            .collect()
    }
}

impl Drop for FakeService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let err = std::fs::read_to_string(self.dir.path().join("server.err"));
            eprintln!(
                "{} stderr: {}\nlog: {:?}",
                self.script,
                err.unwrap_or_default(),
                self.log()
            );
        }
    }
}

fn write_atomically(path: &std::path::Path, state: &Value) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, state.to_string()).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}
