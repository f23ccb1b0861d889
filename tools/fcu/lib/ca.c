/* SPDX-License-Identifier: Apache-2.0 */
/* The FCU certificate authority: `fcu setup` creates keystore/fcu_private_key.pem (P-256, mode
 * 0600) and either a self-signed CA certificate keystore/fcu.crt or, with
 * setup-ca-as-intermediate, a CSR keystore/fcu.csr for the user's own CA; `fcu setup
 * --install-ca FILE` then places the signed certificate (or chain) as fcu.crt after checking it.
 * fcu_ca_load() reads and checks the pair before any device certificate is signed. */
#include "fcu.h"
#include "fcu_int.h"
#include "hsm.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CA_BACKDATE 3600 /* the CA is valid from an hour before setup: tolerates clock skew */
#define CA_DEFAULT_YEARS 40

void fcu_ca_free(struct fcu_ca *ca)
{
    if (!ca)
        return;
    EVP_PKEY_free(ca->key);
    sk_X509_pop_free(ca->chain, X509_free);
    EVP_PKEY_CTX_free(ca->keygen);
    EVP_MD_CTX_free(ca->sign_tmpl);
    sk_X509_EXTENSION_pop_free(ca->dev_ext, X509_EXTENSION_free);
    free(ca);
}

/* Checks a chain: every certificate P-256/ecdsa-with-SHA256 and signed by the next one. */
static void check_ca_chain(STACK_OF(X509) *chain, int64_t now, fcu_findings_t *f,
                           const char *param)
{
    char why[160];
    for (int i = 0; i < sk_X509_num(chain); i++) {
        X509 *c = sk_X509_value(chain, i);
        if (!fcu_cert_scheme_ok(c, why, sizeof(why)))
            fcu_findings_add(f, FCU_E_CA_CERT_INVALID, FCU_SEV_ERROR, param,
                             "CA certificate %d of the chain: %s", i + 1, why);
        if (X509_check_ca(c) == 0)
            fcu_findings_add(f, FCU_E_CA_CERT_INVALID, FCU_SEV_ERROR, param,
                             "certificate %d of the chain is not a CA (basicConstraints CA:TRUE "
                             "missing)",
                             i + 1);
        int64_t nb = fcu_asn1_time_epoch(X509_get0_notBefore(c));
        int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(c));
        if (nb > now || na <= now)
            fcu_findings_add(f, FCU_E_CA_CERT_INVALID, FCU_SEV_ERROR, param,
                             "CA certificate %d of the chain is not valid now (%s)", i + 1,
                             nb > now ? "not yet valid" : "expired");
        if (i + 1 < sk_X509_num(chain)) {
            X509 *next = sk_X509_value(chain, i + 1);
            int ok = X509_verify(c, X509_get0_pubkey(next));
            ERR_clear_error();
            if (ok != 1)
                fcu_findings_add(f, FCU_E_CA_CHAIN, FCU_SEV_ERROR, param,
                                 "CA certificate %d of the chain is not signed by certificate %d",
                                 i + 1, i + 2);
        }
    }
}

/* The CA key's pkcs11: URI, if the CA key lives in a token: the configuration's
 * certificate-authority.private-key-uri, else the one `fcu setup --ca-key-uri` left in
 * keystore/fcu_private_key.uri. Returns a malloc'd string or NULL (key in a PEM file). */
