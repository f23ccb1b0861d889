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

EVP_PKEY *fcu_key_generate_with(struct fcu_ca *ca)
{
    EVP_PKEY *k = NULL;
    if (!ca)
        return fcu_key_generate();
    if (!ca->keygen) {
        ca->keygen = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        if (!ca->keygen || EVP_PKEY_keygen_init(ca->keygen) <= 0 ||
            EVP_PKEY_CTX_set_group_name(ca->keygen, "P-256") <= 0) {
            EVP_PKEY_CTX_free(ca->keygen);
            ca->keygen = NULL;
            return NULL;
        }
    }
    if (EVP_PKEY_generate(ca->keygen, &k) <= 0) {
        EVP_PKEY_free(k);
        return NULL;
    }
    return k;
}

/* Uncompressed public point of an EC key (65 bytes for P-256) into buf; 0 when unavailable. */
size_t fcu_key_pub_point(EVP_PKEY *key, unsigned char *buf, size_t size)
{
    size_t n = 0;
    if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, buf, size, &n))
        return 0;
    return n;
}

bool fcu_cert_key_matches(X509 *cert, EVP_PKEY *key)
{
    unsigned char pt[160];
    size_t n = fcu_key_pub_point(key, pt, sizeof(pt));
    return fcu_cert_point_matches(cert, key, pt, n);
}

bool fcu_cert_point_matches(X509 *cert, EVP_PKEY *key, const unsigned char *pt, size_t n)
{
    const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
    if (n && bits && (size_t)bits->length == n)
        return memcmp(bits->data, pt, n) == 0;
    /* other encodings (e.g. a compressed point): compare the decoded keys */
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    bool eq = pub && EVP_PKEY_eq(key, pub) == 1;
    ERR_clear_error();
    return eq;
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

/* One certificate from `der`, which it must fill exactly (a device's parser refuses bytes after
 * the DER; OpenSSL's d2i would ignore them). */
static X509 *cert_exact(const unsigned char *der, long len, char *why, size_t size, int index)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, len);
    if (!x) {
        if (why)
            snprintf(why, size, "certificate %d is not a DER certificate", index);
        return NULL;
    }
    if (p != der + len) {
        if (why)
            snprintf(why, size, "certificate %d has %ld bytes after its DER encoding", index,
                     (long)(der + len - p));
        X509_free(x);
        return NULL;
    }
    return x;
}

