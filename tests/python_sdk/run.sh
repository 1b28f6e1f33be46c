#!/usr/bin/env bash
# The official Python SDK (cos-python-sdk-v5 1.9.44, pinned, in a
# virtualenv) against the cos-emulator binary: session.py drives the SDK's
# own calls with its default endpoints resolved to the emulator. Fails if
# the SDK cannot be installed, if any check fails, or if the emulator
# answered any request SignatureDoesNotMatch, AccessDenied or
# RequestTimeTooSkewed (every request must verify).
#
#   bash tests/python_sdk/run.sh
#
# PYTHON_SDK_VENV names the virtualenv (default target/python-sdk-venv);
# EMULATOR_ARGS adds options to the emulator (e.g. "--policy strict").
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
venv="${PYTHON_SDK_VENV:-$root/target/python-sdk-venv}"
if ! "$venv/bin/python" -c "import qcloud_cos" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        --timeout "${PYTHON_SDK_PIP_TIMEOUT:-60}" "cos-python-sdk-v5==1.9.44"
fi

cargo build --locked --quiet -p cos-emulator
target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
log="$(mktemp)"
tmp_id=AKIDEMULATORTEMPORARY00000000000000000
tmp_key=emulatorTemporaryKey000000000000
tmp_token="emulator-sts-token/with+chars=="
"$target_dir/debug/cos-emulator" --port 0 \
    --bucket examplebucket-1250000000@ap-guangzhou \
    --bucket sourcebucket-1250000000@ap-guangzhou \
    --bucket farbucket-1250000000@ap-beijing \
    --account "$tmp_id:$tmp_key:$tmp_token" ${EMULATOR_ARGS:-} >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do
    grep -q '^resolve ' "$log" && break
    sleep 0.1
done
port=$(sed -n 's|^cos-emulator listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$log")
[ -n "$port" ] || { cat "$log"; echo "python-sdk: the emulator did not start"; exit 1; }
secret_id=$(sed -n 's/^  SecretId  //p' "$log" | head -1)
secret_key=$(sed -n 's/^  SecretKey //p' "$log" | head -1)

status=0
"$venv/bin/python" tests/python_sdk/session.py --port "$port" \
    --secret-id "$secret_id" --secret-key "$secret_key" \
    --tmp-secret-id "$tmp_id" --tmp-secret-key "$tmp_key" --tmp-token "$tmp_token" ||
    status=$?
requests=$(grep -c '^#' "$log" || true)
refused=$(grep -E '^#.* -> 403 (SignatureDoesNotMatch|AccessDenied|RequestTimeTooSkewed)' "$log" || true)
if [ -n "$refused" ]; then
    echo "python-sdk: requests the emulator did not verify:"
    echo "$refused"
    status=1
fi
echo "python-sdk: the emulator answered $requests requests"
exit "$status"
