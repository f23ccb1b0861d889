#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the PKI that the device-verification vectors use (tests/data/verify/): keys and
# certificates with FIXED absolute validity dates chosen around the device time the vectors pass
# in (2030-01-01T00:00:00Z = 1893456000), so the checked-in files never expire. `openssl ca`
# is used because OpenSSL 3.0's `x509` cannot set an absolute notBefore. The output is
# committed; rerun only to change the data (ECDSA signatures are randomised, so the bytes change
# but every property the vectors test stays the same).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/tests/data/verify}"
mkdir -p "$out"
cd "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Dates (GeneralizedTime for every one, so none depends on the UTCTime 2049 cut-over).
ROOT_FROM=20280101000000Z;   ROOT_TO=20700101000000Z
INT_FROM=20290101000000Z;    INT_TO=20650101000000Z
LEAF_FROM=20290601000000Z;   LEAF_TO=20600101000000Z

ec_key() { # name curve -> name.der (SEC1 DER) and $tmp/name.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"$2" -pkeyopt ec_param_enc:named_curve \
    -out "$tmp/$1.pem" 2>/dev/null
  openssl ec -in "$tmp/$1.pem" -outform DER -out "$1.der" 2>/dev/null
}
rsa_key() { # name
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/$1.pem" 2>/dev/null
  openssl pkey -in "$tmp/$1.pem" -outform DER -out "$1.der"
}

PKI_TMP=$tmp
PKI_DEST=.
# shellcheck source=scripts/pki-lib.sh
. "$here/pki-lib.sh"
pki_ca_config "$tmp/ca.cnf"
cat >> "$tmp/ca.cnf" <<CNF
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
[leaf_noeku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
subjectKeyIdentifier = hash
[leaf_anyeku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = anyExtendedKeyUsage
subjectKeyIdentifier = hash
[leaf_servereku]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,codeSigning
subjectKeyIdentifier = hash
CNF


# Keys.
for k in key_root key_int key_leaf key_other key_server_ca key_server_ca2 key_update \
         key_c1 key_c2 key_c3 key_c4 key_c5; do
  ec_key $k prime256v1
done
ec_key key_p384 secp384r1
rsa_key key_rsa

# Device PKI: root -> intermediate -> leaves.
pki_cert root key_root "/O=Verify Test/CN=Verify Root CA" self key_root $ROOT_FROM $ROOT_TO ca_ext
pki_cert int key_int "/O=Verify Test/CN=Verify Device CA" root key_root $INT_FROM $INT_TO ca_ext
pki_cert int_other key_other "/O=Verify Test/CN=Verify Device CA" root key_root $INT_FROM $INT_TO ca_ext

DN="/O=Verify Test/OU=acc0123/CN=ep-1"
pki_cert leaf          key_leaf  "$DN" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_p384     key_p384  "$DN" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_rsa      key_rsa   "$DN" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_otherkey key_other "$DN" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_noeku    key_leaf  "$DN" int key_int $LEAF_FROM $LEAF_TO leaf_noeku
pki_cert leaf_anyeku   key_leaf  "$DN" int key_int $LEAF_FROM $LEAF_TO leaf_anyeku
pki_cert leaf_servereku key_leaf "$DN" int key_int $LEAF_FROM $LEAF_TO leaf_servereku
pki_cert leaf_cn_bad   key_leaf  "/O=Verify Test/OU=acc0123/CN=ep-10" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_no_cn    key_leaf  "/O=Verify Test/OU=acc0123" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_ou_bad   key_leaf  "/O=Verify Test/OU=acc0124/CN=ep-1" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_no_ou    key_leaf  "/O=Verify Test/CN=ep-1" int key_int $LEAF_FROM $LEAF_TO leaf
pki_cert leaf_expired  key_leaf  "$DN" int key_int 20290601000000Z 20291231235959Z leaf
pki_cert leaf_notyet   key_leaf  "$DN" int key_int 20300601000000Z $LEAF_TO leaf
pki_cert leaf_skew     key_leaf  "$DN" int key_int 20300101000030Z $LEAF_TO leaf   # within 60 s
pki_cert leaf_skew_out key_leaf  "$DN" int key_int 20300101000101Z $LEAF_TO leaf   # 61 s ahead
pki_cert leaf_9y       key_leaf  "$DN" int key_int $LEAF_FROM 20381201000000Z leaf
pki_cert leaf_early    key_leaf  "$DN" int key_int 20281201000000Z $LEAF_TO leaf   # before its CA
pki_cert leaf_self     key_leaf  "$DN" self key_leaf $LEAF_FROM $LEAF_TO leaf

# Broken signature: flip one byte inside the ECDSA signature value (the DER still parses).
cp leaf.der leaf_badsig.der
size=$(stat -c %s leaf_badsig.der)
pos=$((size - 8))
orig=$(od -An -tu1 -j $pos -N1 leaf_badsig.der | tr -d ' ')
printf "$(printf '\\%03o' $(( orig ^ 0x01 )))" | dd of=leaf_badsig.der bs=1 seek=$pos conv=notrunc 2>/dev/null

# Server CAs (bootstrap and LwM2M use different ones; a second one for CA-identifier mismatch).
pki_cert server_ca  key_server_ca  "/O=Verify Test/CN=Verify Server CA" self key_server_ca $ROOT_FROM $ROOT_TO ca_ext
pki_cert server_ca2 key_server_ca2 "/O=Verify Test/CN=Verify Server CA 2" self key_server_ca2 $ROOT_FROM $ROOT_TO ca_ext
# Firmware update authentication certificates.
pki_cert update     key_update "/O=Verify Test/CN=Verify Update" self key_update $ROOT_FROM $ROOT_TO ca_ext
pki_cert update_9y  key_update "/O=Verify Test/CN=Verify Update" self key_update $ROOT_FROM 20381201000000Z ca_ext
pki_cert update_expired key_update "/O=Verify Test/CN=Verify Update" self key_update 20200101000000Z 20291201000000Z ca_ext

# A chain of 6: root -> c1 -> c2 -> c3 -> c4 -> c5 (leaf-first order: c5 c4 c3 c2 c1 root).
pki_cert c1 key_c1 "/O=Verify Test/CN=Chain 1" root key_root $INT_FROM $INT_TO ca_ext
pki_cert c2 key_c2 "/O=Verify Test/CN=Chain 2" c1 key_c1 $INT_FROM $INT_TO ca_ext
pki_cert c3 key_c3 "/O=Verify Test/CN=Chain 3" c2 key_c2 $INT_FROM $INT_TO ca_ext
pki_cert c4 key_c4 "/O=Verify Test/CN=Chain 4" c3 key_c3 $INT_FROM $INT_TO ca_ext
pki_cert c5 key_leaf "$DN" c4 key_c4 $LEAF_FROM $LEAF_TO leaf

# Only the keys a vector stores stay in the folder.
rm -f key_root.der key_int.der key_server_ca.der key_server_ca2.der key_update.der \
      key_c1.der key_c2.der key_c3.der key_c4.der key_c5.der
echo "wrote $(ls | wc -l) files to $out"
