/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the bundle handler over a real KCM on a RAM flash, for what the data-driven
 * vectors cannot express: hostile inputs built on the fly (a valid bundle truncated at every
 * byte, 10 000-deep nesting, declared lengths of 2^32-1 and 2^64-1, 100 000 tiny items),
 * atomicity seen on the flash and across a remount, the response when the caller's buffer is
 * small, an uninitialised handle, the direct setters, and (without ASan) that no allocation made
 * while handling a malformed bundle is larger than the bundle itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cbor.h>

#include "fcc/fcc.h"
#include "support/test_device.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"

#define DEV_TIME 1893456000LL
#define PROG 16
#define BLOCK 4096
#define BLOCKS 64
#define VEC FCC_SOURCE_DIR "/tests/vectors/bundle/"

/* ---- allocation probe (not with ASan, which owns malloc) ---- */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOC_PROBE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOC_PROBE 0
#endif
#endif
#ifndef ALLOC_PROBE
#define ALLOC_PROBE 1
#endif

static size_t max_alloc;
static int probing;

#if ALLOC_PROBE
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
    if (probing && n > max_alloc)
        max_alloc = n;
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (probing && n * m > max_alloc)
        max_alloc = n * m;
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (probing && n > max_alloc)
        max_alloc = n;
    return __libc_realloc(p, n);
}

void free(void *p)
{
    __libc_free(p);
}
#endif

/* ---- device ---- */

typedef test_device_t device_t;

static device_t *dev_open(void)
{
    device_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    assert_int_equal(test_device_init(d, PROG, BLOCK, BLOCKS, DEV_TIME), 0);
    return d;
}

/* A reboot: KCM and FCC again over the same flash. */
static void dev_remount(device_t *d)
{
    assert_int_equal(test_device_reboot(d), 0);
}

static void dev_close(device_t *d)
{
    test_device_fini(d);
    free(d);
}