STACK_OF(X509) *fcu_certs_load_why(const uint8_t *data, size_t len, bool *is_der, char *why,
                                   size_t why_size)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *bio = NULL;
    X509 *x = NULL;
    if (why)
        snprintf(why, why_size, "not a DER certificate or PEM certificate(s)");
    if (!sk || len == 0 || len > (size_t)INT32_MAX)
        goto fail;
    if (looks_pem(data, len)) {
        *is_der = false;
        bio = BIO_new_mem_buf(data, (int)len);
        if (!bio)
            goto fail;
        /* every certificate block, each decoded DER checked to the byte (blocks of another
         * kind are skipped, as PEM_read_bio_X509 does) */
        for (;;) {
            char *name = NULL, *header = NULL;
            unsigned char *der = NULL;
            long dlen = 0;
            if (!PEM_read_bio(bio, &name, &header, &der, &dlen))
                break;
            bool is_cert = strcmp(name, PEM_STRING_X509) == 0 ||
                           strcmp(name, PEM_STRING_X509_OLD) == 0;
            if (is_cert)
                x = cert_exact(der, dlen, why, why_size, sk_X509_num(sk) + 1);
            OPENSSL_free(name);
            OPENSSL_free(header);
            OPENSSL_free(der);
            if (!is_cert)
                continue;
            if (!x || !sk_X509_push(sk, x))
                goto fail;
            x = NULL;
        }
        ERR_clear_error();
        if (sk_X509_num(sk) == 0)
            goto fail;
    } else {
        *is_der = true;
        x = cert_exact(data, (long)len, why, why_size, 1);
        if (!x || !sk_X509_push(sk, x))
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

STACK_OF(X509) *fcu_certs_load(const uint8_t *data, size_t len, bool *is_der)
{
    return fcu_certs_load_why(data, len, is_der, NULL, 0);
}

/* The extensions a device's X.509 parser (mbedTLS) knows: any other one marked critical makes
 * it refuse the certificate, and it refuses any of these given twice. */
static const int device_known_ext[] = {
    NID_basic_constraints,      NID_key_usage,   NID_ext_key_usage,
    NID_subject_alt_name,       NID_netscape_cert_type, NID_certificate_policies,
    NID_subject_key_identifier, NID_authority_key_identifier};

bool fcu_cert_device_parsable(X509 *cert, char *why, size_t why_size)
{
    /* an EC public key as a compressed (or hybrid) point: the device's parser takes only the
     * uncompressed form (0x04 || X || Y) */
    const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(cert);
    ASN1_OBJECT *alg = NULL;
    if (bits && bits->length > 0 &&
        X509_PUBKEY_get0_param(&alg, NULL, NULL, NULL, X509_get_X509_PUBKEY(cert)) &&
        OBJ_obj2nid(alg) == NID_X9_62_id_ecPublicKey && bits->data[0] != 0x04) {
        snprintf(why, why_size, "its EC public key is a compressed point; the device's X.509 "
                 "parser takes only uncompressed points");
        return false;
    }
    size_t nknown = sizeof(device_known_ext) / sizeof(device_known_ext[0]);
    bool seen[sizeof(device_known_ext) / sizeof(device_known_ext[0])] = {false};
    for (int i = 0; i < X509_get_ext_count(cert); i++) {
        X509_EXTENSION *e = X509_get_ext(cert, i);
        const ASN1_OBJECT *obj = X509_EXTENSION_get_object(e);
        int nid = OBJ_obj2nid(obj);
        size_t k = 0;
        while (k < nknown && device_known_ext[k] != nid)
            k++;
        if (k == nknown) {
            if (X509_EXTENSION_get_critical(e)) {
                char oid[80];
                OBJ_obj2txt(oid, sizeof(oid), obj, 1);
                snprintf(why, why_size,
                         "it has a critical extension a device does not know (%s); the "
                         "device's X.509 parser refuses it",
                         oid);
                return false;
            }
            continue;
        }
        if (seen[k]) {
            snprintf(why, why_size, "it has the %s extension twice; a device's X.509 parser "
                     "refuses it", OBJ_nid2ln(nid));
            return false;
        }
        seen[k] = true;
        if (nid == NID_certificate_policies && X509_EXTENSION_get_critical(e)) {
            /* a critical policy other than anyPolicy cannot be enforced by the device */
            CERTIFICATEPOLICIES *pol = X509V3_EXT_d2i(e);
            bool other = !pol;
            for (int j = 0; pol && j < sk_POLICYINFO_num(pol); j++)
                if (OBJ_obj2nid(sk_POLICYINFO_value(pol, j)->policyid) != NID_any_policy)
                    other = true;
            CERTIFICATEPOLICIES_free(pol);
            ERR_clear_error();
            if (other) {
                snprintf(why, why_size, "its critical certificate policies name a policy "
                         "other than anyPolicy, which a device's X.509 parser refuses");
                return false;
            }
        }
    }
    return true;
}

/* Pass-phrase callback that gives none: without it OpenSSL asks on the terminal (or reads
 * stdin) for an encrypted key, and a factory line would wait there. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

EVP_PKEY *fcu_key_load(const uint8_t *data, size_t len)
{
    EVP_PKEY *key = NULL;
    if (len == 0 || len > (size_t)INT32_MAX)
        return NULL;
    if (looks_pem(data, len)) {
        BIO *bio = BIO_new_mem_buf(data, (int)len);
        if (bio)
            key = PEM_read_bio_PrivateKey(bio, NULL, no_pass_phrase, NULL);
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
    /* read the SubjectPublicKeyInfo's algorithm and named curve straight from the certificate */
    ASN1_OBJECT *alg = NULL;
    const void *pval = NULL;
    int ptype = 0;
    X509_ALGOR *a = NULL;
    X509_PUBKEY *spki = X509_get_X509_PUBKEY(cert);
    if (!spki || !X509_PUBKEY_get0_param(&alg, NULL, NULL, &a, spki) || !a)
        goto bad_key;
    X509_ALGOR_get0((const ASN1_OBJECT **)&alg, &ptype, &pval, a);
    if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey || ptype != V_ASN1_OBJECT ||
        OBJ_obj2nid((const ASN1_OBJECT *)pval) != NID_X9_62_prime256v1)
        goto bad_key;
    /* the TBSCertificate's algorithm (RFC 5280 makes it equal the outer one) */
    const ASN1_OBJECT *sigobj = NULL;
    X509_ALGOR_get0(&sigobj, NULL, NULL, X509_get0_tbs_sigalg(cert));
    int signid = OBJ_obj2nid(sigobj);
    int outer = X509_get_signature_nid(cert); /* NID_undef for a certificate fcu is issuing */
    if (signid != NID_ecdsa_with_SHA256 || (outer != NID_undef && outer != signid)) {
        const char *sn = OBJ_nid2ln(signid);
        snprintf(why, why_size, "it is signed with %s, not ecdsa-with-SHA256", sn ? sn : "?");
        return false;
    }
    return true;
