#!/bin/sh
# Installs git-credential-mfa-codecommit and configures git to use it for
# AWS CodeCommit HTTPS URLs. Safe to run again: it changes only what differs.
#
#   install/install.sh            # build, install into ~/.cargo/bin, configure ~/.gitconfig
#   SCOPE=--system install/install.sh
set -eu

cd "$(dirname "$0")/.."
scope=${SCOPE:---global}

cargo install --locked --quiet --path .
bin=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin

# One section per host shape: git's `*` matches a single DNS label.
for url in \
    'https://git-codecommit.*.amazonaws.com' \
    'https://git-codecommit-fips.*.amazonaws.com' \
    'https://git-codecommit.*.amazonaws.com.cn'
do
    key="credential.$url"
    # An empty helper first resets the list, so no storage helper (osxkeychain,
    # wincred, libsecret, Git Credential Manager) keeps a 15-minute password.
    if [ "$(git config "$scope" --get-all "$key.helper" || true)" != "
mfa-codecommit" ]; then
        git config "$scope" --unset-all "$key.helper" || true
        git config "$scope" --add "$key.helper" ""
        git config "$scope" --add "$key.helper" mfa-codecommit
    fi
    git config "$scope" "$key.useHttpPath" true
done

echo "installed $bin/git-credential-mfa-codecommit and configured git ($scope)"
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: add $bin to PATH so that git finds git-credential-mfa-codecommit" ;;
esac
