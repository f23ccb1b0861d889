/* SPDX-License-Identifier: Apache-2.0 */
/* Provisioning one device on the factory line (see line.h), and the line commands' shared
 * options and output. */
#include "line.h"
#include "line_session.h"

#include "fcc/status.h"
#include "fcu_bundle.h"

#include <cbor.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <openssl/bn.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "untrusted.h"

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void line_opts_init(line_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->timeout_ms = LINE_TIMEOUT_MS_DEFAULT;
    o->connect_timeout_ms = LINE_CONNECT_TIMEOUT_MS_DEFAULT;
}

void line_opts_resolve(line_opts_t *o, const fcu_ctx_t *ctx)
{
    const char *st = o->station_arg ? o->station_arg : getenv("FCU_STATION_ID");
    if (st != NULL && *st != '\0') {
        snprintf(o->station, sizeof(o->station), "%s", st);
    } else if (gethostname(o->station, sizeof(o->station) - 1) != 0 || o->station[0] == '\0') {
        snprintf(o->station, sizeof(o->station), "station");
    }
    o->station[sizeof(o->station) - 1] = '\0';
    const char *reg = o->registry_arg ? o->registry_arg : getenv("FCU_REGISTRY_URL");
    if (reg != NULL && *reg != '\0')
        snprintf(o->registry, sizeof(o->registry), "%s", reg);
    else
        snprintf(o->registry, sizeof(o->registry), "%s/registry.sqlite3",
                 ctx->home ? ctx->home : ".");
}

registry_t *line_registry_open(const line_opts_t *o, const char *prog)
{
    registry_t *r = NULL;
    char err[1024];
    if (registry_open(o->registry, &r, err, sizeof(err)) != REGISTRY_OK) {
        fprintf(stderr, "%s: registry: %s\n", prog, err);
        return NULL;
    }
    return r;
}

void line_report_free(line_report_t *rep)
{
    free(rep->info_message);
    free(rep->warning_info);
    fcu_findings_free(&rep->findings);
    memset(rep, 0, sizeof(*rep));
}

/* Ends the attempt in the registry; a failure to record is reported, never hidden. */
static void record(registry_t *reg, line_report_t *rep)
{
    if (reg == NULL || rep->attempt_id <= 0)
        return;
    char msg[512];
    registry_result_t res = {
        .outcome = rep->outcome,
        .device_status = rep->device_status,
        .transport_status = rep->transport_status,
        .cert_serial = rep->cert_serial[0] ? rep->cert_serial : NULL,
        .cert_sha256 = rep->fingerprint[0] ? rep->fingerprint : NULL,
        .enrollment_id = rep->enrollment_id[0] ? rep->enrollment_id : NULL,
        .info_message = rep->info_message,
        .warnings = rep->warning_info,
        .error = rep->error[0] ? rep->error : NULL,
    };
    if (registry_finish(reg, rep->attempt_id, &res, msg, sizeof(msg)) != REGISTRY_OK) {
        size_t n = strlen(rep->error);
        snprintf(rep->error + n, sizeof(rep->error) - n, "%sTHE REGISTRY DID NOT RECORD IT: %s",
                 n ? "; " : "", msg);
        rep->exit = FCU_EXIT_USAGE;
        return;
    }
    rep->recorded = true;
}

/* First error finding as one line, for the report's error text. */
static void findings_summary(const fcu_findings_t *f, char *buf, size_t size)
{
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].severity == FCU_SEV_ERROR) {
            snprintf(buf, size, "validation failed: error %d [%s]: %s%s", f->v[i].code,
                     f->v[i].parameter, f->v[i].message,
                     fcu_findings_errors(f) > 1 ? " (and more)" : "");
            return;
        }
    }
    snprintf(buf, size, "validation failed");
}

void line_report_set_status(line_report_t *rep, const fcu_response_t *r)
{
    snprintf(rep->status_text, sizeof(rep->status_text), "%s", r->return_status_text);
    if (r->return_status >= 0 && r->return_status <= INT_MAX)
        rep->device_status = (int)r->return_status;
    else
        rep->device_status = INT_MAX; /* never 0 (success) nor -1 (none); the text is exact */
}

