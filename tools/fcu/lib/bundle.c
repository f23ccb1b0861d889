/* SPDX-License-Identifier: Apache-2.0 */
/* Bundle encoder of fcu: one definite-length CBOR map per wire contract section 2, flags as
 * unsigned integers 0/1, keys and certificates DER only, ConfigParams entries with Name and Data
 * only. Also the small CBOR readers shared with `fcu inspect`. */
#include "fcu.h"
#include "fcu_bundle.h"
#include "fcu_config_int.h"
#include "fcu_int.h"
#include "fcu_session.h"
#include "fcu_validate.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal definite-length CBOR writer ----
 * The bundle is written straight into one buffer: every container's item count is known before
 * it is opened, integers take their shortest form, and nothing is built as a tree (building and
 * freeing a libcbor tree cost more than the certificate signature). libcbor still decodes what
 * is written here, in `fcu inspect` and in the tests. */
typedef struct wr {
    uint8_t *buf;
    size_t len, cap;
    bool failed;
} wr_t;

static void wr_bytes(wr_t *w, const void *d, size_t n)
{
    if (w->failed)
        return;
    if (w->len + n > w->cap) {
        size_t cap = (w->cap ? w->cap : 256) * 2;
        while (cap < w->len + n)
            cap *= 2;
        uint8_t *nb = malloc(cap);
        if (!nb) {
            w->failed = true;
            return;
        }
        if (w->len)
            memcpy(nb, w->buf, w->len);
        if (w->buf) {
            OPENSSL_cleanse(w->buf, w->cap); /* it may hold the private key already */
            free(w->buf);
        }
        w->buf = nb;
        w->cap = cap;
    }
    memcpy(w->buf + w->len, d, n);
    w->len += n;
}

