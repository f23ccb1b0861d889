/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the bundle handler's two codecs on their own: the bounded CBOR reader over
 * untrusted bytes (lib/fcc/bundle_cbor.c) and the response writer (lib/fcc/response.c). The
 * responses are decoded back with libcbor's full decoder (fine on the host) and compared field by
 * field. The handler as a whole is tested by the vectors (tests/vectors/bundle.cmake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cbor.h>

#include "../../lib/fcc/bundle_priv.h"

/* ---- reader ---- */

static void test_reader_scalars(void **state)
{
    (void)state;
    /* [0, 23, 24, 0x1234, -1, -500, h'0102', "ab", 2(h'ff'), true, null, 1.5] */
    static const uint8_t in[] = {0x8c, 0x00, 0x17, 0x18, 0x18, 0x19, 0x12, 0x34, 0x20, 0x39,
                                 0x01, 0xf3, 0x42, 0x01, 0x02, 0x62, 'a',  'b',  0xc2, 0x41,
                                 0xff, 0xf5, 0xf6, 0xf9, 0x3e, 0x00};
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t it;
    fcc_cbor_reader_init(&rd, in, sizeof(in));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_OK);
    assert_int_equal(it.kind, FCC_CBOR_ARRAY);
    assert_int_equal(it.value, 12);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_UINT);
    assert_int_equal(it.value, 0);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.value, 23);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.value, 24);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.value, 0x1234);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_NEGINT);
    assert_int_equal(it.value, 0);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_NEGINT);
    assert_int_equal(it.value, 499);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_BYTES);
    assert_int_equal(it.len, 2);
    assert_ptr_equal(it.ptr, in + 13);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_TEXT);
    assert_true(fcc_cbor_eq(&it, "ab"));
    assert_false(fcc_cbor_eq(&it, "a"));
    assert_false(fcc_cbor_eq(&it, "abc"));
    assert_false(fcc_cbor_eq(&it, ""));
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_TAG);
    assert_int_equal(it.value, 2);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_BYTES);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_SIMPLE);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_SIMPLE);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_SIMPLE);
    assert_int_equal(rd.pos, sizeof(in));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_TRUNCATED);
}

/* A valid nested item skips in one call; every strict prefix fails without reading past it. */
static void test_reader_skip_truncated_everywhere(void **state)
{
    (void)state;
    /* {"a": [1, h'0102', {"b": 2(h'00ff')}], "c": "xyz"} */
    static const uint8_t in[] = {0xa2, 0x61, 'a',  0x83, 0x01, 0x42, 0x01, 0x02,
                                 0xa1, 0x61, 'b',  0xc2, 0x42, 0x00, 0xff, 0x61,
                                 'c',  0x63, 'x',  'y',  'z'};
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t it;
    size_t cut;
    fcc_cbor_reader_init(&rd, in, sizeof(in));
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), 0);
    assert_int_equal(rd.pos, sizeof(in));
    for (cut = 0; cut < sizeof(in); cut++) {
        uint8_t *copy = malloc(cut > 0 ? cut : 1); /* exact size: ASan sees any overread */
        int rc;
        assert_non_null(copy);
        memcpy(copy, in, cut);
        fcc_cbor_reader_init(&rd, copy, cut);
        rc = fcc_cbor_next(&rd, &it);
        if (rc == 0)
            rc = fcc_cbor_skip(&rd, &it, 1);
        assert_int_equal(rc, FCC_CBOR_ERR_TRUNCATED);
        free(copy);
    }
}

