/* SPDX-License-Identifier: Apache-2.0 */
/* The registry's logic, written once over registry_backend_ops_t: the claim protocol that keeps
 * one successful provisioning per endpoint name and per serial number even when stations race,
 * the attempt log, and the queries behind `fcu registry show|export|release`.
 *
 * Claim protocol (docs/fcu-registry.md): in ONE transaction, insert the attempt row, then insert
 * a claim row per (kind, value) with ON CONFLICT DO NOTHING. The primary key of `claims` is the
 * arbiter: a concurrent station's insert waits for ours to commit and then finds the row. With
 * --reprovision a "provisioned" claim is taken over by an UPDATE guarded on its state (the row
 * lock serialises two reprovisions). A claim that cannot be had rolls the transaction back and
 * records a "refused" attempt. */
#include "registry.h"

#include "registry_backend.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

struct registry {
    const registry_backend_ops_t *ops;
    void *db;
    pthread_mutex_t lock;
};

#define ATTEMPT_COLS                                                                          \
    "a.id, a.station, a.started_at, a.finished_at, a.endpoint_name, a.serial_number, a.mode, " \
    "a.transport, a.cert_serial, a.cert_sha256, a.enrollment_id, a.outcome, a.device_status, " \
    "a.transport_status, a.info_message, a.warnings, a.error, "                                \
    "(SELECT COUNT(*) FROM claims c WHERE c.attempt_id = a.id AND c.kind = 'endpoint' "         \
    "AND c.state = 'provisioned'), a.sid, a.sent_at, a.resolved_by, a.messages"

/* Schema version 2 (issue 20: write-ahead and recovery): the bundle's SID, the time the bundle
 * was written ahead (from then on it may be on the device), and on an attempt whose outcome was
 * unknown, the attempt that settled it. The same statements on both backends; a registry of
 * version 1 (today's files and databases) is migrated in place on open. */
#define REGISTRY_SCHEMA_VERSION 2
static const char MIGRATE_V1_TO_V2[] =
    "ALTER TABLE attempts ADD COLUMN sid TEXT;\n"
    "ALTER TABLE attempts ADD COLUMN sent_at TEXT;\n"
    "ALTER TABLE attempts ADD COLUMN resolved_by BIGINT;\n"
    "ALTER TABLE attempts ADD COLUMN messages INTEGER;\n"
    "CREATE INDEX IF NOT EXISTS attempts_outcome ON attempts(outcome);\n"
    "UPDATE registry_meta SET value = '2' WHERE key = 'schema_version'";

void registry_now(char out[32])
{
    char buf[96];
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(tv.tv_usec / 1000));
    memcpy(out, buf, 31);
    out[31] = '\0';
}

static int exec(registry_t *r, const char *sql, int n, const char *const *p, registry_row_cb cb,
                void *ctx, long *changes, char *msg, size_t msglen)
{
    return r->ops->exec(r->db, sql, n, p, cb, ctx, changes, msg, msglen);
}

/* Ends a failed transaction; the error that led here is already in msg. */
static void rollback(registry_t *r)
{
    char ignore[64];
    exec(r, "ROLLBACK", 0, NULL, NULL, NULL, NULL, ignore, sizeof(ignore));
}

/* Row callback that copies the first column into a buffer. */
struct first_col {
    char *buf;
    size_t len;
    bool seen;
};

static int first_col_cb(void *ctx, int ncols, const char *const *vals)
{
    struct first_col *f = ctx;
    if (ncols > 0 && !f->seen) {
        snprintf(f->buf, f->len, "%s", vals[0] ? vals[0] : "");
        f->seen = true;
    }
    return 0;
}

