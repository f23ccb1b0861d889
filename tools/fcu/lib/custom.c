/* SPDX-License-Identifier: Apache-2.0 */
/* custom-properties of fcu.yml: the factory's own items (configuration parameters, certificates
 * or chains, private and public keys) that the ecosystem's tool sends besides the built-in ones.
 * Each entry is checked here as the built-in items are (name rules of the wire contract, no
 * `mbed.` prefix, no duplicate; keys P-256; certificates parsable, not expired, linked; a
 * certificate with less than 10 years left is a warning) before anything reaches a device, and
 * its bytes are kept for the bundle: a config-param's bytes as they are, a key's DER exactly as
 * the file holds it (the body of a PEM file, never re-encoded), certificates as DER. */
#include "fcu.h"
#include "fcu_config_int.h"
#include "fcu_int.h"
#include "fcu_validate.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const type_names[] = {"config-param", "certificate", "private-key",
                                         "public-key"};

static void cp_finding(const fcu_config_t *cfg, fcu_findings_t *f, const fcu_custom_prop_t *cp,
                       int code, fcu_severity_t sev, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void cp_finding(const fcu_config_t *cfg, fcu_findings_t *f, const fcu_custom_prop_t *cp,
                       int code, fcu_severity_t sev, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fcu_findings_add(f, code, sev, cp->param, "%s:%zu:%zu: %s%s%s%s", cfg->path, cp->line,
                     cp->column, cp->name ? "custom property '" : "", cp->name ? cp->name : "",
                     cp->name ? "': " : "", msg);
}

/* Wire contract section 6: 1..100 bytes of A-Z a-z 0-9 . - _ */
static const char *name_problem(const char *n)
{
    size_t len = strlen(n);
    if (len == 0)
        return "the name is empty";
    if (len > FCU_CUSTOM_NAME_MAX)
        return "the name is longer than 100 bytes";
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return "the name may hold only A-Z a-z 0-9 . - _";
    }
    if (strncmp(n, "mbed.", 5) == 0)
        return "names starting with 'mbed.' are the ecosystem's own items";
    return NULL;
}

/* The DER body of the first PEM block whose label is one of `labels` (EC PARAMETERS blocks and
 * others are skipped). 1 found (*der malloc'd), 0 a PEM file without such a block, -1 an
 * encrypted key, 2 not a PEM file at all (no block). */
static int pem_block(const uint8_t *data, size_t len, const char *const *labels, uint8_t **der,
                     size_t *der_len)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    char *name = NULL, *header = NULL;
    unsigned char *body = NULL;
    long blen = 0;
    int found = 0, blocks = 0;
    if (!bio)
        return 0;
    while (!found && PEM_read_bio(bio, &name, &header, &body, &blen) == 1) {
        blocks++;
        if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0 || strstr(header, "ENCRYPTED")) {
            found = -1;
        } else {
            for (size_t i = 0; labels[i]; i++) {
                if (strcmp(name, labels[i]) == 0 && blen > 0) {
                    *der = malloc((size_t)blen);
                    if (*der) {
                        memcpy(*der, body, (size_t)blen);
                        *der_len = (size_t)blen;
                        found = 1;
                    }
                    break;
                }
            }
        }
        OPENSSL_cleanse(body, (size_t)blen);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(body);
        name = header = NULL;
        body = NULL;
    }
    ERR_clear_error();
    BIO_free(bio);
    return blocks ? found : 2;
}

/* A private or public key file: the DER it holds, parsed to check it is a P-256 key of the
 * right kind (a private key whose public point is its own). */
