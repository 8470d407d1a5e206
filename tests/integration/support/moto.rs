//! A real STS-compatible server for tests: moto's server on 127.0.0.1, on a
//! port it picks itself, killed when the handle drops.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub struct Moto {
    child: Child,
    pub endpoint: String,
    _recording: tempfile::TempDir,
}

impl Moto {
    /// Starts moto recording every request in a file of its own, which the
    /// CodeCommit-like server reads to tell MFA sessions from others.
    pub fn start() -> Self {
        let recording = tempfile::tempdir().unwrap();
        let mut child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", "0"])
            .env("MOTO_ENABLE_RECORDING", "True")
            .env("MOTO_RECORDER_FILEPATH", recording.path().join("recording"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 -m moto.server (pip install 'moto[server]')");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        let endpoint = loop {
            line.clear();
            let read = stderr.read_line(&mut line).unwrap();
            assert!(
                read > 0,
                "moto exited before it listened (is moto[server] installed?)"
            );
            if let Some(at) = line.find("http://127.0.0.1:") {
                break line[at..].trim().to_owned();
            }
        };
        // Keep draining moto's request log so it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Moto {
            child,
            endpoint,
            _recording: recording,
        }
    }

    /// moto's whole state, as its `/moto-api/data.json` shows it.
    pub fn state(&self) -> Value {
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())",
                &format!("{}/moto-api/data.json", self.endpoint),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// The role session moto issued with `access_key_id`.
    pub fn assumed_role(&self, access_key_id: &str) -> Value {
        let state = self.state();
        state["sts"]["AssumedRole"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|role| role["access_key_id"] == access_key_id)
            .cloned()
            .unwrap_or_else(|| panic!("moto issued no role session for {access_key_id}"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
