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

/* ---- the session on the factory line ---- */

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One message of the session: send, wait, check the answer (a response map echoing our SID,
 * with a ReturnStatus). Returns 0 with *parsed filled (and the raw payload in *resp), or -1 with
 * rep->error set and rep->outcome/exit as for a transport failure. */
static int exchange(link_t *link, const line_opts_t *o, const char *sid, const char *which,
                    const uint8_t *msg, size_t len, uint8_t **resp, size_t *resp_len,
                    fcu_response_t *parsed, line_report_t *rep, link_timing_t *tm)
{
    char err[768];
    link_timing_t t = {0};
    int rc = link_exchange(link, msg, len, o->timeout_ms, resp, resp_len,
                           &rep->transport_status, &t, err, sizeof(err));
    tm->send += t.send;
    tm->wait += t.wait;
    tm->recv += t.recv;
    if (rc != LINK_OK) {
        snprintf(rep->error, sizeof(rep->error), "%s: %s: %s", which, link_result_name(rc), err);
        return -1;
    }
    if (fcu_response_parse(*resp, *resp_len, parsed) != 0) {
        snprintf(rep->error, sizeof(rep->error),
                 "%s: the device's response is not a valid response map (%zu bytes)", which,
                 *resp_len);
        return -1;
    }
    if (!parsed->has_status || !parsed->sid || strcmp(parsed->sid, sid) != 0) {
        snprintf(rep->error, sizeof(rep->error), "%s: %s", which,
                 !parsed->has_status ? "the device's response has no ReturnStatus"
                                     : "the response answers another session");
        fcu_response_free(parsed);
        return -1;
    }
    rep->device_status = (int)parsed->return_status;
    free(rep->info_message);
    free(rep->warning_info);
    rep->info_message = parsed->info_message ? strdup(parsed->info_message) : NULL;
    rep->warning_info = parsed->warning_info ? strdup(parsed->warning_info) : NULL;
    return 0;
}

/* What the operator must do once the device holds the key pair of a message 1. */
static const char *const after_msg1 =
    "the device keeps the key pair of message 1 (device key generation is applied at once and "
    "this tool never had the private key); before provisioning it again erase its storage "
    "(fcc-device: `fcc-device --store IMAGE wipe`; firmware: a full erase of the key store, a "
    "factory reset keeps factory items)";

/* The device's first error as "ReturnStatus N (NAME): InfoMessage line". */
static void device_error_text(const line_report_t *rep, char *buf, size_t size)
{
    const char *im = rep->info_message ? rep->info_message : "";
    snprintf(buf, size, "ReturnStatus %d (%s)%s%.*s", rep->device_status,
             fcc_status_name(rep->device_status), *im ? ": " : "", (int)strcspn(im, "\n"), im);
}

/* The registry's write-ahead (docs/fcu-registry.md): the SID and the session's two messages
 * before message 1, the certificate before message 2. Non-zero: send nothing (rep->error set). */
static int write_ahead(registry_t *reg, line_report_t *rep, const char *sid, bool with_cert)
{
    char msg[512];
    if (reg == NULL)
        return 0;
    registry_ahead_t a = {.messages = 2,
                          .sid = sid,
                          .cert_serial = with_cert && rep->cert_serial[0] ? rep->cert_serial : NULL,
                          .cert_sha256 = with_cert && rep->fingerprint[0] ? rep->fingerprint : NULL,
                          .enrollment_id =
                              with_cert && rep->enrollment_id[0] ? rep->enrollment_id : NULL};
    if (registry_write_ahead(reg, rep->attempt_id, &a, msg, sizeof(msg)) != REGISTRY_OK) {
        snprintf(rep->error, sizeof(rep->error),
                 "registry: cannot write the attempt ahead, nothing sent: %s", msg);
        rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
        return -1;
    }
    return 0;
}

