/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the storage engine's damage handling (format 2, docs/store.md section 6): a
 * record that fails its check while later records verify is damage, reported and kept, never
 * the torn end of the log; reads of the damaged key fail instead of returning an older version;
 * writes are refused until fst_accept_damage commits; a one-bit flip in a segment header or in
 * the last commit record is repaired; damage of unknown key makes the keys it may hide fail. */
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

static void put1(env_t *e, const char *name, uint8_t fill, size_t len)
{
    uint8_t v[600];
    memset(v, fill, len);
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 5, N(name), strlen(name), v, len), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
}

static int get(env_t *e, const char *name, uint8_t *fill)
{
    uint8_t buf[FST_VALUE_MAX];
    size_t got = 0;
    int rc = fst_get(&e->st, 5, N(name), strlen(name), buf, sizeof(buf), &got);
    if (rc == FST_OK && fill != NULL)
        *fill = buf[0];
    return rc;
}

/* Offset in the flash of the first byte `fill` after `from` (a value byte of that item). */
static size_t find_fill(env_t *e, size_t from, uint8_t fill)
{
    for (size_t i = from; i < (size_t)e->flash.block_size * e->flash.block_count; i++)
        if (e->sim.mem[i] == fill && e->sim.mem[i + 1] == fill && e->sim.mem[i + 2] == fill)
            return i;
    fail_msg("value not found");
    return 0;
}

static void test_middle_flip_is_damage(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    put1(e, "a", 0xA1, 200);
    put1(e, "b", 0xB1, 200);
    put1(e, "c", 0xC1, 200);
    e->sim.mem[find_fill(e, 0, 0xB1) + 50] ^= 0x04;
    env_remount(e);
    uint8_t f;
    assert_int_equal(get(e, "a", &f), FST_OK);
    assert_int_equal(f, 0xA1);
    assert_int_equal(get(e, "b", NULL), FST_ERR_CORRUPT); /* not "absent" */
    assert_int_equal(get(e, "c", &f), FST_OK);            /* later items are not fenced off */
    assert_int_equal(f, 0xC1);
    /* the listing: the readable keys, then the damaged one, then the end */
    fst_iter_t it;
    memset(&it, 0, sizeof(it));
    uint8_t type, name[FST_NAME_MAX];
    size_t nlen, vlen;
    assert_int_equal(fst_next(&e->st, &it, &type, name, &nlen, &vlen), FST_OK);
    assert_int_equal(fst_next(&e->st, &it, &type, name, &nlen, &vlen), FST_OK);
    assert_int_equal(fst_next(&e->st, &it, &type, name, &nlen, &vlen), FST_ERR_CORRUPT);
    assert_int_equal(nlen, 1);
    assert_int_equal(name[0], 'b');
    assert_int_equal(type, 5);
    assert_int_equal(fst_next(&e->st, &it, &type, name, &nlen, &vlen), FST_ERR_NOENT);
    fst_info_t info;
    assert_int_equal(fst_info(&e->st, &info), FST_OK);
    assert_int_equal(info.damaged, 1);
    assert_int_equal(info.damaged_items, 1);
    assert_int_equal(info.live_items, 2);
    fst_damage_t d;
    assert_int_equal(fst_damage_get(&e->st, 0, &d), FST_OK);
    assert_int_equal(d.what, FST_DMG_RECORD);
    assert_true(d.name_known && d.live && !d.accepted);
    assert_memory_equal(d.name, "b", 1);
    assert_int_equal(fst_damage_get(&e->st, 1, &d), FST_ERR_NOENT);
    /* writes are refused, and nothing is written */
    size_t size = (size_t)e->flash.block_size * e->flash.block_count;
    uint8_t *before = malloc(size), *after = malloc(size);
    assert_true(before && after);
    fcc_flash_sim_snapshot(&e->sim, before, size);
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 5, N("d"), 1, "x", 1), FST_ERR_CORRUPT);
    assert_int_equal(fst_del(&e->st, 5, N("a"), 1), FST_ERR_CORRUPT);
    assert_int_equal(fst_abort(&e->st), FST_OK);
    fcc_flash_sim_snapshot(&e->sim, after, size);
    assert_memory_equal(before, after, size);
    /* accepting it: b is deleted, writes work, the next mount agrees */
    assert_int_equal(fst_begin(&e->st), FST_OK);
    assert_int_equal(fst_accept_damage(&e->st), FST_OK);
    assert_int_equal(fst_put(&e->st, 5, N("d"), 1, "x", 1), FST_OK);
    assert_int_equal(fst_commit(&e->st), FST_OK);
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(get(e, "b", NULL), FST_ERR_NOENT);
        assert_int_equal(get(e, "a", NULL), FST_OK);
        assert_int_equal(get(e, "c", NULL), FST_OK);
        assert_int_equal(get(e, "d", NULL), FST_OK);
        assert_int_equal(fst_info(&e->st, &info), FST_OK);
        assert_int_equal(info.damaged, 0);
        assert_int_equal(fst_damage_get(&e->st, 0, &d), FST_OK);
        assert_true(d.accepted);
        env_remount(e);
    }
    /* collection drops the accepted damage with its segment, and everything else stays */
    for (int i = 0; i < 120; i++)
        put1(e, i % 2 ? "churn.x" : "churn.y", (uint8_t)i, 500);
    assert_true(e->st.collections > 0);
    env_remount(e);
    assert_int_equal(fst_damage_get(&e->st, 0, &d), FST_ERR_NOENT);
    uint8_t fa;
    assert_int_equal(get(e, "a", &fa), FST_OK);
    assert_int_equal(fa, 0xA1);
    assert_int_equal(get(e, "c", NULL), FST_OK);
    free(before);
    free(after);
    env_free(e);
}

