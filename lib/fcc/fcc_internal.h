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

/* Bootstrap CA identifier: SHA-256 of the certificate's DER SubjectPublicKeyInfo. The bundle
 * handler records it (KCM_INTERNAL_BOOTSTRAP_CA_ID) on the last message of a session; the
 * verification compares it with mbed.BootstrapServerCACert. Returns 0, or -1 when the
 * certificate does not parse. */
int fcc_ca_identifier(const uint8_t *cert_der, size_t len, uint8_t out[32]);

/* Runs the verification inside whatever KCM transaction is open (reads see its writes); the
 * findings go to fcc->out. Returns the run's status. Public wrapper:
 * fcc_verify_device_configured_4mbed_cloud(). */
int fcc_verify_run(fcc_t *fcc);

#endif /* FCC_INTERNAL_H */
