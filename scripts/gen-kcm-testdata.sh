#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the keys and certificates the KCM tests use (tests/data/kcm/): EC P-256 keys in DER
# (SEC1 and PKCS#8) and PEM, a P-384 and an RSA key (refused by KCM), and a three-certificate
# chain root -> intermediate -> leaf plus an unrelated CA, valid for 100 years so the checked-in
# files never expire. The output is committed; rerun only to change the data (tests compare
# nothing against fixed bytes, so regenerated files work as well).
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/tests/data/kcm}"
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
days=36500

ec_key() { # name curve
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -pkeyopt ec_param_enc:named_curve \
    -out "$tmp/$1.pem" 2>/dev/null
  openssl ec -in "$tmp/$1.pem" -outform DER -out "$1.der" 2>/dev/null          # SEC1
  openssl pkcs8 -topk8 -nocrypt -in "$tmp/$1.pem" -outform DER -out "$1_pkcs8.der"
  openssl ec -in "$tmp/$1.pem" -pubout -outform DER -out "pub_${1#key_}.der" 2>/dev/null
}

ec_key key_p256 prime256v1
ec_key key_p384 secp384r1
ec_key key_root prime256v1
ec_key key_inter prime256v1
ec_key key_other prime256v1
openssl ec -in "$tmp/key_p256.pem" -out key_p256.pem 2>/dev/null                # PEM (refused)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rsa.pem" 2>/dev/null
openssl pkey -in "$tmp/rsa.pem" -outform DER -out key_rsa.der
openssl pkey -in "$tmp/rsa.pem" -pubout -outform DER -out pub_rsa.der

pem_of() { openssl pkey -inform DER -in "$1" -out "$tmp/$(basename "$1" .der).key.pem"; \
           echo "$tmp/$(basename "$1" .der).key.pem"; }

cat > "$tmp/ext.cnf" <<'CNF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectKeyIdentifier=hash
CNF

openssl req -new -x509 -key "$(pem_of key_root.der)" -sha256 -days $days -subj "/O=KCM Test/CN=KCM Test Root" \
  -extensions ca -config "$tmp/ext.cnf" -outform DER -out cert_root.der
openssl req -new -x509 -key "$(pem_of key_other.der)" -sha256 -days $days -subj "/O=KCM Test/CN=KCM Other Root" \
  -extensions ca -config "$tmp/ext.cnf" -outform DER -out cert_other.der
openssl x509 -inform DER -in cert_root.der -out "$tmp/root.pem"
openssl req -new -key "$(pem_of key_inter.der)" -subj "/O=KCM Test/CN=KCM Test Intermediate" -out "$tmp/inter.csr"
openssl x509 -req -in "$tmp/inter.csr" -CA "$tmp/root.pem" -CAkey "$tmp/key_root.key.pem" -set_serial 2 \
  -sha256 -days $days -extfile "$tmp/ext.cnf" -extensions ca -outform DER -out cert_inter.der 2>/dev/null
openssl x509 -inform DER -in cert_inter.der -out "$tmp/inter.pem"
openssl req -new -key "$(pem_of key_p256.der)" -subj "/O=KCM Test/OU=aid-test/CN=kcm-device-1" -out "$tmp/leaf.csr"
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/inter.pem" -CAkey "$tmp/key_inter.key.pem" -set_serial 3 \
  -sha256 -days $days -extfile "$tmp/ext.cnf" -extensions leaf -outform DER -out cert_leaf.der 2>/dev/null
# A certificate in PEM (refused: KCM takes DER only).
openssl x509 -inform DER -in cert_leaf.der -out cert_leaf.pem
rm -f key_root_pkcs8.der key_inter_pkcs8.der key_other_pkcs8.der pub_root.der pub_inter.der pub_other.der
ls -l "$out"
