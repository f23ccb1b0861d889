/* SPDX-License-Identifier: Apache-2.0 */
/* FCC, the factory configurator client: the device end of provisioning. It takes the bytes of
 * a bundle (wire contract section 2), stores its items in KCM in one transaction, runs the device
 * verification (section 7) and writes the response (section 3). The caller allocates fcc_t and
 * every buffer; the library keeps pointers only to what fcc_init documents. */
#ifndef FCC_FCC_H
#define FCC_FCC_H

#include "fcc/config.h"
#include "fcc/kcm.h"
#include "fcc/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The OS services FCC needs, supplied by the port (lib/port has POSIX ones). */
typedef struct fcc_port {
    void *ctx;
    /* Random bytes; 0 on success. */
    int (*rng)(void *ctx, unsigned char *buf, size_t len);
    /* Current time, seconds since the epoch; 0 when the device does not know the time. */
    int64_t (*time_get)(void *ctx);
    /* Sets the device time (mbed.CurrentTime); 0 on success. */
    int (*time_set)(void *ctx, int64_t epoch);
} fcc_port_t;

/* Runtime options. Zero means default. */
typedef struct fcc_options {
    /* Strict mode: the checks that the reference does not make, and a leaf without the
     * extended-key-usage extension, are errors instead of warnings. */
    bool strict;
} fcc_options_t;

typedef enum fcc_severity {
    FCC_SEVERITY_ERROR = 0,
    FCC_SEVERITY_WARNING = 1
} fcc_severity_t;

/* One finding of a bundle or verification run: `code` is the FCC status number (for warnings,
 * the status the check would have given as an error, or 0), `prefix` a static message prefix,
 * `item` the item name. The message is prefix followed by item. */
typedef struct fcc_finding {
    int code;
    fcc_severity_t severity;
    const char *prefix;
    char item[FCC_NAME_MAX + 1];
} fcc_finding_t;

/* Output info of the last run: the first error (if any) and every warning, in order. If more
 * than FCC_FINDINGS_MAX findings occur, the rest are counted in `dropped`. */
typedef struct fcc_output {
    int status;                 /* ReturnStatus of the run */
    bool has_error;
    fcc_finding_t error;
    size_t warning_count;
    fcc_finding_t warnings[FCC_FINDINGS_MAX];
    size_t dropped;
} fcc_output_t;

typedef struct fcc {
    /* private */
    kcm_t *kcm;
    fcc_port_t port;
    fcc_options_t opts;
    fcc_output_t out;
    bool initialized;
    bool session_open;   /* a keep-alive session is in progress */
    char sid[65];        /* SID of the last bundle (terminated copy; may hold NUL bytes) */
    size_t sid_len;      /* its length in bytes, 0..FCC_SID_MAX */
    bool has_sid;        /* the last bundle carried a SID */
    uint32_t reserved[8];
} fcc_t;

/* Longest SID (session id) a bundle may carry, bytes; a longer one is a bundle error (20). */
#define FCC_SID_MAX 64

/* Smallest response buffer fcc_bundle_handler works with: room for the mandatory part of any
 * response (map, SchemeVersion, SID, ReturnStatus, InfoMessage with the longest error text).
 * Below it the handler does nothing and returns FCC_STATUS_BUNDLE_RESPONSE_ERROR. */
#define FCC_RESPONSE_MIN 512

/* Initialises over an initialised KCM. `kcm` is borrowed until fcc_free; `port` and `opts` are
 * copied (opts may be NULL). Cannot fail except on NULL arguments (FCC_STATUS_INVALID_PARAMETER). */
fcc_status_t fcc_init(fcc_t *fcc, kcm_t *kcm, const fcc_port_t *port, const fcc_options_t *opts);
void fcc_free(fcc_t *fcc);

/* Handles one bundle. Reads `bundle` (not kept), writes the CBOR response into `resp`
 * (resp_size >= FCC_RESPONSE_MAX always suffices) and its length into *resp_len. Returns the
 * ReturnStatus written in the response. *keep_alive (may be NULL) is set when the bundle
 * succeeded and said more messages follow in this session (KpAlvSess:1). A factory-disabled device answers status 9. If resp is
 * too small for even a minimal response (resp_size < FCC_RESPONSE_MIN), returns
 * FCC_STATUS_BUNDLE_RESPONSE_ERROR with *resp_len = 0 and touches nothing.
 * The whole bundle is applied in one KCM transaction: on any error nothing of it is stored.
 * While it works, the handler uses all of `resp` as scratch space (certificates read back from
 * KCM, generated keys, CSRs); the response itself is at most min(resp_size, FCC_RESPONSE_MAX)
 * bytes. docs/bundle.md has the formats and the status of every rule. */
fcc_status_t fcc_bundle_handler(fcc_t *fcc, const uint8_t *bundle, size_t bundle_len,
                                uint8_t *resp, size_t resp_size, size_t *resp_len,
                                bool *keep_alive);

/* Runs the full device verification (wire contract section 7) over what is stored now. The
 * findings are in fcc_get_output_info(). */
fcc_status_t fcc_verify_device_configured_4mbed_cloud(fcc_t *fcc);

/* Findings of the last bundle or verification run. Valid until the next call on this fcc. */
const fcc_output_t *fcc_get_output_info(const fcc_t *fcc);

/* Formats a finding as "<prefix><item>" into buf (always terminated). Returns the length the
 * full message needs, excluding the terminator (like snprintf). */
size_t fcc_finding_message(const fcc_finding_t *f, char *buf, size_t size);

/* Direct setters, also used by the bundle handler. Each is its own transaction. */
fcc_status_t fcc_entropy_set(fcc_t *fcc, const uint8_t *buf, size_t len);   /* 48 bytes, once */
fcc_status_t fcc_rot_set(fcc_t *fcc, const uint8_t *buf, size_t len);       /* 16 bytes, once */
fcc_status_t fcc_time_set(fcc_t *fcc, int64_t epoch);
fcc_status_t fcc_factory_disable(fcc_t *fcc);
fcc_status_t fcc_is_factory_disabled(fcc_t *fcc, bool *disabled);

/* Erases the whole store (factory items and internal items included). */
fcc_status_t fcc_storage_delete(fcc_t *fcc);

/* Writes the crypto library's name and run-time version ("mbed TLS 3.6.6") to buf (NUL
 * terminated, truncated to size - 1) and returns the full length. */
size_t fcc_crypto_version(char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* FCC_FCC_H */