bad_key:
    snprintf(why, why_size, "its key is not an EC key on the named curve P-256 (secp256r1)");
    return false;
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
    /* different names: not self-signed, and no need to parse every extension to know it */
    if (X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) != 0)
        return false;
    int r = X509_self_signed(cert, 1);
    ERR_clear_error();
    return r == 1;
}

bool fcu_cert_has_client_auth(X509 *cert)
{
    int crit = 0;
    bool ok = false;
    EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, NULL);
    for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++)
        if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i)) == NID_client_auth)
            ok = true;
    EXTENDED_KEY_USAGE_free(eku);
    ERR_clear_error();
    return ok;
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

/* SEC1 ECPrivateKey DER of a P-256 key, written directly:
 * SEQUENCE { INTEGER 1, OCTET STRING d (32), [0] { OID prime256v1 }, [1] { BIT STRING Q } } */
uint8_t *fcu_key_der_p256(EVP_PKEY *key, const unsigned char *pt, size_t ptlen, size_t *len)
{
    static const uint8_t curve[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x03, 0x01, 0x07};
    BIGNUM *d = NULL;
    uint8_t *out = NULL;
    if (ptlen != 65 || !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d))
        goto cleanup;
    out = malloc(121);
    if (!out)
        goto cleanup;
    uint8_t *p = out;
    *p++ = 0x30, *p++ = 119;                   /* SEQUENCE, 119 bytes */
    *p++ = 0x02, *p++ = 0x01, *p++ = 0x01;     /* version 1 */
    *p++ = 0x04, *p++ = 0x20;                  /* privateKey */
    if (BN_bn2binpad(d, p, 32) != 32) {
        free(out);
        out = NULL;
        goto cleanup;
    }
    p += 32;
    memcpy(p, curve, sizeof(curve));
    p += sizeof(curve);
    *p++ = 0xa1, *p++ = 0x44, *p++ = 0x03, *p++ = 0x42, *p++ = 0x00; /* [1] BIT STRING */
    memcpy(p, pt, 65);
    *len = 121;
cleanup:
    BN_clear_free(d);
    return out;
}

uint8_t *fcu_key_der(EVP_PKEY *key, size_t *len)
{
    unsigned char pt[65];
    if (fcu_key_is_p256(key) && fcu_key_pub_point(key, pt, sizeof(pt)) == 65) {
        uint8_t *fast = fcu_key_der_p256(key, pt, 65, len);
        if (fast)
            return fast;
    }
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

static int name_add(X509_NAME *name, int nid, const char *value)
{
    if (!value || !*value)
        return 1;
    return X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, (const unsigned char *)value, -1,
                                      -1, 0);
}

