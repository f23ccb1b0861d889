/* SPDX-License-Identifier: Apache-2.0 */
/* Differential test of the factory tool against the device (wire contract 8.11: whatever
 * `fcu validate` accepts, the device accepts, in default and in strict mode). A deterministic
 * generator (seeded; the same seed gives the same variants) makes several hundred variants of a
 * device's certificate chain (extensions, dates, algorithms, CA constraints, EKU, OU, chain
 * order and depth), of the server CA certificate and of the server URI (aid placement, ports,
 * hosts, schemes), with externally supplied device keys so that the chain is the test's own.
 * Each variant goes through `fcu validate`, then (when accepted) `fcu bundle`, then
 * `fcc-device apply` on a fresh image in default and in strict mode at the same fixed time. The
 * test fails when `fcu bundle` refuses what `fcu validate` accepted, or when either device mode
 * refuses a bundle fcu accepted, and prints the counts and every disagreement.
 *
 * Keys are made once per run and shared by every variant (their bytes differ between runs, the
 * variants do not). The variants are shared out to --jobs worker processes (default 2); the
 * listing is in variant order whatever the jobs. Usage: fcu_differential FCU FCC-DEVICE
 * [--seed N] [--random N] [--jobs N] [--keep] [--verbose]. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOW ((int64_t)1780000000) /* 2026-05-28, the fixed time of fcu and of the device */
#define DAY ((int64_t)86400)
#define YEAR (365 * DAY)
#define AID "0123456789abcdef0123456789abcdef"
#define ENDPOINT "ep-diff-1"

/* ---- the variant space ---- */

enum { M_LWM2M, M_BOOTSTRAP, M_FTC, M_COUNT };
static const char *const mode_names[M_COUNT] = {"lwm2m", "bootstrap", "first-to-claim"};

/* Server URIs. `ou` is the subject OU the device certificate gets by default in LwM2M mode: the
 * aid as a naive reader of the URI would take it. "@" stands for AID in both. */
typedef struct uri_def {
    const char *uri;
    const char *ou;
} uri_def_t;

#define A64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
static const uri_def_t uris[] = {
    {"coaps://lwm2m.example.com:5684?aid=@", "@"},      /* 0: the good one */
    {"coap://lwm2m.example.com:5683?aid=@", "@"},
    {"coaps://lwm2m.example.com?aid=@", "@"},
    {"coaps://lwm2m.example.com:5684/rd?x=1&aid=@", "@"},
    {"coaps://lwm2m.example.com:5684?aid=@&aid=@", "@"}, /* repeated */
    {"coaps://lwm2m.example.com:5684?aid=@&aid=other", "@"},
    {"coaps://lwm2m.example.com:5684?aid=@#frag", "@"},  /* fragment after it */
    {"coaps://lwm2m.example.com:5684#frag?aid=@", "@"},  /* inside the fragment */
    {"coaps://lwm2m.example.com:5684?x=1#aid=@", "@"},
    {"coaps://lwm2m.example.com:5684?x=1#&aid=@", "@"},
    {"coaps://lwm2m.example.com:5684?aid=", ""},          /* empty */
    {"coaps://lwm2m.example.com:5684?aid", ""},           /* no '=' */
    {"coaps://lwm2m.example.com:5684?AID=@", "@"},
    {"coaps://lwm2m.example.com:5684?aid=ab%2Dcd", "ab%2Dcd"}, /* percent-encoded, as it stands */
    {"coaps://lwm2m.example.com:5684?aid=ab%2Dcd", "ab-cd"},   /* ... decoded: not the same */
    {"coaps://lwm2m.example.com:5684?aid=a%20b", "a%20b"},
    {"coaps://lwm2m.example.com:5684?aid=" A64, A64},   /* 64: what an OU holds */
    {"coaps://lwm2m.example.com:5684?aid=" A64 "x", A64}, /* 65 */
    {"coaps://lwm2m.example.com:0?aid=@", "@"},          /* ports */
    {"coaps://lwm2m.example.com:1?aid=@", "@"},
    {"coaps://lwm2m.example.com:65535?aid=@", "@"},
    {"coaps://lwm2m.example.com:65536?aid=@", "@"},
    {"coaps://lwm2m.example.com:99999999999?aid=@", "@"},
    {"coaps://lwm2m.example.com:?aid=@", "@"},
    {"coaps://lwm2m.example.com:56a4?aid=@", "@"},
    {"coaps://lwm2m.example.com:-1?aid=@", "@"},
    {"coaps://192.0.2.10:5684?aid=@", "@"},              /* hosts */
    {"coaps://[2001:db8::1]:5684?aid=@", "@"},
    {"coaps://[2001:db8::1]?aid=@", "@"},
    {"coaps://[2001:db8::1:5684?aid=@", "@"},
    {"coaps://2001:db8::1:5684?aid=@", "@"},
    {"coaps://[zz::1]:5684?aid=@", "@"},
    {"coaps://[]:5684?aid=@", "@"},
    {"coaps://user@lwm2m.example.com:5684?aid=@", "@"},
    {"coaps://user:pw@lwm2m.example.com:5684?aid=@", "@"},
    {"coaps://:5684?aid=@", "@"},
    {"coaps://?aid=@", "@"},
    {"coaps:///path?aid=@", "@"},
    {"COAPS://lwm2m.example.com:5684?aid=@", "@"},       /* schemes */
    {"coaps+tcp://lwm2m.example.com:5684?aid=@", "@"},
    {"coap+tcp://lwm2m.example.com:5684?aid=@", "@"},
    {"https://lwm2m.example.com:5684?aid=@", "@"},
    {"coaps:/lwm2m.example.com:5684?aid=@", "@"},
    {"coaps://lwm2m.example.com:5684", ""},              /* no aid */
    {"coaps://lwm2m.example.com:5684/", ""},
    {"coaps://lwm2m.example.com:5684?x=1", ""},
};
#define N_URIS (sizeof(uris) / sizeof(uris[0]))
#define URI_NO_AID 43 /* the first URI without an aid: the first-to-claim base */