static uint8_t *load(const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    uint8_t *buf;
    long n;
    snprintf(path, sizeof(path), VEC "%s", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Handles a bundle with a response buffer of resp_size; checks the response decodes as a map
 * whose ReturnStatus is the returned status. Returns the status. */
static int handle(device_t *d, const uint8_t *b, size_t len, size_t resp_size)
{
    struct cbor_load_result res;
    cbor_item_t *m;
    int st;
    struct cbor_pair *p;
    size_t i;
    bool found = false;

    max_alloc = 0;
    probing = 1;
    st = (int)fcc_bundle_handler(&d->fcc, b, len, d->resp, resp_size, &d->resp_len, &d->keep);
    probing = 0;
    assert_true(d->resp_len > 0 && d->resp_len <= resp_size && d->resp_len <= FCC_RESPONSE_MAX);
    m = cbor_load(d->resp, d->resp_len, &res);
    assert_non_null(m);
    assert_int_equal(res.read, d->resp_len);
    assert_true(cbor_isa_map(m));
    p = cbor_map_handle(m);
    for (i = 0; i < cbor_map_size(m); i++) {
        if (cbor_string_length(p[i].key) == 12 &&
            memcmp(cbor_string_handle(p[i].key), "ReturnStatus", 12) == 0) {
            assert_int_equal(cbor_get_int(p[i].value), st);
            found = true;
        }
    }
    assert_true(found);
    cbor_decref(&m);
    return st;
}

static size_t count_items(device_t *d)
{
    kcm_iter_t it;
    kcm_item_info_t info;
    size_t n = 0;
    memset(&it, 0, sizeof(it));
    while (kcm_iter_next(&d->kcm, &it, &info) == KCM_OK)
        n++;
    return n;
}

/* Everything KCM shows: every user item (type, name, factory flag, bytes; chains element by
 * element) and every internal item, serialised into out. Returns its length. */
static size_t visible_state(device_t *d, uint8_t *out, size_t cap)
{
    kcm_iter_t it;
    kcm_item_info_t info;
    size_t n = 0, len;
    int w;
    memset(&it, 0, sizeof(it));
    while (kcm_iter_next(&d->kcm, &it, &info) == KCM_OK) {
        assert_true(n + 8 + info.name_len + 4096 * FCC_CHAIN_MAX < cap);
        out[n++] = (uint8_t)info.type;
        out[n++] = (uint8_t)info.factory;
        out[n++] = (uint8_t)info.chain_len;
        memcpy(out + n, info.name, info.name_len);
        n += info.name_len;
        if (info.chain_len > 1) {
            kcm_chain_t ch;
            size_t cl = 0, i;
            assert_int_equal(kcm_chain_open(&d->kcm, &ch, info.name, info.name_len, &cl),
                             KCM_OK);
            for (i = 0; i < cl; i++) {
                assert_int_equal(kcm_chain_get_next_data(&ch, out + n, cap - n, &len), KCM_OK);
                n += len;
            }
            (void)kcm_chain_close(&ch);
        } else {
            assert_int_equal(kcm_item_get_data(&d->kcm, info.name, info.name_len, info.type,
                                               out + n, cap - n, &len),
                             KCM_OK);
            n += len;
        }
    }
    for (w = KCM_INTERNAL_ENTROPY; w <= KCM_INTERNAL_BOOTSTRAP_CA_ID; w++) {
        kcm_status_t st = kcm_internal_get(&d->kcm, (kcm_internal_t)w, out + n + 1, 128, &len);
        out[n++] = (uint8_t)(st == KCM_OK ? 0x80 + w : w);
        if (st == KCM_OK)
            n += len;
    }
    return n;
}

/* ---- tests ---- */

static void test_truncated_everywhere(void **state)
{
    (void)state;
    device_t *d = dev_open();
    size_t len, cut, img = (size_t)BLOCK * BLOCKS;
    uint8_t *full = load("ok_full_bootstrap.1.cbor", &len);
    uint8_t *before = malloc(img), *after = malloc(img);
    assert_non_null(before);
    assert_non_null(after);
    fcc_flash_sim_snapshot(&d->sim, before, img);
    for (cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut > 0 ? cut : 1); /* exact size: ASan sees any overread */
        assert_non_null(copy);
        memcpy(copy, full, cut);
        assert_int_equal(handle(d, copy, cut, FCC_RESPONSE_MAX), FCC_STATUS_BUNDLE_ERROR);
        if (ALLOC_PROBE)
            assert_true(max_alloc <= cut);
        free(copy);
    }
    assert_int_equal(count_items(d), 0);
    /* A malformed bundle never opens a transaction: not one byte of flash changed. */
    fcc_flash_sim_snapshot(&d->sim, after, img);
    assert_memory_equal(before, after, img);
    /* The whole bundle still works afterwards. */
    assert_int_equal(handle(d, full, len, FCC_RESPONSE_MAX), FCC_STATUS_SUCCESS);
    assert_int_equal(count_items(d), 17);
    free(before);
    free(after);
    free(full);
    dev_close(d);
}

/* map(2) {"SchemeVersion": "0.0.1", KEY: <rest>} */
static size_t wrap(uint8_t *out, const char *key, const uint8_t *rest, size_t rest_len)
{
    size_t n = 0, k = strlen(key);
    out[n++] = 0xa2;
    out[n++] = 0x6d;
    memcpy(out + n, "SchemeVersion", 13);
    n += 13;
    out[n++] = 0x65;
    memcpy(out + n, "0.0.1", 5);
    n += 5;
    out[n++] = (uint8_t)(0x60 + k);
    memcpy(out + n, key, k);
    n += k;
    memcpy(out + n, rest, rest_len);
    return n + rest_len;
}

static void expect_refused(device_t *d, const uint8_t *b, size_t len, int status)
{
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, b, len);
    assert_int_equal(handle(d, copy, len, FCC_RESPONSE_MAX), status);
    if (ALLOC_PROBE)
        assert_true(max_alloc <= len);
    assert_int_equal(count_items(d), 0);
    free(copy);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    enum { N = 10000 };
    device_t *d = dev_open();
    uint8_t *rest = malloc(N + 1), *b = malloc(N + 64);
    size_t len;
    assert_non_null(rest);
    assert_non_null(b);
    memset(rest, 0x81, N);
    rest[N] = 0x00;
    len = wrap(b, "Keys", rest, N + 1);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    memset(rest, 0xa1, N); /* maps: {{{... */
    len = wrap(b, "ConfigParams", rest, N + 1);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    memset(rest, 0xc2, N); /* tags */
    len = wrap(b, "Verify", rest, N + 1);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    free(rest);
    free(b);
    dev_close(d);
}

