#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Command-line test of fcc-device's device clock options, as a script on the factory line uses
# them: `--time none` (a device without a clock, wire contract section 8 point 10) runs with its
# time unknown until a bundle's mbed.CurrentTime sets it, in apply and verify; bad values of
# --time are usage errors. Bundles come from the vectors (tests/vectors/bundle).
# Usage: fcc_device_time.sh FCC_DEVICE VECTOR_DIR
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

echo "fcc-device time: $fails failures"
[ "$fails" -eq 0 ]
