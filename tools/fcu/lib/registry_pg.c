/* SPDX-License-Identifier: Apache-2.0 */
/* PostgreSQL backend of the provisioning registry, through libpq: every station of a factory
 * points at the same server and the database's constraints arbitrate between them. Parameters
 * travel as text; PostgreSQL infers their types from the statement. */
#include "registry_backend.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char REGISTRY_PG_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS registry_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "INSERT INTO registry_meta(key, value) VALUES ('schema_version', '1') "
    "ON CONFLICT(key) DO NOTHING;\n"
    "CREATE TABLE IF NOT EXISTS attempts ("
    " id BIGSERIAL PRIMARY KEY,"
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
    " attempt_id BIGINT NOT NULL REFERENCES attempts(id),"
    " previous_attempt_id BIGINT REFERENCES attempts(id),"
    " state TEXT NOT NULL CHECK (state IN ('pending', 'provisioned')),"
    " PRIMARY KEY (kind, value));\n"
    "CREATE INDEX IF NOT EXISTS claims_attempt ON claims(attempt_id)";

/* Runs one statement (PostgreSQL's extended protocol takes one statement per call with
 * parameters; the schema, without parameters, goes through PQexec). */
static int pg_exec(void *db, const char *sql, int nparams, const char *const *params,
                   registry_row_cb cb, void *ctx, long *changes, char *err, size_t errlen)
{
    PGconn *conn = db;
    PGresult *res = NULL;
    int ret = -1;
    const char *vals[32];

    if (changes != NULL)
        *changes = 0;
    res = nparams > 0 ? PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)
                      : PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        const char *m = PQresultErrorMessage(res);
        snprintf(err, errlen, "postgresql: %s", (m && *m) ? m : PQerrorMessage(conn));
        /* libpq messages end with a newline: drop it. */
        size_t n = strlen(err);
        while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r'))
            err[--n] = '\0';
        goto cleanup;
    }
    if (st == PGRES_TUPLES_OK && cb != NULL) {
        int nc = PQnfields(res);
        if (nc > 32)
            nc = 32;
        for (int row = 0; row < PQntuples(res); row++) {
            for (int i = 0; i < nc; i++)
                vals[i] = PQgetisnull(res, row, i) ? NULL : PQgetvalue(res, row, i);
            int r = cb(ctx, nc, vals);
            if (r != 0) {
                ret = r;
                goto cleanup;
            }
        }
    }
    if (changes != NULL) {
        const char *t = PQcmdTuples(res);
        *changes = (t != NULL && *t != '\0') ? atol(t) : 0;
    }
    ret = 0;
cleanup:
    PQclear(res);
    return ret;
}

static void pg_close(void *db)
{
    PQfinish(db);
}

void *registry_pg_open(const char *conninfo, char *err, size_t errlen)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, errlen, "cannot connect to the PostgreSQL registry: %s",
                 conn ? PQerrorMessage(conn) : "out of memory");
        size_t n = strlen(err);
        while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r'))
            err[--n] = '\0';
        PQfinish(conn);
        return NULL;
    }
    /* Keep the server's notices ("relation already exists, skipping") off the terminal. */
    PGresult *r = PQexec(conn, "SET client_min_messages = warning");
    PQclear(r);
    return conn;
}

const registry_backend_ops_t registry_pg_ops = {
    .name = "postgresql",
    .schema = REGISTRY_PG_SCHEMA,
    .begin = "BEGIN",
    /* Two stations creating the schema at once would collide in the catalogue. */
    .lock_schema = "SELECT pg_advisory_xact_lock(727100)",
    .exec = pg_exec,
    .close = pg_close,
};
