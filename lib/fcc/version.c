/* SPDX-License-Identifier: Apache-2.0 */
/* The name and version of the crypto library the device library runs on, as the library itself
 * reports it at run time (not the headers it was compiled against), for `fcc-device --version`
 * and for a firmware's own diagnostics. */
#include "fcc/fcc.h"

#include <mbedtls/version.h>
#include <string.h>

size_t fcc_crypto_version(char *buf, size_t size)
{
    static const char prefix[] = "mbed TLS ";
    char ver[9]; /* mbedtls_version_get_string: "x.y.z", at most 9 bytes with the NUL */
    size_t p = sizeof(prefix) - 1, v, n;

    mbedtls_version_get_string(ver);
    v = strlen(ver);
    n = p + v;
    if (buf != NULL && size > 0) {
        size_t k = n < size - 1 ? n : size - 1;
        size_t kp = k < p ? k : p;
        memcpy(buf, prefix, kp);
        memcpy(buf + kp, ver, k - kp);
        buf[k] = '\0';
    }
    return n;
}