static void test_reader_huge_lengths(void **state)
{
    (void)state;
    static const uint8_t b32[] = {0x5a, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t b64[] = {0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t t64[] = {0x7b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t t32[] = {0x7a, 0xff, 0xff, 0xff, 0xff, 'a'};
    static const uint8_t a64[] = {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t m64[] = {0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    static const uint8_t m63[] = {0xbb, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    const uint8_t *strs[] = {b32, b64, t64, t32};
    size_t slens[] = {sizeof(b32), sizeof(b64), sizeof(t64), sizeof(t32)};
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t it;
    size_t i;
    for (i = 0; i < 4; i++) {
        fcc_cbor_reader_init(&rd, strs[i], slens[i]);
        assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_TRUNCATED);
        assert_int_equal(rd.pos, 0);
    }
    /* Collections declaring 2^64-1 elements end at the end of the input, at once. */
    fcc_cbor_reader_init(&rd, a64, sizeof(a64));
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(it.kind, FCC_CBOR_ARRAY);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_TRUNCATED);
    fcc_cbor_reader_init(&rd, m64, sizeof(m64));
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_TRUNCATED);
    fcc_cbor_reader_init(&rd, m63, sizeof(m63));
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_TRUNCATED);
}

static void test_reader_indefinite_and_reserved(void **state)
{
    (void)state;
    static const uint8_t indef_map[] = {0xbf, 0x61, 'a', 0x01, 0xff};
    static const uint8_t indef_arr[] = {0x9f, 0x01, 0xff};
    static const uint8_t indef_bytes[] = {0x5f, 0x41, 0x00, 0xff};
    static const uint8_t indef_text[] = {0x7f, 0x61, 'a', 0xff};
    static const uint8_t brk[] = {0xff};
    static const uint8_t reserved[] = {0x1c};
    static const uint8_t reserved2[] = {0x3f};
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t it;
    fcc_cbor_reader_init(&rd, indef_map, sizeof(indef_map));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_INDEFINITE);
    /* Indefinite ARRAYS are read (group arrays, wire contract section 8 point 2): the head
     * says so, the elements run to the break, and skipping consumes the break. */
    fcc_cbor_reader_init(&rd, indef_arr, sizeof(indef_arr));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_OK);
    assert_int_equal(it.kind, FCC_CBOR_ARRAY);
    assert_true(it.indefinite);
    assert_false(fcc_cbor_at_break(&rd));
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_OK);
    assert_int_equal(rd.pos, sizeof(indef_arr));
    /* Without its break the array is truncated; a map inside it still refused. */
    fcc_cbor_reader_init(&rd, indef_arr, sizeof(indef_arr) - 1);
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_OK);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_TRUNCATED);
    {
        static const uint8_t arr_map[] = {0x9f, 0xbf, 0xff, 0xff};
        static const uint8_t deep[] = {0x9f, 0x9f, 0x9f, 0x9f, 0x9f, 0x9f, 0x9f, 0x9f, 0x9f,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        fcc_cbor_reader_init(&rd, arr_map, sizeof(arr_map));
        assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_OK);
        assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_INDEFINITE);
        fcc_cbor_reader_init(&rd, deep, sizeof(deep));
        assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_OK);
        assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_DEPTH);
    }
    fcc_cbor_reader_init(&rd, indef_bytes, sizeof(indef_bytes));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_INDEFINITE);
    fcc_cbor_reader_init(&rd, indef_text, sizeof(indef_text));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_INDEFINITE);
    fcc_cbor_reader_init(&rd, brk, sizeof(brk));
    assert_int_equal(fcc_cbor_next(&rd, &it), FCC_CBOR_ERR_INDEFINITE);
    fcc_cbor_reader_init(&rd, reserved, sizeof(reserved));
    assert_true(fcc_cbor_next(&rd, &it) < 0);
    fcc_cbor_reader_init(&rd, reserved2, sizeof(reserved2));
    assert_true(fcc_cbor_next(&rd, &it) < 0);
}

