#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Command-line test of fcu's core commands as an operator uses them: --help everywhere, exit
# statuses 0/1/2, `fcu setup` (key mode 0600, CA extensions checked with the openssl CLI),
# `validate` text and --json findings, `bundle` (mode 0600, enrollment ID equal to the SHA-256
# of the bootstrap certificate as `inspect` decodes it), `inspect` of good and bad files, and
# the intermediate-CA flow (CSR signed by an openssl root, --install-ca, chain depth rules).
# Usage: fcu_cli.sh FCU
set -u
FCU=$1
tmp=$(mktemp -d /tmp/fcu-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION CONDITION...
  local d=$1
  shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fails=$((fails + 1)); fi
}
rc_of() { # rc_of CMD...: runs, stores stdout in $tmp/out, stderr in $tmp/err, returns status
  "$@" >"$tmp/out" 2>"$tmp/err"
}
json() { # json FILE PYTHON-EXPRESSION over d
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

home=$tmp/home
mkdir -p "$home/config"
export FCU_HOME_DIR=$home
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/srv.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/srv.key" -sha256 -days 3650 -subj "/CN=Server CA" \
  -out "$home/config/bs-ca.pem" 2>/dev/null
cat >"$home/config/fcu.yml" <<EOF
use-bootstrap: true
first-to-claim: false
time-sync: true
bootstrap-server-uri: coaps://bs.example.com:5684?aid=00112233445566778899aabbccddeeff
bootstrap-server-uri-first-to-claim: coaps://bs.example.com:5684
bootstrap-server-ca-certificate-file: bs-ca.pem
device-key-generation-mode: by_tool
entropy-generation-mode: by_tool
certificate-authority:
  common-name: CLI Test CA
device-info:
  manufacturer-name: Example
  model-number: M1
  device-type: sensor
  hardware-version: "1"
  memory-total-size: 256
  timezone: UTC
  utc-offset: "+00:00"
EOF

# --help everywhere, usage errors
rc_of "$FCU" --help; check "fcu --help exits 0" test $? -eq 0
for c in setup validate bundle inspect; do
  rc_of "$FCU" $c --help; check "fcu $c --help exits 0" test $? -eq 0
  check "fcu $c --help prints usage" grep -q "usage: fcu $c" "$tmp/out"
done
rc_of "$FCU" frobnicate; check "unknown command exits 2" test $? -eq 2
rc_of "$FCU" bundle --endpoint-name a --serial-number b; check "bundle without -o exits 2" test $? -eq 2
rc_of "$FCU" --config "$tmp/none.yml" validate; check "missing configuration exits 2" test $? -eq 2

# setup
rc_of "$FCU" setup; check "setup exits 0" test $? -eq 0
check "CA key has mode 0600" test "$(stat -c %a "$home/keystore/fcu_private_key.pem")" = 600
openssl x509 -in "$home/keystore/fcu.crt" -noout -text >"$tmp/ca.txt"
check "CA: basicConstraints critical CA:TRUE" grep -A1 -q "Basic Constraints: critical" "$tmp/ca.txt"
check "CA: CA:TRUE" grep -q "CA:TRUE" "$tmp/ca.txt"
check "CA: keyCertSign and cRLSign" grep -q "Certificate Sign, CRL Sign" "$tmp/ca.txt"
check "CA: ecdsa-with-SHA256" grep -q "Signature Algorithm: ecdsa-with-SHA256" "$tmp/ca.txt"
check "CA: P-256" grep -q "prime256v1" "$tmp/ca.txt"
check "CA: subject from the configuration" grep -q "CN = CLI Test CA" "$tmp/ca.txt"
rc_of "$FCU" setup; check "second setup without --force exits 2" test $? -eq 2
rc_of "$FCU" --json --home "$tmp/home2" setup
check "setup in a missing home exits 2" test $? -eq 2
mkdir -p "$tmp/home2/config" && cp "$home/config/fcu.yml" "$home/config/bs-ca.pem" "$tmp/home2/config/"
rc_of "$FCU" --json --home "$tmp/home2" setup
check "setup --json names the files it made" json "$tmp/out" \
  'd == {"key": "'"$tmp"'/home2/keystore/fcu_private_key.pem", "certificate": "'"$tmp"'/home2/keystore/fcu.crt"}'

# validate
rc_of "$FCU" validate; check "validate of a good configuration exits 0" test $? -eq 0
check "validate says valid" grep -q "^valid" "$tmp/out"
rc_of "$FCU" --json validate --endpoint-name ep-1 --serial-number SN1
check "validate --json with a device exits 0" test $? -eq 0
check "validate --json: valid, findings array" json "$tmp/out" 'd["valid"] is True and d["findings"] == []'
sed 's/?aid=00112233445566778899aabbccddeeff//; s/^time-sync: true/time-sync: 3/' \
  "$home/config/fcu.yml" >"$home/config/bad.yml"
rc_of "$FCU" --config "$home/config/bad.yml" validate --json
check "validate of a bad configuration exits 1" test $? -eq 1
check "--json lists 303 on bootstrap-server-uri" json "$tmp/out" \
  'any(f["code"] == 303 and f["parameter"] == "bootstrap-server-uri" and f["severity"] == "error" for f in d["findings"])'
check "--json lists 106 on time-sync at line 3" json "$tmp/out" \
  'any(f["code"] == 106 and f["parameter"] == "time-sync" and "bad.yml:3:12:" in f["message"] for f in d["findings"])'
check "every finding has code, parameter, message, severity" json "$tmp/out" \
  'all(set(f) == {"code", "parameter", "message", "severity"} for f in d["findings"]) and d["valid"] is False'

# bundle + inspect, first-to-claim
sed 's/^first-to-claim: false/first-to-claim: true/' "$home/config/fcu.yml" >"$home/config/ftc.yml"
rc_of "$FCU" --config "$home/config/ftc.yml" bundle -o "$tmp/ftc.cbor" --endpoint-name ep-ftc \
  --serial-number SN-FTC --sid s-1
check "bundle (first-to-claim) exits 0" test $? -eq 0
check "bundle file has mode 0600" test "$(stat -c %a "$tmp/ftc.cbor")" = 600
eid=$(sed -n 's/^enrollment ID: //p' "$tmp/out")
check "enrollment ID printed, 97 characters" test ${#eid} -eq 97
rc_of "$FCU" --json inspect "$tmp/ftc.cbor"; check "inspect --json exits 0" test $? -eq 0
cp "$tmp/out" "$tmp/ftc.json"
check "enrollment ID = A- + SHA-256 of the bootstrap certificate" json "$tmp/ftc.json" \
  '[c["certificate"]["sha256"] for c in d["Certificates"] if c["name"] == "mbed.BootstrapDeviceCert"] == ["'"${eid#A-}"'"] and d["enrollment_id"] == "'"$eid"'"'
check "bundle carries mbed.FirstToClaim 1 and the first-to-claim URI" json "$tmp/ftc.json" \
  '{p["name"]: p["value"] for p in d["ConfigParams"]}["mbed.FirstToClaim"] == 1 and {p["name"]: p["value"] for p in d["ConfigParams"]}["mbed.BootstrapServerURI"] == "coaps://bs.example.com:5684"'
check "device certificate CN is the endpoint, clientAuth" json "$tmp/ftc.json" \
  'any(c["name"] == "mbed.BootstrapDeviceCert" and "CN=ep-ftc" in c["certificate"]["subject"] and any("Client Authentication" in e["value"] for e in c["certificate"]["extensions"]) for c in d["Certificates"])'
rc_of "$FCU" inspect "$tmp/ftc.cbor"; check "inspect text exits 0" test $? -eq 0
check "inspect text shows the endpoint" grep -q 'mbed.EndpointName = "ep-ftc"' "$tmp/out"
check "inspect never shows key bytes" grep -q "key: EC prime256v1" "$tmp/out"
head -c 100 "$tmp/ftc.cbor" >"$tmp/trunc.cbor"
rc_of "$FCU" inspect "$tmp/trunc.cbor"; check "inspect of a truncated bundle exits 1" test $? -eq 1
rc_of "$FCU" inspect "$tmp/nothing.cbor"; check "inspect of a missing file exits 2" test $? -eq 2
# framed responses: complete, failed (transport status only), empty and truncated
python3 - "$tmp" <<'PY'
import hashlib, struct, sys
t = sys.argv[1]
resp = bytes([0xa1, 0x6c]) + b"ReturnStatus" + bytes([0x00])
def w(name, data):
    open(t + "/" + name, "wb").write(data)
w("resp.frame", b"mbedprov" + struct.pack("<II", 0, len(resp)) + resp + hashlib.sha256(resp).digest())
w("failed.frame", b"mbedprov" + struct.pack("<I", 8))
w("empty.frame", b"mbedprov" + struct.pack("<I", 0))
w("zero.frame", b"mbedprov" + struct.pack("<II", 0, 0) + hashlib.sha256(b"").digest())
w("trunc-resp.frame", b"mbedprov" + struct.pack("<II", 0, len(resp)) + resp[:5])
w("trunc-digest.frame", b"mbedprov" + struct.pack("<II", 0, len(resp)) + resp + hashlib.sha256(resp).digest()[:10])
w("trunc-req.frame", b"mbedprov" + struct.pack("<I", 300) + b"\xa1\x61a")
w("short.frame", b"mbedprov" + b"\x00\x00")
PY
rc_of "$FCU" --json inspect "$tmp/resp.frame"; check "inspect of a response frame exits 0" test $? -eq 0
check "a response frame is kind response" json "$tmp/out" 'd["kind"] == "response" and d["ReturnStatus"] == 0'
rc_of "$FCU" --json inspect "$tmp/failed.frame"; check "inspect of a failed response frame exits 0" test $? -eq 0
check "a failed response is kind failed-response with its status" json "$tmp/out" \
  'd["kind"] == "failed-response" and d["transport_status"] == 8'
for fr in empty zero trunc-resp trunc-digest trunc-req short; do
  rc_of "$FCU" inspect "$tmp/$fr.frame"; check "inspect of the $fr frame exits 1" test $? -eq 1
  check "inspect of the $fr frame says why" grep -qi "frame\|not a bundle" "$tmp/err"
  rc_of "$FCU" --json inspect "$tmp/$fr.frame"; check "inspect --json of the $fr frame exits 1" test $? -eq 1
done

# intermediate CA: CSR, signed by an openssl root, installed; chain depth rules
sed 's/^use-bootstrap: true/setup-ca-as-intermediate: true\nuse-bootstrap: true/' \
  "$home/config/fcu.yml" >"$home/config/inter.yml"
rc_of "$FCU" --config "$home/config/inter.yml" setup --force; check "intermediate setup exits 0" test $? -eq 0
check "CSR written" test -s "$home/keystore/fcu.csr"
check "no stale fcu.crt" test ! -e "$home/keystore/fcu.crt"
openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/root.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/root.key" -sha256 -days 9000 -subj "/CN=Root" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=keyCertSign,cRLSign" \
  -out "$tmp/root.pem" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tmp/ext.cnf"
openssl x509 -req -in "$home/keystore/fcu.csr" -CA "$tmp/root.pem" -CAkey "$tmp/root.key" \
  -CAcreateserial -days 8000 -sha256 -extfile "$tmp/ext.cnf" -out "$tmp/inter.pem" 2>/dev/null
cat "$tmp/inter.pem" "$tmp/root.pem" >"$tmp/chain.pem"
rc_of "$FCU" setup --install-ca "$tmp/root.pem"
check "installing a certificate of another key exits 1" test $? -eq 1
check "the refused certificate is not left in place" test ! -e "$home/keystore/fcu.crt"
rc_of "$FCU" setup --install-ca "$tmp/chain.pem"; check "installing the signed chain exits 0" test $? -eq 0
cp "$home/keystore/fcu.crt" "$tmp/installed.crt"
rc_of "$FCU" setup --install-ca "$tmp/root.pem"
check "a refused re-install exits 1" test $? -eq 1
check "a refused re-install keeps the installed fcu.crt" cmp -s "$home/keystore/fcu.crt" "$tmp/installed.crt"
# the intermediate was signed this very second; device certificates must start after it
later=$(($(date +%s) + 5))
rc_of "$FCU" --time $later --json validate --endpoint-name ep-2 --serial-number SN2
check "a CA chain without chain depth is 112" json "$tmp/out" \
  'any(f["code"] == 112 and f["parameter"] == "device-certificate-chain-depth" for f in d["findings"])'
printf 'device-certificate-chain-depth: 3\n' >>"$home/config/fcu.yml"
rc_of "$FCU" --time $later bundle -o "$tmp/chain.cbor" --endpoint-name ep-2 --serial-number SN2
check "bundle with depth 3 (device + intermediate + root) exits 0" test $? -eq 0
rc_of "$FCU" --json inspect "$tmp/chain.cbor"
check "device chain of 3 in CertificateChains" json "$tmp/out" \
  'len([c for c in d["CertificateChains"] if c["name"] == "mbed.BootstrapDeviceCert"][0]["chain"]) == 3'
sed -i 's/^device-certificate-chain-depth: 3/device-certificate-chain-depth: 4/' "$home/config/fcu.yml"
rc_of "$FCU" --time $later bundle -o "$tmp/chain4.cbor" --endpoint-name ep-2 --serial-number SN2
check "depth 4 with 3 available exits 1" test $? -eq 1
check "depth 4 is finding 111" grep -q "error 111 \[device-certificate-chain-depth\]" "$tmp/err"
check "nothing written on failure" test ! -e "$tmp/chain4.cbor"

echo "$fails failure(s)"
test "$fails" -eq 0