/* A damaged newer version never lets the older one through. */
static void test_no_older_version(void **state)
{
    (void)state;
    env_t *e = env_new(16, 4096, 8);
    put1(e, "k", 0x11, 100);
    put1(e, "k", 0x22, 100);
    put1(e, "z", 0x33, 100);
    e->sim.mem[find_fill(e, 0, 0x22) + 10] ^= 0x80;
    env_remount(e);
    assert_int_equal(get(e, "k", NULL), FST_ERR_CORRUPT);
    assert_int_equal(get(e, "z", NULL), FST_OK);
    env_free(e);
}

/* A flipped header bit of a damaged record is read through: the key is still known. */
static void test_header_flip_names_the_key(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    put1(e, "first", 0x41, 100);
    put1(e, "second", 0x42, 100);
    put1(e, "third", 0x43, 100);
    size_t v = find_fill(e, 0, 0x42); /* value of "second": its header is 16 + 6 bytes before */
    e->sim.mem[v - 6 - 16 + 4] ^= 0x01; /* the value length field */
    env_remount(e);
    assert_int_equal(get(e, "first", NULL), FST_OK);
    assert_int_equal(get(e, "second", NULL), FST_ERR_CORRUPT);
    assert_int_equal(get(e, "third", NULL), FST_OK);
    fst_damage_t d;
    assert_int_equal(fst_damage_get(&e->st, 0, &d), FST_OK);
    assert_true(d.what == FST_DMG_RECORD && d.name_known);
    assert_int_equal(d.name_len, 6);
    assert_memory_equal(d.name, "second", 6);
    env_free(e);
}

/* Bytes that are no record at all (an erased program unit over a header): the key is unknown,
 * so every key that such a record may have hidden reads as damaged, and later keys do not. */
