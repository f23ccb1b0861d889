/* SPDX-License-Identifier: Apache-2.0 */
/* The libcbor subset of cbor.h beside this file (see there why it exists): one-head streaming
 * decoding with callbacks and the head encoders, byte order independent (every multi-byte field
 * is assembled byte by byte, big-endian as CBOR says), no heap. */
#include "cbor.h"

#include <string.h>

static uint64_t load_be(cbor_data p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static float half_to_float(uint16_t h)
{
    /* IEEE 754 binary16 -> binary32 by bits: sign, exponent rebias, subnormals normalised. */
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1Fu;
    uint32_t man = h & 0x3FFu;
    uint32_t bits;
    float f;
    if (exp == 0 && man == 0) {
        bits = sign;
    } else if (exp == 0) {
        exp = 127 - 15 + 1;
        while ((man & 0x400u) == 0) {
            man <<= 1;
            exp--;
        }
        bits = sign | (exp << 23) | ((man & 0x3FFu) << 13);
    } else if (exp == 0x1F) {
        bits = sign | (man != 0 ? 0x7FC00000u : 0x7F800000u); /* NaN: libcbor's quiet NaN */
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    memcpy(&f, &bits, sizeof(f));
    return f;
}

struct cbor_decoder_result cbor_stream_decode(cbor_data source, size_t source_size,
                                              const struct cbor_callbacks *cb, void *ctx)
{
    struct cbor_decoder_result r = {0, CBOR_DECODER_ERROR, 0};
    uint8_t ib, major, ai;
    size_t extra;
    uint64_t v;

    if (source_size < 1) {
        r.status = CBOR_DECODER_NEDATA;
        r.required = 1;
        return r;
    }
    ib = source[0];
    major = ib >> 5;
    ai = ib & 0x1Fu;

    if (major == 7) {
        switch (ai) {
        case 20: case 21:
            cb->boolean(ctx, ai == 21);
            r.read = 1; r.status = CBOR_DECODER_FINISHED;
            return r;
        case 22: cb->null(ctx); r.read = 1; r.status = CBOR_DECODER_FINISHED; return r;
        case 23: cb->undefined(ctx); r.read = 1; r.status = CBOR_DECODER_FINISHED; return r;
        case 31: cb->indef_break(ctx); r.read = 1; r.status = CBOR_DECODER_FINISHED; return r;
        case 25: case 26: case 27: break;
        default: return r; /* unassigned simple values, one-byte simple values, reserved */
        }
    }

    if (major == 6 && ai >= 6 && ai <= 20)
        return r; /* libcbor 0.8 refuses the one-byte heads of tags 6..20 (unassigned then) */
    if (ai < 24) {
        extra = 0;
        v = ai;
    } else if (ai <= 27) {
        extra = (size_t)1 << (ai - 24);
        if (source_size - 1 < extra) {
            r.status = CBOR_DECODER_NEDATA;
            r.required = 1 + extra;
            return r;
        }
        v = load_be(source + 1, extra);
    } else if (ai == 31 && major >= 2 && major <= 5) {
        r.read = 1;
        r.status = CBOR_DECODER_FINISHED;
        if (major == 2)
            cb->byte_string_start(ctx);
        else if (major == 3)
            cb->string_start(ctx);
        else if (major == 4)
            cb->indef_array_start(ctx);
        else
            cb->indef_map_start(ctx);
        return r;
    } else {
        return r; /* 28..30 reserved; 31 on an integer or tag */
    }
    r.read = 1 + extra;
    r.status = CBOR_DECODER_FINISHED;

    switch (major) {
    case 0:
    case 1: {
        bool neg = major == 1;
        if (extra <= 1)
            (neg ? cb->negint8 : cb->uint8)(ctx, (uint8_t)v);
        else if (extra == 2)
            (neg ? cb->negint16 : cb->uint16)(ctx, (uint16_t)v);
        else if (extra == 4)
            (neg ? cb->negint32 : cb->uint32)(ctx, (uint32_t)v);
        else
            (neg ? cb->negint64 : cb->uint64)(ctx, v);
        return r;
    }
    case 2:
    case 3:
        if (v > source_size - r.read) {
            r.status = CBOR_DECODER_NEDATA;
            r.required = v > SIZE_MAX - r.read ? SIZE_MAX : r.read + (size_t)v;
            r.read = 0;
            return r;
        }
        (major == 2 ? cb->byte_string : cb->string)(ctx, source + r.read, (size_t)v);
        r.read += (size_t)v;
        return r;
    case 4:
    case 5:
        if (v > SIZE_MAX) {
            r.status = CBOR_DECODER_ERROR;
            r.read = 0;
            return r;
        }
        (major == 4 ? cb->array_start : cb->map_start)(ctx, (size_t)v);
        return r;
    case 6:
        cb->tag(ctx, v);
        return r;
    default: /* 7: floats */
        if (extra == 2) {
            cb->float2(ctx, half_to_float((uint16_t)v));
        } else if (extra == 4) {
            uint32_t b = (uint32_t)v;
            float f;
            memcpy(&f, &b, sizeof(f));
            cb->float4(ctx, f);
        } else {
            double d;
            memcpy(&d, &v, sizeof(d));
            cb->float8(ctx, d);
        }
        return r;
    }
}

static size_t encode_head(uint8_t major, uint64_t value, unsigned char *buf, size_t size)
{
    size_t extra;
    uint8_t ai;
    if (value < 24) {
        extra = 0;
        ai = (uint8_t)value;
    } else if (value <= 0xFFu) {
        extra = 1;
        ai = 24;
    } else if (value <= 0xFFFFu) {
        extra = 2;
        ai = 25;
    } else if (value <= 0xFFFFFFFFu) {
        extra = 4;
        ai = 26;
    } else {
        extra = 8;
        ai = 27;
    }
    if (size < 1 + extra)
        return 0;
    buf[0] = (unsigned char)((major << 5) | ai);
    for (size_t i = 0; i < extra; i++)
        buf[1 + i] = (unsigned char)(value >> (8 * (extra - 1 - i)));
    return 1 + extra;
}

size_t cbor_encode_uint(uint64_t value, unsigned char *buffer, size_t buffer_size)
{
    return encode_head(0, value, buffer, buffer_size);
}

size_t cbor_encode_bytestring_start(size_t length, unsigned char *buffer, size_t buffer_size)
{
    return encode_head(2, length, buffer, buffer_size);
}

size_t cbor_encode_string_start(size_t length, unsigned char *buffer, size_t buffer_size)
{
    return encode_head(3, length, buffer, buffer_size);
}

size_t cbor_encode_array_start(size_t length, unsigned char *buffer, size_t buffer_size)
{
    return encode_head(4, length, buffer, buffer_size);
}

size_t cbor_encode_map_start(size_t length, unsigned char *buffer, size_t buffer_size)
{
    return encode_head(5, length, buffer, buffer_size);
}

size_t cbor_encode_indef_map_start(unsigned char *buffer, size_t buffer_size)
{
    if (buffer_size < 1)
        return 0;
    buffer[0] = 0xBF;
    return 1;
}

size_t cbor_encode_break(unsigned char *buffer, size_t buffer_size)
{
    if (buffer_size < 1)
        return 0;
    buffer[0] = 0xFF;
    return 1;
}