static char *ca_key_uri(const fcu_ctx_t *ctx, const char **param)
{
    if (ctx->cfg && ctx->cfg->ca_key_uri && ctx->cfg->ca_key_uri[0]) {
        *param = "certificate-authority.private-key-uri";
        return strdup(ctx->cfg->ca_key_uri);
    }
    char path[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    fcu_ctx_keystore_path(ctx, FCU_CA_KEY_URI_FILE, path, sizeof(path));
    if (fcu_read_file(path, &data, &len) != 0)
        return NULL;
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
        len--;
    char *uri = malloc(len + 1);
    if (uri) {
        memcpy(uri, data, len);
        uri[len] = '\0';
    }
    free(data);
    *param = "keystore/" FCU_CA_KEY_URI_FILE;
    return uri;
}

static const char *hsm_module(const fcu_ctx_t *ctx)
{
    return ctx->cfg && ctx->cfg->pkcs11_module ? ctx->cfg->pkcs11_module : NULL;
}

static const char *hsm_base_dir(const fcu_ctx_t *ctx)
{
    return ctx->cfg ? ctx->cfg->dir : ctx->home;
}

int fcu_ca_load(fcu_ctx_t *ctx, fcu_findings_t *f)
{
    if (ctx->ca)
        return FCU_EXIT_OK;
    int rc = FCU_EXIT_INVALID;
    char cpath[4096], kpath[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    bool is_der = false;
    size_t errors = fcu_findings_errors(f);
    struct fcu_ca *ca = calloc(1, sizeof(*ca));
    if (!ca)
        return FCU_EXIT_USAGE;
    fcu_ctx_keystore_path(ctx, FCU_CA_CERT_FILE, cpath, sizeof(cpath));
    fcu_ctx_keystore_path(ctx, FCU_CA_KEY_FILE, kpath, sizeof(kpath));
    struct stat hst;
    if (stat(ctx->home, &hst) != 0 || !S_ISDIR(hst.st_mode)) {
        fcu_findings_add(f, FCU_E_HOME, FCU_SEV_ERROR, "--home",
                         "the FCU home folder %s does not exist (set --home or FCU_HOME_DIR)",
                         ctx->home);
        fcu_ca_free(ca);
        return FCU_EXIT_INVALID;
    }

    if (fcu_read_file(cpath, &data, &len) != 0) {
        fcu_findings_add(f, FCU_E_CA_CERT_MISSING, FCU_SEV_ERROR, "keystore/" FCU_CA_CERT_FILE,
                         "%s: %s (run `fcu setup` first)", cpath, strerror(errno));
    } else {
        ca->chain = fcu_certs_load(data, len, &is_der);
        if (!ca->chain)
            fcu_findings_add(f, FCU_E_CA_CERT_INVALID, FCU_SEV_ERROR,
                             "keystore/" FCU_CA_CERT_FILE, "%s: not a PEM or DER certificate",
                             cpath);
        else
            check_ca_chain(ca->chain, ctx->now, f, "keystore/" FCU_CA_CERT_FILE);
    }
    free(data);
    data = NULL;

    struct stat st;
    const char *uri_param = NULL;
    char *uri = ca_key_uri(ctx, &uri_param);
    if (uri != NULL) {
        fcu_hsm_error_t he;
        ca->key = fcu_hsm_load_key(uri, hsm_module(ctx), hsm_base_dir(ctx), &he);
        if (!ca->key)
            fcu_findings_add(f, he.code, FCU_SEV_ERROR, uri_param, "%s", he.message);
        else if (!fcu_key_is_p256(ca->key))
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_ERROR, uri_param,
                             "the token's key %s is not an EC key on P-256", uri);
        else if (ca->chain &&
                 EVP_PKEY_eq(ca->key, X509_get0_pubkey(sk_X509_value(ca->chain, 0))) != 1)
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_ERROR, uri_param,
                             "the token's key %s does not match the certificate in %s", uri,
                             cpath);
        free(uri);
    } else if (fcu_read_file(kpath, &data, &len) != 0) {
        fcu_findings_add(f, FCU_E_CA_KEY_MISSING, FCU_SEV_ERROR, "keystore/" FCU_CA_KEY_FILE,
                         "%s: %s (run `fcu setup` first)", kpath, strerror(errno));
    } else {
        ca->key = fcu_key_load(data, len);
        OPENSSL_cleanse(data, len);
        if (!ca->key)
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_ERROR, "keystore/" FCU_CA_KEY_FILE,
                             "%s: not a PEM or DER private key", kpath);
        else if (!fcu_key_is_p256(ca->key))
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_ERROR, "keystore/" FCU_CA_KEY_FILE,
                             "%s: not an EC key on P-256", kpath);
        else if (ca->chain &&
                 EVP_PKEY_eq(ca->key, X509_get0_pubkey(sk_X509_value(ca->chain, 0))) != 1)
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_ERROR, "keystore/" FCU_CA_KEY_FILE,
                             "%s does not match the certificate in %s", kpath, cpath);
        if (stat(kpath, &st) == 0 && (st.st_mode & 077) != 0)
            fcu_findings_add(f, FCU_E_CA_KEY_INVALID, FCU_SEV_WARNING,
                             "keystore/" FCU_CA_KEY_FILE,
                             "%s is readable by others (mode %03o); it should be 0600", kpath,
                             (unsigned)(st.st_mode & 0777));
    }
    ERR_clear_error();
    if (fcu_findings_errors(f) == errors) {
        ctx->ca = ca;
        ca = NULL;
        rc = FCU_EXIT_OK;
    }
    if (data)
        OPENSSL_cleanse(data, len);
    free(data);
    fcu_ca_free(ca);
    return rc;
}