/* The symbolic name of the report's ReturnStatus, or what a number outside the contract is. */
static const char *status_name(const line_report_t *rep)
{
    if (rep->device_status < 0 || rep->device_status > FCC_STATUS_MAX_ ||
        strcmp(rep->status_text, "") == 0)
        return "not a status of the wire contract (0..37)";
    return fcc_status_name(rep->device_status);
}

/* Called between connecting and sending (the write-ahead); non-zero: send nothing (it has
 * filled rep->error). */
typedef int (*before_send_fn)(void *arg, line_report_t *rep);

/* One exchange with the device: connect, call `before` (may be NULL), send `payload`, read the
 * answer; the times add up in rep (a recovery check and the bundle both count). On LINK_OK
 * *resp is the answer (caller frees); otherwise rep->error says what happened, prefixed with
 * `what` when given. */

static int talk(const line_opts_t *o, const line_job_t *job, const uint8_t *payload, size_t len,
                const char *what, before_send_fn before, void *arg, uint8_t **resp,
                size_t *resp_len, line_report_t *rep)
{
    link_t link = {.fd = -1};
    link_timing_t tm = {0};
    char err[768];
    double tl0 = mono();
    int rc = link_open(&link, &job->addr, o->connect_timeout_ms, &tm.connect, err, sizeof(err));
    if (rc == LINK_OK && before != NULL && before(arg, rep) != 0) {
        link_close(&link);
        return LINK_E_IO;
    }
    if (rc == LINK_OK)
        rc = link_exchange(&link, payload, len, o->timeout_ms, resp, resp_len,
                           &rep->transport_status, &tm, err, sizeof(err));
    link_close(&link);
    rep->t_device += tm.wait;
    rep->t_link += (mono() - tl0) - tm.wait;
    rep->link_timing.connect += tm.connect;
    rep->link_timing.send += tm.send;
    rep->link_timing.wait += tm.wait;
    rep->link_timing.recv += tm.recv;
    if (rc != LINK_OK) {
        const char *sep = what ? ": " : "";
        if (rc == LINK_E_CONNECT)
            snprintf(rep->error, sizeof(rep->error), "%s%s%s", what ? what : "", sep, err);
        else
            snprintf(rep->error, sizeof(rep->error), "%s%s%s: %s", what ? what : "", sep,
                     link_result_name(rc), err);
    }
    return rc;
}

/* ---- recovery (docs/fcu-registry.md "Recovery") ----------------------------------------- */

#define LINE_UNKNOWN_MAX 8

/* What the registry wrote ahead for an attempt whose outcome is unknown (copied out of the
 * list callback). */
typedef struct unknown_attempt {
    int64_t id;
    int messages;
    char endpoint[256], serial[256], mode[32], sid[128], cert_serial[96], fingerprint[96],
        enrollment_id[100];
} unknown_attempt_t;

typedef struct unknown_set {
    unknown_attempt_t v[LINE_UNKNOWN_MAX];
    size_t n, total;
    /* Blank answer, but a by_device session (two messages) among them: its first message may
     * have stored the device key. Settled "not_applied" only once the device has accepted this
     * attempt's own key (it refuses an existing name with 17). */
    int64_t deferred[LINE_UNKNOWN_MAX];
    size_t ndeferred;
} unknown_set_t;

static int unknown_cb(void *arg, const registry_attempt_t *a)
{
    unknown_set_t *u = arg;
    u->total++;
    if (u->n >= LINE_UNKNOWN_MAX)
        return 0;
    unknown_attempt_t *x = &u->v[u->n++];
    memset(x, 0, sizeof(*x));
    x->id = a->id;
    x->messages = a->messages;
#define CP(dst, src) snprintf(dst, sizeof(dst), "%s", (src) ? (src) : "")
    CP(x->endpoint, a->endpoint_name);
    CP(x->serial, a->serial_number);
    CP(x->mode, a->mode);
    CP(x->sid, a->sid);
    CP(x->cert_serial, a->cert_serial);
    CP(x->fingerprint, a->cert_sha256);
    CP(x->enrollment_id, a->enrollment_id);
#undef CP
    return 0;
}

