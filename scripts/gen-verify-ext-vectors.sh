#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the extra PKI of issue 11 (tests/data/verify/ext/): server CAs and chains with keys
# or signatures other than P-256 / ecdsa-with-SHA256 (stored by default, refused by a strict
# device), and device chains that break a certificate-path rule a server checks during the
# handshake (an issuer without CA:TRUE or keyCertSign, a leaf that is a CA, a path-length
# constraint exceeded), plus a CA and a device certificate issued in the same second. Every
# device certificate uses tests/data/verify/key_leaf.der, so the vectors store that key. Fixed
# dates around the device time 2030-01-01T00:00:00Z, as scripts/gen-verify-vectors.sh. The
# output is committed; rerunning changes the bytes (random keys and signatures), not the
# properties the vectors test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$root/tests/data/verify/ext}"
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

FROM=20280101000000Z; TO=20700101000000Z
LFROM=20290601000000Z; LTO=20600101000000Z
openssl ec -inform DER -in "$root/tests/data/verify/key_leaf.der" -out "$tmp/key_leaf.pem" 2>/dev/null

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" \
             -pkeyopt ec_param_enc:named_curve -out "$tmp/$1.pem" 2>/dev/null; }
ec_key k_root prime256v1
ec_key k_int prime256v1
ec_key k_p384 secp384r1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/k_rsa.pem" 2>/dev/null

cat > "$tmp/ca.cnf" <<CNF
[ca]
default_ca = CA_default
[CA_default]
dir = $tmp/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/new
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
preserve = yes
[policy_any]
organizationName = optional
organizationalUnitName = optional
commonName = optional
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[ca_pl0]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
[noca]
basicConstraints = critical,CA:FALSE
keyUsage = critical,keyCertSign,digitalSignature
[nobc]
keyUsage = critical,keyCertSign,digitalSignature
[noku]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,cRLSign
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[leaf_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = clientAuth
CNF
mkdir -p "$tmp/db/new"
: > "$tmp/db/index.txt"
echo 2000 > "$tmp/db/serial"

# cert OUT KEY SUBJECT ISSUER(self|cert) ISSUERKEY FROM TO EXT [MD]
cert() {
  local out=$1 key=$2 subj=$3 issuer=$4 ikey=$5 from=$6 to=$7 ext=$8 md=${9:-sha256}
  openssl req -new -key "$tmp/$key.pem" -subj "$subj" -out "$tmp/$out.csr"
  if [ "$issuer" = self ]; then
    openssl ca -batch -config "$tmp/ca.cnf" -selfsign -keyfile "$tmp/$key.pem" -md "$md" \
      -in "$tmp/$out.csr" -startdate "$from" -enddate "$to" -extensions "$ext" -notext \
      -out "$tmp/$out.pem" 2>/dev/null
  else
    openssl ca -batch -config "$tmp/ca.cnf" -cert "$tmp/$issuer.pem" -keyfile "$tmp/$ikey.pem" \
      -md "$md" -in "$tmp/$out.csr" -startdate "$from" -enddate "$to" -extensions "$ext" \
      -notext -out "$tmp/$out.pem" 2>/dev/null
  fi
  openssl x509 -in "$tmp/$out.pem" -outform DER -out "$dest/$out.der"
}
DN="/O=Verify Test/OU=acc0123/CN=ep-1"

# Server CAs with other algorithms (section 8 point 8).
cert ca_p384 k_p384 "/O=Verify Test/CN=P-384 Server CA" self k_p384 $FROM $TO ca_ext sha384
cert ca_rsa  k_rsa  "/O=Verify Test/CN=RSA Server CA"   self k_rsa  $FROM $TO ca_ext sha256
# A P-256 CA signed with ecdsa-with-SHA384 (key fine, signature not).
cert ca_sha384 k_root "/O=Verify Test/CN=SHA-384 Server CA" self k_root $FROM $TO ca_ext sha384
# A device chain issued by the P-384 CA: leaf (P-256 key, signed ecdsa-with-SHA384), CA.
cert leaf_by_p384 key_leaf "$DN" ca_p384 k_p384 $LFROM $LTO leaf sha384

# A P-256 hierarchy of our own: root -> int -> leaf (all in order).
cert root k_root "/O=Verify Test/CN=Ext Root CA" self k_root $FROM $TO ca_ext
cert int  k_int  "/O=Verify Test/CN=Ext Device CA" root k_root 20290101000000Z 20650101000000Z ca_ext
cert leaf key_leaf "$DN" int k_int $LFROM $LTO leaf
# Same second: a CA and the device certificate it issued with the same valid-from.
cert int_same  k_int  "/O=Verify Test/CN=Ext Same CA" root k_root $LFROM 20650101000000Z ca_ext
cert leaf_same key_leaf "$DN" int_same k_int $LFROM $LTO leaf
# Issuers that may not issue: CA:FALSE, no basicConstraints, no keyCertSign.
cert int_noca k_int "/O=Verify Test/CN=Ext Not A CA" root k_root 20290101000000Z 20650101000000Z noca
cert leaf_noca key_leaf "$DN" int_noca k_int $LFROM $LTO leaf
cert int_nobc k_int "/O=Verify Test/CN=Ext No BC" root k_root 20290101000000Z 20650101000000Z nobc
cert leaf_nobc key_leaf "$DN" int_nobc k_int $LFROM $LTO leaf
cert int_noku k_int "/O=Verify Test/CN=Ext No KU" root k_root 20290101000000Z 20650101000000Z noku
cert leaf_noku key_leaf "$DN" int_noku k_int $LFROM $LTO leaf
# A leaf that is a CA.
cert leaf_is_ca key_leaf "$DN" int k_int $LFROM $LTO leaf_ca
# Path length: root with pathlen:0 -> int (a CA below it: exceeded) -> leaf.
cert root_pl0 k_root "/O=Verify Test/CN=Ext Root PL0" self k_root $FROM $TO ca_pl0
cert int_pl k_int "/O=Verify Test/CN=Ext PL Device CA" root_pl0 k_root 20290101000000Z 20650101000000Z ca_ext
cert leaf_pl key_leaf "$DN" int_pl k_int $LFROM $LTO leaf
echo "wrote $(ls "$dest" | wc -l) files to $dest"
