#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of `fcu inject` and the SQLite registry over loopback, against real fcc-device
# processes and a misbehaving fake device: bootstrap and LwM2M modes, by_tool and externally
# supplied keys, first-to-claim with its enrollment ID, duplicate refusal and --reprovision,
# export contents, and the failures a line sees: a device that disconnects mid-session, one that
# never answers, one that answers an error, broken frames, a closed port, a factory-disabled one.
# Usage: line_e2e.sh FCU FCC_DEVICE FAKE_DEVICE
FCU=$1
DEV=$2
FAKE=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home FCU_STATION_ID=station-e2e
unset FCU_REGISTRY_URL
C=$home/config
# Without time sync the device keeps its own clock (used by the "late device" case).
sed 's/^time-sync: true$/time-sync: false/' "$C/bs.yml" >"$C/bs-notime.yml"

items() { "$DEV" --store "$tmp/$1.img" list --json; }

# Every device that is not restarted is started now, in parallel; each case attaches to its own.
for d in bs1 txt lw1 ext1 ftc1 dup1 retry dis; do launch_device "$d"; done
launch_device late --time $(( $(date +%s) + 30 * 365 * 86400 ))

# 1. Bootstrap mode, by_tool keys: provisioned; the device holds the bootstrap set.
attach_device bs1
inject bs1 bs.yml ep-bs-1 SN-BS-1 "$PORT"
stop_device "$DEVPID"
expect_rc 0 "bootstrap by_tool" bs1
[ "$(json_get "$OUT" "d['return_status']")" = 0 ] || fail "bootstrap: return_status"
grep -q 'The Factory process succeeded' <<<"$(json_get "$OUT" "d['info_message']")" ||
  fail "bootstrap: InfoMessage"
items bs1 >"$tmp/bs1.items"
for n in mbed.BootstrapDeviceCert mbed.BootstrapDevicePrivateKey mbed.BootstrapServerURI \
         mbed.EndpointName mbed.SerialNumber mbed.UseBootstrap; do
  grep -q "\"$n\"" "$tmp/bs1.items" || fail "bootstrap: device lacks $n"
done
grep -q '"mbed.LwM2MDeviceCert"' "$tmp/bs1.items" && fail "bootstrap: device holds an LwM2M cert"
# The fingerprint the registry holds is the one of the certificate the device stores.
"$DEV" --store "$tmp/bs1.img" get mbed.BootstrapDeviceCert --out "$tmp/bs1.crt" >/dev/null 2>&1 ||
  "$DEV" --store "$tmp/bs1.img" get mbed.BootstrapDeviceCert --type certificate --out "$tmp/bs1.crt" >/dev/null
