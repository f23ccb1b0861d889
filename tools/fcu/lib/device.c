/* SPDX-License-Identifier: Apache-2.0 */
/* Per-device work of fcu: obtain the device key and certificate (generated and signed by the
 * FCU CA in by_tool mode, read from the device folder in externally_supplied mode), run every
 * device-side validation of the connection configuration, and build the bundle. This is what
 * `fcu validate`, `fcu bundle` and the factory-line commands share (fcu_device_build). */
#include "fcu.h"
#include "fcu_bundle.h"
#include "fcu_config_int.h"
#include "fcu_int.h"
#include "fcu_session.h"
#include "fcu_validate.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DEVICE_YEARS 35
#define ENDPOINT_MAX 64 /* X.509 upper bound of a common name */

/* Reads <dir>/<base>.der or <dir>/<base>.pem. Returns 0 with the data and the path used, 1 when
 * neither exists, -1 when one exists but cannot be read (finding added). */
static int read_device_file(const char *dir, const char *base, fcu_findings_t *f,
                            const char *param, uint8_t **data, size_t *len, char *path,
                            size_t psize)
{
    static const char *const exts[] = {"der", "pem"};
    int found = 0;
    for (size_t i = 0; i < 2; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s.%s", dir, base, exts[i]);
        if (access(p, F_OK) != 0)
            continue;
        if (found++) {
            fcu_findings_add(f, FCU_E_DEVICE_FILE_INVALID, FCU_SEV_ERROR, param,
                             "both %s.der and %s.pem exist in %s; keep one", base, base, dir);
            free(*data);
            *data = NULL;
            return -1;
        }
        snprintf(path, psize, "%s", p);
        if (fcu_read_file(p, data, len) != 0) {
            fcu_findings_add(f, FCU_E_DEVICE_FILE_INVALID, FCU_SEV_ERROR, param,
                             "cannot read %s: %s", p, strerror(errno));
            return -1;
        }
    }
    return found ? 0 : 1;
}

typedef struct material {
    EVP_PKEY *key;
    STACK_OF(X509) *chain; /* what the device stores, leaf first */
    STACK_OF(X509) *supplied; /* externally_supplied: the whole chain of the file, checked
                                 entirely even when the stored chain is cut shorter */
    X509 *issuer;          /* the leaf's CA (borrowed from supplied or the FCU CA), may be NULL */
    bool by_tool;
    unsigned char pt[160]; /* the key's encoded public point */
    size_t ptlen;
    uint8_t *leaf_der;     /* by_tool: the signed leaf's DER (the X509 object is unsigned) */
    size_t leaf_len;
} material_t;

static void material_free(material_t *m)
{
    EVP_PKEY_free(m->key);
    sk_X509_pop_free(m->chain, X509_free);
    sk_X509_pop_free(m->supplied, X509_free);
    free(m->leaf_der);
    memset(m, 0, sizeof(*m));
}

/* Cuts `sk` (leaf first) to the configured chain depth; findings 111/112. */
static bool apply_depth(const fcu_config_t *cfg, STACK_OF(X509) *sk, fcu_findings_t *f,
                        const char *what)
{
    int n = sk_X509_num(sk);
    int depth = cfg->chain_depth;
    if (depth == 0) {
        if (n > 1) {
            fcu_cfg_finding(cfg, f, FCU_E_CHAIN_DEPTH_MISSING, FCU_SEV_ERROR,
                            "device-certificate-chain-depth",
                            "%s is a chain of %d certificates: set device-certificate-chain-depth "
                            "(1..%d)",
                            what, n, n > 5 ? 5 : n);
            return false;
        }
        return true;
    }
    if (depth > n) {
        fcu_cfg_finding(cfg, f, FCU_E_CHAIN_DEPTH_TOO_LARGE, FCU_SEV_ERROR,
                        "device-certificate-chain-depth",
                        "depth %d is greater than the %d certificate%s available from %s", depth,
                        n, n == 1 ? "" : "s", what);
        return false;
    }
    while (sk_X509_num(sk) > depth)
        X509_free(sk_X509_pop(sk));
    return true;
}