static void test_huge_declared_lengths(void **state)
{
    (void)state;
    device_t *d = dev_open();
    /* Keys: [{"Name": "k", "Type": "ECCPrivate", "Data": <declared 2^32-1 / 2^64-1>}] */
    static const uint8_t item_head[] = {0x81, 0xa3, 0x64, 'N', 'a', 'm', 'e', 0x61, 'k',
                                        0x64, 'T',  'y',  'p', 'e', 0x6a, 'E', 'C', 'C',
                                        'P',  'r',  'i',  'v', 'a', 't', 'e', 0x64, 'D',
                                        'a',  't',  'a'};
    uint8_t rest[128], b[256];
    size_t n, len;
    memcpy(rest, item_head, sizeof(item_head));
    n = sizeof(item_head);
    memcpy(rest + n, "\x5a\xff\xff\xff\xff" "abcdefgh", 13);
    len = wrap(b, "Keys", rest, n + 13);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    memcpy(rest + n, "\x5b\xff\xff\xff\xff\xff\xff\xff\xff" "abcdefgh", 17);
    len = wrap(b, "Keys", rest, n + 17);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    /* the same lengths on a text key and on arrays and maps */
    memcpy(rest, "\x7b\xff\xff\xff\xff\xff\xff\xff\xff" "Keys", 13);
    len = wrap(b, "SID", (const uint8_t *)"\x61s", 2);
    memcpy(b + len - 0, rest, 13); /* a third key with a huge declared length */
    b[0] = 0xa3;
    expect_refused(d, b, len + 13, FCC_STATUS_BUNDLE_ERROR);
    len = wrap(b, "ConfigParams", (const uint8_t *)"\x9b\xff\xff\xff\xff\xff\xff\xff\xff\xa0", 10);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    len = wrap(b, "ConfigParams", (const uint8_t *)"\x81\xbb\xff\xff\xff\xff\xff\xff\xff\xff", 10);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    dev_close(d);
}

static void test_many_tiny_items(void **state)
{
    (void)state;
    enum { N = 100000 };
    device_t *d = dev_open();
    uint8_t *rest = malloc(N * 16 + 16), *b = malloc(N * 16 + 64);
    size_t n, len, i;
    assert_non_null(rest);
    assert_non_null(b);
    /* Keys: 100 000 empty maps */
    n = 0;
    rest[n++] = 0x9a;
    rest[n++] = (uint8_t)(N >> 24);
    rest[n++] = (uint8_t)(N >> 16);
    rest[n++] = (uint8_t)(N >> 8);
    rest[n++] = (uint8_t)N;
    memset(rest + n, 0xa0, N);
    len = wrap(b, "Keys", rest, n + N);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    /* ConfigParams: 100 000 x {"Name": "a", "Data": 1} */
    n = 5;
    for (i = 0; i < N; i++) {
        memcpy(rest + n, "\xa2\x64Name\x61" "a\x64" "Data\x01", 15);
        n += 15;
    }
    len = wrap(b, "ConfigParams", rest, n);
    expect_refused(d, b, len, FCC_STATUS_BUNDLE_ERROR);
    /* CertificateChains: one chain whose DataArray holds 100 000 empty byte strings */
    {
        static const uint8_t head[] = {0x81, 0xa2, 0x64, 'N', 'a', 'm', 'e', 0x61, 'c',
                                       0x69, 'D',  'a',  't', 'a', 'A', 'r', 'r', 'a', 'y'};
        memcpy(rest, head, sizeof(head));
        n = sizeof(head);
        rest[n++] = 0x9a;
        rest[n++] = (uint8_t)(N >> 24);
        rest[n++] = (uint8_t)(N >> 16);
        rest[n++] = (uint8_t)(N >> 8);
        rest[n++] = (uint8_t)N;
        memset(rest + n, 0x40, N);
        len = wrap(b, "CertificateChains", rest, n + N);
        expect_refused(d, b, len, FCC_STATUS_KCM_STORAGE_ERROR); /* chain length 1..5 */
    }
    /* A top-level map declaring 100 000 pairs */
    b[0] = 0xba;
    b[1] = 0;
    b[2] = 0x01;
    b[3] = 0x86;
    b[4] = 0xa0;
    memset(b + 5, 0x60, 2 * N);
    expect_refused(d, b, 5 + 2 * N, FCC_STATUS_BUNDLE_ERROR);
    free(rest);
    free(b);
    dev_close(d);
}

