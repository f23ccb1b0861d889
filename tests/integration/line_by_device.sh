#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# device-key-generation-mode: by_device end to end: the two-message session over TCP and over a
# pty serial line, in bootstrap and LwM2M mode, with first-to-claim, and a batch of 20 with
# --parallel 4, against real fcc-device processes. The device's private key must appear nowhere
# on the tool's side: the test searches every file of the FCU home (registry included), the
# tool's output and the frames both ways (recorded by a relay). Then the failures: a device that
# refuses message 1 (recorded, the same device then provisioned), a line that drops after
# message 1 (recorded; the retry says exactly what to do; after that, the retry succeeds), and
# fake devices answering a CSR with a wrong signature, a wrong curve, a wrong subject.
# Usage: line_by_device.sh FCU FCC_DEVICE FAKE_DEVICE
FCU=$1
DEV=$2
FAKE=$3
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home FCU_STATION_ID=station-bd
unset FCU_REGISTRY_URL
C=$home/config
for m in bs lwm2m ftc; do
  sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: by_device/' "$C/$m.yml" >"$C/bd-$m.yml"
done
grep -q by_device "$C/bd-bs.yml" || fail "setup: by_device configuration"
# the custom items travel in message 2 with the rest of the configuration
printf 'custom-properties:\n  - name: factory.Line\n    type: config-param\n    data: line-7\n' >>"$C/bd-bs.yml"

# relay.py MODE UPSTREAM_PORT RECORD: a TCP relay between the tool and a device that records
# every byte both ways; MODE drop2 closes both sides when the tool starts its second message.
cat >"$tmp/relay.py" <<'EOF'
import select, socket, sys
mode, up_port, record = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
tool, _ = ls.accept()
dev = socket.create_connection(("127.0.0.1", up_port))
requests = 0
with open(record, "ab") as rec:
    while True:
        r, _, _ = select.select([tool, dev], [], [], 60)
        if not r:
            break
        src = r[0]
        data = src.recv(65536)
        if not data:
            break
        if src is tool:
            requests += data.count(b"mbedprov")
            if mode == "drop2" and requests >= 2:
                break  # the line drops before message 2 reaches the device
        rec.write(data)
        (dev if src is tool else tool).sendall(data)
tool.close(); dev.close()
EOF
# start_relay NAME MODE UPSTREAM_PORT: sets PORT (the relay's)
start_relay() {
  "$PY" "$tmp/relay.py" "$2" "$3" "$tmp/frames.bin" >"$tmp/$1.relay" 2>&1 &
  pids+=("$!")
  PORT=$(wait_listening "$tmp/$1.relay" "$!")
}

dev_get() { "$DEV" --store "$tmp/$1.img" get "$2" --type "$3" --out "$4" >/dev/null; }
fingerprint() { openssl x509 -inform der -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }

for d in bs lw ftc rt; do launch_device "$d"; done

# 1. Bootstrap mode over TCP, through a recording relay.
attach_device bs
start_relay bs pass "$PORT"
inject bs bd-bs.yml ep-bd-1 SN-BD-1 "$PORT"
stop_device "$DEVPID"
expect_rc 0 "by_device, bootstrap, TCP"
[ "$(json_get "$OUT" "d['mode']")" = bootstrap+by_device ] && ok "mode bootstrap+by_device" ||
  fail "mode $(json_get "$OUT" "d['mode']")"
[ "$(grep -c mbedprov "$tmp/frames.bin" 2>/dev/null || true)" -ge 1 ] || fail "relay recorded nothing"
"$PY" - "$tmp/frames.bin" <<'EOF' && ok "two requests and two responses on one connection" || fail "frames"
import sys
b = open(sys.argv[1], 'rb').read()
assert b.count(b'mbedprov') == 4, b.count(b'mbedprov')   # 2 requests + 2 responses
assert b.count(b'CsrReqs') == 1 and b.count(b'Csrs') == 1
assert b.count(b'PrKN') >= 2    # the request's key name and the certificate tied to it
assert b'ECCPrivate' not in b    # no private key is ever sent
EOF
dev_get bs mbed.BootstrapDeviceCert certificate "$tmp/bs.crt"
dev_get bs mbed.BootstrapDevicePrivateKey private-key "$tmp/bs.key"
[ "$(json_get "$OUT" "d['certificate_sha256']")" = "$(fingerprint "$tmp/bs.crt")" ] &&
  ok "fingerprint is the stored certificate's" || fail "fingerprint differs"
