/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the framing codec: exact bytes of each frame kind, every split of the input
 * between two feeds, token resynchronisation after partial matches, and every refusal (length 0,
 * length over the maximum, wrong digest) followed by a frame that must still be delivered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/ftcd.h"

/* SHA-256("abc") */
static const uint8_t abc_digest[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
};

static uint8_t payload_buf[4096];
static ftcd_decoder_t dec;

/* Feeds everything, collecting events; returns the number of frames, the last payload copied
 * into `last` (if non-NULL) and the error statuses into errs. */
typedef struct run {
    int frames;
    int errors;
    uint32_t err_status[8];
    uint8_t last[4096];
    size_t last_len;
    uint32_t last_status;
} run_t;

static void feed_all(ftcd_decoder_t *d, const uint8_t *data, size_t len, run_t *r)
{
    while (len > 0) {
        size_t used = 0;
        ftcd_event_t ev = ftcd_decoder_feed(d, data, len, &used);
        assert_true(used <= len);
        if (ev == FTCD_EVENT_FRAME) {
            size_t n = 0;
            const uint8_t *p = ftcd_decoder_payload(d, &n);
            assert_true(n <= sizeof(r->last));
            if (n > 0)
                memcpy(r->last, p, n);
            r->last_len = n;
            r->last_status = ftcd_decoder_status(d);
            r->frames++;
        } else if (ev == FTCD_EVENT_ERROR) {
            if (r->errors < 8)
                r->err_status[r->errors] = ftcd_decoder_status(d);
            r->errors++;
        } else {
            assert_int_equal(used, len); /* NONE means everything was consumed */
        }
        data += used;
        len -= used;
    }
}

static void test_request_bytes(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(ftcd_encode_request((const uint8_t *)"abc", 3, out, sizeof(out), &n),
                     FTCD_STATUS_SUCCESS);
    assert_int_equal(n, 8 + 4 + 3 + 32);
    assert_memory_equal(out, "mbedprov", 8);
    static const uint8_t len_le[4] = {3, 0, 0, 0};
    assert_memory_equal(out + 8, len_le, 4);
    assert_memory_equal(out + 12, "abc", 3);
    assert_memory_equal(out + 15, abc_digest, 32);
}

static void test_response_bytes(void **state)
{
    (void)state;
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(ftcd_encode_response((const uint8_t *)"abc", 3, out, sizeof(out), &n),
                     FTCD_STATUS_SUCCESS);
    assert_int_equal(n, 8 + 4 + 4 + 3 + 32);
    static const uint8_t head[16] = {'m', 'b', 'e', 'd', 'p', 'r', 'o', 'v', 0, 0, 0, 0, 3, 0, 0, 0};
    assert_memory_equal(out, head, 16);
    assert_memory_equal(out + 16, "abc", 3);
    assert_memory_equal(out + 19, abc_digest, 32);

    uint8_t fail[FTCD_FAILURE_SIZE];
    assert_int_equal(ftcd_encode_failure(0x01020308u, fail), FTCD_STATUS_SUCCESS);
    static const uint8_t want[12] = {'m', 'b', 'e', 'd', 'p', 'r', 'o', 'v', 8, 3, 2, 1};
    assert_memory_equal(fail, want, 12);
    assert_int_equal(ftcd_encode_failure(0, fail), FTCD_STATUS_INVALID_PARAMETER);
}

static void test_encode_errors(void **state)
{
    (void)state;
    uint8_t out[40];
    size_t n = 0;
    uint8_t p[10] = {0};
    assert_int_equal(ftcd_encode_request(p, 10, out, sizeof(out), &n), FTCD_STATUS_OUT_OF_MEMORY);
    assert_int_equal(n, FTCD_REQUEST_SIZE(10));
    assert_int_equal(ftcd_encode_response(p, 10, out, sizeof(out), &n), FTCD_STATUS_OUT_OF_MEMORY);
    assert_int_equal(n, FTCD_RESPONSE_SIZE(10));
    assert_int_equal(ftcd_encode_request(p, 0, out, sizeof(out), &n),
                     FTCD_STATUS_INVALID_PARAMETER);
    assert_int_equal(ftcd_encode_request(NULL, 3, out, sizeof(out), &n),
                     FTCD_STATUS_INVALID_PARAMETER);
    assert_int_equal(ftcd_encode_request(p, 3, NULL, sizeof(out), &n),
                     FTCD_STATUS_INVALID_PARAMETER);
#if FCC_STATUS_NAMES /* the host build; a device build leaves the names out (fcc/config.h) */
    assert_string_equal(ftcd_status_name(8), "FTCD_STATUS_DIGEST_MISMATCH");
    assert_string_equal(ftcd_status_name(16), "FTCD_STATUS_UNKNOWN");
    assert_string_equal(ftcd_status_text(4), "failed to read message size");
#else
    assert_string_equal(ftcd_status_name(8), "");
    assert_string_equal(ftcd_status_text(4), "");
#endif
}