/* by_tool: a fresh key and its certificate. by_device (`csr_pt` = the public point of the
 * device's CSR, already checked): the certificate only, with the same profile; without a point
 * (the session's first message) only the CA and the depth are checked, so that nothing goes to
 * the device that could not be completed. */
static void obtain_by_tool(fcu_ctx_t *ctx, const fcu_device_req_t *req, material_t *m,
                           fcu_findings_t *f, bool by_device, const unsigned char *csr_pt,
                           size_t csr_ptlen)
{
    const fcu_config_t *cfg = ctx->cfg;
    char aid[256];
    const char *uri = fcu_active_uri(cfg);
    const char *ou = uri && fcu_uri_aid(uri, aid, sizeof(aid)) && *aid ? aid : NULL;
    m->by_tool = true;
    if (ou && strlen(ou) > FCU_AID_MAX)
        return; /* no certificate can carry it as its OU: 329 on the URI says so */
    if (fcu_ca_load(ctx, f) != FCU_EXIT_OK)
        return;
    /* the stored chain: device certificate + FCU CA chain, cut to the configured depth */
    STACK_OF(X509) *avail = sk_X509_new_null();
    if (!avail)
        return;
    for (int i = 0; i < sk_X509_num(ctx->ca->chain); i++) {
        X509 *c = sk_X509_value(ctx->ca->chain, i);
        X509_up_ref(c);
        sk_X509_push(avail, c);
    }
    int total = sk_X509_num(avail) + 1;
    if (cfg->chain_depth > total) {
        fcu_cfg_finding(cfg, f, FCU_E_CHAIN_DEPTH_TOO_LARGE, FCU_SEV_ERROR,
                        "device-certificate-chain-depth",
                        "depth %d is greater than the device certificate plus the %d "
                        "certificate%s of keystore/fcu.crt",
                        cfg->chain_depth, total - 1, total == 2 ? "" : "s");
        sk_X509_pop_free(avail, X509_free);
        return;
    }
    if (cfg->chain_depth == 0 && total > 2) {
        fcu_cfg_finding(cfg, f, FCU_E_CHAIN_DEPTH_MISSING, FCU_SEV_ERROR,
                        "device-certificate-chain-depth",
                        "keystore/fcu.crt is a chain of %d certificates: set "
                        "device-certificate-chain-depth",
                        total - 1);
        sk_X509_pop_free(avail, X509_free);
        return;
    }
    if (!req->endpoint_name || !*req->endpoint_name || (by_device && !csr_pt)) {
        sk_X509_pop_free(avail, X509_free);
        return; /* 101 already reported; nothing to sign (or nothing yet: by_device) */
    }
    if (by_device) {
        if (csr_ptlen <= sizeof(m->pt)) {
            memcpy(m->pt, csr_pt, csr_ptlen);
            m->ptlen = csr_ptlen;
        }
    } else {
        m->key = fcu_key_generate_with(ctx->ca);
        if (m->key)
            m->ptlen = fcu_key_pub_point(m->key, m->pt, sizeof(m->pt));
    }
    X509 *leaf = m->ptlen ? fcu_device_cert_issue(ctx, ctx->ca, m->pt, m->ptlen,
                                                  req->endpoint_name, ou,
                                                  cfg->dev_validity_years
                                                      ? cfg->dev_validity_years
                                                      : DEFAULT_DEVICE_YEARS,
                                                  &m->leaf_der, &m->leaf_len)
                          : NULL;
    if (!leaf) {
        fcu_findings_add(f, FCU_E_DEVICE_CERT_MISSING, FCU_SEV_ERROR, "device-certificate",
                         "could not generate the device key and certificate");
        sk_X509_pop_free(avail, X509_free);
        return;
    }
    m->issuer = sk_X509_value(ctx->ca->chain, 0);
    sk_X509_unshift(avail, leaf);
    int depth = cfg->chain_depth ? cfg->chain_depth : 1;
    while (sk_X509_num(avail) > depth)
        X509_free(sk_X509_pop(avail));
    m->chain = avail;
}

