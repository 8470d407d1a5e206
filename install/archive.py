"""Packs one target's programs for install/release.sh, the same on Linux,
macOS and Windows (Git Bash has no zip, macOS's tar no --sort).

    python3 install/archive.py pack OUT TARGET BIN_DIR
    python3 install/archive.py manifest OUT DIST_DIR
    python3 install/archive.py scoop OUT
    python3 install/archive.py winget OUT
    python3 install/archive.py sum OUT

`pack` writes OUT/git-credential-mfa-codecommit-TARGET.tar.xz (a .zip for
Windows) holding both programs, the README and the licences, named and laid
out as cargo-dist's installers and `cargo binstall` expect: a .tar.xz has
one top-level folder of that name, a .zip has the files at its root.
Entries are sorted, owned by root and dated SOURCE_DATE_EPOCH (or 1980), so
that one build packs to the same bytes twice. Beside it goes NAME.sha256,
which `sha256sum -c` reads. `manifest` writes, for every archive in OUT, the
dist-manifest.json entry from which `dist build --artifacts=global` embeds
its checksum in the installers. `scoop` writes OUT/NAME.json, the Scoop
manifest of OUT's Windows zip (the MSVC one if both are there): its URL on
the release Cargo.toml's `repository` will publish, its SHA-256, both
programs, and how Scoop finds and fetches the next release. `winget` writes
the same zip's three winget manifests (version, installer, default locale)
into OUT, for a pull request to microsoft/winget-pkgs: a portable zip with
one command alias per program. `sum` writes OUT/sha256.sum over every
file.
"""

import hashlib
import io
import json
import os
import sys
import tarfile
import time
import tomllib
import zipfile

APP = "git-credential-mfa-codecommit"
PROGRAMS = ["git-credential-mfa-codecommit", "git-remote-codecommit"]
DOCUMENTS = ["README.md", "LICENSE-APACHE", "LICENSE-MIT"]


def members(target, bin_dir):
    """(name in the archive, bytes, mode) for every file, sorted by name."""
    exe = ".exe" if "windows" in target else ""
    files = [(p + exe, os.path.join(bin_dir, p + exe), 0o755) for p in PROGRAMS]
    files += [(d, d, 0o644) for d in DOCUMENTS]
    out = []
    for name, path, mode in sorted(files):
        with open(path, "rb") as f:
            out.append((name, f.read(), mode))
    return out


