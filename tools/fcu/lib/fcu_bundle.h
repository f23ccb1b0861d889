/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle encoder of fcu (wire contract section 2) and small CBOR reading helpers shared with
 * `fcu inspect`. */
#ifndef FCU_BUNDLE_H
#define FCU_BUNDLE_H

#include "fcu.h"
#include "fcu_int.h"

#include <cbor.h>

#define FCU_ENTROPY_SIZE 48
#define FCU_SCHEME_VERSION "0.0.1"

/* What goes into one device's bundle besides the configuration. All borrowed. */
typedef struct fcu_bundle_parts {
    const uint8_t *key_der; /* device private key, DER */
    size_t key_len;
    int nchain;                    /* stored device certificate or chain, leaf first */
    const uint8_t *chain_der[5];
    size_t chain_len[5];
    uint8_t entropy[FCU_ENTROPY_SIZE];
    bool has_entropy;
    /* by_device (second message of the session): no device key is sent (key_der NULL); the
     * device certificate carries PrKN = this key name, and KpAlvSess 0 ends the session */
    const char *cert_prkn;
    bool session_last;
} fcu_bundle_parts_t;

/* Encodes the bundle (definite-length CBOR). *out is malloc'd (caller wipes and frees).
 * Returns 0, or -1 with a finding added. */
int fcu_bundle_encode(fcu_ctx_t *ctx, const fcu_device_req_t *req, const fcu_bundle_parts_t *p,
                      uint8_t **out, size_t *out_len, fcu_findings_t *f);

/* by_device, the session's first message: KpAlvSess 1, Verify 0, the entropy of `p` (if any)
 * and one CsrReqs entry for the current mode's device key (fcu_session.h). Returns 0, or -1 with
 * a finding added. */
int fcu_bundle_encode_csr_request(fcu_ctx_t *ctx, const fcu_device_req_t *req,
                                  const fcu_bundle_parts_t *p, uint8_t **out, size_t *out_len,
                                  fcu_findings_t *f);

/* Recomputes the enrollment ID from the bootstrap device certificate inside a bundle.
 * Returns 0, or -1 when the bundle holds none. */
int fcu_bundle_enrollment_id(const uint8_t *bundle, size_t len, char *out, size_t size);

/* Value of text key `key` in a CBOR map, or NULL (borrowed). These readers accept NULL. */
cbor_item_t *fcu_cbor_map_get(const cbor_item_t *map, const char *key);
/* true when `item` is a text (or byte) string equal to `s`. */
bool fcu_cbor_str_eq(const cbor_item_t *item, const char *s);
/* Unsigned or negative integer value; false when not an integer. */
bool fcu_cbor_int(const cbor_item_t *item, int64_t *v);
/* Decodes a whole buffer as one CBOR item (tool side). NULL when malformed or with trailing
 * bytes. Caller cbor_decref()s. */
cbor_item_t *fcu_cbor_decode(const uint8_t *buf, size_t len);

#endif /* FCU_BUNDLE_H */