/* The recovery check: a bundle with SchemeVersion, SID and Verify:1 and nothing else. The
 * device stores nothing and runs its verification over the items it holds (lib/fcc/bundle.c:
 * no group, so apply() reaches fcc_verify_run directly; a failed run rolls back). */
static int probe_encode(const char *sid, unsigned char **out, size_t *len)
{
    size_t cap = 0;
    cbor_item_t *m = cbor_new_definite_map(3);
    if (m == NULL)
        return -1;
    struct cbor_pair p1 = {cbor_move(cbor_build_string("SchemeVersion")),
                           cbor_move(cbor_build_string(FCU_SCHEME_VERSION))};
    struct cbor_pair p2 = {cbor_move(cbor_build_string("SID")), cbor_move(cbor_build_string(sid))};
    struct cbor_pair p3 = {cbor_move(cbor_build_string("Verify")), cbor_move(cbor_build_uint8(1))};
    bool ok = cbor_map_add(m, p1) && cbor_map_add(m, p2) && cbor_map_add(m, p3);
    *len = ok ? cbor_serialize_alloc(m, out, &cap) : 0;
    cbor_decref(&m);
    return *len > 0 ? 0 : -1;
}

/* "12" or "12, 15" into buf. */
static void unknown_ids(const unknown_set_t *u, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < u->n && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%" PRId64, i ? ", " : "", u->v[i].id);
}

enum { RECOVER_PROVISION = 0, RECOVER_DONE = 1 };

/* The device holds a complete identity. Can it only be the unknown attempt's? (the rule of
 * docs/fcu-registry.md "Which identity the device holds"). NULL when yes, else why not. */
static const char *attribution_problem(const unknown_set_t *u, const line_job_t *job,
                                       const fcu_response_t *resp)
{
    if (u->total != 1)
        return "more than one attempt of this endpoint name or serial number has an unknown "
               "outcome, and the device's answer cannot tell which one it holds";
    const unknown_attempt_t *x = &u->v[0];
    if (strcmp(x->endpoint, job->endpoint_name) != 0 || strcmp(x->serial, job->serial_number) != 0)
        return "that attempt was for another endpoint name / serial number pair";
    if (x->fingerprint[0] == '\0')
        return "that attempt never wrote a certificate ahead (a session cut before its "
               "certificate was made), so the identity on the device is not its";
    bool lwm2m_device = resp->warning_info != NULL &&
                        strstr(resp->warning_info, "Bootstrap mode not activated:") != NULL;
    bool lwm2m_attempt = strcmp(x->mode, "lwm2m") == 0;
    if (lwm2m_device != lwm2m_attempt)
        return lwm2m_device ? "the device is in LwM2M mode, that attempt was not"
                            : "the device is in bootstrap mode, that attempt was LwM2M";
    return NULL;
}

/* Finds out what the device holds before anything is sent to it, when earlier attempts of this
 * device have an unknown outcome. RECOVER_DONE: rep is complete (recovered, conflict or
 * failure; recorded as far as the registry goes). RECOVER_PROVISION: the device holds no
 * identity, the unknown attempts are settled "not_applied"; provision as usual. */
