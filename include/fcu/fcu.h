/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu: the factory tool's logic as a library, for line software that drives devices itself
 * (the Python package `fcu` is built on it; the `fcu` command is a front over the same code).
 *
 * The flow is the ecosystem's FactoryToolApi: open a tool on an FCU home, set up the CA (once),
 * then per device prepare its configuration (the bundle bytes to send), send them over your own
 * link (framed as in SPEC.md section 1), and hand the device's answer to
 * fcu_tool_process_response(). For keys generated on the device the answer asks for a second
 * message, which the result carries.
 *
 * Conventions: every function returns an FCU_TOOL_* status (0 success). Objects the library
 * returns are owned by the caller and freed with their _free function (safe on NULL). Strings
 * are NUL-terminated UTF-8 and live as long as the object holding them. A tool object may be
 * used by one thread at a time; open one per thread for parallel lines. Errors and warnings are
 * fcu_tool_issue_t: the stable code (docs/fcu-codes.md), the parameter it concerns and a message.
 * Nothing here prints. */
#ifndef FCU_PUBLIC_FCU_H
#define FCU_PUBLIC_FCU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FCU_TOOL_API_VERSION 1

/* Results of the calls (the same numbers as the `fcu` command's exit status). */
#define FCU_TOOL_OK 0        /* done / valid */
#define FCU_TOOL_INVALID 1   /* validation failed: see the result's errors */
#define FCU_TOOL_USAGE 2     /* bad argument, unreadable or unwritable file, out of memory */
#define FCU_TOOL_REFUSED 3   /* refused by the provisioning registry */

/* Setup status (fcu_tool_setup_status_t.status). */
#define FCU_TOOL_SETUP_DONE 0       /* CA key and certificate present and usable */
#define FCU_TOOL_SETUP_NOT_DONE 1   /* nothing set up yet */
#define FCU_TOOL_SETUP_CSR_PENDING 2 /* intermediate CA: CSR made, signed certificate not installed */
#define FCU_TOOL_SETUP_INVALID 3    /* something is there but unusable: see errors */

typedef struct fcu_tool fcu_tool_t;           /* an FCU home and its configuration */
typedef struct fcu_tool_operation fcu_tool_operation_t; /* a device session in progress */

typedef struct fcu_tool_issue {
    int code;              /* stable code (docs/fcu-codes.md) */
    int is_warning;        /* 0 error, 1 warning */
    const char *parameter; /* configuration key, option or device item */
    const char *message;
} fcu_tool_issue_t;

typedef struct fcu_tool_issues {
    fcu_tool_issue_t *errors;
    size_t error_count;
    fcu_tool_issue_t *warnings;
    size_t warning_count;
} fcu_tool_issues_t;

typedef struct fcu_tool_setup_status {
    int status;                   /* FCU_TOOL_SETUP_* */
    const char *keystore_dir;     /* <home>/keystore */
    const char *certificate_file; /* the CA certificate (may not exist yet) */
    const char *csr_file;         /* the CSR of an intermediate CA (may not exist) */
    const char *private_key_file; /* the key file, or the pkcs11: URI of a key in a token */
    fcu_tool_issues_t issues;
} fcu_tool_setup_status_t;

typedef struct fcu_tool_device_config {
    uint8_t *config_data;   /* the bundle (CBOR payload, without framing); NULL on failure */
    size_t config_len;
    const char *enrollment_id;  /* "A-..." with first-to-claim, else "" */
    const char *fingerprint;    /* SHA-256 of the device certificate, "" when not yet known */
    fcu_tool_operation_t *operation; /* non-NULL when the device must answer before the next
                                        message (keys generated on the device); pass it to
                                        fcu_tool_process_response; freed with this object */
    fcu_tool_issues_t issues;
} fcu_tool_device_config_t;

typedef struct fcu_tool_device_response {
    int64_t status;          /* the device's ReturnStatus (0 success), or -1 when the answer
                                is not a device response (see issues) */
    const char *message;     /* InfoMessage ("" when absent) */
    const char **warnings;   /* the WarningInfo lines */
    size_t warning_count;
    uint8_t *config_data;    /* the next message to send (keys generated on the device), or NULL */
    size_t config_len;
    const char *enrollment_id; /* known once the device certificate is known, else "" */
    fcu_tool_issues_t issues;  /* problems found in the answer itself */
} fcu_tool_device_response_t;

