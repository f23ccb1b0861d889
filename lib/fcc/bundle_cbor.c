/* SPDX-License-Identifier: Apache-2.0 */
/* Bounded CBOR reader for bundles, which come from the factory link and are untrusted. libcbor's
 * cbor_stream_decode decodes one head at a time into our callbacks; strings are returned as
 * pointer + length into the input, and libcbor itself refuses a declared length longer than the
 * bytes that remain (it reports "need more data"), so a length of 2^32-1 or 2^64-1 costs
 * nothing. Nesting is bounded by FCC_CBOR_DEPTH_MAX; indefinite-length arrays are followed up to
 * their break (bounded by the bytes left) and other indefinite-length items are refused, so the
 * reader needs no memory beyond the caller's few structs. */
#include "bundle_priv.h"

#include <cbor.h>
#include <string.h>

/* Callback context: the head being decoded. */
typedef struct head_ctx {
    fcc_cbor_item_t *it;
    int calls;
    bool indefinite;
} head_ctx_t;

static void set_uint(void *c, uint64_t v)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_UINT;
    h->it->value = v;
    h->calls++;
}

static void cb_uint8(void *c, uint8_t v) { set_uint(c, v); }
static void cb_uint16(void *c, uint16_t v) { set_uint(c, v); }
static void cb_uint32(void *c, uint32_t v) { set_uint(c, v); }
static void cb_uint64(void *c, uint64_t v) { set_uint(c, v); }

static void set_neg(void *c, uint64_t v)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_NEGINT;
    h->it->value = v;
    h->calls++;
}

static void cb_neg8(void *c, uint8_t v) { set_neg(c, v); }
static void cb_neg16(void *c, uint16_t v) { set_neg(c, v); }
static void cb_neg32(void *c, uint32_t v) { set_neg(c, v); }
static void cb_neg64(void *c, uint64_t v) { set_neg(c, v); }

static void cb_bytes(void *c, cbor_data p, size_t len)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_BYTES;
    h->it->ptr = p;
    h->it->len = len;
    h->calls++;
}

static void cb_text(void *c, cbor_data p, size_t len)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_TEXT;
    h->it->ptr = p;
    h->it->len = len;
    h->calls++;
}

static void cb_indef(void *c)
{
    head_ctx_t *h = c;
    h->indefinite = true;
    h->calls++;
}

static void cb_indef_array(void *c)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_ARRAY;
    h->it->value = 0;
    h->it->indefinite = true;
    h->calls++;
}

static void cb_array(void *c, size_t n)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_ARRAY;
    h->it->value = n;
    h->calls++;
}

static void cb_map(void *c, size_t n)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_MAP;
    h->it->value = n;
    h->calls++;
}

static void cb_tag(void *c, uint64_t v)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_TAG;
    h->it->value = v;
    h->calls++;
}

static void set_simple(void *c)
{
    head_ctx_t *h = c;
    h->it->kind = FCC_CBOR_SIMPLE;
    h->calls++;
}

static void cb_float(void *c, float f)
{
    (void)f;
    set_simple(c);
}

static void cb_double(void *c, double d)
{
    (void)d;
    set_simple(c);
}

static void cb_bool(void *c, bool b)
{
    (void)b;
    set_simple(c);
}

static const struct cbor_callbacks head_callbacks = {
    .uint8 = cb_uint8,
    .uint16 = cb_uint16,
    .uint32 = cb_uint32,
    .uint64 = cb_uint64,
    .negint8 = cb_neg8,
    .negint16 = cb_neg16,
    .negint32 = cb_neg32,
    .negint64 = cb_neg64,
    .byte_string_start = cb_indef,
    .byte_string = cb_bytes,
    .string = cb_text,
    .string_start = cb_indef,
    .indef_array_start = cb_indef_array,
    .array_start = cb_array,
    .indef_map_start = cb_indef,
    .map_start = cb_map,
    .tag = cb_tag,
    .float2 = cb_float,
    .float4 = cb_float,
    .float8 = cb_double,
    .undefined = set_simple,
    .null = set_simple,
    .boolean = cb_bool,
    .indef_break = cb_indef,
};

void fcc_cbor_reader_init(fcc_cbor_reader_t *rd, const uint8_t *buf, size_t len)
{
    rd->buf = buf;
    rd->len = len;
    rd->pos = 0;
}

