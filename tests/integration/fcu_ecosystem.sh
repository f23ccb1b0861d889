#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A configuration written the ecosystem's way: its key names (update-auth-certificate-file), the
# <%= ENV['NAME'] %> placeholder, and custom-properties of every type (config-param as text and
# as a file, a DER certificate, a PEM chain, private keys in PEM and DER, a public key). It is
# validated, bundled, provisioned to fcc-device over TCP (the inject text report carries the
# scraped `enrollment id:` line), and every custom item is read back byte for byte with
# `fcc-device get`. Then every way a custom property or a placeholder can be wrong, each with
# its code and the parameter named.
# Usage: fcu_ecosystem.sh FCU FCC_DEVICE
FCU=$1
DEV=$2
FAKE=
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=line_lib.sh
. "$here/line_lib.sh"

make_home
export FCU_HOME_DIR=$home FCU_STATION_ID=station-eco
unset FCU_REGISTRY_URL
C=$home/config
R=$tmp/resources
mkdir -p "$R"

# --- the resources a factory keeps next to its fcu.yml ---
ossl() { openssl "$@" 2>/dev/null; }
# update-authentication certificate (DER), as the ecosystem ships it
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/upd.key" \
  -out "$tmp/upd.pem" -subj "/CN=Update Authority" -days 7300 -sha256
ossl x509 -in "$tmp/upd.pem" -outform der -out "$R/update-auth-certificate.der"
# a single certificate (DER)
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/one.key" \
  -out "$tmp/one.pem" -subj "/CN=Custom One" -days 7300 -sha256
ossl x509 -in "$tmp/one.pem" -outform der -out "$R/one.der"
# a chain (PEM): leaf signed by a CA
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/cca.key" \
  -out "$tmp/cca.pem" -subj "/CN=Custom CA" -days 7300 -sha256 \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/cleaf.key" \
  -subj "/CN=Custom Leaf" -out "$tmp/cleaf.csr"
ossl x509 -req -in "$tmp/cleaf.csr" -CA "$tmp/cca.pem" -CAkey "$tmp/cca.key" -CAcreateserial \
  -days 5000 -sha256 -out "$tmp/cleaf.pem"
cat "$tmp/cleaf.pem" "$tmp/cca.pem" >"$R/chain.pem"
ossl x509 -in "$tmp/cleaf.pem" -outform der -out "$tmp/cleaf.der"
# private keys: SEC1 PEM with an EC PARAMETERS block first (openssl ecparam -genkey), PKCS#8 DER
ossl ecparam -name prime256v1 -genkey -out "$R/sec1.pem"
ossl ec -in "$R/sec1.pem" -outform der -out "$tmp/sec1.der"
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -outform der -out "$R/p8.der"
# public key (PEM SubjectPublicKeyInfo)
ossl pkey -in "$R/sec1.pem" -pubout -out "$R/pub.pem"
ossl pkey -in "$R/sec1.pem" -pubout -outform der -out "$tmp/pub.der"
# a config-param file with every byte value
"$PY" -c "import sys; sys.stdout.buffer.write(bytes(range(256)))" >"$R/blob.bin"

export FCU_RESOURCES_DIR=$R FCU_ECO_TEXT='hello from the environment'
cat >"$C/eco.yml" <<'EOF'
use-bootstrap: true
first-to-claim: true
bootstrap-server-uri-first-to-claim: "coaps://bootstrap.example.com:5684"
bootstrap-server-ca-certificate-file: bootstrap-ca.der
device-key-generation-mode: by_tool
time-sync: true
update-auth-certificate-file: <%= ENV['FCU_RESOURCES_DIR'] %>/update-auth-certificate.der
device-certificate:
  validity-years: 20
device-info:
  manufacturer-name: "<%= ENV['FCU_ECO_TEXT'] %>"
  model-number: ECO-1
  device-type: sensor
  hardware-version: "1.0"
  memory-total-size: 512
  timezone: Europe/London
  utc-offset: "+00:00"
