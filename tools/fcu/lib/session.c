/* SPDX-License-Identifier: Apache-2.0 */
/* device-key-generation-mode: by_device (SPEC.md section 7). The device generates its key pair,
 * so the private key never exists on the tool's side: not in memory, not in a file, not on the
 * wire. One connection carries a session of two messages:
 *   1. KpAlvSess 1, Verify 0, [Entropy], CsrReqs: the current mode's device key name, the subject
 *      a by_tool certificate has, SHA-256, keyUsage digitalSignature, extKeyUsage clientAuth,
 *      private key kept on the device;
 *   2. the device's CSR checked (signature, P-256, subject, extensions), the certificate issued
 *      with the by_tool profile, and sent tied to the key by PrKN with the rest of the
 *      configuration, Verify, KpAlvSess 0.
 * The device applies each message atomically, so after message 1 it keeps the key pair whatever
 * happens next; a failure from then on tells the operator what a retry needs. */
#include "fcu_session.h"

#include "fcu_bundle.h"
#include "fcu_config_int.h"
#include "fcu_int.h"
#include "fcu_validate.h"
#include "line_session.h"
#include "registry.h"

#include "fcc/status.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *fcu_device_key_name(const fcu_config_t *cfg)
{
    return cfg->use_bootstrap ? "mbed.BootstrapDevicePrivateKey" : "mbed.LwM2MDevicePrivateKey";
}

/* ---- the CSR request and its check ---- */

/* The subject fields asked for, in the order a by_tool certificate has them. */
typedef struct subj_field {
    int nid;
    const char *key; /* the text form's attribute name */
    const char *value;
} subj_field_t;

static size_t subject_fields(const fcu_config_t *cfg, const char *endpoint, char *aid,
                             size_t aid_size, subj_field_t out[6])
{
    const char *uri = fcu_active_uri(cfg);
    const char *ou = uri && fcu_uri_aid(uri, aid, aid_size) && *aid ? aid : NULL;
    const subj_field_t all[6] = {
        {NID_countryName, "C", cfg->dev_subject.country},
        {NID_stateOrProvinceName, "ST", cfg->dev_subject.state},
        {NID_localityName, "L", cfg->dev_subject.locality},
        {NID_organizationName, "O", cfg->dev_subject.organization},
        {NID_organizationalUnitName, "OU", ou},
        {NID_commonName, "CN", endpoint},
    };
    size_t n = 0;
    for (size_t i = 0; i < 6; i++)
        if (all[i].value && *all[i].value)
            out[n++] = all[i];
    return n;
}

int fcu_csr_subject(const fcu_config_t *cfg, const char *endpoint, char *buf, size_t size)
{
    char aid[256];
    subj_field_t fl[6];
    size_t n = subject_fields(cfg, endpoint, aid, sizeof(aid), fl), len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(buf + len, size - len, "%s%s=", i ? "," : "", fl[i].key);
        if (w < 0 || (size_t)w >= size - len)
            return -1;
        len += (size_t)w;
        for (const char *p = fl[i].value; *p; p++) {
            /* the characters RFC 4514 escapes; the device's parser takes "\c" */
            bool esc = strchr(",+\"\\<>;=", *p) != NULL || (p == fl[i].value && *p == '#');
            if (len + 3 > size)
                return -1;
            if (esc)
                buf[len++] = '\\';
            buf[len++] = *p;
        }
    }
    buf[len] = '\0';
    return len < FCU_CSR_SUBJ_TEXT_MAX ? 0 : -1;
}

/* The key usage and extended key usage of a request: exactly digitalSignature, exactly
 * clientAuth. Writes why not into `why`. */
static bool csr_extensions_ok(X509_REQ *r, char *why, size_t size)
{
    STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(r);
    ASN1_BIT_STRING *ku = exts ? X509V3_get_d2i(exts, NID_key_usage, NULL, NULL) : NULL;
    EXTENDED_KEY_USAGE *eku = exts ? X509V3_get_d2i(exts, NID_ext_key_usage, NULL, NULL) : NULL;
    bool ok = false;
    if (!ku) {
        snprintf(why, size, "it has no key usage extension (digitalSignature was asked for)");
        goto done;
    }
    for (int bit = 0; bit < 9; bit++) {
        if ((ASN1_BIT_STRING_get_bit(ku, bit) != 0) != (bit == 0)) {
            snprintf(why, size, "its key usage is not exactly digitalSignature (bit %d %s)", bit,
                     bit == 0 ? "missing" : "set");
            goto done;
        }
    }
    if (!eku || sk_ASN1_OBJECT_num(eku) != 1 ||
        OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, 0)) != NID_client_auth) {
        snprintf(why, size, "its extended key usage is not exactly clientAuth");
        goto done;
    }
    ok = true;
done:
    ASN1_BIT_STRING_free(ku);
    sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return ok;
}

