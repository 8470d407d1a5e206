#!/bin/sh
# Installs the outside peers the ignored tests run against (Debian/Ubuntu, as root):
# git, openssl, python3 for the CodeCommit-like server, faketime, and from PyPI
# the AWS CLI (the reference answers) and moto (a local STS server).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends git openssl python3 faketime >/dev/null
python3 -m pip install --quiet --disable-pip-version-check awscli 'moto[server]'