static int create_schema(registry_t *r, char *err, size_t errlen)
{
    int ret = REGISTRY_ERROR;
    if (exec(r, r->ops->begin, 0, NULL, NULL, NULL, NULL, err, errlen) != 0)
        return REGISTRY_ERROR;
    if (r->ops->lock_schema != NULL &&
        exec(r, r->ops->lock_schema, 0, NULL, NULL, NULL, NULL, err, errlen) != 0)
        goto cleanup;
    if (exec(r, r->ops->schema, 0, NULL, NULL, NULL, NULL, err, errlen) != 0)
        goto cleanup;
    /* The version-1 tables exist now (new or old); bring them to the current version. */
    char ver[32] = "";
    struct first_col f = {ver, sizeof(ver), false};
    if (exec(r, "SELECT value FROM registry_meta WHERE key = 'schema_version'", 0, NULL,
             first_col_cb, &f, NULL, err, errlen) != 0)
        goto cleanup;
    long v = strtol(ver, NULL, 10);
    if (v < 1 || v > REGISTRY_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "registry schema version '%s' is not one this fcu knows (1..%d): a newer fcu "
                 "wrote it?",
                 ver, REGISTRY_SCHEMA_VERSION);
        goto cleanup;
    }
    if (v == 1 && exec(r, MIGRATE_V1_TO_V2, 0, NULL, NULL, NULL, NULL, err, errlen) != 0)
        goto cleanup;
    if (exec(r, "COMMIT", 0, NULL, NULL, NULL, NULL, err, errlen) != 0)
        goto cleanup;
    return REGISTRY_OK;
cleanup:
    rollback(r);
    return ret;
}