/* Opens a tool on the FCU home `home` (NULL: $FCU_HOME_DIR, else the current folder) and the
 * configuration file `config` (NULL: <home>/config/fcu.yml). The configuration is read on first
 * use. *out is the caller's (fcu_tool_close). */
int fcu_tool_open(const char *home, const char *config, fcu_tool_t **out);
void fcu_tool_close(fcu_tool_t *tool);
/* Uses `epoch` seconds as "now" from here on (default: the clock at each call). */
void fcu_tool_set_time(fcu_tool_t *tool, int64_t epoch);
/* The library's version text ("libfcu X.Y.Z (OpenSSL ...)"); static storage. */
const char *fcu_tool_version(void);

/* Creates the CA in <home>/keystore (a self-signed certificate, or a CSR with
 * setup-ca-as-intermediate). `key_uri`: NULL for a key file, or a pkcs11: URI (docs/fcu-hsm.md).
 * `force`: replace an existing CA. *issues (may be NULL) receives the findings; free with
 * fcu_tool_issues_free. */
int fcu_tool_setup(fcu_tool_t *tool, const char *key_uri, int force, fcu_tool_issues_t *issues);
int fcu_tool_get_setup_status(fcu_tool_t *tool, fcu_tool_setup_status_t **out);
void fcu_tool_setup_status_free(fcu_tool_setup_status_t *st);

/* Checks the configuration and the CA; with `endpoint_name` (and the others) also one device's
 * data, exactly as fcu_tool_prepare would. FCU_TOOL_OK when valid. */
int fcu_tool_validate(fcu_tool_t *tool, const char *endpoint_name, const char *serial_number,
                      const char *device_keys_dir, fcu_tool_issues_t *issues);
void fcu_tool_issues_free(fcu_tool_issues_t *issues);

/* Builds one device's first message. `device_keys_dir` holds externally supplied keys (NULL
 * otherwise). Returns FCU_TOOL_OK with (*out)->config_data set, or FCU_TOOL_INVALID with the
 * errors in (*out)->issues (*out is always set unless FCU_TOOL_USAGE is returned for bad
 * arguments or memory). */
int fcu_tool_prepare(fcu_tool_t *tool, const char *endpoint_name, const char *serial_number,
                     const char *device_keys_dir, fcu_tool_device_config_t **out);
void fcu_tool_device_config_free(fcu_tool_device_config_t *cfg);

/* Reads a device's answer (the CBOR response payload, without framing). `operation`: the one
 * fcu_tool_prepare returned (or NULL). Returns FCU_TOOL_OK when the answer was read (the
 * device's verdict is (*out)->status), FCU_TOOL_INVALID when it is not a valid response or does
 * not belong to the operation (see (*out)->issues). */
int fcu_tool_process_response(fcu_tool_t *tool, const uint8_t *response, size_t len,
                              fcu_tool_operation_t *operation, fcu_tool_device_response_t **out);
void fcu_tool_device_response_free(fcu_tool_device_response_t *r);

/* The provisioning registry as JSON (the document `fcu registry export --json` prints) into a
 * malloc'd string *json (caller frees with fcu_tool_free). `registry`: NULL for the home's
 * SQLite file, or a postgresql:// URL. */
int fcu_tool_registry_export_json(fcu_tool_t *tool, const char *registry, char **json);
void fcu_tool_free(void *p);

/* ---- the operations behind the `fcu` command ------------------------------------------------
 * The command (tools/fcu/cli) is a front over these: it parses arguments, calls one of them and
 * prints what comes back. Nothing here prints either. */

/* Findings in the order they were found, errors and warnings together (the order `fcu validate`
 * lists them in). Zero-initialise; free with fcu_tool_findings_free. */
typedef struct fcu_tool_findings {
    fcu_tool_issue_t *items;
    size_t count;
    size_t error_count; /* items with is_warning 0 */
} fcu_tool_findings_t;
void fcu_tool_findings_free(fcu_tool_findings_t *f);