int fcu_name_add(X509_NAME *name, const fcu_subject_t *s, const char *cn, const char *ou)
{
    int ok = name_add(name, NID_countryName, s->country) &&
             name_add(name, NID_stateOrProvinceName, s->state) &&
             name_add(name, NID_localityName, s->locality) &&
             name_add(name, NID_organizationName, s->organization) &&
             name_add(name, NID_organizationalUnitName, ou ? ou : s->organizational_unit) &&
             name_add(name, NID_commonName, cn ? cn : s->common_name);
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

/* The device certificate's extensions, made once per CA. */
static STACK_OF(X509_EXTENSION) *device_exts(struct fcu_ca *ca, X509 *issuer)
{
    if (ca->dev_ext)
        return ca->dev_ext;
    static const struct {
        int nid;
        const char *value;
    } defs[] = {{NID_basic_constraints, "critical,CA:FALSE"},
                {NID_key_usage, "critical,digitalSignature"},
                {NID_ext_key_usage, "clientAuth"},
                {NID_authority_key_identifier, "keyid:always"}};
    STACK_OF(X509_EXTENSION) *sk = sk_X509_EXTENSION_new_null();
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, NULL, NULL, NULL, 0);
    for (size_t i = 0; sk && i < sizeof(defs) / sizeof(defs[0]); i++) {
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, defs[i].nid, defs[i].value);
        if (!e || !sk_X509_EXTENSION_push(sk, e)) {
            X509_EXTENSION_free(e);
            sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
            return NULL;
        }
    }
    ca->dev_ext = sk;
    return sk;
}

X509 *fcu_device_cert_issue(const fcu_ctx_t *ctx, struct fcu_ca *ca, const unsigned char *pt,
                            size_t ptlen, const char *endpoint, const char *ou,
                            int validity_years, uint8_t **der, size_t *der_len)
{
    static const uint8_t sigalg[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                     0xce, 0x3d, 0x04, 0x03, 0x02}; /* ecdsa-with-SHA256 */
    unsigned char *tbs = NULL;
    uint8_t *out = NULL;
    X509 *cert = X509_new();
    X509 *issuer = sk_X509_value(ca->chain, 0);
    const fcu_subject_t empty = {0};
    const fcu_subject_t *subj = ctx->cfg ? &ctx->cfg->dev_subject : &empty;
    int64_t days = (int64_t)validity_years * 365 + validity_years / 4 + 1;
    unsigned char *ptcopy = NULL;
    EVP_MD_CTX *mctx = NULL;
    STACK_OF(X509_EXTENSION) *exts = device_exts(ca, issuer);
    if (!cert || !issuer || !exts)
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
    if (!X509_set_issuer_name(cert, X509_get_subject_name(issuer)))
        goto fail;
    /* SubjectPublicKeyInfo from the raw point: X509_set_pubkey() would run OpenSSL 3's generic
     * encoder and decoder, which cost more than the signature itself */
    if (ptlen != 65 || !(ptcopy = OPENSSL_memdup(pt, 65)))
        goto fail;
    if (!X509_PUBKEY_set0_param(X509_get_X509_PUBKEY(cert),
                                OBJ_nid2obj(NID_X9_62_id_ecPublicKey), V_ASN1_OBJECT,
                                OBJ_nid2obj(NID_X9_62_prime256v1), ptcopy, 65))
        goto fail;
    ptcopy = NULL;
    for (int i = 0; i < sk_X509_EXTENSION_num(exts); i++)
        if (!X509_add_ext(cert, sk_X509_EXTENSION_value(exts, i), -1))
            goto fail;
    /* sign with a copy of a context prepared once (saves the algorithm fetches per call) */
    if (!ca->sign_tmpl) {
        ca->sign_tmpl = EVP_MD_CTX_new();
        if (!ca->sign_tmpl ||
            EVP_DigestSignInit(ca->sign_tmpl, NULL, EVP_sha256(), NULL, ca->key) != 1) {
            EVP_MD_CTX_free(ca->sign_tmpl);
            ca->sign_tmpl = NULL;
            goto fail;
        }
    }
    /* The TBSCertificate is encoded once, signed, and wrapped by hand:
     * Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature }.
     * (X509_sign_ctx + i2d_X509 would encode the TBSCertificate twice.) The object keeps the
     * TBS signature algorithm, so every check of the certificate's fields still runs on it. */
    if (!X509_ALGOR_set0((X509_ALGOR *)X509_get0_tbs_sigalg(cert),
                         OBJ_nid2obj(NID_ecdsa_with_SHA256), V_ASN1_UNDEF, NULL))
        goto fail;
    int tl = i2d_re_X509_tbs(cert, &tbs);
    if (tl <= 0)
        goto fail;
    unsigned char sig[80];
    size_t sl = sizeof(sig);
    mctx = EVP_MD_CTX_new();
    if (!mctx || EVP_MD_CTX_copy_ex(mctx, ca->sign_tmpl) != 1 ||
        EVP_DigestSign(mctx, sig, &sl, tbs, (size_t)tl) != 1 || sl > 120)
        goto fail;
    size_t content = (size_t)tl + sizeof(sigalg) + 3 + sl;
    out = malloc(content + 4);
    if (!out || content > 0xffff)
        goto fail;
    size_t p = 0;
    out[p++] = 0x30;
    if (content < 0x80) {
        out[p++] = (uint8_t)content;
    } else if (content <= 0xff) {
        out[p++] = 0x81;
        out[p++] = (uint8_t)content;
    } else {
        out[p++] = 0x82;
        out[p++] = (uint8_t)(content >> 8);
        out[p++] = (uint8_t)content;
    }
    memcpy(out + p, tbs, (size_t)tl);
    p += (size_t)tl;
    memcpy(out + p, sigalg, sizeof(sigalg));
    p += sizeof(sigalg);
    out[p++] = 0x03;
    out[p++] = (uint8_t)(sl + 1);
    out[p++] = 0x00;
    memcpy(out + p, sig, sl);
    p += sl;
    *der = out;
    *der_len = p;
    OPENSSL_free(tbs);
    EVP_MD_CTX_free(mctx);
    return cert;
fail:
    free(out);
    OPENSSL_free(tbs);
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(ptcopy);
    ERR_clear_error();
    X509_free(cert);
    return NULL;
}