static size_t make_request(const char *text, uint8_t *out, size_t size)
{
    size_t n = 0;
    assert_int_equal(ftcd_encode_request((const uint8_t *)text, strlen(text), out, size, &n),
                     FTCD_STATUS_SUCCESS);
    return n;
}

/* The frame split into two feeds at every position, then fed one byte at a time. */
static void test_every_split(void **state)
{
    (void)state;
    uint8_t frame[128];
    size_t n = make_request("hello, device", frame, sizeof(frame));
    for (size_t cut = 0; cut <= n; cut++) {
        run_t r;
        memset(&r, 0, sizeof(r));
        ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
        feed_all(&dec, frame, cut, &r);
        assert_int_equal(r.frames, cut == n ? 1 : 0);
        assert_int_equal(ftcd_decoder_in_frame(&dec), cut >= 8 && cut < n);
        feed_all(&dec, frame + cut, n - cut, &r);
        assert_int_equal(r.frames, 1);
        assert_int_equal(r.errors, 0);
        assert_int_equal(r.last_len, 13);
        assert_memory_equal(r.last, "hello, device", 13);
        assert_int_equal(dec.skipped, 0);
    }
    run_t r;
    memset(&r, 0, sizeof(r));
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
    for (size_t i = 0; i < n; i++)
        feed_all(&dec, frame + i, 1, &r);
    assert_int_equal(r.frames, 1);
    assert_memory_equal(r.last, "hello, device", 13);
}

/* Response frames, success and failure, split everywhere too. */
static void test_response_decode(void **state)
{
    (void)state;
    uint8_t stream[256];
    size_t n = 0, m = 0;
    assert_int_equal(ftcd_encode_response((const uint8_t *)"resp", 4, stream, sizeof(stream), &n),
                     FTCD_STATUS_SUCCESS);
    assert_int_equal(ftcd_encode_failure(FTCD_STATUS_DIGEST_MISMATCH, stream + n),
                     FTCD_STATUS_SUCCESS);
    m = n + FTCD_FAILURE_SIZE;
    for (size_t cut = 0; cut <= m; cut++) {
        ftcd_decoder_init(&dec, FTCD_KIND_RESPONSE, payload_buf, sizeof(payload_buf), 0);
        int frames = 0;
        const uint8_t *parts[2] = {stream, stream + cut};
        size_t lens[2] = {cut, m - cut};
        for (int part = 0; part < 2; part++) {
            const uint8_t *p = parts[part];
            size_t left = lens[part];
            while (left > 0) {
                size_t used = 0;
                ftcd_event_t ev = ftcd_decoder_feed(&dec, p, left, &used);
                assert_int_not_equal(ev, FTCD_EVENT_ERROR);
                if (ev == FTCD_EVENT_FRAME) {
                    size_t plen = 99;
                    const uint8_t *pl = ftcd_decoder_payload(&dec, &plen);
                    if (frames == 0) {
                        assert_int_equal(ftcd_decoder_status(&dec), 0);
                        assert_int_equal(plen, 4);
                        assert_memory_equal(pl, "resp", 4);
                    } else {
                        assert_int_equal(ftcd_decoder_status(&dec), 8);
                        assert_null(pl);
                        assert_int_equal(plen, 0);
                    }
                    frames++;
                }
                p += used;
                left -= used;
            }
        }
        assert_int_equal(frames, 2);
    }
}