static void test_reader_depth(void **state)
{
    (void)state;
    enum { N = 10000 };
    uint8_t *deep = malloc(N + 1);
    uint8_t *tags = malloc(N + 1);
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t it;
    unsigned d;
    assert_non_null(deep);
    assert_non_null(tags);
    memset(deep, 0x81, N); /* [[[[...0...]]]] */
    deep[N] = 0x00;
    memset(tags, 0xc2, N); /* 2(2(2(...0))) */
    tags[N] = 0x00;
    fcc_cbor_reader_init(&rd, deep, N + 1);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_DEPTH);
    fcc_cbor_reader_init(&rd, tags, N + 1);
    assert_int_equal(fcc_cbor_next(&rd, &it), 0);
    assert_int_equal(fcc_cbor_skip(&rd, &it, 1), FCC_CBOR_ERR_DEPTH);
    /* Exactly FCC_CBOR_DEPTH_MAX levels pass, one more fails. */
    for (d = FCC_CBOR_DEPTH_MAX; d <= FCC_CBOR_DEPTH_MAX + 1; d++) {
        deep[d - 1] = 0x00;
        fcc_cbor_reader_init(&rd, deep, d);
        assert_int_equal(fcc_cbor_next(&rd, &it), 0);
        assert_int_equal(fcc_cbor_skip(&rd, &it, 1),
                         d <= FCC_CBOR_DEPTH_MAX ? FCC_CBOR_OK : FCC_CBOR_ERR_DEPTH);
        deep[d - 1] = 0x81;
    }
    free(deep);
    free(tags);
}

/* ---- response ---- */

static cbor_item_t *map_get(cbor_item_t *map, const char *key, size_t *index)
{
    struct cbor_pair *p = cbor_map_handle(map);
    size_t i, n = cbor_map_size(map);
    for (i = 0; i < n; i++) {
        if (cbor_isa_string(p[i].key) && cbor_string_length(p[i].key) == strlen(key) &&
            memcmp(cbor_string_handle(p[i].key), key, strlen(key)) == 0) {
            if (index != NULL)
                *index = i;
            return p[i].value;
        }
    }
    return NULL;
}

static void assert_text(cbor_item_t *v, const char *want)
{
    assert_non_null(v);
    assert_true(cbor_isa_string(v));
    assert_int_equal(cbor_string_length(v), strlen(want));
    assert_memory_equal(cbor_string_handle(v), want, strlen(want));
}

static cbor_item_t *decode(const uint8_t *buf, size_t len)
{
    struct cbor_load_result res;
    cbor_item_t *it = cbor_load(buf, len, &res);
    assert_non_null(it);
    assert_int_equal(res.read, len);
    assert_true(cbor_isa_map(it));
    return it;
}

static void test_response_success(void **state)
{
    (void)state;
    uint8_t buf[1024];
    fcc_resp_t r;
    fcc_output_t out;
    cbor_item_t *m;
    size_t i0, i1, i2, i3;
    memset(&out, 0, sizeof(out));
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_finish(&r, &out, (const uint8_t *)"sess-1", 6), 0);
    assert_int_equal(buf[0], 0xbf);
    assert_int_equal(buf[r.len - 1], 0xff);
    m = decode(buf, r.len);
    assert_int_equal(cbor_map_size(m), 4);
    assert_text(map_get(m, "SchemeVersion", &i0), "0.0.1");
    assert_text(map_get(m, "SID", &i1), "sess-1");
    assert_int_equal(cbor_get_int(map_get(m, "ReturnStatus", &i2)), 0);
    assert_text(map_get(m, "InfoMessage", &i3), FCC_INFO_SUCCESS);
    assert_true(i0 < i1 && i1 < i2 && i2 < i3);
    assert_null(map_get(m, "WarningInfo", NULL));
    assert_null(map_get(m, "Csrs", NULL));
    cbor_decref(&m);
}

