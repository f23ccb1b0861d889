/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle response (wire contract section 3), written with libcbor's encoder functions into
 * the caller's buffer, without heap. The map is indefinite-length, as the reference writes it:
 * the CSR entries go in first while the bundle is being processed and the rest is appended at
 * the end. The response is never dropped: when the warnings do not fit under the cap they are
 * cut, and a last line says how many were left out. */
#include "bundle_priv.h"

#include <cbor.h>
#include <string.h>

/* Bytes of a major-type head for a length/value n. */
static size_t head_size(uint64_t n)
{
    if (n < 24)
        return 1;
    if (n <= 0xff)
        return 2;
    if (n <= 0xffff)
        return 3;
    if (n <= 0xffffffffu)
        return 5;
    return 9;
}

static size_t room(const fcc_resp_t *r)
{
    return r->len < r->cap ? r->cap - r->len : 0;
}

/* Appends a text head and `n` bytes of text from up to two pieces. Returns 0 or -1. */
static int put_text2(fcc_resp_t *r, const void *a, size_t an, const void *b, size_t bn)
{
    size_t n = an + bn;
    size_t h;
    if (head_size(n) + n > room(r))
        return -1;
    h = cbor_encode_string_start(n, r->buf + r->len, room(r));
    if (h == 0)
        return -1;
    r->len += h;
    if (an > 0)
        memcpy(r->buf + r->len, a, an);
    r->len += an;
    if (bn > 0)
        memcpy(r->buf + r->len, b, bn);
    r->len += bn;
    return 0;
}

static int put_cstr(fcc_resp_t *r, const char *s)
{
    return put_text2(r, s, strlen(s), NULL, 0);
}

static int put_uint(fcc_resp_t *r, uint64_t v)
{
    size_t h = cbor_encode_uint(v, r->buf + r->len, room(r));
    if (h == 0)
        return -1;
    r->len += h;
    return 0;
}

int fcc_resp_begin(fcc_resp_t *r, uint8_t *buf, size_t cap)
{
    r->buf = buf;
    r->cap = cap;
    r->len = 0;
    if (cap == 0 || cbor_encode_indef_map_start(buf, cap) != 1)
        return -1;
    r->len = 1;
    return 0;
}

int fcc_resp_csrs_begin(fcc_resp_t *r, size_t n)
{
    size_t h;
    if (put_cstr(r, "Csrs") != 0)
        return -1;
    h = cbor_encode_array_start(n, r->buf + r->len, room(r));
    if (h == 0)
        return -1;
    r->len += h;
    return 0;
}

int fcc_resp_csr_entry(fcc_resp_t *r, const uint8_t *name, size_t name_len, const uint8_t *der,
                       size_t der_len)
{
    /* {PrKN: name, Data: der}: map head, two keys of 4 letters, a text and a byte string. */
    size_t pre = 1 + 5 + head_size(name_len) + name_len + 5 + head_size(der_len);
    size_t at;
    if (pre + der_len > room(r))
        return -1;
    /* The DER may sit in the scratch part of this very buffer: move it first, then write the
     * heads in front of it. */
    at = r->len + pre;
    memmove(r->buf + at, der, der_len);
    if (cbor_encode_map_start(2, r->buf + r->len, room(r)) != 1)
        return -1;
    r->len += 1;
    if (put_cstr(r, "PrKN") != 0 || put_text2(r, name, name_len, NULL, 0) != 0 ||
        put_cstr(r, "Data") != 0)
        return -1;
    r->len += cbor_encode_bytestring_start(der_len, r->buf + r->len, room(r));
    if (r->len != at)
        return -1;
    r->len += der_len;
    return 0;
}

void fcc_resp_rewind(fcc_resp_t *r)
{
    if (r->len > 1)
        r->len = 1;
}

