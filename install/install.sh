#!/bin/sh
# Installs git-credential-mfa-codecommit (and git-remote-codecommit, for
# codecommit:// URLs) and configures git to use it for
# AWS CodeCommit HTTPS URLs (`git-credential-mfa-codecommit setup`). Safe to
# run again: setup changes only what differs.
#
#   install/install.sh                      # build, install into ~/.cargo/bin, configure ~/.gitconfig
#   SCOPE=--system install/install.sh       # configure the system config instead (--global, --system, --local)
#   install/install.sh --profile dev --vpce # further arguments go to setup
set -eu

cd "$(dirname "$0")/.."
scope=${SCOPE:---global}

cargo install --locked --quiet --path .
bin=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin

# One section per CodeCommit host shape, each resetting the helper list first;
# see `git-credential-mfa-codecommit setup --help` and the README.
"$bin/git-credential-mfa-codecommit" setup "$scope" "$@"

echo "installed $bin/git-credential-mfa-codecommit and $bin/git-remote-codecommit, and configured git ($scope)"
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "note: add $bin to PATH so that git finds git-credential-mfa-codecommit" ;;
esac
