/* SPDX-License-Identifier: Apache-2.0 */
/* Bundle encoder of fcu: one definite-length CBOR map per wire contract section 2, flags as
 * unsigned integers 0/1, keys and certificates DER only, ConfigParams entries with Name and Data
 * only. Also the small CBOR readers shared with `fcu inspect`. */
#include "fcu.h"
#include "fcu_bundle.h"
#include "fcu_config_int.h"
#include "fcu_int.h"
#include "fcu_validate.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 24

static cbor_item_t *uint_item(uint64_t v)
{
    if (v <= 0xff)
        return cbor_build_uint8((uint8_t)v);
    if (v <= 0xffff)
        return cbor_build_uint16((uint16_t)v);
    if (v <= 0xffffffffu)
        return cbor_build_uint32((uint32_t)v);
    return cbor_build_uint64(v);
}

/* Adds key -> value to a definite map; takes ownership of `v` (NULL: fails). */
static bool put(cbor_item_t *map, const char *k, cbor_item_t *v)
{
    cbor_item_t *key = cbor_build_string(k);
    bool ok = key && v && cbor_map_add(map, (struct cbor_pair){.key = key, .value = v});
    if (key)
        cbor_decref(&key);
    if (v)
        cbor_decref(&v);
    return ok;
}

static cbor_item_t *bytes_item(const uint8_t *d, size_t n)
{
    return cbor_build_bytestring(d, n);
}

/* {Name, Data} */
static cbor_item_t *param_item(const char *name, cbor_item_t *data)
{
    cbor_item_t *m = cbor_new_definite_map(2);
    if (!m) {
        if (data)
            cbor_decref(&data);
        return NULL;
    }
    if (!put(m, "Name", cbor_build_string(name)) || !put(m, "Data", data)) {
        cbor_decref(&m);
        return NULL;
    }
    return m;
}

static cbor_item_t *text_param(const char *name, const char *value)
{
    return param_item(name, cbor_build_string(value));
}

static cbor_item_t *cert_item(const char *name, const uint8_t *der, size_t len)
{
    cbor_item_t *m = cbor_new_definite_map(3);
    if (m && put(m, "Name", cbor_build_string(name)) && put(m, "Format", cbor_build_string("der")) &&
        put(m, "Data", bytes_item(der, len)))
        return m;
    if (m)
        cbor_decref(&m);
    return NULL;
}

static cbor_item_t *chain_item(const char *name, uint8_t *const *der, const size_t *len, int n)
{
    cbor_item_t *m = cbor_new_definite_map(3);
    cbor_item_t *arr = cbor_new_definite_array((size_t)n);
    if (!m || !arr)
        goto fail;
    for (int i = 0; i < n; i++) {
        cbor_item_t *b = bytes_item(der[i], len[i]);
        bool ok = b && cbor_array_push(arr, b);
        if (b)
            cbor_decref(&b);
        if (!ok)
            goto fail;
    }
    if (put(m, "Name", cbor_build_string(name)) && put(m, "Format", cbor_build_string("der")) &&
        put(m, "DataArray", arr))
        return m;
    arr = NULL;
fail:
    if (arr)
        cbor_decref(&arr);
    if (m)
        cbor_decref(&m);
    return NULL;
}

static cbor_item_t *array_of(cbor_item_t **items, size_t n)
{
    cbor_item_t *arr = cbor_new_definite_array(n);
    bool ok = arr != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && items[i])
            ok = cbor_array_push(arr, items[i]);
        else
            ok = false;
        if (items[i])
            cbor_decref(&items[i]);
        items[i] = NULL; /* cbor_decref clears the pointer only when it frees the item */
    }
    if (!ok && arr)
        cbor_decref(&arr);
    return ok ? arr : NULL;
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

