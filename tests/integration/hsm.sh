#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The FCU CA key in a PKCS#11 token, end to end with SoftHSM2 on a token created in a temporary
# folder: `fcu setup --ca-key-uri` generates the key in the token, fcu signs every device
# certificate there (bundle, inject, batch --parallel 4, by_device), devices accept the result, errors name
# what is wrong (wrong PIN, missing token, missing key object, module not found, key not P-256,
# PIN written in the URI), and no file under the FCU home holds a private key.
# Usage: hsm.sh FCU FCC_DEVICE
set -euo pipefail
FCU=$1
DEV=$2
FAKE=
here=$(cd "$(dirname "$0")" && pwd)
. "$here/line_lib.sh"

if ! command -v softhsm2-util >/dev/null 2>&1; then
  echo "FAIL: softhsm2-util missing (scripts/install-deps.sh installs softhsm2)"
  exit 1
fi

# A private SoftHSM2 token store; the p11-kit proxy (fcu's default module) loads SoftHSM2
# through its registration, and SOFTHSM2_CONF points SoftHSM2 at this folder.
mkdir -p "$tmp/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$tmp/tokens" >"$tmp/softhsm2.conf"
export SOFTHSM2_CONF=$tmp/softhsm2.conf
softhsm2-util --init-token --free --label fcu-line --pin 246810 --so-pin 13579 >/dev/null
softhsm2-util --init-token --free --label other --pin 1111 --so-pin 2222 >/dev/null
SOFTHSM_LIB=$(ls /usr/lib/*/softhsm/libsofthsm2.so 2>/dev/null | head -n 1)

# The line tests' FCU home (configurations for every mode), but the CA made in the token.
make_home
rm -rf "$home/keystore"
export FCU_HOME_DIR=$home FCU_STATION_ID=station-hsm
URI="pkcs11:token=fcu-line;object=fcu-ca"

# 1. errors before anything exists, each naming what is wrong
expect_err() { # expect_err WHAT CODE TEXT -- command...
  local what=$1 code=$2 text=$3
  shift 4
  local rc=0
  "$@" >"$tmp/err.out" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && grep -q "$code" "$tmp/err.out" && grep -qi -- "$text" "$tmp/err.out"; then
    ok "$what: exit $rc, $(grep -m1 "$code" "$tmp/err.out")"
  else
    fail "$what: exit $rc, expected $code / '$text': $(cat "$tmp/err.out")"
  fi
}
expect_err "missing token" 362 "no token matches" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "pkcs11:token=no-such-token;object=fcu-ca"
expect_err "wrong PIN at setup" 363 "wrong PIN" -- \
  env FCU_PKCS11_PIN=000000 "$FCU" setup --ca-key-uri "$URI"
expect_err "no PIN" 363 "FCU_PKCS11_PIN" -- env -u FCU_PKCS11_PIN "$FCU" setup --ca-key-uri "$URI"
expect_err "PIN in the URI" 360 "pin-value" -- \
  "$FCU" setup --ca-key-uri "$URI?pin-value=246810"
expect_err "URI without an object" 360 "names no key object" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "pkcs11:token=fcu-line"
[ ! -e "$home/keystore/fcu.crt" ] && ok "nothing set up after the errors" || fail "fcu.crt written"

# a module that does not exist, named by the configuration
sed 's|^certificate-authority:|certificate-authority:\n  pkcs11-module-path: /nonexistent/pkcs11.so|' \
  "$home/config/bs.yml" >"$home/config/badmod.yml"
expect_err "module not found" "19[6]\|361" "/nonexistent/pkcs11.so" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" --config "$home/config/badmod.yml" setup --ca-key-uri "$URI"

expect_err "module not found (URI module-path)" 361 "not found" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "$URI?module-path=/nonexistent/p11.so"
printf 'not a module\n' >"$tmp/notamodule.so"
expect_err "module not loadable" 361 "cannot be loaded" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "$URI?module-path=$tmp/notamodule.so"

# a key that exists but is not P-256 (made with the module directly)
if command -v pkcs11-tool >/dev/null 2>&1 && [ -n "$SOFTHSM_LIB" ]; then
  pkcs11-tool --module "$SOFTHSM_LIB" --token-label fcu-line --login --pin 246810 \
    --keypairgen --key-type EC:secp384r1 --label p384-key --id 0384 >/dev/null 2>&1
  expect_err "key not P-256" 221 "not an EC key on P-256" -- \
    env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "pkcs11:token=fcu-line;object=p384-key"
fi

# 2. setup in the token: the key is generated there; keystore/ holds the certificate and the URI
FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "$URI" >"$tmp/setup.out" 2>&1 ||
  fail "setup in the token: $(cat "$tmp/setup.out")"
grep -q "generated the CA key in the token" "$tmp/setup.out" && ok "setup generated the key in the token" ||
  fail "setup: $(cat "$tmp/setup.out")"
ls "$home/keystore" | sort | tr '\n' ' ' >"$tmp/ks"
[ "$(cat "$tmp/ks")" = "fcu.crt fcu_private_key.uri " ] && ok "keystore: $(cat "$tmp/ks")" ||
  fail "keystore holds: $(cat "$tmp/ks")"
# the CA certificate's key is the token's public key
SOFTHSM_OUT=$(softhsm2-util --show-slots | grep -c 'Label: *fcu-line' || true)
[ "$SOFTHSM_OUT" -ge 1 ] || fail "token vanished"

# a second setup without --force refuses; a pin-source file works as well as the environment
expect_err "second setup refused" "exists" "use --force" -- \
  env FCU_PKCS11_PIN=246810 "$FCU" setup --ca-key-uri "$URI"
printf '246810\n' >"$tmp/pin.txt"
env -u FCU_PKCS11_PIN "$FCU" --config "$home/config/bs.yml" validate >"$tmp/v0.out" 2>&1 && fail "validate without a PIN passed" ||
  ok "validate without a PIN refused"
sed "s|^certificate-authority:|certificate-authority:\n  private-key-uri: \"$URI?pin-source=file:$tmp/pin.txt\"|" \
  "$home/config/bs.yml" >"$home/config/pinfile.yml"
env -u FCU_PKCS11_PIN "$FCU" --config "$home/config/pinfile.yml" validate >"$tmp/v1.out" 2>&1 &&
  ok "validate with pin-source=file:" || fail "validate with pin-source: $(cat "$tmp/v1.out")"

export FCU_PKCS11_PIN=246810
expect_err "wrong PIN at validate" 363 "wrong PIN" -- env FCU_PKCS11_PIN=135790 "$FCU" validate
# the key object missing (deleted from the token) is named as such: use another token's URI
printf 'pkcs11:token=other;object=fcu-ca\n' >"$tmp/other.uri"
cp "$home/keystore/fcu_private_key.uri" "$tmp/good.uri"
cp "$tmp/other.uri" "$home/keystore/fcu_private_key.uri"
expect_err "key object missing" 364 "no private key 'fcu-ca' on token 'other'" -- \
  env FCU_PKCS11_PIN=1111 "$FCU" validate
cp "$tmp/good.uri" "$home/keystore/fcu_private_key.uri"

# 3. bundles signed in the token: the device certificate verifies against fcu.crt
"$FCU" --time 1893456000 bundle --endpoint-name hsm-b1 --serial-number SN-H1 -o "$tmp/b1.cbor" >/dev/null 2>&1 ||
  fail "bundle with the token key"
"$PY" -c "
import cbor2,sys
b=cbor2.load(open(sys.argv[1],'rb'))
for c in b.get('Certificates',[])+b.get('CertificateChains',[]):
    if c['Name']=='mbed.BootstrapDeviceCert':
        open(sys.argv[2],'wb').write(c.get('Data') or c['DataArray'][0])
" "$tmp/b1.cbor" "$tmp/b1.der"
openssl x509 -inform der -in "$tmp/b1.der" -out "$tmp/b1.pem"
openssl verify -attime 1893456100 -CAfile "$home/keystore/fcu.crt" "$tmp/b1.pem" >/dev/null 2>&1 &&
  ok "device certificate signed by the token's CA key" || fail "device certificate does not verify"
"$DEV" --store "$tmp/b1.img" --time 1893456000 apply "$tmp/b1.cbor" >"$tmp/b1.apply" 2>&1 &&
  ok "fcc-device applies the bundle" || fail "apply: $(cat "$tmp/b1.apply")"

# 4. inject (by_tool) over TCP
start_device hsm-i1
"$FCU" inject --endpoint-name hsm-i1 --serial-number SN-HI1 tcp --ip 127.0.0.1 --port "$PORT" \
  >"$tmp/i1.out" 2>&1 && ok "inject with the token key" || fail "inject: $(cat "$tmp/i1.out")"
stop_device "$DEVPID"
"$DEV" --store "$tmp/hsm-i1.img" get mbed.BootstrapDeviceCert --out "$tmp/i1.der" >/dev/null
openssl x509 -inform der -in "$tmp/i1.der" -out "$tmp/i1.pem"
openssl verify -CAfile "$home/keystore/fcu.crt" "$tmp/i1.pem" >/dev/null 2>&1 &&
  ok "the device holds a certificate signed in the token" || fail "injected certificate does not verify"

# 5. batch of 20 with --parallel 4: the workers share the token key
csv=$tmp/devices.csv
echo "endpoint_name,serial_number,address" >"$csv"
for i in $(seq -w 1 20); do launch_device "hsm-d$i"; done
for i in $(seq -w 1 20); do
  attach_device "hsm-d$i"
  echo "hsm-d$i,SN-HD$i,tcp:127.0.0.1:$PORT" >>"$csv"
done
rc=0
"$FCU" batch --devices "$csv" --parallel 4 --progress lines >"$tmp/batch.out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] && ok "batch of 20, --parallel 4: exit 0" || fail "batch exit $rc: $(tail -5 "$tmp/batch.out")"
[ "$(grep -c '^ok ' "$tmp/batch.out")" -eq 20 ] && ok "20 devices provisioned" ||
  fail "$(grep -c '^ok ' "$tmp/batch.out") ok lines"
bad=0
for i in $(seq -w 1 20); do
  "$DEV" --store "$tmp/hsm-d$i.img" get mbed.BootstrapDeviceCert --out "$tmp/d.der" >/dev/null 2>&1 || { bad=$((bad + 1)); continue; }
  openssl x509 -inform der -in "$tmp/d.der" -out "$tmp/d.pem" 2>/dev/null
  openssl verify -CAfile "$home/keystore/fcu.crt" "$tmp/d.pem" >/dev/null 2>&1 || bad=$((bad + 1))
done
[ "$bad" -eq 0 ] && ok "all 20 certificates verify against the CA" || fail "$bad devices without a valid certificate"

# 5b. by_device: the device makes its key, the token's CA key certifies the device's CSR
sed 's/^device-key-generation-mode: by_tool$/device-key-generation-mode: by_device/' \
  "$home/config/bs.yml" >"$home/config/bydev.yml"
start_device hsm-bd1
"$FCU" --config "$home/config/bydev.yml" inject --endpoint-name hsm-bd1 --serial-number SN-HBD1 \
  tcp --ip 127.0.0.1 --port "$PORT" >"$tmp/bd1.out" 2>&1 && ok "by_device inject with the token key" ||
  fail "by_device inject: $(cat "$tmp/bd1.out")"
stop_device "$DEVPID"
"$DEV" --store "$tmp/hsm-bd1.img" get mbed.BootstrapDeviceCert --out "$tmp/bd1.der" >/dev/null 2>&1 &&
  openssl x509 -inform der -in "$tmp/bd1.der" -out "$tmp/bd1.pem" 2>/dev/null &&
  openssl verify -CAfile "$home/keystore/fcu.crt" "$tmp/bd1.pem" >/dev/null 2>&1 &&
  ok "by_device: the device's certificate is signed in the token" || fail "by_device certificate"

# 6. an intermediate CA: the CSR is signed in the token, the certificate installed, bundles made
home2=$tmp/home2
mkdir -p "$home2/config"
cp "$home/config/bootstrap-ca.der" "$home2/config/"
{ echo "setup-ca-as-intermediate: true"; echo "device-certificate-chain-depth: 2"; cat "$home/config/bs.yml"; } >"$home2/config/fcu.yml"
URI2="pkcs11:token=fcu-line;object=fcu-ca-2"
FCU_HOME_DIR=$home2 "$FCU" setup --ca-key-uri "$URI2" >"$tmp/s2.out" 2>&1 &&
  [ -f "$home2/keystore/fcu.csr" ] && ok "intermediate: CSR made with the token key" ||
  fail "intermediate setup: $(cat "$tmp/s2.out")"
openssl req -in "$home2/keystore/fcu.csr" -verify -noout >/dev/null 2>&1 &&
  ok "intermediate: the CSR's signature verifies" || fail "CSR signature"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/root.key" \
  -out "$tmp/root.pem" -subj "/CN=HSM Test Root" -days 20000 -sha256 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tmp/ca.ext"
openssl x509 -req -in "$home2/keystore/fcu.csr" -CA "$tmp/root.pem" -CAkey "$tmp/root.key" \
  -CAcreateserial -days 15000 -sha256 -extfile "$tmp/ca.ext" -out "$tmp/fcuca2.pem" 2>/dev/null
cat "$tmp/fcuca2.pem" "$tmp/root.pem" >"$tmp/chain2.pem"
FCU_HOME_DIR=$home2 "$FCU" setup --install-ca "$tmp/chain2.pem" >"$tmp/i2.out" 2>&1 &&
  ok "intermediate: certificate installed over the token key" || fail "install-ca: $(cat "$tmp/i2.out")"
FCU_HOME_DIR=$home2 "$FCU" --time 1893456000 bundle --endpoint-name hsm-c1 --serial-number SN-C1 \
  -o "$tmp/c1.cbor" >"$tmp/c1.out" 2>&1 && "$DEV" --store "$tmp/c1.img" --time 1893456000 apply "$tmp/c1.cbor" >>"$tmp/c1.out" 2>&1 &&
  ok "intermediate: bundle signed in the token, applied" || fail "intermediate bundle: $(cat "$tmp/c1.out")"

# 7. no file under the FCU home holds a private key
leaks=0
while IFS= read -r -d '' f; do
  if grep -q "PRIVATE KEY" "$f" 2>/dev/null || openssl pkey -in "$f" -noout 2>/dev/null ||
     openssl pkey -inform der -in "$f" -noout 2>/dev/null; then
    echo "private key material in $f"
    leaks=$((leaks + 1))
  fi
done < <(find "$home" "$home2" -type f -print0)
[ "$leaks" -eq 0 ] && ok "no file under the FCU home holds a private key ($(find "$home" "$home2" -type f | wc -l) files checked)" ||
  fail "$leaks files hold a private key"

echo
[ "$failures" -eq 0 ] && { echo "hsm: all checks passed"; exit 0; }
echo "hsm: $failures checks failed"
exit 1
