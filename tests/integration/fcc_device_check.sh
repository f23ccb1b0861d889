#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# fcc-device on a damaged store (issue 19): provisioned with the legacy-v1 bundle, `check` is
# healthy; one flipped bit in the device certificate chain makes `list` show the item damaged
# (exit 1), `check` report it by name (exit 1, JSON too), `verify` and `apply` fail with status 4
# `Internal storage error:`; `factory-reset` accepts the damage and `check` is healthy again;
# `wipe` then takes the bundle afresh. Usage: fcc_device_check.sh FCC_DEVICE SOURCE_DIR
set -eu
dev=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
img=$tmp/dev.img
bundle=$src/tests/data/legacy-v1/bundle.cbor
run() { "$dev" --store "$img" --time 1800000000 "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

run apply "$bundle" > /dev/null || fail "apply on a blank store"
run check > "$tmp/check0" || fail "check of a healthy store exits non-zero"
grep -q '^store: *healthy' "$tmp/check0" || fail "healthy store not said healthy"
grep -q '^format version: *2' "$tmp/check0" || fail "format version"

# one bit of the middle of the chain's second certificate (offset 2000 of the image)
python3 - "$img" <<'PY'
import sys
with open(sys.argv[1], 'r+b') as f:
    f.seek(2000); b = f.read(1); f.seek(2000); f.write(bytes([b[0] ^ 4]))
PY

set +e
run list > "$tmp/list" 2> "$tmp/list.err"; rc=$?
[ $rc -eq 1 ] || fail "list on a damaged store exits $rc"
grep -q 'damaged mbed.BootstrapDeviceCert' "$tmp/list" || fail "list does not show the damaged item"
grep -q 'mbed.BootstrapServerCACert' "$tmp/list" || fail "list lost an undamaged item"
run --json list > "$tmp/list.json" 2> /dev/null
grep -q '"damaged": true' "$tmp/list.json" || fail "list --json does not mark the damaged item"
run check > "$tmp/check1" 2> "$tmp/check1.err"; rc=$?
[ $rc -eq 1 ] || fail "check on a damaged store exits $rc"
grep -q 'DAMAGED' "$tmp/check1" || fail "check does not say DAMAGED"
grep -q 'record of certificate mbed.BootstrapDeviceCert' "$tmp/check1" || fail "check does not name the item"
run check --json > "$tmp/check1.json" 2> /dev/null
python3 - "$tmp/check1.json" <<'PY' || fail "check --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["healthy"] is False and j["damaged_records"] == 1, j
assert j["damaged"][0]["item"] == "mbed.BootstrapDeviceCert", j
assert j["format_version"] == 2 and j["live_records"] > 0, j
PY
run verify > "$tmp/verify"; rc=$?
[ $rc -eq 1 ] || fail "verify on a damaged store exits $rc"
grep -q 'Internal storage error:mbed.BootstrapDeviceCert' "$tmp/verify" || fail "verify message"
cp "$img" "$tmp/before.img"
run apply "$bundle" > "$tmp/apply"; rc=$?
[ $rc -eq 1 ] || fail "apply on a damaged store exits $rc"
grep -q 'status: 4' "$tmp/apply" || fail "apply status is not 4"
grep -q 'Internal storage error:mbed.BootstrapDeviceCert' "$tmp/apply" || fail "apply message"
cmp -s "$img" "$tmp/before.img" || fail "the refused bundle changed the image"
set -e

run factory-reset > /dev/null || fail "factory-reset"
run check > "$tmp/check2" || fail "check after factory-reset exits non-zero"
grep -q 'accepted: record of certificate mbed.BootstrapDeviceCert' "$tmp/check2" || fail "accepted damage not listed"
run list > /dev/null || fail "list after factory-reset"
run wipe > /dev/null
run apply "$bundle" > /dev/null || fail "apply after wipe"
run verify > /dev/null || fail "verify after wipe and apply"
echo "fcc-device check: ok"