int fcu_bundle_encode(fcu_ctx_t *ctx, const fcu_device_req_t *req, const fcu_bundle_parts_t *p,
                      uint8_t **out, size_t *out_len, fcu_findings_t *f)
{
    int rc = -1;
    const fcu_config_t *cfg = ctx->cfg;
    const fcu_config_priv_t *priv = cfg->priv;
    const char *set = cfg->use_bootstrap ? "Bootstrap" : "LwM2M";
    char name[64];
    cbor_item_t *params[MAX_PARAMS];
    size_t np = 0;
    cbor_item_t *certs[4], *chains[4], *keys[1] = {NULL};
    size_t nc = 0, nch = 0;
    uint8_t *chain_der[5] = {NULL};
    size_t chain_len[5] = {0};
    uint8_t *key_der = NULL;
    size_t key_len = 0;
    cbor_item_t *top = NULL;
    unsigned char *buf = NULL;
    size_t buf_size = 0;
    uint8_t uuid[16];
    int nchain = sk_X509_num(p->chain);

    if (load_cfg_certs(cfg) != 0) {
        fcu_findings_add(f, FCU_E_GENERAL, FCU_SEV_ERROR, "bundle",
                         "cannot read the certificate files of the configuration");
        return -1;
    }
    /* ConfigParams */
    params[np++] = param_item("mbed.UseBootstrap", uint_item(cfg->use_bootstrap ? 1 : 0));
    if (cfg->use_bootstrap && cfg->first_to_claim)
        params[np++] = param_item("mbed.FirstToClaim", uint_item(1));
    params[np++] = text_param("mbed.EndpointName", req->endpoint_name);
    params[np++] = text_param("mbed.SerialNumber", req->serial_number);
    params[np++] = text_param("mbed.Manufacturer", cfg->manufacturer);
    params[np++] = text_param("mbed.ModelNumber", cfg->model_number);
    params[np++] = text_param("mbed.DeviceType", cfg->device_type);
    params[np++] = text_param("mbed.HardwareVersion", cfg->hardware_version);
    params[np++] = param_item("mbed.MemoryTotalKB", uint_item((uint64_t)cfg->memory_total_kb));
    if (cfg->time_sync) {
        params[np++] = param_item("mbed.CurrentTime", uint_item((uint64_t)ctx->now));
        if (cfg->timezone)
            params[np++] = text_param("mbed.Timezone", cfg->timezone);
        if (cfg->utc_offset)
            params[np++] = text_param("mbed.UTCOffset", cfg->utc_offset);
    }
    snprintf(name, sizeof(name), "mbed.%sServerURI", set);
    params[np++] = text_param(name, fcu_active_uri(cfg));
    if (cfg->vendor_id && fcu_uuid_parse(cfg->vendor_id, uuid) == 0)
        params[np++] = param_item("mbed.VendorId", bytes_item(uuid, 16));
    if (cfg->class_id && fcu_uuid_parse(cfg->class_id, uuid) == 0)
        params[np++] = param_item("mbed.ClassId", bytes_item(uuid, 16));

    /* Certificates and chains */
    snprintf(name, sizeof(name), "mbed.%sServerCACert", set);
    certs[nc++] = cert_item(name, priv->server_ca_der, priv->server_ca_len);
    for (int i = 0; i < nchain; i++)
        if (!(chain_der[i] = fcu_cert_der(sk_X509_value(p->chain, i), &chain_len[i])))
            goto cleanup;
    snprintf(name, sizeof(name), "mbed.%sDeviceCert", set);
    if (nchain == 1)
        certs[nc++] = cert_item(name, chain_der[0], chain_len[0]);
    else
        chains[nch++] = chain_item(name, chain_der, chain_len, nchain);
    if (priv->update_count == 1)
        certs[nc++] = cert_item("mbed.UpdateAuthCert", priv->update_der[0], priv->update_len[0]);
    else if (priv->update_count > 1)
        chains[nch++] = chain_item("mbed.UpdateAuthCert", (uint8_t *const *)priv->update_der,
                                   priv->update_len, priv->update_count);

    /* the device private key */
    if (!(key_der = fcu_key_der(p->key, &key_len)))
        goto cleanup;
    snprintf(name, sizeof(name), "mbed.%sDevicePrivateKey", set);
    keys[0] = cbor_new_definite_map(4);
    if (keys[0] && !(put(keys[0], "Name", cbor_build_string(name)) &&
                     put(keys[0], "Type", cbor_build_string("ECCPrivate")) &&
                     put(keys[0], "Format", cbor_build_string("der")) &&
                     put(keys[0], "Data", bytes_item(key_der, key_len)))) {
        cbor_decref(&keys[0]);
        keys[0] = NULL;
    }

    size_t pairs = 5 + (req->sid ? 1 : 0) + (req->keep_alive ? 1 : 0) + (p->has_entropy ? 1 : 0) +
                   (nch ? 1 : 0) + (req->disable ? 1 : 0);
    top = cbor_new_definite_map(pairs);
    if (!top)
        goto cleanup;
    bool ok = put(top, "SchemeVersion", cbor_build_string(FCU_SCHEME_VERSION));
    if (ok && req->sid)
        ok = put(top, "SID", cbor_build_string(req->sid));
    if (ok && req->keep_alive)
        ok = put(top, "KpAlvSess", uint_item(1));
    if (ok && p->has_entropy)
        ok = put(top, "Entropy", bytes_item(p->entropy, FCU_ENTROPY_SIZE));
    if (ok)
        ok = put(top, "Keys", array_of(keys, 1)); /* array_of clears keys[0] */
    if (ok) {
        ok = put(top, "Certificates", array_of(certs, nc));
        nc = 0;
    }
    if (ok && nch) {
        ok = put(top, "CertificateChains", array_of(chains, nch));
        nch = 0;
    }
    if (ok) {
        ok = put(top, "ConfigParams", array_of(params, np));
        np = 0;
    }
    ok = ok && put(top, "Verify", uint_item(cfg->verify_on_device ? 1 : 0));
    if (ok && req->disable)
        ok = put(top, "Disable", uint_item(1));
    if (!ok)
        goto cleanup;
    size_t n = cbor_serialize_alloc(top, &buf, &buf_size);
    if (n == 0)
        goto cleanup;
    *out = buf;
    *out_len = n;
    buf = NULL;
    rc = 0;
cleanup:
    if (rc != 0)
        fcu_findings_add(f, FCU_E_GENERAL, FCU_SEV_ERROR, "bundle", "could not encode the bundle");
    for (size_t i = 0; i < np; i++)
        if (params[i])
            cbor_decref(&params[i]);
    for (size_t i = 0; i < nc; i++)
        if (certs[i])
            cbor_decref(&certs[i]);
    for (size_t i = 0; i < nch; i++)
        if (chains[i])
            cbor_decref(&chains[i]);
    if (keys[0])
        cbor_decref(&keys[0]);
    if (top)
        cbor_decref(&top);
    for (int i = 0; i < 5; i++)
        free(chain_der[i]);
    if (key_der) {
        OPENSSL_cleanse(key_der, key_len);
        free(key_der);
    }
    free(buf);
    return rc;
}