static void obtain_external(fcu_ctx_t *ctx, const fcu_device_req_t *req, material_t *m,
                            fcu_findings_t *f)
{
    const fcu_config_t *cfg = ctx->cfg;
    const char *set = cfg->use_bootstrap ? "Bootstrap" : "LwM2M";
    char base[64], path[4096];
    uint8_t *data = NULL;
    size_t len = 0;
    bool is_der;
    if (!req->device_keys_dir) {
        fcu_findings_add(f, FCU_E_DEVICE_KEY_MISSING, FCU_SEV_ERROR, "--device-keys",
                         "device-key-generation-mode is externally_supplied: give the folder of "
                         "the device's keys with --device-keys");
        return;
    }
    /* the other mode's files are not sent: say so */
    static const char *const names[] = {"DeviceCert", "DevicePrivateKey"};
    const char *other = cfg->use_bootstrap ? "LwM2M" : "Bootstrap";
    for (size_t i = 0; i < 2; i++) {
        for (size_t e = 0; e < 2; e++) {
            snprintf(path, sizeof(path), "%s/%s%s.%s", req->device_keys_dir, other, names[i],
                     e ? "pem" : "der");
            if (access(path, F_OK) == 0) {
                snprintf(base, sizeof(base), "%s%s", other, names[i]);
                fcu_findings_add(f, FCU_W_IGNORED, FCU_SEV_WARNING, base,
                                 "%s is ignored (not sent) because use-bootstrap is %s", path,
                                 cfg->use_bootstrap ? "true" : "false");
            }
        }
    }
    snprintf(base, sizeof(base), "%sDevicePrivateKey", set);
    int r = read_device_file(req->device_keys_dir, base, f, base, &data, &len, path, sizeof(path));
    if (r == 1)
        fcu_findings_add(f, FCU_E_DEVICE_KEY_MISSING, FCU_SEV_ERROR, base,
                         "%s/%s.der or .pem is missing", req->device_keys_dir, base);
    else if (r == 0) {
        m->key = fcu_key_load(data, len);
        OPENSSL_cleanse(data, len);
        if (!m->key)
            fcu_findings_add(f, FCU_E_DEVICE_FILE_INVALID, FCU_SEV_ERROR, base,
                             "%s is not a PEM or DER private key", path);
        else if (!fcu_key_is_p256(m->key))
            fcu_findings_add(f, FCU_E_CRYPTO_SCHEME, FCU_SEV_ERROR, base,
                             "%s is not an EC key on P-256 (supported-crypto-scheme secp256r1)",
                             path);
        else
            m->ptlen = fcu_key_pub_point(m->key, m->pt, sizeof(m->pt));
    }
    free(data);
    data = NULL;

    snprintf(base, sizeof(base), "%sDeviceCert", set);
    r = read_device_file(req->device_keys_dir, base, f, base, &data, &len, path, sizeof(path));
    if (r == 1)
        fcu_findings_add(f, FCU_E_DEVICE_CERT_MISSING, FCU_SEV_ERROR, base,
                         "%s/%s.der or .pem is missing", req->device_keys_dir, base);
    else if (r == 0) {
        char why[200];
        m->supplied = fcu_certs_load_why(data, len, &is_der, why, sizeof(why));
        if (!m->supplied)
            fcu_findings_add(f, FCU_E_DEVICE_FILE_INVALID, FCU_SEV_ERROR, base,
                             "%s: %s (a .der file holds exactly one certificate; chains only "
                             "as PEM)",
                             path, why);
        else {
            /* the leaf's CA stays known (and checked) when the depth cuts it off the stored
             * chain */
            if (sk_X509_num(m->supplied) > 1)
                m->issuer = sk_X509_value(m->supplied, 1);
            m->chain = X509_chain_up_ref(m->supplied);
            if (!m->chain || !apply_depth(cfg, m->chain, f, path)) {
                sk_X509_pop_free(m->chain, X509_free);
                m->chain = NULL;
                m->issuer = NULL;
            }
        }
    }
    free(data);
}

