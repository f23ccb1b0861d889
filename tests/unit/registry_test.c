/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the provisioning registry (tools/fcu/registry*.c): duplicate refusal for endpoint
 * names and serial numbers, --reprovision, release of claims on failure and by `release`, the
 * export rows, and races between processes and threads. By default against a fresh SQLite file;
 * with FCU_TEST_REGISTRY_URL set (tests/integration/registry_pg.sh does it) the very same cases
 * run against a real PostgreSQL server, whose database is emptied first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../tools/fcu/lib/registry.h"
#include "../../tools/fcu/lib/registry_backend.h"

static char g_dir[256];
static char g_loc[512];
static int g_counter;

/* A fresh registry location per test: a new SQLite file, or the PostgreSQL database emptied. */
static int setup(void **state)
{
    (void)state;
    const char *url = getenv("FCU_TEST_REGISTRY_URL");
    if (url != NULL && *url != '\0') {
        char err[512];
        void *db = registry_pg_open(url, err, sizeof(err));
        if (db == NULL) {
            fprintf(stderr, "%s\n", err);
            return -1;
        }
        registry_pg_ops.exec(db, "DROP TABLE IF EXISTS claims, attempts, registry_meta", 0, NULL,
                             NULL, NULL, NULL, err, sizeof(err));
        registry_pg_ops.close(db);
        snprintf(g_loc, sizeof(g_loc), "%s", url);
    } else {
        snprintf(g_loc, sizeof(g_loc), "%s/reg-%d.sqlite3", g_dir, ++g_counter);
    }
    return 0;
}

static registry_t *open_reg(void)
{
    registry_t *r = NULL;
    char err[512];
    int rc = registry_open(g_loc, &r, err, sizeof(err));
    if (rc != REGISTRY_OK)
        fprintf(stderr, "registry_open: %s\n", err);
    assert_int_equal(rc, REGISTRY_OK);
    assert_non_null(r);
    return r;
}

static int claim(registry_t *r, const char *ep, const char *sn, bool reprov, int64_t *id,
                 char *msg, size_t msglen)
{
    registry_claim_req_t req = {.station = "station-t", .endpoint_name = ep, .serial_number = sn,
                                .mode = "bootstrap", .transport = "tcp:127.0.0.1:1",
                                .reprovision = reprov};
    return registry_claim(r, &req, id, msg, msglen);
}

static void finish(registry_t *r, int64_t id, const char *outcome, const char *fpr)
{
    char msg[512];
    char enr[128];
    snprintf(enr, sizeof(enr), "A-%s", fpr ? fpr : "");
    registry_result_t res = {.outcome = outcome,
                             .device_status = strcmp(outcome, "success") == 0 ? 0 : 10,
                             .transport_status = 0,
                             .cert_serial = "0A1B",
                             .cert_sha256 = fpr,
                             .enrollment_id = fpr ? enr : NULL,
                             .info_message = "The Factory process succeeded\n",
                             .warnings = NULL,
                             .error = NULL};
    int rc = registry_finish(r, id, &res, msg, sizeof(msg));
    if (rc != REGISTRY_OK)
        fprintf(stderr, "finish: %s\n", msg);
    assert_int_equal(rc, REGISTRY_OK);
}

/* Collects attempts into a small table. */
struct rows {
    int n;
    int64_t id[64];
    char ep[64][32], outcome[64][24], fpr[64][64], enr[64][80], sid[64][48];
    bool current[64], sent[64];
    int64_t resolved_by[64];
    int status[64], messages[64];
};

static int collect(void *ctx, const registry_attempt_t *a)
{
    struct rows *r = ctx;
    if (r->n >= 64)
        return 1;
    r->id[r->n] = a->id;
    snprintf(r->ep[r->n], 32, "%s", a->endpoint_name ? a->endpoint_name : "");
    snprintf(r->outcome[r->n], 24, "%s", a->outcome ? a->outcome : "");
    snprintf(r->fpr[r->n], 64, "%s", a->cert_sha256 ? a->cert_sha256 : "");
    snprintf(r->enr[r->n], 80, "%s", a->enrollment_id ? a->enrollment_id : "");
    r->current[r->n] = a->current;
    snprintf(r->sid[r->n], 48, "%s", a->sid ? a->sid : "");
    r->sent[r->n] = a->sent_at != NULL;
    r->resolved_by[r->n] = a->resolved_by;
    r->status[r->n] = a->device_status;
    r->messages[r->n] = a->messages;
    r->n++;
    return 0;
}