[ "$(openssl pkey -inform der -in "$tmp/bs.key" -pubout -outform der | sha256sum)" = \
  "$(openssl x509 -inform der -in "$tmp/bs.crt" -pubkey -noout | openssl pkey -pubin -outform der | sha256sum)" ] &&
  ok "the certificate is the device key's" || fail "certificate does not match the device key"
openssl x509 -inform der -in "$tmp/bs.crt" -noout -subject -issuer -ext extendedKeyUsage >"$tmp/bs.subj" 2>&1
grep -q 'CN *= *ep-bd-1' "$tmp/bs.subj" && grep -q 'OU *= *0164c1a4f39b2a6e1b7e8e8e00000001' "$tmp/bs.subj" &&
  grep -q 'Line Test Factory CA' "$tmp/bs.subj" && grep -q 'TLS Web Client Authentication' "$tmp/bs.subj" &&
  ok "by_tool profile: CN, OU, issuer, clientAuth" || { fail "certificate profile"; cat "$tmp/bs.subj"; }
KEYS=("$tmp/bs.key")
dev_get bs factory.Line config "$tmp/bs.line" && [ "$(cat "$tmp/bs.line")" = line-7 ] &&
  ok "custom property stored by message 2" || fail "custom property not on the device"

# 2. LwM2M mode over TCP.
attach_device lw
inject lw bd-lwm2m.yml ep-bd-lw SN-BD-LW "$PORT"
stop_device "$DEVPID"
expect_rc 0 "by_device, LwM2M, TCP"
dev_get lw mbed.LwM2MDevicePrivateKey private-key "$tmp/lw.key" && KEYS+=("$tmp/lw.key")
dev_get lw mbed.LwM2MDeviceCert certificate "$tmp/lw.crt"
openssl x509 -inform der -in "$tmp/lw.crt" -noout -subject | grep -q 'OU *= *0164c1a4f39b2a6e1b7e8e8e00000002' &&
  ok "LwM2M: OU = aid" || fail "LwM2M: OU"

# 3. First-to-claim, text report: the enrollment ID is the issued certificate's.
attach_device ftc
set +e
"$FCU" --config "$C/bd-ftc.yml" inject --endpoint-name ep-bd-ftc --serial-number SN-BD-FTC \
  tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/ftc.out" 2>&1
RC=$?
set -e
stop_device "$DEVPID"
OUT=$tmp/ftc.out
expect_rc 0 "by_device, first-to-claim"
dev_get ftc mbed.BootstrapDeviceCert certificate "$tmp/ftc.crt"
dev_get ftc mbed.BootstrapDevicePrivateKey private-key "$tmp/ftc.key" && KEYS+=("$tmp/ftc.key")
grep -qx "enrollment id: A-$(fingerprint "$tmp/ftc.crt")" "$tmp/ftc.out" &&
  ok "enrollment id from the issued certificate" || { fail "enrollment id"; cat "$tmp/ftc.out"; }
"$FCU" registry export --csv >"$tmp/export.csv"
grep -q "^ep-bd-ftc,SN-BD-FTC,A-$(fingerprint "$tmp/ftc.crt")," "$tmp/export.csv" &&
  ok "registry: enrollment ID exported" || { fail "registry export"; cat "$tmp/export.csv"; }

# 4. Over a pty serial line.
if command -v socat >/dev/null; then
  socat "pty,raw,echo=0,link=$tmp/ttyDev" "pty,raw,echo=0,link=$tmp/ttyTool" 2>"$tmp/socat.err" &
  pids+=("$!")
  for _ in $(seq 1 100); do [ -e "$tmp/ttyTool" ] && [ -e "$tmp/ttyDev" ] && break; sleep 0.05; done
  "$DEV" --store "$tmp/ser.img" serve --serial "$tmp/ttyDev" --once >"$tmp/ser.out" 2>"$tmp/ser.err" &
  serpid=$!
  pids+=("$serpid")
  sleep 0.3
  OUT=$tmp/ser.json
  set +e
  "$FCU" --config "$C/bd-bs.yml" --json inject --endpoint-name ep-bd-ser --serial-number SN-BD-SER \
    --timeout 20 serial --port "$tmp/ttyTool" >"$OUT" 2>"$tmp/ser.stderr"
  RC=$?
  set -e
  stop_device "$serpid"
  expect_rc 0 "by_device over a pty serial line"
  dev_get ser mbed.BootstrapDevicePrivateKey private-key "$tmp/ser.key" && KEYS+=("$tmp/ser.key")
