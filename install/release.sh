#!/bin/sh
# Builds the release into OUT: for each target, its PyPI wheel (maturin) and
# an archive of the same two programs with the README and the licences
# (install/archive.py), each with its .sha256; then cargo-dist's shell and
# PowerShell installers for every archive in OUT, their checksums embedded,
# Scoop's and winget's manifests of the Windows zip, and sha256.sum over
# everything. The
# release workflow runs it with --archives on each native runner, then with
# --installers over all their archives; .ci/run runs it whole here and
# tests what it made (tests/integration/release.rs).
#
#   install/release.sh OUT                       # every target this machine builds
#   install/release.sh OUT TARGET...             # only these targets
#   install/release.sh --archives OUT [TARGET...]  # wheels and archives only
#   install/release.sh --installers OUT          # installers and sums only
#
# On Linux the default is x86_64 and aarch64 Linux, built by zig against
# glibc 2.17 (manylinux2014: Amazon Linux 2 and RHEL 7 onwards), and
# x86_64-pc-windows-gnu by mingw-w64; on macOS both Apple targets; on
# Windows (Git Bash) x86_64-pc-windows-msvc. A target whose standard library
# rustup did not install is built with -Zbuild-std from the rust-src that
# install/test-peers.sh unpacks. Needs maturin, cargo-zigbuild and ziglang
# (pip), and dist (cargo install cargo-dist) for the installers.
set -eu
cd "$(dirname "$0")/.."
build=yes installers=yes
case ${1:-} in
    --archives) installers= && shift ;;
    --installers) build= && shift ;;
esac
if [ $# -lt 1 ]; then
    echo "usage: install/release.sh [--archives | --installers] OUT [TARGET...]" >&2
    exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
if [ $# -eq 0 ] && [ -n "$build" ]; then
    case $(uname -s) in
        Linux) set -- x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-pc-windows-gnu ;;
        Darwin) set -- aarch64-apple-darwin x86_64-apple-darwin ;;
        *) set -- x86_64-pc-windows-msvc ;;
    esac
fi
python=${PYTHON:-python3}
export CARGO_TARGET_DIR="$PWD/target/release-build"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"
. tests/std-sources.sh

# Whether rustup (or the system's rustc) has `target`'s standard library.
std_installed() {
    rustup target list --installed 2>/dev/null | grep -qx "$1" ||
        [ -d "$(rustc --print target-libdir --target "$1")" ]
}

for target do
    set -- --release --locked --bindings bin --target "$target" --out "$out"
    case $target in
        *-linux-gnu) set -- "$@" --zig --compatibility manylinux2014 ;;
        *-windows-gnu) . tests/windows/mingw.sh ;;
    esac
    if ! std_installed "$target"; then
        use_std_sources install/release.sh
        set -- "$@" -Z build-std=std,panic_abort
    fi
    echo "install/release.sh: building $target" >&2
    maturin build --quiet "$@"
    "$python" install/archive.py pack "$out" "$target" "$CARGO_TARGET_DIR/$target/release"
done

[ -n "$installers" ] || exit 0
# dist's installers, told each archive's checksum through a manifest of ours.
distrib="$PWD/target/distrib" # dist writes there whatever CARGO_TARGET_DIR says
rm -rf "$distrib"
mkdir -p "$distrib"
"$python" install/archive.py manifest "$out" "$distrib"
version=$(cargo pkgid | sed 's/.*[#@]//')
dist build --artifacts=global --tag "v$version" >/dev/null
for installer in git-credential-mfa-codecommit-installer.sh git-credential-mfa-codecommit-installer.ps1; do
    cp "$distrib/$installer" "$out/"
done
"$python" install/archive.py scoop "$out"
"$python" install/archive.py winget "$out"
"$python" install/archive.py sum "$out"
