/* SPDX-License-Identifier: Apache-2.0 */
/* The small operations table between the registry's logic (registry.c) and a database
 * (registry_sqlite.c, registry_pg.c). Every statement is written once, with `$1..$N` text
 * parameters, and runs unchanged on both backends; only the schema differs. Private to fcu. */
#ifndef FCU_REGISTRY_BACKEND_H
#define FCU_REGISTRY_BACKEND_H

#include <stddef.h>

/* Called once per result row; vals[i] is NULL for SQL NULL. Non-zero stops the walk. */
typedef int (*registry_row_cb)(void *ctx, int ncols, const char *const *vals);

typedef struct registry_backend_ops {
    const char *name;     /* "sqlite" / "postgresql" */
    const char *schema;   /* statements separated by ";\n", run inside one transaction */
    const char *begin;    /* statement opening a write transaction */
    const char *lock_schema; /* statement run first in the schema transaction, or NULL */
    /* Runs `sql` with `nparams` text parameters (NULL = SQL NULL). Rows go to `cb` (may be
     * NULL); *changes (may be NULL) receives the rows changed by an INSERT/UPDATE/DELETE.
     * Returns 0, the non-zero value of `cb`, or -1 with `err` filled. */
    int (*exec)(void *db, const char *sql, int nparams, const char *const *params,
                registry_row_cb cb, void *ctx, long *changes, char *err, size_t errlen);
    void (*close)(void *db);
} registry_backend_ops_t;

/* Open a backend connection. Returns the connection or NULL with `err` filled. */
void *registry_sqlite_open(const char *path, char *err, size_t errlen);
void *registry_pg_open(const char *conninfo, char *err, size_t errlen);

extern const registry_backend_ops_t registry_sqlite_ops;
extern const registry_backend_ops_t registry_pg_ops;

#endif /* FCU_REGISTRY_BACKEND_H */
