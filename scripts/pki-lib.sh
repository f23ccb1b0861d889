# SPDX-License-Identifier: Apache-2.0
# Shared by the test-PKI generators (scripts/gen-verify-vectors.sh,
# scripts/gen-verify-ext-vectors.sh; sourced, not run): the base of the `openssl ca`
# configuration and the function that issues one certificate with absolute dates, so every
# generator makes certificates the same way. The caller sets PKI_TMP (its temporary folder:
# keys as NAME.pem, the CA database) and PKI_DEST (where NAME.der goes).

# pki_ca_config FILE: writes the [ca], [CA_default] and [policy_any] sections to FILE and creates
# the CA database under $PKI_TMP/db (first serial: the second argument, default 1000). The caller
# appends its extension sections.
pki_ca_config() {
  local file=$1 serial=${2:-1000}
  cat > "$file" <<CNF
[ca]
default_ca = CA_default
[CA_default]
dir = $PKI_TMP/db
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
CNF
  mkdir -p "$PKI_TMP/db/new"
  : > "$PKI_TMP/db/index.txt"
  echo "$serial" > "$PKI_TMP/db/serial"
}

# pki_cert OUT KEY SUBJECT ISSUER(self|cert name) ISSUERKEY FROM TO EXT [MD]: issues
# $PKI_DEST/OUT.der (and $PKI_TMP/OUT.pem) for key $PKI_TMP/KEY.pem with the extension section
# EXT of $PKI_TMP/ca.cnf, valid FROM..TO (GeneralizedTime), signed with MD (default sha256).
pki_cert() {
  local out=$1 key=$2 subj=$3 issuer=$4 ikey=$5 from=$6 to=$7 ext=$8 md=${9:-sha256}
  openssl req -new -key "$PKI_TMP/$key.pem" -subj "$subj" -out "$PKI_TMP/$out.csr"
  if [ "$issuer" = self ]; then
    openssl ca -batch -config "$PKI_TMP/ca.cnf" -selfsign -keyfile "$PKI_TMP/$key.pem" \
      -md "$md" -in "$PKI_TMP/$out.csr" -startdate "$from" -enddate "$to" -extensions "$ext" \
      -notext -out "$PKI_TMP/$out.pem" 2>/dev/null
  else
    openssl ca -batch -config "$PKI_TMP/ca.cnf" -cert "$PKI_TMP/$issuer.pem" \
      -keyfile "$PKI_TMP/$ikey.pem" -md "$md" -in "$PKI_TMP/$out.csr" -startdate "$from" \
      -enddate "$to" -extensions "$ext" -notext -out "$PKI_TMP/$out.pem" 2>/dev/null
  fi
  openssl x509 -in "$PKI_TMP/$out.pem" -outform DER -out "$PKI_DEST/$out.der"
}