static int recover(registry_t *reg, const line_opts_t *o, const line_job_t *job,
                   line_report_t *rep, unknown_set_t *u)
{
    char sid[64], ids[160], msg[512];
    unsigned char *probe = NULL;
    size_t probe_len = 0, resp_len = 0;
    uint8_t *resp = NULL;
    fcu_response_t parsed;
    bool have_parsed = false;
    int ret = RECOVER_DONE;

    memset(&parsed, 0, sizeof(parsed));
    unknown_ids(u, ids, sizeof(ids));
    snprintf(sid, sizeof(sid), "fcu-%" PRId64 "-check", rep->attempt_id);
    rep->outcome = REGISTRY_OUTCOME_TRANSPORT_ERROR;
    rep->exit = FCU_EXIT_USAGE;
    if (probe_encode(sid, &probe, &probe_len) != 0) {
        snprintf(rep->error, sizeof(rep->error), "cannot encode the recovery check");
        rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
        goto cleanup;
    }
    char what[200];
    snprintf(what, sizeof(what), "recovery check of attempt %s", ids);
    if (talk(o, job, probe, probe_len, what, NULL, NULL, &resp, &resp_len, rep) != LINK_OK)
        goto cleanup;
    if (fcu_response_parse(resp, resp_len, &parsed) != 0 || !parsed.has_status) {
        snprintf(rep->error, sizeof(rep->error),
                 "%s: the device's response is not a valid response map (%zu bytes)", what,
                 resp_len);
        goto cleanup;
    }
    have_parsed = true;
    if (parsed.sid == NULL || strcmp(parsed.sid, sid) != 0) {
        snprintf(rep->error, sizeof(rep->error),
                 "%s: the response answers another session (SID '%s', expected '%s')", what,
                 parsed.sid ? parsed.sid : "(none)", sid);
        goto cleanup;
    }
    line_report_set_status(rep, &parsed);
    if (parsed.info_message != NULL)
        rep->info_message = strdup(parsed.info_message);
    if (parsed.warning_info != NULL)
        rep->warning_info = strdup(parsed.warning_info);

    /* Blank for fcu: every bundle fcu sends stores mbed.UseBootstrap, and verification asks
     * for it first. A bundle is applied whole or not at all, so none of them was applied. */
    if (parsed.return_status == FCC_STATUS_ITEM_NOT_EXIST && parsed.info_message != NULL &&
        strncmp(parsed.info_message, "Item does not exist:mbed.UseBootstrap",
                strlen("Item does not exist:mbed.UseBootstrap")) == 0) {
        char reason[256];
        snprintf(reason, sizeof(reason),
                 "not applied: the device had no mbed.UseBootstrap when attempt %" PRId64
                 " asked it (Verify-only check)",
                 rep->attempt_id);
        for (size_t i = 0; i < u->n; i++) {
            /* An attempt found by its serial number alone named another endpoint: its bundle
             * may sit on that endpoint's device. Its own retry settles it. */
            if (strcmp(u->v[i].endpoint, job->endpoint_name) != 0 ||
                strcmp(u->v[i].serial, job->serial_number) != 0)
                continue;
            if (u->v[i].messages == 2) {
                u->deferred[u->ndeferred++] = u->v[i].id;
                continue;
            }
            int rc = registry_settle_not_applied(reg, u->v[i].id, rep->attempt_id, reason, msg,
                                                 sizeof(msg));
            if (rc == REGISTRY_ERROR) {
                snprintf(rep->error, sizeof(rep->error), "registry: %s", msg);
                rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
                goto cleanup;
            }
        }
        /* The check's answer is not the provisioning's: forget it. */
        free(rep->info_message);
        free(rep->warning_info);
        rep->info_message = rep->warning_info = NULL;
        rep->device_status = -1;
        rep->transport_status = -1;
        ret = RECOVER_PROVISION;
        goto cleanup;
    }

    const unknown_attempt_t *x = &u->v[0];
    rep->outcome = REGISTRY_OUTCOME_IDENTITY_CONFLICT;
    rep->exit = FCU_EXIT_INVALID;
    if (parsed.return_status != FCC_STATUS_SUCCESS) {
        size_t n = parsed.info_message ? strcspn(parsed.info_message, "\n") : 0;
        snprintf(rep->error, sizeof(rep->error),
                 "the device is not blank but holds no identity it can verify (ReturnStatus %d "
                 "%s%s%.*s), so it cannot be attributed to attempt %s whose outcome is unknown: "
                 "wipe the device (fcc-device: `wipe`) and run this again",
                 rep->device_status, fcc_status_name(rep->device_status), n ? ": " : "", (int)n,
                 parsed.info_message ? parsed.info_message : "", ids);
        goto cleanup;
    }
    const char *why = attribution_problem(u, job, &parsed);
    if (why == NULL) {
        char note[256];
        registry_result_t res = {.outcome = REGISTRY_OUTCOME_RECOVERED,
                                 .device_status = rep->device_status,
                                 .transport_status = rep->transport_status,
                                 .info_message = rep->info_message,
                                 .warnings = rep->warning_info};
        snprintf(note, sizeof(note),
                 "recovery check: the device holds a verified identity that only attempt "
                 "%" PRId64 " can have given it; recorded that attempt as recovered",
                 x->id);
        int rc = registry_recover(reg, x->id, rep->attempt_id, &res, note, msg, sizeof(msg));
        if (rc == REGISTRY_OK) {
            rep->outcome = REGISTRY_OUTCOME_RECOVERED;
            rep->exit = FCU_EXIT_OK;
            rep->recorded = true;
            rep->recovered_attempt_id = x->id;
            snprintf(rep->fingerprint, sizeof(rep->fingerprint), "%s", x->fingerprint);
            snprintf(rep->cert_serial, sizeof(rep->cert_serial), "%s", x->cert_serial);
            snprintf(rep->enrollment_id, sizeof(rep->enrollment_id), "%s", x->enrollment_id);
            snprintf(rep->mode, sizeof(rep->mode), "%s", x->mode);
            goto cleanup;
        }
        if (rc == REGISTRY_ERROR) {
            snprintf(rep->error, sizeof(rep->error), "registry: %s", msg);
            rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
            rep->exit = FCU_EXIT_USAGE;
            goto cleanup;
        }
        why = msg;
    }
    snprintf(rep->error, sizeof(rep->error),
             "the device already holds a complete identity, and the registry cannot prove it is "
             "the one of attempt %s whose outcome is unknown (%s): wipe the device (fcc-device: "
             "`wipe`) and run this again",
             ids, why);
cleanup:
    if (have_parsed)
        fcu_response_free(&parsed);
    free(resp);
    free(probe);
    return ret;
}