static void test_unknown_damage(void **state)
{
    (void)state;
    env_t *e = env_new(16, 4096, 8);
    put1(e, "early", 0x51, 100);
    put1(e, "gone", 0x52, 100);
    put1(e, "late", 0x53, 100);
    size_t v = find_fill(e, 0, 0x52);
    size_t hdr = (v - 4 - 16) / 16 * 16; /* the unit holding the start of its header */
    memset(e->sim.mem + hdr, 0xFF, 16);
    memset(e->sim.mem + hdr + 16, 0xFF, 16);
    env_remount(e);
    assert_int_equal(get(e, "late", NULL), FST_OK);
    assert_int_equal(get(e, "gone", NULL), FST_ERR_CORRUPT);
    assert_int_equal(get(e, "early", NULL), FST_ERR_CORRUPT); /* may have had a newer version */
    assert_int_equal(get(e, "never.stored", NULL), FST_ERR_CORRUPT); /* not "absent" */
    fst_info_t info;
    assert_int_equal(fst_info(&e->st, &info), FST_OK);
    assert_true(info.damaged >= 1);
    env_free(e);
}

/* One flipped bit in the last commit record: the transaction stands, nothing blocks. */
static void test_last_commit_flip(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    put1(e, "a", 0x61, 100);
    put1(e, "b", 0x62, 100);
    uint32_t end = e->st.head_pos * e->st.seg_size + e->st.head_off;
    /* the commit record is the last 20 bytes before the padding */
    size_t c = end - 1;
    while (e->sim.mem[c] == 0xFF)
        c--;
    c = c + 1 - 20;
    assert_int_equal(e->sim.mem[c], 0x5A);
    assert_int_equal(e->sim.mem[c + 1], 3);
    e->sim.mem[c + 9] ^= 0x02; /* in the transaction id */
    env_remount(e);
    assert_int_equal(get(e, "b", NULL), FST_OK);
    fst_info_t info;
    assert_int_equal(fst_info(&e->st, &info), FST_OK);
    assert_int_equal(info.damaged, 0);
    put1(e, "c", 0x63, 10); /* writes work */
    env_remount(e);
    assert_int_equal(get(e, "b", NULL), FST_OK);
    assert_int_equal(get(e, "c", NULL), FST_OK);
    env_free(e);
}

/* A flipped bit in the header of a segment of the log is repaired, not taken for a free
 * segment (which would lose everything in it and before it). */
static void test_segment_header_flip(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    for (int i = 0; i < 30; i++) {
        char name[16];
        snprintf(name, sizeof(name), "item.%d", i);
        put1(e, name, (uint8_t)(0x10 + i), 500);
    }
    assert_true(e->st.head_seq > e->st.tail_seq);
    uint32_t tail_pos = (e->st.head_pos + e->st.seg_count - (e->st.head_seq - e->st.tail_seq)) %
                        e->st.seg_count;
    uint32_t head_pos = e->st.head_pos;
    e->sim.mem[(size_t)tail_pos * e->st.seg_size + 9] ^= 0x10; /* tail segment's seq */
    e->sim.mem[(size_t)head_pos * e->st.seg_size + 13] ^= 0x01; /* head segment's tail_seq */
    env_remount(e);
    for (int i = 0; i < 30; i++) {
        char name[16];
        uint8_t f;
        snprintf(name, sizeof(name), "item.%d", i);
        assert_int_equal(get(e, name, &f), FST_OK);
        assert_int_equal(f, 0x10 + i);
    }
    fst_damage_t d;
    assert_int_equal(fst_damage_get(&e->st, 0, &d), FST_OK);
    assert_int_equal(d.what, FST_DMG_HEADER);
    env_free(e);
}

/* One bit flipped in every 17th byte of a log of several segments whose history holds older
 * versions, deletes, collected copies and GC-end records: after each flip, every key reads its
 * committed value or FST_ERR_CORRUPT (an absent key: absent or FST_ERR_CORRUPT), never an older
 * value and never "absent" for a key that exists. */
