/* SPDX-License-Identifier: Apache-2.0 */
/* SQLite backend of the provisioning registry: the default, a single file in the FCU home, with
 * nothing to install or run. Several fcu processes may share the file: write transactions are
 * BEGIN IMMEDIATE (one writer at a time) and a busy timeout makes the others wait their turn. */
#include "registry_backend.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQLITE_BUSY_MS 30000

static const char REGISTRY_SQLITE_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "INSERT INTO registry_meta(key, value) VALUES ('schema_version', '1') "
    "ON CONFLICT(key) DO NOTHING;\n"
    "CREATE TABLE IF NOT EXISTS attempts ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " station TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,"
    " endpoint_name TEXT NOT NULL, serial_number TEXT NOT NULL, mode TEXT, transport TEXT,"
    " cert_serial TEXT, cert_sha256 TEXT, enrollment_id TEXT,"
    " outcome TEXT NOT NULL, device_status INTEGER, transport_status INTEGER,"
    " info_message TEXT, warnings TEXT, error TEXT);\n"
    "CREATE INDEX IF NOT EXISTS attempts_endpoint ON attempts(endpoint_name);\n"
    "CREATE INDEX IF NOT EXISTS attempts_serial ON attempts(serial_number);\n"
    "CREATE TABLE IF NOT EXISTS claims ("
    " kind TEXT NOT NULL CHECK (kind IN ('endpoint', 'serial')),"
    " value TEXT NOT NULL,"
    " attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
    " previous_attempt_id INTEGER REFERENCES attempts(id),"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'provisioned')),"
    " PRIMARY KEY (kind, value));\n"
    "CREATE INDEX IF NOT EXISTS claims_attempt ON claims(attempt_id)";

/* Binds text parameters named $1..$N to their values. Returns SQLite's result code. */
static int bind_params(sqlite3_stmt *st, int nparams, const char *const *params)
{
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (name == NULL || name[0] != '$')
            return SQLITE_MISUSE;
        int k = atoi(name + 1);
        if (k < 1 || k > nparams)
            return SQLITE_RANGE;
        int rc = params[k - 1] == NULL
                     ? sqlite3_bind_null(st, i)
                     : sqlite3_bind_text(st, i, params[k - 1], -1, SQLITE_TRANSIENT);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static int sq_exec(void *db_, const char *sql, int nparams, const char *const *params,
                   registry_row_cb cb, void *ctx, long *changes, char *err, size_t errlen)
{
    sqlite3 *db = db_;
    sqlite3_stmt *st = NULL;
    int ret = -1;
    const char *vals[32];
    const char *tail = sql;

    if (changes != NULL)
        *changes = 0;
    /* Several statements are allowed only without parameters and rows (the schema). */
    while (tail != NULL && *tail != '\0') {
        int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
            goto cleanup;
        }
        if (st == NULL) /* whitespace only */
            break;
        if (bind_params(st, nparams, params) != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: bad statement parameters");
            goto cleanup;
        }
        for (;;) {
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                int nc = sqlite3_column_count(st);
                if (nc > 32)
                    nc = 32;
                for (int i = 0; i < nc; i++)
                    vals[i] = (const char *)sqlite3_column_text(st, i);
                if (cb != NULL) {
                    int r = cb(ctx, nc, vals);
                    if (r != 0) {
                        ret = r;
                        goto cleanup;
                    }
                }
                continue;
            }
            if (rc == SQLITE_DONE)
                break;
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(db));
            goto cleanup;
        }
        if (changes != NULL && !sqlite3_stmt_readonly(st))
            *changes = sqlite3_changes(db);
        sqlite3_finalize(st);
        st = NULL;
    }
    ret = 0;
cleanup:
    sqlite3_finalize(st);
    return ret;
}

static void sq_close(void *db)
{
    sqlite3_close_v2(db);
}

void *registry_sqlite_open(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open registry %s: %s", path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, SQLITE_BUSY_MS);
    /* WAL lets readers (registry show/export) run while a station writes. */
    if (sq_exec(db, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL",
                0, NULL, NULL, NULL, NULL, err, errlen) != 0) {
        sqlite3_close_v2(db);
        return NULL;
    }
    return db;
}

const registry_backend_ops_t registry_sqlite_ops = {
    .name = "sqlite",
    .schema = REGISTRY_SQLITE_SCHEMA,
    .begin = "BEGIN IMMEDIATE",
    .lock_schema = NULL,
    .exec = sq_exec,
    .close = sq_close,
};