static void check_key(const fcu_config_t *cfg, fcu_findings_t *f, fcu_custom_prop_t *cp,
                      const uint8_t *data, size_t len)
{
    static const char *const priv_labels[] = {"EC PRIVATE KEY", "PRIVATE KEY", NULL};
    static const char *const pub_labels[] = {"PUBLIC KEY", NULL};
    bool priv = cp->type == FCU_CUSTOM_PRIVKEY;
    uint8_t *der = NULL;
    size_t der_len = 0;
    EVP_PKEY *key = NULL;
    int r = len && len < (size_t)INT32_MAX
                ? pem_block(data, len, priv ? priv_labels : pub_labels, &der, &der_len)
                : 2;
    if (r != 2) {
        if (r < 0) {
            cp_finding(cfg, f, cp, FCU_E_CUSTOM_KEY, FCU_SEV_ERROR,
                       "'%s' is an encrypted private key; fcu never asks for a pass phrase: "
                       "give the key unencrypted",
                       cp->data_file);
            return;
        }
        if (r == 0) {
            cp_finding(cfg, f, cp, FCU_E_CUSTOM_KEY, FCU_SEV_ERROR,
                       "'%s' holds no PEM block %s", cp->data_file,
                       priv ? "'EC PRIVATE KEY' or 'PRIVATE KEY'" : "'PUBLIC KEY'");
            return;
        }
    } else {
        der = malloc(len ? len : 1);
        if (!der)
            return;
        memcpy(der, data, len);
        der_len = len;
    }
    const unsigned char *p = der;
    key = priv ? d2i_AutoPrivateKey(NULL, &p, (long)der_len) : d2i_PUBKEY(NULL, &p, (long)der_len);
    if (!key || p != der + der_len) {
        cp_finding(cfg, f, cp, FCU_E_CUSTOM_KEY, FCU_SEV_ERROR,
                   "'%s' is not a DER or PEM %s key", cp->data_file, priv ? "private" : "public");
        goto done;
    }
    if (!fcu_key_is_p256(key)) {
        cp_finding(cfg, f, cp, FCU_E_CRYPTO_SCHEME, FCU_SEV_ERROR,
                   "'%s' is not an EC key on P-256 (supported-crypto-scheme secp256r1)",
                   cp->data_file);
        goto done;
    }
    if (priv) {
        EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new(key, NULL);
        int ok = kc && EVP_PKEY_pairwise_check(kc) == 1;
        EVP_PKEY_CTX_free(kc);
        if (!ok) {
            cp_finding(cfg, f, cp, FCU_E_CUSTOM_KEY, FCU_SEV_ERROR,
                       "'%s': the public point in the key is not the one of its private value",
                       cp->data_file);
            goto done;
        }
    }
    cp->bytes = der;
    cp->len = der_len;
    der = NULL;
done:
    ERR_clear_error();
    EVP_PKEY_free(key);
    if (der) {
        OPENSSL_cleanse(der, der_len);
        free(der);
    }
}

static void check_certs(fcu_ctx_t *ctx, fcu_findings_t *f, fcu_custom_prop_t *cp)
{
    const fcu_config_t *cfg = ctx->cfg;
    size_t before = fcu_findings_errors(f);
    /* parsing, scheme, expiry and links as for the update-authentication certificate */
    STACK_OF(X509) *sk = fcu_cfg_cert_file(cfg, f, cp->param, cp->data_file, true, ctx->now);
    if (!sk)
        return;
    int n = sk_X509_num(sk);
    for (int i = 0; i < n; i++) {
        int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(sk_X509_value(sk, i)));
        if (na > ctx->now && na - ctx->now <= FCU_TEN_YEARS)
            cp_finding(cfg, f, cp, FCU_W_CUSTOM_CERT_SHORT, FCU_SEV_WARNING,
                       "certificate %d of '%s' expires within 10 years (the device warns)", i + 1,
                       cp->data_file);
    }
    if (fcu_findings_errors(f) == before && n <= 5) {
        cp->ncerts = n;
        for (int i = 0; i < n; i++) {
            cp->der[i] = fcu_cert_der(sk_X509_value(sk, i), &cp->der_len[i]);
            if (!cp->der[i])
                cp->ncerts = 0;
        }
    }
    sk_X509_pop_free(sk, X509_free);
}