/* Garbage and partial tokens before a real one: the real token must be found every time. */
static void test_resync(void **state)
{
    (void)state;
    static const char *const prefixes[] = {
        "m", "mm", "mmbedpro", "mbedpro", "mbedprom", "mbedmbedpro", "xxmbexmbedpr",
        "mbedprovx", /* a token followed by a length that turns out too big is handled below */
        "\x00\xff" "mbed" "\x00" "mbedp",
    };
    uint8_t frame[128], stream[256];
    size_t n = make_request("payload", frame, sizeof(frame));
    for (size_t k = 0; k < sizeof(prefixes) / sizeof(prefixes[0]); k++) {
        size_t plen = k == 8 ? 11 : strlen(prefixes[k]);
        if (k == 7)
            continue; /* see test_oversize_then_frame */
        memcpy(stream, prefixes[k], plen);
        memcpy(stream + plen, frame, n);
        for (size_t cut = 0; cut <= plen + n; cut++) {
            run_t r;
            memset(&r, 0, sizeof(r));
            ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
            feed_all(&dec, stream, cut, &r);
            feed_all(&dec, stream + cut, plen + n - cut, &r);
            assert_int_equal(r.frames, 1);
            assert_int_equal(r.errors, 0);
            assert_memory_equal(r.last, "payload", 7);
            assert_int_equal(dec.skipped, plen);
        }
    }
}

/* The reference's defect: "mmbedprov" lost its token. Checked byte by byte. */
static void test_mmbedprov(void **state)
{
    (void)state;
    uint8_t frame[128], stream[160];
    size_t n = make_request("x", frame, sizeof(frame));
    stream[0] = 'm';
    memcpy(stream + 1, frame, n);
    run_t r;
    memset(&r, 0, sizeof(r));
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
    for (size_t i = 0; i < n + 1; i++)
        feed_all(&dec, stream + i, 1, &r);
    assert_int_equal(r.frames, 1);
    assert_int_equal(dec.skipped, 1);
}

static size_t raw_head(uint8_t *out, uint32_t len)
{
    memcpy(out, "mbedprov", 8);
    out[8] = (uint8_t)len;
    out[9] = (uint8_t)(len >> 8);
    out[10] = (uint8_t)(len >> 16);
    out[11] = (uint8_t)(len >> 24);
    return 12;
}

static void test_length_zero(void **state)
{
    (void)state;
    uint8_t stream[256];
    size_t off = raw_head(stream, 0);
    off += make_request("next", stream + off, sizeof(stream) - off);
    run_t r;
    memset(&r, 0, sizeof(r));
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
    feed_all(&dec, stream, off, &r);
    assert_int_equal(r.errors, 1);
    assert_int_equal(r.err_status[0], FTCD_STATUS_READ_SIZE);
    assert_int_equal(r.frames, 1);
    assert_memory_equal(r.last, "next", 4);
    assert_int_equal(dec.errors, 1);
    assert_int_equal(dec.frames, 1);
}

/* A declared length over the maximum is refused as soon as the length is read, before any
 * payload byte is stored; the bytes that follow are scanned for the next token. */
static void test_oversize_then_frame(void **state)
{
    (void)state;
    uint8_t stream[512];
    memset(payload_buf, 0xAA, sizeof(payload_buf));
    size_t off = raw_head(stream, 101);
    memset(stream + off, 'z', 101 + 32);
    off += 101 + 32;
    off += make_request("ok", stream + off, sizeof(stream) - off);
    run_t r;
    memset(&r, 0, sizeof(r));
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 100);
    size_t used = 0;
    assert_int_equal(ftcd_decoder_feed(&dec, stream, off, &used), FTCD_EVENT_ERROR);
    assert_int_equal(used, 12);
    assert_int_equal(ftcd_decoder_status(&dec), FTCD_STATUS_READ_SIZE);
    assert_int_equal(payload_buf[0], 0xAA); /* nothing stored */
    feed_all(&dec, stream + used, off - used, &r);
    assert_int_equal(r.frames, 1);
    assert_int_equal(r.errors, 0);
    assert_memory_equal(r.last, "ok", 2);

    /* exactly the maximum passes */
    uint8_t big[100 + 44];
    uint8_t pl[100];
    memset(pl, 7, sizeof(pl));
    size_t n = 0;
    assert_int_equal(ftcd_encode_request(pl, 100, big, sizeof(big), &n), FTCD_STATUS_SUCCESS);
    memset(&r, 0, sizeof(r));
    feed_all(&dec, big, n, &r);
    assert_int_equal(r.frames, 1);
    assert_int_equal(r.last_len, 100);
}

/* The cap is never above the buffer. */
static void test_cap_limited_by_buffer(void **state)
{
    (void)state;
    uint8_t small[16];
    uint8_t stream[128];
    size_t n = make_request("0123456789abcdefX", stream, sizeof(stream)); /* 17 bytes */
    run_t r;
    memset(&r, 0, sizeof(r));
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, small, sizeof(small), 1000);
    feed_all(&dec, stream, n, &r);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.errors, 1);
    assert_int_equal(r.err_status[0], FTCD_STATUS_READ_SIZE);

    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, NULL, 0, 0);
    memset(&r, 0, sizeof(r));
    feed_all(&dec, stream, n, &r);
    assert_int_equal(r.frames, 0);
    assert_int_equal(r.err_status[0], FTCD_STATUS_READ_SIZE);
}

