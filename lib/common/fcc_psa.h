/* SPDX-License-Identifier: Apache-2.0 */
/* One place that brings up the PSA Crypto API before the device library uses it (directly, or
 * through an mbedTLS function that needs a random generator). psa_crypto_init() is idempotent
 * and cheap once done; its randomness comes from the port (mbedtls_psa_external_get_random in
 * lib/port). mbedTLS's f_rng callbacks get PSA's generator through fcc_psa_rng. */
#ifndef FCC_PSA_H
#define FCC_PSA_H

#include <mbedtls/build_info.h>
#include <mbedtls/psa_util.h>
#include <psa/crypto.h>

#if MBEDTLS_VERSION_NUMBER < 0x03060000
#error "the device library needs mbedTLS 3.6 (config/mbedtls_config.h); older headers leaked in"
#endif

/* 0 when PSA is ready, -1 otherwise. */
static inline int fcc_psa_ready(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

/* The f_rng / p_rng pair of mbedTLS's legacy functions (PSA's generator). */
#define fcc_psa_rng mbedtls_psa_get_random
#define FCC_PSA_RNG_CTX MBEDTLS_PSA_RANDOM_STATE

#endif /* FCC_PSA_H */