static void test_response_error_and_warnings(void **state)
{
    (void)state;
    uint8_t buf[2048];
    fcc_resp_t r;
    fcc_t fcc;
    cbor_item_t *m;
    memset(&fcc, 0, sizeof(fcc));
    fcc_out_warning(&fcc, 0, FCC_WARN_ITEM_NOT_SET, "mbed.Timezone", 13);
    fcc_out_status(&fcc, FCC_STATUS_URI_WRONG_FORMAT, "mbed.BootstrapServerURI", 23);
    fcc_out_status(&fcc, FCC_STATUS_ITEM_NOT_EXIST, "later", 5); /* only the first counts */
    fcc_out_warning(&fcc, 0, FCC_WARN_SELF_SIGNED, "mbed.BootstrapDeviceCert", 24);
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_finish(&r, &fcc.out, NULL, 0), 0);
    m = decode(buf, r.len);
    assert_null(map_get(m, "SID", NULL));
    assert_int_equal(cbor_get_int(map_get(m, "ReturnStatus", NULL)), 28);
    assert_text(map_get(m, "InfoMessage", NULL), "URI format incorrect:mbed.BootstrapServerURI");
    assert_text(map_get(m, "WarningInfo", NULL),
                "Item not set:mbed.Timezone\n"
                "Certificate is self signed:mbed.BootstrapDeviceCert\n");
    cbor_decref(&m);

    /* A failure without a recorded error says "General error:". */
    memset(&fcc, 0, sizeof(fcc));
    fcc.out.status = FCC_STATUS_ERROR;
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_finish(&r, &fcc.out, NULL, 0), 0);
    m = decode(buf, r.len);
    assert_text(map_get(m, "InfoMessage", NULL), "General error:");
    cbor_decref(&m);
}

/* More warnings than fit: the list is cut, the last line counts what was left out, and the
 * response still decodes with its status and error. Also the dropped-findings count. */
static void test_response_truncation(void **state)
{
    (void)state;
    static uint8_t buf[FCC_RESPONSE_MIN];
    fcc_resp_t r;
    fcc_t fcc;
    cbor_item_t *m, *w;
    char name[FCC_NAME_MAX + 1];
    size_t i, lines = 0, kept = 0;
    const char *s, *last;
    memset(&fcc, 0, sizeof(fcc));
    memset(name, 'n', FCC_NAME_MAX);
    name[FCC_NAME_MAX] = '\0';
    for (i = 0; i < FCC_FINDINGS_MAX + 5; i++)
        fcc_out_warning(&fcc, 0, FCC_WARN_VALIDITY_LESS_10Y, name, FCC_NAME_MAX);
    fcc_out_status(&fcc, FCC_STATUS_EXPIRED_CERTIFICATE, name, FCC_NAME_MAX);
    assert_int_equal(fcc.out.dropped, 5);
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_finish(&r, &fcc.out,
                                     (const uint8_t *)"0123456789012345678901234567890123456789"
                                                      "012345678901234567890123",
                                     64),
                     0);
    assert_true(r.len <= sizeof(buf));
    m = decode(buf, r.len);
    assert_int_equal(cbor_get_int(map_get(m, "ReturnStatus", NULL)), 13);
    w = map_get(m, "WarningInfo", NULL);
    assert_non_null(w);
    s = (const char *)cbor_string_handle(w);
    last = s;
    for (i = 0; i < cbor_string_length(w); i++) {
        if (s[i] == '\n') {
            lines++;
            if (i + 1 < cbor_string_length(w))
                last = s + i + 1;
        }
    }
    assert_int_equal(s[cbor_string_length(w) - 1], '\n');
    kept = lines - 1;
    assert_true(kept < FCC_FINDINGS_MAX);
    {
        char want[64];
        snprintf(want, sizeof(want), FCC_RESP_TRUNCATED "%zu left out\n",
                 (size_t)FCC_FINDINGS_MAX + 5 - kept);
        assert_int_equal((size_t)(s + cbor_string_length(w) - last), strlen(want));
        assert_memory_equal(last, want, strlen(want));
    }
    cbor_decref(&m);

    /* With room for all kept findings, only the dropped ones are reported as left out. */
    {
        static uint8_t big[FCC_RESPONSE_MAX];
        assert_int_equal(fcc_resp_begin(&r, big, sizeof(big)), 0);
        assert_int_equal(fcc_resp_finish(&r, &fcc.out, NULL, 0), 0);
        m = decode(big, r.len);
        w = map_get(m, "WarningInfo", NULL);
        assert_non_null(w);
        s = (const char *)cbor_string_handle(w);
        {
            const char *want = FCC_RESP_TRUNCATED "5 left out\n";
            size_t wl = strlen(want);
            assert_true(cbor_string_length(w) > wl);
            assert_memory_equal(s + cbor_string_length(w) - wl, want, wl);
            assert_int_equal(s[cbor_string_length(w) - wl - 1], '\n');
        }
        cbor_decref(&m);
    }

    /* Not even the mandatory part fits: refused, never a broken response. */
    assert_int_equal(fcc_resp_begin(&r, buf, 40), 0);
    assert_int_equal(fcc_resp_finish(&r, &fcc.out, NULL, 0), -1);
}

