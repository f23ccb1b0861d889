/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interface shared by the parts of lib/fcc (bundle handler, verification, output).
 * Not installed; promises nothing outside lib/fcc. */
#ifndef FCC_INTERNAL_H
#define FCC_INTERNAL_H

#include "fcc/fcc.h"

#include <stddef.h>
#include <stdint.h>

/* Clears the output info before a run. */
void fcc_out_reset(fcc_t *fcc);

/* Records the run's error. Only the first error of a run is kept; later calls are ignored and
 * return the first error's code. `item` need not be terminated; it is cut to FCC_NAME_MAX. The
 * returned value is the status of the run (the first error's code). */
int fcc_out_error(fcc_t *fcc, int code, const char *prefix, const void *item, size_t item_len);

/* Appends a warning (kept in order; past FCC_FINDINGS_MAX they are counted as dropped). */
void fcc_out_warning(fcc_t *fcc, int code, const char *prefix, const void *item,
                     size_t item_len);

/* Convenience: an error with the contract prefix of `code`. */
int fcc_out_status(fcc_t *fcc, int code, const void *item, size_t item_len);

#endif /* FCC_INTERNAL_H */