/* Applies `bad` (must fail with `status`) and checks that the KCM-visible state is byte for byte
 * what it was, before and after a remount. Returns whether the raw flash image is unchanged too
 * (the engine appends an aborted transaction's records, which are dead without their commit
 * record, so the image may legitimately differ; the test asserts the visible state). */
static bool assert_no_trace(device_t *d, const char *bad, int status)
{
    enum { CAP = 64 * 1024 };
    size_t img = (size_t)BLOCK * BLOCKS, l1, l2, blen;
    uint8_t *v1 = malloc(CAP), *v2 = malloc(CAP), *f1 = malloc(img), *f2 = malloc(img);
    uint8_t *b = load(bad, &blen);
    bool same;
    assert_non_null(v1);
    assert_non_null(v2);
    assert_non_null(f1);
    assert_non_null(f2);
    l1 = visible_state(d, v1, CAP);
    fcc_flash_sim_snapshot(&d->sim, f1, img);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), status);
    fcc_flash_sim_snapshot(&d->sim, f2, img);
    same = memcmp(f1, f2, img) == 0;
    l2 = visible_state(d, v2, CAP);
    assert_int_equal(l1, l2);
    assert_memory_equal(v1, v2, l1);
    dev_remount(d);
    l2 = visible_state(d, v2, CAP);
    assert_int_equal(l1, l2);
    assert_memory_equal(v1, v2, l1);
    free(v1);
    free(v2);
    free(f1);
    free(f2);
    free(b);
    return same;
}

/* A bundle whose last item is bad leaves nothing behind, and the corrected bundle then
 * succeeds (and survives a reboot). Also on a device that already holds items. */
static void test_atomic_last_item_bad(void **state)
{
    (void)state;
    device_t *d = dev_open();
    size_t blen;
    uint8_t *b;
    bool same;

    same = assert_no_trace(d, "atomic_last_item_bad.1.cbor", FCC_STATUS_KCM_STORAGE_ERROR);
    printf("  flash image after the aborted bundle: %s\n",
           same ? "byte-for-byte unchanged" : "changed (dead records of the aborted transaction)");
    /* The same bundle fails the same way again: nothing of the first try is in the way. */
    (void)assert_no_trace(d, "atomic_last_item_bad.1.cbor", FCC_STATUS_KCM_STORAGE_ERROR);
    b = load("atomic_last_item_bad.2.cbor", &blen);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), FCC_STATUS_SUCCESS);
    assert_int_equal(count_items(d), 5);
    dev_remount(d);
    assert_int_equal(count_items(d), 5);
    free(b);
    dev_close(d);

    d = dev_open();
    b = load("err_dup_across_bundles.1.cbor", &blen);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), FCC_STATUS_SUCCESS);
    free(b);
    (void)assert_no_trace(d, "err_dup_across_bundles.2.cbor", FCC_STATUS_KCM_FILE_EXIST_ERROR);
    (void)assert_no_trace(d, "verify_error_rolls_back.1.cbor", FCC_STATUS_ITEM_NOT_EXIST);
    (void)assert_no_trace(d, "err_csr_subject.1.cbor", FCC_STATUS_BUNDLE_ERROR);
    assert_int_equal(count_items(d), 1);
    dev_close(d);
}