/* ---- reading ---- */

bool fcu_cbor_str_eq(const cbor_item_t *item, const char *s)
{
    size_t n = strlen(s);
    if (cbor_isa_string(item) && cbor_string_is_definite(item))
        return cbor_string_length(item) == n && memcmp(cbor_string_handle(item), s, n) == 0;
    if (cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item))
        return cbor_bytestring_length(item) == n &&
               memcmp(cbor_bytestring_handle(item), s, n) == 0;
    return false;
}

cbor_item_t *fcu_cbor_map_get(const cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++)
        if (fcu_cbor_str_eq(pairs[i].key, key))
            return pairs[i].value;
    return NULL;
}

bool fcu_cbor_int(const cbor_item_t *item, int64_t *v)
{
    if (cbor_isa_uint(item)) {
        uint64_t u = cbor_get_int(item);
        if (u > INT64_MAX)
            return false;
        *v = (int64_t)u;
        return true;
    }
    if (cbor_isa_negint(item)) {
        uint64_t u = cbor_get_int(item);
        if (u > INT64_MAX)
            return false;
        *v = -1 - (int64_t)u;
        return true;
    }
    return false;
}

cbor_item_t *fcu_cbor_decode(const uint8_t *buf, size_t len)
{
    struct cbor_load_result r;
    cbor_item_t *item = cbor_load(buf, len, &r);
    if (!item)
        return NULL;
    if (r.error.code != CBOR_ERR_NONE || r.read != len) {
        cbor_decref(&item);
        return NULL;
    }
    return item;
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
