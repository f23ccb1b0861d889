/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a device's bundle response (SPEC.md section 3) head by head, without libcbor's
 * cbor_load: that one refuses a text string that is not UTF-8, and the device echoes a SID and
 * item names byte for byte (wire contract section 8 points 1 and 6). The structure is still
 * checked by libcbor's streaming decoder. Used by fcc-device's output and the bundle fuzz
 * target's invariant. */
#ifndef TOOLS_COMMON_RESP_SCAN_H
#define TOOLS_COMMON_RESP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum resp_kind {
    RESP_OTHER = 0,
    RESP_TEXT = 1,      /* text or byte string: p, n */
    RESP_UINT = 2,      /* unsigned integer: v */
    RESP_BREAK = 3,     /* end of an indefinite item */
    RESP_COUNTED = 4,   /* definite array or map: v elements or pairs */
    RESP_INDEF_MAP = 5  /* indefinite-length map */
} resp_kind_t;

typedef struct resp_head {
    resp_kind_t kind;
    const uint8_t *p;
    size_t n;
    uint64_t v;
} resp_head_t;

/* Calls fn(ctx, key, value) for every pair of the response map whose value is a single head
 * (every key but Csrs, whose CSR entries are skipped). Returns true when p[0..len) is exactly
 * one indefinite map of text keys ending in its break, false otherwise (fn may have been called
 * for the pairs before the fault). */
bool resp_scan(const uint8_t *p, size_t len,
               void (*fn)(void *ctx, const resp_head_t *key, const resp_head_t *val), void *ctx);

#endif /* TOOLS_COMMON_RESP_SCAN_H */
