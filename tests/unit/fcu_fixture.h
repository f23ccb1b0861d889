/* SPDX-License-Identifier: Apache-2.0 */
/* Fixtures of the fcu tests: a temporary FCU home with a CA made by `fcu setup`, server CA
 * certificates, configuration files written from a base plus overrides, and device folders of
 * externally supplied keys and certificates made with OpenSSL, each property selectable so that
 * every validation row can be broken on purpose. Header-only, shared by the fcu unit and
 * integration tests. */
#ifndef FCU_FIXTURE_H
#define FCU_FIXTURE_H

#include "fcu.h"
#include "fcu_int.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FX_AID_BS "0123456789abcdef0123456789abcdef"
#define FX_AID_LW "fedcba9876543210fedcba9876543210"
#define FX_URI_BS "coaps://bootstrap.example.com:5684?aid=" FX_AID_BS
#define FX_URI_FTC "coaps://bootstrap.example.com:5684"
#define FX_URI_LW "coaps://lwm2m.example.com:5684?aid=" FX_AID_LW
#define FX_YEAR (365LL * 86400)

typedef enum { FX_BS = 0, FX_BS_FTC = 1, FX_LW = 2 } fx_mode_t;

/* What a fixture certificate looks like. Zero = a good device certificate. */
typedef struct fx_cert {
    const char *cn, *ou;
    int64_t nb, na;         /* absolute epoch; 0 = default */
    int eku;                /* 0 clientAuth, 1 none, 2 serverAuth only */
    bool p384;              /* key on P-384 */
    bool sha384;            /* signed with ecdsa-with-SHA384 */
    bool self_signed;
    bool ca;                /* basicConstraints CA:TRUE, keyCertSign */
    bool crit_ext;          /* an unknown extension marked critical */
    int ca_flaw;            /* with ca: 1 no basicConstraints, 2 keyUsage without keyCertSign,
                               3 pathlen:0 */
    bool bmp_cn;            /* the CN as a BMPString (UTF-16BE) instead of a UTF8String */
    bool compressed;        /* the public key as a compressed point */
} fx_cert_t;

static int64_t fx_now;
static char fx_root[512];

static inline EVP_PKEY *fx_key(bool p384)
{
    return EVP_EC_gen(p384 ? "P-384" : "P-256");
}

