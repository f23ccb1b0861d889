/* SPDX-License-Identifier: Apache-2.0 */
/* libcbor's item API, the part the bundle-vector runner reads responses with, for the test
 * programs of the cross builds (see cbor.h). A recursive decoder over cbor_stream_decode that
 * builds a tree on the C heap; test code only, never linked into the device library. */
#include "cbor.h"

#include <stdlib.h>
#include <string.h>

enum kind { K_UINT, K_NEGINT, K_BYTES, K_TEXT, K_ARRAY, K_MAP, K_BREAK, K_OTHER };

struct cbor_item_t {
    enum kind kind;
    uint64_t value;          /* integers */
    unsigned char *data;     /* strings (a copy) */
    size_t len;              /* string length, array or map entries */
    cbor_item_t **items;     /* array */
    struct cbor_pair *pairs; /* map */
};

typedef struct head {
    enum kind kind;
    uint64_t value;
    cbor_data ptr;
    bool indefinite;
} head_t;

static void h_uint(void *c, uint64_t v) { ((head_t *)c)->kind = K_UINT; ((head_t *)c)->value = v; }
static void h_u8(void *c, uint8_t v) { h_uint(c, v); }
static void h_u16(void *c, uint16_t v) { h_uint(c, v); }
static void h_u32(void *c, uint32_t v) { h_uint(c, v); }
static void h_neg(void *c, uint64_t v) { ((head_t *)c)->kind = K_NEGINT; ((head_t *)c)->value = v; }
static void h_n8(void *c, uint8_t v) { h_neg(c, v); }
static void h_n16(void *c, uint16_t v) { h_neg(c, v); }
static void h_n32(void *c, uint32_t v) { h_neg(c, v); }
static void h_other(void *c) { ((head_t *)c)->kind = K_OTHER; }
static void h_bytes(void *c, cbor_data p, size_t n)
{
    head_t *h = c;
    h->kind = K_BYTES;
    h->ptr = p;
    h->value = n;
}
static void h_text(void *c, cbor_data p, size_t n)
{
    h_bytes(c, p, n);
    ((head_t *)c)->kind = K_TEXT;
}
static void h_array(void *c, size_t n) { ((head_t *)c)->kind = K_ARRAY; ((head_t *)c)->value = n; }
static void h_map(void *c, size_t n) { ((head_t *)c)->kind = K_MAP; ((head_t *)c)->value = n; }
static void h_iarray(void *c)
{
    h_array(c, 0);
    ((head_t *)c)->indefinite = true;
}
static void h_imap(void *c)
{
    h_map(c, 0);
    ((head_t *)c)->indefinite = true;
}
static void h_break(void *c) { ((head_t *)c)->kind = K_BREAK; }
static void h_tag(void *c, uint64_t v) { (void)v; h_other(c); }
static void h_float(void *c, float f) { (void)f; h_other(c); }
static void h_double(void *c, double d) { (void)d; h_other(c); }
static void h_bool(void *c, bool b) { (void)b; h_other(c); }

/* Well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF): libcbor 0.8's
 * cbor_load refuses a text string that is not (a syntax error), and so does this one. */
static bool utf8_ok(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i], need, lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3;
        else
            return false;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
        if (n - i - 1 < need || p[i + 1] < lo || p[i + 1] > hi)
            return false;
        for (unsigned k = 2; k <= need; k++)
            if (p[i + k] < 0x80 || p[i + k] > 0xBF)
                return false;
        i += need + 1;
    }
    return true;
}

static const struct cbor_callbacks item_callbacks = {
    .uint8 = h_u8, .uint16 = h_u16, .uint32 = h_u32, .uint64 = h_uint,
    .negint8 = h_n8, .negint16 = h_n16, .negint32 = h_n32, .negint64 = h_neg,
    .byte_string_start = h_other, .byte_string = h_bytes, .string = h_text,
    .string_start = h_other, .indef_array_start = h_iarray, .array_start = h_array,
    .indef_map_start = h_imap, .map_start = h_map, .tag = h_tag, .float2 = h_float,
    .float4 = h_float, .float8 = h_double, .undefined = h_other, .null = h_other,
    .boolean = h_bool, .indef_break = h_break,
};

static cbor_item_t *parse(cbor_data buf, size_t len, size_t *pos, int depth, bool *brk);