void fcu_custom_validate(fcu_ctx_t *ctx, fcu_findings_t *f)
{
    const fcu_config_t *cfg = ctx->cfg;
    fcu_config_priv_t *p = cfg->priv;
    char why[160];
    for (size_t i = 0; i < p->ncustom; i++) {
        fcu_custom_prop_t *cp = &p->custom[i];
        size_t before = fcu_findings_errors(f);
        const char *bad = cp->name ? name_problem(cp->name) : NULL;
        if (bad)
            cp_finding(cfg, f, cp, FCU_E_CUSTOM_NAME, FCU_SEV_ERROR, "%s", bad);
        for (size_t j = 0; cp->name && !bad && j < i; j++) {
            const fcu_custom_prop_t *o = &p->custom[j];
            if (o->name && o->type >= 0 && cp->type >= 0 && strcmp(o->name, cp->name) == 0 &&
                o->type == cp->type) {
                cp_finding(cfg, f, cp, FCU_E_CUSTOM_DUPLICATE, FCU_SEV_ERROR,
                           "a %s named '%s' is already given by %s", type_names[cp->type],
                           cp->name, o->param);
                break;
            }
        }
        if (!cp->name || cp->type < 0 || (cp->data && cp->data_file) ||
            (!cp->data && !cp->data_file) || (cp->data && cp->type != FCU_CUSTOM_CONFIG))
            continue; /* reported by the loader */
        if (cp->data) {
            cp->bytes = (uint8_t *)strdup(cp->data);
            cp->len = strlen(cp->data);
        } else {
            uint8_t *data = NULL;
            size_t len = 0;
            if (fcu_read_file(cp->data_file, &data, &len) != 0) {
                cp_finding(cfg, f, cp, FCU_E_CONFIG_FILE_REF, FCU_SEV_ERROR,
                           "data-file: cannot read '%s': %s", cp->data_file, strerror(errno));
                continue;
            }
            if (cp->type == FCU_CUSTOM_CONFIG) {
                cp->bytes = data;
                cp->len = len;
                data = NULL;
            } else if (cp->type == FCU_CUSTOM_CERT) {
                free(data);
                data = NULL;
                check_certs(ctx, f, cp);
            } else {
                check_key(cfg, f, cp, data, len);
            }
            if (data) {
                OPENSSL_cleanse(data, len);
                free(data);
            }
        }
        size_t total = cp->len;
        for (int k = 0; k < cp->ncerts; k++)
            total = cp->der_len[k] > total ? cp->der_len[k] : total;
        int sev = fcu_value_size_check(total, why, sizeof(why));
        if (sev >= 0)
            cp_finding(cfg, f, cp, FCU_E_BUNDLE_TOO_LARGE, (fcu_severity_t)sev, "the value is %s",
                       why);
        cp->ok = fcu_findings_errors(f) == before &&
                 (cp->type == FCU_CUSTOM_CERT ? cp->ncerts > 0 : cp->bytes != NULL);
    }
}

size_t fcu_custom_count(const fcu_config_t *cfg, fcu_custom_type_t type)
{
    const fcu_config_priv_t *p = cfg->priv;
    size_t n = 0;
    for (size_t i = 0; i < p->ncustom; i++)
        if (p->custom[i].ok && p->custom[i].type == (int)type &&
            (type != FCU_CUSTOM_CERT || p->custom[i].ncerts == 1))
            n++;
    return n;
}

size_t fcu_custom_chains(const fcu_config_t *cfg)
{
    const fcu_config_priv_t *p = cfg->priv;
    size_t n = 0;
    for (size_t i = 0; i < p->ncustom; i++)
        if (p->custom[i].ok && p->custom[i].type == FCU_CUSTOM_CERT && p->custom[i].ncerts > 1)
            n++;
    return n;
}