static inline int fx_ext(X509 *c, X509 *issuer, int nid, const char *v)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, v);
    if (!e)
        return -1;
    int ok = X509_add_ext(c, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

/* Makes a certificate for `key`, signed by ikey/issuer (or itself). */
static inline X509 *fx_cert(const fx_cert_t *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
    X509 *c = X509_new();
    BIGNUM *bn = BN_new();
    BN_rand(bn, 80, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
    ASN1_INTEGER *sn = BN_to_ASN1_INTEGER(bn, NULL);
    X509_set_serialNumber(c, sn);
    ASN1_INTEGER_free(sn);
    BN_free(bn);
    X509_set_version(c, X509_VERSION_3);
    ASN1_TIME_set(X509_getm_notBefore(c), (time_t)(s->nb ? s->nb : fx_now - 60));
    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)(s->na ? s->na : fx_now + 20 * FX_YEAR));
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Fixture", -1, -1, 0);
    if (s->ou)
        X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_UTF8, (const unsigned char *)s->ou, -1, -1,
                                   0);
    if (s->cn && s->bmp_cn) {
        unsigned char bmp[256];
        size_t k = 0;
        for (const char *q = s->cn; *q && k + 2 <= sizeof(bmp); q++) {
            bmp[k++] = 0;
            bmp[k++] = (unsigned char)*q;
        }
        X509_NAME_add_entry_by_NID(n, NID_commonName, V_ASN1_BMPSTRING, bmp, (int)k, -1, 0);
    } else if (s->cn) {
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)s->cn, -1, -1,
                                   0);
    }
    if (s->compressed) {
        EVP_PKEY *dup = EVP_PKEY_dup(key);
        EVP_PKEY_set_utf8_string_param(dup, "point-format", "compressed");
        X509_set_pubkey(c, dup);
        EVP_PKEY_free(dup);
    } else {
        X509_set_pubkey(c, key);
    }
    bool self = s->self_signed || !issuer;
    X509_set_issuer_name(c, self ? n : X509_get_subject_name(issuer));
    if (s->ca) {
        if (s->ca_flaw != 1)
            fx_ext(c, self ? c : issuer, NID_basic_constraints,
                   s->ca_flaw == 3 ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE");
        fx_ext(c, self ? c : issuer, NID_key_usage,
               s->ca_flaw == 2 ? "critical,digitalSignature,cRLSign"
                               : "critical,keyCertSign,cRLSign");
    } else {
        fx_ext(c, self ? c : issuer, NID_key_usage, "critical,digitalSignature");
        if (s->eku == 0)
            fx_ext(c, self ? c : issuer, NID_ext_key_usage, "clientAuth");
        else if (s->eku == 2)
            fx_ext(c, self ? c : issuer, NID_ext_key_usage, "serverAuth");
    }
    if (s->crit_ext) {
        /* a private OID no X.509 parser knows, holding a DER NULL */
        ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.55555.7.1", 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        static const unsigned char null_der[] = {0x05, 0x00};
        ASN1_OCTET_STRING_set(os, null_der, sizeof(null_der));
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
        X509_add_ext(c, e, -1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(obj);
    }
    X509_sign(c, self ? key : ikey, s->sha384 ? EVP_sha384() : EVP_sha256());
    return c;
}

static inline void fx_write(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fixture: cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    fwrite(d, 1, n, f);
    fclose(f);
}

static inline void fx_write_pem(const char *path, X509 *const *certs, int n)
{
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < n; i++)
        PEM_write_X509(f, certs[i]);
    fclose(f);
}

/* PEM of the certificates, the first block's DER followed by `extra` bytes (a DER NULL each
 * two) that are not part of the certificate. */
static inline void fx_write_pem_trailing(const char *path, X509 *const *certs, int n, int extra)
{
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < n; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(certs[i], &der);
        unsigned char *buf = malloc((size_t)len + (size_t)extra);
        memcpy(buf, der, (size_t)len);
        for (int k = 0; i == 0 && k < extra; k++)
            buf[len + k] = (unsigned char)(k % 2 ? 0x00 : 0x05);
        PEM_write(f, "CERTIFICATE", "", buf, len + (i == 0 ? extra : 0));
        free(buf);
        OPENSSL_free(der);
    }
    fclose(f);
}

static inline void fx_write_der(const char *path, X509 *c)
{
    unsigned char *der = NULL;
    int n = i2d_X509(c, &der);
    fx_write(path, der, (size_t)n);
    OPENSSL_free(der);
}

static inline void fx_write_key(const char *path, EVP_PKEY *k, bool pem)
{
    if (pem) {
        FILE *f = fopen(path, "wb");
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
        fclose(f);
        chmod(path, 0600);
        return;
    }
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(k, &der);
    fx_write(path, der, (size_t)n);
    OPENSSL_free(der);
}

static inline X509 *fx_read_cert(const char *path)
{
    FILE *f = fopen(path, "rb");
    X509 *c = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return c;
}

static inline EVP_PKEY *fx_read_key(const char *path)
{
    FILE *f = fopen(path, "rb");
    EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    return k;
}

/* ---- configuration: base entries (section.key -> value) plus overrides ---- */
typedef struct fx_kv {
    const char *key;   /* "use-bootstrap" or "device-info.utc-offset" */
    const char *value; /* NULL: remove the key */
} fx_kv_t;

#define FX_MAX_KV 48

static inline void fx_kv_set(fx_kv_t *kv, size_t *n, const char *key, const char *value)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(kv[i].key, key) == 0) {
            kv[i].value = value;
            return;
        }
    }
    kv[*n].key = key;
    kv[*n].value = value;
    (*n)++;
}

