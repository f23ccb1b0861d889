/* SPDX-License-Identifier: Apache-2.0 */
/* The provisioning registry of fcu: one row per provisioning attempt, and a claims table that
 * makes "an endpoint name or serial number is provisioned successfully at most once" a property
 * of the database, so that it holds when several stations (processes, threads) race for the same
 * device. Two backends behind one small interface: SQLite (default, a file in the FCU home) and
 * PostgreSQL (a libpq connection URL, shared by every station of a factory).
 * See docs/fcu-registry.md for the schema and the claim protocol. */
#ifndef FCU_REGISTRY_H
#define FCU_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Results of the registry functions. */
enum {
    REGISTRY_OK = 0,
    REGISTRY_REFUSED = 1, /* registry_claim: the endpoint or serial is taken (message says why) */
    REGISTRY_ERROR = 2,   /* database or usage error (message says why) */
};

/* Outcomes stored in attempts.outcome. */
#define REGISTRY_OUTCOME_IN_PROGRESS "in_progress"
#define REGISTRY_OUTCOME_SUCCESS "success"
#define REGISTRY_OUTCOME_DEVICE_ERROR "device_error"       /* device answered ReturnStatus != 0 */
#define REGISTRY_OUTCOME_TRANSPORT_ERROR "transport_error" /* connect, timeout, broken frame */
#define REGISTRY_OUTCOME_TOOL_ERROR "tool_error"           /* bundle could not be built */
#define REGISTRY_OUTCOME_REFUSED "refused"                 /* already provisioned / in flight */
#define REGISTRY_OUTCOME_ABANDONED "abandoned"             /* released; nothing had been sent */
/* Recovery (issue 20, docs/fcu-registry.md "Recovery"): */
#define REGISTRY_OUTCOME_UNKNOWN "unknown"         /* released after its bundle was written ahead */
#define REGISTRY_OUTCOME_RECOVERED "recovered"     /* unknown, proved applied by the device */
#define REGISTRY_OUTCOME_NOT_APPLIED "not_applied" /* an unknown attempt the device never applied */
#define REGISTRY_OUTCOME_RECOVERY_CHECK "recovery_check" /* a retry that settled an unknown one */
#define REGISTRY_OUTCOME_IDENTITY_CONFLICT "identity_conflict" /* device holds another identity */

typedef struct registry registry_t;

/* What a station knows before it talks to the device. Strings are borrowed for the call. */
typedef struct registry_claim_req {
    const char *station;       /* station id, required */
    const char *endpoint_name; /* required */
    const char *serial_number; /* required */
    const char *mode;          /* "bootstrap" or "lwm2m" (free text), may be NULL */
    const char *transport;     /* e.g. "tcp:127.0.0.1:7001", may be NULL */
    bool reprovision;          /* take over a SUCCESSFUL claim (never one in flight) */
} registry_claim_req_t;

/* What a station learned. Strings borrowed for the call; NULL stores SQL NULL. */
typedef struct registry_result {
    const char *outcome;       /* one of REGISTRY_OUTCOME_*, required */
    int device_status;         /* ReturnStatus, or -1 when the device did not answer */
    int transport_status;      /* status of the response frame, or -1 when none arrived */
    const char *cert_serial;   /* device certificate serial number, hex */
    const char *cert_sha256;   /* SHA-256 fingerprint of the device certificate DER, XX:XX:.. */
    const char *enrollment_id; /* "A-" + fingerprint, only when first-to-claim */
    const char *info_message;  /* device InfoMessage */
    const char *warnings;      /* device WarningInfo (warnings joined by '\n') */
    const char *error;         /* the tool's own explanation of a failure */
} registry_result_t;

/* One attempt row as read back. Strings are NULL for SQL NULL; owned by the registry for the
 * duration of the callback only. */
typedef struct registry_attempt {
    int64_t id;
    const char *station, *started_at, *finished_at, *endpoint_name, *serial_number, *mode,
        *transport, *cert_serial, *cert_sha256, *enrollment_id, *outcome, *info_message,
        *warnings, *error;
    int device_status;    /* -1 when NULL */
    int transport_status; /* -1 when NULL */
    bool current;         /* this attempt holds the endpoint's "provisioned" claim */
    const char *sid;      /* the bundle's SID, written ahead (NULL before) */
    const char *sent_at;  /* when the bundle was written ahead: from then on it may be applied */
    int64_t resolved_by;  /* unknown -> recovered / not_applied: the attempt that settled it; 0 */
    int messages;         /* messages of the session (1; 2 for by_device), 0 when not known */
} registry_attempt_t;

typedef int (*registry_attempt_cb)(void *ctx, const registry_attempt_t *a);

/* Opens (and creates the schema of) a registry. `location` is a PostgreSQL URL
 * (`postgresql://...` or `postgres://...`, also a libpq keyword string starting `pg:`) or a
 * SQLite file path (`sqlite:PATH` or a plain path). On failure *out is NULL and `err` says why.
 * The handle is safe to share between threads (calls are serialised). Returns REGISTRY_OK or
 * REGISTRY_ERROR. */
