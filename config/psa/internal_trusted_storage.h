/* SPDX-License-Identifier: Apache-2.0 */
/* The PSA Certified Internal Trusted Storage API (version 1.0), which mbedTLS calls to keep its
 * persistent keys when MBEDTLS_PSA_CRYPTO_STORAGE_C is on and its file backend
 * (MBEDTLS_PSA_ITS_FILE_C) is off. This project implements it over KCM (lib/kcm/kcm_psa_its.c),
 * so persistent keys live encrypted in the device's power-loss-safe store and no file system is
 * needed. Found through config/ on mbedcrypto's include path (cmake/FccMbedtls.cmake). */
#ifndef FCC_PSA_INTERNAL_TRUSTED_STORAGE_H
#define FCC_PSA_INTERNAL_TRUSTED_STORAGE_H

#include <stddef.h>
#include <stdint.h>

#include "psa/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t psa_storage_uid_t;          /* an entry's identifier (a persistent key id) */
typedef uint32_t psa_storage_create_flags_t; /* PSA_STORAGE_FLAG_* */

#define PSA_STORAGE_FLAG_NONE 0u
#define PSA_STORAGE_FLAG_WRITE_ONCE (1u << 0) /* not supported by KCM's backend */

#define PSA_ITS_API_VERSION_MAJOR 1
#define PSA_ITS_API_VERSION_MINOR 0

struct psa_storage_info_t {
    uint32_t size;                    /* bytes stored under the uid */
    psa_storage_create_flags_t flags; /* flags it was created with */
};

/* Creates or replaces the entry `uid`. */
psa_status_t psa_its_set(psa_storage_uid_t uid, uint32_t data_length, const void *p_data,
                         psa_storage_create_flags_t create_flags);
/* Reads data_length bytes of entry `uid` from data_offset. */
psa_status_t psa_its_get(psa_storage_uid_t uid, uint32_t data_offset, uint32_t data_length,
                         void *p_data, size_t *p_data_length);
/* Size and flags of entry `uid` (PSA_ERROR_DOES_NOT_EXIST when absent). */
psa_status_t psa_its_get_info(psa_storage_uid_t uid, struct psa_storage_info_t *p_info);
/* Removes entry `uid`. */
psa_status_t psa_its_remove(psa_storage_uid_t uid);

#ifdef __cplusplus
}
#endif

#endif /* FCC_PSA_INTERNAL_TRUSTED_STORAGE_H */