static bool add(cbor_item_t *it, cbor_data buf, size_t len, size_t *pos, int depth)
{
    bool brk = false;
    if (it->kind == K_ARRAY) {
        cbor_item_t **n = realloc(it->items, (it->len + 1) * sizeof(*n));
        if (n == NULL)
            return false;
        it->items = n;
        n[it->len] = parse(buf, len, pos, depth + 1, &brk);
        if (n[it->len] == NULL)
            return false;
    } else {
        struct cbor_pair *n = realloc(it->pairs, (it->len + 1) * sizeof(*n));
        if (n == NULL)
            return false;
        it->pairs = n;
        n[it->len].value = NULL;
        n[it->len].key = parse(buf, len, pos, depth + 1, &brk);
        if (n[it->len].key == NULL) {
            return false;
        }
        n[it->len].value = parse(buf, len, pos, depth + 1, &brk);
        if (n[it->len].value == NULL) {
            it->len++; /* the key is freed with the map */
            return false;
        }
    }
    it->len++;
    return true;
}

/* One item at *pos; NULL on malformed input. A break head sets *brk and returns NULL. */
static cbor_item_t *parse(cbor_data buf, size_t len, size_t *pos, int depth, bool *brk)
{
    head_t h = {K_OTHER, 0, NULL, false};
    struct cbor_decoder_result r;
    cbor_item_t *it;

    if (depth > 16 || *pos >= len)
        return NULL;
    r = cbor_stream_decode(buf + *pos, len - *pos, &item_callbacks, &h);
    if (r.status != CBOR_DECODER_FINISHED)
        return NULL;
    *pos += r.read;
    if (h.kind == K_BREAK) {
        *brk = true;
        return NULL;
    }
    if (h.kind == K_OTHER || (h.kind == K_TEXT && !utf8_ok(h.ptr, (size_t)h.value)))
        return NULL;
    it = calloc(1, sizeof(*it));
    if (it == NULL)
        return NULL;
    it->kind = h.kind;
    it->value = h.value;
    if (h.kind == K_BYTES || h.kind == K_TEXT) {
        it->data = malloc(h.value ? (size_t)h.value : 1);
        if (it->data == NULL) {
            free(it);
            return NULL;
        }
        memcpy(it->data, h.ptr, (size_t)h.value);
        it->len = (size_t)h.value;
    } else if (h.kind == K_ARRAY || h.kind == K_MAP) {
        if (h.indefinite) {
            for (;;) {
                size_t at = *pos;
                head_t peek = {K_OTHER, 0, NULL, false};
                r = cbor_stream_decode(buf + at, len - at, &item_callbacks, &peek);
                if (r.status == CBOR_DECODER_FINISHED && peek.kind == K_BREAK) {
                    *pos += r.read;
                    break;
                }
                if (!add(it, buf, len, pos, depth))
                    goto bad;
            }
        } else {
            for (uint64_t i = 0; i < h.value; i++)
                if (!add(it, buf, len, pos, depth))
                    goto bad;
        }
    }
    return it;
bad:
    cbor_decref(&it);
    return NULL;
}

cbor_item_t *cbor_load(cbor_data source, size_t source_size, struct cbor_load_result *result)
{
    size_t pos = 0;
    bool brk = false;
    cbor_item_t *it = parse(source, source_size, &pos, 0, &brk);
    result->read = it != NULL ? pos : 0;
    return it;
}

void cbor_decref(cbor_item_t **item)
{
    cbor_item_t *it = *item;
    if (it == NULL)
        return;
    for (size_t i = 0; i < it->len; i++) {
        if (it->kind == K_ARRAY)
            cbor_decref(&it->items[i]);
        else if (it->kind == K_MAP) {
            cbor_decref(&it->pairs[i].key);
            cbor_decref(&it->pairs[i].value);
        }
    }
    free(it->items);
    free(it->pairs);
    free(it->data);
    free(it);
    *item = NULL;
}

bool cbor_isa_uint(const cbor_item_t *item) { return item->kind == K_UINT; }
bool cbor_isa_bytestring(const cbor_item_t *item) { return item->kind == K_BYTES; }
bool cbor_isa_string(const cbor_item_t *item) { return item->kind == K_TEXT; }
bool cbor_isa_array(const cbor_item_t *item) { return item->kind == K_ARRAY; }
bool cbor_isa_map(const cbor_item_t *item) { return item->kind == K_MAP; }
uint64_t cbor_get_int(const cbor_item_t *item) { return item->value; }
size_t cbor_bytestring_length(const cbor_item_t *item) { return item->len; }
unsigned char *cbor_bytestring_handle(const cbor_item_t *item) { return item->data; }
size_t cbor_string_length(const cbor_item_t *item) { return item->len; }
unsigned char *cbor_string_handle(const cbor_item_t *item) { return item->data; }
bool cbor_string_is_definite(const cbor_item_t *item) { (void)item; return true; }
size_t cbor_array_size(const cbor_item_t *item) { return item->len; }
cbor_item_t **cbor_array_handle(const cbor_item_t *item) { return item->items; }
size_t cbor_map_size(const cbor_item_t *item) { return item->len; }
struct cbor_pair *cbor_map_handle(const cbor_item_t *item) { return item->pairs; }