custom-properties:
  - name: factory.Line
    type: config-param
    data: 'line 7 <%= ENV["FCU_ECO_TEXT"] %>'
  - name: factory.Blob
    type: config-param
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/blob.bin
  - name: factory.OneCert
    type: certificate
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/one.der
  - name: factory.Chain
    type: certificate
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/chain.pem
  - name: factory.Sec1Key
    type: private-key
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/sec1.pem
  - name: factory.P8Key
    type: private-key
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/p8.der
  - name: factory.Sec1Key
    type: public-key
    data-file: <%= ENV['FCU_RESOURCES_DIR'] %>/pub.pem
EOF

# 1. validated
set +e
"$FCU" --config "$C/eco.yml" --json validate >"$tmp/v.json" 2>&1
RC=$?
set -e
[ $RC -eq 0 ] && [ "$(json_get "$tmp/v.json" "d['valid']")" = True ] && ok "ecosystem configuration valid" ||
  { fail "ecosystem configuration: exit $RC"; cat "$tmp/v.json"; }

# 2. bundled: the custom items are in their groups
set +e
"$FCU" --config "$C/eco.yml" bundle -o "$tmp/eco.cbor" --endpoint-name ep-eco --serial-number SN-ECO >"$tmp/b.out" 2>&1
RC=$?
set -e
[ $RC -eq 0 ] && ok "ecosystem bundle" || { fail "bundle exit $RC"; cat "$tmp/b.out"; }
"$PY" - "$tmp/eco.cbor" <<'EOF' && ok "custom items in the right groups" || fail "bundle groups"
import sys
# a tiny CBOR reader for the definite-length bundle fcu writes
b = open(sys.argv[1], 'rb').read()
def item(i):
    ib = b[i]; mt = ib >> 5; ai = ib & 31; i += 1
    if ai < 24: v = ai
    else:
        n = {24: 1, 25: 2, 26: 4, 27: 8}[ai]; v = int.from_bytes(b[i:i + n], 'big'); i += n
    if mt == 0: return v, i
    if mt in (2, 3):
        s = b[i:i + v]; return (s.decode() if mt == 3 else s), i + v
    if mt == 4:
        out = []
        for _ in range(v):
            x, i = item(i); out.append(x)
        return out, i
    if mt == 5:
        out = {}
        for _ in range(v):
            k, i = item(i); x, i = item(i); out[k] = x
        return out, i
    raise SystemExit('unexpected major type %d' % mt)
m, end = item(0)
assert end == len(b)
def names(g): return [e['Name'] for e in m.get(g, [])]
keys = {(e['Name'], e['Type']) for e in m['Keys']}
assert ('factory.Sec1Key', 'ECCPrivate') in keys and ('factory.P8Key', 'ECCPrivate') in keys
assert ('factory.Sec1Key', 'ECCPublic') in keys
assert 'factory.OneCert' in names('Certificates')
assert 'factory.Chain' in names('CertificateChains')
chain = [e for e in m['CertificateChains'] if e['Name'] == 'factory.Chain'][0]
assert len(chain['DataArray']) == 2
p = {e['Name']: e['Data'] for e in m['ConfigParams']}
assert p['factory.Line'] == 'line 7 hello from the environment', p['factory.Line']
assert p['factory.Blob'] == bytes(range(256))
assert p['mbed.Manufacturer'] == 'hello from the environment'
assert 'mbed.UpdateAuthCert' in names('Certificates')
EOF

# 3. provisioned over TCP, text report with the enrollment id line
start_device eco
set +e
"$FCU" --config "$C/eco.yml" inject --endpoint-name ep-eco --serial-number SN-ECO \
  tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/inject.out" 2>&1
