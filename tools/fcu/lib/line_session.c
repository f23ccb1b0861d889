/* SPDX-License-Identifier: Apache-2.0 */
/* The by_device session on the factory line (line_session.h): message 1 sent, the device's CSR
 * taken from its answer, message 2 built (fcu_device_build_session) and sent, the registry
 * written ahead of each message. The CSR request and check it relies on are session.c's, one
 * layer down, so the core never calls up into the line. */
#include "fcu_session.h"

#include "fcu_bundle.h"
#include "fcu_int.h"
#include "line_session.h"
#include "registry.h"

#include <openssl/bn.h>
#include <openssl/x509.h>

#include "fcc/status.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Serial number of a DER certificate as upper-case hex into buf ("" when unparsable). */
void line_cert_serial(const uint8_t *der, size_t len, char *buf, size_t size)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIGNUM *bn = NULL;
    char *hex = NULL;
    buf[0] = '\0';
    if (x == NULL)
        return;
    bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    if (bn != NULL)
        hex = BN_bn2hex(bn);
    if (hex != NULL)
        snprintf(buf, size, "%s", hex);
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(x);
}
