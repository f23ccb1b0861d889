/* SPDX-License-Identifier: Apache-2.0 */
/* A small streaming JSON writer shared by the host tools (fcu, fcc-device) for their --json
 * output. It writes straight to a FILE*, escapes strings, and inserts commas itself. Tools only;
 * promises nothing outside this tree. */
#ifndef TOOLS_JSON_H
#define TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 32

typedef struct json {
    FILE *out;
    int depth;
    bool need_comma[JSON_DEPTH_MAX];
    bool pretty;
    bool after_key; /* the next value belongs to the key just written */
} json_t;

/* Starts a writer on `out` (borrowed). pretty: two-space indentation and newlines. */
void json_init(json_t *j, FILE *out, bool pretty);

void json_object_begin(json_t *j);
void json_object_end(json_t *j);
void json_array_begin(json_t *j);
void json_array_end(json_t *j);

/* Inside an object: the key of the next value. */
void json_key(json_t *j, const char *key);

/* A terminated string; NULL writes null (so json_kv_string also serves optional values). */
void json_string(json_t *j, const char *s);
/* A string of `len` bytes that may hold any byte (control and non-ASCII bytes are escaped as
 * \u00XX, so the output stays valid JSON whatever the input). */
void json_string_n(json_t *j, const char *s, size_t len);
void json_int(json_t *j, int64_t v);
void json_uint(json_t *j, uint64_t v);
void json_bool(json_t *j, bool v);
void json_null(json_t *j);

/* Key and value in one call. */
void json_kv_string(json_t *j, const char *key, const char *s);
void json_kv_int(json_t *j, const char *key, int64_t v);
void json_kv_bool(json_t *j, const char *key, bool v);

/* Ends the document with a newline. */
void json_finish(json_t *j);

#endif /* TOOLS_JSON_H */