RC=$?
set -e
stop_device "$DEVPID"
[ $RC -eq 0 ] && ok "ecosystem configuration provisioned" || { fail "inject exit $RC"; cat "$tmp/inject.out"; }
get() { "$DEV" --store "$tmp/eco.img" get "$1" --type "$2" --out "$3" >/dev/null; }
get mbed.BootstrapDeviceCert certificate "$tmp/dev.der"
fp=$(openssl x509 -inform der -in "$tmp/dev.der" -noout -fingerprint -sha256 | sed 's/.*=//')
grep -qx "enrollment id: A-$fp" "$tmp/inject.out" && ok "enrollment id line" ||
  { fail "no line 'enrollment id: A-$fp'"; cat "$tmp/inject.out"; }

# 4. every custom item read back byte for byte
printf 'line 7 hello from the environment' >"$tmp/line.want"
check_item() { # NAME TYPE WANTFILE
  rm -f "$tmp/got"
  if get "$1" "$2" "$tmp/got" && cmp -s "$tmp/got" "$3"; then ok "device holds $1 ($2) byte for byte"
  else fail "device item $1 ($2) differs from $3"; fi
}
check_item factory.Line config "$tmp/line.want"
check_item factory.Blob config "$R/blob.bin"
check_item factory.OneCert certificate "$R/one.der"
check_item factory.Chain certificate "$tmp/cleaf.der"
check_item factory.Sec1Key private-key "$tmp/sec1.der"
check_item factory.P8Key private-key "$R/p8.der"
check_item factory.Sec1Key public-key "$tmp/pub.der"
check_item mbed.UpdateAuthCert certificate "$R/update-auth-certificate.der"

# 5. what can be wrong, one case each: CODE PARAMETER-PREFIX, then the YAML to append
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$R/p384.key" \
  -out "$R/p384.pem" -subj "/CN=P384" -days 3650 -sha256
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
  -out "$R/short.pem" -subj "/CN=Short" -days 400 -sha256
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
  -out "$R/other-ca.pem" -subj "/CN=Custom CA" -days 7300 -sha256
cat "$tmp/cleaf.pem" "$R/other-ca.pem" >"$R/badchain.pem"
ossl pkey -in "$R/sec1.pem" -out "$R/enc.pem" -aes-128-cbc -passout pass:secret
base=$(sed '/^custom-properties:/,$d' "$C/eco.yml")
case_no=0
expect_finding() { # CODE PARAM SEVERITY YAML...
  local code=$1 param=$2 sev=$3
  shift 3
  case_no=$((case_no + 1))
  { echo "$base"; printf '%s\n' "$@"; } >"$C/bad$case_no.yml"
  set +e
  "$FCU" --config "$C/bad$case_no.yml" --json validate >"$tmp/bad.json" 2>&1
  set -e
  if "$PY" - "$tmp/bad.json" "$code" "$param" "$sev" <<'EOF'; then ok "finding $code [$param] $sev"; else fail "case $case_no: no $sev $code [$param]"; cat "$tmp/bad.json"; fi
import json, sys
d = json.load(open(sys.argv[1]))
code, param, sev = int(sys.argv[2]), sys.argv[3], sys.argv[4]
hits = [f for f in d['findings'] if f['code'] == code and f['parameter'].startswith(param)
        and f['severity'] == sev]
assert hits, d
assert d['valid'] == (sev == 'warning'), d
EOF
}
unset FCU_NOT_SET_ANYWHERE
# the unset variable, named with its key
sed "s|model-number: ECO-1|model-number: <%= ENV['FCU_NOT_SET_ANYWHERE'] %>|" "$C/eco.yml" >"$C/unset.yml"
set +e
"$FCU" --config "$C/unset.yml" validate >"$tmp/unset.out" 2>&1
RC=$?
set -e
[ $RC -eq 1 ] && grep -q "error 340 \[device-info.model-number\]: .*:12:17: 'device-info.model-number' uses the environment variable FCU_NOT_SET_ANYWHERE, which is not set" "$tmp/unset.out" &&
  ok "unset variable: error 340 names the key and the variable" || { fail "unset variable"; cat "$tmp/unset.out"; }
