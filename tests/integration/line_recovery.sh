#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Recovery after a station dies (issue 20): stations are killed with SIGKILL at chosen instants,
# made deterministic by a proxy in front of a real fcc-device (line_fake_device hold:/drop:) that
# holds the device's answer (the bundle is applied, the tool never learns it) or the request
# (the bundle never reaches the device). Then `fcu registry release` and a retry must leave every
# device that holds credentials recorded exactly once, with the fingerprint of the certificate
# it really holds (read back with `fcc-device get mbed.BootstrapDeviceCert --out`).
# Usage: line_recovery.sh FCU FCC_DEVICE LINE_FAKE_DEVICE [REGISTRY_URL]
# Without REGISTRY_URL a SQLite file is used; registry_pg.sh passes its PostgreSQL database.
FCU=$1
DEV=$2
FAKE=$3
URL=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home
if [ -n "$URL" ]; then
  export FCU_REGISTRY_URL=$URL
  echo "line_recovery: registry $URL"
else
  export FCU_REGISTRY_URL=$tmp/registry.sqlite3
  echo "line_recovery: registry $FCU_REGISTRY_URL"
fi

# serve_device NAME: fcc-device serving one session after another (the retry reconnects).
declare -A port_of pid_of
serve_device() {
  "$DEV" --store "$tmp/$1.img" serve --tcp 127.0.0.1:0 --idle-timeout 60 \
    >"$tmp/$1.out" 2>"$tmp/$1.err" &
  pid_of[$1]=$!
  pids+=("$!")
  port_of[$1]=$(wait_listening "$tmp/$1.out" "${pid_of[$1]}")
}

# stop NAME: ends a device so that its store can be read.
stop() {
  kill "${pid_of[$1]}" 2>/dev/null || true
  wait "${pid_of[$1]}" 2>/dev/null || true
}

# proxy NAME MODE DEVICE: line_fake_device MODE:port-of-DEVICE. Sets PPORT.
proxy() {
  "$FAKE" "$2:${port_of[$3]}" >"$tmp/$1.out" 2>"$tmp/$1.err" &
  pid_of[$1]=$!
  pids+=("$!")
  PPORT=$(wait_listening "$tmp/$1.out" "${pid_of[$1]}")
}

# wait_for FILE TEXT: until TEXT appears in FILE (30 s).
wait_for() {
  local i
  for i in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "timed out waiting for '$2' in $1" >&2
  return 1
}

# device_fpr NAME: SHA-256 fingerprint of the device certificate in the (stopped) device's store,
# XX:XX:... as the registry writes it; empty when the device holds none.
device_fpr() {
  rm -f "$tmp/cert.der"
  "$DEV" --store "$tmp/$1.img" get mbed.BootstrapDeviceCert --out "$tmp/cert.der" >/dev/null 2>&1 || true
  [ -s "$tmp/cert.der" ] || return 0
  openssl x509 -inform der -in "$tmp/cert.der" -noout -fingerprint -sha256 | sed 's/^.*=//'
}

# show_attempt EP INDEX EXPR: EXPR over attempt INDEX (Python index) of `registry show EP --json`.
show_attempt() {
  "$FCU" registry show "$1" --json >"$tmp/show.json"
  json_get "$tmp/show.json" "(lambda a: $3)(d['attempts'][$2])"
}

