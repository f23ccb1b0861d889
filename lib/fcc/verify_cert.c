/* SPDX-License-Identifier: Apache-2.0 */
/* Certificate checks of the device verification, on certificates mbedTLS has parsed: validity
 * dates against the device clock (never the host clock), extended key usage, subject
 * attributes, key type, chain-link signatures, self-signature and key-pair correlation. Kept
 * apart from the KCM walk in verify.c so that unit tests can drive them with DER files. */
#include "verify.h"

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include <string.h>
#include "fcc_psa.h"

/* mbedTLS 3 makes these certificate fields private (MBEDTLS_PRIVATE); 2.28 has no such macro. */
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2 ? 1 : 0;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t fcc_x509_time_to_epoch(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 +
           (int64_t)t->min * 60 + t->sec;
}

unsigned fcc_cert_dates(const mbedtls_x509_crt *crt, int64_t now)
{
    unsigned r = 0;
    int64_t from = fcc_x509_time_to_epoch(&crt->valid_from);
    int64_t to = fcc_x509_time_to_epoch(&crt->valid_to);

    if (now == 0)
        return FCC_DATE_TIME_UNKNOWN;
    if (now > to)
        return FCC_DATE_EXPIRED;
    if (now + FCC_VERIFY_CLOCK_SKEW < from)
        r |= FCC_DATE_NOT_YET_VALID;
    if (to - now < FCC_VERIFY_TEN_YEARS)
        r |= FCC_DATE_LESS_10Y;
    return r;
}

static bool oid_is(const mbedtls_x509_buf *buf, const char *oid, size_t oid_len)
{
    return buf->len == oid_len && memcmp(buf->p, oid, oid_len) == 0;
}

fcc_eku_t fcc_cert_eku(const mbedtls_x509_crt *crt)
{
    bool any = false;
    const mbedtls_x509_sequence *s;

    if (!mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE))
        return FCC_EKU_ABSENT;
    for (s = &crt->ext_key_usage; s != NULL; s = s->next) {
        if (s->buf.p == NULL)
            continue;
        if (oid_is(&s->buf, MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)))
            return FCC_EKU_CLIENT_AUTH;
        if (oid_is(&s->buf, MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE,
                   MBEDTLS_OID_SIZE(MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE)))
            any = true;
    }
    return any ? FCC_EKU_ANY : FCC_EKU_OTHER;
}

int fcc_cert_subject_attr(const mbedtls_x509_crt *crt, const char *oid, size_t oid_len,
                          const uint8_t **val, size_t *val_len)
{
    const mbedtls_x509_name *n;
    for (n = &crt->subject; n != NULL; n = n->next) {
        if (n->oid.p != NULL && oid_is(&n->oid, oid, oid_len)) {
            *val = n->val.p;
            *val_len = n->val.len;
            return 0;
        }
    }
    return -1;
}

static bool is_ec(const mbedtls_pk_context *pk);

bool fcc_cert_is_ca(const mbedtls_x509_crt *crt)
{
    return (crt->MBEDTLS_PRIVATE(ext_types) & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) != 0 &&
           crt->MBEDTLS_PRIVATE(ca_istrue) != 0;
}

bool fcc_cert_may_sign_certs(const mbedtls_x509_crt *crt)
{
    /* 0 when the extension is absent or allows the usage. */
    return fcc_cert_is_ca(crt) &&
           mbedtls_x509_crt_check_key_usage(crt, MBEDTLS_X509_KU_KEY_CERT_SIGN) == 0;
}

bool fcc_cert_pathlen_ok(const mbedtls_x509_crt *issuer, size_t pos)
{
    /* mbedTLS keeps pathLenConstraint + 1, or 0 when there is none. */
    int max = issuer->MBEDTLS_PRIVATE(max_pathlen);
    if (max <= 0)
        return true;
    return pos - 1 <= (size_t)(max - 1);
}

bool fcc_cert_key_is_p256(const mbedtls_x509_crt *crt)
{
    if (!is_ec(&crt->pk))
        return false;
    return mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(crt->pk)) == MBEDTLS_ECP_DP_SECP256R1;
}

int fcc_cert_algs_strict_ok(const uint8_t *der, size_t len, bool any_key)
{
    mbedtls_x509_crt crt;
    int ret = -1;

    mbedtls_x509_crt_init(&crt);
    if (mbedtls_x509_crt_parse_der(&crt, der, len) == 0 &&
        crt.MBEDTLS_PRIVATE(sig_pk) == MBEDTLS_PK_ECDSA &&
        crt.MBEDTLS_PRIVATE(sig_md) == MBEDTLS_MD_SHA256 &&
        (any_key || fcc_cert_key_is_p256(&crt)))
        ret = 0;
    mbedtls_x509_crt_free(&crt);
    return ret;
}

int fcc_cert_signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent)
{
    return fcc_x509_check_signature(child, &parent->pk);
}

bool fcc_cert_self_signed(const mbedtls_x509_crt *crt)
{
    if (crt->subject_raw.len != crt->issuer_raw.len ||
        memcmp(crt->subject_raw.p, crt->issuer_raw.p, crt->issuer_raw.len) != 0)
        return false;
    return fcc_cert_signed_by(crt, crt) == 0;
}

static bool is_ec(const mbedtls_pk_context *pk)
{
    mbedtls_pk_type_t t = mbedtls_pk_get_type(pk);
    return t == MBEDTLS_PK_ECKEY || t == MBEDTLS_PK_ECKEY_DH || t == MBEDTLS_PK_ECDSA;
}

int fcc_cert_matches_key(const mbedtls_x509_crt *crt, const mbedtls_pk_context *key)
{
    const mbedtls_ecp_keypair *c, *k;

    if (!is_ec(&crt->pk) || !is_ec(key))
        return mbedtls_pk_check_pair(&crt->pk, key, fcc_psa_rng, FCC_PSA_RNG_CTX) == 0 ? 0 : -1;
    /* EC: compare the certificate's point with the key's public point. mbedtls_pk_parse_key
     * always fills that point (from the DER, or d*G when the DER omits it), and KCM checked
     * Q == d*G when it stored the key; recomputing d*G here (mbedtls_pk_check_pair) would cost
     * a full scalar multiplication, a third of the whole verification. */
    c = mbedtls_pk_ec(crt->pk);
    k = mbedtls_pk_ec(*key);
    if (c == NULL || k == NULL ||
        mbedtls_ecp_keypair_get_group_id(c) != mbedtls_ecp_keypair_get_group_id(k))
        return -1;
    return mbedtls_ecp_point_cmp(&c->MBEDTLS_PRIVATE(Q), &k->MBEDTLS_PRIVATE(Q)) == 0 ? 0 : -1;
}