static void wr_head(wr_t *w, unsigned major, uint64_t v)
{
    uint8_t h[9];
    size_t n;
    uint8_t m = (uint8_t)(major << 5);
    if (v < 24) {
        h[0] = (uint8_t)(m | v);
        n = 1;
    } else if (v <= 0xff) {
        h[0] = m | 24;
        h[1] = (uint8_t)v;
        n = 2;
    } else if (v <= 0xffff) {
        h[0] = m | 25;
        h[1] = (uint8_t)(v >> 8);
        h[2] = (uint8_t)v;
        n = 3;
    } else if (v <= 0xffffffffu) {
        h[0] = m | 26;
        for (int i = 0; i < 4; i++)
            h[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        n = 5;
    } else {
        h[0] = m | 27;
        for (int i = 0; i < 8; i++)
            h[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        n = 9;
    }
    wr_bytes(w, h, n);
}

static void wr_uint(wr_t *w, uint64_t v)
{
    wr_head(w, 0, v);
}

static void wr_data(wr_t *w, const uint8_t *d, size_t n)
{
    wr_head(w, 2, n);
    wr_bytes(w, d, n);
}

static void wr_text(wr_t *w, const char *s)
{
    size_t n = strlen(s);
    wr_head(w, 3, n);
    wr_bytes(w, s, n);
}

static void wr_array(wr_t *w, size_t n)
{
    wr_head(w, 4, n);
}

static void wr_map(wr_t *w, size_t n)
{
    wr_head(w, 5, n);
}

/* Hands the written bundle over, or wipes it and adds a finding when writing failed. */
static int wr_finish(wr_t *w, uint8_t **out, size_t *out_len, fcu_findings_t *f)
{
    if (w->failed || !w->buf) {
        if (w->buf) {
            OPENSSL_cleanse(w->buf, w->cap);
            free(w->buf);
        }
        fcu_findings_add(f, FCU_E_GENERAL, FCU_SEV_ERROR, "bundle", "could not encode the bundle");
        return -1;
    }
    *out = w->buf;
    *out_len = w->len;
    return 0;
}

/* {Name: name, Data: text} / {Name, Data: uint} / {Name, Data: bytes} */
static void wr_param_text(wr_t *w, const char *name, const char *v)
{
    wr_map(w, 2);
    wr_text(w, "Name");
    wr_text(w, name);
    wr_text(w, "Data");
    wr_text(w, v);
}

static void wr_param_uint(wr_t *w, const char *name, uint64_t v)
{
    wr_map(w, 2);
    wr_text(w, "Name");
    wr_text(w, name);
    wr_text(w, "Data");
    wr_uint(w, v);
}

static void wr_param_bytes(wr_t *w, const char *name, const uint8_t *d, size_t n)
{
    wr_map(w, 2);
    wr_text(w, "Name");
    wr_text(w, name);
    wr_text(w, "Data");
    wr_data(w, d, n);
}

/* {Name, Format: der, Data[, PrKN]} */
static void wr_cert_prkn(wr_t *w, const char *name, const uint8_t *der, size_t n,
                         const char *prkn)
{
    wr_map(w, prkn ? 4 : 3);
    wr_text(w, "Name");
    wr_text(w, name);
    wr_text(w, "Format");
    wr_text(w, "der");
    wr_text(w, "Data");
    wr_data(w, der, n);
    if (prkn) {
        wr_text(w, "PrKN");
        wr_text(w, prkn);
    }
}

static void wr_cert(wr_t *w, const char *name, const uint8_t *der, size_t n)
{
    wr_cert_prkn(w, name, der, n, NULL);
}

/* {Name, Format: der, DataArray: [leaf, ...][, PrKN]} */
static void wr_chain_prkn(wr_t *w, const char *name, const uint8_t *const *der,
                          const size_t *len, int n, const char *prkn)
{
    wr_map(w, prkn ? 4 : 3);
    wr_text(w, "Name");
    wr_text(w, name);
    wr_text(w, "Format");
    wr_text(w, "der");
    if (prkn) {
        wr_text(w, "PrKN");
        wr_text(w, prkn);
    }
    wr_text(w, "DataArray");
    wr_array(w, (size_t)n);
    for (int i = 0; i < n; i++)
        wr_data(w, der[i], len[i]);
}

static void wr_chain(wr_t *w, const char *name, const uint8_t *const *der, const size_t *len,
                     int n)
{
    wr_chain_prkn(w, name, der, len, n, NULL);
}

/* Reads the configuration's certificate files once (they were validated on load). */
static int load_cfg_certs(const fcu_config_t *cfg)
{
    fcu_config_priv_t *p = cfg->priv;
    if (p->certs_loaded)
        return 0;
    const char *ca = cfg->use_bootstrap ? cfg->bootstrap_server_ca_file : cfg->lwm2m_server_ca_file;
    uint8_t *data = NULL;
    size_t len = 0;
    bool is_der;
    STACK_OF(X509) *sk = NULL;
    if (!ca || fcu_read_file(ca, &data, &len) != 0)
        return -1;
    sk = fcu_certs_load(data, len, &is_der);
    free(data);
    data = NULL;
    if (!sk || !(p->server_ca_der = fcu_cert_der(sk_X509_value(sk, 0), &p->server_ca_len)))
        goto fail;
    sk_X509_pop_free(sk, X509_free);
    sk = NULL;
    if (cfg->update_auth_cert_file) {
        if (fcu_read_file(cfg->update_auth_cert_file, &data, &len) != 0)
            goto fail;
        sk = fcu_certs_load(data, len, &is_der);
        free(data);
        if (!sk || sk_X509_num(sk) > 5)
            goto fail;
        for (int i = 0; i < sk_X509_num(sk); i++) {
            p->update_der[i] = fcu_cert_der(sk_X509_value(sk, i), &p->update_len[i]);
            if (!p->update_der[i])
                goto fail;
            p->update_count = i + 1;
        }
        sk_X509_pop_free(sk, X509_free);
    }
    p->certs_loaded = true;
    return 0;
fail:
    sk_X509_pop_free(sk, X509_free);
    return -1;
}

/* The custom-properties of group `type` (fcu_config_int.h): keys as {Name, Type, Format, Data},
 * single certificates, chains, config parameters (text for `data`, bytes for `data-file`). */
static void wr_custom(wr_t *w, const fcu_config_t *cfg, fcu_custom_type_t type, bool chains)
{
    const fcu_config_priv_t *priv = cfg->priv;
    for (size_t i = 0; i < priv->ncustom; i++) {
        const fcu_custom_prop_t *cp = &priv->custom[i];
        if (!cp->ok || cp->type != (int)type)
            continue;
        switch (type) {
        case FCU_CUSTOM_PRIVKEY:
        case FCU_CUSTOM_PUBKEY:
            wr_map(w, 4);
            wr_text(w, "Name");
            wr_text(w, cp->name);
            wr_text(w, "Type");
            wr_text(w, type == FCU_CUSTOM_PRIVKEY ? "ECCPrivate" : "ECCPublic");
            wr_text(w, "Format");
            wr_text(w, "der");
            wr_text(w, "Data");
            wr_data(w, cp->bytes, cp->len);
            break;
        case FCU_CUSTOM_CERT:
            if (!chains && cp->ncerts == 1)
                wr_cert(w, cp->name, cp->der[0], cp->der_len[0]);
            else if (chains && cp->ncerts > 1)
                wr_chain(w, cp->name, (const uint8_t *const *)cp->der, cp->der_len, cp->ncerts);
            break;
        case FCU_CUSTOM_CONFIG:
            if (cp->data)
                wr_param_text(w, cp->name, cp->data);
            else
                wr_param_bytes(w, cp->name, cp->bytes, cp->len);
            break;
        }
    }
}

int fcu_bundle_encode_csr_request(fcu_ctx_t *ctx, const fcu_device_req_t *req,
                                  const fcu_bundle_parts_t *p, uint8_t **out, size_t *out_len,
                                  fcu_findings_t *f)
{
    char subj[FCU_CSR_SUBJ_TEXT_MAX];
    wr_t w = {0};
    if (fcu_csr_subject(ctx->cfg, req->endpoint_name, subj, sizeof(subj)) != 0) {
        fcu_findings_add(f, FCU_E_VALUE_INVALID, FCU_SEV_ERROR, "--endpoint-name",
                         "the CSR subject for '%s' is longer than a device takes",
                         req->endpoint_name);
        return -1;
    }
    /* a CSR request needs a SID (contract section 2): `fcu bundle` without --sid gets one */
    char sid[40];
    unsigned char rnd[8] = {0};
    if (!req->sid) {
        RAND_bytes(rnd, sizeof(rnd));
        snprintf(sid, sizeof(sid), "fcu-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    }
    wr_map(&w, 5 + (p->has_entropy ? 1 : 0));
    wr_text(&w, "SchemeVersion");
    wr_text(&w, FCU_SCHEME_VERSION);
    wr_text(&w, "SID");
    wr_text(&w, req->sid ? req->sid : sid);
    wr_text(&w, "KpAlvSess");
    wr_uint(&w, 1);
    if (p->has_entropy) {
        wr_text(&w, "Entropy");
        wr_data(&w, p->entropy, FCU_ENTROPY_SIZE);
    }
    wr_text(&w, "CsrReqs");
    wr_array(&w, 1);
    wr_map(&w, 5);
    wr_text(&w, "PrKN");
    wr_text(&w, fcu_device_key_name(ctx->cfg));
    wr_text(&w, "Subj");
    wr_text(&w, subj);
    wr_text(&w, "MD");
    wr_uint(&w, FCU_CSR_MD_SHA256);
    wr_text(&w, "Ext");
    wr_map(&w, 2);
    wr_text(&w, "KU");
    wr_uint(&w, FCU_CSR_KU_DIGITAL_SIGNATURE);
    wr_text(&w, "EKU");
    wr_uint(&w, FCU_CSR_EKU_CLIENT_AUTH);
    wr_text(&w, "SM");
    wr_map(&w, 1);
    wr_text(&w, "Prv");
    wr_text(&w, "Device");
    wr_text(&w, "Verify");
    wr_uint(&w, 0);
    return wr_finish(&w, out, out_len, f);
}

/* Bytes the custom-properties add to a bundle, for the first buffer size. */
static size_t custom_size(const fcu_config_t *cfg)
{
    const fcu_config_priv_t *priv = cfg->priv;
    size_t n = 0;
    for (size_t i = 0; i < priv->ncustom; i++) {
        n += 64 + FCU_CUSTOM_NAME_MAX + priv->custom[i].len;
        for (int k = 0; k < priv->custom[i].ncerts; k++)
            n += priv->custom[i].der_len[k] + 4;
    }
    return n;
}

int fcu_bundle_encode(fcu_ctx_t *ctx, const fcu_device_req_t *req, const fcu_bundle_parts_t *p,
                      uint8_t **out, size_t *out_len, fcu_findings_t *f)
{
    const fcu_config_t *cfg = ctx->cfg;
    const fcu_config_priv_t *priv = cfg->priv;
    const char *set = cfg->use_bootstrap ? "Bootstrap" : "LwM2M";
    char name[64];
    uint8_t vendor[16], klass[16];
    bool ftc = cfg->use_bootstrap && cfg->first_to_claim;
    bool has_vendor = cfg->vendor_id && fcu_uuid_parse(cfg->vendor_id, vendor) == 0;
    bool has_class = cfg->class_id && fcu_uuid_parse(cfg->class_id, klass) == 0;
    wr_t w = {0};

    if (load_cfg_certs(cfg) != 0) {
        fcu_findings_add(f, FCU_E_GENERAL, FCU_SEV_ERROR, "bundle",
                         "cannot read the certificate files of the configuration");
        return -1;
    }
    size_t estimate = 1024 + p->key_len + priv->server_ca_len + custom_size(cfg);
    for (int i = 0; i < p->nchain; i++)
        estimate += p->chain_len[i] + 4;
    for (int i = 0; i < priv->update_count; i++)
        estimate += priv->update_len[i] + 4;
    w.buf = malloc(estimate);
    w.cap = w.buf ? estimate : 0;

    size_t ncerts = 1 + (p->nchain == 1 ? 1 : 0) + (priv->update_count == 1 ? 1 : 0) +
                    fcu_custom_count(cfg, FCU_CUSTOM_CERT);
    size_t nchains = (p->nchain > 1 ? 1 : 0) + (priv->update_count > 1 ? 1 : 0) +
                     fcu_custom_chains(cfg);
    size_t nkeys = (p->key_der ? 1 : 0) + fcu_custom_count(cfg, FCU_CUSTOM_PRIVKEY) +
                   fcu_custom_count(cfg, FCU_CUSTOM_PUBKEY);
    size_t nparams = 9 + (ftc ? 1 : 0) + (has_vendor ? 1 : 0) + (has_class ? 1 : 0) +
                     fcu_custom_count(cfg, FCU_CUSTOM_CONFIG);
    if (cfg->time_sync)
        nparams += 1 + (cfg->timezone ? 1 : 0) + (cfg->utc_offset ? 1 : 0);
    size_t pairs = 4 + (nkeys ? 1 : 0) + (req->sid ? 1 : 0) +
                   (req->keep_alive || p->session_last ? 1 : 0) + (p->has_entropy ? 1 : 0) +
                   (nchains ? 1 : 0) + (req->disable ? 1 : 0);

    wr_map(&w, pairs);
    wr_text(&w, "SchemeVersion");
    wr_text(&w, FCU_SCHEME_VERSION);
    if (req->sid) {
        wr_text(&w, "SID");
        wr_text(&w, req->sid);
    }
    if (req->keep_alive || p->session_last) {
        wr_text(&w, "KpAlvSess");
        wr_uint(&w, req->keep_alive ? 1 : 0);
    }
    if (p->has_entropy) {
        wr_text(&w, "Entropy");
        wr_data(&w, p->entropy, FCU_ENTROPY_SIZE);
    }

    /* the device private key (not in by_device mode: the device made it) */
    if (nkeys) {
        wr_text(&w, "Keys");
        wr_array(&w, nkeys);
    }
    if (p->key_der) {
        wr_map(&w, 4);
        snprintf(name, sizeof(name), "mbed.%sDevicePrivateKey", set);
        wr_text(&w, "Name");
        wr_text(&w, name);
        wr_text(&w, "Type");
        wr_text(&w, "ECCPrivate");
        wr_text(&w, "Format");
        wr_text(&w, "der");
        wr_text(&w, "Data");
        wr_data(&w, p->key_der, p->key_len);
    }
    wr_custom(&w, cfg, FCU_CUSTOM_PRIVKEY, false);
    wr_custom(&w, cfg, FCU_CUSTOM_PUBKEY, false);

    /* single certificates, then chains */
    wr_text(&w, "Certificates");
    wr_array(&w, ncerts);
    snprintf(name, sizeof(name), "mbed.%sServerCACert", set);
    wr_cert(&w, name, priv->server_ca_der, priv->server_ca_len);
    snprintf(name, sizeof(name), "mbed.%sDeviceCert", set);
    if (p->nchain == 1)
        wr_cert_prkn(&w, name, p->chain_der[0], p->chain_len[0], p->cert_prkn);
    if (priv->update_count == 1)
        wr_cert(&w, "mbed.UpdateAuthCert", priv->update_der[0], priv->update_len[0]);
    wr_custom(&w, cfg, FCU_CUSTOM_CERT, false);
    if (nchains) {
        wr_text(&w, "CertificateChains");
        wr_array(&w, nchains);
        if (p->nchain > 1)
            wr_chain_prkn(&w, name, p->chain_der, p->chain_len, p->nchain, p->cert_prkn);
        if (priv->update_count > 1)
            wr_chain(&w, "mbed.UpdateAuthCert", (const uint8_t *const *)priv->update_der,
                     priv->update_len, priv->update_count);
        wr_custom(&w, cfg, FCU_CUSTOM_CERT, true);
    }

    /* ConfigParams: Name and Data only */
    wr_text(&w, "ConfigParams");
    wr_array(&w, nparams);
    wr_param_uint(&w, "mbed.UseBootstrap", cfg->use_bootstrap ? 1 : 0);
    if (ftc)
        wr_param_uint(&w, "mbed.FirstToClaim", 1);
    wr_param_text(&w, "mbed.EndpointName", req->endpoint_name);
    wr_param_text(&w, "mbed.SerialNumber", req->serial_number);
    wr_param_text(&w, "mbed.Manufacturer", cfg->manufacturer);
    wr_param_text(&w, "mbed.ModelNumber", cfg->model_number);
    wr_param_text(&w, "mbed.DeviceType", cfg->device_type);
    wr_param_text(&w, "mbed.HardwareVersion", cfg->hardware_version);
    wr_param_uint(&w, "mbed.MemoryTotalKB", (uint64_t)cfg->memory_total_kb);
    if (cfg->time_sync) {
        wr_param_uint(&w, "mbed.CurrentTime", (uint64_t)ctx->now);
        if (cfg->timezone)
            wr_param_text(&w, "mbed.Timezone", cfg->timezone);
        if (cfg->utc_offset)
            wr_param_text(&w, "mbed.UTCOffset", cfg->utc_offset);
    }
    snprintf(name, sizeof(name), "mbed.%sServerURI", set);
    wr_param_text(&w, name, fcu_active_uri(cfg));
    if (has_vendor)
        wr_param_bytes(&w, "mbed.VendorId", vendor, 16);
    if (has_class)
        wr_param_bytes(&w, "mbed.ClassId", klass, 16);
    wr_custom(&w, cfg, FCU_CUSTOM_CONFIG, false);

    wr_text(&w, "Verify");
    wr_uint(&w, cfg->verify_on_device ? 1 : 0);
    if (req->disable) {
        wr_text(&w, "Disable");
        wr_uint(&w, 1);
    }
    return wr_finish(&w, out, out_len, f);
}

int fcu_bundle_enrollment_id(const uint8_t *bundle, size_t len, char *out, size_t size)
{
    int rc = -1;
    cbor_item_t *top = fcu_cbor_decode(bundle, len);
    const char *groups[] = {"Certificates", "CertificateChains"};
    for (size_t g = 0; top && g < 2 && rc != 0; g++) {
        cbor_item_t *arr = fcu_cbor_map_get(top, groups[g]);
        if (!arr || !cbor_isa_array(arr))
            continue;
        for (size_t i = 0; i < cbor_array_size(arr) && rc != 0; i++) {
            cbor_item_t *e = cbor_array_get(arr, i);
            if (fcu_cbor_str_eq(fcu_cbor_map_get(e, "Name"), "mbed.BootstrapDeviceCert")) {
                cbor_item_t *d = fcu_cbor_map_get(e, g == 0 ? "Data" : "DataArray");
                if (d && g == 1 && cbor_isa_array(d) && cbor_array_size(d) > 0) {
                    cbor_item_t *first = cbor_array_get(d, 0);
                    if (cbor_isa_bytestring(first) && cbor_bytestring_is_definite(first)) {
                        fcu_enrollment_id(cbor_bytestring_handle(first),
                                          cbor_bytestring_length(first), out, size);
                        rc = 0;
                    }
                    cbor_decref(&first);
                } else if (d && g == 0 && cbor_isa_bytestring(d) &&
                           cbor_bytestring_is_definite(d)) {
                    fcu_enrollment_id(cbor_bytestring_handle(d), cbor_bytestring_length(d), out,
                                      size);
                    rc = 0;
                }
            }
            cbor_decref(&e);
        }
    }
    if (top)
        cbor_decref(&top);
    return rc;
}
