/* SPDX-License-Identifier: Apache-2.0 */
/* The table of FCC status numbers: symbolic names and the message prefixes of the wire
 * contract (section 5). */
#include "fcc/status.h"

#include <stddef.h>

static const struct {
    const char *name;
    const char *prefix;
} status_table[FCC_STATUS_MAX_ + 1] = {
    [0] = {"FCC_STATUS_SUCCESS", ""},
    [1] = {"FCC_STATUS_ERROR", "General error:"},
    [2] = {"FCC_STATUS_MEMORY_OUT", "General error:"},
    [3] = {"FCC_STATUS_INVALID_PARAMETER", "General error:"},
    [4] = {"FCC_STATUS_STORE_ERROR", "Internal storage error:"},
    [5] = {"FCC_STATUS_INTERNAL_ITEM_ALREADY_EXIST", "General error:"},
    [6] = {"FCC_STATUS_CA_ERROR", "CA error:"},
    [7] = {"FCC_STATUS_ROT_ERROR", "Root of trust error:"},
    [8] = {"FCC_STATUS_ENTROPY_ERROR", "Entropy error:"},
    [9] = {"FCC_STATUS_FACTORY_DISABLED_ERROR", "Factory disabled error:"},
    [10] = {"FCC_STATUS_INVALID_CERTIFICATE", "Certificate invalid:"},
    [11] = {"FCC_STATUS_INVALID_CERT_ATTRIBUTE", "General error:"},
    [12] = {"FCC_STATUS_INVALID_CA_CERT_SIGNATURE", "Validation of CA certificate failed:"},
    [13] = {"FCC_STATUS_EXPIRED_CERTIFICATE", "Certificate expired:"},
    [14] = {"FCC_STATUS_INVALID_LWM2M_CN_ATTR", "Certificate CN attribute invalid:"},
    [15] = {"FCC_STATUS_KCM_ERROR", "General error:"},
    [16] = {"FCC_STATUS_KCM_STORAGE_ERROR", "General error:"},
    [17] = {"FCC_STATUS_KCM_FILE_EXIST_ERROR", "General error:"},
    [18] = {"FCC_STATUS_KCM_CRYPTO_ERROR", "KCM crypto error:"},
    [19] = {"FCC_STATUS_NOT_INITIALIZED", "General error:"},
    [20] = {"FCC_STATUS_BUNDLE_ERROR", "General error:"},
    [21] = {"FCC_STATUS_BUNDLE_RESPONSE_ERROR", "General error:"},
    [22] = {"FCC_STATUS_BUNDLE_UNSUPPORTED_GROUP", "General error:"},
    [23] = {"FCC_STATUS_BUNDLE_INVALID_GROUP", "General error:"},
    [24] = {"FCC_STATUS_BUNDLE_INVALID_SCHEME", "General error:"},
    [25] = {"FCC_STATUS_ITEM_NOT_EXIST", "Item does not exist:"},
    [26] = {"FCC_STATUS_EMPTY_ITEM", "Item empty:"},
    [27] = {"FCC_STATUS_WRONG_ITEM_DATA_SIZE", "Item size is wrong:"},
    [28] = {"FCC_STATUS_URI_WRONG_FORMAT", "URI format incorrect:"},
    [29] = {"FCC_STATUS_FIRST_TO_CLAIM_NOT_ALLOWED", "first to claim not allowed:"},
    [30] = {"FCC_STATUS_BOOTSTRAP_MODE_ERROR", "Bootstrap mode value incorrect:"},
    [31] = {"FCC_STATUS_OUTPUT_INFO_ERROR", "General error:"},
    [32] = {"FCC_STATUS_WARNING_CREATE_ERROR", "General error:"},
    [33] = {"FCC_STATUS_UTC_OFFSET_WRONG_FORMAT", "UTC offset incorrect:"},
    [34] = {"FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR",
            "Certificate public key validation failed:"},
    [35] = {"FCC_STATUS_BUNDLE_INVALID_KEEP_ALIVE_SESSION_STATUS", "General error:"},
    [36] = {"FCC_STATUS_TOO_MANY_CSR_REQUESTS",
            "Too many CSR requests. Maximum CSR requests supported is 5"},
    [37] = {"FCC_STATUS_NOT_SUPPORTED", "General error:"},
};

const char *fcc_status_prefix(int status)
{
    if (status < 0 || status > FCC_STATUS_MAX_)
        return "General error:";
    return status_table[status].prefix;
}

const char *fcc_status_name(int status)
{
    if (status < 0 || status > FCC_STATUS_MAX_)
        return "FCC_STATUS_UNKNOWN";
    return status_table[status].name;
}
