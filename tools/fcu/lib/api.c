/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu's public interface (include/fcu/fcu.h) over the tool's core: the same configuration
 * loader, CA, validations and bundle builder the `fcu` command runs, with the findings handed
 * back as structures instead of printed. */
#include "api_int.h"
#include "fcu.h"
#include "fcu_int.h"
#include "fcu_session.h"
#include "hsm.h"
#include "json.h"
#include "registry.h"

#include "fcc/fcc.h"

#include <fcu/fcu.h>

#include <cbor.h>
#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <yaml.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef FCU_VERSION
#define FCU_VERSION "0.0.0"
#endif


/* A device session that needs the device's answer before its next message (by_device: the
 * answer to message 1 carries the CSR that message 2 certifies). */
struct fcu_tool_operation {
    char sid[64];
    char *endpoint, *serial, *keys_dir;
    int stage; /* 1: waiting for message 1's answer, 2: for message 2's, 3: done */
};

static void operation_free(fcu_tool_operation_t *op)
{
    if (op == NULL)
        return;
    free(op->endpoint);
    free(op->serial);
    free(op->keys_dir);
    free(op);
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

static void refresh_time(fcu_tool_t *t)
{
    if (!t->time_fixed)
        t->ctx.now = (int64_t)time(NULL);
}

const char *fcu_tool_version(void)
{
    static char v[160];
    if (v[0] == '\0')
        snprintf(v, sizeof(v), "libfcu %s (%s)", FCU_VERSION, OpenSSL_version(OPENSSL_VERSION));
    return v;
}

int fcu_tool_open(const char *home, const char *config, fcu_tool_t **out)
{
    if (out == NULL)
        return FCU_TOOL_USAGE;
    *out = NULL;
    fcu_tool_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return FCU_TOOL_USAGE;
    fcu_ctx_init(&t->ctx, "libfcu");
    if (home != NULL) {
        free(t->ctx.home);
        t->ctx.home = strdup(home);
    }
    if (config != NULL)
        t->ctx.config_arg = strdup(config);
    if (t->ctx.home == NULL || (config != NULL && t->ctx.config_arg == NULL)) {
        fcu_tool_close(t);
        return FCU_TOOL_USAGE;
    }
    *out = t;
    return FCU_TOOL_OK;
}

void fcu_tool_close(fcu_tool_t *t)
{
    if (t == NULL)
        return;
    fcu_ctx_free(&t->ctx);
    free(t);
}

void fcu_tool_set_time(fcu_tool_t *t, int64_t epoch)
{
    if (t == NULL)
        return;
    t->ctx.now = epoch;
    t->ctx.now_fixed = true;
    t->time_fixed = true;
}

void fcu_tool_free(void *p)
{
    free(p);
}

/* ---- issues ---- */

static int issue_add(fcu_tool_issue_t **v, size_t *n, int code, int warning, const char *param,
                     const char *msg)
{
    fcu_tool_issue_t *nv = realloc(*v, (*n + 1) * sizeof(**v));
    if (nv == NULL)
        return -1;
    *v = nv;
    fcu_tool_issue_t *i = &nv[*n];
    i->code = code;
    i->is_warning = warning;
    i->parameter = dup_or_empty(param);
    i->message = dup_or_empty(msg);
    (*n)++;
    return 0;
}

static void issues_add(fcu_tool_issues_t *is, int code, bool warning, const char *param,
                       const char *msg)
{
    if (warning)
        issue_add(&is->warnings, &is->warning_count, code, 1, param, msg);
    else
        issue_add(&is->errors, &is->error_count, code, 0, param, msg);
}

static void issues_from(fcu_tool_issues_t *is, const fcu_findings_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        issues_add(is, f->v[i].code, f->v[i].severity == FCU_SEV_WARNING, f->v[i].parameter,
                   f->v[i].message);
}

void fcu_tool_issues_free(fcu_tool_issues_t *is)
{
    if (is == NULL)
        return;
    for (size_t i = 0; i < is->error_count; i++) {
        free((char *)is->errors[i].parameter);
        free((char *)is->errors[i].message);
    }
    for (size_t i = 0; i < is->warning_count; i++) {
        free((char *)is->warnings[i].parameter);
        free((char *)is->warnings[i].message);
    }
    free(is->errors);
    free(is->warnings);
    memset(is, 0, sizeof(*is));
}

/* A new configuration or CA on disk: forget what was loaded. */
static void forget_loaded(fcu_tool_t *t)
{
    fcu_ca_free(t->ctx.ca);
    t->ctx.ca = NULL;
}

/* ---- setup ---- */

int fcu_tool_setup(fcu_tool_t *t, const char *key_uri, int force, fcu_tool_issues_t *issues)
{
    if (issues)
        memset(issues, 0, sizeof(*issues));
    if (t == NULL)
        return FCU_TOOL_USAGE;
    refresh_time(t);
    fcu_findings_t f = {0};
    fcu_setup_out_t out;
    char err[1024];
    forget_loaded(t);
    int rc = fcu_ca_setup(&t->ctx, key_uri, force != 0, &f, &out, err, sizeof(err));
    if (issues) {
        issues_from(issues, &f);
        if (err[0])
            issues_add(issues, err[0] && strstr(err, "exists") ? FCU_E_GENERAL : FCU_E_OUTPUT,
                       false, "setup", err);
    }
    fcu_findings_free(&f);
    forget_loaded(t);
    return rc;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

int fcu_tool_get_setup_status(fcu_tool_t *t, fcu_tool_setup_status_t **out)
{
    if (t == NULL || out == NULL)
        return FCU_TOOL_USAGE;
    refresh_time(t);
    fcu_tool_setup_status_t *st = calloc(1, sizeof(*st));
    if (st == NULL)
        return FCU_TOOL_USAGE;
    char p[4200], cert[4096], csr[4096], key[4096], upath[4096];
    snprintf(p, sizeof(p), "%s/keystore", t->ctx.home);
    fcu_ctx_keystore_path(&t->ctx, FCU_CA_CERT_FILE, cert, sizeof(cert));
    fcu_ctx_keystore_path(&t->ctx, FCU_CA_CSR_FILE, csr, sizeof(csr));
    fcu_ctx_keystore_path(&t->ctx, FCU_CA_KEY_FILE, key, sizeof(key));
    fcu_ctx_keystore_path(&t->ctx, FCU_CA_KEY_URI_FILE, upath, sizeof(upath));
    fcu_findings_t f = {0};
    /* the configuration may name the key in a token */
    int lr = fcu_config_load(&t->ctx, &f);
    fcu_findings_free(&f); /* configuration findings are validate's business */
    const char *keyname = key;
    char *uri = NULL;
    if (lr != FCU_EXIT_USAGE && t->ctx.cfg && t->ctx.cfg->ca_key_uri) {
        keyname = t->ctx.cfg->ca_key_uri;
    } else if (exists(upath)) {
        uint8_t *d = NULL;
        size_t n = 0;
        if (fcu_read_file(upath, &d, &n) == 0) {
            while (n > 0 && (d[n - 1] == '\n' || d[n - 1] == '\r'))
                n--;
            uri = malloc(n + 1);
            if (uri) {
                memcpy(uri, d, n);
                uri[n] = '\0';
                keyname = uri;
            }
            free(d);
        }
    }
    st->keystore_dir = strdup(p);
    st->certificate_file = strdup(cert);
    st->csr_file = strdup(csr);
    st->private_key_file = strdup(keyname);
    free(uri);
    bool have_key = keyname != key || exists(key);
    if (exists(cert)) {
        forget_loaded(t);
        int rc = fcu_ca_load(&t->ctx, &f);
        issues_from(&st->issues, &f);
        st->status = rc == FCU_EXIT_OK ? FCU_TOOL_SETUP_DONE : FCU_TOOL_SETUP_INVALID;
    } else if (exists(csr) && have_key) {
        st->status = FCU_TOOL_SETUP_CSR_PENDING;
        issues_add(&st->issues, FCU_E_CA_CERT_MISSING, true, "keystore/" FCU_CA_CERT_FILE,
                   "the CSR waits for its signed certificate: fcu setup --install-ca FILE");
    } else {
        st->status = have_key ? FCU_TOOL_SETUP_INVALID : FCU_TOOL_SETUP_NOT_DONE;
        issues_add(&st->issues, FCU_E_CA_CERT_MISSING, false, "keystore/" FCU_CA_CERT_FILE,
                   have_key ? "the CA key is there but no certificate and no CSR"
                            : "no CA yet: run setup");
    }
    fcu_findings_free(&f);
    *out = st;
    return FCU_TOOL_OK;
}

void fcu_tool_setup_status_free(fcu_tool_setup_status_t *st)
{
    if (st == NULL)
        return;
    free((char *)st->keystore_dir);
    free((char *)st->certificate_file);
    free((char *)st->csr_file);
    free((char *)st->private_key_file);
    fcu_tool_issues_free(&st->issues);
    free(st);
}

/* ---- validate and prepare ---- */

/* The checks of validate: one device's data (any device argument set), else the configuration
 * and the CA, which `all_ca_modes` loads for by_device too (the command does; the API's
 * fcu_tool_validate only for by_tool). Returns FCU_EXIT_* with the findings in *f. */
static int run_checks(fcu_tool_t *t, const char *endpoint_name, const char *serial_number,
                      const char *device_keys_dir, bool all_ca_modes, fcu_findings_t *f)
{
    int rc;
    refresh_time(t);
    if (endpoint_name || serial_number || device_keys_dir) {
        fcu_device_req_t req = {.endpoint_name = endpoint_name,
                                .serial_number = serial_number,
                                .device_keys_dir = device_keys_dir};
        fcu_device_result_t res;
        rc = fcu_device_build(&t->ctx, &req, &res, f);
        if (rc == FCU_EXIT_OK)
            fcu_device_result_free(&res);
    } else {
        rc = fcu_config_load(&t->ctx, f);
        bool ca = t->ctx.cfg && (all_ca_modes ? t->ctx.cfg->keygen_mode != FCU_KEYGEN_EXTERNAL
                                              : t->ctx.cfg->keygen_mode == FCU_KEYGEN_BY_TOOL);
        if (rc != FCU_EXIT_USAGE && ca && fcu_ca_load(&t->ctx, f) != FCU_EXIT_OK)
            rc = FCU_EXIT_INVALID;
    }
    if (rc != FCU_EXIT_USAGE)
        rc = fcu_findings_errors(f) ? FCU_EXIT_INVALID : FCU_EXIT_OK;
    return rc;
}

int fcu_tool_validate(fcu_tool_t *t, const char *endpoint_name, const char *serial_number,
                      const char *device_keys_dir, fcu_tool_issues_t *issues)
{
    if (issues)
        memset(issues, 0, sizeof(*issues));
    if (t == NULL)
        return FCU_TOOL_USAGE;
    fcu_findings_t f = {0};
    int rc = run_checks(t, endpoint_name, serial_number, device_keys_dir, false, &f);
    if (issues)
        issues_from(issues, &f);
    fcu_findings_free(&f);
    return rc;
}

int fcu_tool_prepare(fcu_tool_t *t, const char *endpoint_name, const char *serial_number,
                     const char *device_keys_dir, fcu_tool_device_config_t **out)
{
    if (out == NULL)
        return FCU_TOOL_USAGE;
    *out = NULL;
    if (t == NULL)
        return FCU_TOOL_USAGE;
    refresh_time(t);
    fcu_tool_device_config_t *dc = calloc(1, sizeof(*dc));
    if (dc == NULL)
        return FCU_TOOL_USAGE;
    unsigned char rnd[8];
    char sid[64] = "";
    if (RAND_bytes(rnd, sizeof(rnd)) == 1)
        snprintf(sid, sizeof(sid), "fcu-api-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
    fcu_device_req_t req = {.endpoint_name = endpoint_name,
                            .serial_number = serial_number,
                            .device_keys_dir = device_keys_dir,
                            .sid = sid[0] ? sid : NULL};
    fcu_findings_t f = {0};
    fcu_device_result_t res;
    memset(&res, 0, sizeof(res));
    int rc = fcu_config_load(&t->ctx, &f);
    bool by_device = rc != FCU_EXIT_USAGE && t->ctx.cfg != NULL &&
                     t->ctx.cfg->keygen_mode == FCU_KEYGEN_BY_DEVICE;
    if (rc != FCU_EXIT_USAGE) {
        fcu_findings_free(&f); /* fcu_device_build* reports the configuration's findings too */
        if (by_device) { /* message 1: the device makes its key pair and answers a CSR */
            req.keep_alive = true;
            rc = fcu_device_build_session(&t->ctx, &req, NULL, 0, &res, &f);
        } else {
            rc = fcu_device_build(&t->ctx, &req, &res, &f);
        }
    }
    issues_from(&dc->issues, &f);
    fcu_findings_free(&f);
    if (rc == FCU_EXIT_OK && by_device) {
        fcu_tool_operation_t *op = calloc(1, sizeof(*op));
        if (op == NULL || (op->endpoint = strdup(endpoint_name)) == NULL ||
            (op->serial = strdup(serial_number ? serial_number : "")) == NULL ||
            (device_keys_dir && (op->keys_dir = strdup(device_keys_dir)) == NULL)) {
            operation_free(op);
            fcu_device_result_free(&res);
            rc = FCU_EXIT_USAGE;
        } else {
            snprintf(op->sid, sizeof(op->sid), "%s", sid);
            op->stage = 1;
            dc->operation = op;
        }
    }
    if (rc == FCU_EXIT_OK) {
        dc->config_data = res.bundle;
        dc->config_len = res.bundle_len;
        res.bundle = NULL;
        dc->enrollment_id = dup_or_empty(res.enrollment_id);
        dc->fingerprint = dup_or_empty(res.fingerprint);
        fcu_device_result_free(&res);
    } else {
        dc->enrollment_id = dup_or_empty(NULL);
        dc->fingerprint = dup_or_empty(NULL);
    }
    *out = dc;
    return rc == FCU_EXIT_USAGE ? FCU_TOOL_INVALID : rc;
}

void fcu_tool_device_config_free(fcu_tool_device_config_t *dc)
{
    if (dc == NULL)
        return;
    free(dc->config_data);
    free((char *)dc->enrollment_id);
    free((char *)dc->fingerprint);
    operation_free(dc->operation);
    fcu_tool_issues_free(&dc->issues);
    free(dc);
}

/* ---- the device's answer ---- */

int fcu_tool_process_response(fcu_tool_t *t, const uint8_t *response, size_t len,
                              fcu_tool_operation_t *op, fcu_tool_device_response_t **out)
{
    if (out == NULL)
        return FCU_TOOL_USAGE;
    *out = NULL;
    if (t == NULL || (response == NULL && len > 0))
        return FCU_TOOL_USAGE;
    fcu_tool_device_response_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return FCU_TOOL_USAGE;
    r->status = -1;
    fcu_response_t parsed;
    int rc = FCU_TOOL_INVALID;
    if (fcu_response_parse(response, len, &parsed) != 0) {
        issues_add(&r->issues, FCU_E_GENERAL, false, "response",
                   "not a device response (a CBOR map with ReturnStatus)");
        r->message = dup_or_empty(NULL);
        r->enrollment_id = dup_or_empty(NULL);
        *out = r;
        return FCU_TOOL_INVALID;
    }
    r->message = dup_or_empty(parsed.info_message);
    r->enrollment_id = dup_or_empty(NULL);
    if (!parsed.has_status) {
        issues_add(&r->issues, FCU_E_GENERAL, false, "ReturnStatus",
                   "the response carries no ReturnStatus");
        goto done;
    }
    r->status = parsed.return_status;
    if (op != NULL && (parsed.sid == NULL || strcmp(parsed.sid, op->sid) != 0)) {
        issues_add(&r->issues, FCU_E_GENERAL, false, "SID",
                   "the response belongs to another session (its SID differs)");
        goto done;
    }
    /* the warnings, one a line */
    const char *w = parsed.warning_info;
    while (w != NULL && *w != '\0') {
        const char *nl = strchr(w, '\n');
        size_t n = nl ? (size_t)(nl - w) : strlen(w);
        if (n > 0) {
            const char **nv = realloc(r->warnings, (r->warning_count + 1) * sizeof(*nv));
            char *line = malloc(n + 1);
            if (nv == NULL || line == NULL) {
                free(line);
                if (nv)
                    r->warnings = nv;
                break;
            }
            memcpy(line, w, n);
            line[n] = '\0';
            r->warnings = nv;
            r->warnings[r->warning_count++] = line;
        }
        w = nl ? nl + 1 : w + n;
    }
    rc = FCU_TOOL_OK;
    if (op != NULL && op->stage == 1 && parsed.return_status == 0) {
        /* by_device: the answer to message 1 holds the CSR; certify it, build message 2 */
        const char *key = fcu_device_key_name(t->ctx.cfg);
        uint8_t *csr = NULL;
        size_t csr_len = 0;
        op->stage = 3;
        if (fcu_response_csr(response, len, key, &csr, &csr_len) != 0) {
            issues_add(&r->issues, FCU_E_CSR, false, key,
                       "the device answered message 1 without a CSR for its key; it keeps "
                       "the key pair: erase its storage before provisioning it again");
            rc = FCU_TOOL_INVALID;
            goto done;
        }
        fcu_device_req_t req = {.endpoint_name = op->endpoint,
                                .serial_number = op->serial,
                                .device_keys_dir = op->keys_dir,
                                .sid = op->sid};
        fcu_device_result_t dev;
        fcu_findings_t f = {0};
        refresh_time(t);
        int br = fcu_device_build_session(&t->ctx, &req, csr, csr_len, &dev, &f);
        free(csr);
        issues_from(&r->issues, &f);
        fcu_findings_free(&f);
        if (br != FCU_EXIT_OK) {
            rc = FCU_TOOL_INVALID;
            goto done;
        }
        r->config_data = dev.bundle;
        r->config_len = dev.bundle_len;
        dev.bundle = NULL;
        free((char *)r->enrollment_id);
        r->enrollment_id = dup_or_empty(dev.enrollment_id);
        fcu_device_result_free(&dev);
        op->stage = 2;
    } else if (op != NULL) {
        op->stage = 3;
    }
done:
    fcu_response_free(&parsed);
    *out = r;
    return rc;
}

void fcu_tool_device_response_free(fcu_tool_device_response_t *r)
{
    if (r == NULL)
        return;
    free((char *)r->message);
    free((char *)r->enrollment_id);
    for (size_t i = 0; i < r->warning_count; i++)
        free((char *)r->warnings[i]);
    free(r->warnings);
    free(r->config_data);
    fcu_tool_issues_free(&r->issues);
    free(r);
}

/* ---- registry ---- */

static int export_row(void *arg, const registry_attempt_t *a)
{
    json_t *j = arg;
    json_object_begin(j);
    json_kv_string(j, "endpoint_name", a->endpoint_name);
    json_kv_string(j, "serial_number", a->serial_number);
    json_kv_string(j, "enrollment_id", a->enrollment_id);
    json_kv_string(j, "certificate_sha256", a->cert_sha256);
    json_kv_string(j, "certificate_serial", a->cert_serial);
    json_kv_string(j, "mode", a->mode);
    json_kv_string(j, "station", a->station);
    json_kv_string(j, "outcome", a->outcome);
    json_kv_string(j, "provisioned_at", a->finished_at);
    json_kv_int(j, "attempt_id", a->id);
    json_object_end(j);
    return 0;
}

int fcu_tool_registry_export_json(fcu_tool_t *t, const char *registry, char **json)
{
    if (json == NULL)
        return FCU_TOOL_USAGE;
    *json = NULL;
    if (t == NULL)
        return FCU_TOOL_USAGE;
    char loc[4200], msg[512];
    const char *env = getenv("FCU_REGISTRY_URL");
    if (registry != NULL)
        snprintf(loc, sizeof(loc), "%s", registry);
    else if (env != NULL && env[0] != '\0')
        snprintf(loc, sizeof(loc), "%s", env);
    else
        snprintf(loc, sizeof(loc), "%s/registry.sqlite3", t->ctx.home);
    registry_t *reg = NULL;
    if (registry_open(loc, &reg, msg, sizeof(msg)) != REGISTRY_OK)
        return FCU_TOOL_USAGE;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc = FCU_TOOL_USAGE;
    if (mem != NULL) {
        json_t j;
        json_init(&j, mem, false);
        json_array_begin(&j);
        int lr = registry_list_provisioned(reg, export_row, &j, msg, sizeof(msg));
        json_array_end(&j);
        json_finish(&j);
        if (fclose(mem) == 0 && lr == REGISTRY_OK) {
            *json = buf;
            buf = NULL;
            rc = FCU_TOOL_OK;
        }
    }
    free(buf);
    registry_close(reg);
    return rc;
}

/* ---- the operations behind the `fcu` command ---- */

void fcu_api_findings(fcu_tool_findings_t *out, const fcu_findings_t *f)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (f->n == 0)
        return;
    out->items = calloc(f->n, sizeof(*out->items));
    if (out->items == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        fcu_tool_issue_t *it = &out->items[out->count];
        it->code = f->v[i].code;
        it->is_warning = f->v[i].severity == FCU_SEV_WARNING;
        it->parameter = dup_or_empty(f->v[i].parameter);
        it->message = dup_or_empty(f->v[i].message);
        if (it->parameter == NULL || it->message == NULL) {
            free((char *)it->parameter);
            free((char *)it->message);
            continue;
        }
        out->count++;
        if (!it->is_warning)
            out->error_count++;
    }
}

void fcu_tool_findings_free(fcu_tool_findings_t *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->count; i++) {
        free((char *)f->items[i].parameter);
        free((char *)f->items[i].message);
    }
    free(f->items);
    memset(f, 0, sizeof(*f));
}

int fcu_tool_check(fcu_tool_t *t, const char *endpoint_name, const char *serial_number,
                   const char *device_keys_dir, fcu_tool_findings_t *findings)
{
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (t == NULL)
        return FCU_TOOL_USAGE;
    fcu_findings_t f = {0};
    int rc = run_checks(t, endpoint_name, serial_number, device_keys_dir, true, &f);
    fcu_api_findings(findings, &f);
    fcu_findings_free(&f);
    return rc;
}

int fcu_tool_setup_ca(fcu_tool_t *t, const char *key_uri, int force,
                      fcu_tool_setup_result_t *res, fcu_tool_findings_t *findings)
{
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (t == NULL || res == NULL)
        return FCU_TOOL_USAGE;
    memset(res, 0, sizeof(*res));
    refresh_time(t);
    fcu_findings_t f = {0};
    fcu_setup_out_t out;
    memset(&out, 0, sizeof(out));
    int rc = fcu_ca_setup(&t->ctx, key_uri, force != 0, &f, &out, res->error, sizeof(res->error));
    snprintf(res->key, sizeof(res->key), "%s", out.key);
    snprintf(res->certificate, sizeof(res->certificate), "%s", out.cert);
    snprintf(res->csr, sizeof(res->csr), "%s", out.csr);
    res->in_token = out.in_token;
    res->token_key_created = out.token_key_created;
    res->made_csr = out.made_csr;
    fcu_api_findings(findings, &f);
    fcu_findings_free(&f);
    return rc;
}

int fcu_tool_install_ca(fcu_tool_t *t, const char *file, fcu_tool_setup_result_t *res,
                        fcu_tool_findings_t *findings)
{
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (t == NULL || res == NULL || file == NULL)
        return FCU_TOOL_USAGE;
    memset(res, 0, sizeof(*res));
    refresh_time(t);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/keystore", t->ctx.home);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(res->error, sizeof(res->error), "cannot create %s: %s", dir, strerror(errno));
        return FCU_TOOL_USAGE;
    }
    fcu_findings_t f = {0};
    int rc = fcu_ca_install(&t->ctx, file, &f, res->certificate, sizeof(res->certificate),
                            &res->certificates, res->error, sizeof(res->error));
    fcu_api_findings(findings, &f);
    fcu_findings_free(&f);
    return rc;
}

