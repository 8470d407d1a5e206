#!/bin/sh
# Installs the outside peers the ignored tests run against (Debian/Ubuntu, as root):
# git, openssl, python3 for the CodeCommit-like server, faketime, gnome-keyring
# and dbus (a real Secret Service), keyutils, and from PyPI
# the AWS CLI (the reference answers), moto (a local STS server) and AWS's
# git-remote-codecommit (compared with ours); g++
# builds libFuzzer for tests/fuzz/run.sh.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends git openssl python3 faketime \
    gnome-keyring dbus-daemon dbus-user-session keyutils g++ >/dev/null
python3 -m pip install --quiet --disable-pip-version-check awscli 'moto[server]' git-remote-codecommit
