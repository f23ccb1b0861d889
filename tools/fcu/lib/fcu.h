/* SPDX-License-Identifier: Apache-2.0 */
/* Shared interface of the factory tool `fcu`. The core (configuration, validation, CA, bundle
 * building, commands setup/validate/bundle/inspect) and the factory-line commands (inject, batch,
 * registry, in their own files) meet here: a command is one entry of a table and receives the
 * shared context; per-device work goes through fcu_device_build(). Tool-only: heap allocation is
 * fine, every pointer's owner is stated. This header is kept stable once committed. */
#ifndef FCU_FCU_H
#define FCU_FCU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- exit status (docs/fcu-codes.md) ---------------------------------------------------------- */
#define FCU_EXIT_OK 0      /* valid / done */
#define FCU_EXIT_INVALID 1 /* validation failed (findings printed) */
#define FCU_EXIT_USAGE 2   /* usage error, unreadable or unwritable file */

/* ---- finding codes (stable, never renumbered; table in docs/fcu-codes.md) --------------------- */
enum fcu_code {
    /* the ecosystem's numbers */
    FCU_E_GENERAL = 100,             /* general error */
    FCU_E_DEVICE_ID_MISSING = 101,   /* endpoint name or serial number missing/empty */
    FCU_E_DEVICE_KEY_MISSING = 102,  /* device private key not obtainable */
    FCU_E_DEVICE_CERT_MISSING = 103, /* device certificate not obtainable */
    FCU_E_DEVICE_FILE_INVALID = 104, /* device key/certificate file unreadable or unparsable */
    FCU_E_ENTROPY = 105,             /* entropy missing or not 48 bytes */
    FCU_E_WRONG_TYPE = 106,          /* value of the wrong type */
    FCU_E_CHAIN_DEPTH_TOO_LARGE = 111, /* device-certificate-chain-depth > chain available */
    FCU_E_CHAIN_DEPTH_MISSING = 112,   /* a chain without device-certificate-chain-depth, or
                                          depth outside 1..5 */
    FCU_E_CONFIG_READ = 190,         /* configuration file missing or unreadable */
    FCU_E_CONFIG_SYNTAX = 191,       /* YAML syntax error */
    FCU_E_CONFIG_UNKNOWN_KEY = 192,
    FCU_E_CONFIG_MISSING_KEY = 193,  /* mandatory key absent */
    FCU_E_CONFIG_DUPLICATE_KEY = 194,
    FCU_E_CONFIG_BAD_VALUE = 195,    /* not one of the allowed values */
    FCU_E_CONFIG_FILE_REF = 196,     /* a file the configuration names is missing/unreadable */
    FCU_E_CONFIG_RANGE = 197,        /* number out of range */
    FCU_E_CONFIG_NOT_MAPPING = 198,  /* document (or section) is not a mapping */
    FCU_E_HOME = 199,                /* FCU home folder missing or unusable */
    FCU_E_OUTPUT = 200,              /* output file cannot be written */
    FCU_E_CONFIG_EMPTY = 201,        /* configuration file holds no document */
    FCU_E_CA_CERT_MISSING = 210,     /* keystore/fcu.crt missing (run `fcu setup`) */
    FCU_E_CA_CERT_INVALID = 211,     /* not a usable CA certificate */
    FCU_E_CA_CHAIN = 212,            /* CA chain: a link not signed by the next */
    FCU_E_CA_KEY_MISSING = 220,      /* keystore/fcu_private_key.pem missing */
    FCU_E_CA_KEY_INVALID = 221,      /* unparsable, not P-256, or not the CA certificate's key */
    /* the CA key in a PKCS#11 token (docs/fcu-hsm.md) */
    FCU_E_HSM_URI = 360,             /* private-key-uri malformed, names no key, or holds a PIN */
    FCU_E_HSM_MODULE = 361,          /* PKCS#11 module missing or not loadable */
    FCU_E_HSM_TOKEN = 362,           /* no token matches the URI (or the token failed) */
    FCU_E_HSM_PIN = 363,             /* no PIN, wrong PIN, or PIN locked */
    FCU_E_HSM_KEY_MISSING = 364,     /* no private key object as the URI names */
    /* our own numbers */
    FCU_E_REQUIRED = 300,            /* parameter required in this mode is absent or empty */
    FCU_W_IGNORED = 301,             /* parameter of the other mode given; not sent (warning) */
    FCU_E_URI_SCHEME = 302,          /* URI scheme not coap:// or coaps://, or no host */
    FCU_E_URI_AID_MISSING = 303,     /* aid query parameter required (no first-to-claim) */
    FCU_E_URI_AID_FORBIDDEN = 304,   /* aid query parameter forbidden with first-to-claim */
    FCU_E_FTC_WITHOUT_BOOTSTRAP = 305, /* first-to-claim requires use-bootstrap */
    FCU_E_CRYPTO_SCHEME = 310,       /* key not P-256 or signature not ecdsa-with-SHA256 */
    FCU_E_CERT_PARSE = 311,          /* certificate file unparsable (or DER chain) */
    FCU_E_CERT_SELF_SIGNED = 312,    /* device certificate is self-signed */
    FCU_E_CERT_VALID_FROM = 313,     /* not CA valid-from < device valid-from <= now */
    FCU_E_CERT_EXPIRY = 314,         /* certificate expires within 10 years (or has expired) */
    FCU_E_CERT_EKU = 315,            /* extended key usage lacks clientAuth */
    FCU_E_CERT_OU = 316,             /* subject OU differs from the URI's aid (LwM2M mode) */
    FCU_E_KEY_MISMATCH = 317,        /* private key does not match the certificate */
    FCU_E_CHAIN_LINK = 318,          /* chain certificate not signed by the next one */
    FCU_E_CERT_CN = 319,             /* subject CN differs from the endpoint name */
    FCU_E_UUID = 320,                /* vendor-id / class-id not a UUID */
    FCU_E_ENROLLMENT_ID = 321,       /* enrollment ID recomputed from the bundle differs */
    FCU_E_UTC_OFFSET = 322,          /* utc-offset not +HH:MM / -HH:MM */
    FCU_E_VALIDITY_CONFIG = 323,     /* configured device validity too short for the mode */
    FCU_W_OUTLIVES_CA = 324,         /* device certificate outlives the CA (warning) */
    FCU_E_VALUE_INVALID = 325,       /* other invalid parameter value (e.g. endpoint name chars) */
    FCU_E_BUNDLE_TOO_LARGE = 326,    /* an item exceeds what the device stores */
    FCU_E_CERT_EXPIRED = 327,        /* certificate expired or not yet valid */
    FCU_E_URI_AID_AMBIGUOUS = 328,   /* aid repeated, with a fragment after it, or in a fragment */
    FCU_E_URI_AID_TOO_LONG = 329,    /* aid longer than a certificate OU holds (64) */
    FCU_E_URI_UNREACHABLE = 330,     /* URI that can never connect: port, IPv6 literal, userinfo */
    FCU_E_CERT_DEVICE_PARSE = 331,   /* certificate the device's X.509 parser refuses */
    FCU_E_CERT_PATH = 332,           /* certificate path a server refuses in the handshake */
    /* the ecosystem's configuration (placeholders, custom-properties) and by_device sessions */
    FCU_E_ENV_UNSET = 340,           /* <%= ENV['NAME'] %> names a variable that is not set */
    FCU_E_PLACEHOLDER = 341,         /* a <% ... %> tag other than ENV['NAME'] */
    FCU_E_CUSTOM_ENTRY = 342,        /* custom property malformed (fields, data / data-file) */
    FCU_E_CUSTOM_NAME = 343,         /* custom property name breaks the item name rules */
    FCU_E_CUSTOM_DUPLICATE = 344,    /* name given twice, or the name of an item the tool sends */
    FCU_E_CUSTOM_KEY = 345,          /* custom key file unparsable, encrypted or the wrong kind */
    FCU_W_CUSTOM_CERT_SHORT = 346,   /* custom certificate with less than 10 years left */
    FCU_E_CSR = 350,                 /* by_device: the device's CSR is not what was asked for */
    FCU_E_BY_DEVICE_RETRY = 351,     /* by_device: the device kept a key from an earlier attempt */
};

