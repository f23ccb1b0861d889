/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the storage engine over the RAM flash simulator: every API path, good and bad,
 * plus a randomised run against a reference model (puts, deletes, aborts, remounts, garbage
 * collection) over several geometries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/flash_sim.h"
#include "fcc/store.h"
#include "support/store_env.h"

static void put1(env_t *e, uint8_t type, const char *name, const void *v, size_t len)
{
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, type, N(name), strlen(name), v, len), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
}

static void expect_val(env_t *e, uint8_t type, const char *name, const void *v, size_t len)
{
    uint8_t buf[FST_VALUE_MAX];
    size_t got = 12345;
    assert_int_equal(fst_get(&e->st, type, N(name), strlen(name), buf, sizeof(buf), &got), FST_OK);
    assert_int_equal(got, len);
    assert_memory_equal(buf, v, len);
}

static void expect_absent(env_t *e, uint8_t type, const char *name)
{
    uint8_t buf[16];
    size_t got;
    assert_int_equal(fst_get(&e->st, type, N(name), strlen(name), buf, sizeof(buf), &got),
                     FST_ERR_NOENT);
    assert_int_equal(fst_size(&e->st, type, N(name), strlen(name), &got), FST_ERR_NOENT);
}

static void test_blank_mount_put_get(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    fst_info_t info;
    assert_int_equal(fst_info(&e->st, &info), FST_OK);
    assert_int_equal(info.format_version, FST_FORMAT_VERSION);
    assert_int_equal(info.live_items, 0);
    assert_true(info.capacity_bytes > 16000);
    expect_absent(e, 1, "a");
    put1(e, 1, "a", "hello", 5);
    expect_val(e, 1, "a", "hello", 5);
    /* types are separate name spaces */
    expect_absent(e, 2, "a");
    put1(e, 2, "a", "other", 5);
    expect_val(e, 1, "a", "hello", 5);
    expect_val(e, 2, "a", "other", 5);
    /* empty values are allowed */
    put1(e, 3, "empty", NULL, 0);
    size_t len = 99;
    assert_int_equal(fst_size(&e->st, 3, N("empty"), 5, &len), FST_OK);
    assert_int_equal(len, 0);
    env_remount(e);
    expect_val(e, 1, "a", "hello", 5);
    expect_val(e, 2, "a", "other", 5);
    assert_int_equal(fst_info(&e->st, &info), FST_OK);
    assert_int_equal(info.live_items, 3);
    env_free(e);
}