else
  echo "SKIP: serial case (socat not installed)"
fi

# 5. A batch of 20 with --parallel 4.
csv=$tmp/devices.csv
echo "endpoint_name,serial_number,address" >"$csv"
for i in $(seq -w 1 20); do launch_device "b$i"; done
for i in $(seq -w 1 20); do
  attach_device "b$i"
  echo "ep-bdb-$i,SN-BDB-$i,tcp:127.0.0.1:$PORT" >>"$csv"
done
set +e
"$FCU" --config "$C/bd-bs.yml" batch --devices "$csv" --parallel 4 >"$tmp/batch.out" 2>&1
RC=$?
set -e
OUT=$tmp/batch.out
expect_rc 0 "batch of 20, --parallel 4"
grep -q '^summary: 20 devices: 20 provisioned' "$tmp/batch.out" && ok "batch summary" ||
  { fail "batch summary"; tail -5 "$tmp/batch.out"; }
"$FCU" registry export --csv >"$tmp/export.csv"
good=0
for i in $(seq -w 1 20); do
  dev_get "b$i" mbed.BootstrapDeviceCert certificate "$tmp/b$i.crt" || continue
  dev_get "b$i" mbed.BootstrapDevicePrivateKey private-key "$tmp/b$i.key" && KEYS+=("$tmp/b$i.key")
  grep -q "^ep-bdb-$i,SN-BDB-$i,.*$(fingerprint "$tmp/b$i.crt")" "$tmp/export.csv" && good=$((good + 1))
done
[ "$good" -eq 20 ] && ok "batch: 20 devices hold their keys, the registry their fingerprints" ||
  fail "batch: $good of 20 devices match the registry"

# 6. The private keys appear nowhere on the tool's side: home (registry, keystore, config), the
#    tool's outputs, the frames both ways; as raw bytes, hex or base64 of the DER.
"$PY" - "$home" "$tmp" "${KEYS[@]}" <<'EOF' && ok "no device private key in ${#KEYS[@]} devices' worth of tool files, registry and frames" || fail "a private key leaked"
import base64, glob, os, sys
home, tmp, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
needles = []
for k in keys:
    der = open(k, 'rb').read()
    d = der[7:39]
    needles += [d, d.hex().encode(), d.hex().upper().encode(), der, base64.b64encode(der)[:40]]
files = [p for p in glob.glob(home + '/**', recursive=True) if os.path.isfile(p)]
files += [p for p in glob.glob(tmp + '/*') if os.path.isfile(p) and
          (p.endswith(('.json', '.out', '.stderr', '.csv')) or p.endswith('frames.bin'))]
assert any(p.endswith('registry.sqlite3') for p in files), files
assert any(p.endswith('frames.bin') for p in files)
for p in files:
    data = open(p, 'rb').read()
    for n in needles:
        if n in data:
            raise SystemExit('private key material in ' + p)
print('searched %d files for %d keys' % (len(files), len(keys)))
EOF

# 7. A device that refuses message 1 is recorded as failed; the same device is then provisioned.
start_fake m1fail reply:16
inject m1fail bd-bs.yml ep-bd-rt SN-BD-RT "$PORT"
expect_rc 1 "message 1 refused"
grep -q 'message 1 (key generation) refused with ReturnStatus 16.*kept nothing' <<<"$(json_get "$OUT" "d['error']")" &&
  ok "message 1 refusal explained" || fail "message 1 refusal: $(json_get "$OUT" "d['error']")"
[ "$(json_get "$OUT" "d['outcome']")" = device_error ] || fail "message 1 refusal: outcome"
attach_device rt
inject rt bd-bs.yml ep-bd-rt SN-BD-RT "$PORT"
stop_device "$DEVPID"
expect_rc 0 "the same device provisioned after a refused message 1"

# 8. The line drops after message 1: the device keeps its key; the retry says exactly what to do;
#    after the operator wipes the device, the retry succeeds.
start_device drop
start_relay drop drop2 "$PORT"
inject drop1 bd-bs.yml ep-bd-drop SN-BD-DROP "$PORT" --timeout 5
stop_device "$DEVPID"
expect_rc 2 "line dropped after message 1"
err=$(json_get "$OUT" "d['error']")
grep -q '^message 2 (certificate and configuration): connection closed' <<<"$err" &&
  grep -q 'fcc-device --store IMAGE wipe' <<<"$err" && ok "drop: recorded, the operator told what a retry needs" ||
  fail "drop: error '$err'"