struct ahead_arg {
    registry_t *reg;
    const char *sid;
};

/* The write-ahead: once the bundle may leave, the registry must be able to account for the
 * device if this process dies (fcu registry release -> unknown -> recovery). Runs after the
 * connection is up, so that "cannot connect" leaves no written-ahead row. */
static int write_ahead(void *arg, line_report_t *rep)
{
    struct ahead_arg *a = arg;
    char err[512];
    registry_ahead_t ahead = {.messages = 1, /* by_device: 2, written with the first */
                              .sid = a->sid,
                              .cert_serial = rep->cert_serial[0] ? rep->cert_serial : NULL,
                              .cert_sha256 = rep->fingerprint[0] ? rep->fingerprint : NULL,
                              .enrollment_id = rep->enrollment_id[0] ? rep->enrollment_id : NULL};
    if (registry_write_ahead(a->reg, rep->attempt_id, &ahead, err, sizeof(err)) != REGISTRY_OK) {
        snprintf(rep->error, sizeof(rep->error),
                 "registry: cannot write the attempt ahead, nothing sent: %s", err);
        rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
        return -1;
    }
    return 0;
}

int line_provision(fcu_ctx_t *ctx, registry_t *reg, const line_opts_t *o, const line_job_t *job,
                   line_report_t *rep)
{
    double t0 = mono();
    fcu_device_result_t dev;
    uint8_t *resp = NULL;
    size_t resp_len = 0;
    fcu_response_t parsed;
    bool have_parsed = false;
    char sid[48], err[768];
    unknown_set_t u;

    memset(&u, 0, sizeof(u));
    memset(rep, 0, sizeof(*rep));
    memset(&dev, 0, sizeof(dev));
    memset(&parsed, 0, sizeof(parsed));
    rep->exit = FCU_EXIT_USAGE;
    rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
    rep->device_status = -1;
    rep->transport_status = -1;
    link_addr_format(&job->addr, rep->transport, sizeof(rep->transport));

    /* The configuration decides the mode recorded with the claim. */
    int rc = fcu_config_load(ctx, &rep->findings);
    if (rc != FCU_EXIT_OK || ctx->cfg == NULL) {
        if (ctx->cfg == NULL)
            snprintf(rep->error, sizeof(rep->error), "cannot read the configuration %s",
                     fcu_ctx_config_path(ctx));
        else
            findings_summary(&rep->findings, rep->error, sizeof(rep->error));
        rep->exit = ctx->cfg == NULL ? FCU_EXIT_USAGE : FCU_EXIT_INVALID;
        goto done; /* not a device attempt: nothing to record */
    }
    snprintf(rep->mode, sizeof(rep->mode), "%s",
             !ctx->cfg->use_bootstrap       ? "lwm2m"
             : ctx->cfg->first_to_claim     ? "bootstrap+first-to-claim"
                                            : "bootstrap");
    if (ctx->cfg->keygen_mode == FCU_KEYGEN_BY_DEVICE) /* the key never leaves the device */
        strncat(rep->mode, "+by_device", sizeof(rep->mode) - strlen(rep->mode) - 1);

    /* 1. Claim the endpoint name and serial number BEFORE talking to the device. */
    if (reg != NULL) {
        registry_claim_req_t req = {.station = o->station,
                                    .endpoint_name = job->endpoint_name,
                                    .serial_number = job->serial_number,
                                    .mode = rep->mode,
                                    .transport = rep->transport,
                                    .reprovision = o->reprovision};
        int c = registry_claim(reg, &req, &rep->attempt_id, err, sizeof(err));
        if (c != REGISTRY_OK) {
            snprintf(rep->error, sizeof(rep->error), "%s", err);
            rep->outcome = REGISTRY_OUTCOME_REFUSED;
            rep->exit = c == REGISTRY_REFUSED ? LINE_EXIT_REFUSED : FCU_EXIT_USAGE;
            rep->recorded = c == REGISTRY_REFUSED && rep->attempt_id > 0;
            goto done;
        }

        /* 1b. An earlier attempt of this device whose outcome is unknown (its station died
         * after writing its bundle ahead): ask the device what it holds first. */
        if (registry_unknown_list(reg, job->endpoint_name, job->serial_number, unknown_cb, &u,
                                  err, sizeof(err)) != REGISTRY_OK) {
            snprintf(rep->error, sizeof(rep->error), "registry: %s", err);
            goto finish;
        }
        if (u.total > 0) {
            if (recover(reg, o, job, rep, &u) == RECOVER_DONE) {
                if (rep->recovered_attempt_id > 0)
                    goto done; /* recorded by registry_recover */
                goto finish;
            }
            rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
            rep->exit = FCU_EXIT_USAGE;
        }
    }

    /* 2. Build and validate the bundle. */
    snprintf(sid, sizeof(sid), "fcu-%" PRId64 "-%08lx", rep->attempt_id,
             (unsigned long)(((uint64_t)t0 * 1000003u) ^ (uint64_t)getpid()) & 0xffffffffu);
    if (ctx->cfg->keygen_mode == FCU_KEYGEN_BY_DEVICE) { /* a session of two messages */
        double t_link = 0, t_dev = 0;
        line_by_device(ctx, reg, o, job, sid, rep, &t_link, &t_dev);
        rep->t_link += t_link;
        rep->t_device += t_dev;
        if (rep->exit == FCU_EXIT_OK) /* the device took this attempt's key under the name */
            for (size_t i = 0; i < u.ndeferred; i++)
                (void)registry_settle_not_applied(reg, u.deferred[i], rep->attempt_id,
                                                  "not applied: the device accepted a later "
                                                  "attempt's key under the same name",
                                                  err, sizeof(err));
        goto finish;
    }
    fcu_device_req_t dreq = {.endpoint_name = job->endpoint_name,
                             .serial_number = job->serial_number,
                             .device_keys_dir = job->device_keys,
                             .sid = sid,
                             .keep_alive = false,
                             .disable = o->disable};
    rc = fcu_device_build(ctx, &dreq, &dev, &rep->findings);
    if (rc != FCU_EXIT_OK) {
        findings_summary(&rep->findings, rep->error, sizeof(rep->error));
        rep->outcome = REGISTRY_OUTCOME_TOOL_ERROR;
        rep->exit = rc == FCU_EXIT_INVALID ? FCU_EXIT_INVALID : FCU_EXIT_USAGE;
        goto finish;
    }
    snprintf(rep->fingerprint, sizeof(rep->fingerprint), "%s", dev.fingerprint);
    snprintf(rep->enrollment_id, sizeof(rep->enrollment_id), "%s", dev.enrollment_id);
    if (dev.cert_der != NULL)
        line_cert_serial(dev.cert_der, dev.cert_der_len, rep->cert_serial,
                        sizeof(rep->cert_serial));

    /* 3. The wire: connect, write ahead, send, wait for the answer. */
    rep->outcome = REGISTRY_OUTCOME_TRANSPORT_ERROR;
    rep->exit = FCU_EXIT_USAGE;
    struct ahead_arg aa = {reg, sid};
    if (talk(o, job, dev.bundle, dev.bundle_len, NULL, reg ? write_ahead : NULL, &aa, &resp,
             &resp_len, rep) != LINK_OK)
        goto finish;

    /* 4. The answer: a response map with our SID and a ReturnStatus. */
    if (fcu_response_parse(resp, resp_len, &parsed) != 0) {
        snprintf(rep->error, sizeof(rep->error),
                 "the device's response is not a valid response map (%zu bytes)", resp_len);
        goto finish;
    }
    have_parsed = true;
    if (!parsed.has_status) {
        snprintf(rep->error, sizeof(rep->error), "the device's response has no ReturnStatus");
        goto finish;
    }
    if (parsed.sid == NULL || strcmp(parsed.sid, sid) != 0) {
        snprintf(rep->error, sizeof(rep->error),
                 "the response answers another session (SID '%s', expected '%s')",
                 parsed.sid ? parsed.sid : "(none)", sid);
        goto finish;
    }
    line_report_set_status(rep, &parsed);
    if (parsed.info_message != NULL)
        rep->info_message = strdup(parsed.info_message);
    if (parsed.warning_info != NULL)
        rep->warning_info = strdup(parsed.warning_info);
    if (parsed.return_status == 0) {
        rep->outcome = REGISTRY_OUTCOME_SUCCESS;
        rep->exit = FCU_EXIT_OK;
        /* The device accepted this attempt's key: a cut by_device session's first message
         * never stored one. (A by_device session does this after its first message.) */
        for (size_t i = 0; i < u.ndeferred; i++)
            (void)registry_settle_not_applied(reg, u.deferred[i], rep->attempt_id,
                                              "not applied: the device accepted a later "
                                              "attempt's key under the same name",
                                              err, sizeof(err));
    } else if (u.ndeferred > 0 && parsed.return_status == FCC_STATUS_KCM_FILE_EXIST_ERROR) {
        rep->outcome = REGISTRY_OUTCOME_IDENTITY_CONFLICT;
        rep->exit = FCU_EXIT_INVALID;
        snprintf(rep->error, sizeof(rep->error),
                 "the device holds items of attempt %" PRId64 ", a by_device session cut "
                 "between its two messages (its key without a certificate): wipe the device "
                 "(fcc-device: `wipe`) and run this again",
                 u.deferred[0]);
    } else {
        rep->outcome = REGISTRY_OUTCOME_DEVICE_ERROR;
        rep->exit = FCU_EXIT_INVALID;
        size_t n = parsed.info_message ? strcspn(parsed.info_message, "\n") : 0;
        snprintf(rep->error, sizeof(rep->error), "the device reports ReturnStatus %s (%s)%s%.*s%s",
                 rep->status_text, status_name(rep), n ? ": " : "", (int)n,
                 parsed.info_message ? parsed.info_message : "",
                 rep->device_status == FCC_STATUS_KCM_FILE_EXIST_ERROR
                     ? "; the device already holds credentials that the registry does not "
                       "record for this attempt: wipe the device (fcc-device: `wipe`) and "
                       "run this again"
                     : "");
    }

finish:
    record(reg, rep);
done:
    if (have_parsed)
        fcu_response_free(&parsed);
    free(resp);
    fcu_device_result_free(&dev);
    rep->t_total = mono() - t0;
    rep->t_tool = rep->t_total - rep->t_link - rep->t_device;
    return rep->exit;
}