int registry_open(const char *location, registry_t **out, char *err, size_t errlen);

/* Closes the handle; safe on NULL. */
void registry_close(registry_t *r);

/* Backend name: "sqlite" or "postgresql". Static string. */
const char *registry_backend(const registry_t *r);

/* Records a new attempt and claims its endpoint name and serial number, in one transaction,
 * BEFORE the station talks to the device. REGISTRY_OK: *attempt_id is the new row, which the
 * caller must close with registry_finish. REGISTRY_REFUSED: the endpoint or serial is already
 * provisioned successfully (without req->reprovision) or is being provisioned right now; a
 * "refused" attempt row has been recorded, *attempt_id is that row and `msg` says by whom.
 * REGISTRY_ERROR: database error, `msg` says why. */
int registry_claim(registry_t *r, const registry_claim_req_t *req, int64_t *attempt_id, char *msg,
                   size_t msglen);

/* Closes an attempt: stores the result and, in the same transaction, turns its claims into
 * "provisioned" on success or releases them on failure (a reprovision that fails gives the
 * claim back to the attempt that held it before). Returns REGISTRY_OK or REGISTRY_ERROR. */
int registry_finish(registry_t *r, int64_t attempt_id, const registry_result_t *res, char *msg,
                    size_t msglen);

/* Calls `cb` for every attempt of `endpoint_name` (oldest first), or for every attempt when it
 * is NULL. A non-zero return of `cb` stops the walk and is returned. */
int registry_list(registry_t *r, const char *endpoint_name, registry_attempt_cb cb, void *ctx,
                  char *msg, size_t msglen);

/* Calls `cb` for the current successful attempt of every provisioned endpoint, ordered by
 * endpoint name: the rows of an enrollment export. */
int registry_list_provisioned(registry_t *r, registry_attempt_cb cb, void *ctx, char *msg,
                              size_t msglen);

/* Releases the claims held by unfinished attempts of `endpoint_name` (a station that crashed
 * mid-session). An attempt whose bundle was written ahead (registry_write_ahead) becomes
 * "unknown" and keeps its data: the next inject of the endpoint asks the device; one that never
 * got that far becomes "abandoned". *released = number of attempts released, *unknown (may be
 * NULL) = how many of them became "unknown". Returns REGISTRY_OK or REGISTRY_ERROR. */
int registry_release(registry_t *r, const char *endpoint_name, int *released, int *unknown,
                     char *msg, size_t msglen);

/* What a station writes ahead, before the bundle leaves it. NULL keeps the stored value (a
 * by_device session writes its SID with the first message and the certificate before the
 * second). */
typedef struct registry_ahead {
    int messages; /* messages of the session: 1, or 2 for a by_device session; 0 keeps */
    const char *sid;
    const char *cert_serial;
    const char *cert_sha256;
    const char *enrollment_id;
} registry_ahead_t;

/* Writes ahead into the in-progress attempt `attempt_id` and stamps sent_at (once). Call it
 * BEFORE the message leaves the tool; when it fails, send nothing. REGISTRY_OK or
 * REGISTRY_ERROR (also when the attempt is no longer in progress). */
int registry_write_ahead(registry_t *r, int64_t attempt_id, const registry_ahead_t *a, char *msg,
                         size_t msglen);

/* Calls `cb` for every attempt whose outcome is "unknown" and whose endpoint name is
 * `endpoint_name` or whose serial number is `serial_number`, oldest first. */
int registry_unknown_list(registry_t *r, const char *endpoint_name, const char *serial_number,
                          registry_attempt_cb cb, void *ctx, char *msg, size_t msglen);

/* Settles the unknown attempt `unknown_id` as "not_applied" (the device proved it never applied
 * that bundle), noting `by_id` (the in-progress attempt that found out) and `reason`.
 * REGISTRY_OK, REGISTRY_REFUSED (not unknown any more: settled by someone else) or
 * REGISTRY_ERROR. */
int registry_settle_not_applied(registry_t *r, int64_t unknown_id, int64_t by_id,
                                const char *reason, char *msg, size_t msglen);

/* Records the unknown attempt `unknown_id` as "recovered" (completing its written-ahead row with
 * the device's answer `probe`: ReturnStatus, InfoMessage, warnings), moves the claims of the
 * in-progress attempt `by_id` to it as "provisioned", and closes `by_id` as "recovery_check"
 * with `note` - one transaction. REGISTRY_REFUSED (nothing changed, msg says why) when
 * `unknown_id` is no longer unknown, has no written-ahead certificate, or when `by_id` took its
 * claims over from an earlier success (then the device may hold that one instead). */
int registry_recover(registry_t *r, int64_t unknown_id, int64_t by_id,
                     const registry_result_t *probe, const char *note, char *msg, size_t msglen);

/* Current UTC time as ISO 8601 with milliseconds, e.g. "2026-11-25T23:30:01.123Z". */
void registry_now(char out[32]);

#endif /* FCU_REGISTRY_H */
