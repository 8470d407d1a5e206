#!/bin/sh
# winget's manifests in OUT (install/archive.py winget), checked against
# winget's published JSON schemas for manifest version 1.10.0, fetched from
# microsoft/winget-cli at a fixed commit. Those schemas live only on
# GitHub, so the workflows run this, not .ci/run.
#
#   tests/release/winget-schema.sh OUT
set -eu
out=$1
schemas=https://raw.githubusercontent.com/microsoft/winget-cli
id=GitCredentialMfaCodecommit.GitCredentialMfaCodecommit
python3 -m pip install --quiet --disable-pip-version-check 'check-jsonschema>=0.35,<1'
check() { # MANIFEST COMMIT KIND
    check-jsonschema --schemafile \
        "$schemas/$2/schemas/JSON/manifests/v1.10.0/manifest.$3.1.10.0.json" "$out/$1"
}
check "$id.yaml" 22d25b11307eeb206ffa9f7c7af4b086b23e72b5 version
check "$id.installer.yaml" 0cfc90f4cd912a44610abf5298debeaadb158ce1 installer
check "$id.locale.en-US.yaml" 22d25b11307eeb206ffa9f7c7af4b086b23e72b5 defaultLocale