enum { ALG_P256, ALG_P384, ALG_RSA, ALG_COUNT };
static const char *const alg_names[] = {"P-256", "P-384", "RSA-2048"};

/* Every dimension; 0 is the good value. */
typedef struct spec {
    int mode;
    int uri;
    int ncert;      /* certificates in the device file: 1 (leaf, CA not supplied), 2, 3 */
    int cfg_depth;  /* 0: as many as supplied; else the configured depth */
    int reversed;   /* 1: the file lists the chain root first */
    int ca_bc;      /* issuing CA: 0 CA:TRUE critical, 1 none, 2 CA:FALSE, 3 CA:TRUE not crit. */
    int ca_ku;      /* 0 keyCertSign, 1 digitalSignature only, 2 no keyUsage */
    int pathlen;    /* 0 none; 1 the top CA has pathlen:0 (exceeded with 3 certificates);
                       2 the issuing CA has pathlen:0 (not exceeded) */
    int leaf_ca;    /* 1: leaf basicConstraints CA:TRUE */
    int leaf_ku;    /* 0 digitalSignature, 1 none, 2 keyCertSign only */
    int crit;       /* unknown extension: 0 none, 1 critical on the leaf, 2 critical on the CA,
                       3 non-critical on the leaf, 4 critical on the server CA */
    int ca_alg;     /* key of the issuing CA */
    int sig;        /* 0 sha256; 1 leaf signed with sha384; 2 CA self-signed with sha384 */
    int eku;        /* 0 clientAuth, 1 none, 2 serverAuth, 3 anyExtendedKeyUsage,
                       4 clientAuth+serverAuth */
    int ou;         /* 0 as the URI table says, 1 none, 2 another value */
    int dates;      /* see date_names */
    int trailing;   /* 0 none; 1 DER leaf file + one byte; 2 PEM block with bytes after the DER;
                       3 server CA DER + bytes */
    int srv;        /* server CA: 0 P-256, 1 P-384, 2 RSA, 3 sha384, 4 expired, 5 not yet valid,
                       6 not a CA */
    int upd;        /* update-authentication certificate: 0 none, 1 one self-signed CA,
                       2 chain of 2, 3 ... whose issuer is not a CA, 4 ... whose issuer lacks
                       keyCertSign, 5 ... whose issuer is valid from after its leaf, 6 one not
                       yet valid, 7 one with an unknown critical extension, 8 one expiring in
                       5 years, 9 chain of 3 whose root has pathlen:0 */
    int length;     /* device-info model-number: 0 short, 1 4056 bytes (the most a device
                       stores: 4096 less the KCM record header), 2 4057 bytes, 3 a serial number
                       of 4057 bytes */
    int utc;        /* device-info utc-offset: see utc_offsets */
    int by_tool;    /* 1: fcu makes the device key and certificate (its CA made by fcu setup) */
    int strtype;    /* leaf name strings: 0 UTF8String, 1 CN as BMPString, 2 OU as BMPString,
                       3 CN as PrintableString, 4 OU as PrintableString, 5 CN as IA5String */
    int point;      /* 1: the leaf's key as a compressed point, 2: the CA's */
    int serial;     /* the leaf's serial number: 0 small, 1 zero, 2 negative, 3 20 bytes,
                       4 21 bytes, 5 32 bytes, 6 33 bytes, 7 64 bytes */
} spec_t;

static const char *const utc_offsets[] = {"+00:00", "+14:00", "+14:30", "-12:00", "-12:01",
                                          "-13:00", "+05:45", "-00:30", "+12:60"};

static const char *const date_names[] = {
    "normal",          "leaf-from=ca-from", "leaf-from<ca-from",  "leaf-from+1h",
    "leaf-from+30s",   "leaf-until-9y",     "leaf-outlives-ca",   "ca-expired",
    "ca-from-future",  "leaf-until-10y+1d", "leaf-expired",       "ca-until-5y"};
#define N_DATES (sizeof(date_names) / sizeof(date_names[0]))

/* The number of values of each dimension, in the struct's order. */
static const int dim_count[] = {M_COUNT, (int)N_URIS, 4, 3, 2, 4, 3, 3, 2, 3, 5,
                                ALG_COUNT, 3,        5, 3, (int)N_DATES, 4, 7, 10, 4, 9, 2, 6, 3, 8};