static void test_txn_visibility_and_abort(void **state)
{
    (void)state;
    env_t *e = env_new(16, 2048, 16);
    put1(e, 1, "k", "old", 3);
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_begin(&e->st), FST_ERR_STATE);
    assert_int_equal(fst_put(&e->st, 1, N("k"), 1, "new", 3), FST_OK);
    assert_int_equal(fst_put(&e->st, 1, N("n"), 1, "x", 1), FST_OK);
    /* read-your-writes */
    expect_val(e, 1, "k", "new", 3);
    expect_val(e, 1, "n", "x", 1);
    assert_int_equal(fst_del(&e->st, 1, N("n"), 1), FST_OK);
    expect_absent(e, 1, "n");
    assert_int_equal(fst_del(&e->st, 1, N("n"), 1), FST_ERR_NOENT);
    assert_int_equal(fst_abort(&e->st), FST_OK);
    assert_int_equal(fst_abort(&e->st), FST_ERR_STATE);
    expect_val(e, 1, "k", "old", 3);
    expect_absent(e, 1, "n");
    env_remount(e);
    expect_val(e, 1, "k", "old", 3);
    expect_absent(e, 1, "n");
    /* an uncommitted transaction dies with the mount */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 1, N("k"), 1, "lost", 4), FST_OK);
    env_remount(e);
    expect_val(e, 1, "k", "old", 3);
    /* delete then commit */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_del(&e->st, 1, N("k"), 1), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
    expect_absent(e, 1, "k");
    env_remount(e);
    expect_absent(e, 1, "k");
    /* empty transaction */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_ERR_STATE);
    env_free(e);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    env_t *e = env_new(1, 4096, 4);
    uint8_t big[FST_VALUE_MAX + 1];
    uint8_t name[FST_NAME_MAX + 1];
    memset(big, 0x11, sizeof(big));
    memset(name, 'n', sizeof(name));
    assert_int_equal(fst_put(&e->st, 1, N("a"), 1, "x", 1), FST_ERR_STATE);
    assert_int_equal(fst_del(&e->st, 1, N("a"), 1), FST_ERR_STATE);
    assert_int_equal(fst_commit(&e->st), FST_ERR_STATE);
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 1, name, sizeof(name), "x", 1), FST_ERR_INVAL);
    assert_int_equal(fst_put(&e->st, 1, N("a"), 1, big, sizeof(big)), FST_ERR_INVAL);
    assert_int_equal(fst_put(&e->st, 1, N("a"), 1, NULL, 3), FST_ERR_INVAL);
    /* largest name and value are fine */
    assert_int_equal(fst_put(&e->st, 1, name, FST_NAME_MAX, big, FST_VALUE_MAX), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
    uint8_t out[FST_VALUE_MAX];
    size_t len = 0;
    assert_int_equal(fst_get(&e->st, 1, name, FST_NAME_MAX, out, 10, &len), FST_ERR_RANGE);
    assert_int_equal(len, FST_VALUE_MAX);
    assert_int_equal(fst_get(&e->st, 1, name, FST_NAME_MAX, out, sizeof(out), &len), FST_OK);
    assert_memory_equal(out, big, FST_VALUE_MAX);
    assert_int_equal(fst_get(&e->st, 1, name, FST_NAME_MAX + 1, out, sizeof(out), &len),
                     FST_ERR_INVAL);
    fst_unmount(&e->st);
    assert_int_equal(fst_get(&e->st, 1, N("a"), 1, out, sizeof(out), &len), FST_ERR_STATE);
    assert_int_equal(fst_begin(&e->st), FST_ERR_STATE);
    /* work buffer and geometry */
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, FST_WORK_SIZE - 1), FST_ERR_INVAL);
    fcc_flash_t bad = e->flash;
    bad.prog_size = 3;
    assert_int_equal(fst_mount(&e->st, &bad, e->work, sizeof(e->work)), FST_ERR_INVAL);
    bad = e->flash;
    bad.block_count = 2; /* 4 KiB blocks need 2 per segment: one segment is too few */
    assert_int_equal(fst_mount(&e->st, &bad, e->work, sizeof(e->work)), FST_ERR_INVAL);
    fst_unmount(NULL);
    env_free(e);
}

static void test_not_a_store_and_version(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    put1(e, 1, "a", "v", 1);
    fst_unmount(&e->st);
    size_t size = 8 * 4096;
    uint8_t *img = malloc(size);
    assert_non_null(img);
    /* another format version in the segment header (9: more than one bit away from ours, so
     * not taken for a flipped bit of a format 2 header) */
    fcc_flash_sim_snapshot(&e->sim, img, size);
    img[4] = 9;
    fcc_flash_sim_load(&e->sim, img, size);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_ERR_VERSION);
    /* format replaces it, and the next mount reads the new store */
    assert_int_equal(fst_format(&e->st, &e->flash, e->work, sizeof(e->work)), FST_OK);
    put1(e, 1, "v", "1", 1);
    env_remount(e);
    expect_val(e, 1, "v", "1", 1);
    expect_absent(e, 1, "a");
    fst_unmount(&e->st);
    /* a segment of another version next to a readable log is refused as well */
    fcc_flash_sim_snapshot(&e->sim, img, size);
    img[8192 * 3 + 0] = 0x46, img[8192 * 3 + 1] = 0x53, img[8192 * 3 + 2] = 0x54;
    img[8192 * 3 + 3] = 0x4C, img[8192 * 3 + 4] = 3, img[8192 * 3 + 5] = 0;
    fcc_flash_sim_load(&e->sim, img, size);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_ERR_VERSION);
    /* garbage */
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)(i * 31 + 7);
    fcc_flash_sim_load(&e->sim, img, size);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_ERR_CORRUPT);
    /* format makes it a store again */
    assert_int_equal(fst_format(&e->st, &e->flash, e->work, sizeof(e->work)), FST_OK);
    expect_absent(e, 1, "a");
    put1(e, 1, "a", "w", 1);
    env_remount(e);
    expect_val(e, 1, "a", "w", 1);
    /* format of a live store forgets everything */
    assert_int_equal(fst_format(&e->st, &e->flash, e->work, sizeof(e->work)), FST_OK);
    expect_absent(e, 1, "a");
    env_remount(e);
    expect_absent(e, 1, "a");
    free(img);
    env_free(e);
}