/* Runs every check `fcu validate` runs: with any of the device arguments set, one device's data
 * exactly as fcu_tool_write_bundle would build it; without, the configuration and (unless the
 * device keys are externally supplied) the FCU CA. Returns FCU_TOOL_OK (no error among the
 * findings), FCU_TOOL_INVALID, or FCU_TOOL_USAGE (configuration file unreadable). */
int fcu_tool_check(fcu_tool_t *tool, const char *endpoint_name, const char *serial_number,
                   const char *device_keys_dir, fcu_tool_findings_t *findings);

/* What fcu_tool_setup_ca and fcu_tool_install_ca made. */
typedef struct fcu_tool_setup_result {
    char key[4096];         /* the key file, or the pkcs11: URI of the key in a token */
    char certificate[4096]; /* keystore/fcu.crt (made or installed) */
    char csr[4096];         /* keystore/fcu.csr (setup-ca-as-intermediate) */
    int in_token;           /* the key is in a PKCS#11 token */
    int token_key_created;  /* ... and was generated there by this call */
    int made_csr;           /* a CSR was made instead of a self-signed certificate */
    int certificates;       /* install: number of certificates placed */
    char error[8400];       /* failures that are not findings (a file that cannot be written,
                               a CA already there), one a line; "" when none */
} fcu_tool_setup_result_t;

/* `fcu setup`: fcu_tool_setup with what was made in *res and the findings in order. */
int fcu_tool_setup_ca(fcu_tool_t *tool, const char *key_uri, int force,
                      fcu_tool_setup_result_t *res, fcu_tool_findings_t *findings);
/* `fcu setup --install-ca FILE`: places the certificate (or PEM chain, leaf first) signed by
 * the user's CA as keystore/fcu.crt after checking it against the key; the previous one is put
 * back when refused. */
int fcu_tool_install_ca(fcu_tool_t *tool, const char *file, fcu_tool_setup_result_t *res,
                        fcu_tool_findings_t *findings);

/* One device's bundle for `fcu bundle`. Strings are borrowed; NULL = absent. */
typedef struct fcu_tool_bundle_request {
    const char *endpoint_name;
    const char *serial_number;
    const char *device_keys_dir;
    const char *sid;  /* session id carried in the bundle */
    int keep_alive;   /* KpAlvSess 1 */
    int disable;      /* factory-disable the device after this bundle */
} fcu_tool_bundle_request_t;
typedef struct fcu_tool_bundle_info {
    size_t bundle_len;
    char fingerprint[96];    /* SHA-256 of the device certificate, XX:XX:... */
    char enrollment_id[100]; /* with first-to-claim, else "" */
} fcu_tool_bundle_info_t;
/* Validates, builds and writes the bundle to `path` atomically with mode 0600 (it holds the
 * device private key). Returns FCU_TOOL_OK (*info filled), FCU_TOOL_INVALID, or FCU_TOOL_USAGE
 * (with a finding 200 when `path` cannot be written). */
int fcu_tool_write_bundle(fcu_tool_t *tool, const fcu_tool_bundle_request_t *req,
                          const char *path, fcu_tool_bundle_info_t *info,
                          fcu_tool_findings_t *findings);

/* `fcu inspect`: a bundle or a device response (raw CBOR or a framed message) rendered as
 * readable text or (json != 0) JSON, into *text (malloc'd, fcu_tool_free); why it is not a
 * bundle or response into *error (malloc'd, may be ""). `now`: the time certificates are judged
 * at. Returns FCU_TOOL_OK or FCU_TOOL_INVALID (not a bundle or response, or a wrong digest). */
int fcu_tool_inspect(const uint8_t *data, size_t len, int json, int64_t now, char **text,
                     char **error);
/* Reads a whole file (the bytes `fcu inspect` shows) into *data (malloc'd, fcu_tool_free_secret
 * wipes and frees). Returns FCU_TOOL_OK or FCU_TOOL_USAGE with errno set. */
int fcu_tool_read_file(const char *path, uint8_t **data, size_t *len);
void fcu_tool_free_secret(void *p, size_t len);

/* The libraries libfcu runs on, one a line as each reports itself at run time (OpenSSL, the
 * framing codec's mbedTLS, libcbor, libyaml, SQLite, libpq); static storage. */
const char *fcu_tool_library_versions(void);

#ifdef __cplusplus
}
#endif
#endif /* FCU_PUBLIC_FCU_H */
