/* SPDX-License-Identifier: Apache-2.0 */
/* The randomness of mbedTLS's PSA Crypto on the host: config/mbedtls_config.h selects
 * MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, so mbedTLS has no entropy module and no generator of its own
 * and asks the platform through this one function. On Linux it is the kernel's generator (the
 * same as the port's fcc_port_posix_rng); a firmware's port implements it over its TRNG. */
#include "fcc/port_posix.h"

#include <psa/crypto.h>

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    (void)context;
    *output_length = 0;
    if (fcc_port_posix_rng(NULL, output, output_size) != 0)
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *output_length = output_size;
    return PSA_SUCCESS;
}