/* Writes a configuration for `mode` and key generation `external`, then applies `over`
 * (terminated by {NULL, NULL}). Sections are written in the order they first appear. */
static inline void fx_config(const char *path, fx_mode_t mode, bool external, const fx_kv_t *over)
{
    fx_kv_t kv[FX_MAX_KV];
    size_t n = 0;
    fx_kv_set(kv, &n, "use-bootstrap", mode == FX_LW ? "false" : "true");
    fx_kv_set(kv, &n, "first-to-claim", mode == FX_BS_FTC ? "true" : "false");
    fx_kv_set(kv, &n, "time-sync", "true");
    fx_kv_set(kv, &n, "verify-on-device", "true");
    if (mode == FX_LW) {
        fx_kv_set(kv, &n, "lwm2m-server-uri", FX_URI_LW);
        fx_kv_set(kv, &n, "lwm2m-server-ca-certificate-file", "lw-ca.pem");
    } else {
        fx_kv_set(kv, &n, "bootstrap-server-uri", FX_URI_BS);
        fx_kv_set(kv, &n, "bootstrap-server-uri-first-to-claim", FX_URI_FTC);
        fx_kv_set(kv, &n, "bootstrap-server-ca-certificate-file", "bs-ca.der");
    }
    fx_kv_set(kv, &n, "device-key-generation-mode", external ? "externally_supplied" : "by_tool");
    fx_kv_set(kv, &n, "supported-crypto-scheme", "secp256r1");
    fx_kv_set(kv, &n, "entropy-generation-mode", "by_tool");
    fx_kv_set(kv, &n, "vendor-id", "7a1b0c6e-51f4-4e6b-9c36-2f2b6c1d9a01");
    fx_kv_set(kv, &n, "class-id", "0f8e2d3c4b5a69788796a5b4c3d2e1f0");
    fx_kv_set(kv, &n, "update-authentication-certificate-file", "update.pem");
    fx_kv_set(kv, &n, "certificate-authority.common-name", "Fixture FCU CA");
    fx_kv_set(kv, &n, "device-certificate.organization-name", "Fixture");
    fx_kv_set(kv, &n, "device-info.manufacturer-name", "Fixture Ltd");
    fx_kv_set(kv, &n, "device-info.model-number", "FX-1");
    fx_kv_set(kv, &n, "device-info.device-type", "sensor");
    fx_kv_set(kv, &n, "device-info.hardware-version", "\"1.0\"");
    fx_kv_set(kv, &n, "device-info.memory-total-size", "512");
    fx_kv_set(kv, &n, "device-info.timezone", "Europe/London");
    fx_kv_set(kv, &n, "device-info.utc-offset", "\"+00:00\"");
    for (size_t i = 0; over && over[i].key; i++)
        fx_kv_set(kv, &n, over[i].key, over[i].value);
    FILE *f = fopen(path, "w");
    /* top-level keys first, then each section */
    for (size_t i = 0; i < n; i++)
        if (kv[i].value && !strchr(kv[i].key, '.'))
            fprintf(f, "%s: %s\n", kv[i].key, kv[i].value);
    const char *sections[] = {"certificate-authority", "device-certificate", "device-info"};
    for (size_t s = 0; s < 3; s++) {
        size_t sl = strlen(sections[s]);
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            if (!kv[i].value || strncmp(kv[i].key, sections[s], sl) != 0 || kv[i].key[sl] != '.')
                continue;
            if (!any)
                fprintf(f, "%s:\n", sections[s]);
            any = true;
            fprintf(f, "  %s: %s\n", kv[i].key + sl + 1, kv[i].value);
        }
    }
    fclose(f);
}

