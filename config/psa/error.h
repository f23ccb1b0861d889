/* SPDX-License-Identifier: Apache-2.0 */
/* The PSA status codes, under the name the PSA Certified storage APIs include them by. mbedTLS
 * looks for this header (with psa/internal_trusted_storage.h) when the platform, not mbedTLS's
 * file backend, implements the Internal Trusted Storage: here KCM does (lib/kcm/kcm_psa_its.c).
 * mbedTLS's own headers already define the codes. */
#ifndef FCC_PSA_ERROR_H
#define FCC_PSA_ERROR_H

#include <psa/crypto_types.h>
#include <psa/crypto_values.h>

#endif /* FCC_PSA_ERROR_H */