/* The device-side rows of the connection configuration over the obtained material. */
static void check_material(fcu_ctx_t *ctx, const fcu_device_req_t *req, const material_t *m,
                           fcu_findings_t *f)
{
    const fcu_config_t *cfg = ctx->cfg;
    const char *param = cfg->use_bootstrap ? "BootstrapDeviceCert" : "LwM2MDeviceCert";
    const char *kparam = cfg->use_bootstrap ? "BootstrapDevicePrivateKey" : "LwM2MDevicePrivateKey";
    char why[200], aid[256];
    if (!m->chain || sk_X509_num(m->chain) == 0)
        return;
    X509 *leaf = sk_X509_value(m->chain, 0);
    /* every certificate of a supplied chain, also those the depth leaves out */
    STACK_OF(X509) *all = m->supplied ? m->supplied : m->chain;
    for (int i = 0; i < sk_X509_num(all); i++) {
        X509 *c = sk_X509_value(all, i);
        if (!fcu_cert_scheme_ok(c, why, sizeof(why)))
            fcu_findings_add(f, FCU_E_CRYPTO_SCHEME, FCU_SEV_ERROR, param,
                             "certificate %d of the chain: %s", i + 1, why);
        /* what the device's X.509 parser refuses, and the path rules a server applies in the
         * handshake (the leaf is the client certificate, every other one issues the one
         * before it and has i - 1 CA certificates below it) */
        if (!fcu_cert_device_parsable(c, why, sizeof(why)))
            fcu_findings_add(f, FCU_E_CERT_DEVICE_PARSE, FCU_SEV_ERROR, param,
                             "certificate %d of the chain: %s", i + 1, why);
        int der_len = i2d_X509(c, NULL);
        if (der_len > 0 && fcu_value_size_check((size_t)der_len, why, sizeof(why)) >= 0)
            fcu_findings_add(f, FCU_E_BUNDLE_TOO_LARGE, FCU_SEV_ERROR, param,
                             "certificate %d of the chain is %s", i + 1, why);
        if (!fcu_cert_path_ok(c, i > 0, i > 0 ? i - 1 : 0, why, sizeof(why)))
            fcu_findings_add(f, FCU_E_CERT_PATH, FCU_SEV_ERROR, param,
                             "certificate %d of the chain: %s", i + 1, why);
        int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(c));
        if (i > 0 && na <= ctx->now)
            fcu_findings_add(f, FCU_E_CERT_EXPIRED, FCU_SEV_ERROR, param,
                             "certificate %d of the chain has expired", i + 1);
        else if (i > 0 && fcu_asn1_time_epoch(X509_get0_notBefore(c)) > ctx->now)
            fcu_findings_add(f, FCU_E_CERT_EXPIRED, FCU_SEV_ERROR, param,
                             "certificate %d of the chain is not valid yet", i + 1);
        /* valid-from order of each link beyond the leaf's (that one is checked below with
         * the leaf's CA): a CA valid from not later than the certificate it issued */
        if (i > 0 && i + 1 < sk_X509_num(all) &&
            fcu_asn1_time_epoch(X509_get0_notBefore(c)) <
                fcu_asn1_time_epoch(X509_get0_notBefore(sk_X509_value(all, i + 1))))
            fcu_findings_add(f, FCU_E_CERT_VALID_FROM, FCU_SEV_ERROR, param,
                             "certificate %d of the chain is valid from before certificate %d, "
                             "its CA",
                             i + 1, i + 2);
        /* by_tool: the link leaf -> FCU CA holds by construction and the CA chain was checked
         * when it was loaded, so only supplied chains are verified here */
        if (!m->by_tool && i + 1 < sk_X509_num(all)) {
            int ok = X509_verify(c, X509_get0_pubkey(sk_X509_value(all, i + 1)));
            ERR_clear_error();
            if (ok != 1)
                fcu_findings_add(f, FCU_E_CHAIN_LINK, FCU_SEV_ERROR, param,
                                 "certificate %d of the chain is not signed by certificate %d",
                                 i + 1, i + 2);
        }
    }
    if (fcu_cert_self_signed(leaf))
        fcu_findings_add(f, FCU_E_CERT_SELF_SIGNED, FCU_SEV_ERROR, param,
                         "the device certificate is self-signed");
    int64_t nb = fcu_asn1_time_epoch(X509_get0_notBefore(leaf));
    int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(leaf));
    if (nb > ctx->now)
        fcu_findings_add(f, FCU_E_CERT_VALID_FROM, FCU_SEV_ERROR, param,
                         "the device certificate's valid-from is in the future");
    if (m->issuer) {
        int64_t cnb = fcu_asn1_time_epoch(X509_get0_notBefore(m->issuer));
        if (nb < cnb) /* "not later than": the same second is in order (contract 8.11) */
            fcu_findings_add(f, FCU_E_CERT_VALID_FROM, FCU_SEV_ERROR, param,
                             "the device certificate's valid-from is before its CA's "
                             "valid-from");
        int64_t cna = fcu_asn1_time_epoch(X509_get0_notAfter(m->issuer));
        if (na > cna)
            fcu_findings_add(f, FCU_W_OUTLIVES_CA, FCU_SEV_WARNING, param,
                             "the device certificate expires after its CA");
    }
    if (na - ctx->now <= FCU_TEN_YEARS)
        fcu_findings_add(f, FCU_E_CERT_EXPIRY, FCU_SEV_ERROR, param,
                         "the device certificate %s; it must be valid for more than 10 years",
                         na <= ctx->now ? "has expired" : "expires within 10 years");
    if (!fcu_cert_has_client_auth(leaf))
        fcu_findings_add(f, FCU_E_CERT_EKU, FCU_SEV_ERROR, param,
                         "the device certificate's extended key usage must include clientAuth");
    if (req->endpoint_name && *req->endpoint_name) {
        /* byte for byte, as the device compares them (not after a UTF-8 conversion) */
        if (!fcu_cert_subject_raw_eq(leaf, NID_commonName, req->endpoint_name))
            fcu_findings_add(f, FCU_E_CERT_CN, FCU_SEV_ERROR, param,
                             "the device certificate's CN must equal the endpoint name '%s' "
                             "byte for byte (a device compares the encoded value: a BMPString "
                             "never matches)",
                             req->endpoint_name);
    }
    const char *uri = fcu_active_uri(cfg);
    if (!cfg->use_bootstrap && uri && fcu_uri_aid(uri, aid, sizeof(aid))) {
        if (!fcu_cert_subject_raw_eq(leaf, NID_organizationalUnitName, aid))
            fcu_findings_add(f, FCU_E_CERT_OU, FCU_SEV_ERROR, param,
                             "the device certificate's OU must equal the aid '%s' of "
                             "lwm2m-server-uri byte for byte (as it stands in the URI, never "
                             "percent-decoded; a BMPString never matches)",
                             aid);
    }
    if (m->key && m->ptlen && !fcu_cert_point_matches(leaf, m->key, m->pt, m->ptlen)) {
        fcu_findings_add(f, FCU_E_KEY_MISMATCH, FCU_SEV_ERROR, kparam,
                         "the private key does not match the device certificate");
        ERR_clear_error();
    }
}

