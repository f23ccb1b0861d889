/* SPDX-License-Identifier: Apache-2.0 */
/* FCC status numbers. These are the `ReturnStatus` values of the factory wire contract
 * (shared spec wire-contract.md section 4): stable, never renumbered, shared with the existing
 * ecosystem's factory tool. Each status has the message prefix the contract gives (section 5). */
#ifndef FCC_STATUS_H
#define FCC_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fcc_status {
    FCC_STATUS_SUCCESS = 0,
    FCC_STATUS_ERROR = 1,
    FCC_STATUS_MEMORY_OUT = 2,
    FCC_STATUS_INVALID_PARAMETER = 3,
    FCC_STATUS_STORE_ERROR = 4,
    FCC_STATUS_INTERNAL_ITEM_ALREADY_EXIST = 5,
    FCC_STATUS_CA_ERROR = 6,
    FCC_STATUS_ROT_ERROR = 7,
    FCC_STATUS_ENTROPY_ERROR = 8,
    FCC_STATUS_FACTORY_DISABLED_ERROR = 9,
    FCC_STATUS_INVALID_CERTIFICATE = 10,
    FCC_STATUS_INVALID_CERT_ATTRIBUTE = 11,
    FCC_STATUS_INVALID_CA_CERT_SIGNATURE = 12,
    FCC_STATUS_EXPIRED_CERTIFICATE = 13,
    FCC_STATUS_INVALID_LWM2M_CN_ATTR = 14,
    FCC_STATUS_KCM_ERROR = 15,
    FCC_STATUS_KCM_STORAGE_ERROR = 16,
    FCC_STATUS_KCM_FILE_EXIST_ERROR = 17,
    FCC_STATUS_KCM_CRYPTO_ERROR = 18,
    FCC_STATUS_NOT_INITIALIZED = 19,
    FCC_STATUS_BUNDLE_ERROR = 20,
    FCC_STATUS_BUNDLE_RESPONSE_ERROR = 21,
    FCC_STATUS_BUNDLE_UNSUPPORTED_GROUP = 22,
    FCC_STATUS_BUNDLE_INVALID_GROUP = 23,
    FCC_STATUS_BUNDLE_INVALID_SCHEME = 24,
    FCC_STATUS_ITEM_NOT_EXIST = 25,
    FCC_STATUS_EMPTY_ITEM = 26,
    FCC_STATUS_WRONG_ITEM_DATA_SIZE = 27,
    FCC_STATUS_URI_WRONG_FORMAT = 28,
    FCC_STATUS_FIRST_TO_CLAIM_NOT_ALLOWED = 29,
    FCC_STATUS_BOOTSTRAP_MODE_ERROR = 30,
    FCC_STATUS_OUTPUT_INFO_ERROR = 31,
    FCC_STATUS_WARNING_CREATE_ERROR = 32,
    FCC_STATUS_UTC_OFFSET_WRONG_FORMAT = 33,
    FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR = 34,
    FCC_STATUS_BUNDLE_INVALID_KEEP_ALIVE_SESSION_STATUS = 35,
    FCC_STATUS_TOO_MANY_CSR_REQUESTS = 36,
    FCC_STATUS_NOT_SUPPORTED = 37,
    FCC_STATUS_MAX_ = 37
} fcc_status_t;

/* Message prefix of a status, e.g. "URI format incorrect:" for FCC_STATUS_URI_WRONG_FORMAT.
 * The full message is the prefix immediately followed by the item name. Returns a static
 * string; "General error:" for any number without its own prefix (never NULL). */
const char *fcc_status_prefix(int status);

/* Symbolic name of a status, e.g. "FCC_STATUS_URI_WRONG_FORMAT"; "FCC_STATUS_UNKNOWN" for a
 * number outside the table. Static string. Only with FCC_STATUS_NAMES (fcc/config.h: set by the
 * host build, off on a device by default); without it "" for every number. */
const char *fcc_status_name(int status);

/* Warning prefixes (wire contract section 5). Warnings accumulate; each is prefix + item. */
#define FCC_WARN_ITEM_NOT_SET "Item not set:"
#define FCC_WARN_BOOTSTRAP_MODE_NOT_ACTIVATED "Bootstrap mode not activated:"
#define FCC_WARN_SELF_SIGNED "Certificate is self signed:"
#define FCC_WARN_ITEM_REDUNDANT "Item redundant:"
#define FCC_WARN_VALIDITY_UNCHECKED "Certificate validity cannot be checked:"
#define FCC_WARN_VALIDITY_LESS_10Y "Certificate validity is less than 10 years:"
#define FCC_WARN_CA_ID_NOT_SET "CA identifier wasn't set properly:"

/* Success text of InfoMessage. */
#define FCC_INFO_SUCCESS "The Factory process succeeded\n"

#ifdef __cplusplus
}
#endif
#endif /* FCC_STATUS_H */