int fcu_tool_write_bundle(fcu_tool_t *t, const fcu_tool_bundle_request_t *r, const char *path,
                          fcu_tool_bundle_info_t *info, fcu_tool_findings_t *findings)
{
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (t == NULL || r == NULL || path == NULL || info == NULL)
        return FCU_TOOL_USAGE;
    memset(info, 0, sizeof(*info));
    refresh_time(t);
    fcu_device_req_t req = {.endpoint_name = r->endpoint_name,
                            .serial_number = r->serial_number,
                            .device_keys_dir = r->device_keys_dir,
                            .sid = r->sid,
                            .keep_alive = r->keep_alive != 0,
                            .disable = r->disable != 0};
    fcu_device_result_t res;
    memset(&res, 0, sizeof(res));
    fcu_findings_t f = {0};
    int rc = fcu_device_build(&t->ctx, &req, &res, &f);
    if (rc == FCU_EXIT_OK && fcu_write_file(path, res.bundle, res.bundle_len, 0600) != 0) {
        fcu_findings_add(&f, FCU_E_OUTPUT, FCU_SEV_ERROR, "--output", "cannot write %s: %s",
                         path, strerror(errno));
        rc = FCU_EXIT_USAGE;
    }
    if (rc == FCU_EXIT_OK) {
        info->bundle_len = res.bundle_len;
        snprintf(info->fingerprint, sizeof(info->fingerprint), "%s", res.fingerprint);
        snprintf(info->enrollment_id, sizeof(info->enrollment_id), "%s", res.enrollment_id);
    }
    fcu_device_result_free(&res);
    fcu_api_findings(findings, &f);
    fcu_findings_free(&f);
    return rc;
}

