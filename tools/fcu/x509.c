/* SPDX-License-Identifier: Apache-2.0 */
/* X.509 and key helpers of fcu over OpenSSL 3 (EVP and X509 APIs only): P-256 key generation,
 * loading PEM/DER certificates and keys, the crypto-scheme check, subject fields, and issuing a
 * device certificate signed by the FCU CA. */
#include "fcu.h"
#include "fcu_int.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

EVP_PKEY *fcu_key_generate(void)
{
    return EVP_EC_gen("P-256");
}

bool fcu_key_is_p256(EVP_PKEY *key)
{
    char group[64];
    size_t glen = 0;
    if (!key || !EVP_PKEY_is_a(key, "EC"))
        return false;
    if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                        &glen))
        return false;
    return strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0 ||
           strcmp(group, "secp256r1") == 0;
}

static bool looks_pem(const uint8_t *data, size_t len)
{
    static const char tag[] = "-----BEGIN";
    for (size_t i = 0; i + sizeof(tag) - 1 <= len && i < 4096; i++)
        if (memcmp(data + i, tag, sizeof(tag) - 1) == 0)
            return true;
    return false;
}

STACK_OF(X509) *fcu_certs_load(const uint8_t *data, size_t len, bool *is_der)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *bio = NULL;
    X509 *x = NULL;
    if (!sk || len == 0 || len > (size_t)INT32_MAX)
        goto fail;
    if (looks_pem(data, len)) {
        *is_der = false;
        bio = BIO_new_mem_buf(data, (int)len);
        if (!bio)
            goto fail;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
            if (!sk_X509_push(sk, x))
                goto fail;
            x = NULL;
        }
        ERR_clear_error();
        if (sk_X509_num(sk) == 0)
            goto fail;
    } else {
        *is_der = true;
        const unsigned char *p = data;
        x = d2i_X509(NULL, &p, (long)len);
        if (!x || p != data + len)
            goto fail;
        if (!sk_X509_push(sk, x))
            goto fail;
        x = NULL;
    }
    BIO_free(bio);
    return sk;
fail:
    X509_free(x);
    BIO_free(bio);
    sk_X509_pop_free(sk, X509_free);
    ERR_clear_error();
    return NULL;
}

EVP_PKEY *fcu_key_load(const uint8_t *data, size_t len)
{
    EVP_PKEY *key = NULL;
    if (len == 0 || len > (size_t)INT32_MAX)
        return NULL;
    if (looks_pem(data, len)) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (bio)
            key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = data;
        key = d2i_AutoPrivateKey(NULL, &p, (long)len);
        if (key && p != data + len) {
            EVP_PKEY_free(key);
            key = NULL;
        }
    }
    ERR_clear_error();
    return key;
}

bool fcu_cert_scheme_ok(X509 *cert, char *why, size_t why_size)
{
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    if (!fcu_key_is_p256(pub)) {
        snprintf(why, why_size, "its key is not an EC key on P-256 (secp256r1)");
        return false;
    }
    if (X509_get_signature_nid(cert) != NID_ecdsa_with_SHA256) {
        const char *sn = OBJ_nid2ln(X509_get_signature_nid(cert));
        snprintf(why, why_size, "it is signed with %s, not ecdsa-with-SHA256", sn ? sn : "?");
        return false;
    }
    return true;
}

int64_t fcu_asn1_time_epoch(const ASN1_TIME *t)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

bool fcu_cert_subject_field(X509 *cert, int nid, char *buf, size_t size)
{
    X509_NAME *name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0)
        return false;
    ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0)
        return false;
    snprintf(buf, size, "%.*s", n, (const char *)utf8);
    OPENSSL_free(utf8);
    return true;
}

bool fcu_cert_self_signed(X509 *cert)
{
    int r = X509_self_signed(cert, 1);
    ERR_clear_error();
    return r == 1;
}

uint8_t *fcu_cert_der(X509 *cert, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_X509(cert, &der);
    if (n <= 0)
        return NULL;
    uint8_t *out = malloc((size_t)n);
    if (out)
        memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    *len = (size_t)n;
    return out;
}

uint8_t *fcu_key_der(EVP_PKEY *key, size_t *len)
{
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(key, &der);
    if (n <= 0)
        return NULL;
    uint8_t *out = malloc((size_t)n);
    if (out)
        memcpy(out, der, (size_t)n);
    OPENSSL_clear_free(der, (size_t)n);
    *len = (size_t)n;
    return out;
}

bool fcu_uri_aid(const char *uri, char *buf, size_t size)
{
    const char *q = strchr(uri, '?');
    if (!q)
        return false;
    for (const char *p = q + 1; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n >= 4 && strncmp(p, "aid=", 4) == 0) {
            snprintf(buf, size, "%.*s", (int)(n - 4), p + 4);
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

static int name_add(X509_NAME *name, const char *field, const char *value)
{
    if (!value || !*value)
        return 1;
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, (const unsigned char *)value,
                                      -1, -1, 0);
}

int fcu_name_add(X509_NAME *name, const fcu_subject_t *s, const char *cn, const char *ou)
{
    int ok = name_add(name, "C", s->country) && name_add(name, "ST", s->state) &&
             name_add(name, "L", s->locality) && name_add(name, "O", s->organization) &&
             name_add(name, "OU", ou ? ou : s->organizational_unit) &&
             name_add(name, "CN", cn ? cn : s->common_name);
    return ok ? 0 : -1;
}

int fcu_cert_random_serial(X509 *cert)
{
    int rc = -1;
    BIGNUM *bn = BN_new();
    ASN1_INTEGER *ai = NULL;
    /* 127 random bits with the top one set: positive, at least 64 bits, never zero. */
    if (!bn || !BN_rand(bn, 127, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY))
        goto cleanup;
    ai = BN_to_ASN1_INTEGER(bn, NULL);
    if (!ai || !X509_set_serialNumber(cert, ai))
        goto cleanup;
    rc = 0;
cleanup:
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return rc;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

X509 *fcu_device_cert_issue(const fcu_ctx_t *ctx, const struct fcu_ca *ca, EVP_PKEY *devkey,
                            const char *endpoint, const char *ou, int validity_years)
{
    X509 *cert = X509_new();
    X509 *issuer = sk_X509_value(ca->chain, 0);
    const fcu_subject_t empty = {0};
    const fcu_subject_t *subj = ctx->cfg ? &ctx->cfg->dev_subject : &empty;
    int64_t days = (int64_t)validity_years * 365 + validity_years / 4 + 1;
    if (!cert || !issuer)
        goto fail;
    if (!X509_set_version(cert, X509_VERSION_3) || fcu_cert_random_serial(cert) != 0)
        goto fail;
    if (!ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)ctx->now) ||
        !ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)(ctx->now + days * 86400)))
        goto fail;
    fcu_subject_t s = *subj;
    s.organizational_unit = NULL; /* the OU is the aid, or nothing */
    if (fcu_name_add(X509_get_subject_name(cert), &s, endpoint, ou) != 0)
        goto fail;
    if (!X509_set_issuer_name(cert, X509_get_subject_name(issuer)) ||
        !X509_set_pubkey(cert, devkey))
        goto fail;
    if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature") != 0 ||
        add_ext(cert, issuer, NID_ext_key_usage, "clientAuth") != 0 ||
        add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") != 0)
        goto fail;
    if (X509_sign(cert, ca->key, EVP_sha256()) <= 0)
        goto fail;
    return cert;
fail:
    ERR_clear_error();
    X509_free(cert);
    return NULL;
}
