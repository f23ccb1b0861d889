/* SPDX-License-Identifier: Apache-2.0 */
/* The bootstrap CA identifier: SHA-256 of the CA certificate's DER SubjectPublicKeyInfo. The
 * bundle handler records it on the last message of a session and the verification compares it
 * with mbed.BootstrapServerCACert, so that a CA replaced behind the device's back is noticed. */
#include "fcc_internal.h"

#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include "fcc_psa.h"

int fcc_ca_identifier(const uint8_t *cert_der, size_t len, uint8_t out[32])
{
    int rc = -1;
    size_t n = 0;
    mbedtls_x509_crt crt;

    mbedtls_x509_crt_init(&crt);
    if (cert_der == NULL || len == 0 || out == NULL)
        goto cleanup;
    if (mbedtls_x509_crt_parse_der(&crt, cert_der, len) != 0)
        goto cleanup;
    if (crt.pk_raw.p == NULL || crt.pk_raw.len == 0)
        goto cleanup;
    if (fcc_psa_ready() != 0 ||
        psa_hash_compute(PSA_ALG_SHA_256, crt.pk_raw.p, crt.pk_raw.len, out, 32, &n) !=
            PSA_SUCCESS)
        goto cleanup;
    rc = 0;
cleanup:
    if (rc != 0 && out != NULL)
        mbedtls_platform_zeroize(out, 32);
    mbedtls_x509_crt_free(&crt);
    return rc;
}