static void test_iteration(void **state)
{
    (void)state;
    env_t *e = env_new(16, 4096, 8);
    char name[16];
    assert_int_equal(fst_begin(&e->st), FST_OK);
    for (int i = 0; i < 20; i++) {
        snprintf(name, sizeof(name), "item%02d", i);
        uint8_t value[32];
        memset(value, i, sizeof(value));
        assert_int_equal(fst_put(&e->st, (uint8_t)(i % 3), N(name), strlen(name), value, (size_t)i),
                         FST_OK);
    }
    assert_int_equal(fst_commit(&e->st), FST_OK);
    /* overwrite some, delete some */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 0, N("item00"), 6, "zz", 2), FST_OK);
    assert_int_equal(fst_del(&e->st, 1, N("item01"), 6), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
    fst_iter_t it;
    memset(&it, 0, sizeof(it));
    uint8_t type, nbuf[FST_NAME_MAX];
    size_t nlen, vlen;
    int seen[20] = {0}, count = 0;
    while (fst_next(&e->st, &it, &type, nbuf, &nlen, &vlen) == FST_OK) {
        assert_int_equal(nlen, 6);
        int i = (nbuf[4] - '0') * 10 + (nbuf[5] - '0');
        assert_true(i >= 0 && i < 20);
        assert_int_equal(type, i % 3);
        assert_int_equal(vlen, i == 0 ? 2 : (size_t)i);
        seen[i]++;
        count++;
    }
    assert_int_equal(count, 19);
    for (int i = 0; i < 20; i++)
        assert_int_equal(seen[i], i == 1 ? 0 : 1);
    assert_int_equal(fst_next(&e->st, &it, &type, nbuf, &nlen, &vlen), FST_ERR_NOENT);
    env_free(e);
}

/* ---- randomised run against a model ---- */

#define M_KEYS 24
typedef struct model {
    bool present[M_KEYS];
    size_t len[M_KEYS];
    uint8_t val[M_KEYS][1200];
} model_t;

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void key_name(int k, char *out)
{
    snprintf(out, 16, "key.%d", k);
}

static void check_model(env_t *e, const model_t *m)
{
    char name[16];
    uint8_t buf[FST_VALUE_MAX];
    for (int k = 0; k < M_KEYS; k++) {
        key_name(k, name);
        size_t len = 0;
        int rc = fst_get(&e->st, (uint8_t)(k & 1), N(name), strlen(name), buf, sizeof(buf), &len);
        if (!m->present[k]) {
            assert_int_equal(rc, FST_ERR_NOENT);
            continue;
        }
        assert_int_equal(rc, FST_OK);
        assert_int_equal(len, m->len[k]);
        assert_memory_equal(buf, m->val[k], len);
    }
}

static void random_run(uint32_t prog, uint32_t block, uint32_t count, uint32_t seed, int steps)
{
    env_t *e = env_new(prog, block, count);
    static model_t m, txn;
    memset(&m, 0, sizeof(m));
    uint32_t s = seed;
    char name[16];
    uint32_t collections = 0;
    for (int step = 0; step < steps; step++) {
        txn = m;
        assert_int_equal(fst_begin(&e->st), FST_OK);
        int ops = 1 + (int)(rnd(&s) % 4);
        for (int o = 0; o < ops; o++) {
            int k = (int)(rnd(&s) % M_KEYS);
            key_name(k, name);
            if (txn.present[k] && rnd(&s) % 4 == 0) {
                assert_int_equal(fst_del(&e->st, (uint8_t)(k & 1), N(name), strlen(name)), FST_OK);
                txn.present[k] = false;
            } else {
                size_t len = rnd(&s) % 1200;
                for (size_t i = 0; i < len; i++)
                    txn.val[k][i] = (uint8_t)rnd(&s);
                assert_int_equal(
                    fst_put(&e->st, (uint8_t)(k & 1), N(name), strlen(name), txn.val[k], len),
                    FST_OK);
                txn.present[k] = true;
                txn.len[k] = len;
            }
        }
        if (rnd(&s) % 8 == 0) {
            assert_int_equal(fst_abort(&e->st), FST_OK);
        } else {
            assert_int_equal(fst_commit(&e->st), FST_OK);
            m = txn;
        }
        fst_info_t info;
        assert_int_equal(fst_info(&e->st, &info), FST_OK);
        collections += info.collections;
        if (rnd(&s) % 16 == 0) {
            env_remount(e);
        }
        if (step % 8 == 0)
            check_model(e, &m);
    }
    check_model(e, &m);
    env_remount(e);
    check_model(e, &m);
    assert_true(e->st.collections > 0 || collections > 0);
    env_free(e);
}

