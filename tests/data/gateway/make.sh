#!/usr/bin/env bash
# Remakes captures.jsonl with the official SDKs (Python 1.9.44, Node 2.15.4),
# installed into a temporary directory. Needs python3 and npm.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "cos-python-sdk-v5==1.9.44"
(cd "$tmp" && npm install --silent --no-audit --no-fund cos-nodejs-sdk-v5@2.15.4 >/dev/null)
{
    "$tmp/venv/bin/python" "$here/gen.py"
    NODE_PATH="$tmp/node_modules" node "$here/gen.js"
} >"$here/captures.jsonl"
wc -l "$here/captures.jsonl"
