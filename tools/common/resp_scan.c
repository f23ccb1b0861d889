/* SPDX-License-Identifier: Apache-2.0 */
/* Head-by-head reader of a device's bundle response (resp_scan.h): libcbor's streaming decoder
 * checks each head, nothing validates the UTF-8 of texts, so names echoed byte for byte can be
 * read. */
#include "resp_scan.h"

#include <cbor.h>
#include <string.h>

static void h_text(void *c, cbor_data p, uint64_t n)
{
    resp_head_t *h = c;
    h->kind = RESP_TEXT;
    h->p = p;
    h->n = (size_t)n;
}

static void h_uint(resp_head_t *h, uint64_t v)
{
    h->kind = RESP_UINT;
    h->v = v;
}

static void h_u8(void *c, uint8_t v) { h_uint(c, v); }
static void h_u16(void *c, uint16_t v) { h_uint(c, v); }
static void h_u32(void *c, uint32_t v) { h_uint(c, v); }
static void h_u64(void *c, uint64_t v) { h_uint(c, v); }
static void h_break(void *c) { ((resp_head_t *)c)->kind = RESP_BREAK; }
static void h_indef_map(void *c) { ((resp_head_t *)c)->kind = RESP_INDEF_MAP; }

static void h_counted(void *c, uint64_t n)
{
    resp_head_t *h = c;
    h->kind = RESP_COUNTED;
    h->v = n;
}

/* Reads the head at *pos; false at the end or on a malformed head. */
static bool next_head(const uint8_t *p, size_t len, size_t *pos, resp_head_t *h)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    struct cbor_decoder_result r;
    cb.string = h_text;
    cb.byte_string = h_text;
    cb.uint8 = h_u8;
    cb.uint16 = h_u16;
    cb.uint32 = h_u32;
    cb.uint64 = h_u64;
    cb.indef_break = h_break;
    cb.indef_map_start = h_indef_map;
    cb.array_start = h_counted;
    cb.map_start = h_counted;
    memset(h, 0, sizeof(*h));
    if (*pos >= len)
        return false;
    r = cbor_stream_decode(p + *pos, len - *pos, &cb, h);
    if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
        return false;
    *pos += r.read;
    return true;
}

bool resp_scan(const uint8_t *p, size_t len,
               void (*fn)(void *ctx, const resp_head_t *key, const resp_head_t *val), void *ctx)
{
    size_t pos = 0;
    resp_head_t k, v;
    if (!next_head(p, len, &pos, &k) || k.kind != RESP_INDEF_MAP)
        return false;
    for (;;) {
        if (!next_head(p, len, &pos, &k))
            return false;
        if (k.kind == RESP_BREAK)
            return pos == len;
        if (k.kind != RESP_TEXT || !next_head(p, len, &pos, &v))
            return false;
        if (k.n == 4 && memcmp(k.p, "Csrs", 4) == 0) {
            /* n entries {PrKN: text, Data: bytes}: a map head and four items each. */
            uint64_t heads;
            resp_head_t e;
            if (v.kind != RESP_COUNTED || v.v > len)
                return false;
            for (heads = v.v * 5; heads > 0; heads--)
                if (!next_head(p, len, &pos, &e))
                    return false;
            continue;
        }
        fn(ctx, &k, &v);
    }
}