static const char *const dim_names[] = {"mode", "uri",     "ncert", "cfg_depth", "reversed",
                                        "ca_bc", "ca_ku",  "pathlen", "leaf_ca", "leaf_ku",
                                        "crit", "ca_alg",  "sig",   "eku",       "ou",
                                        "dates", "trailing", "srv", "upd", "length", "utc", "by_tool",
                                        "strtype", "point", "serial"};
#define N_DIMS ((int)(sizeof(dim_count) / sizeof(dim_count[0])))

static int *dim(spec_t *s, int d)
{
    return (int *)s + d;
}

static void spec_text(const spec_t *s, char *buf, size_t size)
{
    size_t p = (size_t)snprintf(buf, size, "%s", mode_names[s->mode]);
    for (int d = 1; d < N_DIMS && p < size; d++) {
        int v = *dim((spec_t *)s, d);
        bool deflt = d == 2 ? v == 1 : v == 0;
        if (d == 1 && s->mode == M_FTC)
            deflt = v == URI_NO_AID;
        if (deflt)
            continue;
        if (d == 1)
            p += (size_t)snprintf(buf + p, size - p, " uri=%d", v);
        else if (d == 11)
            p += (size_t)snprintf(buf + p, size - p, " ca_alg=%s", alg_names[v]);
        else if (d == 15)
            p += (size_t)snprintf(buf + p, size - p, " dates=%s", date_names[v]);
        else
            p += (size_t)snprintf(buf + p, size - p, " %s=%d", dim_names[d], v);
    }
}

/* ---- deterministic generator ---- */

static uint64_t rng_state;
static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static spec_t base_spec(int mode)
{
    spec_t s;
    memset(&s, 0, sizeof(s));
    s.mode = mode;
    s.ncert = 1;
    s.uri = mode == M_FTC ? URI_NO_AID : 0;
    return s;
}

/* Every single change from the good base, in each mode, then `nrandom` combinations. */
static size_t make_variants(spec_t **out, int nrandom)
{
    size_t n = 0, cap = 64;
    spec_t *v = malloc(cap * sizeof(*v));
    for (int m = 0; m < M_COUNT; m++) {
        if (n + (size_t)N_URIS + 64 > cap)
            v = realloc(v, (cap *= 4) * sizeof(*v));
        v[n++] = base_spec(m);
        for (int d = 1; d < N_DIMS; d++) {
            /* outside LwM2M mode only the URI, the leaf's EKU and the server CA vary: the
             * chain rules do not depend on the mode */
            if (m != M_LWM2M && d != 1 && d != 13 && d != 17 && d != 20)
                continue;
            for (int val = 0; val < dim_count[d]; val++) {
                spec_t s = base_spec(m);
                if (*dim(&s, d) == val || (d == 2 && val == 0))
                    continue;
                *dim(&s, d) = val;
                /* the CA dimensions mean something only when the CA is in the file */
                if (d == 3 || d == 4 || d == 5 || d == 6 || d == 7 || d == 11 ||
                    ((d == 10 || d == 12) && val == 2) ||
                    (d == 15 && (val == 1 || val == 2 || val == 6 || val == 7 || val == 8 ||
                                 val == 11)))
                    s.ncert = d == 7 && val == 1 ? 3 : 2;
                if (n == cap)
                    v = realloc(v, (cap *= 2) * sizeof(*v));
                v[n++] = s;
            }
        }
    }
    for (int i = 0; i < nrandom; i++) {
        spec_t s = base_spec((int)(rng() % 4 == 0 ? rng() % M_COUNT : M_LWM2M));
        int changes = 1 + (int)(rng() % 3);
        for (int c = 0; c < changes; c++) {
            int d = 1 + (int)(rng() % (uint64_t)(N_DIMS - 1));
            *dim(&s, d) = (int)(rng() % (uint64_t)dim_count[d]);
        }
        /* chains of 2 and 3 certificates make the CA dimensions meaningful: favour them; a
         * third of the variants have fcu make the device certificate, with a random URI */
        if (s.ncert < 2 && rng() % 2)
            s.ncert = 2 + (int)(rng() % 2);
        if (rng() % 3 == 0) {
            s.by_tool = 1;
            s.uri = (int)(rng() % N_URIS);
        }
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof(*v));
        v[n++] = s;
    }
    *out = v;
    return n;
}

/* ---- certificates ---- */

static EVP_PKEY *keys[ALG_COUNT]; /* CA keys by algorithm */
static EVP_PKEY *leaf_key, *root_key, *srv_key[ALG_COUNT];
static char tmp_root[256];

static EVP_PKEY *make_key(int alg)
{
    if (alg == ALG_RSA)
        return EVP_RSA_gen(2048);
    return EVP_EC_gen(alg == ALG_P384 ? "P-384" : "P-256");
}

static void die(const char *what)
{
    fprintf(stderr, "fcu_differential: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static void add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer ? issuer : c, c, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!e || !X509_add_ext(c, e, -1))
        die("cannot add an extension");
    X509_EXTENSION_free(e);
}

/* An extension no X.509 parser knows (a private OID holding a DER NULL). */
static void add_unknown_ext(X509 *c, bool critical)
{
    ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.55555.7.1", 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    static const unsigned char null_der[] = {0x05, 0x00};
    ASN1_OCTET_STRING_set(os, null_der, sizeof(null_der));
    X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, critical ? 1 : 0, os);
    if (!e || !X509_add_ext(c, e, -1))
        die("cannot add the unknown extension");
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
}

