#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the extra PKI of issue 11 (tests/data/verify/ext/): server CAs and chains with keys
# or signatures other than P-256 / ecdsa-with-SHA256 (stored by default, refused by a strict
# device), a CA with an unknown critical extension (refused by the store), and device chains that break a certificate-path rule a server checks during the
# handshake (an issuer without CA:TRUE or keyCertSign, a leaf that is a CA, a path-length
# constraint exceeded), plus a CA and a device certificate issued in the same second. Every
# device certificate uses tests/data/verify/key_leaf.der, so the vectors store that key. Fixed
# dates around the device time 2030-01-01T00:00:00Z, as scripts/gen-verify-vectors.sh. The
# output is committed; rerunning changes the bytes (random keys and signatures), not the
# properties the vectors test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
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

PKI_TMP=$tmp
PKI_DEST="$dest"
# shellcheck source=scripts/pki-lib.sh
. "$here/pki-lib.sh"
pki_ca_config "$tmp/ca.cnf" 2000
cat >> "$tmp/ca.cnf" <<CNF
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
[unknown_crit]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
1.3.6.1.4.1.99999.1 = critical,ASN1:UTF8String:unknown
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[leaf_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,digitalSignature,keyCertSign
extendedKeyUsage = clientAuth
CNF

DN="/O=Verify Test/OU=acc0123/CN=ep-1"

# Server CAs with other algorithms (section 8 point 8).
pki_cert ca_p384 k_p384 "/O=Verify Test/CN=P-384 Server CA" self k_p384 $FROM $TO ca_ext sha384
pki_cert ca_rsa  k_rsa  "/O=Verify Test/CN=RSA Server CA"   self k_rsa  $FROM $TO ca_ext sha256
# A P-256 CA signed with ecdsa-with-SHA384 (key fine, signature not).
pki_cert ca_sha384 k_root "/O=Verify Test/CN=SHA-384 Server CA" self k_root $FROM $TO ca_ext sha384
# A server CA with an unknown critical extension: the device cannot parse it (mbedTLS refuses
# unknown critical extensions), so the store refuses it (18 Certificate parse failed:).
pki_cert ca_unknown_crit k_root "/O=Verify Test/CN=Unknown Critical CA" self k_root $FROM $TO unknown_crit
# A device chain issued by the P-384 CA: leaf (P-256 key, signed ecdsa-with-SHA384), CA.
pki_cert leaf_by_p384 key_leaf "$DN" ca_p384 k_p384 $LFROM $LTO leaf sha384

# A P-256 hierarchy of our own: root -> int -> leaf (all in order).
pki_cert root k_root "/O=Verify Test/CN=Ext Root CA" self k_root $FROM $TO ca_ext
pki_cert int  k_int  "/O=Verify Test/CN=Ext Device CA" root k_root 20290101000000Z 20650101000000Z ca_ext
pki_cert leaf key_leaf "$DN" int k_int $LFROM $LTO leaf
# Same second: a CA and the device certificate it issued with the same valid-from.
pki_cert int_same  k_int  "/O=Verify Test/CN=Ext Same CA" root k_root $LFROM 20650101000000Z ca_ext
pki_cert leaf_same key_leaf "$DN" int_same k_int $LFROM $LTO leaf
# Issuers that may not issue: CA:FALSE, no basicConstraints, no keyCertSign.
pki_cert int_noca k_int "/O=Verify Test/CN=Ext Not A CA" root k_root 20290101000000Z 20650101000000Z noca
pki_cert leaf_noca key_leaf "$DN" int_noca k_int $LFROM $LTO leaf
pki_cert int_nobc k_int "/O=Verify Test/CN=Ext No BC" root k_root 20290101000000Z 20650101000000Z nobc
pki_cert leaf_nobc key_leaf "$DN" int_nobc k_int $LFROM $LTO leaf
pki_cert int_noku k_int "/O=Verify Test/CN=Ext No KU" root k_root 20290101000000Z 20650101000000Z noku
pki_cert leaf_noku key_leaf "$DN" int_noku k_int $LFROM $LTO leaf
# A leaf that is a CA.
pki_cert leaf_is_ca key_leaf "$DN" int k_int $LFROM $LTO leaf_ca
# Path length: root with pathlen:0 -> int (a CA below it: exceeded) -> leaf.
pki_cert root_pl0 k_root "/O=Verify Test/CN=Ext Root PL0" self k_root $FROM $TO ca_pl0
pki_cert int_pl k_int "/O=Verify Test/CN=Ext PL Device CA" root_pl0 k_root 20290101000000Z 20650101000000Z ca_ext
pki_cert leaf_pl key_leaf "$DN" int_pl k_int $LFROM $LTO leaf
echo "wrote $(ls "$dest" | wc -l) files to $dest"