#define SW_KEYS 12
static void test_sweep_with_history(void **state)
{
    (void)state;
    env_t *e = env_new(8, 4096, 8);
    uint8_t model[SW_KEYS]; /* fill byte of the committed value, 0: absent */
    memset(model, 0, sizeof(model));
    char name[SW_KEYS][16];
    for (int k = 0; k < SW_KEYS; k++)
        snprintf(name[k], sizeof(name[k]), "key.%02d", k);
    uint8_t fill = 1;
    for (int round = 0; round < 24; round++) {
        for (int k = 0; k < SW_KEYS; k++) {
            if ((k + round) % 3 == 0)
                continue;
            if ((k * 7 + round) % 11 == 0 && model[k] != 0) {
                assert_int_equal(fst_begin(&e->st), FST_OK);
                assert_int_equal(fst_del(&e->st, 5, N(name[k]), strlen(name[k])), FST_OK);
                assert_int_equal(fst_commit(&e->st), FST_OK);
                model[k] = 0;
            } else {
                put1(e, name[k], fill, 150 + (size_t)k * 10);
                model[k] = fill++;
            }
        }
    }
    assert_true(e->st.collections > 0); /* the log holds collected copies and GC-end records */
    env_remount(e);
    assert_true(e->st.head_seq - e->st.tail_seq >= 1);
    size_t size = (size_t)e->flash.block_size * e->flash.block_count;
    uint8_t *image = malloc(size);
    assert_non_null(image);
    fcc_flash_sim_snapshot(&e->sim, image, size);
    /* the log: each segment from its start to its end */
    uint32_t from[8], to[8], nseg = 0;
    for (uint32_t seq = e->st.tail_seq; seq <= e->st.head_seq; seq++) {
        uint32_t pos = (e->st.head_pos + e->st.seg_count - (e->st.head_seq - seq)) %
                       e->st.seg_count;
        uint32_t end = e->st.seg_size;
        if (seq == e->st.head_seq)
            end = e->st.head_off;
        else {
            uint32_t npos = (pos + 1) % e->st.seg_count;
            const uint8_t *h = image + (size_t)npos * e->st.seg_size;
            end = (uint32_t)h[16] | (uint32_t)h[17] << 8 | (uint32_t)h[18] << 16 |
                  (uint32_t)h[19] << 24;
        }
        from[nseg] = pos * e->st.seg_size;
        to[nseg++] = pos * e->st.seg_size + end;
    }
    unsigned flips = 0, reported = 0, refused = 0;
    for (uint32_t sgi = 0; sgi < nseg; sgi++) {
        for (uint32_t at = from[sgi]; at < to[sgi]; at += 17) {
            fst_unmount(&e->st);
            image[at] ^= (uint8_t)(1u << (at % 8));
            fcc_flash_sim_load(&e->sim, image, size);
            image[at] ^= (uint8_t)(1u << (at % 8));
            flips++;
            if (fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)) != FST_OK) {
                refused++;
                reported++;
                continue;
            }
            bool bad = false;
            for (int k = 0; k < SW_KEYS; k++) {
                uint8_t f = 0;
                int rc = get(e, name[k], &f);
                if (rc == FST_ERR_CORRUPT) {
                    bad = true;
                    continue;
                }
                if (model[k] == 0 && rc != FST_ERR_NOENT)
                    fail_msg("flip at %u: deleted %s reads %d", at, name[k], rc);
                if (model[k] != 0 && (rc != FST_OK || f != model[k]))
                    fail_msg("flip at %u: %s reads %d (fill %u, committed %u)", at, name[k], rc,
                             f, model[k]);
            }
            fst_info_t info;
            assert_int_equal(fst_info(&e->st, &info), FST_OK);
            if (bad)
                assert_true(info.damaged > 0); /* a key that reads damaged: the store says so */
            reported += info.damaged > 0;
        }
    }
    printf("  history sweep: %u flips over %u segments, %u reported (%u refused at mount)\n",
           flips, nseg, reported, refused);
    free(image);
    env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_middle_flip_is_damage),
        cmocka_unit_test(test_no_older_version),
        cmocka_unit_test(test_header_flip_names_the_key),
        cmocka_unit_test(test_unknown_damage),
        cmocka_unit_test(test_last_commit_flip),
        cmocka_unit_test(test_segment_header_flip),
        cmocka_unit_test(test_sweep_with_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