static void test_random_geometries(void **state)
{
    (void)state;
    random_run(1, 4096, 8, 1, 300);
    random_run(8, 2048, 24, 2, 300);
    random_run(16, 4096, 8, 3, 300);
    random_run(16, 131072, 2, 4, 150);
}

static void test_nospc_and_recovery(void **state)
{
    (void)state;
    /* 8 x 4 KiB: 4 segments of 8 KiB, about 24 KiB for records. */
    env_t *e = env_new(8, 4096, 8);
    uint8_t v[4000];
    memset(v, 0x42, sizeof(v));
    char name[16];
    int rc = FST_OK, n = 0;
    assert_int_equal(fst_begin(&e->st), FST_OK);
    for (n = 0; n < 20 && rc == FST_OK; n++) {
        snprintf(name, sizeof(name), "big%d", n);
        rc = fst_put(&e->st, 1, N(name), strlen(name), v, sizeof(v));
    }
    assert_int_equal(rc, FST_ERR_NOSPC);
    assert_true(n >= 5);
    assert_int_equal(fst_abort(&e->st), FST_OK);
    /* the store still works and holds nothing */
    expect_absent(e, 1, "big0");
    put1(e, 1, "small", "s", 1);
    /* a bundle-sized transaction of 12 items and about 5 KiB fits */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof(name), "bundle%d", i);
        assert_int_equal(fst_put(&e->st, 1, N(name), strlen(name), v, i < 3 ? 1200 : 130), FST_OK);
    }
    assert_int_equal(fst_commit(&e->st), FST_OK);
    /* and replacing it again and again collects garbage without running out */
    for (int round = 0; round < 10; round++) {
        assert_int_equal(fst_begin(&e->st), FST_OK);
        for (int i = 0; i < 12; i++) {
            snprintf(name, sizeof(name), "bundle%d", i);
            v[0] = (uint8_t)round;
            assert_int_equal(fst_put(&e->st, 1, N(name), strlen(name), v, i < 3 ? 1200 : 130),
                             FST_OK);
        }
        assert_int_equal(fst_commit(&e->st), FST_OK);
    }
    env_remount(e);
    uint8_t out[1200];
    size_t len;
    assert_int_equal(fst_get(&e->st, 1, N("bundle0"), 7, out, sizeof(out), &len), FST_OK);
    assert_int_equal(out[0], 9);
    expect_val(e, 1, "small", "s", 1);
    env_free(e);
}


/* Two segments: the tail is the head, so a collection inside a transaction must carry the
 * transaction's own records over, still uncommitted. */
static void test_collection_carries_open_transaction(void **state)
{
    (void)state;
    for (int commit = 0; commit < 2; commit++) {
        env_t *e = env_new(8, 4096, 4);
        uint8_t v[1500];
        char name[16];
        put1(e, 1, "keep", "kept", 4);
        /* garbage to collect */
        for (int i = 0; i < 4; i++) {
            memset(v, i, sizeof(v));
            put1(e, 2, "churn", v, sizeof(v));
        }
        uint32_t c0 = e->st.collections;
        assert_int_equal(fst_begin(&e->st), FST_OK);
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof(name), "txn%d", i);
            memset(v, 0x30 + i, sizeof(v));
            assert_int_equal(fst_put(&e->st, 3, N(name), strlen(name), v, sizeof(v)), FST_OK);
        }
        assert_int_equal(fst_del(&e->st, 1, N("keep"), 4), FST_OK);
        assert_true(e->st.collections > c0);
        /* read-your-writes across the collection */
        for (int i = 0; i < 4; i++) {
            snprintf(name, sizeof(name), "txn%d", i);
            memset(v, 0x30 + i, sizeof(v));
            expect_val(e, 3, name, v, sizeof(v));
        }
        expect_absent(e, 1, "keep");
        if (commit) {
            assert_int_equal(fst_commit(&e->st), FST_OK);
        } else {
            assert_int_equal(fst_abort(&e->st), FST_OK);
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "txn%d", i);
                memset(v, 0x30 + i, sizeof(v));
                if (commit)
                    expect_val(e, 3, name, v, sizeof(v));
                else
                    expect_absent(e, 3, name);
            }
            if (commit)
                expect_absent(e, 1, "keep");
            else
                expect_val(e, 1, "keep", "kept", 4);
            memset(v, 3, sizeof(v));
            expect_val(e, 2, "churn", v, sizeof(v));
            env_remount(e);
        }
        env_free(e);
    }
}