int fcc_cbor_next(fcc_cbor_reader_t *rd, fcc_cbor_item_t *it)
{
    fcc_cbor_item_t tmp;
    head_ctx_t h;
    struct cbor_decoder_result res;
    size_t left;

    if (rd->pos >= rd->len)
        return FCC_CBOR_ERR_TRUNCATED;
    left = rd->len - rd->pos;
    memset(&tmp, 0, sizeof(tmp));
    memset(&h, 0, sizeof(h));
    h.it = &tmp;
    res = cbor_stream_decode(rd->buf + rd->pos, left, &head_callbacks, &h);
    if (res.status == CBOR_DECODER_NEDATA)
        return FCC_CBOR_ERR_TRUNCATED;
    if (res.status != CBOR_DECODER_FINISHED || h.calls != 1 || res.read == 0 || res.read > left)
        return FCC_CBOR_ERR_MALFORMED;
    if (h.indefinite)
        return FCC_CBOR_ERR_INDEFINITE;
    /* Belt and braces: a string must lie inside what remains (libcbor already checked). */
    if ((tmp.kind == FCC_CBOR_BYTES || tmp.kind == FCC_CBOR_TEXT) &&
        (tmp.ptr < rd->buf + rd->pos || tmp.len > left ||
         (size_t)(tmp.ptr - (rd->buf + rd->pos)) > left - tmp.len))
        return FCC_CBOR_ERR_MALFORMED;
    rd->pos += res.read;
    *it = tmp;
    return FCC_CBOR_OK;
}

bool fcc_cbor_at_break(const fcc_cbor_reader_t *rd)
{
    return rd->pos < rd->len && rd->buf[rd->pos] == 0xff;
}

/* Reads one element (its head, then its content) at nesting level `depth`. */
static int skip_element(fcc_cbor_reader_t *rd, unsigned depth)
{
    fcc_cbor_item_t sub;
    int rc = fcc_cbor_next(rd, &sub);
    if (rc != FCC_CBOR_OK)
        return rc;
    return fcc_cbor_skip(rd, &sub, depth);
}

int fcc_cbor_skip(fcc_cbor_reader_t *rd, const fcc_cbor_item_t *it, unsigned depth)
{
    uint64_t n, i;
    int rc;

    switch (it->kind) {
    case FCC_CBOR_ARRAY:
    case FCC_CBOR_MAP:
    case FCC_CBOR_TAG:
        break;
    default:
        return FCC_CBOR_OK;
    }
    if (it->kind == FCC_CBOR_ARRAY && it->indefinite) {
        /* Elements up to the break; each costs at least one byte, so the end of the input
         * stops a missing break. */
        for (;;) {
            if (rd->pos >= rd->len)
                return FCC_CBOR_ERR_TRUNCATED;
            if (fcc_cbor_at_break(rd)) {
                rd->pos++;
                return FCC_CBOR_OK;
            }
            if (depth >= FCC_CBOR_DEPTH_MAX)
                return FCC_CBOR_ERR_DEPTH;
            if ((rc = skip_element(rd, depth + 1)) != FCC_CBOR_OK)
                return rc;
        }
    }
    if (it->kind == FCC_CBOR_TAG)
        n = 1;
    else if (it->kind == FCC_CBOR_ARRAY)
        n = it->value;
    else if (it->value > UINT64_MAX / 2)
        return FCC_CBOR_ERR_TRUNCATED; /* more pairs than any buffer can hold */
    else
        n = it->value * 2;
    if (n > 0 && depth >= FCC_CBOR_DEPTH_MAX)
        return FCC_CBOR_ERR_DEPTH;
    /* Each element takes at least one byte: a declared count beyond the bytes left is cut short
     * by the end of the input, never by a loop over the declared count. */
    if (n > rd->len - rd->pos)
        return FCC_CBOR_ERR_TRUNCATED;
    for (i = 0; i < n; i++)
        if ((rc = skip_element(rd, depth + 1)) != FCC_CBOR_OK)
            return rc;
    return FCC_CBOR_OK;
}

bool fcc_cbor_eq(const fcc_cbor_item_t *it, const char *s)
{
    size_t n = strlen(s);
    if (it->kind != FCC_CBOR_TEXT && it->kind != FCC_CBOR_BYTES)
        return false;
    return it->len == n && (n == 0 || memcmp(it->ptr, s, n) == 0);
}
