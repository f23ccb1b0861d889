/* SPDX-License-Identifier: Apache-2.0 */
/* The FCC handle: initialisation over a KCM store and a port, and the direct setters firmware
 * may call outside a bundle (entropy, root of trust, time, factory disable, storage wipe). Each
 * setter is its own KCM transaction. */
#include "fcc_internal.h"

#include <mbedtls/platform_util.h>

#include <string.h>

fcc_status_t fcc_init(fcc_t *fcc, kcm_t *kcm, const fcc_port_t *port, const fcc_options_t *opts)
{
    if (fcc == NULL || kcm == NULL || port == NULL)
        return FCC_STATUS_INVALID_PARAMETER;
    memset(fcc, 0, sizeof(*fcc));
    fcc->kcm = kcm;
    fcc->port = *port;
    if (opts != NULL)
        fcc->opts = *opts;
    fcc->initialized = true;
    return FCC_STATUS_SUCCESS;
}

void fcc_free(fcc_t *fcc)
{
    if (fcc == NULL)
        return;
    mbedtls_platform_zeroize(fcc, sizeof(*fcc));
}

static bool ready(const fcc_t *fcc)
{
    return fcc != NULL && fcc->initialized && fcc->kcm != NULL;
}

/* Write-once internal item: wrong size -> 3, already set -> `exists_code`. */
static fcc_status_t set_once(fcc_t *fcc, kcm_internal_t which, const uint8_t *buf, size_t len,
                             size_t want, fcc_status_t exists_code)
{
    kcm_status_t st;
    if (!ready(fcc))
        return FCC_STATUS_NOT_INITIALIZED;
    if (buf == NULL || len != want)
        return FCC_STATUS_INVALID_PARAMETER;
    st = kcm_internal_set(fcc->kcm, which, buf, len);
    if (st == KCM_ERR_EXISTS)
        return exists_code;
    return st == KCM_OK ? FCC_STATUS_SUCCESS : kcm_to_fcc_status(st);
}

fcc_status_t fcc_entropy_set(fcc_t *fcc, const uint8_t *buf, size_t len)
{
    return set_once(fcc, KCM_INTERNAL_ENTROPY, buf, len, 48, FCC_STATUS_ENTROPY_ERROR);
}

fcc_status_t fcc_rot_set(fcc_t *fcc, const uint8_t *buf, size_t len)
{
    return set_once(fcc, KCM_INTERNAL_ROT, buf, len, 16, FCC_STATUS_ROT_ERROR);
}

fcc_status_t fcc_time_set(fcc_t *fcc, int64_t epoch)
{
    if (!ready(fcc))
        return FCC_STATUS_NOT_INITIALIZED;
    if (epoch < 0)
        return FCC_STATUS_INVALID_PARAMETER;
    if (fcc->port.time_set == NULL)
        return FCC_STATUS_NOT_SUPPORTED;
    return fcc->port.time_set(fcc->port.ctx, epoch) == 0 ? FCC_STATUS_SUCCESS : FCC_STATUS_ERROR;
}

fcc_status_t fcc_factory_disable(fcc_t *fcc)
{
    static const uint8_t one = 1;
    kcm_status_t st;
    if (!ready(fcc))
        return FCC_STATUS_NOT_INITIALIZED;
    st = kcm_internal_set(fcc->kcm, KCM_INTERNAL_FACTORY_DISABLED, &one, 1);
    if (st == KCM_ERR_EXISTS) /* already disabled: the flag is write-once and set */
        return FCC_STATUS_SUCCESS;
    return st == KCM_OK ? FCC_STATUS_SUCCESS : kcm_to_fcc_status(st);
}

fcc_status_t fcc_is_factory_disabled(fcc_t *fcc, bool *disabled)
{
    uint8_t flag[8];
    size_t len = 0;
    kcm_status_t st;
    if (disabled == NULL)
        return FCC_STATUS_INVALID_PARAMETER;
    *disabled = false;
    if (!ready(fcc))
        return FCC_STATUS_NOT_INITIALIZED;
    st = kcm_internal_get(fcc->kcm, KCM_INTERNAL_FACTORY_DISABLED, flag, sizeof(flag), &len);
    if (st == KCM_ERR_NOT_FOUND)
        return FCC_STATUS_SUCCESS;
    if (st != KCM_OK)
        return kcm_to_fcc_status(st);
    *disabled = true;
    return FCC_STATUS_SUCCESS;
}

fcc_status_t fcc_storage_delete(fcc_t *fcc)
{
    kcm_status_t st;
    if (!ready(fcc))
        return FCC_STATUS_NOT_INITIALIZED;
    st = kcm_wipe(fcc->kcm);
    fcc->session_open = false;
    fcc->has_sid = false;
    fcc->sid_len = 0;
    return st == KCM_OK ? FCC_STATUS_SUCCESS : kcm_to_fcc_status(st);
}
