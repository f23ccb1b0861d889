/* SPDX-License-Identifier: Apache-2.0 */
/* KCM results as the factory wire contract reports them: the FCC status number (the reference
 * client's KCM-to-FCC conversion, wire-contract section 4) and the message prefix (the store's
 * own texts of section 5, verbatim). The table in docs/kcm.md mirrors this file.
 * Flash layout: the texts are one string of NUL-separated messages in kcm_status_t order and the
 * status numbers one byte each, so a row costs its text plus a byte, not two pointers; FCC's own
 * prefix table (lib/fcc/status.c) reuses the texts it shares with this one. */
#include "fcc/kcm.h"

#include <stddef.h>
#include <stdint.h>

/* Indexed by kcm_status_t. */
static const uint8_t to_fcc[KCM_ERR_MAX_ + 1] = {
    [KCM_OK] = FCC_STATUS_SUCCESS,
    [KCM_ERR_GENERAL] = FCC_STATUS_KCM_ERROR,
    [KCM_ERR_INVALID_PARAMETER] = FCC_STATUS_KCM_ERROR,
    [KCM_ERR_INSUFFICIENT_BUFFER] = FCC_STATUS_KCM_ERROR,
    [KCM_ERR_NOT_FOUND] = FCC_STATUS_ITEM_NOT_EXIST,
    [KCM_ERR_EXISTS] = FCC_STATUS_KCM_FILE_EXIST_ERROR,
    [KCM_ERR_EMPTY] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_NAME_INVALID] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_NAME_TOO_LONG] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_PRIVKEY_PARSE] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_PUBKEY_PARSE] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_CURVE_UNSUPPORTED] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_CERT_PARSE] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_CHAIN_VALIDATION] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_CHAIN_LENGTH] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_CHAIN_INCOMPLETE] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_STORAGE] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_CORRUPTED] = FCC_STATUS_STORE_ERROR,
    [KCM_ERR_NO_SPACE] = FCC_STATUS_KCM_STORAGE_ERROR,
    [KCM_ERR_CRYPTO] = FCC_STATUS_KCM_CRYPTO_ERROR,
    [KCM_ERR_NOT_INITIALIZED] = FCC_STATUS_NOT_INITIALIZED,
    [KCM_ERR_STATE] = FCC_STATUS_KCM_ERROR,
    [KCM_ERR_KEY_MISMATCH] = FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR,
    [KCM_ERR_ROT_MISSING] = FCC_STATUS_ROT_ERROR,
};

/* The messages in kcm_status_t order (KCM_OK's is empty), each ended by its NUL. */
static const char texts[] =
    "\0"                          /* KCM_OK */
    "General error:\0"            /* KCM_ERR_GENERAL */
    "Invalid parameter:\0"        /* KCM_ERR_INVALID_PARAMETER */
    "Insufficient buffer:\0"      /* KCM_ERR_INSUFFICIENT_BUFFER */
    "Item does not exist:\0"      /* KCM_ERR_NOT_FOUND */
    "Data already exists:\0"      /* KCM_ERR_EXISTS */
    "Item data empty:\0"          /* KCM_ERR_EMPTY */
    "File name invalid:\0"        /* KCM_ERR_NAME_INVALID */
    "File name too long:\0"       /* KCM_ERR_NAME_TOO_LONG */
    "Private key parse failed:\0" /* KCM_ERR_PRIVKEY_PARSE */
    "Public key parse failed:\0"  /* KCM_ERR_PUBKEY_PARSE */
    "Curve unsupported:\0"        /* KCM_ERR_CURVE_UNSUPPORTED */
    "Certificate parse failed:\0" /* KCM_ERR_CERT_PARSE */
    "Chain validation error:\0"   /* KCM_ERR_CHAIN_VALIDATION */
    "Maximum chain length supported is 5. Chain length of the item is invalid:\0"
    "Chain incomplete:\0"                          /* KCM_ERR_CHAIN_INCOMPLETE */
    "Storage error:\0"                             /* KCM_ERR_STORAGE */
    "Internal storage error:\0"                    /* KCM_ERR_CORRUPTED */
    "Storage full:\0"                              /* KCM_ERR_NO_SPACE */
    "KCM crypto error:\0"                          /* KCM_ERR_CRYPTO */
    "Not initialized:\0"                           /* KCM_ERR_NOT_INITIALIZED */
    "Operation not allowed now:\0"                 /* KCM_ERR_STATE */
    "Certificate public key validation failed:\0" /* KCM_ERR_KEY_MISMATCH */
    "Root of trust error:";                        /* KCM_ERR_ROT_MISSING */

/* Out-of-range values (negative ones included) are caught by one unsigned comparison: a sign
 * test would always be false on arm-none-eabi, where this enum is an unsigned char. */
fcc_status_t kcm_to_fcc_status(kcm_status_t st)
{
    if ((unsigned)st > (unsigned)KCM_ERR_MAX_)
        return FCC_STATUS_KCM_ERROR;
    return (fcc_status_t)to_fcc[st];
}

const char *kcm_status_message(kcm_status_t st)
{
    const char *p = texts;
    unsigned n = (unsigned)st;
    if (n > (unsigned)KCM_ERR_MAX_)
        n = KCM_ERR_GENERAL;
    for (; n > 0; n--)
        while (*p++ != '\0')
            ;
    return p;
}
