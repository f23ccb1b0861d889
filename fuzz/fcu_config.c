/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of fcu's configuration loader: the input is the bytes of an fcu.yml (an operator's
 * file, or the ecosystem's, with ENV placeholders and custom-properties), loaded and validated as
 * `fcu validate` does. Seeds in fuzz/corpus/fcu_config/: the example configuration, one written
 * the ecosystem's way, and broken ones (syntax, types, placeholders, custom properties). */
#include <stdint.h>
#include <stdlib.h>

#include "fcu_fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_files_init() != 0 || fuzz_write("fcu.yml", data, size) != 0)
        return 0;
    /* a placeholder the seeds use; another name stays unset (error 340) */
    setenv("FCU_RESOURCES_DIR", fuzz_dir, 1);
    fuzz_load_config();
    return 0;
}