want_fp=$(openssl x509 -inform der -in "$tmp/bs1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
[ "$(json_get "$OUT" "d['certificate_sha256']")" = "$want_fp" ] && ok "fingerprint matches the stored certificate" ||
  fail "fingerprint $(json_get "$OUT" "d['certificate_sha256']") != $want_fp"

# 2. The text report shape (no --json).
attach_device txt
set +e
"$FCU" --config "$C/bs.yml" inject --endpoint-name ep-txt --serial-number SN-TXT \
  tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/txt.out" 2>&1
RC=$?
set -e
stop_device "$DEVPID"
OUT=$tmp/txt.out
expect_rc 0 "text report"
grep -q '^PROVISIONED: ep-txt' "$tmp/txt.out" && grep -q 'ReturnStatus: 0' "$tmp/txt.out" &&
  grep -q 'InfoMessage: The Factory process succeeded' "$tmp/txt.out" || fail "text report content"

# 3. LwM2M mode, by_tool keys.
attach_device lw1
inject lw1 lwm2m.yml ep-lw-1 SN-LW-1 "$PORT"
stop_device "$DEVPID"
expect_rc 0 "LwM2M by_tool" lw1
grep -q '"mbed.LwM2MDeviceCert"' <<<"$(items lw1)" || fail "LwM2M: device lacks mbed.LwM2MDeviceCert"
[ "$(json_get "$OUT" "d['mode']")" = lwm2m ] || fail "LwM2M: mode recorded"

# 4. Externally supplied keys: the device stores exactly the supplied certificate.
make_external_keys "$tmp/keys/ep-ext-1" ep-ext-1
attach_device ext1
inject ext1 ext.yml ep-ext-1 SN-EXT-1 "$PORT" --device-keys "$tmp/keys/ep-ext-1"
stop_device "$DEVPID"
expect_rc 0 "externally supplied keys" ext1
"$DEV" --store "$tmp/ext1.img" get mbed.BootstrapDeviceCert --out "$tmp/ext1.crt" >/dev/null 2>&1 ||
  "$DEV" --store "$tmp/ext1.img" get mbed.BootstrapDeviceCert --type certificate --out "$tmp/ext1.crt" >/dev/null
cmp -s "$tmp/ext1.crt" "$tmp/keys/ep-ext-1/BootstrapDeviceCert.der" && ok "supplied certificate stored" ||
  fail "externally supplied: stored certificate differs from the supplied one"

# 5. First-to-claim: enrollment ID = A- + SHA-256 of the device certificate, in the export.
attach_device ftc1
inject ftc1 ftc.yml ep-ftc-1 SN-FTC-1 "$PORT"
stop_device "$DEVPID"
expect_rc 0 "first-to-claim" ftc1
"$DEV" --store "$tmp/ftc1.img" get mbed.BootstrapDeviceCert --out "$tmp/ftc1.crt" >/dev/null 2>&1 ||
  "$DEV" --store "$tmp/ftc1.img" get mbed.BootstrapDeviceCert --type certificate --out "$tmp/ftc1.crt" >/dev/null
fp=$(openssl x509 -inform der -in "$tmp/ftc1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
enr=$(json_get "$OUT" "d['enrollment_id']")
[ "$enr" = "A-$fp" ] && ok "enrollment ID $enr" || fail "enrollment ID '$enr' != A-$fp"

# 6. Duplicates: same endpoint name (other device, other serial) refused before any contact;
#    same serial number refused; --reprovision goes through.
attach_device dup1
inject dup1 bs.yml ep-bs-1 SN-OTHER "$PORT"
expect_rc 3 "duplicate endpoint name refused" dup1
grep -q "endpoint name 'ep-bs-1' is already provisioned" <<<"$(json_get "$OUT" "d['error']")" ||
  fail "duplicate: message"
inject dup2 bs.yml ep-new SN-BS-1 "$PORT"
expect_rc 3 "duplicate serial number refused" dup2
inject dup3 bs.yml ep-bs-1 SN-OTHER "$PORT" --reprovision
stop_device "$DEVPID"
expect_rc 0 "--reprovision" dup3
[ "$(items dup1 | json_get /dev/stdin "len(d)")" -gt 0 ] || fail "reprovision: device empty"

# 7. A device that never answers: timeout, recorded, the claim released.
start_fake silent silent
t0=$(date +%s%N)
inject silent bs.yml ep-silent SN-SILENT "$PORT" --timeout 1
t1=$(date +%s%N)
expect_rc 2 "silent device: timeout" silent
grep -q 'timeout' <<<"$(json_get "$OUT" "d['error']")" || fail "silent: error says timeout"
[ $(( (t1 - t0) / 1000000 )) -lt 8000 ] || fail "silent: took $(( (t1 - t0) / 1000000 )) ms"
attach_device retry
inject retry bs.yml ep-silent SN-SILENT "$PORT"
stop_device "$DEVPID"
expect_rc 0 "after a timeout the same device can be provisioned" retry

# 8. A device that disconnects mid-session, one that cuts its response, broken frames.
for mode in disconnect halfframe baddigest status:9 wrongsid; do
  start_fake "f-${mode%%:*}" "$mode"
  inject "f-${mode%%:*}" bs.yml "ep-${mode%%:*}" "SN-${mode%%:*}" "$PORT" --timeout 5
  expect_rc 2 "fake device '$mode'" "f-${mode%%:*}"
  [ "$(json_get "$OUT" "d['outcome']")" = transport_error ] || fail "$mode: outcome"
  [ "$(json_get "$OUT" "d['recorded']")" = True ] || fail "$mode: not recorded"
done
grep -q 'closed' <<<"$(json_get "$tmp/f-disconnect.json" "d['error']")" || fail "disconnect: error text"
[ "$(json_get "$tmp/f-baddigest.json" "d['transport_status']")" = 8 ] || fail "baddigest: status 8"
[ "$(json_get "$tmp/f-status.json" "d['transport_status']")" = 9 ] || fail "status:9 reported"

# 9. A device that answers an error: the fake one (ReturnStatus 10), and a real one whose clock
#    is 30 years ahead, so the certificates it receives have expired (ReturnStatus 13).
start_fake ferr reply:10
inject ferr bs.yml ep-ferr SN-FERR "$PORT"
expect_rc 1 "device answers ReturnStatus 10" ferr
[ "$(json_get "$OUT" "d['return_status']")" = 10 ] || fail "fake error: return_status"
# A hostile device's texts must not reach the operator's terminal as escape sequences.
start_fake fesc escape
set +e
"$FCU" --config "$C/bs.yml" inject --endpoint-name ep-fesc --serial-number SN-FESC \
  tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/fesc.txt" 2>&1
RC=$?
set -e
OUT=$tmp/fesc.txt
expect_rc 1 "hostile device answers ReturnStatus 10" fesc
if LC_ALL=C grep -q $'\x1b' "$tmp/fesc.txt"; then fail "escape sequence reached the terminal"
else ok "device text printed with control characters escaped"; fi
grep -qF 'InfoMessage: Certificate invalid:\x1b]0;pwned\x07\x1b[2J' "$tmp/fesc.txt" ||
  fail "hostile InfoMessage not shown escaped"
grep -qF 'warning: Item not set:\x1b[31mred\x1b[0m' "$tmp/fesc.txt" || fail "hostile warning not shown escaped"
attach_device late
inject late bs-notime.yml ep-late SN-LATE "$PORT"
stop_device "$DEVPID"
expect_rc 1 "real device reports an error" late
rs=$(json_get "$OUT" "d['return_status']")
[ "$rs" -gt 0 ] 2>/dev/null && ok "late device ReturnStatus $rs: $(json_get "$OUT" "d['info_message']")" ||
  fail "late device: return_status '$rs'"

# 10. Nothing listening: connection refused, quickly.
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
inject closed bs.yml ep-closed SN-CLOSED "$port" --connect-timeout 2
expect_rc 2 "closed port" closed
grep -q 'cannot connect' <<<"$(json_get "$OUT" "d['error']")" || fail "closed port: error text"

# 11. A factory-disabled device: provisioned with --disable, then asked again.
attach_device dis
inject dis1 bs.yml ep-dis-1 SN-DIS-1 "$PORT" --disable
stop_device "$DEVPID"
expect_rc 0 "provision with --disable" dis1
start_device dis
inject dis2 bs.yml ep-dis-2 SN-DIS-2 "$PORT" --timeout 3
stop_device "$DEVPID"
if [ "$RC" -eq 1 ] && [ "$(json_get "$OUT" "d['return_status']")" = 9 ]; then
  ok "factory-disabled device answers ReturnStatus 9"
elif [ "$RC" -eq 2 ]; then
  ok "factory-disabled device does not answer: $(json_get "$OUT" "d['error']")"
else
  fail "factory-disabled device: exit $RC"; cat "$OUT"
fi
"$FCU" registry show ep-dis-2 --json >"$tmp/dis2.show"
[ "$(json_get "$tmp/dis2.show" "d['attempts'][-1]['outcome']")" != success ] || fail "disabled: recorded as success"

# 12. The serial transport, over a pty pair made by socat.
if command -v socat >/dev/null; then
  socat "pty,raw,echo=0,link=$tmp/ttyDev" "pty,raw,echo=0,link=$tmp/ttyTool" 2>"$tmp/socat.err" &
  pids+=("$!")
  for _ in $(seq 1 100); do [ -e "$tmp/ttyDev" ] && [ -e "$tmp/ttyTool" ] && break; sleep 0.05; done
  "$DEV" --store "$tmp/ser.img" serve --serial "$tmp/ttyDev" --once >"$tmp/ser.out" 2>"$tmp/ser.err" &
  serpid=$!
  pids+=("$serpid")
  wait_listening "$tmp/ser.out" "$serpid" >/dev/null || true
  OUT=$tmp/ser.json
  set +e
  "$FCU" --config "$C/bs.yml" --json inject --endpoint-name ep-ser --serial-number SN-SER --timeout 10 \
    serial --port "$tmp/ttyTool" --baud 115200 >"$OUT" 2>"$tmp/ser.stderr"
  RC=$?
  set -e
  stop_device "$serpid"
  expect_rc 0 "serial line (pty)" ser
  [ "$(json_get "$OUT" "d['transport']")" = "serial:$tmp/ttyTool@115200" ] || fail "serial: transport text"
  grep -q '"mbed.EndpointName"' <<<"$(items ser)" || fail "serial: device holds no endpoint name"
  provisioned_serial=" ep-ser"
else
  echo "SKIP: serial case (socat not installed)"
  provisioned_serial=""
fi

# 13. The registry: show and export.
"$FCU" registry show ep-bs-1 --json >"$tmp/show.json"
[ "$(json_get "$tmp/show.json" "[a['outcome'] for a in d['attempts']]")" = "['success', 'refused', 'success']" ] &&
  ok "registry show ep-bs-1: success, refused, success" ||
  fail "registry show: $(json_get "$tmp/show.json" "[a['outcome'] for a in d['attempts']]")"
[ "$(json_get "$tmp/show.json" "[a['current'] for a in d['attempts']]")" = "[False, False, True]" ] ||
  fail "registry show: current flags"
"$FCU" registry show ep-silent >"$tmp/show-silent.txt"
grep -q 'transport_error' "$tmp/show-silent.txt" && grep -q 'success' "$tmp/show-silent.txt" ||
  fail "registry show (text) of ep-silent"
"$FCU" registry export --csv >"$tmp/export.csv"
grep -q '^endpoint_name,serial_number,enrollment_id,certificate_sha256' <<<"$(head -1 "$tmp/export.csv")" ||
  fail "export header"
want=$(echo ep-bs-1 ep-dis-1 ep-ext-1 ep-ftc-1 ep-lw-1$provisioned_serial ep-silent ep-txt | xargs -n1 | sort | xargs)
got=$(tail -n +2 "$tmp/export.csv" | cut -d, -f1 | tr -d '\r' | sort | xargs)
[ "$got" = "$want" ] && ok "export lists exactly the provisioned devices" || fail "export: '$got' != '$want'"
grep -q "^ep-ftc-1,SN-FTC-1,A-$fp,$fp" "$tmp/export.csv" && ok "export row of the first-to-claim device" ||
  fail "export row of ep-ftc-1: $(grep ep-ftc-1 "$tmp/export.csv")"
grep -q "^ep-bs-1,SN-OTHER,,[0-9A-F:]\{95\}" "$tmp/export.csv" || fail "export row of the reprovisioned ep-bs-1"
"$FCU" registry export --json >"$tmp/export.json"
[ "$(json_get "$tmp/export.json" "len(d)")" = "$(echo $want | wc -w)" ] || fail "export --json count"

if [ "$failures" -ne 0 ]; then
  echo "line_e2e: $failures failure(s)"
  exit 1
fi
echo "line_e2e: PASS"