static void obtain_entropy(const fcu_config_t *cfg, const fcu_device_req_t *req, uint8_t *ent,
                           bool *has, fcu_findings_t *f)
{
    *has = false;
    if (cfg->entropy_mode == FCU_ENTROPY_BY_DEVICE)
        return;
    if (cfg->entropy_mode == FCU_ENTROPY_BY_TOOL) {
        if (RAND_priv_bytes(ent, FCU_ENTROPY_SIZE) != 1) {
            fcu_findings_add(f, FCU_E_ENTROPY, FCU_SEV_ERROR, "entropy-generation-mode",
                             "the random generator failed");
            return;
        }
        *has = true;
        return;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    char path[4096];
    if (!req->device_keys_dir) {
        fcu_findings_add(f, FCU_E_ENTROPY, FCU_SEV_ERROR, "entropy.bin",
                         "entropy-generation-mode is externally_supplied: give --device-keys");
        return;
    }
    snprintf(path, sizeof(path), "%s/entropy.bin", req->device_keys_dir);
    if (fcu_read_file(path, &data, &len) != 0) {
        fcu_findings_add(f, FCU_E_ENTROPY, FCU_SEV_ERROR, "entropy.bin", "cannot read %s: %s",
                         path, strerror(errno));
        return;
    }
    if (len != FCU_ENTROPY_SIZE)
        fcu_findings_add(f, FCU_E_ENTROPY, FCU_SEV_ERROR, "entropy.bin",
                         "%s holds %zu bytes; exactly %d are needed", path, len,
                         FCU_ENTROPY_SIZE);
    else {
        memcpy(ent, data, FCU_ENTROPY_SIZE);
        *has = true;
    }
    OPENSSL_cleanse(data, len);
    free(data);
}

static void check_request(const fcu_device_req_t *req, fcu_findings_t *f)
{
    if (!req->endpoint_name || !*req->endpoint_name)
        fcu_findings_add(f, FCU_E_DEVICE_ID_MISSING, FCU_SEV_ERROR, "--endpoint-name",
                         "the endpoint name is missing or empty");
    else if (strlen(req->endpoint_name) > ENDPOINT_MAX)
        fcu_findings_add(f, FCU_E_VALUE_INVALID, FCU_SEV_ERROR, "--endpoint-name",
                         "the endpoint name is longer than %d bytes (the certificate CN limit)",
                         ENDPOINT_MAX);
    char why[160];
    int sev;
    if (!req->serial_number || !*req->serial_number)
        fcu_findings_add(f, FCU_E_DEVICE_ID_MISSING, FCU_SEV_ERROR, "--serial-number",
                         "the serial number is missing or empty");
    else if ((sev = fcu_value_size_check(strlen(req->serial_number), why, sizeof(why))) >= 0)
        fcu_findings_add(f, FCU_E_BUNDLE_TOO_LARGE, (fcu_severity_t)sev, "--serial-number",
                         "the serial number is %s", why);
    if (req->sid && strlen(req->sid) > 64)
        fcu_findings_add(f, FCU_E_VALUE_INVALID, FCU_SEV_ERROR, "--sid",
                         "the session id is longer than 64 bytes");
    if (req->disable && req->keep_alive)
        fcu_findings_add(f, FCU_E_VALUE_INVALID, FCU_SEV_ERROR, "--disable",
                         "factory-disable ends the session: it cannot be combined with "
                         "keep-alive");
}

void fcu_device_result_free(fcu_device_result_t *res)
{
    if (!res)
        return;
    if (res->bundle) {
        OPENSSL_cleanse(res->bundle, res->bundle_len); /* it holds the device private key */
        free(res->bundle);
    }
    free(res->cert_der);
    memset(res, 0, sizeof(*res));
}

int fcu_device_build(fcu_ctx_t *ctx, const fcu_device_req_t *req, fcu_device_result_t *res,
                     fcu_findings_t *f)
{
    return fcu_device_build_session(ctx, req, NULL, 0, res, f);
}

int fcu_device_build_session(fcu_ctx_t *ctx, const fcu_device_req_t *req, const uint8_t *csr,
                             size_t csr_len, fcu_device_result_t *res, fcu_findings_t *f)
{
    int rc = FCU_EXIT_INVALID;
    material_t m;
    memset(&m, 0, sizeof(m));
    memset(res, 0, sizeof(*res));
    fcu_bundle_parts_t parts;
    memset(&parts, 0, sizeof(parts));
    uint8_t *key_der = NULL, *chain_der[5] = {NULL};
    size_t key_len = 0;
    size_t errors = fcu_findings_errors(f);

    int lr = fcu_config_load(ctx, f);
    if (lr == FCU_EXIT_USAGE || !ctx->cfg)
        return lr == FCU_EXIT_USAGE ? FCU_EXIT_USAGE : FCU_EXIT_INVALID;
    const fcu_config_t *cfg = ctx->cfg;
    if (lr != FCU_EXIT_OK)
        errors = 0; /* configuration errors count as this build's errors */

    check_request(req, f);
    bool by_device = cfg->keygen_mode == FCU_KEYGEN_BY_DEVICE;

    unsigned char csr_pt[160];
    size_t csr_ptlen = 0;
    if (by_device && csr) {
        EVP_PKEY *pub = fcu_csr_check(ctx, req, csr, csr_len, f);
        if (pub)
            csr_ptlen = fcu_key_pub_point(pub, csr_pt, sizeof(csr_pt));
        EVP_PKEY_free(pub);
        if (!csr_ptlen)
            goto cleanup;
    }
    if (cfg->keygen_mode == FCU_KEYGEN_BY_TOOL || by_device)
        obtain_by_tool(ctx, req, &m, f, by_device, csr_ptlen ? csr_pt : NULL, csr_ptlen);
    else
        obtain_external(ctx, req, &m, f);
    check_material(ctx, req, &m, f);
    /* by_device: entropy goes with the first message, before the device makes its key */
    if (!by_device || !csr)
        obtain_entropy(cfg, req, parts.entropy, &parts.has_entropy, f);
    if (fcu_findings_errors(f) > errors || lr != FCU_EXIT_OK)
        goto cleanup;
    if (by_device && !csr) {
        /* the session's first message: the key pair and CSR request */
        if (fcu_bundle_encode_csr_request(ctx, req, &parts, &res->bundle, &res->bundle_len,
                                          f) != 0)
            goto cleanup;
        rc = FCU_EXIT_OK;
        goto cleanup;
    }
    if (by_device) {
        parts.cert_prkn = fcu_device_key_name(cfg);
        parts.session_last = true;
    }
    if ((!m.key && !by_device) || !m.chain) {
        fcu_findings_add(f, FCU_E_GENERAL, FCU_SEV_ERROR, "device-key-generation-mode",
                         "no device key and certificate were obtained");
        goto cleanup;
    }
    /* DER of every item once: the bundle and the result share it */
    if (!by_device) {
        key_der = fcu_key_der_p256(m.key, m.pt, m.ptlen, &key_len);
        if (!key_der)
            goto cleanup;
        parts.key_der = key_der;
        parts.key_len = key_len;
    }
    parts.nchain = sk_X509_num(m.chain);
    for (int i = 0; i < parts.nchain && i < 5; i++) {
        if (i == 0 && m.leaf_der) {
            chain_der[0] = m.leaf_der;
            parts.chain_len[0] = m.leaf_len;
            m.leaf_der = NULL;
        } else
            chain_der[i] = fcu_cert_der(sk_X509_value(m.chain, i), &parts.chain_len[i]);
        if (!chain_der[i])
            goto cleanup;
        parts.chain_der[i] = chain_der[i];
    }
    if (fcu_bundle_encode(ctx, req, &parts, &res->bundle, &res->bundle_len, f) != 0)
        goto cleanup;
    res->cert_der = chain_der[0];
    res->cert_der_len = parts.chain_len[0];
    chain_der[0] = NULL;
    SHA256(res->cert_der, res->cert_der_len, res->cert_sha256);
    fcu_enrollment_id_from_digest(res->cert_sha256, res->enrollment_id,
                                  sizeof(res->enrollment_id));
    snprintf(res->fingerprint, sizeof(res->fingerprint), "%s", res->enrollment_id + 2);
    if (!(cfg->use_bootstrap && cfg->first_to_claim))
        res->enrollment_id[0] = '\0';
    else {
        /* recompute from the bytes that actually go to the device */
        char again[100];
        if (fcu_bundle_enrollment_id(res->bundle, res->bundle_len, again, sizeof(again)) != 0 ||
            strcmp(again, res->enrollment_id) != 0) {
            fcu_findings_add(f, FCU_E_ENROLLMENT_ID, FCU_SEV_ERROR, "mbed.BootstrapDeviceCert",
                             "the enrollment ID recomputed from the bundle differs from %s",
                             res->enrollment_id);
            goto cleanup;
        }
    }
    rc = FCU_EXIT_OK;
cleanup:
    OPENSSL_cleanse(parts.entropy, sizeof(parts.entropy));
    if (key_der) {
        OPENSSL_cleanse(key_der, key_len);
        free(key_der);
    }
    for (int i = 0; i < 5; i++)
        free(chain_der[i]);
    material_free(&m);
    if (rc != FCU_EXIT_OK)
        fcu_device_result_free(res);
    return rc;
}