static void test_response_csrs(void **state)
{
    (void)state;
    uint8_t buf[2048];
    fcc_resp_t r;
    fcc_output_t out;
    cbor_item_t *m, *csrs, *e;
    size_t i0, i1;
    uint8_t der[300];
    size_t i;
    for (i = 0; i < sizeof(der); i++)
        der[i] = (uint8_t)i;
    memset(&out, 0, sizeof(out));
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_csrs_begin(&r, 2), 0);
    /* One DER from outside, one placed in the scratch part of the buffer (overlapping moves). */
    assert_int_equal(fcc_resp_csr_entry(&r, (const uint8_t *)"k1", 2, der, sizeof(der)), 0);
    memcpy(buf + r.len + 3, der, 200);
    assert_int_equal(fcc_resp_csr_entry(&r, (const uint8_t *)"key-2", 5, buf + r.len + 3, 200), 0);
    assert_int_equal(fcc_resp_finish(&r, &out, (const uint8_t *)"s", 1), 0);
    m = decode(buf, r.len);
    csrs = map_get(m, "Csrs", &i0);
    map_get(m, "SchemeVersion", &i1);
    assert_int_equal(i0, 0);
    assert_true(i1 > i0);
    assert_non_null(csrs);
    assert_int_equal(cbor_array_size(csrs), 2);
    e = cbor_array_get(csrs, 1);
    assert_text(map_get(e, "PrKN", NULL), "key-2");
    assert_int_equal(cbor_bytestring_length(map_get(e, "Data", NULL)), 200);
    assert_memory_equal(cbor_bytestring_handle(map_get(e, "Data", NULL)), der, 200);
    cbor_decref(&e);
    e = cbor_array_get(csrs, 0);
    assert_text(map_get(e, "PrKN", NULL), "k1");
    assert_memory_equal(cbor_bytestring_handle(map_get(e, "Data", NULL)), der, sizeof(der));
    cbor_decref(&e);
    cbor_decref(&m);

    /* Rewind drops the CSR section. */
    assert_int_equal(fcc_resp_begin(&r, buf, sizeof(buf)), 0);
    assert_int_equal(fcc_resp_csrs_begin(&r, 1), 0);
    assert_int_equal(fcc_resp_csr_entry(&r, (const uint8_t *)"k1", 2, der, sizeof(der)), 0);
    fcc_resp_rewind(&r);
    out.status = 20;
    assert_int_equal(fcc_resp_finish(&r, &out, NULL, 0), 0);
    m = decode(buf, r.len);
    assert_null(map_get(m, "Csrs", NULL));
    cbor_decref(&m);

    /* No room: refused without writing. */
    assert_int_equal(fcc_resp_begin(&r, buf, 100), 0);
    assert_int_equal(fcc_resp_csrs_begin(&r, 1), 0);
    i = r.len;
    assert_int_equal(fcc_resp_csr_entry(&r, (const uint8_t *)"k1", 2, der, sizeof(der)), -1);
    assert_int_equal(r.len, i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_scalars),
        cmocka_unit_test(test_reader_skip_truncated_everywhere),
        cmocka_unit_test(test_reader_huge_lengths),
        cmocka_unit_test(test_reader_indefinite_and_reserved),
        cmocka_unit_test(test_reader_depth),
        cmocka_unit_test(test_response_success),
        cmocka_unit_test(test_response_error_and_warnings),
        cmocka_unit_test(test_response_truncation),
        cmocka_unit_test(test_response_csrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