check() { # check DESCRIPTION ACTUAL EXPECTED
  if [ "$2" = "$3" ]; then ok "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

# ---- 1. killed after the device applied the bundle, before the tool read the answer ----------
serve_device d1
proxy p1 hold d1
"$FCU" --json inject --station st-1 --endpoint-name rec-1 --serial-number SN-REC-1 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/k1.json" 2>&1 &
k=$!
wait_for "$tmp/p1.out" "answer held"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
check "1: the dead station's attempt is in progress" "$(show_attempt rec-1 0 "a['outcome']")" in_progress
check "1: its bundle was written ahead (SID, certificate, time)" \
  "$(show_attempt rec-1 0 "bool(a['sid']) and bool(a['sent_at']) and len(a['certificate_sha256'])==95 and bool(a['certificate_serial']) and a['mode']=='bootstrap'")" True
u1=$(show_attempt rec-1 0 "a['id']")
fpr_ahead=$(show_attempt rec-1 0 "a['certificate_sha256']")
set +e
"$FCU" inject --endpoint-name rec-1 --serial-number SN-REC-1 tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/r1a.out" 2>&1
rc=$?
set -e
check "1: a retry before release is refused (exit 3)" "$rc" 3
"$FCU" registry release rec-1 >"$tmp/rel1.out"
grep -q "outcome unknown" "$tmp/rel1.out" && ok "1: release says the outcome is unknown" ||
  fail "1: release output: $(cat "$tmp/rel1.out")"
check "1: released attempt is unknown and keeps its data" \
  "$(show_attempt rec-1 0 "a['outcome']+' '+a['certificate_sha256']")" "unknown $fpr_ahead"
set +e
"$FCU" --json inject --station st-2 --endpoint-name rec-1 --serial-number SN-REC-1 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/r1.json" 2>"$tmp/r1.err"
rc=$?
set -e
check "1: the retry exits 0" "$rc" 0
check "1: the retry reports the earlier attempt recovered" \
  "$(json_get "$tmp/r1.json" "d['outcome']+' '+str(d['recovered_attempt_id'])+' '+d['certificate_sha256']")" \
  "recovered $u1 $fpr_ahead"
check "1: the earlier row is completed as recovered" \
  "$(show_attempt rec-1 0 "a['outcome']+' '+str(a['return_status'])+' '+str(a['current'])")" "recovered 0 True"
check "1: the retry's own row is the recovery check" "$(show_attempt rec-1 -1 "a['outcome']")" recovery_check
"$FCU" registry show rec-1 | grep -q "recovered (success found on the device" &&
  ok "1: registry show names the recovery" || fail "1: show: $("$FCU" registry show rec-1)"
stop p1
stop d1
fpr_dev=$(device_fpr d1)
check "1: the written-ahead fingerprint is the device's certificate" "$fpr_dev" "$fpr_ahead"
"$FCU" registry export --json -o "$tmp/exp1.json"
check "1: export lists rec-1 once, recovered, with the device's fingerprint" \
  "$(json_get "$tmp/exp1.json" "[(e['outcome'], e['certificate_sha256'], e['enrollment_id']) for e in d if e['endpoint_name']=='rec-1']")" \
  "[('recovered', '$fpr_dev', None)]"
"$FCU" registry export --csv -o "$tmp/exp1.csv"
grep -q "^rec-1,SN-REC-1,,$fpr_dev,recovered" "$tmp/exp1.csv" && ok "1: CSV export marks it recovered" ||
  fail "1: CSV: $(cat "$tmp/exp1.csv")"

# ---- 2. killed before the bundle reached the device ------------------------------------------
serve_device d2
proxy p2 drop d2
"$FCU" --json inject --station st-1 --endpoint-name rec-2 --serial-number SN-REC-2 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/k2.json" 2>&1 &
k=$!
wait_for "$tmp/p2.out" "request held"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
u2=$(show_attempt rec-2 0 "a['id']")
fpr_lost=$(show_attempt rec-2 0 "a['certificate_sha256']")
"$FCU" registry release rec-2 >/dev/null
set +e
"$FCU" --json inject --station st-2 --endpoint-name rec-2 --serial-number SN-REC-2 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/r2.json" 2>"$tmp/r2.err"
rc=$?
set -e
check "2: the retry provisions the blank device (exit 0, success)" \
  "$rc $(json_get "$tmp/r2.json" "d['outcome']+' '+str(d['recovered_attempt_id'])")" "0 success None"
check "2: the lost attempt is settled as not applied" \
  "$(show_attempt rec-2 0 "a['outcome']+' '+str(a['resolved_by'])")" \
  "not_applied $(json_get "$tmp/r2.json" "d['attempt_id']")"
stop p2
stop d2
fpr_dev=$(device_fpr d2)
check "2: the device holds the retry's certificate" "$fpr_dev" "$(json_get "$tmp/r2.json" "d['certificate_sha256']")"
[ "$fpr_dev" != "$fpr_lost" ] && ok "2: not the lost bundle's" || fail "2: the device holds the lost bundle's certificate"
"$FCU" registry export --json -o "$tmp/exp2.json"
check "2: export lists rec-2 once with the device's fingerprint" \
  "$(json_get "$tmp/exp2.json" "[(e['outcome'], e['certificate_sha256']) for e in d if e['endpoint_name']=='rec-2']")" \
  "[('success', '$fpr_dev')]"

# ---- 3. the device holds an identity the lost attempt cannot have given it -------------------
# An LwM2M identity from elsewhere (another registry); the lost attempt was bootstrap.
serve_device d3
"$FCU" inject --registry "$tmp/elsewhere.sqlite3" --config "$home/config/lwm2m.yml" \
  --endpoint-name rec-3 --serial-number SN-REC-3 tcp --ip 127.0.0.1 --port "${port_of[d3]}" >/dev/null
proxy p3 drop d3
"$FCU" --json inject --station st-1 --endpoint-name rec-3 --serial-number SN-REC-3 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/k3.json" 2>&1 &
k=$!
wait_for "$tmp/p3.out" "request held"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
"$FCU" registry release rec-3 >/dev/null
stop d3
cp "$tmp/d3.img" "$tmp/d3.before"
serve_device d3
stop p3
set +e
"$FCU" inject --endpoint-name rec-3 --serial-number SN-REC-3 tcp --ip 127.0.0.1 \
  --port "${port_of[d3]}" >"$tmp/r3.out" 2>&1
rc=$?
set -e
check "3: a device holding another identity is refused (exit 1)" "$rc" 1
grep -q "IDENTITY CONFLICT" "$tmp/r3.out" && grep -q "wipe the device" "$tmp/r3.out" &&
  ok "3: the error tells the operator to wipe the device" || fail "3: $(cat "$tmp/r3.out")"
stop d3
cmp -s "$tmp/d3.before" "$tmp/d3.img" && ok "3: the recovery check left the store byte for byte" ||
  fail "3: the recovery check changed the device's store"
check "3: the lost attempt stays unknown" "$(show_attempt rec-3 0 "a['outcome']")" unknown
"$DEV" --store "$tmp/d3.img" wipe >/dev/null
serve_device d3
"$FCU" --json inject --endpoint-name rec-3 --serial-number SN-REC-3 tcp --ip 127.0.0.1 \
  --port "${port_of[d3]}" >"$tmp/r3b.json"
check "3: after a wipe the retry provisions it" "$(json_get "$tmp/r3b.json" "d['outcome']")" success
check "3: and settles the lost attempt as not applied" "$(show_attempt rec-3 0 "a['outcome']")" not_applied

# ---- 4. several stations, overlapping lists, one killed in the middle of its batch -----------
n=8
for i in $(seq 0 $((n - 1))); do serve_device "m$i"; done
proxy pm4 hold m4
addr() { echo "tcp:127.0.0.1:${port_of[m$1]}"; }
row() { echo "many-$1,SN-MANY-$1,$2"; }
{ echo "endpoint_name,serial_number,address"
  row 0 "$(addr 0)"; row 1 "$(addr 1)"; row 4 "tcp:127.0.0.1:$PPORT"; row 5 "$(addr 5)"; } >"$tmp/K.csv"
{ echo "endpoint_name,serial_number,address"
  for i in 0 1 2 3 4 5; do row "$i" "$(addr "$i")"; done; } >"$tmp/A.csv"
{ echo "endpoint_name,serial_number,address"
  for i in 3 4 5 6 7; do row "$i" "$(addr "$i")"; done; } >"$tmp/B.csv"
# K provisions many-0 and many-1, then many-4 through the proxy, which holds the answer: killed.
"$FCU" batch --station st-K --devices "$tmp/K.csv" --parallel 1 --progress lines >"$tmp/K.out" 2>&1 &
k=$!
wait_for "$tmp/pm4.out" "answer held"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
set +e
"$FCU" batch --station st-A --devices "$tmp/A.csv" --parallel 3 --progress lines >"$tmp/A1.out" 2>&1 &
ja=$!
"$FCU" batch --station st-B --devices "$tmp/B.csv" --parallel 3 --progress lines >"$tmp/B1.out" 2>&1 &
jb=$!
wait "$ja"; wait "$jb"
set -e
grep -h "many-4" "$tmp/A1.out" "$tmp/B1.out" | grep -q "being provisioned right now" &&
  ok "4: the dead station's device is refused while its claim is held" || fail "4: $(cat "$tmp/A1.out" "$tmp/B1.out")"
# The operator releases what the dead station held.
for i in $(seq 0 $((n - 1))); do
  if "$FCU" registry show "many-$i" --json 2>/dev/null | grep -q '"in_progress"'; then
    "$FCU" registry release "many-$i" >/dev/null
  fi
done
set +e
"$FCU" batch --station st-A --devices "$tmp/A.csv" --parallel 3 --json >"$tmp/A2.json" 2>/dev/null &
ja=$!
"$FCU" batch --station st-B --devices "$tmp/B.csv" --parallel 3 --json >"$tmp/B2.json" 2>/dev/null &
jb=$!
wait "$ja"; wait "$jb"
set -e
recovered=0
for f in "$tmp/A2.json" "$tmp/B2.json"; do
  recovered=$((recovered + $(json_get "$f" "sum(1 for x in d['devices'] if x['outcome'] == 'recovered')")))
done
check "4: the second round recovers many-4 exactly once" "$recovered" 1
check "4: the batch summaries count it" \
  "$(( $(json_get "$tmp/A2.json" "d['recovered']") + $(json_get "$tmp/B2.json" "d['recovered']") ))" 1
stop pm4
for i in $(seq 0 $((n - 1))); do stop "m$i"; done
"$FCU" registry export --json -o "$tmp/exp4.json"
for i in $(seq 0 $((n - 1))); do
  f=$(device_fpr "m$i")
  rows=$(json_get "$tmp/exp4.json" "[e['certificate_sha256'] for e in d if e['endpoint_name']=='many-$i']")
  if [ -z "$f" ]; then
    fail "4: many-$i holds no certificate"
  else
    check "4: many-$i recorded exactly once with the certificate it holds" "$rows" "['$f']"
  fi
done
check "4: many-4 is exported as recovered" \
  "$(json_get "$tmp/exp4.json" "[e['outcome'] for e in d if e['endpoint_name']=='many-4']")" "['recovered']"

# ---- 6. first-to-claim: the recovered attempt carries its written-ahead enrollment ID ---------
serve_device d6
proxy p6 hold d6
"$FCU" inject --config "$home/config/ftc.yml" --endpoint-name rec-6 --serial-number SN-REC-6 \
  tcp --ip 127.0.0.1 --port "$PPORT" >/dev/null 2>&1 &
k=$!
wait_for "$tmp/p6.out" "answer held"
kill -KILL "$k"
wait "$k" 2>/dev/null || true
"$FCU" registry release rec-6 >/dev/null
"$FCU" inject --config "$home/config/ftc.yml" --endpoint-name rec-6 --serial-number SN-REC-6 \
  tcp --ip 127.0.0.1 --port "$PPORT" >"$tmp/r6.out"
grep -q "^RECOVERED: rec-6" "$tmp/r6.out" && ok "6: the text report says RECOVERED" || fail "6: $(cat "$tmp/r6.out")"
stop p6
stop d6
f=$(device_fpr d6)
"$FCU" registry export --csv -o "$tmp/exp6.csv"
grep -q "^rec-6,SN-REC-6,A-$f,$f,recovered" "$tmp/exp6.csv" &&
  ok "6: exported with the enrollment ID of the certificate the device holds" ||
  fail "6: device $f, export: $(grep rec-6 "$tmp/exp6.csv")"

# ---- 5. options after the transport: accepted, or refused saying where they belong -----------
serve_device d5
"$FCU" inject --endpoint-name opt-5 --serial-number SN-OPT-5 tcp --ip 127.0.0.1 \
  --port "${port_of[d5]}" --registry "$tmp/after.sqlite3" --station st-after --json >"$tmp/o5.json"
check "5: --registry, --station and --json after the transport are used" \
  "$(json_get "$tmp/o5.json" "d['outcome']")/$("$FCU" registry show opt-5 --json --registry "$tmp/after.sqlite3" | json_get /dev/stdin "d['attempts'][0]['station']")" \
  "success/st-after"
set +e
"$FCU" inject --endpoint-name opt-5 --serial-number SN-OPT-5 tcp --ip 127.0.0.1 --port 1 \
  --no-such-option >"$tmp/o5b.out" 2>&1
rc=$?
"$FCU" inject --endpoint-name opt-5 --serial-number SN-OPT-5 --ip 127.0.0.1 tcp --port 1 \
  >"$tmp/o5c.out" 2>&1
rc2=$?
set -e
check "5: an unknown option after the transport is a usage error" "$rc/$rc2" "2/2"
grep -q "transport options come after the transport word" "$tmp/o5b.out" &&
  grep -q "'--ip' is a transport option" "$tmp/o5c.out" &&
  ok "5: the messages say where options belong" || fail "5: $(cat "$tmp/o5b.out" "$tmp/o5c.out")"
stop d5

if [ "$failures" -ne 0 ]; then
  echo "line_recovery: $failures failure(s)"
  exit 1
fi
echo "line_recovery: PASS"
