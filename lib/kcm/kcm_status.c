/* SPDX-License-Identifier: Apache-2.0 */
/* KCM results as the factory wire contract reports them: the FCC status number (the reference
 * client's KCM-to-FCC conversion, wire-contract section 4) and the message prefix (the store's
 * own texts of section 5, verbatim). The table in docs/kcm.md mirrors this file. */
#include "fcc/kcm.h"

#include <stddef.h>

typedef struct kcm_status_row {
    fcc_status_t fcc;
    const char *msg;
} kcm_status_row_t;

/* Indexed by kcm_status_t. */
static const kcm_status_row_t rows[KCM_ERR_MAX_ + 1] = {
    [KCM_OK] = {FCC_STATUS_SUCCESS, ""},
    [KCM_ERR_GENERAL] = {FCC_STATUS_KCM_ERROR, "General error:"},
    [KCM_ERR_INVALID_PARAMETER] = {FCC_STATUS_KCM_ERROR, "Invalid parameter:"},
    [KCM_ERR_INSUFFICIENT_BUFFER] = {FCC_STATUS_KCM_ERROR, "Insufficient buffer:"},
    [KCM_ERR_NOT_FOUND] = {FCC_STATUS_ITEM_NOT_EXIST, "Item does not exist:"},
    [KCM_ERR_EXISTS] = {FCC_STATUS_KCM_FILE_EXIST_ERROR, "Data already exists:"},
    [KCM_ERR_EMPTY] = {FCC_STATUS_KCM_STORAGE_ERROR, "Item data empty:"},
    [KCM_ERR_NAME_INVALID] = {FCC_STATUS_KCM_STORAGE_ERROR, "File name invalid:"},
    [KCM_ERR_NAME_TOO_LONG] = {FCC_STATUS_KCM_STORAGE_ERROR, "File name too long:"},
    [KCM_ERR_PRIVKEY_PARSE] = {FCC_STATUS_KCM_CRYPTO_ERROR, "Private key parse failed:"},
    [KCM_ERR_PUBKEY_PARSE] = {FCC_STATUS_KCM_CRYPTO_ERROR, "Public key parse failed:"},
    [KCM_ERR_CURVE_UNSUPPORTED] = {FCC_STATUS_KCM_CRYPTO_ERROR, "Curve unsupported:"},
    [KCM_ERR_CERT_PARSE] = {FCC_STATUS_KCM_CRYPTO_ERROR, "Certificate parse failed:"},
    [KCM_ERR_CHAIN_VALIDATION] = {FCC_STATUS_KCM_CRYPTO_ERROR, "Chain validation error:"},
    [KCM_ERR_CHAIN_LENGTH] = {FCC_STATUS_KCM_STORAGE_ERROR,
                              "Maximum chain length supported is 5. Chain length of the item is "
                              "invalid:"},
    [KCM_ERR_CHAIN_INCOMPLETE] = {FCC_STATUS_KCM_STORAGE_ERROR, "Chain incomplete:"},
    [KCM_ERR_STORAGE] = {FCC_STATUS_KCM_STORAGE_ERROR, "Storage error:"},
    [KCM_ERR_CORRUPTED] = {FCC_STATUS_STORE_ERROR, "Internal storage error:"},
    [KCM_ERR_NO_SPACE] = {FCC_STATUS_KCM_STORAGE_ERROR, "Storage full:"},
    [KCM_ERR_CRYPTO] = {FCC_STATUS_KCM_CRYPTO_ERROR, "KCM crypto error:"},
    [KCM_ERR_NOT_INITIALIZED] = {FCC_STATUS_NOT_INITIALIZED, "Not initialized:"},
    [KCM_ERR_STATE] = {FCC_STATUS_KCM_ERROR, "Operation not allowed now:"},
    [KCM_ERR_KEY_MISMATCH] = {FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR,
                              "Certificate public key validation failed:"},
    [KCM_ERR_ROT_MISSING] = {FCC_STATUS_ROT_ERROR, "Root of trust error:"},
};

/* Out-of-range values (negative ones included) are caught by one unsigned comparison: a sign
 * test would always be false on arm-none-eabi, where this enum is an unsigned char. */
fcc_status_t kcm_to_fcc_status(kcm_status_t st)
{
    if ((unsigned)st > (unsigned)KCM_ERR_MAX_)
        return FCC_STATUS_KCM_ERROR;
    return rows[st].fcc;
}

const char *kcm_status_message(kcm_status_t st)
{
    if ((unsigned)st > (unsigned)KCM_ERR_MAX_)
        return "General error:";
    return rows[st].msg;
}
