#!/usr/bin/env bash
# Differential check of the signer against the official Python SDK
# (cos-python-sdk-v5 1.9.44): 2000 random requests, fixed seed, signed by
# the SDK's own signer and by `cos-tool sign --jsonl`; fails on any
# difference, and if tests/data/sdk-diff-vectors.jsonl is not what the SDK
# gives today. See gen.py for how the SDK is driven and what is generated.
#
#   bash tests/sdk_diff/run.sh           # compare
#   bash tests/sdk_diff/run.sh --write   # regenerate the committed vectors
#
# Needs python3 with venv and PyPI (or SDK_DIFF_VENV pointing at a
# virtualenv that has the SDK). `cargo test` checks the committed vectors
# offline (tests/sdk_diff_vectors.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="${SDK_DIFF_VENV:-$root/target/python-sdk-venv}"
if ! "$venv/bin/python" -c "import qcloud_cos" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        --timeout "${SDK_DIFF_PIP_TIMEOUT:-30}" "cos-python-sdk-v5==1.9.44"
fi
vectors=tests/data/sdk-diff-vectors.jsonl
args=(--count 2000 --seed 6 --cos-tool)
if [ "${1:-}" = "--write" ]; then
    "$venv/bin/python" tests/sdk_diff/gen.py "${args[@]}" --write "$vectors"
else
    "$venv/bin/python" tests/sdk_diff/gen.py "${args[@]}" --compare "$vectors"
fi