int registry_open(const char *location, registry_t **out, char *err, size_t errlen)
{
    int ret = REGISTRY_ERROR;
    registry_t *r = NULL;

    *out = NULL;
    if (location == NULL || *location == '\0') {
        snprintf(err, errlen, "no registry location given");
        goto cleanup;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    pthread_mutex_init(&r->lock, NULL);
    if (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0) {
        r->ops = &registry_pg_ops;
        r->db = registry_pg_open(location, err, errlen);
    } else if (strncmp(location, "pg:", 3) == 0) {
        r->ops = &registry_pg_ops;
        r->db = registry_pg_open(location + 3, err, errlen);
    } else {
        const char *path = strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
        r->ops = &registry_sqlite_ops;
        r->db = registry_sqlite_open(path, err, errlen);
    }
    if (r->db == NULL)
        goto cleanup;
    if (create_schema(r, err, errlen) != REGISTRY_OK)
        goto cleanup;
    *out = r;
    r = NULL;
    ret = REGISTRY_OK;
cleanup:
    registry_close(r);
    return ret;
}

void registry_close(registry_t *r)
{
    if (r == NULL)
        return;
    if (r->db != NULL)
        r->ops->close(r->db);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

const char *registry_backend(const registry_t *r)
{
    return r->ops->name;
}

/* Who holds a claim: "state|station|time|attempt" for the refusal message. */
struct holder {
    bool found;
    char state[24], station[128], when[40], attempt[24], endpoint[256];
};

static int holder_cb(void *ctx, int ncols, const char *const *v)
{
    struct holder *h = ctx;
    if (ncols < 5 || h->found)
        return 0;
    h->found = true;
    snprintf(h->state, sizeof(h->state), "%s", v[0] ? v[0] : "");
    snprintf(h->station, sizeof(h->station), "%s", v[1] ? v[1] : "?");
    snprintf(h->when, sizeof(h->when), "%s", v[2] ? v[2] : "?");
    snprintf(h->attempt, sizeof(h->attempt), "%s", v[3] ? v[3] : "?");
    snprintf(h->endpoint, sizeof(h->endpoint), "%s", v[4] ? v[4] : "ENDPOINT");
    return 0;
}

/* Inserts an attempt row; its id goes to *id. */
static int insert_attempt(registry_t *r, const registry_claim_req_t *req, const char *outcome,
                          const char *error, const char *finished, int64_t *id, char *msg,
                          size_t msglen)
{
    char now[32], idbuf[32] = "";
    registry_now(now);
    const char *p[9] = {req->station, now, req->endpoint_name, req->serial_number, req->mode,
                        req->transport, outcome, error, finished};
    struct first_col f = {idbuf, sizeof(idbuf), false};
    if (exec(r,
             "INSERT INTO attempts(station, started_at, endpoint_name, serial_number, mode, "
             "transport, outcome, error, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
             "RETURNING id",
             9, p, first_col_cb, &f, NULL, msg, msglen) != 0)
        return REGISTRY_ERROR;
    if (!f.seen) {
        snprintf(msg, msglen, "registry: no id returned for the new attempt");
        return REGISTRY_ERROR;
    }
    *id = strtoll(idbuf, NULL, 10);
    return REGISTRY_OK;
}

/* Tries to take the claim (kind, value) for attempt `id`. REGISTRY_OK, REGISTRY_REFUSED (msg
 * names the holder) or REGISTRY_ERROR. Runs inside the caller's transaction. */
static int take_claim(registry_t *r, const char *kind, const char *label, const char *value,
                      const char *id, bool reprovision, char *msg, size_t msglen)
{
    long changes = 0;
    const char *p[3] = {kind, value, id};
    if (exec(r,
             "INSERT INTO claims(kind, value, attempt_id, state) VALUES ($1, $2, $3, 'pending') "
             "ON CONFLICT (kind, value) DO NOTHING",
             3, p, NULL, NULL, &changes, msg, msglen) != 0)
        return REGISTRY_ERROR;
    if (changes == 1)
        return REGISTRY_OK;
    if (reprovision) {
        if (exec(r,
                 "UPDATE claims SET previous_attempt_id = attempt_id, attempt_id = $3, "
                 "state = 'pending' WHERE kind = $1 AND value = $2 AND state = 'provisioned'",
                 3, p, NULL, NULL, &changes, msg, msglen) != 0)
            return REGISTRY_ERROR;
        if (changes == 1)
            return REGISTRY_OK;
    }
    struct holder h = {0};
    if (exec(r,
             "SELECT c.state, a.station, COALESCE(a.finished_at, a.started_at), a.id, "
             "a.endpoint_name "
             "FROM claims c JOIN attempts a ON a.id = c.attempt_id "
             "WHERE c.kind = $1 AND c.value = $2",
             2, p, holder_cb, &h, NULL, msg, msglen) != 0)
        return REGISTRY_ERROR;
    if (!h.found) /* cannot happen inside the transaction; be explicit anyway */
        snprintf(msg, msglen, "%s '%s' is claimed by another station", label, value);
    else if (strcmp(h.state, "provisioned") == 0)
        snprintf(msg, msglen,
                 "%s '%s' is already provisioned (attempt %s, station %s, %s); "
                 "use --reprovision to provision it again",
                 label, value, h.attempt, h.station, h.when);
    else
        snprintf(msg, msglen,
                 "%s '%s' is being provisioned right now (attempt %s, station %s, since %s); "
                 "if that station died, run `fcu registry release %s`",
                 label, value, h.attempt, h.station, h.when, h.endpoint);
    return REGISTRY_REFUSED;
}

int registry_claim(registry_t *r, const registry_claim_req_t *req, int64_t *attempt_id, char *msg,
                   size_t msglen)
{
    int ret = REGISTRY_ERROR;
    bool in_txn = false;
    char idbuf[32];

    *attempt_id = 0;
    if (req->station == NULL || req->endpoint_name == NULL || req->serial_number == NULL ||
        *req->endpoint_name == '\0' || *req->serial_number == '\0') {
        snprintf(msg, msglen, "registry: station, endpoint name and serial number are required");
        return REGISTRY_ERROR;
    }
    pthread_mutex_lock(&r->lock);
    if (exec(r, r->ops->begin, 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = true;
    if (insert_attempt(r, req, REGISTRY_OUTCOME_IN_PROGRESS, NULL, NULL, attempt_id, msg, msglen) !=
        REGISTRY_OK)
        goto cleanup;
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, *attempt_id);
    ret = take_claim(r, "endpoint", "endpoint name", req->endpoint_name, idbuf, req->reprovision,
                     msg, msglen);
    if (ret == REGISTRY_OK)
        ret = take_claim(r, "serial", "serial number", req->serial_number, idbuf,
                         req->reprovision, msg, msglen);
    if (ret != REGISTRY_OK)
        goto cleanup;
    ret = REGISTRY_ERROR;
    if (exec(r, "COMMIT", 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = false;
    ret = REGISTRY_OK;
cleanup:
    if (in_txn)
        rollback(r);
    if (ret == REGISTRY_REFUSED) {
        /* The refusal itself is an attempt worth recording (outside the rolled-back work). */
        char now[32], err2[256];
        registry_now(now);
        if (insert_attempt(r, req, REGISTRY_OUTCOME_REFUSED, msg, now, attempt_id, err2,
                           sizeof(err2)) != REGISTRY_OK) {
            snprintf(msg + strlen(msg), msglen - strlen(msg), " (and recording it failed: %s)",
                     err2);
            *attempt_id = 0;
        }
    } else if (ret != REGISTRY_OK) {
        *attempt_id = 0;
    }
    pthread_mutex_unlock(&r->lock);
    return ret;
}

int registry_finish(registry_t *r, int64_t attempt_id, const registry_result_t *res, char *msg,
                    size_t msglen)
{
    int ret = REGISTRY_ERROR;
    bool in_txn = false;
    char id[32], now[32], ds[16], ts[16];
    long changes = 0;

    if (res->outcome == NULL) {
        snprintf(msg, msglen, "registry: an outcome is required");
        return REGISTRY_ERROR;
    }
    bool success = strcmp(res->outcome, REGISTRY_OUTCOME_SUCCESS) == 0;
    snprintf(id, sizeof(id), "%" PRId64, attempt_id);
    snprintf(ds, sizeof(ds), "%d", res->device_status);
    snprintf(ts, sizeof(ts), "%d", res->transport_status);
    registry_now(now);
    const char *p[12] = {id,
                         now,
                         res->outcome,
                         res->device_status >= 0 ? ds : NULL,
                         res->transport_status >= 0 ? ts : NULL,
                         res->cert_serial,
                         res->cert_sha256,
                         res->enrollment_id,
                         res->info_message,
                         res->warnings,
                         res->error,
                         NULL};

    pthread_mutex_lock(&r->lock);
    if (exec(r, r->ops->begin, 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = true;
    if (exec(r,
             "UPDATE attempts SET finished_at = $2, outcome = $3, device_status = $4, "
             "transport_status = $5, cert_serial = COALESCE(cert_serial, $6), "
             "cert_sha256 = COALESCE(cert_sha256, $7), "
             "enrollment_id = COALESCE(enrollment_id, $8), "
             "info_message = $9, warnings = $10, error = $11 "
             "WHERE id = $1 AND outcome = 'in_progress'",
             11, p, NULL, NULL, &changes, msg, msglen) != 0)
        goto cleanup;
    if (changes != 1) {
        snprintf(msg, msglen, "registry: attempt %s is not in progress (released meanwhile?)", id);
        goto cleanup;
    }
    if (success) {
        if (exec(r, "UPDATE claims SET state = 'provisioned', previous_attempt_id = NULL "
                    "WHERE attempt_id = $1",
                 1, p, NULL, NULL, NULL, msg, msglen) != 0)
            goto cleanup;
    } else {
        /* A failed reprovision hands the claim back; a failed first attempt frees it. */
        if (exec(r,
                 "UPDATE claims SET attempt_id = previous_attempt_id, previous_attempt_id = NULL, "
                 "state = 'provisioned' WHERE attempt_id = $1 AND previous_attempt_id IS NOT NULL",
                 1, p, NULL, NULL, NULL, msg, msglen) != 0 ||
            exec(r, "DELETE FROM claims WHERE attempt_id = $1", 1, p, NULL, NULL, NULL, msg,
                 msglen) != 0)
            goto cleanup;
    }
    if (exec(r, "COMMIT", 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = false;
    ret = REGISTRY_OK;
cleanup:
    if (in_txn)
        rollback(r);
    pthread_mutex_unlock(&r->lock);
    return ret;
}

struct list_ctx {
    registry_attempt_cb cb;
    void *ctx;
};

static int attempt_row_cb(void *ctx, int ncols, const char *const *v)
{
    struct list_ctx *l = ctx;
    registry_attempt_t a;
    if (ncols < 22)
        return 0;
    memset(&a, 0, sizeof(a));
    a.id = v[0] ? strtoll(v[0], NULL, 10) : 0;
    a.station = v[1];
    a.started_at = v[2];
    a.finished_at = v[3];
    a.endpoint_name = v[4];
    a.serial_number = v[5];
    a.mode = v[6];
    a.transport = v[7];
    a.cert_serial = v[8];
    a.cert_sha256 = v[9];
    a.enrollment_id = v[10];
    a.outcome = v[11];
    a.device_status = v[12] ? atoi(v[12]) : -1;
    a.transport_status = v[13] ? atoi(v[13]) : -1;
    a.info_message = v[14];
    a.warnings = v[15];
    a.error = v[16];
    a.current = v[17] != NULL && atoi(v[17]) > 0;
    a.sid = v[18];
    a.sent_at = v[19];
    a.resolved_by = v[20] ? strtoll(v[20], NULL, 10) : 0;
    a.messages = v[21] ? atoi(v[21]) : 0;
    return l->cb(l->ctx, &a);
}

int registry_list(registry_t *r, const char *endpoint_name, registry_attempt_cb cb, void *ctx,
                  char *msg, size_t msglen)
{
    struct list_ctx l = {cb, ctx};
    int rc;
    pthread_mutex_lock(&r->lock);
    if (endpoint_name != NULL) {
        const char *p[1] = {endpoint_name};
        rc = exec(r, "SELECT " ATTEMPT_COLS " FROM attempts a WHERE a.endpoint_name = $1 "
                     "ORDER BY a.id",
                  1, p, attempt_row_cb, &l, NULL, msg, msglen);
    } else {
        rc = exec(r, "SELECT " ATTEMPT_COLS " FROM attempts a ORDER BY a.id", 0, NULL,
                  attempt_row_cb, &l, NULL, msg, msglen);
    }
    pthread_mutex_unlock(&r->lock);
    return rc < 0 ? REGISTRY_ERROR : rc;
}

int registry_list_provisioned(registry_t *r, registry_attempt_cb cb, void *ctx, char *msg,
                              size_t msglen)
{
    struct list_ctx l = {cb, ctx};
    pthread_mutex_lock(&r->lock);
    int rc = exec(r,
                  "SELECT " ATTEMPT_COLS " FROM attempts a JOIN claims k ON k.attempt_id = a.id "
                  "WHERE k.kind = 'endpoint' AND k.state = 'provisioned' "
                  "ORDER BY a.endpoint_name",
                  0, NULL, attempt_row_cb, &l, NULL, msg, msglen);
    pthread_mutex_unlock(&r->lock);
    return rc < 0 ? REGISTRY_ERROR : rc;
}

int registry_release(registry_t *r, const char *endpoint_name, int *released, int *unknown,
                     char *msg, size_t msglen)
{
    int ret = REGISTRY_ERROR;
    bool in_txn = false;
    long changes = 0, unk = 0;
    char now[32];
    registry_now(now);
    const char *p[2] = {endpoint_name, now};

    *released = 0;
    if (unknown != NULL)
        *unknown = 0;
    pthread_mutex_lock(&r->lock);
    if (exec(r, r->ops->begin, 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = true;
    /* Hand back a taken-over claim, free the others, then close the attempts: one whose bundle
     * was written ahead may be on the device (unknown, data kept), the others never sent it. */
    if (exec(r,
             "UPDATE claims SET attempt_id = previous_attempt_id, previous_attempt_id = NULL, "
             "state = 'provisioned' WHERE state = 'pending' AND previous_attempt_id IS NOT NULL "
             "AND attempt_id IN (SELECT id FROM attempts WHERE endpoint_name = $1 "
             "AND outcome = 'in_progress')",
             1, p, NULL, NULL, NULL, msg, msglen) != 0 ||
        exec(r,
             "DELETE FROM claims WHERE state = 'pending' AND attempt_id IN "
             "(SELECT id FROM attempts WHERE endpoint_name = $1 AND outcome = 'in_progress')",
             1, p, NULL, NULL, NULL, msg, msglen) != 0 ||
        exec(r,
             "UPDATE attempts SET outcome = 'unknown', finished_at = $2, "
             "error = 'released by fcu registry release after its bundle was written ahead: "
             "the device may hold it; the next inject of this endpoint asks the device' "
             "WHERE endpoint_name = $1 AND outcome = 'in_progress' AND sent_at IS NOT NULL",
             2, p, NULL, NULL, &unk, msg, msglen) != 0 ||
        exec(r,
             "UPDATE attempts SET outcome = 'abandoned', finished_at = $2, "
             "error = 'released by fcu registry release' "
             "WHERE endpoint_name = $1 AND outcome = 'in_progress'",
             2, p, NULL, NULL, &changes, msg, msglen) != 0)
        goto cleanup;
    if (exec(r, "COMMIT", 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = false;
    *released = (int)(changes + unk);
    if (unknown != NULL)
        *unknown = (int)unk;
    ret = REGISTRY_OK;
cleanup:
    if (in_txn)
        rollback(r);
    pthread_mutex_unlock(&r->lock);
    return ret;
}

/* One statement in its own (implicit) transaction. The rows it changed, or -1 (msg says why). */
static long update_alone(registry_t *r, const char *sql, int n, const char *const *p, char *msg,
                         size_t msglen)
{
    long changes = 0;
    pthread_mutex_lock(&r->lock);
    int rc = exec(r, sql, n, p, NULL, NULL, &changes, msg, msglen);
    pthread_mutex_unlock(&r->lock);
    return rc != 0 ? -1 : changes;
}

int registry_write_ahead(registry_t *r, int64_t attempt_id, const registry_ahead_t *a, char *msg,
                         size_t msglen)
{
    char id[32], now[32], nm[16];
    snprintf(id, sizeof(id), "%" PRId64, attempt_id);
    snprintf(nm, sizeof(nm), "%d", a->messages);
    registry_now(now);
    const char *p[7] = {id, now, a->sid, a->cert_serial, a->cert_sha256, a->enrollment_id,
                        a->messages > 0 ? nm : NULL};
    long changes = update_alone(r,
                                "UPDATE attempts SET sent_at = COALESCE(sent_at, $2), "
                                "sid = COALESCE($3, sid), "
                                "cert_serial = COALESCE($4, cert_serial), "
                                "cert_sha256 = COALESCE($5, cert_sha256), "
                                "enrollment_id = COALESCE($6, enrollment_id), "
                                "messages = COALESCE($7, messages) "
                                "WHERE id = $1 AND outcome = 'in_progress'",
                                7, p, msg, msglen);
    if (changes < 0)
        return REGISTRY_ERROR;
    if (changes != 1) {
        snprintf(msg, msglen, "registry: attempt %s is not in progress (released meanwhile?)", id);
        return REGISTRY_ERROR;
    }
    return REGISTRY_OK;
}

int registry_unknown_list(registry_t *r, const char *endpoint_name, const char *serial_number,
                          registry_attempt_cb cb, void *ctx, char *msg, size_t msglen)
{
    struct list_ctx l = {cb, ctx};
    const char *p[2] = {endpoint_name, serial_number};
    pthread_mutex_lock(&r->lock);
    int rc = exec(r,
                  "SELECT " ATTEMPT_COLS " FROM attempts a WHERE a.outcome = 'unknown' AND "
                  "(a.endpoint_name = $1 OR a.serial_number = $2) ORDER BY a.id",
                  2, p, attempt_row_cb, &l, NULL, msg, msglen);
    pthread_mutex_unlock(&r->lock);
    return rc < 0 ? REGISTRY_ERROR : rc;
}

int registry_settle_not_applied(registry_t *r, int64_t unknown_id, int64_t by_id,
                                const char *reason, char *msg, size_t msglen)
{
    char id[32], by[32], now[32];
    snprintf(id, sizeof(id), "%" PRId64, unknown_id);
    snprintf(by, sizeof(by), "%" PRId64, by_id);
    registry_now(now);
    const char *p[4] = {id, by, now, reason};
    long changes = update_alone(r,
                                "UPDATE attempts SET outcome = 'not_applied', resolved_by = $2, "
                                "finished_at = $3, error = $4 WHERE id = $1 AND "
                                "outcome = 'unknown'",
                                4, p, msg, msglen);
    if (changes < 0)
        return REGISTRY_ERROR;
    if (changes != 1) {
        snprintf(msg, msglen, "registry: attempt %s is no longer unknown (settled meanwhile)", id);
        return REGISTRY_REFUSED;
    }
    return REGISTRY_OK;
}

int registry_recover(registry_t *r, int64_t unknown_id, int64_t by_id,
                     const registry_result_t *probe, const char *note, char *msg, size_t msglen)
{
    int ret = REGISTRY_ERROR;
    bool in_txn = false;
    char id[32], by[32], now[32], ds[16], ts[16], taken[32] = "";
    long changes = 0;
    snprintf(id, sizeof(id), "%" PRId64, unknown_id);
    snprintf(by, sizeof(by), "%" PRId64, by_id);
    snprintf(ds, sizeof(ds), "%d", probe->device_status);
    snprintf(ts, sizeof(ts), "%d", probe->transport_status);
    registry_now(now);
    const char *p[8] = {id,
                        by,
                        now,
                        probe->device_status >= 0 ? ds : NULL,
                        probe->transport_status >= 0 ? ts : NULL,
                        probe->info_message,
                        probe->warnings,
                        note};
    struct first_col f = {taken, sizeof(taken), false};

    pthread_mutex_lock(&r->lock);
    if (exec(r, r->ops->begin, 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = true;
    /* A retry that took its claims over from an earlier success (--reprovision) cannot tell
     * that success's identity from the unknown attempt's: refuse, change nothing. */
    if (exec(r, "SELECT COUNT(*) FROM claims WHERE attempt_id = $1 AND "
                "previous_attempt_id IS NOT NULL",
             1, p + 1, first_col_cb, &f, NULL, msg, msglen) != 0)
        goto cleanup;
    if (atoi(taken) != 0) {
        snprintf(msg, msglen,
                 "attempt %s reprovisions a device with an earlier recorded success, so the "
                 "identity the device holds may be that one's or attempt %s's",
                 by, id);
        ret = REGISTRY_REFUSED;
        goto cleanup;
    }
    /* Any other attempt of this endpoint name or serial number that may have given the device
     * an identity, or that found the device already holding items, makes the answer ambiguous
     * (docs/fcu-registry.md, "Which identity the device holds"). */
    struct holder h = {0};
    if (exec(r,
             "SELECT a.outcome, a.station, COALESCE(a.finished_at, a.started_at), a.id, "
             "a.endpoint_name FROM attempts a, attempts u "
             "WHERE u.id = $1 AND a.id <> $1 AND a.id <> $2 "
             "AND (a.endpoint_name = u.endpoint_name OR a.serial_number = u.serial_number) "
             "AND (a.outcome IN ('success', 'recovered', 'unknown', 'in_progress') "
             "OR (a.outcome = 'transport_error' AND a.sent_at IS NOT NULL) "
             "OR a.device_status IN (5, 9, 17)) ORDER BY a.id",
             2, p, holder_cb, &h, NULL, msg, msglen) != 0)
        goto cleanup;
    if (h.found) {
        snprintf(msg, msglen,
                 "attempt %s (%s, station %s, %s) of the same endpoint name or serial number "
                 "may also have given the device an identity, or found it already holding one",
                 h.attempt, h.state, h.station, h.when);
        ret = REGISTRY_REFUSED;
        goto cleanup;
    }
    if (exec(r,
             "UPDATE attempts SET outcome = 'recovered', finished_at = $3, resolved_by = $2, "
             "device_status = $4, transport_status = $5, info_message = $6, warnings = $7, "
             "error = NULL WHERE id = $1 AND outcome = 'unknown' AND cert_sha256 IS NOT NULL",
             7, p, NULL, NULL, &changes, msg, msglen) != 0)
        goto cleanup;
    if (changes != 1) {
        snprintf(msg, msglen,
                 "attempt %s is no longer unknown, or wrote no certificate ahead (settled "
                 "meanwhile, or a by_device session cut before its second message)",
                 id);
        ret = REGISTRY_REFUSED;
        goto cleanup;
    }
    if (exec(r,
             "UPDATE claims SET attempt_id = $1, state = 'provisioned', "
             "previous_attempt_id = NULL WHERE attempt_id = $2",
             2, p, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    if (exec(r,
             "UPDATE attempts SET outcome = 'recovery_check', finished_at = $2, "
             "device_status = $3, transport_status = $4, info_message = $5, warnings = $6, "
             "error = $7 WHERE id = $1 AND outcome = 'in_progress'",
             7, p + 1, NULL, NULL, &changes, msg, msglen) != 0)
        goto cleanup;
    if (changes != 1) {
        snprintf(msg, msglen, "registry: attempt %s is not in progress (released meanwhile?)",
                 by);
        goto cleanup;
    }
    if (exec(r, "COMMIT", 0, NULL, NULL, NULL, NULL, msg, msglen) != 0)
        goto cleanup;
    in_txn = false;
    ret = REGISTRY_OK;
cleanup:
    if (in_txn)
        rollback(r);
    pthread_mutex_unlock(&r->lock);
    return ret;
}
