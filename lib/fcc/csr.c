/* SPDX-License-Identifier: Apache-2.0 */
/* Device-side key generation for CSR requests (wire contract section 2, `CsrReqs`): a P-256 key
 * pair made with the port's RNG, stored in KCM as factory items, and a PKCS#10 request signed
 * with it (subject, SHA-256, key usage and extended key usage extensions) built with mbedTLS's
 * x509write_csr. Also the check that a certificate matches a device-generated private key
 * (`PrKN` of Certificates and CertificateChains). mbedTLS allocates its own bignums; our code
 * allocates nothing and wipes every key byte it handles. */
#include "bundle_priv.h"

#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <string.h>
#include "fcc_psa.h"

/* Contract KU bits -> X.509 keyUsage bits (mbedTLS constants). */
static unsigned char ku_bits(uint32_t ku)
{
    unsigned char v = 0;
    if (ku & 1u)
        v |= MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    if (ku & 2u)
        v |= MBEDTLS_X509_KU_NON_REPUDIATION;
    if (ku & 4u)
        v |= MBEDTLS_X509_KU_KEY_CERT_SIGN;
    if (ku & 8u)
        v |= MBEDTLS_X509_KU_KEY_AGREEMENT;
    return v;
}

/* extKeyUsage purposes, in contract bit order. */
static const struct {
    uint32_t bit;
    unsigned char oid[8];
    unsigned char oid_len;
} eku_oids[] = {
    {1u << 0, {0x55, 0x1d, 0x25, 0x00}, 4},                         /* anyExtendedKeyUsage */
    {1u << 1, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01}, 8}, /* serverAuth */
    {1u << 2, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02}, 8}, /* clientAuth */
    {1u << 3, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03}, 8}, /* codeSigning */
    {1u << 4, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04}, 8}, /* emailProtection */
    {1u << 8, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08}, 8}, /* timeStamping */
    {1u << 9, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09}, 8}, /* OCSPSigning */
};

/* DER of ExtKeyUsageSyntax (SEQUENCE OF OID) for `eku` into out (at least 80 bytes).
 * Returns its length. */
static size_t eku_der(uint32_t eku, unsigned char *out)
{
    size_t n = 2, i;
    for (i = 0; i < sizeof(eku_oids) / sizeof(eku_oids[0]); i++) {
        if (!(eku & eku_oids[i].bit))
            continue;
        out[n++] = MBEDTLS_ASN1_OID;
        out[n++] = eku_oids[i].oid_len;
        memcpy(out + n, eku_oids[i].oid, eku_oids[i].oid_len);
        n += eku_oids[i].oid_len;
    }
    out[0] = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
    out[1] = (unsigned char)(n - 2);
    return n;
}

static int kcm_fail(fcc_t *fcc, kcm_status_t st, const uint8_t *name, size_t name_len)
{
    return fcc_bundle_fail(fcc, (int)kcm_to_fcc_status(st), kcm_status_message(st), name,
                           name_len);
}

/* Records an error on the request's key name (sanitised) and yields the status. */
#define FAIL(code) fcc_bundle_fail(fcc, (code), NULL, req->name, req->name_len)