typedef struct cert_req {
    const char *cn, *ou;
    EVP_PKEY *key;
    X509 *issuer;      /* NULL: self-signed */
    EVP_PKEY *ikey;
    int64_t nb, na;
    long serial;
    const char *bc, *ku, *eku; /* extension values or NULL */
    int unknown;       /* 0 none, 1 critical, 2 non-critical */
    const EVP_MD *md;
    int cn_type, ou_type; /* 0 UTF8String, else the ASN.1 string type (BMPString as UTF-16BE) */
    int serial_kind;   /* 0 `serial`; else spec_t.serial's forms */
    bool compressed;   /* the public key as a compressed point */
} cert_req_t;

/* Adds an attribute of an ASN.1 string type given by the variant, ASCII `v` encoded for it. */
static int name_attr(X509_NAME *n, int nid, int type, const char *v)
{
    if (type == 0)
        return X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)v, -1,
                                          -1, 0);
    unsigned char buf[512];
    size_t len = strlen(v), k = 0;
    if (type == V_ASN1_BMPSTRING) {
        for (size_t i = 0; i < len && k + 2 <= sizeof(buf); i++) {
            buf[k++] = 0;
            buf[k++] = (unsigned char)v[i];
        }
    } else {
        k = len < sizeof(buf) ? len : sizeof(buf);
        memcpy(buf, v, k);
    }
    return X509_NAME_add_entry_by_NID(n, nid, type, buf, (int)k, -1, 0);
}