/* Bit flips on read: values come back right or not at all, never wrong. */
static void test_read_flips_never_wrong(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    uint8_t v[6][700];
    char name[16];
    assert_int_equal(fst_begin(&e->st), FST_OK);
    for (int i = 0; i < 6; i++) {
        for (size_t k = 0; k < sizeof(v[i]); k++)
            v[i][k] = (uint8_t)(k * 13 + (size_t)i);
        snprintf(name, sizeof(name), "flip%d", i);
        assert_int_equal(fst_put(&e->st, 4, N(name), strlen(name), v[i], sizeof(v[i])), FST_OK);
    }
    assert_int_equal(fst_commit(&e->st), FST_OK);
    e->sim.flip_per_million = 30;
    int good = 0, bad = 0;
    uint8_t buf[FST_VALUE_MAX];
    for (int round = 0; round < 200; round++) {
        e->sim.seed = (uint32_t)round + 1;
        fst_unmount(&e->st);
        if (fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)) != FST_OK) {
            bad++;
            continue;
        }
        for (int i = 0; i < 6; i++) {
            snprintf(name, sizeof(name), "flip%d", i);
            size_t len = 0;
            int rc = fst_get(&e->st, 4, N(name), strlen(name), buf, sizeof(buf), &len);
            if (rc == FST_OK) {
                assert_int_equal(len, sizeof(v[i]));
                assert_memory_equal(buf, v[i], len);
                good++;
            } else {
                assert_true(rc == FST_ERR_CORRUPT || rc == FST_ERR_NOENT);
                bad++;
            }
        }
    }
    assert_true(good > 900);
    e->sim.flip_per_million = 0;
    env_remount(e);
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof(name), "flip%d", i);
        expect_val(e, 4, name, v[i], sizeof(v[i]));
    }
    env_free(e);
}

/* A mount that fails leaves the store unmounted; a flash that fails mid-write makes every call
 * fail until the next mount, which recovers. */
static void test_flash_failure(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    put1(e, 1, "a", "1", 1);
    e->sim.cut_after = 1;
    assert_int_equal(fst_begin(&e->st), FST_OK);
    uint8_t v[600] = {0};
    assert_int_equal(fst_put(&e->st, 1, N("b"), 1, v, sizeof(v)), FST_ERR_IO);
    assert_int_equal(fst_put(&e->st, 1, N("c"), 1, v, 1), FST_ERR_IO);
    assert_int_equal(fst_commit(&e->st), FST_ERR_IO);
    size_t len;
    assert_int_equal(fst_size(&e->st, 1, N("a"), 1, &len), FST_ERR_IO);
    fst_unmount(&e->st);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_ERR_IO);
    assert_int_equal(fst_size(&e->st, 1, N("a"), 1, &len), FST_ERR_STATE);
    fcc_flash_sim_power_on(&e->sim);
    env_remount(e);
    expect_val(e, 1, "a", "1", 1);
    expect_absent(e, 1, "b");
    put1(e, 1, "b", "2", 1);
    env_remount(e);
    expect_val(e, 1, "b", "2", 1);
    env_free(e);
}

/* Segments are opened in ring order: after heavy churn every erase unit has been erased the same
 * number of times, give or take one; the work is spread evenly whatever is rewritten. */
static void test_wear_is_even(void **state)
{
    (void)state;
    env_t *e = env_new(8, 2048, 12); /* 4 segments of 3 erase units */
    uint8_t v[900];
    put1(e, 1, "static.a", "never changes", 13);
    for (int i = 0; i < 400; i++) {
        memset(v, i, sizeof(v));
        put1(e, 2, i % 2 ? "hot" : "warm", v, sizeof(v));
    }
    uint32_t lo = UINT32_MAX, hi = 0;
    for (uint32_t b = 0; b < 12; b++) {
        uint32_t w = fcc_flash_sim_wear(&e->sim, b);
        lo = w < lo ? w : lo;
        hi = w > hi ? w : hi;
    }
    assert_true(lo > 10);
    assert_true(hi - lo <= 1);
    expect_val(e, 1, "static.a", "never changes", 13);
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blank_mount_put_get),
        cmocka_unit_test(test_txn_visibility_and_abort),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_not_a_store_and_version),
        cmocka_unit_test(test_iteration),
        cmocka_unit_test(test_random_geometries),
        cmocka_unit_test(test_nospc_and_recovery),
        cmocka_unit_test(test_collection_carries_open_transaction),
        cmocka_unit_test(test_read_flips_never_wrong),
        cmocka_unit_test(test_flash_failure),
        cmocka_unit_test(test_wear_is_even),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
