/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming JSON writer of the host tools; see json.h. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void json_init(json_t *j, FILE *out, bool pretty)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
    j->pretty = pretty;
}

static void indent(json_t *j)
{
    if (!j->pretty)
        return;
    fputc('\n', j->out);
    for (int i = 0; i < j->depth; i++)
        fputs("  ", j->out);
}

/* Called before every value or key that starts a new element of the current container. */
static void element(json_t *j)
{
    if (j->depth > 0 && j->depth <= JSON_DEPTH_MAX) {
        if (j->need_comma[j->depth - 1])
            fputc(',', j->out);
        j->need_comma[j->depth - 1] = true;
        indent(j);
    }
}

static void value_start(json_t *j)
{
    if (j->after_key)
        j->after_key = false;
    else
        element(j);
}

static void open(json_t *j, char c)
{
    value_start(j);
    fputc(c, j->out);
    if (j->depth < JSON_DEPTH_MAX)
        j->need_comma[j->depth] = false;
    j->depth++;
}

static void close_(json_t *j, char c)
{
    bool had = j->depth > 0 && j->depth <= JSON_DEPTH_MAX && j->need_comma[j->depth - 1];
    j->depth--;
    if (had)
        indent(j);
    fputc(c, j->out);
}

void json_object_begin(json_t *j) { open(j, '{'); }
void json_object_end(json_t *j) { close_(j, '}'); }
void json_array_begin(json_t *j) { open(j, '['); }
void json_array_end(json_t *j) { close_(j, ']'); }

/* Length of the valid UTF-8 sequence at s[0..len), or 0 when it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not valid). */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
    size_t n;
    uint32_t cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Valid UTF-8 passes through; control characters, DEL and bytes that are not valid UTF-8 are
 * escaped as \u00XX, so the output is valid JSON whatever the input. */
static void write_escaped(json_t *j, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    fputc('"', j->out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = u[i];
        switch (c) {
        case '"': fputs("\\\"", j->out); break;
        case '\\': fputs("\\\\", j->out); break;
        case '\n': fputs("\\n", j->out); break;
        case '\r': fputs("\\r", j->out); break;
        case '\t': fputs("\\t", j->out); break;
        default:
            if (c >= 0x80) {
                size_t n = utf8_seq(u + i, len - i);
                if (n > 0) {
                    fwrite(u + i, 1, n, j->out);
                    i += n - 1;
                    break;
                }
            }
            if (c < 0x20 || c >= 0x7f)
                fprintf(j->out, "\\u%04x", c);
            else
                fputc(c, j->out);
        }
    }
    fputc('"', j->out);
}

void json_key(json_t *j, const char *key)
{
    element(j);
    write_escaped(j, key, strlen(key));
    fputs(j->pretty ? ": " : ":", j->out);
    j->after_key = true;
}

void json_string_n(json_t *j, const char *s, size_t len)
{
    value_start(j);
    write_escaped(j, s, len);
}

void json_string(json_t *j, const char *s)
{
    if (s == NULL) {
        json_null(j);
        return;
    }
    json_string_n(j, s, strlen(s));
}

void json_int(json_t *j, int64_t v)
{
    value_start(j);
    fprintf(j->out, "%" PRId64, v);
}

void json_uint(json_t *j, uint64_t v)
{
    value_start(j);
    fprintf(j->out, "%" PRIu64, v);
}

void json_bool(json_t *j, bool v)
{
    value_start(j);
    fputs(v ? "true" : "false", j->out);
}

void json_null(json_t *j)
{
    value_start(j);
    fputs("null", j->out);
}

void json_kv_string(json_t *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}

void json_kv_int(json_t *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_bool(json_t *j, const char *key, bool v)
{
    json_key(j, key);
    json_bool(j, v);
}

void json_finish(json_t *j)
{
    fputc('\n', j->out);
    fflush(j->out);
}