/* A stream into a malloc'd string; the string is the caller's once the stream is closed. */
static char *stream_close(FILE *fp, char **buf)
{
    if (fp != NULL)
        fclose(fp);
    return *buf;
}

int fcu_tool_inspect(const uint8_t *data, size_t len, int json, int64_t now, char **text,
                     char **error)
{
    if (text == NULL || error == NULL)
        return FCU_TOOL_USAGE;
    *text = NULL;
    *error = NULL;
    size_t tn = 0, en = 0;
    FILE *out = open_memstream(text, &tn);
    FILE *err = open_memstream(error, &en);
    if (out == NULL || err == NULL) {
        free(stream_close(out, text));
        free(stream_close(err, error));
        *text = *error = NULL;
        return FCU_TOOL_USAGE;
    }
    int rc = fcu_inspect_bytes_to(data, len, out, err, json != 0, now);
    stream_close(out, text);
    stream_close(err, error);
    if (*text == NULL || *error == NULL) {
        free(*text);
        free(*error);
        *text = *error = NULL;
        return FCU_TOOL_USAGE;
    }
    return rc;
}

int fcu_tool_read_file(const char *path, uint8_t **data, size_t *len)
{
    if (path == NULL || data == NULL || len == NULL) {
        errno = EINVAL;
        return FCU_TOOL_USAGE;
    }
    return fcu_read_file(path, data, len) == 0 ? FCU_TOOL_OK : FCU_TOOL_USAGE;
}

void fcu_tool_free_secret(void *p, size_t len)
{
    if (p == NULL)
        return;
    OPENSSL_cleanse(p, len);
    free(p);
}

const char *fcu_tool_library_versions(void)
{
    static char v[512];
    if (v[0] == '\0') {
        char mbed[64];
        int pq = PQlibVersion();
        fcc_crypto_version(mbed, sizeof(mbed));
        snprintf(v, sizeof(v), "%s\n%s (framing)\nlibcbor %d.%d.%d\nlibyaml %s\nSQLite %s\n"
                               "libpq %d.%d\n",
                 OpenSSL_version(OPENSSL_VERSION), mbed, CBOR_MAJOR_VERSION, CBOR_MINOR_VERSION,
                 CBOR_PATCH_VERSION, yaml_get_version_string(), sqlite3_libversion(), pq / 10000,
                 pq % 10000);
    }
    return v;
}
