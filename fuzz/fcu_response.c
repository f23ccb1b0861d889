/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of the factory tool's readers of device bytes: a device's response payload is
 * untrusted input for fcu (a broken or hostile device on the line). The input goes through
 * fcu_response_parse (what `fcu inject` and `fcu batch` use) and through fcu_inspect_bytes, in text
 * and JSON (what `fcu inspect` prints for a response, a bundle or a framed message). Seeds in
 * fuzz/corpus/fcu_response/: responses written by `fcc-device apply --response` for accepted,
 * refused and CSR bundles, and a few bundles. */
#include <stdint.h>
#include <stdio.h>

#include "fcu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    fcu_response_t r;

    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (fcu_response_parse(data, size, &r) == 0)
        fcu_response_free(&r);
    if (sink != NULL) {
        (void)fcu_inspect_bytes(data, size, sink, false, 1893456000);
        (void)fcu_inspect_bytes(data, size, sink, true, 1893456000);
    }
    return 0;
}