/* ---- findings ------------------------------------------------------------------------------- */
typedef enum fcu_severity { FCU_SEV_ERROR = 0, FCU_SEV_WARNING = 1 } fcu_severity_t;

typedef struct fcu_finding {
    int code;
    fcu_severity_t severity;
    char parameter[128]; /* configuration key, option or device item the finding is about */
    char message[512];
} fcu_finding_t;

/* Growable list; zero-initialise. */
typedef struct fcu_findings {
    fcu_finding_t *v;
    size_t n, cap;
} fcu_findings_t;

/* Appends a finding (printf-style message). Never fails visibly (drops on out-of-memory). */
void fcu_findings_add(fcu_findings_t *f, int code, fcu_severity_t sev, const char *parameter,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t fcu_findings_errors(const fcu_findings_t *f);
/* First finding with `code`, or NULL. */
const fcu_finding_t *fcu_findings_find(const fcu_findings_t *f, int code);
/* Text ("error 302 [bootstrap-server-uri]: ...", one a line) or the JSON object
 * {"valid": bool, "findings": [{code, parameter, message, severity}]} on `out`. */
void fcu_findings_print(const fcu_findings_t *f, FILE *out, bool json);
void fcu_findings_free(fcu_findings_t *f);

/* ---- configuration (fcu.yml) ---------------------------------------------------------------- */
typedef enum fcu_keygen_mode {
    FCU_KEYGEN_BY_TOOL = 0,
    FCU_KEYGEN_EXTERNAL = 1,
    FCU_KEYGEN_BY_DEVICE = 2 /* the device makes its key: a two-message session (fcu_session.h) */
} fcu_keygen_mode_t;
typedef enum fcu_entropy_mode {
    FCU_ENTROPY_BY_DEVICE = 0,
    FCU_ENTROPY_BY_TOOL = 1,
    FCU_ENTROPY_EXTERNAL = 2
} fcu_entropy_mode_t;

/* Subject fields; NULL = absent. */
typedef struct fcu_subject {
    char *country, *state, *locality, *organization, *organizational_unit, *common_name;
} fcu_subject_t;

/* A loaded configuration. Strings are owned by it (NULL = absent); file paths are already
 * resolved against the configuration file's folder. */
typedef struct fcu_config {
    char *path; /* the configuration file */
    char *dir;  /* its folder */
    bool use_bootstrap, first_to_claim, time_sync, verify_on_device, setup_ca_as_intermediate;
    char *bootstrap_server_uri, *bootstrap_server_uri_ftc, *bootstrap_server_ca_file;
    char *lwm2m_server_uri, *lwm2m_server_ca_file;
    fcu_keygen_mode_t keygen_mode;
    int chain_depth; /* 0 = not set */
    char *crypto_scheme;
    fcu_subject_t ca_subject;
    int ca_validity_years;  /* 0 = default (35) */
    char *ca_key_uri;       /* certificate-authority.private-key-uri (pkcs11:), NULL = file */
    char *pkcs11_module;    /* certificate-authority.pkcs11-module-path, NULL = default */
    fcu_subject_t dev_subject;
    int dev_validity_years; /* 0 = default (35 years) */
    char *manufacturer, *model_number, *device_type, *hardware_version, *timezone, *utc_offset;
    int64_t memory_total_kb; /* -1 = absent */
    fcu_entropy_mode_t entropy_mode;
    char *update_auth_cert_file, *vendor_id, *class_id;
    void *priv; /* private to the core (where each key was found) */
} fcu_config_t;

/* ---- shared context ------------------------------------------------------------------------- */
struct fcu_ca; /* loaded CA (key + chain), private to the core */

typedef struct fcu_ctx {
    const char *prog;
    char *home;          /* FCU home (owned); --home, $FCU_HOME_DIR, or "." */
    char *config_arg;    /* --config (owned), NULL = <home>/config/fcu.yml */
    bool json;           /* --json */
    int64_t now;         /* --time EPOCH, else time(NULL) at start */
    bool now_fixed;
    fcu_config_t *cfg;   /* set by fcu_config_load (owned) */
    struct fcu_ca *ca;   /* loaded on first use (owned) */
} fcu_ctx_t;

void fcu_ctx_init(fcu_ctx_t *ctx, const char *prog);
void fcu_ctx_free(fcu_ctx_t *ctx);
/* Configuration path in effect: --config, else <home>/config/fcu.yml. Owned by ctx. */
const char *fcu_ctx_config_path(fcu_ctx_t *ctx);
/* <home>/keystore/<name> into buf. */
void fcu_ctx_keystore_path(const fcu_ctx_t *ctx, const char *name, char *buf, size_t size);

/* Loads and checks the configuration file (syntax, keys, types, and every validation that needs
 * no device). Sets ctx->cfg even when findings hold errors (so all findings can be listed).
 * Returns FCU_EXIT_OK, FCU_EXIT_INVALID (errors among the findings) or FCU_EXIT_USAGE (file
 * unreadable: ctx->cfg stays NULL). Calling it again reuses ctx->cfg and adds no findings. */
int fcu_config_load(fcu_ctx_t *ctx, fcu_findings_t *findings);
void fcu_config_free(fcu_config_t *cfg);

/* ---- per device ----------------------------------------------------------------------------- */
typedef struct fcu_device_req {
    const char *endpoint_name;   /* --endpoint-name */
    const char *serial_number;   /* --serial-number */
    const char *device_keys_dir; /* --device-keys (externally_supplied keys, entropy.bin) */
    const char *sid;             /* optional SID of the bundle */
    bool keep_alive;             /* KpAlvSess: 1 */
    bool disable;                /* Disable: 1 (factory-disable the device at the end) */
} fcu_device_req_t;

typedef struct fcu_device_result {
    uint8_t *bundle;          /* CBOR bundle (owned, malloc) */
    size_t bundle_len;
    uint8_t *cert_der;        /* leaf device certificate of the active set (owned) */
    size_t cert_der_len;
    uint8_t cert_sha256[32];  /* SHA-256 of cert_der */
    char fingerprint[96];     /* cert_sha256 as 32 upper-case hex bytes joined by ':' */
    char enrollment_id[100];  /* "A-" + fingerprint when first-to-claim, else "" */
} fcu_device_result_t;

/* Loads the configuration (if not yet), obtains the device key and certificate (generated and
 * signed by the FCU CA in by_tool mode, read from req->device_keys_dir otherwise), runs every
 * validation and, when none fails, builds the bundle. All findings go to `findings`.
 * Returns FCU_EXIT_OK (res filled, caller frees with fcu_device_result_free), FCU_EXIT_INVALID
 * or FCU_EXIT_USAGE (res left empty). */
int fcu_device_build(fcu_ctx_t *ctx, const fcu_device_req_t *req, fcu_device_result_t *res,
                     fcu_findings_t *findings);
void fcu_device_result_free(fcu_device_result_t *res);
/* by_device mode, a session of two messages: with csr NULL, the first message (key pair and CSR
 * request; res holds only the bundle); with the device's CSR (DER), the CSR is checked, the
 * certificate issued and the second message built (res as for fcu_device_build). In the other
 * modes the same as fcu_device_build. */
int fcu_device_build_session(fcu_ctx_t *ctx, const fcu_device_req_t *req, const uint8_t *csr,
                             size_t csr_len, fcu_device_result_t *res, fcu_findings_t *f);

/* ---- device response (wire contract section 3) ---------------------------------------------- */
typedef struct fcu_response {
    bool has_status;
    int64_t return_status; /* clamped to int64 (never 0 unless the device sent 0) */
    char return_status_text[24]; /* ReturnStatus in decimal exactly as received, any CBOR
                                    width or sign (e.g. "4294967296", "-1") */
    char *scheme_version, *sid, *info_message, *warning_info; /* owned, NULL when absent */
    size_t csr_count;
} fcu_response_t;

/* Parses a response payload. Returns 0, or -1 when it is not a well-formed response map. */
int fcu_response_parse(const uint8_t *buf, size_t len, fcu_response_t *out);
void fcu_response_free(fcu_response_t *r);

/* ---- helpers of the core, usable by the line commands --------------------------------------- */
/* Reads a whole file (malloc'd, caller frees). Returns 0 or -1 (errno set). */
int fcu_read_file(const char *path, uint8_t **data, size_t *len);
/* Writes a file atomically (temp, fsync, rename) with `mode`. Returns 0 or -1. */
int fcu_write_file(const char *path, const uint8_t *data, size_t len, unsigned mode);
/* "A-" + SHA-256 of `der` as upper-case hex bytes joined by ':' (out >= 98 bytes). */
void fcu_enrollment_id(const uint8_t *der, size_t der_len, char *out, size_t size);
/* Prints a bundle or response in readable form (or JSON). Returns FCU_EXIT_*. */
int fcu_inspect_bytes(const uint8_t *buf, size_t len, FILE *out, bool json, int64_t now);
/* The same with the reason a file is refused written to `err` instead of stderr. */
int fcu_inspect_bytes_to(const uint8_t *buf, size_t len, FILE *out, FILE *err, bool json,
                         int64_t now);

#endif /* FCU_FCU_H */
