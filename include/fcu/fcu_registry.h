/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu: the provisioning registry (docs/fcu-registry.md) read and released from outside the
 * library, as `fcu registry show|export|release` does: every attempt of an endpoint, the
 * provisioned devices, and the claims of a station that died mid-session given back. Nothing
 * here prints; the rows come to a callback. Conventions as in fcu.h. */
#ifndef FCU_PUBLIC_FCU_REGISTRY_H
#define FCU_PUBLIC_FCU_REGISTRY_H

#include <fcu/fcu.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Outcomes of an attempt (fcu_tool_attempt_t.outcome), as the registry stores them. */
#define FCU_TOOL_OUTCOME_SUCCESS "success"
#define FCU_TOOL_OUTCOME_UNKNOWN "unknown"               /* released after its bundle was sent */
#define FCU_TOOL_OUTCOME_RECOVERED "recovered"           /* unknown, proved applied by the device */
#define FCU_TOOL_OUTCOME_NOT_APPLIED "not_applied"       /* unknown, never applied */
#define FCU_TOOL_OUTCOME_RECOVERY_CHECK "recovery_check" /* a retry that settled an unknown one */

typedef struct fcu_tool_registry fcu_tool_registry_t;

/* One provisioning attempt. Strings are NULL when the registry holds none; they live until the
 * callback returns. */
typedef struct fcu_tool_attempt {
    int64_t id;
    const char *station, *started_at, *finished_at, *endpoint_name, *serial_number, *mode,
        *transport, *cert_serial, *cert_sha256, *enrollment_id, *outcome, *info_message,
        *warnings, *error;
    int device_status;    /* ReturnStatus, -1 when none */
    int transport_status; /* -1 when none */
    int current;          /* this attempt holds the endpoint's "provisioned" claim */
    const char *sid;      /* the bundle's SID, written ahead */
    const char *sent_at;  /* when the bundle was written ahead */
    int64_t resolved_by;  /* the attempt that settled an unknown one, 0 when none */
    int messages;         /* messages of the session, 0 when not known */
} fcu_tool_attempt_t;
/* Called once per row; a non-zero return stops the walk and is returned. */
typedef int (*fcu_tool_attempt_cb)(void *arg, const fcu_tool_attempt_t *a);

/* Opens the registry at `location` (a postgresql:// URL or a SQLite file; NULL or "": the
 * environment's FCU_REGISTRY_URL, else <home>/registry.sqlite3 of `tool`). On failure returns
 * FCU_TOOL_USAGE with the reason in `err`. The handle may be shared between threads. */
int fcu_tool_registry_open(fcu_tool_t *tool, const char *location, fcu_tool_registry_t **out,
                           char *err, size_t errsz);
void fcu_tool_registry_close(fcu_tool_registry_t *reg);
/* Every attempt of `endpoint_name`, oldest first. FCU_TOOL_OK, or FCU_TOOL_USAGE (err). */
int fcu_tool_registry_show(fcu_tool_registry_t *reg, const char *endpoint_name,
                           fcu_tool_attempt_cb cb, void *arg, char *err, size_t errsz);
/* The current successful attempt of every provisioned endpoint, by endpoint name. */
int fcu_tool_registry_export(fcu_tool_registry_t *reg, fcu_tool_attempt_cb cb, void *arg,
                             char *err, size_t errsz);
/* Frees the claims of the unfinished attempts of `endpoint_name`: *released of them, *unknown
 * of which had written their bundle ahead (outcome unknown; the next inject asks the device). */
int fcu_tool_registry_release(fcu_tool_registry_t *reg, const char *endpoint_name,
                              int *released, int *unknown, char *err, size_t errsz);

#ifdef __cplusplus
}
#endif
#endif /* FCU_PUBLIC_FCU_REGISTRY_H */