/* ---- setup ---- */

static int write_pem_key(const char *path, EVP_PKEY *key)
{
    int rc = -1;
    BIO *bio = BIO_new(BIO_s_secmem()); /* cleared when freed */
    char *p = NULL;
    if (!bio || !PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL))
        goto cleanup;
    long n = BIO_get_mem_data(bio, &p);
    if (n <= 0)
        goto cleanup;
    rc = fcu_write_file(path, (const uint8_t *)p, (size_t)n, 0600);
cleanup:
    BIO_free(bio);
    return rc;
}

static int write_pem_certs(const char *path, STACK_OF(X509) *certs)
{
    int rc = -1;
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    if (!bio)
        return -1;
    for (int i = 0; i < sk_X509_num(certs); i++)
        if (!PEM_write_bio_X509(bio, sk_X509_value(certs, i)))
            goto cleanup;
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0)
        rc = fcu_write_file(path, (const uint8_t *)p, (size_t)n, 0644);
cleanup:
    BIO_free(bio);
    return rc;
}

static int add_ext(X509 *cert, X509 *issuer, STACK_OF(X509_EXTENSION) * exts, int nid,
                   const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return -1;
    int ok = exts ? X509v3_add_ext(&exts, ext, -1) != NULL : X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static X509 *self_signed_ca(const fcu_ctx_t *ctx, EVP_PKEY *key)
{
    const fcu_config_t *cfg = ctx->cfg;
    int years = cfg->ca_validity_years ? cfg->ca_validity_years : CA_DEFAULT_YEARS;
    X509 *c = X509_new();
    if (!c || !X509_set_version(c, X509_VERSION_3) || fcu_cert_random_serial(c) != 0)
        goto fail;
    if (!ASN1_TIME_set(X509_getm_notBefore(c), (time_t)(ctx->now - CA_BACKDATE)) ||
        !ASN1_TIME_set(X509_getm_notAfter(c),
                       (time_t)(ctx->now + ((int64_t)years * 365 + years / 4) * 86400)))
        goto fail;
    if (fcu_name_add(X509_get_subject_name(c), &cfg->ca_subject,
                     cfg->ca_subject.common_name ? NULL : "FCU CA", NULL) != 0 ||
        !X509_set_issuer_name(c, X509_get_subject_name(c)) || !X509_set_pubkey(c, key))
        goto fail;
    if (add_ext(c, c, NULL, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(c, c, NULL, NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign") != 0 ||
        add_ext(c, c, NULL, NID_subject_key_identifier, "hash") != 0)
        goto fail;
    if (X509_sign(c, key, EVP_sha256()) <= 0)
        goto fail;
    return c;
fail:
    ERR_clear_error();
    X509_free(c);
    return NULL;
}

static int write_csr(const fcu_ctx_t *ctx, EVP_PKEY *key, const char *path)
{
    int rc = -1;
    X509_REQ *req = X509_REQ_new();
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    BIO *bio = BIO_new(BIO_s_mem());
    char *p = NULL;
    const fcu_config_t *cfg = ctx->cfg;
    if (!req || !exts || !bio)
        goto cleanup;
    if (!X509_REQ_set_version(req, 0) ||
        fcu_name_add(X509_REQ_get_subject_name(req), &cfg->ca_subject,
                     cfg->ca_subject.common_name ? NULL : "FCU CA", NULL) != 0 ||
        !X509_REQ_set_pubkey(req, key))
        goto cleanup;
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, NULL, NULL, req, NULL, 0);
    X509_EXTENSION *e1 = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, "critical,CA:TRUE");
    X509_EXTENSION *e2 = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage,
                                             "critical,digitalSignature,keyCertSign,cRLSign");
    if (e1)
        sk_X509_EXTENSION_push(exts, e1);
    if (e2)
        sk_X509_EXTENSION_push(exts, e2);
    if (!e1 || !e2 || !X509_REQ_add_extensions(req, exts))
        goto cleanup;
    if (X509_REQ_sign(req, key, EVP_sha256()) <= 0 || !PEM_write_bio_X509_REQ(bio, req))
        goto cleanup;
    long n = BIO_get_mem_data(bio, &p);
    if (n > 0)
        rc = fcu_write_file(path, (const uint8_t *)p, (size_t)n, 0644);
cleanup:
    ERR_clear_error();
    BIO_free(bio);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    X509_REQ_free(req);
    return rc;
}