static void test_digest_mismatch(void **state)
{
    (void)state;
    uint8_t stream[256];
    size_t first = make_request("tampered", stream, sizeof(stream));
    stream[first - 1] ^= 0x01;
    size_t off = first + make_request("fine", stream + first, sizeof(stream) - first);
    /* A payload bit flipped instead of the digest. */
    size_t third = make_request("flipped", stream + off, sizeof(stream) - off);
    stream[off + 12] ^= 0x80;
    off += third;
    for (size_t cut = 0; cut <= off; cut += 7) {
        run_t r;
        memset(&r, 0, sizeof(r));
        ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
        feed_all(&dec, stream, cut, &r);
        feed_all(&dec, stream + cut, off - cut, &r);
        assert_int_equal(r.errors, 2);
        assert_int_equal(r.err_status[0], FTCD_STATUS_DIGEST_MISMATCH);
        assert_int_equal(r.err_status[1], FTCD_STATUS_DIGEST_MISMATCH);
        assert_int_equal(r.frames, 1);
        assert_memory_equal(r.last, "fine", 4);
    }
}

static void test_truncated_status(void **state)
{
    (void)state;
    uint8_t frame[128];
    size_t n = make_request("abcdef", frame, sizeof(frame));
    static const struct { size_t cut; uint32_t want; bool in; } cases[] = {
        {0, 0, false}, {5, 0, false}, {8, 4, true}, {11, 4, true}, {12, 5, true},
        {17, 5, true}, {18, 6, true}, {49, 6, true},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        run_t r;
        memset(&r, 0, sizeof(r));
        ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
        feed_all(&dec, frame, cases[k].cut, &r);
        assert_int_equal(ftcd_decoder_truncated_status(&dec), cases[k].want);
        assert_int_equal(ftcd_decoder_in_frame(&dec), cases[k].in);
        ftcd_decoder_reset(&dec);
        assert_false(ftcd_decoder_in_frame(&dec));
        feed_all(&dec, frame, n, &r);
        assert_int_equal(r.frames, 1);
    }
    ftcd_decoder_init(&dec, FTCD_KIND_RESPONSE, payload_buf, sizeof(payload_buf), 0);
    size_t used;
    (void)ftcd_decoder_feed(&dec, (const uint8_t *)"mbedprov\0", 9, &used);
    assert_int_equal(ftcd_decoder_truncated_status(&dec), FTCD_STATUS_READ_SIZE);
}

/* Two frames in one buffer: feed stops after the first and reports what it consumed. */
static void test_back_to_back(void **state)
{
    (void)state;
    uint8_t stream[256];
    size_t a = make_request("first", stream, sizeof(stream));
    size_t b = make_request("second", stream + a, sizeof(stream) - a);
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, payload_buf, sizeof(payload_buf), 0);
    size_t used = 0, plen = 0;
    assert_int_equal(ftcd_decoder_feed(&dec, stream, a + b, &used), FTCD_EVENT_FRAME);
    assert_int_equal(used, a);
    assert_memory_equal(ftcd_decoder_payload(&dec, &plen), "first", 5);
    assert_int_equal(ftcd_decoder_feed(&dec, stream + a, b, &used), FTCD_EVENT_FRAME);
    assert_int_equal(used, b);
    assert_memory_equal(ftcd_decoder_payload(&dec, &plen), "second", 6);
    assert_int_equal(plen, 6);
    /* no frame pending: payload is gone after the next feed */
    assert_int_equal(ftcd_decoder_feed(&dec, (const uint8_t *)"zz", 2, &used), FTCD_EVENT_NONE);
    assert_null(ftcd_decoder_payload(&dec, &plen));
    assert_int_equal(dec.frames, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_response_bytes),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_response_decode),
        cmocka_unit_test(test_resync),
        cmocka_unit_test(test_mmbedprov),
        cmocka_unit_test(test_length_zero),
        cmocka_unit_test(test_oversize_then_frame),
        cmocka_unit_test(test_cap_limited_by_buffer),
        cmocka_unit_test(test_digest_mismatch),
        cmocka_unit_test(test_truncated_status),
        cmocka_unit_test(test_back_to_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