static void test_not_initialized_and_args(void **state)
{
    (void)state;
    device_t *d = dev_open();
    fcc_t zero;
    size_t len = 99, blen;
    bool keep = true;
    uint8_t *b = load("ok_minimal.1.cbor", &blen);
    memset(&zero, 0, sizeof(zero));
    assert_int_equal(fcc_bundle_handler(&zero, b, blen, d->resp, sizeof(d->resp), &len, &keep),
                     FCC_STATUS_NOT_INITIALIZED);
    assert_true(len > 0);
    assert_false(keep);
    assert_int_equal(fcc_get_output_info(&zero)->status, FCC_STATUS_NOT_INITIALIZED);
    assert_int_equal(fcc_bundle_handler(NULL, b, blen, d->resp, sizeof(d->resp), &len, NULL),
                     FCC_STATUS_INVALID_PARAMETER);
    assert_int_equal(len, 0);
    assert_int_equal(fcc_bundle_handler(&d->fcc, b, blen, NULL, 100, &len, NULL),
                     FCC_STATUS_INVALID_PARAMETER);
    /* Too small for any response: nothing done, nothing written. */
    memset(d->resp, 0xee, sizeof(d->resp));
    assert_int_equal(fcc_bundle_handler(&d->fcc, b, blen, d->resp, FCC_RESPONSE_MIN - 1, &len,
                                        NULL),
                     FCC_STATUS_BUNDLE_RESPONSE_ERROR);
    assert_int_equal(len, 0);
    assert_int_equal(d->resp[0], 0xee);
    /* NULL bundle is an empty one. */
    assert_int_equal(handle(d, NULL, 0, FCC_RESPONSE_MIN), FCC_STATUS_BUNDLE_ERROR);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MIN), FCC_STATUS_SUCCESS);
    free(b);
    dev_close(d);
}

/* CSRs that do not fit in the caller's buffer: status 21, and the generated keys are gone. */
static void test_csr_response_too_small(void **state)
{
    (void)state;
    device_t *d = dev_open();
    size_t blen;
    uint8_t *b = load("ok_csr_five.1.cbor", &blen);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MIN + 600), FCC_STATUS_BUNDLE_RESPONSE_ERROR);
    assert_int_equal(count_items(d), 0);
    assert_true(fcc_get_output_info(&d->fcc)->has_error);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), FCC_STATUS_SUCCESS);
    assert_int_equal(count_items(d), 5);
    free(b);
    dev_close(d);
}

/* A response buffer of the minimum size still carries the status and the error; warnings that
 * do not fit are cut with a count line. Compared with the same run at full size. */
static void test_small_buffer_keeps_response(void **state)
{
    (void)state;
    size_t blen, i;
    uint8_t *b = load("verify_default_on.1.cbor", &blen);
    uint8_t full[FCC_RESPONSE_MAX];
    size_t full_len;
    struct cbor_load_result res;
    cbor_item_t *m1, *m2;
    device_t *d = dev_open();
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), FCC_STATUS_ITEM_NOT_EXIST);
    memcpy(full, d->resp, d->resp_len);
    full_len = d->resp_len;
    dev_close(d);
    d = dev_open();
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MIN), FCC_STATUS_ITEM_NOT_EXIST);
    m1 = cbor_load(full, full_len, &res);
    m2 = cbor_load(d->resp, d->resp_len, &res);
    assert_non_null(m1);
    assert_non_null(m2);
    /* Every key but WarningInfo is identical; the responses are equal when the full one fits. */
    for (i = 0; i < cbor_map_size(m2); i++) {
        struct cbor_pair *p1 = cbor_map_handle(m1), *p2 = cbor_map_handle(m2);
        unsigned char a[1024], c[1024];
        size_t la = cbor_serialize(p1[i].key, a, sizeof(a));
        size_t lc = cbor_serialize(p2[i].key, c, sizeof(c));
        assert_int_equal(la, lc);
        assert_memory_equal(a, c, la);
        if (la == 12 && memcmp(a + 1, "WarningInfo", 11) == 0)
            continue;
        la = cbor_serialize(p1[i].value, a, sizeof(a));
        lc = cbor_serialize(p2[i].value, c, sizeof(c));
        assert_int_equal(la, lc);
        assert_memory_equal(a, c, la);
    }
    if (full_len <= FCC_RESPONSE_MIN) {
        assert_int_equal(full_len, d->resp_len);
        assert_memory_equal(full, d->resp, full_len);
    }
    cbor_decref(&m1);
    cbor_decref(&m2);
    free(b);
    dev_close(d);
}

