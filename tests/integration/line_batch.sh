#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `fcu batch` end to end: 50 devices with --parallel 8, of which 42 are real fcc-device processes
# and 8 fail in different ways (nothing listening, a device answering ReturnStatus 10, silent
# devices that time out, a row that fails validation); the summary, the JSON report and the
# registry must agree. Then Ctrl-C: in-flight devices finish and are recorded, no new one starts.
# Usage: line_batch.sh FCU FCC_DEVICE FAKE_DEVICE
FCU=$1
DEV=$2
FAKE=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home FCU_STATION_ID=station-batch
unset FCU_REGISTRY_URL

csv=$tmp/devices.csv
echo "endpoint_name,serial_number,address,device_keys" >"$csv"
real=0
start_fake err reply:10
err_port=$PORT
start_fake silent1 silent
silent_port=$PORT
closed_port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for i in $(seq -w 1 50); do
  case $i in
    07|19|33) echo "batch-$i,SN-B-$i,tcp:127.0.0.1:$closed_port" >>"$csv" ;;
    11|27)    echo "batch-$i,SN-B-$i,tcp:127.0.0.1:$err_port" >>"$csv" ;;
    23|41)    echo "batch-$i,SN-B-$i,tcp:127.0.0.1:$silent_port" >>"$csv" ;;
    45)       echo "batch-$i-$(printf 'x%.0s' $(seq 1 70)),SN-B-$i,tcp:127.0.0.1:$closed_port" >>"$csv" ;;
    *)
      launch_device "dev$i"
      echo "batch-$i,SN-B-$i,tcp:127.0.0.1:@dev$i@" >>"$csv"
      real=$((real + 1))
      ;;
  esac
done
# The 42 devices start in parallel; put their ports into the list.
for i in $(seq -w 1 50); do
  if [ -n "${devpid_of[dev$i]:-}" ]; then
    attach_device "dev$i"
    sed -i "s/@dev$i@/$PORT/" "$csv"
  fi
done
[ "$real" -eq 42 ] || fail "setup: $real real devices"

set +e
"$FCU" batch --devices "$csv" --parallel 8 --timeout 8 --connect-timeout 8 >"$tmp/batch.out" 2>&1
rc=$?
set -e
cat "$tmp/batch.out" | tail -15
[ "$rc" -eq 1 ] && ok "batch exit 1 (some failed)" || fail "batch exit $rc"
summary=$(grep '^summary:' "$tmp/batch.out" || true)
grep -q '^summary: 50 devices: 42 provisioned, 8 failed (device error 2, transport error 5, refused 0, not sent 1), 0 not started' <<<"$(echo "$summary")" &&
  ok "summary counts" || fail "summary: $summary"
[ "$(grep -c '^ok ' "$tmp/batch.out")" -eq 42 ] || fail "plain lines: $(grep -c '^ok ' "$tmp/batch.out") ok lines"
[ "$(grep -c '^FAILED ' "$tmp/batch.out")" -eq 8 ] || fail "plain lines: failures"

"$FCU" registry export --csv | tail -n +2 | tr -d '\r' | cut -d, -f1 | sort >"$tmp/exported"
grep '^ok ' "$tmp/batch.out" | awk '{print $2}' | sort >"$tmp/ok"
cmp -s "$tmp/exported" "$tmp/ok" && ok "registry export = the devices the summary calls provisioned" ||
  { fail "registry and summary disagree"; diff "$tmp/exported" "$tmp/ok" | head; }
for ep in batch-07 batch-11 batch-23; do
  o=$("$FCU" registry show "$ep" --json | json_get /dev/stdin "d['attempts'][-1]['outcome']")
  case $ep in
    batch-07|batch-23) want=transport_error ;;
    batch-11) want=device_error ;;
  esac
  [ "$o" = "$want" ] || fail "registry outcome of $ep: $o, expected $want"
done
for i in 01 50; do
  grep -q '"mbed.EndpointName"' <<<"$("$DEV" --store "$tmp/dev$i.img" list --json)" || fail "dev$i holds no endpoint name"
done

# The same list again: every row is refused or fails, nothing is provisioned twice; --json.
set +e
"$FCU" --json batch --devices "$csv" --parallel 8 --timeout 1 --connect-timeout 1 >"$tmp/again.json" 2>"$tmp/again.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "second batch exit $rc"
[ "$(json_get "$tmp/again.json" "d['refused'], d['succeeded'], d['total']")" = "42 0 50" ] &&
  ok "second run: the 42 provisioned devices are refused" ||
  fail "second run: $(json_get "$tmp/again.json" "d['refused'], d['succeeded'], d['total']")"

# Externally supplied keys from the list's 4th column (relative to the list's folder).
mkdir -p "$tmp/extlist"
for i in 1 2 3; do
  make_external_keys "$tmp/extlist/keys/ext-$i" "ext-$i"
  launch_device "ext$i"