[ "$(json_get "$OUT" "d['outcome']")" = transport_error ] || fail "drop: outcome"
"$FCU" registry show ep-bd-drop >"$tmp/show.out" 2>&1 || true
grep -q transport_error "$tmp/show.out" || { fail "drop: registry"; cat "$tmp/show.out"; }
start_device drop
inject drop2 bd-bs.yml ep-bd-drop SN-BD-DROP "$PORT"
stop_device "$DEVPID"
expect_rc 1 "retry of a device that kept its key"
err=$(json_get "$OUT" "d['error']")
grep -q 'already holds mbed.BootstrapDevicePrivateKey from an earlier attempt' <<<"$err" &&
  grep -q 'fcc-device --store IMAGE wipe' <<<"$err" &&
  [ "$(json_get "$OUT" "[f['code'] for f in d['findings']]")" = "[351]" ] &&
  ok "retry: error 351 says to wipe the device" || fail "retry: '$err' $(json_get "$OUT" "d['findings']")"
"$DEV" --store "$tmp/drop.img" wipe >/dev/null
start_device drop
inject drop3 bd-bs.yml ep-bd-drop SN-BD-DROP "$PORT"
stop_device "$DEVPID"
expect_rc 0 "retry after the wipe"

# 9. Fake devices answering message 1 with a wrong CSR: refused, message 2 never sent.
mkcsr() { # OUT CURVE SUBJECT
  openssl req -new -newkey ec -pkeyopt "ec_paramgen_curve:$2" -nodes -keyout /dev/null -sha256 \
    -subj "$3" -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=clientAuth \
    -outform der -out "$1" 2>/dev/null
}
subj="/O=Line Test/OU=0164c1a4f39b2a6e1b7e8e8e00000001/CN=ep-bd-fake"
mkcsr "$tmp/good.csr" P-256 "$subj"
"$PY" -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[-1]^=1; open(sys.argv[2],'wb').write(b)" \
  "$tmp/good.csr" "$tmp/badsig.csr"
mkcsr "$tmp/p384.csr" P-384 "$subj"
mkcsr "$tmp/subject.csr" P-256 "/O=Line Test/OU=0164c1a4f39b2a6e1b7e8e8e00000001/CN=someone-else"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -sha256 \
  -subj "$subj" -addext keyUsage=critical,digitalSignature -addext extendedKeyUsage=serverAuth \
  -outform der -out "$tmp/eku.csr" 2>/dev/null
for c in badsig:'signature does not verify' p384:'not EC on P-256' subject:"subject CN is 'someone-else'" \
         eku:'extended key usage is not exactly clientAuth'; do
  name=${c%%:*}
  want=${c#*:}
  start_fake "fake-$name" "csr:mbed.BootstrapDevicePrivateKey:$tmp/$name.csr"
  fakepid=$DEVPID
  inject "fake-$name" bd-bs.yml "ep-bd-fake" "SN-BD-FAKE" "$PORT"
  expect_rc 1 "CSR with a wrong $name refused"
  err=$(json_get "$OUT" "d['error']")
  grep -q "the device's CSR was refused, message 2 not sent: error 350" <<<"$err" && grep -q "$want" <<<"$err" &&
    ok "$name: $want" || fail "$name: '$err'"
  [ "$(grep -c '^request' "$tmp/fake-$name.out")" -eq 1 ] && ok "$name: only message 1 reached the device" ||
    fail "$name: the device got $(grep -c '^request' "$tmp/fake-$name.out") messages"
  kill "$fakepid" 2>/dev/null || true
done
# the good CSR through the same fake is accepted (so the three refusals are about the CSR)
start_fake fake-good "csr:mbed.BootstrapDevicePrivateKey:$tmp/good.csr"
inject fake-good bd-bs.yml "ep-bd-fake" "SN-BD-FAKE" "$PORT"
expect_rc 0 "the right CSR through the fake device"
[ "$(grep -c '^request' "$tmp/fake-good.out")" -eq 2 ] || fail "good CSR: message 2 not sent"

echo "line_by_device: $failures failure(s)"
[ "$failures" -eq 0 ]
