/* SPDX-License-Identifier: Apache-2.0 */
/* Stand-in for the part of libcbor's API that the device library uses (the streaming decoder
 * cbor_stream_decode and seven head encoders), for the cross builds of tests/target only.
 *
 * Why it exists: the cross builds compile every dependency from Debian's source packages, but
 * Debian's libcbor source package cannot be fetched from this project's package mirror (it answers
 * 404 for every suite), so the board and s390x builds cannot compile the real libcbor. This file
 * declares the same names and types with libcbor 0.8's semantics, written from its documented
 * behaviour; cbor_subset.c implements them. The host build always uses Debian's libcbor, and the
 * cross build uses the real library instead as soon as its source is reachable
 * (FCC_LIBCBOR_SOURCE, see tests/target/CMakeLists.txt). */
#ifndef FCC_TARGET_CBOR_SUBSET_H
#define FCC_TARGET_CBOR_SUBSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef const unsigned char *cbor_data;

enum cbor_decoder_status {
    CBOR_DECODER_FINISHED, /* one head (and a definite string's bytes) decoded */
    CBOR_DECODER_NEDATA,   /* the input ends before the item does */
    CBOR_DECODER_ERROR     /* malformed or unsupported head */
};

struct cbor_decoder_result {
    size_t read;
    enum cbor_decoder_status status;
    size_t required;
};

typedef void (*cbor_int8_callback)(void *, uint8_t);
typedef void (*cbor_int16_callback)(void *, uint16_t);
typedef void (*cbor_int32_callback)(void *, uint32_t);
typedef void (*cbor_int64_callback)(void *, uint64_t);
typedef void (*cbor_simple_callback)(void *);
typedef void (*cbor_string_callback)(void *, cbor_data, size_t);
typedef void (*cbor_collection_callback)(void *, size_t);
typedef void (*cbor_float_callback)(void *, float);
typedef void (*cbor_double_callback)(void *, double);
typedef void (*cbor_bool_callback)(void *, bool);

struct cbor_callbacks {
    cbor_int8_callback uint8;
    cbor_int16_callback uint16;
    cbor_int32_callback uint32;
    cbor_int64_callback uint64;
    cbor_int64_callback negint64;
    cbor_int32_callback negint32;
    cbor_int16_callback negint16;
    cbor_int8_callback negint8;
    cbor_simple_callback byte_string_start;
    cbor_string_callback byte_string;
    cbor_string_callback string;
    cbor_simple_callback string_start;
    cbor_simple_callback indef_array_start;
    cbor_collection_callback array_start;
    cbor_simple_callback indef_map_start;
    cbor_collection_callback map_start;
    cbor_int64_callback tag;
    cbor_float_callback float2;
    cbor_float_callback float4;
    cbor_double_callback float8;
    cbor_simple_callback undefined;
    cbor_simple_callback null;
    cbor_bool_callback boolean;
    cbor_simple_callback indef_break;
};

/* Decodes the head at source (and, for a definite byte or text string, its bytes) and calls the
 * one matching callback. */
struct cbor_decoder_result cbor_stream_decode(cbor_data source, size_t source_size,
                                              const struct cbor_callbacks *callbacks,
                                              void *context);

/* Head encoders: bytes written, or 0 when buffer_size is too small. */
size_t cbor_encode_uint(uint64_t value, unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_bytestring_start(size_t length, unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_string_start(size_t length, unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_array_start(size_t length, unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_map_start(size_t length, unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_indef_map_start(unsigned char *buffer, size_t buffer_size);
size_t cbor_encode_break(unsigned char *buffer, size_t buffer_size);

/* ---- item API, for the test programs only (cbor_items.c; allocates) ----
 * What tests/vectors/test_bundle_vectors.c reads responses with: cbor_load into a tree of
 * definite integers, strings, arrays and maps (indefinite-length arrays and maps included), and
 * the accessors of those. Tags, indefinite strings and floats are refused by cbor_load. */
typedef struct cbor_item_t cbor_item_t;
struct cbor_pair {
    cbor_item_t *key;
    cbor_item_t *value;
};
struct cbor_load_result {
    size_t read;
};
cbor_item_t *cbor_load(cbor_data source, size_t source_size, struct cbor_load_result *result);
void cbor_decref(cbor_item_t **item);
bool cbor_isa_uint(const cbor_item_t *item);
bool cbor_isa_bytestring(const cbor_item_t *item);
bool cbor_isa_string(const cbor_item_t *item);
bool cbor_isa_array(const cbor_item_t *item);
bool cbor_isa_map(const cbor_item_t *item);
uint64_t cbor_get_int(const cbor_item_t *item);
size_t cbor_bytestring_length(const cbor_item_t *item);
unsigned char *cbor_bytestring_handle(const cbor_item_t *item);
size_t cbor_string_length(const cbor_item_t *item);
unsigned char *cbor_string_handle(const cbor_item_t *item);
bool cbor_string_is_definite(const cbor_item_t *item);
size_t cbor_array_size(const cbor_item_t *item);
cbor_item_t **cbor_array_handle(const cbor_item_t *item);
size_t cbor_map_size(const cbor_item_t *item);
struct cbor_pair *cbor_map_handle(const cbor_item_t *item);

#ifdef __cplusplus
}
#endif
#endif /* FCC_TARGET_CBOR_SUBSET_H */
