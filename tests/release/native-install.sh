#!/bin/sh
# Installs the release in OUT as a user would, with cargo-dist's installer
# for this system (PowerShell's on Windows, the shell one elsewhere) fetching
# from a loopback `python -m http.server`, into a fresh folder; then both
# programs must tell their version and the helper answer a `get` with keys
# in the environment. The CI workflow runs it on its Windows and macOS
# machines after install/release.sh; tests/integration/release.rs does the
# same and more on Linux.
#
#   sh tests/release/native-install.sh OUT
set -eu
out=$(cd "$1" && pwd)
python=${PYTHON:-python3}
scratch=$(mktemp -d)
"$python" -u -m http.server --bind 127.0.0.1 0 --directory "$out" >"$scratch/server.log" 2>&1 &
server=$!
trap 'kill "$server"' EXIT
port=
for _ in $(seq 100); do
    port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$scratch/server.log")
    [ -z "$port" ] || break
    sleep 0.1
done
[ -n "$port" ] || { cat "$scratch/server.log" >&2; exit 1; }
export GIT_CREDENTIAL_MFA_CODECOMMIT_DOWNLOAD_URL="http://127.0.0.1:$port"
into=$scratch/bin
case $(uname -s) in
    MINGW* | MSYS* | CYGWIN*)
        exe=.exe
        GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL=$(cygpath -w "$into")
        export GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL
        powershell -NoProfile -ExecutionPolicy Bypass \
            -File "$(cygpath -w "$out/git-credential-mfa-codecommit-installer.ps1")"
        ;;
    *)
        exe=
        GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL=$into
        export GIT_CREDENTIAL_MFA_CODECOMMIT_UNMANAGED_INSTALL
        sh "$out/git-credential-mfa-codecommit-installer.sh"
        ;;
esac
version=$(awk -F'"' '/^version/ { print $2; exit }' "$(dirname "$0")/../../Cargo.toml")
for program in git-credential-mfa-codecommit git-remote-codecommit; do
    said=$("$into/$program$exe" --version)
    [ "$said" = "$version" ] || { echo "$program --version: $said, not $version" >&2; exit 1; }
done
printf 'protocol=https\nhost=git-codecommit.us-east-1.amazonaws.com\npath=v1/repos/myrepo\n\n' |
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=secret AWS_EC2_METADATA_DISABLED=true \
        "$into/git-credential-mfa-codecommit$exe" get >"$scratch/answer"
grep -qx 'username=AKIAIOSFODNN7EXAMPLE' "$scratch/answer"
grep -qx 'password=[0-9]\{8\}T[0-9]\{6\}Z[0-9a-f]\{64\}' "$scratch/answer"
echo "installed and answered: $into"