static void test_setters(void **state)
{
    (void)state;
    device_t *d = dev_open();
    uint8_t e[48], r[16], buf[64];
    size_t len = 0;
    bool dis = true;
    memset(e, 1, sizeof(e));
    memset(r, 2, sizeof(r));
    assert_int_equal(fcc_entropy_set(&d->fcc, e, 47), FCC_STATUS_INVALID_PARAMETER);
    assert_int_equal(fcc_entropy_set(&d->fcc, e, 48), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_entropy_set(&d->fcc, e, 48), FCC_STATUS_ENTROPY_ERROR);
    assert_int_equal(kcm_internal_get(&d->kcm, KCM_INTERNAL_ENTROPY, buf, sizeof(buf), &len),
                     KCM_OK);
    assert_int_equal(len, 48);
    assert_int_equal(fcc_rot_set(&d->fcc, r, 17), FCC_STATUS_INVALID_PARAMETER);
    assert_int_equal(fcc_rot_set(&d->fcc, r, 16), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_rot_set(&d->fcc, r, 16), FCC_STATUS_ROT_ERROR);
    assert_int_equal(fcc_time_set(&d->fcc, 2000000000), FCC_STATUS_SUCCESS);
    assert_int_equal(d->port.time_get(d->port.ctx), 2000000000);
    assert_int_equal(fcc_time_set(&d->fcc, -1), FCC_STATUS_INVALID_PARAMETER);
    assert_int_equal(fcc_is_factory_disabled(&d->fcc, &dis), FCC_STATUS_SUCCESS);
    assert_false(dis);
    assert_int_equal(fcc_factory_disable(&d->fcc), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_factory_disable(&d->fcc), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_is_factory_disabled(&d->fcc, &dis), FCC_STATUS_SUCCESS);
    assert_true(dis);
    dev_remount(d);
    assert_int_equal(fcc_is_factory_disabled(&d->fcc, &dis), FCC_STATUS_SUCCESS);
    assert_true(dis);
    assert_int_equal(fcc_storage_delete(&d->fcc), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_is_factory_disabled(&d->fcc, &dis), FCC_STATUS_SUCCESS);
    assert_false(dis);
    assert_int_equal(kcm_internal_get(&d->kcm, KCM_INTERNAL_ENTROPY, buf, sizeof(buf), &len),
                     KCM_ERR_NOT_FOUND);
    {
        fcc_t zero;
        memset(&zero, 0, sizeof(zero));
        assert_int_equal(fcc_entropy_set(&zero, e, 48), FCC_STATUS_NOT_INITIALIZED);
        assert_int_equal(fcc_factory_disable(&zero), FCC_STATUS_NOT_INITIALIZED);
        assert_int_equal(fcc_storage_delete(NULL), FCC_STATUS_NOT_INITIALIZED);
        assert_int_equal(fcc_is_factory_disabled(&d->fcc, NULL), FCC_STATUS_INVALID_PARAMETER);
        assert_int_equal(fcc_init(NULL, &d->kcm, &d->port, NULL), FCC_STATUS_INVALID_PARAMETER);
    }
    dev_close(d);
}

/* A session: keep-alive reported, output info readable, SID echoed. */
static void test_session(void **state)
{
    (void)state;
    device_t *d = dev_open();
    size_t blen;
    uint8_t *b = load("ok_keepalive_no_caid.1.cbor", &blen);
    const fcc_output_t *out;
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), 0);
    assert_true(d->keep);
    out = fcc_get_output_info(&d->fcc);
    assert_int_equal(out->status, 0);
    assert_false(out->has_error);
    free(b);
    b = load("err_dup_key_in_bundle.1.cbor", &blen);
    assert_int_equal(handle(d, b, blen, FCC_RESPONSE_MAX), FCC_STATUS_KCM_FILE_EXIST_ERROR);
    assert_false(d->keep);
    out = fcc_get_output_info(&d->fcc);
    assert_true(out->has_error);
    {
        char msg[256];
        assert_int_equal(fcc_finding_message(&out->error, msg, sizeof(msg)), 21);
        assert_string_equal(msg, "Data already exists:k");
    }
    free(b);
    dev_close(d);
}

