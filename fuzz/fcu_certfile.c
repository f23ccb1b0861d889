/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of fcu's readers of certificate and key files (PEM or DER, as an operator or the
 * ecosystem supplies them): the input goes through the certificate and key loaders directly, and
 * is named by a configuration as a custom certificate, private key, public key and the update
 * certificate, so the whole check of each (PEM blocks, DER, curve, chain links, expiry) runs.
 * Seeds in fuzz/corpus/fcu_certfile/: DER and PEM certificates, a PEM chain, SEC1 and PKCS#8
 * private keys, a public key, an encrypted key, truncated and garbage files. */
#include <stdint.h>
#include <stdlib.h>

#include "fcu_fuzz_files.h"
#include "fcu_int.h"

static const char config[] =
    "use-bootstrap: true\n"
    "bootstrap-server-uri: coaps://bs.example.com:5684?aid=0123456789abcdef\n"
    "bootstrap-server-ca-certificate-file: ca.der\n"
    "update-auth-certificate-file: item.bin\n"
    "device-info:\n"
    "  manufacturer-name: F\n  model-number: F\n  device-type: F\n"
    "  hardware-version: F\n  memory-total-size: 1\n"
    "custom-properties:\n"
    "  - {name: f.cert, type: certificate, data-file: item.bin}\n"
    "  - {name: f.priv, type: private-key, data-file: item.bin}\n"
    "  - {name: f.pub, type: public-key, data-file: item.bin}\n"
    "  - {name: f.param, type: config-param, data-file: item.bin}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bool is_der = false;
    STACK_OF(X509) *sk = fcu_certs_load(data, size, &is_der);
    sk_X509_pop_free(sk, X509_free);
    EVP_PKEY_free(fcu_key_load(data, size));
    if (fuzz_files_init() != 0 || fuzz_write("item.bin", data, size) != 0 ||
        fuzz_write("fcu.yml", (const uint8_t *)config, sizeof(config) - 1) != 0)
        return 0;
    fuzz_load_config();
    return 0;
}