int fcu_ca_install(fcu_ctx_t *ctx, const char *file, fcu_findings_t *f, char *installed,
                   size_t installed_size, int *count, char *err, size_t errsz)
{
    int rc = FCU_EXIT_USAGE;
    uint8_t *data = NULL;
    size_t len = 0, used = 0;
    bool is_der;
    STACK_OF(X509) *chain = NULL;
    char cpath[4096], opath[4200];
    bool had_old = false;
    err[0] = '\0';
    *count = 0;
    if (fcu_read_file(file, &data, &len) != 0) {
        snprintf(err, errsz, "cannot read %s: %s", file, strerror(errno));
        goto cleanup;
    }
    chain = fcu_certs_load(data, len, &is_der);
    if (!chain) {
        fcu_findings_add(f, FCU_E_CA_CERT_INVALID, FCU_SEV_ERROR, "--install-ca",
                         "%s: not a PEM or DER certificate", file);
        rc = FCU_EXIT_INVALID;
        goto cleanup;
    }
    fcu_ctx_keystore_path(ctx, FCU_CA_CERT_FILE, cpath, sizeof(cpath));
    snprintf(installed, installed_size, "%s", cpath);
    /* an fcu.crt already in place is kept aside and put back if the new one is refused */
    snprintf(opath, sizeof(opath), "%s.previous", cpath);
    had_old = rename(cpath, opath) == 0;
    if (write_pem_certs(cpath, chain) != 0) {
        snprintf(err, errsz, "cannot write %s: %s", cpath, strerror(errno));
        goto cleanup;
    }
    /* check what was placed; on failure take it away again */
    rc = fcu_ca_load(ctx, f);
    if (rc != FCU_EXIT_OK)
        unlink(cpath);
    else
        *count = sk_X509_num(chain);
cleanup:
    if (had_old) {
        if (rc == FCU_EXIT_OK)
            unlink(opath);
        else if (rename(opath, cpath) != 0) {
            used = strlen(err);
            snprintf(err + used, errsz - used, "%sthe previous certificate is kept as %s",
                     used ? "\n" : "", opath);
        }
    }
    free(data);
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

/* The work of `fcu setup` without the argument parsing and the printing (the command and
 * libfcu share it). Findings go to `f`; an operational failure (a file that cannot be written, a
 * CA already there) is one line in `err`; `out` says what was made. Returns FCU_EXIT_*. */
int fcu_ca_setup(fcu_ctx_t *ctx, const char *uri_opt, bool force, fcu_findings_t *f,
                 fcu_setup_out_t *out, char *err, size_t errsz)
{
    int rc = FCU_EXIT_USAGE;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    char dir[4096], upath[4096];
    memset(out, 0, sizeof(*out));
    err[0] = '\0';
    snprintf(dir, sizeof(dir), "%s/keystore", ctx->home);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errsz, "cannot create %s: %s", dir, strerror(errno));
        return FCU_EXIT_USAGE;
    }
    int lr = fcu_config_load(ctx, f);
    if (lr == FCU_EXIT_USAGE)
        return FCU_EXIT_USAGE;
    for (size_t i = 0; i < f->n; i++) {
        /* setup needs a well-formed file; device-side validations can wait */
        if (f->v[i].severity == FCU_SEV_ERROR &&
            (f->v[i].code == FCU_E_WRONG_TYPE || (f->v[i].code >= 190 && f->v[i].code <= 201)))
            return FCU_EXIT_INVALID;
    }
    fcu_findings_free(f); /* other findings are for `fcu validate` */
    fcu_ctx_keystore_path(ctx, FCU_CA_KEY_FILE, out->key, sizeof(out->key));
    fcu_ctx_keystore_path(ctx, FCU_CA_CERT_FILE, out->cert, sizeof(out->cert));
    fcu_ctx_keystore_path(ctx, FCU_CA_CSR_FILE, out->csr, sizeof(out->csr));
    fcu_ctx_keystore_path(ctx, FCU_CA_KEY_URI_FILE, upath, sizeof(upath));
    if (uri_opt && ctx->cfg->ca_key_uri && strcmp(uri_opt, ctx->cfg->ca_key_uri) != 0) {
        snprintf(err, errsz, "--ca-key-uri differs from certificate-authority.private-key-uri in "
                 "%s; give one of them", ctx->cfg->path);
        goto cleanup;
    }
    const char *uri = uri_opt ? uri_opt : ctx->cfg->ca_key_uri;
    if (!force && (access(out->key, F_OK) == 0 || access(upath, F_OK) == 0)) {
        snprintf(err, errsz, "%s exists; use --force to replace the CA",
                 access(out->key, F_OK) == 0 ? out->key : upath);
        goto cleanup;
    }
    if (uri) {
        /* the key is made (or found) in the token; the keystore keeps no key file */
        fcu_hsm_error_t he;
        bool created = false;
        if (fcu_hsm_ensure_key(uri, hsm_module(ctx), hsm_base_dir(ctx), &created, &he) != 0 ||
            !(key = fcu_hsm_load_key(uri, hsm_module(ctx), hsm_base_dir(ctx), &he))) {
            fcu_findings_add(f, he.code, FCU_SEV_ERROR,
                             uri_opt ? "--ca-key-uri" : "certificate-authority.private-key-uri",
                             "%s", he.message);
            rc = FCU_EXIT_INVALID;
            goto cleanup;
        }
        unlink(out->key); /* a key file of an earlier setup (--force) must not linger */
        if (uri_opt) {
            size_t ul = strlen(uri_opt);
            char *line = malloc(ul + 2);
            int wr = -1;
            if (line) {
                memcpy(line, uri_opt, ul);
                line[ul] = '\n';
                wr = fcu_write_file(upath, (const uint8_t *)line, ul + 1, 0644);
                free(line);
            }
            if (wr != 0) {
                snprintf(err, errsz, "cannot write %s: %s", upath, strerror(errno));
                goto cleanup;
            }
        } else {
            unlink(upath);
        }
        out->in_token = true;
        out->token_key_created = created;
        snprintf(out->key, sizeof(out->key), "%s", uri);
    } else {
        key = fcu_key_generate();
        if (!key || write_pem_key(out->key, key) != 0) {
            snprintf(err, errsz, "cannot create %s: %s", out->key, strerror(errno));
            goto cleanup;
        }
        unlink(upath); /* the CA key is in the keystore file now, not in a token */
    }
    if (ctx->cfg->setup_ca_as_intermediate) {
        if (write_csr(ctx, key, out->csr) != 0) {
            snprintf(err, errsz, "cannot write %s", out->csr);
            goto cleanup;
        }
        unlink(out->cert); /* an old certificate does not match the new key */
        out->made_csr = true;
        rc = FCU_EXIT_OK;
        goto cleanup;
    }
    cert = self_signed_ca(ctx, key);
    STACK_OF(X509) *one = sk_X509_new_null();
    if (!cert || !one || !sk_X509_push(one, cert) || write_pem_certs(out->cert, one) != 0) {
        sk_X509_free(one);
        snprintf(err, errsz, "cannot create %s", out->cert);
        goto cleanup;
    }
    sk_X509_free(one);
    rc = FCU_EXIT_OK;
cleanup:
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}