/* ---- device folder of externally supplied material ---- */
typedef struct fx_dev {
    fx_cert_t cert;
    bool key_other;     /* key file holds a key that is not the certificate's */
    bool no_key, no_cert;
    bool garbage_cert;  /* certificate file is not a certificate */
    bool pem;           /* write .pem files (default .der) */
    int chain;          /* 0/1: leaf only; 2: leaf + its CA (PEM); 3: leaf + CA + root (PEM) */
    int ca_flaw;        /* the issuing CA of a chain: see fx_cert_t.ca_flaw (3: on the root) */
    bool ca_crit_ext;   /* the issuing CA carries an unknown critical extension */
    bool ca_same_second; /* the CA and the leaf are valid from the same second */
    int trailing;       /* bytes after the leaf's DER (in the .der file or in its PEM block) */
    bool chain_broken;  /* the CA in the chain did not sign the leaf */
    bool ca_later;      /* the issuing CA's valid-from is after the leaf's */
    bool other_set;     /* also put a certificate of the other mode in the folder */
} fx_dev_t;

/* Writes <dir>/<Set>DeviceCert and <Set>DevicePrivateKey, the certificate signed by the FCU CA
 * of `home` (or by a fresh CA for chains). */
static inline void fx_device(const char *dir, const char *home, fx_mode_t mode, const fx_dev_t *d)
{
    char p[1024];
    const char *set = mode == FX_LW ? "LwM2M" : "Bootstrap";
    mkdir(dir, 0700);
    snprintf(p, sizeof(p), "%s/%sDeviceCert.der", dir, set);
    unlink(p);
    snprintf(p, sizeof(p), "%s/%sDeviceCert.pem", dir, set);
    unlink(p);
    snprintf(p, sizeof(p), "%s/%sDevicePrivateKey.der", dir, set);
    unlink(p);
    snprintf(p, sizeof(p), "%s/%sDevicePrivateKey.pem", dir, set);
    unlink(p);
    fx_cert_t cs = d->cert;
    if (!cs.cn)
        cs.cn = "ep-1";
    if (!cs.ou && mode == FX_LW)
        cs.ou = FX_AID_LW;
    EVP_PKEY *key = fx_key(cs.p384);
    X509 *issuer = NULL;
    EVP_PKEY *ikey = NULL;
    X509 *root = NULL;
    if (d->chain >= 2) {
        fx_cert_t cas = {.cn = "Fixture Device CA", .ca = true, .nb = fx_now - 86400,
                         .ca_flaw = d->ca_flaw == 3 ? 0 : d->ca_flaw,
                         .crit_ext = d->ca_crit_ext};
        if (d->ca_later)
            cas.nb = fx_now - 30;
        if (d->ca_same_second)
            cas.nb = cs.nb = fx_now - 600;
        ikey = fx_key(false);
        if (d->chain >= 3) {
            fx_cert_t rs = {.cn = "Fixture Device Root", .ca = true, .nb = fx_now - 2 * 86400,
                            .ca_flaw = d->ca_flaw == 3 ? 3 : 0};
            EVP_PKEY *rk = fx_key(false);
            root = fx_cert(&rs, rk, NULL, NULL);
            issuer = fx_cert(&cas, ikey, root, rk);
            EVP_PKEY_free(rk);
        } else {
            issuer = fx_cert(&cas, ikey, NULL, NULL);
        }
    } else {
        snprintf(p, sizeof(p), "%s/keystore/fcu.crt", home);
        issuer = fx_read_cert(p);
        snprintf(p, sizeof(p), "%s/keystore/fcu_private_key.pem", home);
        ikey = fx_read_key(p);
    }
    if (d->ca_later && !cs.nb)
        cs.nb = fx_now - 60;
    X509 *leaf = fx_cert(&cs, key, issuer, ikey);
    if (d->chain_broken) {
        /* replace the CA in the chain by an unrelated one with the same name */
        fx_cert_t cas = {.cn = "Fixture Device CA", .ca = true, .nb = fx_now - 86400};
        EVP_PKEY *k2 = fx_key(false);
        X509_free(issuer);
        issuer = fx_cert(&cas, k2, NULL, NULL);
        EVP_PKEY_free(k2);
    }
    if (!d->no_cert) {
        bool pem = d->pem || d->chain >= 2;
        snprintf(p, sizeof(p), "%s/%sDeviceCert.%s", dir, set, pem ? "pem" : "der");
        X509 *three[3] = {leaf, issuer, root};
        int nc = d->chain >= 3 ? 3 : d->chain >= 2 ? 2 : 1;
        if (d->garbage_cert)
            fx_write(p, "not a certificate\n", 18);
        else if (pem)
            fx_write_pem_trailing(p, three, nc, d->trailing);
        else if (d->trailing) {
            unsigned char *der = NULL;
            int len = i2d_X509(leaf, &der);
            unsigned char *buf = calloc(1, (size_t)len + (size_t)d->trailing);
            memcpy(buf, der, (size_t)len);
            fx_write(p, buf, (size_t)len + (size_t)d->trailing);
            free(buf);
            OPENSSL_free(der);
        } else
            fx_write_der(p, leaf);
    }
    if (!d->no_key) {
        EVP_PKEY *k = d->key_other ? fx_key(false) : key;
        snprintf(p, sizeof(p), "%s/%sDevicePrivateKey.%s", dir, set, d->pem ? "pem" : "der");
        fx_write_key(p, k, d->pem);
        if (k != key)
            EVP_PKEY_free(k);
    }
    if (d->other_set) {
        snprintf(p, sizeof(p), "%s/%sDeviceCert.der", dir, mode == FX_LW ? "Bootstrap" : "LwM2M");
        fx_write_der(p, leaf);
    }
    X509_free(leaf);
    X509_free(issuer);
    X509_free(root);
    EVP_PKEY_free(ikey);
    EVP_PKEY_free(key);
}