int fcc_csr_generate(fcc_t *fcc, const fcc_csr_req_t *req, uint8_t *work, size_t size,
                     const uint8_t **der, size_t *der_len)
{
    int status = FCC_STATUS_KCM_CRYPTO_ERROR;
    mbedtls_pk_context pk;
    mbedtls_x509write_csr csr;
    char subj[FCC_CSR_SUBJ_MAX + 1];
    unsigned char ext[80];
    kcm_status_t kst;
    int n;

    mbedtls_pk_init(&pk);
    mbedtls_x509write_csr_init(&csr);
    *der = NULL;
    *der_len = 0;
    if (req->subj_len == 0 || req->subj_len > FCC_CSR_SUBJ_MAX ||
        memchr(req->subj, 0, req->subj_len) != NULL) {
        status = FAIL(FCC_STATUS_BUNDLE_ERROR);
        goto cleanup;
    }
    memcpy(subj, req->subj, req->subj_len);
    subj[req->subj_len] = '\0';

    if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), fcc->port.rng,
                            fcc->port.ctx) != 0) {
        status = FAIL(FCC_STATUS_KCM_CRYPTO_ERROR);
        goto cleanup;
    }

    /* Private key: SEC1 DER at the end of work, stored, wiped. */
    n = mbedtls_pk_write_key_der(&pk, work, size);
    if (n <= 0) {
        status = FAIL(FCC_STATUS_BUNDLE_RESPONSE_ERROR);
        goto cleanup;
    }
    kst = kcm_item_store(fcc->kcm, req->name, req->name_len, KCM_PRIVATE_KEY, true,
                         work + size - (size_t)n, (size_t)n);
    mbedtls_platform_zeroize(work + size - (size_t)n, (size_t)n);
    if (kst != KCM_OK) {
        status = kcm_fail(fcc, kst, req->name, req->name_len);
        goto cleanup;
    }
    if (req->store_pub) {
        n = mbedtls_pk_write_pubkey_der(&pk, work, size);
        if (n <= 0) {
            status = FAIL(FCC_STATUS_BUNDLE_RESPONSE_ERROR);
            goto cleanup;
        }
        kst = kcm_item_store(fcc->kcm, req->name, req->name_len, KCM_PUBLIC_KEY, true,
                             work + size - (size_t)n, (size_t)n);
        if (kst != KCM_OK) {
            status = kcm_fail(fcc, kst, req->name, req->name_len);
            goto cleanup;
        }
    }

    mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&csr, &pk);
    if (mbedtls_x509write_csr_set_subject_name(&csr, subj) != 0) {
        status = FAIL(FCC_STATUS_BUNDLE_ERROR);
        goto cleanup;
    }
    if (req->ku != 0 && mbedtls_x509write_csr_set_key_usage(&csr, ku_bits(req->ku)) != 0)
        goto crypto_error;
    if (req->eku != 0) {
        size_t len = eku_der(req->eku, ext);
        if (mbedtls_x509write_csr_set_extension(&csr, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
                                                0, ext, len) != 0)
            goto crypto_error;
    }
    n = mbedtls_x509write_csr_der(&csr, work, size, fcc->port.rng, fcc->port.ctx);
    if (n == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL) {
        status = FAIL(FCC_STATUS_BUNDLE_RESPONSE_ERROR);
        goto cleanup;
    }
    if (n <= 0)
        goto crypto_error;
    *der = work + size - (size_t)n;
    *der_len = (size_t)n;
    status = FCC_STATUS_SUCCESS;
    goto cleanup;

crypto_error:
    status = FAIL(FCC_STATUS_KCM_CRYPTO_ERROR);
cleanup:
    mbedtls_x509write_csr_free(&csr);
    mbedtls_pk_free(&pk);
    mbedtls_platform_zeroize(subj, sizeof(subj));
    return status;
}

int fcc_csr_match_key(fcc_t *fcc, const uint8_t *cert, size_t cert_len, const uint8_t *key_name,
                      size_t key_name_len, uint8_t *work, size_t size)
{
    int status = FCC_STATUS_ERROR;
    mbedtls_pk_context key;
    mbedtls_x509_crt crt;
    size_t len = 0;
    kcm_status_t kst;

    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&crt);
    kst = kcm_item_get_data(fcc->kcm, key_name, key_name_len, KCM_PRIVATE_KEY, work, size, &len);
    if (kst == KCM_ERR_NOT_FOUND || kst == KCM_ERR_NAME_INVALID || kst == KCM_ERR_NAME_TOO_LONG) {
        status = FCC_STATUS_ITEM_NOT_EXIST;
        goto cleanup;
    }
    if (kst != KCM_OK) {
        status = (int)kcm_to_fcc_status(kst);
        goto cleanup;
    }
    if (fcc_psa_ready() != 0 ||
        mbedtls_pk_parse_key(&key, work, len, NULL, 0, fcc_psa_rng, FCC_PSA_RNG_CTX) != 0) {
        status = FCC_STATUS_KCM_CRYPTO_ERROR;
        goto cleanup;
    }
    if (mbedtls_x509_crt_parse_der(&crt, cert, cert_len) != 0) {
        status = FCC_STATUS_INVALID_CERTIFICATE;
        goto cleanup;
    }
    status = mbedtls_pk_check_pair(&crt.pk, &key, fcc_psa_rng, FCC_PSA_RNG_CTX) == 0
                 ? FCC_STATUS_SUCCESS
                 : FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR;
cleanup:
    mbedtls_platform_zeroize(work, len < size ? len : size);
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&key);
    return status;
}