static X509 *make_cert(const cert_req_t *r)
{
    X509 *c = X509_new();
    X509_set_version(c, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(c), r->serial);
    if (r->serial_kind) {
        static const int bytes[] = {0, 0, 0, 20, 21, 32, 33, 64};
        BIGNUM *bn = BN_new();
        if (r->serial_kind == 2)
            BN_set_word(bn, 12345), BN_set_negative(bn, 1);
        else if (r->serial_kind > 2)
            BN_set_word(bn, 0x5a), BN_lshift(bn, bn, 8 * (bytes[r->serial_kind] - 1) - 1);
        ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
        X509_set_serialNumber(c, ai);
        ASN1_INTEGER_free(ai);
        BN_free(bn);
    }
    ASN1_TIME_set(X509_getm_notBefore(c), (time_t)r->nb);
    ASN1_TIME_set(X509_getm_notAfter(c), (time_t)r->na);
    X509_NAME *n = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Diff", -1, -1, 0);
    if (r->ou && *r->ou && !name_attr(n, NID_organizationalUnitName, r->ou_type, r->ou))
        die("cannot set the OU");
    if (!name_attr(n, NID_commonName, r->cn_type, r->cn))
        die("cannot set the CN");
    X509_set_issuer_name(c, r->issuer ? X509_get_subject_name(r->issuer) : n);
    if (r->compressed) {
        EVP_PKEY *dup = EVP_PKEY_dup(r->key);
        if (!dup || !EVP_PKEY_set_utf8_string_param(
                        dup, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"))
            die("cannot compress the point");
        X509_set_pubkey(c, dup);
        EVP_PKEY_free(dup);
    } else {
        X509_set_pubkey(c, r->key);
    }
    if (r->bc)
        add_ext(c, r->issuer, NID_basic_constraints, r->bc);
    if (r->ku)
        add_ext(c, r->issuer, NID_key_usage, r->ku);
    if (r->eku)
        add_ext(c, r->issuer, NID_ext_key_usage, r->eku);
    add_ext(c, r->issuer, NID_subject_key_identifier, "hash");
    if (r->issuer)
        add_ext(c, r->issuer, NID_authority_key_identifier, "keyid:always");
    if (r->unknown)
        add_unknown_ext(c, r->unknown == 1);
    EVP_PKEY *sk = r->issuer ? r->ikey : r->key;
    if (!X509_sign(c, sk, r->md ? r->md : EVP_sha256()))
        die("cannot sign");
    return c;
}

static void write_file(const char *path, const void *d, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0)
        die(path);
}

static size_t cert_der(X509 *c, unsigned char *buf, size_t size)
{
    unsigned char *der = NULL;
    int n = i2d_X509(c, &der);
    if (n <= 0 || (size_t)n > size)
        die("cannot encode a certificate");
    memcpy(buf, der, (size_t)n);
    OPENSSL_free(der);
    return (size_t)n;
}

/* One PEM block of `len` bytes. */
static void pem_block(FILE *f, const unsigned char *der, size_t len)
{
    PEM_write(f, "CERTIFICATE", "", der, (long)len);
}

static void replace_at(char *out, size_t size, const char *tmpl)
{
    size_t p = 0;
    for (const char *s = tmpl; *s && p + 1 < size; s++) {
        if (*s == '@') {
            p += (size_t)snprintf(out + p, size - p, "%s", AID);
            continue;
        }
        out[p++] = *s;
    }
    out[p < size ? p : size - 1] = '\0';
}

/* Writes the variant's files into dir: fcu.yml, the server CA, dev/<Set>Device{Cert,PrivateKey}. */
static void write_variant(const spec_t *s, int index, const char *dir)
{
    char path[600], uri[400], ou[200];
    const char *set = s->mode == M_LWM2M ? "LwM2M" : "Bootstrap";
    replace_at(uri, sizeof(uri), uris[s->uri].uri);
    replace_at(ou, sizeof(ou), uris[s->uri].ou);
    long serial = (long)index * 16;

    /* server CA */
    static const int srv_alg[] = {ALG_P256, ALG_P384, ALG_RSA, ALG_P256, ALG_P256, ALG_P256,
                                  ALG_P256};
    cert_req_t sr = {.cn = "Diff Server CA", .key = srv_key[srv_alg[s->srv]], .nb = NOW - 400 * DAY,
                     .na = NOW + 20 * YEAR, .serial = serial + 1, .bc = "critical,CA:TRUE",
                     .ku = "critical,keyCertSign,cRLSign"};
    if (s->srv == 3)
        sr.md = EVP_sha384();
    if (s->srv == 4)
        sr.na = NOW - DAY;
    if (s->srv == 5)
        sr.nb = NOW + 30 * DAY;
    if (s->srv == 6) {
        sr.bc = "critical,CA:FALSE";
        sr.ku = "critical,digitalSignature";
    }
    if (s->crit == 4)
        sr.unknown = 1;
    X509 *srv = make_cert(&sr);
    unsigned char der[8192];
    size_t n = cert_der(srv, der, sizeof(der));
    snprintf(path, sizeof(path), "%s/server-ca.der", dir);
    if (s->trailing == 3)
        der[n++] = 0x00;
    write_file(path, der, n);
    X509_free(srv);

    /* the device chain: root (3 certificates), issuing CA, leaf */
    int64_t ca_nb = NOW - 10 * DAY, ca_na = NOW + 30 * YEAR;
    int64_t leaf_nb = NOW - DAY, leaf_na = NOW + 20 * YEAR;
    switch (s->dates) {
    case 1: leaf_nb = ca_nb; break;
    case 2: leaf_nb = ca_nb - 1; break;
    case 3: leaf_nb = NOW + 3600; break;
    case 4: leaf_nb = NOW + 30; break;
    case 5: leaf_na = NOW + 9 * YEAR; break;
    case 6: leaf_na = ca_na + DAY; break;
    case 7: ca_na = NOW - DAY; break;
    case 8: ca_nb = NOW + DAY; leaf_nb = NOW + DAY + 1; break;
    case 9: leaf_na = NOW + 10 * YEAR + DAY; break;
    case 10: leaf_nb = NOW - 20 * YEAR; leaf_na = NOW - DAY; ca_nb = NOW - 21 * YEAR; break;
    case 11: ca_na = NOW + 5 * YEAR; leaf_na = NOW + 4 * YEAR; break;
    default: break;
    }
    static const char *const bcs[] = {"critical,CA:TRUE", NULL, "critical,CA:FALSE", "CA:TRUE"};
    static const char *const kus[] = {"critical,keyCertSign,cRLSign", "critical,digitalSignature",
                                      NULL};
    X509 *root = NULL;
    if (s->ncert >= 3) {
        cert_req_t rr = {.cn = "Diff Root CA", .key = root_key, .nb = ca_nb - DAY,
                         .na = ca_na + YEAR, .serial = serial + 2,
                         .bc = s->pathlen == 1 ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE",
                         .ku = "critical,keyCertSign,cRLSign"};
        root = make_cert(&rr);
    }
    char ca_bc[64];
    snprintf(ca_bc, sizeof(ca_bc), "%s", bcs[s->ca_bc] ? bcs[s->ca_bc] : "");
    if (s->pathlen == 2 && bcs[s->ca_bc] && strstr(ca_bc, "CA:TRUE"))
        snprintf(ca_bc + strlen(ca_bc), sizeof(ca_bc) - strlen(ca_bc), ",pathlen:0");
    cert_req_t cr = {.cn = "Diff Device CA", .key = keys[s->ca_alg], .issuer = root,
                     .ikey = root_key, .nb = ca_nb, .na = ca_na, .serial = serial + 3,
                     .bc = bcs[s->ca_bc] ? ca_bc : NULL, .ku = kus[s->ca_ku],
                     .unknown = s->crit == 2 ? 1 : 0,
                     .md = s->sig == 2 && !root ? EVP_sha384() : NULL, .compressed = s->point == 2};
    X509 *ca = make_cert(&cr);
    static const char *const ekus[] = {"clientAuth", NULL, "serverAuth", "anyExtendedKeyUsage",
                                       "clientAuth,serverAuth"};
    static const char *const leaf_kus[] = {"critical,digitalSignature", NULL,
                                           "critical,keyCertSign"};
    const char *leaf_ou = s->ou == 1 ? NULL : s->ou == 2 ? "another-account" : ou;
    if (s->mode != M_LWM2M && s->ou == 0)
        leaf_ou = NULL;
    cert_req_t lr = {.cn = ENDPOINT, .ou = leaf_ou, .key = leaf_key, .issuer = ca,
                     .ikey = keys[s->ca_alg], .nb = leaf_nb, .na = leaf_na,
                     .serial = serial + 4,
                     .bc = s->leaf_ca ? "critical,CA:TRUE" : "critical,CA:FALSE",
                     .ku = leaf_kus[s->leaf_ku], .eku = ekus[s->eku],
                     .unknown = s->crit == 1 ? 1 : s->crit == 3 ? 2 : 0,
                     .md = s->sig == 1 ? EVP_sha384() : NULL, .compressed = s->point == 1};
    static const int cn_types[] = {0, V_ASN1_BMPSTRING, 0, V_ASN1_PRINTABLESTRING, 0,
                                   V_ASN1_IA5STRING};
    static const int ou_types[] = {0, 0, V_ASN1_BMPSTRING, 0, V_ASN1_PRINTABLESTRING, 0};
    lr.serial_kind = s->serial;
    lr.cn_type = cn_types[s->strtype];
    lr.ou_type = ou_types[s->strtype];
    X509 *leaf = make_cert(&lr);

    snprintf(path, sizeof(path), "%s/dev", dir);
    mkdir(path, 0700);
    X509 *chain[3] = {leaf, ca, root};
    int nc = s->ncert > 3 ? 3 : s->ncert < 1 ? 1 : s->ncert;
    if (s->trailing == 1 && nc == 1) {
        n = cert_der(leaf, der, sizeof(der));
        der[n++] = 0x00;
        snprintf(path, sizeof(path), "%s/dev/%sDeviceCert.der", dir, set);
        write_file(path, der, n);
    } else {
        snprintf(path, sizeof(path), "%s/dev/%sDeviceCert.pem", dir, set);
        FILE *f = fopen(path, "w");
        if (!f)
            die(path);
        for (int i = 0; i < nc; i++) {
            int k = s->reversed ? nc - 1 - i : i;
            n = cert_der(chain[k], der, sizeof(der));
            if (s->trailing == 2 && k == 0) {
                der[n++] = 0x05;
                der[n++] = 0x00;
            }
            pem_block(f, der, n);
        }
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/dev/%sDevicePrivateKey.pem", dir, set);
    FILE *f = fopen(path, "w");
    if (!f || !PEM_write_PrivateKey(f, leaf_key, NULL, NULL, 0, NULL, NULL))
        die(path);
    fclose(f);
    X509_free(leaf);
    X509_free(ca);
    X509_free(root);

    /* the update-authentication certificate (chain), leaf first */
    if (s->upd) {
        int64_t u_nb = NOW - 5 * DAY, u_na = NOW + 25 * YEAR;
        X509 *u[3] = {NULL, NULL, NULL};
        int nu = s->upd >= 2 && s->upd <= 5 ? 2 : s->upd == 9 ? 3 : 1;
        if (nu == 1) {
            cert_req_t ur = {.cn = "Diff Update", .key = srv_key[ALG_P256], .nb = u_nb,
                             .na = u_na, .serial = serial + 5, .bc = "critical,CA:TRUE",
                             .ku = "critical,keyCertSign,digitalSignature"};
            if (s->upd == 6)
                ur.nb = NOW + 7 * DAY;
            if (s->upd == 7)
                ur.unknown = 1;
            if (s->upd == 8)
                ur.na = NOW + 5 * YEAR;
            u[0] = make_cert(&ur);
        } else {
            X509 *top = NULL;
            if (nu == 3) {
                cert_req_t tr = {.cn = "Diff Update Root", .key = root_key, .nb = u_nb - DAY,
                                 .na = u_na + YEAR, .serial = serial + 6,
                                 .bc = "critical,CA:TRUE,pathlen:0",
                                 .ku = "critical,keyCertSign"};
                top = make_cert(&tr);
                u[2] = top;
            }
            cert_req_t ir = {.cn = "Diff Update CA", .key = keys[ALG_P256], .issuer = top,
                             .ikey = root_key, .nb = u_nb - DAY, .na = u_na + YEAR,
                             .serial = serial + 7, .bc = "critical,CA:TRUE",
                             .ku = "critical,keyCertSign"};
            if (s->upd == 3)
                ir.bc = "critical,CA:FALSE";
            if (s->upd == 4)
                ir.ku = "critical,digitalSignature";
            if (s->upd == 5)
                ir.nb = u_nb + DAY;
            u[1] = make_cert(&ir);
            cert_req_t lr2 = {.cn = "Diff Update Signer", .key = srv_key[ALG_P256],
                              .issuer = u[1], .ikey = keys[ALG_P256], .nb = u_nb, .na = u_na,
                              .serial = serial + 8, .bc = "critical,CA:FALSE",
                              .ku = "critical,digitalSignature"};
            u[0] = make_cert(&lr2);
        }
        snprintf(path, sizeof(path), "%s/update.pem", dir);
        FILE *uf = fopen(path, "w");
        if (!uf)
            die(path);
        for (int i = 0; i < nu; i++) {
            PEM_write_X509(uf, u[i]);
            X509_free(u[i]);
        }
        fclose(uf);
    }

    /* the configuration */
    int depth = s->cfg_depth ? s->cfg_depth : nc;
    snprintf(path, sizeof(path), "%s/fcu.yml", dir);
    f = fopen(path, "w");
    if (!f)
        die(path);
    fprintf(f, "use-bootstrap: %s\n", s->mode == M_LWM2M ? "false" : "true");
    fprintf(f, "first-to-claim: %s\n", s->mode == M_FTC ? "true" : "false");
    fprintf(f, "time-sync: true\n");
    const char *uri_key = s->mode == M_LWM2M ? "lwm2m-server-uri"
                          : s->mode == M_FTC ? "bootstrap-server-uri-first-to-claim"
                                             : "bootstrap-server-uri";
    fprintf(f, "%s: '%s'\n", uri_key, uri);
    fprintf(f, "%s-server-ca-certificate-file: %s/server-ca.der\n",
            s->mode == M_LWM2M ? "lwm2m" : "bootstrap", dir);
    fprintf(f, "device-key-generation-mode: %s\n",
            s->by_tool ? "by_tool" : "externally_supplied");
    fprintf(f, "entropy-generation-mode: by_tool\n");
    if (!s->by_tool && (nc > 1 || s->cfg_depth))
        fprintf(f, "device-certificate-chain-depth: %d\n", depth);
    if (s->upd)
        fprintf(f, "update-authentication-certificate-file: %s/update.pem\n", dir);
    fprintf(f, "vendor-id: 7a1b0c6e-51f4-4e6b-9c36-2f2b6c1d9a01\n");
    fprintf(f, "class-id: 0f8e2d3c4b5a69788796a5b4c3d2e1f0\n");
    fprintf(f, "device-info:\n  manufacturer-name: Diff\n  model-number: ");
    if (s->length == 1 || s->length == 2)
        for (int i = 0; i < 4056 + (s->length == 2); i++)
            fputc('m', f);
    else
        fputs("D1", f);
    fprintf(f, "\n  device-type: sensor\n  hardware-version: \"1\"\n  memory-total-size: 256\n"
               "  timezone: UTC\n  utc-offset: \"%s\"\n",
            utc_offsets[s->utc]);
    fclose(f);
}

/* ---- running the tools ---- */

/* Runs argv with stdout and stderr to `out`; returns the exit status (128+signal). */
static int run(char *const argv[], const char *out)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0)
            _exit(127);
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The first line of a file that matches `key` (or the first line), for the listing. */
static void first_line(const char *path, const char *key, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    buf[0] = '\0';
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!key || strstr(line, key)) {
            size_t n = strlen(line); /* cut to the caller's buffer */
            if (n >= size)
                n = size - 1;
            memcpy(buf, line, n);
            buf[n] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
}

/* Runs one variant through fcu and both device modes. Writes <dir>/verdict: a line
 * "FCU-ACCEPTED DEVICE-DEFAULT-OK DEVICE-STRICT-OK DISAGREEMENTS" (0/1 each, the last a count),
 * then the lines to print for it. */
static void run_variant(const spec_t *sp, size_t i, char *fcu, char *dev, char *home,
                        bool verbose)
{
    char dir[400], cfg[450], keysdir[450], bundle[450], out[450], img[450], text[600];
    char serial[32], now[32], msg[4096] = "";
    size_t ml = 0;
    int accepted = 0, dev_ok[2] = {0, 0}, disagreements = 0;
    snprintf(now, sizeof(now), "%lld", (long long)NOW);
    snprintf(dir, sizeof(dir), "%s/v%03zu", tmp_root, i);
    mkdir(dir, 0700);
    write_variant(sp, (int)i, dir);
    snprintf(cfg, sizeof(cfg), "%s/fcu.yml", dir);
    snprintf(keysdir, sizeof(keysdir), "%s/dev", dir);
    snprintf(bundle, sizeof(bundle), "%s/bundle.cbor", dir);
    snprintf(serial, sizeof(serial), "SN-%05zu", i);
    char long_serial[4100];
    if (sp->length == 3) {
        memset(long_serial, 's', 4057);
        long_serial[4057] = '\0';
    }
    char *sn = sp->length == 3 ? long_serial : serial;
    spec_text(sp, text, sizeof(text));
    snprintf(out, sizeof(out), "%s/validate.out", dir);
    char *va[] = {fcu, "--home", home, "--config", cfg, "--time", now, "validate",
                  "--endpoint-name", ENDPOINT, "--serial-number", sn, "--device-keys",
                  keysdir, NULL};
    if (sp->by_tool)
        va[12] = NULL; /* no --device-keys: fcu makes the key */
    int vrc = run(va, out);
    if (vrc != 0 && vrc != 1) {
        ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml,
                               "ERROR  v%03zu [%s]: fcu validate exited %d\n", i, text, vrc);
        disagreements++;
        goto done;
    }
    if (vrc == 1) {
        if (verbose) {
            char why[300];
            first_line(out, "error", why, sizeof(why));
            ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml, "fcu-refused v%03zu [%s]: %s\n",
                                   i, text, why);
        }
        goto done;
    }
    snprintf(out, sizeof(out), "%s/bundle.out", dir);
    char *ba[] = {fcu, "--home", home, "--config", cfg, "--time", now, "bundle", "-o",
                  bundle, "--endpoint-name", ENDPOINT, "--serial-number", sn,
                  "--device-keys", keysdir, NULL};
    if (sp->by_tool)
        ba[14] = NULL;
    int brc = run(ba, out);
    if (brc != 0) {
        char why[300];
        first_line(out, "error", why, sizeof(why));
        ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml,
                               "DISAGREE v%03zu [%s]: fcu validate accepts, fcu bundle refuses "
                               "(%d): %s\n",
                               i, text, brc, why);
        disagreements++;
        goto done;
    }
    accepted = 1;
    for (int strict = 0; strict < 2; strict++) {
        snprintf(img, sizeof(img), "%s/image-%d", dir, strict);
        snprintf(out, sizeof(out), "%s/apply-%d.out", dir, strict);
        char *da[] = {dev,    "--store", img,    "--time", now, "--json",
                      strict ? "--strict" : "--json", "apply", bundle, NULL};
        int drc = run(da, out);
        if (drc == 0) {
            dev_ok[strict] = 1;
            continue;
        }
        char info[300];
        first_line(out, "\"info\"", info, sizeof(info));
        ml += (size_t)snprintf(msg + ml, sizeof(msg) - ml,
                               "DISAGREE v%03zu [%s]: fcu accepts, the %s device refuses (exit "
                               "%d)%s\n",
                               i, text, strict ? "strict" : "default", drc, info);
        disagreements++;
    }