/* Creates fx_root with: home/ (config/, keystore/ made by `fcu setup`), server CA files, an
 * update-authentication certificate. */
static inline int fx_setup_root(void)
{
    char p[1024];
    fx_now = (int64_t)time(NULL);
    snprintf(fx_root, sizeof(fx_root), "/tmp/fcu-test-XXXXXX");
    if (!mkdtemp(fx_root))
        return -1;
    snprintf(p, sizeof(p), "%s/home", fx_root);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/home/config", fx_root);
    mkdir(p, 0700);
    fx_cert_t cas = {.cn = "Fixture Server CA", .ca = true, .nb = fx_now - 86400};
    EVP_PKEY *k = fx_key(false);
    X509 *c = fx_cert(&cas, k, NULL, NULL);
    snprintf(p, sizeof(p), "%s/home/config/bs-ca.der", fx_root);
    fx_write_der(p, c);
    snprintf(p, sizeof(p), "%s/home/config/lw-ca.pem", fx_root);
    fx_write_pem(p, &c, 1);
    X509_free(c);
    EVP_PKEY_free(k);
    fx_cert_t ups = {.cn = "Fixture Update", .ca = true, .na = fx_now + 30 * FX_YEAR};
    k = fx_key(false);
    c = fx_cert(&ups, k, NULL, NULL);
    snprintf(p, sizeof(p), "%s/home/config/update.pem", fx_root);
    fx_write_pem(p, &c, 1);
    X509_free(c);
    EVP_PKEY_free(k);
    /* the FCU CA, made by the tool itself */
    snprintf(p, sizeof(p), "%s/home/config/fcu.yml", fx_root);
    fx_config(p, FX_BS, false, NULL);
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    snprintf(p, sizeof(p), "%s/home", fx_root);
    ctx.home = strdup(p);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    fcu_findings_t f = {0};
    fcu_setup_out_t out;
    char err[1024];
    int rc = fcu_ca_setup(&ctx, NULL, false, &f, &out, err, sizeof(err));
    if (rc != FCU_EXIT_OK)
        fprintf(stderr, "fixture: setup: %s\n", err);
    fcu_findings_free(&f);
    fcu_ctx_free(&ctx);
    return rc;
}

static inline void fx_cleanup_root(void)
{
    char cmd[600];
    if (fx_root[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_root);
        if (system(cmd) != 0)
            fprintf(stderr, "fixture: could not remove %s\n", fx_root);
    }
}

#endif /* FCU_FIXTURE_H */