/* Decimal digits of n into d (at least 21 bytes); returns the count. */
static size_t fmt_u(size_t n, char *d)
{
    char t[24];
    size_t k = 0, i;
    do {
        t[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    for (i = 0; i < k; i++)
        d[i] = t[k - 1 - i];
    return k;
}

#define TRUNC_TAIL " left out\n"

static size_t line_len(const fcc_finding_t *f)
{
    return strlen(f->prefix) + f->item_len + 1;
}

/* Room the key WarningInfo plus a text of n bytes takes. */
static size_t warn_cost(size_t n)
{
    return 12 + head_size(n) + n;
}

int fcc_resp_finish(fcc_resp_t *r, const fcc_output_t *out, const uint8_t *sid, size_t sid_len)
{
    static const char ver[] = "0.0.1";
    const char *prefix;
    const uint8_t *item = (const uint8_t *)"";
    size_t item_len = 0;
    size_t nw = out->warning_count, total = 0, keep = 0, cut = 0, i, space, n;
    char num[24];
    size_t num_len = 0;

    if (put_cstr(r, "SchemeVersion") != 0 || put_cstr(r, ver) != 0)
        return -1;
    if (sid != NULL && (put_cstr(r, "SID") != 0 || put_text2(r, sid, sid_len, NULL, 0) != 0))
        return -1;
    if (put_cstr(r, "ReturnStatus") != 0 || put_uint(r, (uint64_t)out->status) != 0)
        return -1;
    if (out->status == 0) {
        prefix = FCC_INFO_SUCCESS;
    } else if (out->has_error) {
        prefix = out->error.prefix;
        if (out->error_name != NULL) { /* the name whole, as received */
            item = out->error_name;
            item_len = out->error_name_len;
        } else {
            item = (const uint8_t *)out->error.item;
            item_len = out->error.item_len;
        }
    } else {
        prefix = fcc_status_prefix(FCC_STATUS_ERROR);
    }
    if (put_cstr(r, "InfoMessage") != 0)
        return -1;
    /* A name longer than the buffer can hold is cut (the break byte stays). */
    n = strlen(prefix) + item_len;
    if (room(r) < head_size(n) + n + 1) {
        size_t fit = room(r) > head_size(n) + strlen(prefix) + 1
                         ? room(r) - head_size(n) - strlen(prefix) - 1
                         : 0;
        item_len = fit < item_len ? fit : item_len;
    }
    if (put_text2(r, prefix, strlen(prefix), item, item_len) != 0)
        return -1;
    /* One byte stays for the break. */
    space = room(r);
    if (space < 1)
        return -1;
    space -= 1;
    if (nw > FCC_FINDINGS_MAX)
        nw = FCC_FINDINGS_MAX;
    for (i = 0; i < nw; i++)
        total += line_len(&out->warnings[i]);
    if (nw > 0 || out->dropped > 0) {
        if (out->dropped == 0 && warn_cost(total) <= space) {
            keep = nw;
        } else {
            /* Keep the longest prefix of the list that fits together with the final line. */
            size_t kept_len = total;
            keep = nw;
            for (;;) {
                cut = nw - keep + out->dropped;
                num_len = fmt_u(cut, num);
                n = kept_len + strlen(FCC_RESP_TRUNCATED) + num_len + strlen(TRUNC_TAIL);
                if (warn_cost(n) <= space)
                    break;
                if (keep == 0) {
                    num_len = 0; /* not even the final line fits: no WarningInfo at all */
                    cut = 0;
                    break;
                }
                keep--;
                kept_len -= line_len(&out->warnings[keep]);
            }
            total = kept_len;
        }
        if (keep > 0 || num_len > 0) {
            size_t h;
            n = total + (num_len > 0 ? strlen(FCC_RESP_TRUNCATED) + num_len + strlen(TRUNC_TAIL)
                                     : 0);
            if (put_cstr(r, "WarningInfo") != 0)
                return -1;
            h = cbor_encode_string_start(n, r->buf + r->len, room(r));
            if (h == 0 || h + n > room(r))
                return -1;
            r->len += h;
            for (i = 0; i < keep; i++) {
                const fcc_finding_t *f = &out->warnings[i];
                size_t pl = strlen(f->prefix), il = f->item_len;
                memcpy(r->buf + r->len, f->prefix, pl);
                memcpy(r->buf + r->len + pl, f->item, il);
                r->buf[r->len + pl + il] = '\n';
                r->len += pl + il + 1;
            }
            if (num_len > 0) {
                memcpy(r->buf + r->len, FCC_RESP_TRUNCATED, strlen(FCC_RESP_TRUNCATED));
                r->len += strlen(FCC_RESP_TRUNCATED);
                memcpy(r->buf + r->len, num, num_len);
                r->len += num_len;
                memcpy(r->buf + r->len, TRUNC_TAIL, strlen(TRUNC_TAIL));
                r->len += strlen(TRUNC_TAIL);
            }
        }
    }
    if (cbor_encode_break(r->buf + r->len, room(r)) != 1)
        return -1;
    r->len += 1;
    return 0;
}
