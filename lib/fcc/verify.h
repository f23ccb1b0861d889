/* SPDX-License-Identifier: Apache-2.0 */
/* Pure helpers of the device verification (verify.c): URI and query parsing, the UTC offset
 * format, and checks on parsed X.509 certificates and DER keys. None of them touches KCM or the
 * output info, so the unit tests call them directly on buffers. Internal to lib/fcc. */
#ifndef FCC_VERIFY_H
#define FCC_VERIFY_H

#include <mbedtls/x509_crt.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Ten years as the reference counts them (10 * 365 days), seconds. */
#define FCC_VERIFY_TEN_YEARS 315360000
/* Tolerance of the not-yet-valid check, seconds (clock skew between tool and device). */
#define FCC_VERIFY_CLOCK_SKEW 60

/* ---- URI (uri.c) ---- */

/* True when the `len` bytes at `uri` begin with "coap://" or "coaps://" (case-sensitive, as
 * the reference). Reads only; no terminator needed. */
bool fcc_uri_scheme_ok(const uint8_t *uri, size_t len);

/* True when the authority of a coap:// or coaps:// URI can name a server to connect to (wire
 * contract section 8 point 11, docs/verify.md): the authority (after "//", up to '/', '?', '#'
 * or the end) has no userinfo ('@'), a non-empty host, an IPv6 literal only in brackets with
 * nothing but hex digits, ':' and '.' inside (and at least one ':'), an unbracketed host without
 * ':', and when a ':' follows the host, a port of 1 to 5 digits with the value 1..65535. Only
 * called after fcc_uri_scheme_ok. */
bool fcc_uri_authority_ok(const uint8_t *uri, size_t len);

/* Looks up the query parameter `name` (terminated string) in a URI: the query is what follows
 * the first '?' up to '#' or the end; parameters are separated by '&'; a parameter is `key` or
 * `key=value`. On a match *val / *val_len point into `uri` at the value (length 0 for `key` or
 * `key=`). Returns 1 when found once, 0 when absent (or no query), -1 when the name appears more
 * than once (ambiguous). */
int fcc_uri_query_param(const uint8_t *uri, size_t len, const char *name, const uint8_t **val,
                        size_t *val_len);

/* ---- UTC offset (uri.c) ---- */

/* True when `s` (len bytes, no terminator) is a sign, two digits, a colon, two digits, e.g.
 * "+05:30". With `check_range`, also minutes 00..59 and the offset within -12:00..+14:00. */
bool fcc_utc_offset_ok(const uint8_t *s, size_t len, bool check_range);

/* ---- Certificates (verify_cert.c) ---- */

/* Seconds since the epoch of an mbedTLS X.509 time (UTC, proleptic Gregorian). */
int64_t fcc_x509_time_to_epoch(const mbedtls_x509_time *t);

/* Result bits of fcc_cert_dates(). */
#define FCC_DATE_TIME_UNKNOWN 0x1u /* now == 0: nothing else checked */
#define FCC_DATE_EXPIRED 0x2u      /* now > valid-to */
#define FCC_DATE_NOT_YET_VALID 0x4u /* now + FCC_VERIFY_CLOCK_SKEW < valid-from */
#define FCC_DATE_LESS_10Y 0x8u     /* valid-to - now < FCC_VERIFY_TEN_YEARS */

/* Classifies a certificate's validity period against the device time `now` (epoch seconds,
 * 0 = unknown). Returns an OR of FCC_DATE_* bits, 0 when all is well. */
unsigned fcc_cert_dates(const mbedtls_x509_crt *crt, int64_t now);

typedef enum fcc_eku {
    FCC_EKU_CLIENT_AUTH = 0, /* the extension lists id-kp-clientAuth */
    FCC_EKU_ABSENT = 1,      /* no extended-key-usage extension */
    FCC_EKU_ANY = 2,         /* lists anyExtendedKeyUsage (and not clientAuth) */
    FCC_EKU_OTHER = 3        /* lists only other purposes */
} fcc_eku_t;

/* What the extended-key-usage extension of `crt` says about clientAuth. */
fcc_eku_t fcc_cert_eku(const mbedtls_x509_crt *crt);

/* Finds the first subject attribute with the given OID (e.g. MBEDTLS_OID_AT_CN, length from
 * MBEDTLS_OID_SIZE). *val / *val_len point into `crt`. Returns 0 when found, -1 when absent. */
int fcc_cert_subject_attr(const mbedtls_x509_crt *crt, const char *oid, size_t oid_len,
                          const uint8_t **val, size_t *val_len);

/* Certificate-path rules a server applies during the handshake (RFC 5280 4.2.1.9 and 4.2.1.3).
 * fcc_cert_is_ca: basicConstraints present with cA TRUE. fcc_cert_may_sign_certs: a CA whose
 * keyUsage, when present, has keyCertSign. fcc_cert_pathlen_ok: `issuer`, the certificate at
 * position `pos` (1 = the leaf's issuer) of a leaf-first chain, allows the pos-1 CA certificates
 * below it by its pathLenConstraint (none: any number). */
bool fcc_cert_is_ca(const mbedtls_x509_crt *crt);
bool fcc_cert_may_sign_certs(const mbedtls_x509_crt *crt);
bool fcc_cert_pathlen_ok(const mbedtls_x509_crt *issuer, size_t pos);

/* True when the certificate's public key is an EC key on secp256r1 (P-256). */
bool fcc_cert_key_is_p256(const mbedtls_x509_crt *crt);

/* Strict mode's algorithm rule (wire contract section 8 point 8): 0 when the DER certificate
 * der[0..len) is signed with ecdsa-with-SHA256 and, unless `any_key`, carries a P-256 key; -1
 * otherwise (or when it does not parse). Other algorithms are stored by default. */
int fcc_cert_algs_strict_ok(const uint8_t *der, size_t len, bool any_key);

/* Checks that `parent`'s public key verifies `child`'s signature over its TBS part. Does not
 * look at names or dates. Returns 0 when it verifies, -1 otherwise. */
int fcc_cert_signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent);

/* True when the certificate is self-signed: issuer name equals subject name and its own key
 * verifies its signature. */
bool fcc_cert_self_signed(const mbedtls_x509_crt *crt);

/* Compares the certificate's public key with the private key parsed into `key` (EC: same curve
 * and the same public point; other types: mbedtls_pk_check_pair). Returns 0 when they form a
 * pair, -1 otherwise. */
int fcc_cert_matches_key(const mbedtls_x509_crt *crt, const mbedtls_pk_context *key);

#endif /* FCC_VERIFY_H */
