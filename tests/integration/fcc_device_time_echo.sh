#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Command-line test of fcc-device's device clock options, as a script on the factory line uses
# them: `--time none` (a device without a clock, wire contract section 8 point 10) runs with its
# time unknown until a bundle's mbed.CurrentTime sets it, in apply and verify; bad values of
# --time are usage errors. Then the echo of section 8 points 1 and 6 through the tool: a SID of
# 5000 bytes and a name of 1000 bytes come back whole in --json, and a name that is not UTF-8 is
# escaped by the tool (JSON \u00XX, human \xHH), not by the device. Bundles come from the
# vectors (tests/vectors/bundle).
# Usage: fcc_device_time_echo.sh FCC_DEVICE VECTOR_DIR
set -u
DEV=$1
VEC=$2
tmp=$(mktemp -d /tmp/fcc-device-time-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION CONDITION...
  local d=$1
  shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fails=$((fails + 1)); fi
}
json() { # json FILE PYTHON-EXPRESSION over d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# A device without a clock: the full bootstrap configuration without mbed.CurrentTime passes
# with the warnings of an unknown time.
"$DEV" --store "$tmp/a.img" --time none --json apply "$VEC/ok_no_clock.1.cbor" >"$tmp/out"
check "apply --time none: exit 0" test $? -eq 0
check "apply --time none: time unknown warned" \
  json "$tmp/out" 'd["status"] == 0 and "Item not set:mbed.CurrentTime" in d["warnings"]'
check "apply --time none: certificate dates unchecked" \
  json "$tmp/out" '"Certificate validity cannot be checked:mbed.BootstrapDeviceCert" in d["warnings"]'
"$DEV" --store "$tmp/a.img" --time none --json verify >"$tmp/out"
check "verify --time none: exit 0, time unknown" test $? -eq 0
check "verify --time none: warnings" \
  json "$tmp/out" '"Item not set:mbed.CurrentTime" in d["warnings"]'
# The same store with a clock: no such warning (the test would pass without --time none
# otherwise).
"$DEV" --store "$tmp/a.img" --time 1893456000 --json verify >"$tmp/out"
check "verify --time EPOCH: no unknown-time warning" \
  json "$tmp/out" 'd["status"] == 0 and "Item not set:mbed.CurrentTime" not in d["warnings"]'

# A bundle that sets mbed.CurrentTime gives the clockless device its time for the run.
"$DEV" --store "$tmp/b.img" --time none --json apply "$VEC/ok_full_bootstrap.1.cbor" >"$tmp/out"
check "apply --time none with mbed.CurrentTime: exit 0" test $? -eq 0
check "apply --time none with mbed.CurrentTime: time known" \
  json "$tmp/out" 'd["status"] == 0 and "Item not set:mbed.CurrentTime" not in d["warnings"] and not any(w.startswith("Certificate validity cannot") for w in d["warnings"])'

# Bad values.
"$DEV" --store "$tmp/c.img" --time 0 list >/dev/null 2>&1
check "--time 0: usage error" test $? -eq 2
"$DEV" --store "$tmp/c.img" --time never list >/dev/null 2>&1
check "--time never: usage error" test $? -eq 2
"$DEV" --store "$tmp/c.img" --time none list >/dev/null 2>&1
check "--time none list: exit 0" test $? -eq 0

# Echo byte for byte.
"$DEV" --store "$tmp/d.img" --json apply "$VEC/ok_sid_5000.1.cbor" >"$tmp/out"
check "SID of 5000 bytes echoed whole" json "$tmp/out" 'd["sid"] == "x" * 5000'
"$DEV" --store "$tmp/d.img" --json apply "$VEC/err_key_name_1000.1.cbor" >"$tmp/out"
check "name of 1000 bytes in info" \
  json "$tmp/out" 'd["status"] == 16 and d["info"] == "File name too long:" + "m" * 1000'
printf '\xa3\x6dSchemeVersion\x650.0.1\x66Verify\x00\x64K\xff\x80\x00\x00' >"$tmp/inv.cbor"
"$DEV" --store "$tmp/d.img" --json apply "$tmp/inv.cbor" >"$tmp/out"
check "non-UTF-8 name escaped in JSON" \
  json "$tmp/out" 'd["status"] == 23 and d["info"] == "General error:K\u00ff\u0080\u0000"'
"$DEV" --store "$tmp/d.img" apply "$tmp/inv.cbor" >"$tmp/out"
check "control bytes escaped in human output" grep -qF 'info: General error:K' "$tmp/out"
check "NUL shown as \\x00" grep -qF '\x00' "$tmp/out"

echo "fcc-device time and echo: $fails failures"
[ "$fails" -eq 0 ]