static void test_duplicate_refused(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t id1 = 0, id2 = 0, id3 = 0;
    char msg[512];

    assert_int_equal(claim(r, "ep-1", "sn-1", false, &id1, msg, sizeof(msg)), REGISTRY_OK);
    assert_true(id1 > 0);
    finish(r, id1, REGISTRY_OUTCOME_SUCCESS, "AA:BB");

    /* Same endpoint, other serial: refused, and the message says so. */
    assert_int_equal(claim(r, "ep-1", "sn-2", false, &id2, msg, sizeof(msg)), REGISTRY_REFUSED);
    assert_non_null(strstr(msg, "endpoint name 'ep-1' is already provisioned"));
    assert_non_null(strstr(msg, "--reprovision"));
    assert_true(id2 > id1);
    /* Same serial, other endpoint: refused too. */
    assert_int_equal(claim(r, "ep-2", "sn-1", false, &id3, msg, sizeof(msg)), REGISTRY_REFUSED);
    assert_non_null(strstr(msg, "serial number 'sn-1' is already provisioned"));

    /* Both refusals are attempts of their own. */
    struct rows rows = {0};
    assert_int_equal(registry_list(r, NULL, collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(rows.n, 3);
    assert_string_equal(rows.outcome[0], "success");
    assert_true(rows.current[0]);
    assert_string_equal(rows.outcome[1], "refused");
    assert_string_equal(rows.outcome[2], "refused");
    assert_false(rows.current[1]);
    registry_close(r);
}

static void test_in_flight_refused_even_with_reprovision(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t a = 0, b = 0;
    char msg[512];
    assert_int_equal(claim(r, "ep-f", "sn-f", false, &a, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-f", "sn-g", true, &b, msg, sizeof(msg)), REGISTRY_REFUSED);
    assert_non_null(strstr(msg, "being provisioned right now"));
    /* A serial number held in flight: the message names the endpoint to release. */
    assert_int_equal(claim(r, "ep-f2", "sn-f", false, &b, msg, sizeof(msg)), REGISTRY_REFUSED);
    assert_non_null(strstr(msg, "serial number 'sn-f' is being provisioned right now"));
    assert_non_null(strstr(msg, "fcu registry release ep-f`"));
    finish(r, a, REGISTRY_OUTCOME_SUCCESS, "01:02");
    registry_close(r);
}

static void test_failure_releases_claim(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t a = 0, b = 0;
    char msg[512];
    assert_int_equal(claim(r, "ep-x", "sn-x", false, &a, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, a, REGISTRY_OUTCOME_DEVICE_ERROR, NULL);
    assert_int_equal(claim(r, "ep-x", "sn-x", false, &b, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, b, REGISTRY_OUTCOME_SUCCESS, "CC:DD");
    /* Finishing twice is an error: the attempt is no longer in progress. */
    registry_result_t res = {.outcome = "success", .device_status = 0, .transport_status = 0};
    assert_int_equal(registry_finish(r, b, &res, msg, sizeof(msg)), REGISTRY_ERROR);
    registry_close(r);
}

static void test_reprovision(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t a = 0, b = 0, c = 0, d = 0;
    char msg[512];
    struct rows rows;

    assert_int_equal(claim(r, "ep-r", "sn-r", false, &a, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, a, REGISTRY_OUTCOME_SUCCESS, "11:11");
    /* A failed reprovision gives the claim back to the first success. */
    assert_int_equal(claim(r, "ep-r", "sn-r", true, &b, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, b, REGISTRY_OUTCOME_TRANSPORT_ERROR, NULL);
    memset(&rows, 0, sizeof(rows));
    assert_int_equal(registry_list_provisioned(r, collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.id[0], a);
    assert_string_equal(rows.fpr[0], "11:11");
    /* Without --reprovision still refused. */
    assert_int_equal(claim(r, "ep-r", "sn-r", false, &c, msg, sizeof(msg)), REGISTRY_REFUSED);
    /* A successful reprovision becomes the current one. */
    assert_int_equal(claim(r, "ep-r", "sn-r", true, &d, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, d, REGISTRY_OUTCOME_SUCCESS, "22:22");
    memset(&rows, 0, sizeof(rows));
    assert_int_equal(registry_list_provisioned(r, collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.id[0], d);
    assert_string_equal(rows.fpr[0], "22:22");
    /* show: every attempt of the endpoint, oldest first; only the last is current. */
    memset(&rows, 0, sizeof(rows));
    assert_int_equal(registry_list(r, "ep-r", collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(rows.n, 4);
    assert_string_equal(rows.outcome[1], "transport_error");
    assert_string_equal(rows.outcome[2], "refused");
    assert_false(rows.current[0]);
    assert_true(rows.current[3]);
    registry_close(r);
}

static void test_release(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t a = 0, b = 0;
    int released = -1;
    char msg[512];
    assert_int_equal(claim(r, "ep-d", "sn-d", false, &a, msg, sizeof(msg)), REGISTRY_OK);
    /* The station "dies" here. */
    assert_int_equal(registry_release(r, "ep-d", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(released, 1);
    assert_int_equal(claim(r, "ep-d", "sn-d", false, &b, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, b, REGISTRY_OUTCOME_SUCCESS, "33:33");
    assert_int_equal(registry_release(r, "ep-d", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(released, 0);
    registry_close(r);
}

static void test_export_rows(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    char msg[512], ep[32], sn[32], fpr[32];
    for (int i = 0; i < 6; i++) {
        int64_t id = 0;
        snprintf(ep, sizeof(ep), "ep-%02d", 5 - i);
        snprintf(sn, sizeof(sn), "sn-%02d", i);
        snprintf(fpr, sizeof(fpr), "F%d:F%d", i, i);
        assert_int_equal(claim(r, ep, sn, false, &id, msg, sizeof(msg)), REGISTRY_OK);
        finish(r, id, i % 3 == 0 ? REGISTRY_OUTCOME_DEVICE_ERROR : REGISTRY_OUTCOME_SUCCESS, fpr);
    }
    struct rows rows = {0};
    assert_int_equal(registry_list_provisioned(r, collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    /* i = 1, 2, 4, 5 succeeded: endpoints ep-04, ep-03, ep-01, ep-00, listed by name. */
    assert_int_equal(rows.n, 4);
    assert_string_equal(rows.ep[0], "ep-00");
    assert_string_equal(rows.ep[1], "ep-01");
    assert_string_equal(rows.ep[2], "ep-03");
    assert_string_equal(rows.ep[3], "ep-04");
    assert_string_equal(rows.fpr[0], "F5:F5");
    assert_string_equal(rows.enr[0], "A-F5:F5");
    registry_close(r);
}

/* ---- write-ahead and recovery (issue 20) ---- */

static void write_ahead(registry_t *r, int64_t id, const char *sid, const char *fpr)
{
    char msg[512], enr[128];
    snprintf(enr, sizeof(enr), "A-%s", fpr);
    registry_ahead_t a = {.sid = sid, .cert_serial = "0C0D", .cert_sha256 = fpr,
                          .enrollment_id = enr};
    int rc = registry_write_ahead(r, id, &a, msg, sizeof(msg));
    if (rc != REGISTRY_OK)
        fprintf(stderr, "write_ahead: %s\n", msg);
    assert_int_equal(rc, REGISTRY_OK);
}

static void list_ep(registry_t *r, const char *ep, struct rows *rows)
{
    char msg[512];
    memset(rows, 0, sizeof(*rows));
    assert_int_equal(registry_list(r, ep, collect, rows, msg, sizeof(msg)), REGISTRY_OK);
}

/* A station that dies after writing ahead leaves data that `release` keeps ("unknown"); one
 * that dies before leaves an "abandoned" attempt. The success completes the written-ahead row. */
static void test_write_ahead_and_release(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t a = 0, b = 0, c = 0;
    int released = -1, unknown = -1;
    char msg[512];
    struct rows rows;

    assert_int_equal(claim(r, "ep-w", "sn-w", false, &a, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, a, "fcu-1-aaaa", "AA:01");
    assert_int_equal(registry_release(r, "ep-w", &released, &unknown, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(released, 1);
    assert_int_equal(unknown, 1);
    list_ep(r, "ep-w", &rows);
    assert_int_equal(rows.n, 1);
    assert_string_equal(rows.outcome[0], REGISTRY_OUTCOME_UNKNOWN);
    assert_string_equal(rows.fpr[0], "AA:01");
    assert_string_equal(rows.enr[0], "A-AA:01");
    assert_string_equal(rows.sid[0], "fcu-1-aaaa");
    assert_true(rows.sent[0]);
    /* Writing ahead into an attempt that is no longer in progress fails. */
    registry_ahead_t late = {.sid = "x"};
    assert_int_equal(registry_write_ahead(r, a, &late, msg, sizeof(msg)), REGISTRY_ERROR);

    /* Nothing written ahead: abandoned. */
    assert_int_equal(claim(r, "ep-w", "sn-w", false, &b, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_release(r, "ep-w", &released, &unknown, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(released, 1);
    assert_int_equal(unknown, 0);
    list_ep(r, "ep-w", &rows);
    assert_string_equal(rows.outcome[1], REGISTRY_OUTCOME_ABANDONED);
    assert_false(rows.sent[1]);

    /* The success record keeps what was written ahead (never a second guess). */
    assert_int_equal(claim(r, "ep-w2", "sn-w2", false, &c, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, c, "fcu-3-cccc", "CC:03");
    finish(r, c, REGISTRY_OUTCOME_SUCCESS, "DD:04");
    list_ep(r, "ep-w2", &rows);
    assert_string_equal(rows.outcome[0], REGISTRY_OUTCOME_SUCCESS);
    assert_string_equal(rows.fpr[0], "CC:03");
    assert_string_equal(rows.enr[0], "A-CC:03");
    assert_true(rows.current[0]);

    /* A by_device session writes ahead twice: its SID and message count before the first
     * message, the certificate before the second; each call keeps what the other wrote. */
    int64_t d = 0;
    assert_int_equal(claim(r, "ep-bd", "sn-bd", false, &d, msg, sizeof(msg)), REGISTRY_OK);
    registry_ahead_t first = {.messages = 2, .sid = "fcu-bd"};
    assert_int_equal(registry_write_ahead(r, d, &first, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_release(r, "ep-bd", &released, &unknown, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(unknown, 1);
    list_ep(r, "ep-bd", &rows);
    assert_int_equal(rows.messages[0], 2);
    assert_string_equal(rows.fpr[0], ""); /* cut between its messages: no certificate yet */
    int64_t e = 0;
    assert_int_equal(claim(r, "ep-bd", "sn-bd", false, &e, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_write_ahead(r, e, &first, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, e, NULL, "BD:01");
    list_ep(r, "ep-bd", &rows);
    assert_int_equal(rows.messages[1], 2);
    assert_string_equal(rows.sid[1], "fcu-bd");
    assert_string_equal(rows.fpr[1], "BD:01");
    /* A session cut before its certificate was written ahead is never "recovered". */
    registry_result_t probe = {.outcome = REGISTRY_OUTCOME_RECOVERED, .device_status = 0,
                               .transport_status = 0};
    assert_int_equal(registry_recover(r, d, e, &probe, "check", msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    registry_close(r);
}

static int count_cb(void *ctx, const registry_attempt_t *a)
{
    (void)a;
    (*(int *)ctx)++;
    return 0;
}

/* An unknown attempt recovered by a retry: the same row completed, the claims moved to it,
 * exported; the retry's row is the recovery check. */
static void test_recover(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t u = 0, n = 0, x = 0;
    int released = 0, count = 0;
    char msg[512];
    struct rows rows;

    assert_int_equal(claim(r, "ep-r", "sn-r", false, &u, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, u, "fcu-u", "EE:05");
    assert_int_equal(registry_release(r, "ep-r", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-r", "sn-r", false, &n, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_unknown_list(r, "ep-r", "sn-r", count_cb, &count, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(count, 1);
    count = 0;
    /* Found by the serial number alone too. */
    assert_int_equal(registry_unknown_list(r, "other", "sn-r", count_cb, &count, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(count, 1);

    registry_result_t probe = {.outcome = REGISTRY_OUTCOME_RECOVERED, .device_status = 0,
                               .transport_status = 0,
                               .info_message = "The Factory process succeeded\n"};
    int rc = registry_recover(r, u, n, &probe, "recovery check", msg, sizeof(msg));
    if (rc != REGISTRY_OK)
        fprintf(stderr, "recover: %s\n", msg);
    assert_int_equal(rc, REGISTRY_OK);
    list_ep(r, "ep-r", &rows);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.outcome[0], REGISTRY_OUTCOME_RECOVERED);
    assert_true(rows.current[0]);
    assert_int_equal(rows.resolved_by[0], n);
    assert_int_equal(rows.status[0], 0);
    assert_string_equal(rows.fpr[0], "EE:05");
    assert_string_equal(rows.outcome[1], REGISTRY_OUTCOME_RECOVERY_CHECK);
    assert_false(rows.current[1]);

    struct rows exp = {0};
    assert_int_equal(registry_list_provisioned(r, collect, &exp, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(exp.n, 1);
    assert_int_equal(exp.id[0], u);
    assert_string_equal(exp.fpr[0], "EE:05");
    assert_string_equal(exp.outcome[0], REGISTRY_OUTCOME_RECOVERED);

    /* The device is provisioned now: a new claim is refused; recovering twice is refused. */
    assert_int_equal(claim(r, "ep-r", "sn-r", false, &x, msg, sizeof(msg)), REGISTRY_REFUSED);
    assert_int_equal(registry_recover(r, u, n, &probe, "again", msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    registry_close(r);
}

/* Another attempt that may have given the device an identity (a success, another unknown, a
 * transport error after sending) or found it already holding one (ReturnStatus 17) makes the
 * recovery refuse: nothing changes. */
static void test_recover_refused_by_rival(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t t = 0, u = 0, n = 0, s1 = 0, u2 = 0, n2 = 0;
    int released = 0;
    char msg[512];
    struct rows rows;
    registry_result_t probe = {.outcome = REGISTRY_OUTCOME_RECOVERED, .device_status = 0,
                               .transport_status = 0};

    /* T: the device refused a bundle with 17 (it held items already). */
    assert_int_equal(claim(r, "ep-x", "sn-x", false, &t, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, t, "fcu-t", "11:11");
    registry_result_t r17 = {.outcome = REGISTRY_OUTCOME_DEVICE_ERROR, .device_status = 17,
                             .transport_status = 0};
    assert_int_equal(registry_finish(r, t, &r17, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-x", "sn-x", false, &u, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, u, "fcu-u", "22:22");
    assert_int_equal(registry_release(r, "ep-x", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-x", "sn-x", false, &n, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_recover(r, u, n, &probe, "check", msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    assert_non_null(strstr(msg, "found it already holding one"));
    list_ep(r, "ep-x", &rows);
    assert_string_equal(rows.outcome[1], REGISTRY_OUTCOME_UNKNOWN);
    assert_string_equal(rows.outcome[2], REGISTRY_OUTCOME_IN_PROGRESS);

    /* A reprovision whose station died: the earlier success may be what the device holds. */
    assert_int_equal(claim(r, "ep-y", "sn-y", false, &s1, msg, sizeof(msg)), REGISTRY_OK);
    finish(r, s1, REGISTRY_OUTCOME_SUCCESS, "33:33");
    assert_int_equal(claim(r, "ep-y", "sn-y", true, &u2, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, u2, "fcu-u2", "44:44");
    assert_int_equal(registry_release(r, "ep-y", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-y", "sn-y", true, &n2, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_recover(r, u2, n2, &probe, "check", msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    struct rows exp = {0};
    assert_int_equal(registry_list_provisioned(r, collect, &exp, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(exp.n, 0); /* ep-y is being reprovisioned by n2, not exported meanwhile */
    registry_close(r);
}

static void test_settle_not_applied(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    int64_t u = 0, n = 0;
    int released = 0;
    char msg[512];
    struct rows rows;
    assert_int_equal(claim(r, "ep-s", "sn-s", false, &u, msg, sizeof(msg)), REGISTRY_OK);
    write_ahead(r, u, "fcu-u", "55:55");
    assert_int_equal(registry_release(r, "ep-s", &released, NULL, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(claim(r, "ep-s", "sn-s", false, &n, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(registry_settle_not_applied(r, u, n, "blank", msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(registry_settle_not_applied(r, u, n, "blank", msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    list_ep(r, "ep-s", &rows);
    assert_string_equal(rows.outcome[0], REGISTRY_OUTCOME_NOT_APPLIED);
    assert_int_equal(rows.resolved_by[0], n);
    assert_string_equal(rows.fpr[0], "55:55"); /* the data stays for the audit trail */
    registry_close(r);
}

/* A registry of schema version 1 (as fcu wrote it before issue 20) opens, is migrated in place
 * once, and keeps its rows and claims. */
static const char V1_TABLES[] =
    "CREATE TABLE registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "INSERT INTO registry_meta(key, value) VALUES ('schema_version', '1');\n"
    "CREATE TABLE attempts (id %s, station TEXT NOT NULL, started_at TEXT NOT NULL, "
    "finished_at TEXT, endpoint_name TEXT NOT NULL, serial_number TEXT NOT NULL, mode TEXT, "
    "transport TEXT, cert_serial TEXT, cert_sha256 TEXT, enrollment_id TEXT, "
    "outcome TEXT NOT NULL, device_status INTEGER, transport_status INTEGER, "
    "info_message TEXT, warnings TEXT, error TEXT);\n"
    "CREATE INDEX attempts_endpoint ON attempts(endpoint_name);\n"
    "CREATE INDEX attempts_serial ON attempts(serial_number);\n"
    "CREATE TABLE claims (kind TEXT NOT NULL CHECK (kind IN ('endpoint', 'serial')), "
    "value TEXT NOT NULL, attempt_id %s NOT NULL REFERENCES attempts(id), "
    "previous_attempt_id %s REFERENCES attempts(id), "
    "state TEXT NOT NULL CHECK (state IN ('pending', 'provisioned')), "
    "PRIMARY KEY (kind, value));\n"
    "CREATE INDEX claims_attempt ON claims(attempt_id);\n"
    "INSERT INTO attempts(station, started_at, finished_at, endpoint_name, serial_number, mode, "
    "transport, cert_serial, cert_sha256, outcome, device_status, transport_status) VALUES "
    "('line1', '2026-11-25T23:30:34.152Z', '2026-11-25T23:30:34.301Z', 'old-1', 'OLD-SN-1', "
    "'bootstrap', 'tcp:127.0.0.1:7001', '51BB', 'DA:67', 'success', 0, 0);\n"
    "INSERT INTO attempts(station, started_at, endpoint_name, serial_number, mode, outcome) "
    "VALUES ('line2', '2026-11-25T23:31:00.000Z', 'old-2', 'OLD-SN-2', 'bootstrap', "
    "'in_progress');\n"
    "INSERT INTO claims VALUES ('endpoint', 'old-1', 1, NULL, 'provisioned'), "
    "('serial', 'OLD-SN-1', 1, NULL, 'provisioned'), ('endpoint', 'old-2', 2, NULL, 'pending'), "
    "('serial', 'OLD-SN-2', 2, NULL, 'pending')";

static void test_migrate_v1(void **state)
{
    (void)state;
    const char *url = getenv("FCU_TEST_REGISTRY_URL");
    bool pg = url != NULL && *url != '\0';
    const registry_backend_ops_t *ops = pg ? &registry_pg_ops : &registry_sqlite_ops;
    char err[512], sql[4096], msg[512];
    void *db = pg ? registry_pg_open(url, err, sizeof(err)) : registry_sqlite_open(g_loc, err,
                                                                                  sizeof(err));
    assert_non_null(db);
    snprintf(sql, sizeof(sql), V1_TABLES,
             pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT",
             pg ? "BIGINT" : "INTEGER", pg ? "BIGINT" : "INTEGER");
    int rc = ops->exec(db, sql, 0, NULL, NULL, NULL, NULL, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "v1 schema: %s\n", err);
    assert_int_equal(rc, 0);
    ops->close(db);

    for (int round = 0; round < 2; round++) { /* the second open finds version 2 */
        registry_t *r = open_reg();
        struct rows exp = {0};
        assert_int_equal(registry_list_provisioned(r, collect, &exp, msg, sizeof(msg)),
                         REGISTRY_OK);
        assert_int_equal(exp.n, 1);
        assert_string_equal(exp.ep[0], "old-1");
        assert_string_equal(exp.fpr[0], "DA:67");
        assert_string_equal(exp.outcome[0], REGISTRY_OUTCOME_SUCCESS);
        registry_close(r);
    }
    registry_t *r = open_reg();
    int64_t id = 0;
    int released = 0, unknown = 0;
    struct rows rows;
    /* The old in-progress attempt never wrote ahead: release abandons it. */
    assert_int_equal(registry_release(r, "old-2", &released, &unknown, msg, sizeof(msg)),
                     REGISTRY_OK);
    assert_int_equal(released, 1);
    assert_int_equal(unknown, 0);
    list_ep(r, "old-2", &rows);
    assert_string_equal(rows.outcome[0], REGISTRY_OUTCOME_ABANDONED);
    assert_int_equal(claim(r, "old-1", "OLD-SN-1", false, &id, msg, sizeof(msg)),
                     REGISTRY_REFUSED);
    assert_int_equal(claim(r, "new-1", "NEW-SN-1", false, &id, msg, sizeof(msg)), REGISTRY_OK);
    assert_true(id > 2);
    write_ahead(r, id, "fcu-new", "77:77");
    finish(r, id, REGISTRY_OUTCOME_SUCCESS, "77:77");
    registry_close(r);

    /* A version this fcu does not know is refused, not overwritten. */
    db = pg ? registry_pg_open(url, err, sizeof(err)) : registry_sqlite_open(g_loc, err,
                                                                            sizeof(err));
    assert_non_null(db);
    assert_int_equal(ops->exec(db, "UPDATE registry_meta SET value = '3' WHERE key = "
                                   "'schema_version'",
                               0, NULL, NULL, NULL, NULL, err, sizeof(err)),
                     0);
    ops->close(db);
    registry_t *r3 = NULL;
    assert_int_equal(registry_open(g_loc, &r3, err, sizeof(err)), REGISTRY_ERROR);
    assert_non_null(strstr(err, "schema version '3'"));
    assert_null(r3);
}

/* Races: K processes (each its own connection, as separate stations are) claim the same
 * endpoint at the same instant, released together through a pipe. Exactly one wins. */
static void test_race_processes(void **state)
{
    (void)state;
    enum { K = 6 };
    registry_t *r0 = open_reg(); /* schema exists before the race */
    registry_close(r0);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pids[K];
    for (int i = 0; i < K; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            char msg[512], sn[32], b;
            registry_t *r = NULL;
            close(go[1]);
            if (registry_open(g_loc, &r, msg, sizeof(msg)) != REGISTRY_OK)
                _exit(10);
            if (read(go[0], &b, 1) != 0) /* EOF when the parent closes: everybody goes */
                _exit(11);
            int64_t id = 0;
            snprintf(sn, sizeof(sn), "race-sn-%d", i);
            registry_claim_req_t req = {.station = "racer", .endpoint_name = "race-ep",
                                        .serial_number = sn};
            int rc = registry_claim(r, &req, &id, msg, sizeof(msg));
            if (rc == REGISTRY_OK) {
                usleep(20000); /* "talk to the device" while the others try */
                registry_result_t res = {.outcome = "success", .device_status = 0,
                                         .transport_status = 0};
                rc = registry_finish(r, id, &res, msg, sizeof(msg)) == REGISTRY_OK ? 0 : 12;
            } else if (rc == REGISTRY_REFUSED) {
                rc = 1;
            } else {
                fprintf(stderr, "racer %d: %s\n", i, msg);
                rc = 13;
            }
            registry_close(r);
            _exit(rc);
        }
    }
    close(go[0]);
    usleep(200000);
    close(go[1]);
    int wins = 0, refusals = 0;
    for (int i = 0; i < K; i++) {
        int st = 0;
        assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == 0)
            wins++;
        else if (WEXITSTATUS(st) == 1)
            refusals++;
    }
    assert_int_equal(wins, 1);
    assert_int_equal(refusals, K - 1);
    registry_t *r = open_reg();
    struct rows rows = {0};
    char msg[512];
    assert_int_equal(registry_list(r, "race-ep", collect, &rows, msg, sizeof(msg)), REGISTRY_OK);
    assert_int_equal(rows.n, K);
    int succ = 0;
    for (int i = 0; i < rows.n; i++)
        succ += strcmp(rows.outcome[i], "success") == 0;
    assert_int_equal(succ, 1);
    registry_close(r);
}

/* Threads of one batch share one handle: the same rule holds. */
struct thr {
    registry_t *r;
    int idx;
    int rc;
};

static void *racer_thread(void *arg)
{
    struct thr *t = arg;
    char msg[512], sn[32];
    int64_t id = 0;
    snprintf(sn, sizeof(sn), "thr-sn-%d", t->idx);
    registry_claim_req_t req = {.station = "threads", .endpoint_name = "thr-ep",
                                .serial_number = sn};
    t->rc = registry_claim(t->r, &req, &id, msg, sizeof(msg));
    if (t->rc == REGISTRY_OK) {
        registry_result_t res = {.outcome = "success", .device_status = 0,
                                 .transport_status = 0};
        if (registry_finish(t->r, id, &res, msg, sizeof(msg)) != REGISTRY_OK)
            t->rc = REGISTRY_ERROR;
    }
    return NULL;
}

static void test_race_threads(void **state)
{
    (void)state;
    registry_t *r = open_reg();
    pthread_t th[8];
    struct thr t[8];
    for (int i = 0; i < 8; i++) {
        t[i] = (struct thr){r, i, -1};
        assert_int_equal(pthread_create(&th[i], NULL, racer_thread, &t[i]), 0);
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += t[i].rc == REGISTRY_OK;
        refused += t[i].rc == REGISTRY_REFUSED;
    }
    assert_int_equal(ok, 1);
    assert_int_equal(refused, 7);
    registry_close(r);
}

static void test_bad_location(void **state)
{
    (void)state;
    registry_t *r = (registry_t *)1;
    char err[512];
    assert_int_equal(registry_open("/nonexistent-dir/x/y.sqlite3", &r, err, sizeof(err)),
                     REGISTRY_ERROR);
    assert_null(r);
    assert_non_null(strstr(err, "cannot open registry"));
    assert_int_equal(registry_open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", &r,
                                   err, sizeof(err)),
                     REGISTRY_ERROR);
    assert_non_null(strstr(err, "PostgreSQL"));
}

int main(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/registry-test-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_duplicate_refused, setup),
        cmocka_unit_test_setup(test_in_flight_refused_even_with_reprovision, setup),
        cmocka_unit_test_setup(test_failure_releases_claim, setup),
        cmocka_unit_test_setup(test_reprovision, setup),
        cmocka_unit_test_setup(test_release, setup),
        cmocka_unit_test_setup(test_export_rows, setup),
        cmocka_unit_test_setup(test_write_ahead_and_release, setup),
        cmocka_unit_test_setup(test_recover, setup),
        cmocka_unit_test_setup(test_recover_refused_by_rival, setup),
        cmocka_unit_test_setup(test_settle_not_applied, setup),
        cmocka_unit_test_setup(test_migrate_v1, setup),
        cmocka_unit_test_setup(test_race_processes, setup),
        cmocka_unit_test_setup(test_race_threads, setup),
        cmocka_unit_test(test_bad_location),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    return rc;
}