void line_by_device(fcu_ctx_t *ctx, registry_t *reg, const line_opts_t *o,
                    const line_job_t *job, const char *sid, line_report_t *rep, double *t_link,
                    double *t_dev)
{
    fcu_device_req_t dreq = {.endpoint_name = job->endpoint_name,
                             .serial_number = job->serial_number,
                             .device_keys_dir = job->device_keys,
                             .sid = sid,
                             .disable = o->disable};
    fcu_device_req_t m1req = dreq;
    fcu_device_result_t m1, dev;
    fcu_response_t parsed;
    bool have_parsed = false;
    uint8_t *resp = NULL, *csr = NULL;
    size_t resp_len = 0, csr_len = 0;
    link_t link = {.fd = -1};
    link_timing_t tm = {0};
    char err[768], derr[600];
    const char *key = fcu_device_key_name(ctx->cfg);
    double tl0 = 0, t_work = 0; /* t_work: the tool's work between the messages */

    memset(&m1, 0, sizeof(m1));
    memset(&dev, 0, sizeof(dev));
    memset(&parsed, 0, sizeof(parsed));
    *t_link = *t_dev = 0;

    /* Message 1, after every check that needs no device (CA, depth, request), so that a device
     * is never left with a key the tool cannot certify. */
    m1req.keep_alive = true;
    m1req.disable = false;
    int rc = fcu_device_build_session(ctx, &m1req, NULL, 0, &m1, &rep->findings);
    if (rc != FCU_EXIT_OK) {
        snprintf(rep->error, sizeof(rep->error), "validation failed%s",
                 fcu_findings_errors(&rep->findings) ? "" : ": no message could be built");
        for (size_t i = 0; i < rep->findings.n; i++)
            if (rep->findings.v[i].severity == FCU_SEV_ERROR) {
                snprintf(rep->error, sizeof(rep->error), "validation failed: error %d [%s]: %s",
                         rep->findings.v[i].code, rep->findings.v[i].parameter,
                         rep->findings.v[i].message);
                break;
            }
        rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
        rep->exit = rc == FCU_EXIT_INVALID ? FCU_EXIT_INVALID : FCU_EXIT_USAGE;
        goto done;
    }

    rep->outcome = REGISTRY_OUTCOME_TRANSPORT_ERROR;
    rep->exit = FCU_EXIT_USAGE;
    tl0 = mono();
    if (link_open(&link, &job->addr, o->connect_timeout_ms, &tm.connect, err, sizeof(err)) !=
        LINK_OK) {
        snprintf(rep->error, sizeof(rep->error), "%s", err);
        goto done;
    }
    if (write_ahead(reg, rep, sid, false) != 0)
        goto done;
    if (exchange(&link, o, sid, "message 1 (key generation)", m1.bundle, m1.bundle_len, &resp,
                 &resp_len, &parsed, rep, &tm) != 0) {
        /* the device may or may not have applied it: only a retry can tell */
        size_t n = strlen(rep->error);
        snprintf(rep->error + n, sizeof(rep->error) - n,
                 "; if the device applied message 1 before the line failed, a retry says so");
        goto done;
    }
    have_parsed = true;
    if (parsed.return_status != 0) {
        rep->outcome = REGISTRY_OUTCOME_DEVICE_ERROR;
        rep->exit = FCU_EXIT_INVALID;
        device_error_text(rep, derr, sizeof(derr));
        /* the device refused message 1 as a whole: it holds nothing of it. A key or entropy that
         * is already there comes from an earlier message 1 that was applied. */
        bool kept = (parsed.return_status == FCC_STATUS_KCM_FILE_EXIST_ERROR && rep->info_message &&
                     strstr(rep->info_message, key)) ||
                    parsed.return_status == FCC_STATUS_ENTROPY_ERROR;
        if (kept) {
            fcu_findings_add(&rep->findings, FCU_E_BY_DEVICE_RETRY, FCU_SEV_ERROR,
                             key + strlen("mbed."),
                             "message 1 refused with %s: the device already holds %s from an "
                             "earlier attempt",
                             derr, parsed.return_status == FCC_STATUS_ENTROPY_ERROR
                                       ? "entropy (write-once)"
                                       : key);
            snprintf(rep->error, sizeof(rep->error),
                     "message 1 (key generation) refused with %s: the device already holds %s "
                     "from an earlier attempt; %s",
                     derr,
                     parsed.return_status == FCC_STATUS_ENTROPY_ERROR ? "entropy (write-once)"
                                                                      : key,
                     after_msg1);
        } else {
            snprintf(rep->error, sizeof(rep->error),
                     "message 1 (key generation) refused with %s; the device kept nothing of it",
                     derr);
        }
        goto done;
    }
    /* From here on the device holds the key pair. */
    if (fcu_response_csr(resp, resp_len, key, &csr, &csr_len) != 0) {
        rep->outcome = REGISTRY_OUTCOME_DEVICE_ERROR;
        rep->exit = FCU_EXIT_INVALID;
        fcu_findings_add(&rep->findings, FCU_E_CSR, FCU_SEV_ERROR,
                         ctx->cfg->use_bootstrap ? "BootstrapDeviceCert" : "LwM2MDeviceCert",
                         "the device answered message 1 with ReturnStatus 0 but no CSR for %s",
                         key);
        snprintf(rep->error, sizeof(rep->error),
                 "message 1: the device answered without a CSR for %s; %s", key, after_msg1);
        goto done;
    }
    fcu_response_free(&parsed);
    have_parsed = false;
    free(resp);
    resp = NULL;

    /* Message 2: the CSR checked, the certificate issued, the rest of the configuration. */
    double tw0 = mono();
    rc = fcu_device_build_session(ctx, &dreq, csr, csr_len, &dev, &rep->findings);
    t_work = mono() - tw0;
    if (rc != FCU_EXIT_OK) {
        bool bad_csr = fcu_findings_find(&rep->findings, FCU_E_CSR) != NULL;
        const fcu_finding_t *first = NULL;
        for (size_t i = 0; i < rep->findings.n && !first; i++)
            if (rep->findings.v[i].severity == FCU_SEV_ERROR)
                first = &rep->findings.v[i];
        rep->outcome = bad_csr ? REGISTRY_OUTCOME_DEVICE_ERROR : REGISTRY_OUTCOME_TOOL_ERROR;
        rep->exit = rc == FCU_EXIT_INVALID ? FCU_EXIT_INVALID : FCU_EXIT_USAGE;
        snprintf(rep->error, sizeof(rep->error), "%s: error %d [%s]: %s; %s",
                 bad_csr ? "the device's CSR was refused, message 2 not sent"
                         : "message 2 could not be built",
                 first ? first->code : 0, first ? first->parameter : "",
                 first ? first->message : "", after_msg1);
        goto done;
    }
    snprintf(rep->fingerprint, sizeof(rep->fingerprint), "%s", dev.fingerprint);
    snprintf(rep->enrollment_id, sizeof(rep->enrollment_id), "%s", dev.enrollment_id);
    line_cert_serial(dev.cert_der, dev.cert_der_len, rep->cert_serial, sizeof(rep->cert_serial));

    rep->device_status = -1;
    rep->transport_status = -1;
    if (write_ahead(reg, rep, sid, true) != 0)
        goto done;
    if (exchange(&link, o, sid, "message 2 (certificate and configuration)", dev.bundle,
                 dev.bundle_len, &resp, &resp_len, &parsed, rep, &tm) != 0) {
        size_t n = strlen(rep->error);
        snprintf(rep->error + n, sizeof(rep->error) - n, "; %s", after_msg1);
        goto done;
    }
    have_parsed = true;
    if (parsed.return_status == 0) {
        rep->outcome = REGISTRY_OUTCOME_SUCCESS;
        rep->exit = FCU_EXIT_OK;
    } else {
        rep->outcome = REGISTRY_OUTCOME_DEVICE_ERROR;
        rep->exit = FCU_EXIT_INVALID;
        device_error_text(rep, derr, sizeof(derr));
        snprintf(rep->error, sizeof(rep->error),
                 "message 2 (certificate and configuration) refused with %s; %s", derr,
                 after_msg1);
    }

done:
    link_close(&link);
    if (tl0 > 0) {
        *t_dev = tm.wait;
        *t_link = (mono() - tl0) - tm.wait - t_work;
    }
    rep->link_timing = tm;
    if (have_parsed)
        fcu_response_free(&parsed);
    free(resp);
    free(csr);
    fcu_device_result_free(&m1);
    fcu_device_result_free(&dev);
}