bool fcu_cert_path_ok(X509 *cert, bool issuer, int below, char *why, size_t why_size)
{
    int crit = 0;
    BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(cert, NID_basic_constraints, &crit, NULL);
    bool ca = bc && bc->ca;
    long pathlen = -1;
    if (bc && bc->ca && bc->pathlen)
        pathlen = ASN1_INTEGER_get(bc->pathlen);
    BASIC_CONSTRAINTS_free(bc);
    ASN1_BIT_STRING *ku = X509_get_ext_d2i(cert, NID_key_usage, &crit, NULL);
    bool has_ku = ku != NULL;
    bool cert_sign = ku && ASN1_BIT_STRING_get_bit(ku, 5);
    bool dig_sign = ku && ASN1_BIT_STRING_get_bit(ku, 0);
    ASN1_BIT_STRING_free(ku);
    ERR_clear_error();
    if (issuer) {
        if (!ca) {
            snprintf(why, why_size, "it issues a certificate of the chain but is not a CA "
                     "(no basicConstraints CA:TRUE)");
            return false;
        }
        if (has_ku && !cert_sign) {
            snprintf(why, why_size, "it issues a certificate of the chain but its key usage "
                     "lacks keyCertSign");
            return false;
        }
        if (pathlen >= 0 && below > pathlen) {
            snprintf(why, why_size, "its path length constraint allows %ld CA certificate%s "
                     "below it; the chain has %d",
                     pathlen, pathlen == 1 ? "" : "s", below);
            return false;
        }
        return true;
    }
    if (ca) {
        snprintf(why, why_size, "it is a CA (basicConstraints CA:TRUE); a server refuses a CA "
                 "as a client certificate");
        return false;
    }
    if (has_ku && !dig_sign) {
        snprintf(why, why_size, "its key usage lacks digitalSignature, which a client "
                 "certificate needs to sign the handshake");
        return false;
    }
    return true;
}

bool fcu_cert_subject_raw_eq(X509 *cert, int nid, const char *want)
{
    X509_NAME *name = X509_get_subject_name(cert);
    int idx = X509_NAME_get_index_by_NID(name, nid, -1);
    if (idx < 0)
        return false;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
    size_t n = strlen(want);
    return s && (size_t)ASN1_STRING_length(s) == n &&
           memcmp(ASN1_STRING_get0_data(s), want, n) == 0;
}