done
sed 's/^  validity-years: 20$/  validity-years: 36/; s/^device-key-generation-mode: by_tool$/device-key-generation-mode: externally_supplied/' \
  "$home/config/bs.yml" >"$home/config/ext-batch.yml"
for i in 1 2 3; do
  attach_device "ext$i"
  echo "ext-$i,SN-E-$i,tcp:127.0.0.1:$PORT,keys/ext-$i"
done >"$tmp/extlist/devices.csv"
set +e
"$FCU" --config "$home/config/ext-batch.yml" batch --devices "$tmp/extlist/devices.csv" --parallel 3 >"$tmp/ext.out" 2>&1
rc=$?
set -e
grep -q '^summary: 3 devices: 3 provisioned, 0 failed' "$tmp/ext.out" && [ "$rc" -eq 0 ] &&
  ok "externally supplied keys per row" || { fail "externally supplied batch (exit $rc)"; cat "$tmp/ext.out"; }
for i in 1 2 3; do
  stop_device "${devpid_of[ext$i]}"
  "$DEV" --store "$tmp/ext$i.img" get mbed.BootstrapDeviceCert --out "$tmp/ext$i.crt" >/dev/null
  cmp -s "$tmp/ext$i.crt" "$tmp/extlist/keys/ext-$i/BootstrapDeviceCert.der" ||
    fail "ext-$i: the device does not hold its supplied certificate"
done

# On a terminal: a progress bar redrawn in place with counts and rate (script(1) gives a pty).
if command -v script >/dev/null; then
  start_fake okdev reply:0
  for i in 1 2 3; do echo "tty-$i,SN-T-$i,tcp:127.0.0.1:$PORT"; done >"$tmp/tty.csv"
  script -qec "$FCU batch --devices $tmp/tty.csv --parallel 2" /dev/null >"$tmp/tty.out" 2>&1 || true
  if grep -q $'\r\033\[K\[#*\.*\] 3/3  ok 3  failed 0  in flight 0  [0-9.]* dev/s' "$tmp/tty.out" &&
     ! grep -q '^ok ' "$tmp/tty.out"; then
    ok "terminal: progress bar with counts and rate, no per-device lines"
  else
    fail "terminal output: $(cat -v "$tmp/tty.out" | head -5)"
  fi
else
  echo "SKIP: terminal case (script not installed)"
fi

# Ctrl-C: 10 silent devices, 2 in flight; SIGINT once both are in flight (seen in the registry).
# Each waits 8 s for its silent device, so that a slow poll on a loaded machine (ASan) still sees
# them in flight before the batch could end by itself.
start_fake silent2 silent
csv2=$tmp/silent.csv
for i in $(seq -w 1 10); do echo "int-$i,SN-I-$i,tcp:127.0.0.1:$PORT" >>"$csv2"; done
"$FCU" batch --devices "$csv2" --parallel 2 --timeout 8 >"$tmp/int.out" 2>&1 &
bpid=$!
# Polled straight from the SQLite file: two `fcu registry show` per poll took seconds on a loaded
# machine under ASan, longer than the 3 s both devices are in flight.
for _ in $(seq 1 400); do
  n=$("$PY" -c "import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute(\"SELECT COUNT(*) FROM attempts WHERE outcome = 'in_progress' AND endpoint_name IN ('int-01', 'int-02')\").fetchone()[0])" \
    "$home/registry.sqlite3" 2>/dev/null || echo 0)
  [ "$n" -ge 2 ] && break
  sleep 0.05
done
kill -INT "$bpid" 2>/dev/null || fail "the batch ended before both devices were seen in flight"
set +e
wait "$bpid"
rc=$?
set -e
cat "$tmp/int.out"
[ "$rc" -eq 1 ] && ok "interrupted batch exit 1" || fail "interrupted batch exit $rc"
grep -q '^summary: 10 devices: 0 provisioned, 2 failed (device error 0, transport error 2, refused 0, not sent 0), 8 not started' "$tmp/int.out" &&
  ok "in-flight devices finished, none started after Ctrl-C" || fail "interrupted summary"
n=0
for i in $(seq -w 1 10); do
  c=$("$FCU" registry show "int-$i" --json 2>/dev/null | json_get /dev/stdin "len(d['attempts'])" || true)
  c=${c:-0}
  n=$((n + c))
  if [ "$c" -gt 0 ]; then
    o=$("$FCU" registry show "int-$i" --json | json_get /dev/stdin "d['attempts'][0]['outcome']")
    [ "$o" = transport_error ] || fail "int-$i recorded as $o"
  fi
done
[ "$n" -eq 2 ] && ok "registry holds exactly the 2 in-flight attempts, finished" || fail "registry holds $n attempts"

if [ "$failures" -ne 0 ]; then
  echo "line_batch: $failures failure(s)"
  exit 1
fi
echo "line_batch: PASS"