sed "s|model-number: ECO-1|model-number: <%= ENV.fetch('X') %>|" "$C/eco.yml" >"$C/erb.yml"
set +e
"$FCU" --config "$C/erb.yml" validate >"$tmp/erb.out" 2>&1
set -e
grep -q "error 341 \[device-info.model-number\]" "$tmp/erb.out" && ok "other ERB tags: 341" || { fail "erb 341"; cat "$tmp/erb.out"; }
# today's name stays an alias; both names at once are a key given twice
sed "s|^update-auth-certificate-file:|update-authentication-certificate-file:|" "$C/eco.yml" >"$C/alias.yml"
"$FCU" --config "$C/alias.yml" validate >/dev/null 2>&1 && ok "update-authentication-certificate-file alias" || fail "alias refused"
{ cat "$C/eco.yml"; echo "update-authentication-certificate-file: $R/update-auth-certificate.der"; } >"$C/both.yml"
set +e
"$FCU" --config "$C/both.yml" validate >"$tmp/both.out" 2>&1
set -e
grep -q "error 194 \[update-authentication-certificate-file\]" "$tmp/both.out" && ok "both spellings: 194" || { fail "both spellings"; cat "$tmp/both.out"; }

cp_entry() { printf '  - name: %s\n    type: %s\n    %s\n' "$1" "$2" "$3"; }
expect_finding 343 "custom-properties[0]" error "custom-properties:" "$(cp_entry mbed.Mine config-param 'data: x')"
expect_finding 343 "custom-properties[0]" error "custom-properties:" "$(cp_entry 'bad name' config-param 'data: x')"
expect_finding 343 "custom-properties[0]" error "custom-properties:" "$(cp_entry "$(printf 'n%.0s' $(seq 1 101))" config-param 'data: x')"
expect_finding 344 "custom-properties[1]" error "custom-properties:" "$(cp_entry a.b config-param 'data: x')" "$(cp_entry a.b config-param 'data: y')"
expect_finding 195 "custom-properties[0].type" error "custom-properties:" "$(cp_entry a.b symmetric-key "data-file: $R/blob.bin")"
expect_finding 342 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b certificate 'data: x')"
expect_finding 342 "custom-properties[0]" error "custom-properties:" "  - name: a.b" "    type: config-param"
expect_finding 193 "custom-properties[0]" error "custom-properties:" "  - type: config-param" "    data: x"
expect_finding 192 "custom-properties[0].acl" error "custom-properties:" "$(cp_entry a.b config-param 'data: x')" "    acl: none"
expect_finding 196 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b config-param "data-file: $R/missing.bin")"
expect_finding 310 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b private-key "data-file: $R/p384.key")"
expect_finding 310 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b certificate "data-file: $R/p384.pem")"
expect_finding 345 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b public-key "data-file: $R/sec1.pem")"
expect_finding 345 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b private-key "data-file: $R/pub.pem")"
expect_finding 345 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b private-key "data-file: $R/enc.pem")"
expect_finding 345 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b private-key "data-file: $R/blob.bin")"
expect_finding 311 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b certificate "data-file: $R/blob.bin")"
expect_finding 318 "custom-properties[0]" error "custom-properties:" "$(cp_entry a.b certificate "data-file: $R/badchain.pem")"
expect_finding 346 "custom-properties[0]" warning "custom-properties:" "$(cp_entry a.b certificate "data-file: $R/short.pem")"
expect_finding 106 "custom-properties" error "custom-properties: 5"
expect_finding 106 "custom-properties[0]" error "custom-properties:" "  - just text"
# an expired certificate: the tool's clock moved past it
set +e
"$FCU" --config "$C/eco.yml" --time $(( $(date +%s) + 6000 * 86400 )) --json validate >"$tmp/exp.json" 2>&1
set -e
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); assert any(f['code']==327 and f['parameter']=='custom-properties[3]' for f in d['findings']), d" "$tmp/exp.json" &&
  ok "expired custom chain: 327" || { fail "expired custom certificate"; cat "$tmp/exp.json"; }

echo "fcu_ecosystem: $failures failure(s)"
[ "$failures" -eq 0 ]