def pack(target, files, epoch):
    """The archive's file name and bytes."""
    buffer = io.BytesIO()
    if "windows" in target:
        name = f"{APP}-{target}.zip"
        stamp = max(time.gmtime(epoch)[:6], (1980, 1, 1, 0, 0, 0))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data, mode in files:
                info = zipfile.ZipInfo(member, stamp)
                info.external_attr = (0o100000 | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
    else:
        name = f"{APP}-{target}.tar.xz"
        folder = f"{APP}-{target}"
        with tarfile.open(fileobj=buffer, mode="w:xz", format=tarfile.PAX_FORMAT) as archive:
            entries = [(folder, None, 0o755)]
            entries += [(f"{folder}/{m}", data, mode) for m, data, mode in files]
            for member, data, mode in entries:
                info = tarfile.TarInfo(member)
                info.mtime, info.mode, info.uid, info.gid = epoch, mode, 0, 0
                info.uname = info.gname = ""
                if data is None:
                    info.type = tarfile.DIRTYPE
                    archive.addfile(info)
                else:
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return name, buffer.getvalue()


def archives(out):
    """(file name, target, sha256) of each archive in OUT."""
    found = []
    for name in sorted(os.listdir(out)):
        for suffix in (".tar.xz", ".zip"):
            if name.startswith(APP + "-") and name.endswith(suffix):
                target = name[len(APP) + 1 : -len(suffix)]
                found.append((name, target, sha256(os.path.join(out, name))))
    return found


WINGET_ID = "GitCredentialMfaCodecommit.GitCredentialMfaCodecommit"
WINGET_SCHEMA = "1.10.0"


def package():
    """Cargo.toml's [package] table."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    with open(os.path.join(root, "Cargo.toml"), "rb") as f:
        return tomllib.load(f)["package"]


def windows_zip(found):
    """(file name, sha256) of the Windows zip among `found`, MSVC first."""
    zips = {target: (name, digest) for name, target, digest in found if "windows" in target}
    target = next(t for t in ["x86_64-pc-windows-msvc", "x86_64-pc-windows-gnu"] if t in zips)
    return zips[target]


def download(meta, name, version):
    """Where the GitHub release of `version` publishes the file `name`."""
    return f"{meta['repository']}/releases/download/v{version}/{name}"


def scoop_manifest(found):
    """Scoop's manifest (JSON) for the Windows zip among `found`."""
    meta = package()
    name, digest = windows_zip(found)
    manifest = {
        "version": meta["version"],
        "description": meta["description"],
        "homepage": meta["repository"],
        "license": meta["license"].replace(" OR ", "|"),
        "architecture": {"64bit": {"url": download(meta, name, meta["version"]), "hash": digest}},
        "bin": [program + ".exe" for program in PROGRAMS],
        "checkver": "github",
        "autoupdate": {
            "architecture": {
                "64bit": {"url": download(meta, name, "$version"), "hash": {"url": "$url.sha256"}}
            }
        },
    }
    return json.dumps(manifest, indent=4) + "\n"


def winget_manifests(found):
    """{file name: YAML} of winget's three manifests for the Windows zip.
    Every value is written as a JSON string, which YAML reads unchanged."""
    meta = package()
    name, digest = windows_zip(found)
    version = meta["version"]

    def manifest(kind, suffix, *fields):
        schema = f"https://aka.ms/winget-manifest.{kind}.{WINGET_SCHEMA}.schema.json"
        lines = [f"# yaml-language-server: $schema={schema}", ""]
        lines += [f"PackageIdentifier: {json.dumps(WINGET_ID)}"]
        lines += [f"PackageVersion: {json.dumps(version)}"]
        lines += fields
        lines += [f"ManifestType: {kind}", f"ManifestVersion: {WINGET_SCHEMA}", ""]
        return f"{WINGET_ID}{suffix}.yaml", "\n".join(lines)

    files = [
        manifest("version", "", 'DefaultLocale: "en-US"'),
        manifest(
            "installer",
            ".installer",
            "InstallerType: zip",
            "NestedInstallerType: portable",
            "NestedInstallerFiles:",
            *(
                f"  - RelativeFilePath: {json.dumps(p + '.exe')}\n"
                f"    PortableCommandAlias: {json.dumps(p)}"
                for p in PROGRAMS
            ),
            "Installers:",
            "  - Architecture: x64",
            f"    InstallerUrl: {json.dumps(download(meta, name, version))}",
            f"    InstallerSha256: {digest.upper()}",
        ),
        manifest(
            "defaultLocale",
            ".locale.en-US",
            'PackageLocale: "en-US"',
            f"Publisher: {json.dumps(APP)}",
            f"PackageName: {json.dumps(APP)}",
            f"PackageUrl: {json.dumps(meta['repository'])}",
            f"License: {json.dumps(meta['license'])}",
            f"ShortDescription: {json.dumps(meta['description'])}",
        ),
    ]
    return dict(files)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write(path, text):
    with open(path, "w", newline="\n") as f:
        f.write(text)


def main():
    command, out, *rest = sys.argv[1:]
    if command == "pack":
        target, bin_dir = rest
        epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "315532800"))
        name, data = pack(target, members(target, bin_dir), epoch)
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        digest = hashlib.sha256(data).hexdigest()
        write(os.path.join(out, name + ".sha256"), f"{digest} *{name}\n")
        print(f"{name}: {len(data):,} bytes")
    elif command == "manifest":
        (dist_dir,) = rest
        artifacts = {
            name: {
                "kind": "executable-zip",
                "name": name,
                "target_triples": [target],
                "checksums": {"sha256": digest},
            }
            for name, target, digest in archives(out)
        }
        manifest = json.dumps({"artifacts": artifacts}, indent=2)
        write(os.path.join(dist_dir, "release-dist-manifest.json"), manifest)
    elif command == "scoop":
        write(os.path.join(out, APP + ".json"), scoop_manifest(archives(out)))
    elif command == "winget":
        for name, text in winget_manifests(archives(out)).items():
            write(os.path.join(out, name), text)
    elif command == "sum":
        lines = [
            f"{sha256(os.path.join(out, name))} *{name}\n"
            for name in sorted(os.listdir(out))
            if name != "sha256.sum" and not name.endswith(".sha256")
        ]
        write(os.path.join(out, "sha256.sum"), "".join(lines))
    else:
        sys.exit(f"install/archive.py: unknown command {command}")


if __name__ == "__main__":
    main()