/* Wire contract section 8 points 1 and 6: a name is echoed byte for byte, invalid UTF-8 too
 * (escaping is the tools' job), the output info keeps it with its length, and a SID longer than
 * the caller's buffer can echo is refused (21) before anything is applied. */
static bool contains(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
    size_t i;
    for (i = 0; i + nl <= hl; i++)
        if (memcmp(h + i, n, nl) == 0)
            return true;
    return false;
}

static void test_names_byte_for_byte(void **state)
{
    static const uint8_t head[] = {0xa3, 0x6d, 'S', 'c', 'h', 'e', 'm', 'e', 'V', 'e', 'r', 's',
                                   'i', 'o', 'n', 0x65, '0', '.', '0', '.', '1', 0x66, 'V', 'e',
                                   'r', 'i', 'f', 'y', 0x00};
    static const uint8_t key[] = {0x64, 'K', 0xff, 0x80, 0x00, 0x00};
    static const uint8_t want[] = "General error:K\xff\x80\x00";
    uint8_t b[sizeof(head) + sizeof(key)];
    device_t *d = dev_open();
    const fcc_output_t *out;
    uint8_t *big;
    size_t n;
    (void)state;
    memcpy(b, head, sizeof(head));
    memcpy(b + sizeof(head), key, sizeof(key));
    assert_int_equal(fcc_bundle_handler(&d->fcc, b, sizeof(b), d->resp, sizeof(d->resp),
                                        &d->resp_len, NULL),
                     FCC_STATUS_BUNDLE_INVALID_GROUP);
    assert_true(contains(d->resp, d->resp_len, want, sizeof(want) - 1));
    out = fcc_get_output_info(&d->fcc);
    assert_int_equal(out->error.item_len, 4);
    assert_memory_equal(out->error.item, "K\xff\x80\x00", 4);

    /* A SID of 20 000 bytes: echoed whole with a buffer that can hold it, 21 without. */
    n = 20000;
    big = malloc(n + 64);
    assert_non_null(big);
    memcpy(big, head, sizeof(head));
    n = sizeof(head);
    big[n++] = 0x63;
    memcpy(big + n, "SID", 3);
    n += 3;
    big[n++] = 0x79;
    big[n++] = 20000 >> 8;
    big[n++] = 20000 & 0xff;
    memset(big + n, 's', 20000);
    n += 20000;
    assert_int_equal(fcc_bundle_handler(&d->fcc, big, n, d->resp, sizeof(d->resp), &d->resp_len,
                                        NULL),
                     FCC_STATUS_BUNDLE_RESPONSE_ERROR);
    assert_false(contains(d->resp, d->resp_len, "sssss", 5));
    {
        size_t cap = FCC_RESPONSE_MAX + n, rl = 0;
        uint8_t *r = malloc(cap);
        assert_non_null(r);
        assert_int_equal(fcc_bundle_handler(&d->fcc, big, n, r, cap, &rl, NULL), 0);
        assert_true(rl > 20000);
        free(r);
    }
    free(big);
    dev_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_huge_declared_lengths),
        cmocka_unit_test(test_many_tiny_items),
        cmocka_unit_test(test_atomic_last_item_bad),
        cmocka_unit_test(test_not_initialized_and_args),
        cmocka_unit_test(test_csr_response_too_small),
        cmocka_unit_test(test_small_buffer_keeps_response),
        cmocka_unit_test(test_setters),
        cmocka_unit_test(test_session),
        cmocka_unit_test(test_names_byte_for_byte),
    };
    if (!ALLOC_PROBE)
        printf("(allocation probe off: built with AddressSanitizer)\n");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
