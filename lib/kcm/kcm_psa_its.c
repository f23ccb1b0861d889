/* SPDX-License-Identifier: Apache-2.0 */
/* PSA's Internal Trusted Storage (psa_its_*) over KCM: where mbedTLS keeps the persistent keys
 * of the PSA Crypto API (the opaque device keys that CsrReqs asks for). mbedTLS's own backend
 * writes files, an OS call the device library may not make; here every entry is a KCM record
 * (engine type KCM_ET_PSA_ITS, always encrypted under the storage key) in the same power-loss-
 * safe store as the items, inside the bundle's transaction when one is open, so a rejected
 * bundle takes its generated key with it.
 *
 * PSA's key store is process-wide, so its storage is one KCM at a time: the one kcm_init bound
 * last (kcm_free unbinds it). Without one, every call fails with PSA_ERROR_STORAGE_FAILURE. */
#include "kcm_internal.h"

#include <psa/crypto.h>
#include <psa/internal_trusted_storage.h> /* config/psa/: the ITS interface we implement */
#include "fcc_psa.h"

static kcm_t *its_kcm;

void kcm_psa_its_bind(kcm_t *kcm)
{
    its_kcm = kcm;
    /* Keys of the previous store may sit in PSA's RAM cache: drop ours. */
    for (psa_key_id_t id = FCC_PSA_KEY_ID_MIN; id <= FCC_PSA_KEY_ID_MAX; id++)
        (void)psa_purge_key(id);
}

void kcm_psa_its_unbind(kcm_t *kcm)
{
    if (its_kcm == kcm)
        kcm_psa_its_bind(NULL);
}

static psa_status_t to_psa(kcm_status_t st)
{
    switch (st) {
    case KCM_OK: return PSA_SUCCESS;
    case KCM_ERR_NOT_FOUND: return PSA_ERROR_DOES_NOT_EXIST;
    case KCM_ERR_CORRUPTED: return PSA_ERROR_DATA_CORRUPT;
    case KCM_ERR_INVALID_PARAMETER: return PSA_ERROR_INVALID_ARGUMENT;
    case KCM_ERR_NO_SPACE: return PSA_ERROR_INSUFFICIENT_STORAGE;
    default: return PSA_ERROR_STORAGE_FAILURE;
    }
}

psa_status_t psa_its_set(psa_storage_uid_t uid, uint32_t data_length, const void *p_data,
                         psa_storage_create_flags_t create_flags)
{
    if (its_kcm == NULL)
        return PSA_ERROR_STORAGE_FAILURE;
    if (create_flags != PSA_STORAGE_FLAG_NONE)
        return PSA_ERROR_NOT_SUPPORTED;
    return to_psa(kcm_its_put(its_kcm, uid, p_data, data_length));
}

psa_status_t psa_its_get(psa_storage_uid_t uid, uint32_t data_offset, uint32_t data_length,
                         void *p_data, size_t *p_data_length)
{
    size_t n = 0, total = 0;
    psa_status_t ps;
    if (its_kcm == NULL)
        return PSA_ERROR_STORAGE_FAILURE;
    ps = to_psa(kcm_its_get(its_kcm, uid, data_offset, p_data, data_length, &n, &total));
    if (ps == PSA_SUCCESS && n != data_length)
        ps = PSA_ERROR_INVALID_ARGUMENT; /* fewer bytes than asked: PSA treats it as an error */
    if (p_data_length != NULL)
        *p_data_length = n;
    return ps;
}

psa_status_t psa_its_get_info(psa_storage_uid_t uid, struct psa_storage_info_t *p_info)
{
    size_t total = 0;
    psa_status_t ps;
    if (its_kcm == NULL)
        return PSA_ERROR_STORAGE_FAILURE;
    ps = to_psa(kcm_its_get(its_kcm, uid, 0, NULL, 0, NULL, &total));
    if (ps == PSA_SUCCESS) {
        p_info->size = (uint32_t)total;
        p_info->flags = PSA_STORAGE_FLAG_NONE;
    }
    return ps;
}

psa_status_t psa_its_remove(psa_storage_uid_t uid)
{
    if (its_kcm == NULL)
        return PSA_ERROR_STORAGE_FAILURE;
    return to_psa(kcm_its_delete(its_kcm, uid));
}