done:
    snprintf(out, sizeof(out), "%s/verdict", dir);
    FILE *f = fopen(out, "w");
    if (!f)
        die(out);
    fprintf(f, "%d %d %d %d\n%s", accepted, dev_ok[0], dev_ok[1], disagreements, msg);
    fclose(f);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: fcu_differential FCU FCC-DEVICE [--seed N] [--random N] "
                        "[--jobs N] [--keep] [--verbose]\n");
        return 2;
    }
    char *fcu = argv[1], *dev = argv[2];
    uint64_t seed = 11;
    int nrandom = 60, jobs = 2;
    bool keep = false, verbose = false;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--random") && i + 1 < argc)
            nrandom = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]) > 0 ? atoi(argv[i]) : 1;
        else if (!strcmp(argv[i], "--keep"))
            keep = true;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = true;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
    spec_t *v = NULL;
    size_t nv = make_variants(&v, nrandom);

    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(tmp_root, sizeof(tmp_root), "%s/fcu-diff-XXXXXX", base);
    if (!mkdtemp(tmp_root))
        die("mkdtemp");
    char home[300];
    snprintf(home, sizeof(home), "%s/home", tmp_root);
    mkdir(home, 0700);
    for (int a = 0; a < ALG_COUNT; a++) {
        keys[a] = make_key(a);
        srv_key[a] = make_key(a);
        if (!keys[a] || !srv_key[a])
            die("key generation");
    }
    leaf_key = make_key(ALG_P256);
    root_key = make_key(ALG_P256);
    {
        /* the FCU CA of the by_tool variants, made by `fcu setup` a day before NOW */
        char cfgdir[350], cfg[400], out[400], when[32];
        snprintf(cfgdir, sizeof(cfgdir), "%s/config", home);
        mkdir(cfgdir, 0700);
        snprintf(cfg, sizeof(cfg), "%s/fcu.yml", cfgdir);
        spec_t b = base_spec(M_LWM2M);
        mkdir(cfgdir, 0700);
        write_variant(&b, 0, cfgdir);
        snprintf(out, sizeof(out), "%s/setup.out", tmp_root);
        snprintf(when, sizeof(when), "%lld", (long long)(NOW - DAY));
        char *sa[] = {fcu, "--home", home, "--config", cfg, "--time", when, "setup", NULL};
        if (run(sa, out) != 0)
            die("fcu setup failed");
    }

    /* the variants are shared out to `jobs` worker processes; each writes its verdicts into
     * the variant's folder, and the listing below reads them back in variant order */
    for (int w = 0; w < jobs; w++) {
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            for (size_t i = (size_t)w; i < nv; i += (size_t)jobs)
                run_variant(&v[i], i, fcu, dev, home, verbose);
            fflush(stdout);
            _exit(0);
        }
    }
    int st;
    while (wait(&st) > 0 || errno == EINTR)
        ;
    size_t accepted = 0, dev_ok[2] = {0, 0}, disagreements = 0;
    for (size_t i = 0; i < nv; i++) {
        char path[450], line[1024];
        int r[4] = {0, 0, 0, 0};
        snprintf(path, sizeof(path), "%s/v%03zu/verdict", tmp_root, i);
        FILE *f = fopen(path, "r");
        if (!f || fscanf(f, "%d %d %d %d\n", &r[0], &r[1], &r[2], &r[3]) != 4) {
            printf("ERROR  v%03zu: no verdict (a worker failed)\n", i);
            disagreements++;
            if (f)
                fclose(f);
            continue;
        }
        while (fgets(line, sizeof(line), f))
            fputs(line, stdout);
        fclose(f);
        accepted += (size_t)r[0];
        dev_ok[0] += (size_t)r[1];
        dev_ok[1] += (size_t)r[2];
        disagreements += (size_t)r[3];
    }
    printf("variants %zu (seed %llu), fcu-accepted %zu, device-accepted default %zu / strict %zu"
           " (of the fcu-accepted), disagreements %zu\n",
           nv, (unsigned long long)seed, accepted, dev_ok[0], dev_ok[1], disagreements);
    if (!keep) {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp_root);
    } else {
        printf("files kept in %s\n", tmp_root);
    }
    for (int a = 0; a < ALG_COUNT; a++) {
        EVP_PKEY_free(keys[a]);
        EVP_PKEY_free(srv_key[a]);
    }
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(root_key);
    free(v);
    return disagreements ? 1 : 0;
}
