/* SPDX-License-Identifier: Apache-2.0 */
/* The table of FCC status numbers: the message prefixes of the wire contract (section 5) and,
 * when FCC_STATUS_NAMES is 1 (the host build), the symbolic names.
 * Flash layout: one byte per status says where its prefix is: a prefix FCC shares with KCM
 * (bit 7 set) is KCM's copy of the text (kcm_status_message of the low bits), any other is the
 * n-th string of `own`, so each text is stored once. */
#include "fcc/status.h"

#include "fcc/config.h"
#include "fcc/kcm.h"

#include <stddef.h>
#include <stdint.h>

#define KCM_TEXT(k) (0x80u | (unsigned)(k))

/* The prefixes no KCM status has, NUL-separated; numbered from 0. */
static const char own[] = "CA error:\0"                            /* 0 */
                          "Entropy error:\0"                       /* 1 */
                          "Factory disabled error:\0"              /* 2 */
                          "Certificate invalid:\0"                 /* 3 */
                          "Validation of CA certificate failed:\0" /* 4 */
                          "Certificate expired:\0"                 /* 5 */
                          "Certificate CN attribute invalid:\0"    /* 6 */
                          "Item empty:\0"                          /* 7 */
                          "Item size is wrong:\0"                  /* 8 */
                          "URI format incorrect:\0"                /* 9 */
                          "first to claim not allowed:\0"          /* 10 */
                          "Bootstrap mode value incorrect:\0"      /* 11 */
                          "UTC offset incorrect:\0"                /* 12 */
                          "Too many CSR requests. Maximum CSR requests supported is 5"; /* 13 */

#define GENERAL KCM_TEXT(KCM_ERR_GENERAL) /* "General error:" */

static const uint8_t prefix_of[FCC_STATUS_MAX_ + 1] = {
    [0] = KCM_TEXT(KCM_OK), /* "" */
    [1] = GENERAL,
    [2] = GENERAL,
    [3] = GENERAL,
    [4] = KCM_TEXT(KCM_ERR_CORRUPTED), /* "Internal storage error:" */
    [5] = GENERAL,
    [6] = 0,
    [7] = KCM_TEXT(KCM_ERR_ROT_MISSING), /* "Root of trust error:" */
    [8] = 1,
    [9] = 2,
    [10] = 3,
    [11] = GENERAL,
    [12] = 4,
    [13] = 5,
    [14] = 6,
    [15] = GENERAL,
    [16] = GENERAL,
    [17] = GENERAL,
    [18] = KCM_TEXT(KCM_ERR_CRYPTO), /* "KCM crypto error:" */
    [19] = GENERAL,
    [20] = GENERAL,
    [21] = GENERAL,
    [22] = GENERAL,
    [23] = GENERAL,
    [24] = GENERAL,
    [25] = KCM_TEXT(KCM_ERR_NOT_FOUND), /* "Item does not exist:" */
    [26] = 7,
    [27] = 8,
    [28] = 9,
    [29] = 10,
    [30] = 11,
    [31] = GENERAL,
    [32] = GENERAL,
    [33] = 12,
    [34] = KCM_TEXT(KCM_ERR_KEY_MISMATCH), /* "Certificate public key validation failed:" */
    [35] = GENERAL,
    [36] = 13,
    [37] = GENERAL,
};

const char *fcc_status_prefix(int status)
{
    const char *p = own;
    unsigned n;
    if (status < 0 || status > FCC_STATUS_MAX_)
        status = FCC_STATUS_ERROR;
    n = prefix_of[status];
    if (n & 0x80u)
        return kcm_status_message((kcm_status_t)(n & 0x7fu));
    for (; n > 0; n--)
        while (*p++ != '\0')
            ;
    return p;
}

#if FCC_STATUS_NAMES
static const char *const status_names[FCC_STATUS_MAX_ + 1] = {
    "FCC_STATUS_SUCCESS",
    "FCC_STATUS_ERROR",
    "FCC_STATUS_MEMORY_OUT",
    "FCC_STATUS_INVALID_PARAMETER",
    "FCC_STATUS_STORE_ERROR",
    "FCC_STATUS_INTERNAL_ITEM_ALREADY_EXIST",
    "FCC_STATUS_CA_ERROR",
    "FCC_STATUS_ROT_ERROR",
    "FCC_STATUS_ENTROPY_ERROR",
    "FCC_STATUS_FACTORY_DISABLED_ERROR",
    "FCC_STATUS_INVALID_CERTIFICATE",
    "FCC_STATUS_INVALID_CERT_ATTRIBUTE",
    "FCC_STATUS_INVALID_CA_CERT_SIGNATURE",
    "FCC_STATUS_EXPIRED_CERTIFICATE",
    "FCC_STATUS_INVALID_LWM2M_CN_ATTR",
    "FCC_STATUS_KCM_ERROR",
    "FCC_STATUS_KCM_STORAGE_ERROR",
    "FCC_STATUS_KCM_FILE_EXIST_ERROR",
    "FCC_STATUS_KCM_CRYPTO_ERROR",
    "FCC_STATUS_NOT_INITIALIZED",
    "FCC_STATUS_BUNDLE_ERROR",
    "FCC_STATUS_BUNDLE_RESPONSE_ERROR",
    "FCC_STATUS_BUNDLE_UNSUPPORTED_GROUP",
    "FCC_STATUS_BUNDLE_INVALID_GROUP",
    "FCC_STATUS_BUNDLE_INVALID_SCHEME",
    "FCC_STATUS_ITEM_NOT_EXIST",
    "FCC_STATUS_EMPTY_ITEM",
    "FCC_STATUS_WRONG_ITEM_DATA_SIZE",
    "FCC_STATUS_URI_WRONG_FORMAT",
    "FCC_STATUS_FIRST_TO_CLAIM_NOT_ALLOWED",
    "FCC_STATUS_BOOTSTRAP_MODE_ERROR",
    "FCC_STATUS_OUTPUT_INFO_ERROR",
    "FCC_STATUS_WARNING_CREATE_ERROR",
    "FCC_STATUS_UTC_OFFSET_WRONG_FORMAT",
    "FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR",
    "FCC_STATUS_BUNDLE_INVALID_KEEP_ALIVE_SESSION_STATUS",
    "FCC_STATUS_TOO_MANY_CSR_REQUESTS",
    "FCC_STATUS_NOT_SUPPORTED",
};
#endif

const char *fcc_status_name(int status)
{
#if FCC_STATUS_NAMES
    if (status < 0 || status > FCC_STATUS_MAX_)
        return "FCC_STATUS_UNKNOWN";
    return status_names[status];
#else
    (void)status;
    return "";
#endif
}
