/* SPDX-License-Identifier: Apache-2.0 */
/* The small CBOR readers of libfcu (declared in fcu_bundle.h): a bounded decode of bytes that
 * come from a device, and lookups in the decoded maps. In a file of their own at the bottom of
 * the layers because the bundle encoder, the by_device session, the response parser and the
 * decoder of `fcu inspect` all read CBOR, and none of them should depend on another for it. */
#include "fcu_bundle.h"

#include <stdint.h>
#include <string.h>

bool fcu_cbor_str_eq(const cbor_item_t *item, const char *s)
{
    size_t n = strlen(s);
    if (!item)
        return false;
    if (cbor_isa_string(item) && cbor_string_is_definite(item))
        return cbor_string_length(item) == n && memcmp(cbor_string_handle(item), s, n) == 0;
    if (cbor_isa_bytestring(item) && cbor_bytestring_is_definite(item))
        return cbor_bytestring_length(item) == n &&
               memcmp(cbor_bytestring_handle(item), s, n) == 0;
    return false;
}

cbor_item_t *fcu_cbor_map_get(const cbor_item_t *map, const char *key)
{
    if (!map || !cbor_isa_map(map))
        return NULL;
    struct cbor_pair *pairs = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++)
        if (fcu_cbor_str_eq(pairs[i].key, key))
            return pairs[i].value;
    return NULL;
}

bool fcu_cbor_int(const cbor_item_t *item, int64_t *v)
{
    if (!item)
        return false;
    if (cbor_isa_uint(item)) {
        uint64_t u = cbor_get_int(item);
        if (u > INT64_MAX)
            return false;
        *v = (int64_t)u;
        return true;
    }
    if (cbor_isa_negint(item)) {
        uint64_t u = cbor_get_int(item);
        if (u > INT64_MAX)
            return false;
        *v = -1 - (int64_t)u;
        return true;
    }
    return false;
}

/* Declared element count of the last container head seen by the bounds scan. */
struct declared {
    uint64_t elements;
};

static void on_array(void *ctx, size_t n)
{
    ((struct declared *)ctx)->elements = n;
}

static void on_map(void *ctx, size_t n)
{
    /* a pair is two items; size_t n <= SIZE_MAX/2 is not guaranteed, so saturate */
    ((struct declared *)ctx)->elements = n > UINT64_MAX / 2 ? UINT64_MAX : (uint64_t)n * 2;
}

/* cbor_load allocates an array or map of the size its head declares before reading one element,
 * so bytes from a device (untrusted for the tool) could ask for gigabytes. Every element takes
 * at least one byte: walk every head once and refuse a declared count larger than the bytes left.
 * Strings are checked by the decoder itself (NEDATA when longer than what remains). */
static bool cbor_counts_fit(const uint8_t *buf, size_t len)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.array_start = on_array;
    cb.map_start = on_map;
    size_t off = 0;
    while (off < len) {
        struct declared d = {0};
        struct cbor_decoder_result r = cbor_stream_decode(buf + off, len - off, &cb, &d);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
            return false;
        off += r.read;
        if (d.elements > len - off)
            return false;
    }
    return true;
}

cbor_item_t *fcu_cbor_decode(const uint8_t *buf, size_t len)
{
    struct cbor_load_result r;
    if (!cbor_counts_fit(buf, len))
        return NULL;
    cbor_item_t *item = cbor_load(buf, len, &r);
    if (!item)
        return NULL;
    if (r.error.code != CBOR_ERR_NONE || r.read != len) {
        cbor_decref(&item);
        return NULL;
    }
    return item;
}