/* Exactly the fields asked for, each once, with the value asked for. */
static bool csr_subject_ok(const fcu_config_t *cfg, const char *endpoint, X509_REQ *r, char *why,
                           size_t size)
{
    char aid[256], got[512];
    subj_field_t fl[6];
    size_t n = subject_fields(cfg, endpoint, aid, sizeof(aid), fl);
    const X509_NAME *name = X509_REQ_get_subject_name(r);
    if (!name || (size_t)X509_NAME_entry_count(name) != n) {
        snprintf(why, size, "its subject has %d attributes; %zu were asked for",
                 name ? X509_NAME_entry_count(name) : 0, n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        int at = X509_NAME_get_index_by_NID(name, fl[i].nid, -1);
        ASN1_STRING *d = at >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)) : NULL;
        int len = d ? ASN1_STRING_length(d) : -1;
        if (len >= 0 && (size_t)len < sizeof(got)) {
            memcpy(got, ASN1_STRING_get0_data(d), (size_t)len);
            got[len] = '\0';
        }
        if (len < 0 || (size_t)len >= sizeof(got) || strlen(got) != (size_t)len ||
            strcmp(got, fl[i].value) != 0) {
            snprintf(why, size, "its subject %s is %s%.100s%s, not '%.100s'", fl[i].key,
                     len < 0 ? "missing" : "'", len < 0 ? "" : got, len < 0 ? "" : "'",
                     fl[i].value);
            return false;
        }
    }
    return true;
}

EVP_PKEY *fcu_csr_check(fcu_ctx_t *ctx, const fcu_device_req_t *req, const uint8_t *csr,
                        size_t len, fcu_findings_t *f)
{
    const fcu_config_t *cfg = ctx->cfg;
    const char *param = cfg->use_bootstrap ? "BootstrapDeviceCert" : "LwM2MDeviceCert";
    const unsigned char *p = csr;
    X509_REQ *r = len <= 65536 ? d2i_X509_REQ(NULL, &p, (long)len) : NULL;
    EVP_PKEY *pub = NULL;
    char why[300];
    if (!r || p != csr + len) {
        fcu_findings_add(f, FCU_E_CSR, FCU_SEV_ERROR, param,
                         "the device's CSR (%zu bytes) is not a DER PKCS#10 request", len);
        goto fail;
    }
    pub = X509_REQ_get_pubkey(r);
    if (!pub || !fcu_key_is_p256(pub)) {
        fcu_findings_add(f, FCU_E_CSR, FCU_SEV_ERROR, param,
                         "the device's CSR has a key that is not EC on P-256");
        goto fail;
    }
    if (X509_REQ_get_signature_nid(r) != NID_ecdsa_with_SHA256) {
        fcu_findings_add(f, FCU_E_CSR, FCU_SEV_ERROR, param,
                         "the device's CSR is not signed with ecdsa-with-SHA256 (MD 1 was asked "
                         "for)");
        goto fail;
    }
    if (X509_REQ_verify(r, pub) != 1) {
        fcu_findings_add(f, FCU_E_CSR, FCU_SEV_ERROR, param,
                         "the device's CSR signature does not verify with its own key");
        goto fail;
    }
    if (!csr_subject_ok(cfg, req->endpoint_name, r, why, sizeof(why)) ||
        !csr_extensions_ok(r, why, sizeof(why))) {
        fcu_findings_add(f, FCU_E_CSR, FCU_SEV_ERROR, param,
                         "the device's CSR is not what was asked for: %s", why);
        goto fail;
    }
    X509_REQ_free(r);
    ERR_clear_error();
    return pub;
fail:
    ERR_clear_error();
    EVP_PKEY_free(pub);
    X509_REQ_free(r);
    return NULL;
}

int fcu_response_csr(const uint8_t *resp, size_t len, const char *prkn, uint8_t **der,
                     size_t *der_len)
{
    int rc = -1;
    cbor_item_t *m = fcu_cbor_decode(resp, len);
    cbor_item_t *csrs = fcu_cbor_map_get(m, "Csrs");
    *der = NULL;
    *der_len = 0;
    if (!csrs || !cbor_isa_array(csrs))
        goto done;
    for (size_t i = 0; i < cbor_array_size(csrs) && rc != 0; i++) {
        cbor_item_t *e = cbor_array_get(csrs, i);
        cbor_item_t *data = fcu_cbor_map_get(e, "Data");
        if (fcu_cbor_str_eq(fcu_cbor_map_get(e, "PrKN"), prkn) && data &&
            cbor_isa_bytestring(data) && cbor_bytestring_is_definite(data) &&
            cbor_bytestring_length(data) > 0) {
            *der_len = cbor_bytestring_length(data);
            *der = malloc(*der_len);
            if (*der) {
                memcpy(*der, cbor_bytestring_handle(data), *der_len);
                rc = 0;
            }
        }
        cbor_decref(&e);
    }
done:
    if (m)
        cbor_decref(&m);
    return rc;
}
