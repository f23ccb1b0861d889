/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss tests of the storage engine. A scenario is a starting store and one transaction;
 * the transaction is run once to count its flash operations, then once per operation with the
 * power cut at that operation (every one, not a sample), landing nothing, a prefix, or a random
 * subset of bits. After each cut the flash is powered on and remounted, and the store must hold
 * exactly the old item set or exactly the new one, byte for byte; a follow-up write must then
 * work and survive another remount. Scenarios: a bundle-sized transaction, the same with garbage
 * collection running inside it, and a transaction replacing and deleting existing items, over
 * several geometries. A last test mounts randomly corrupted images. */
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

/* ---- item sets (the model) ---- */

#define MAX_ITEMS 48
#define MAX_VAL 1400

typedef struct kv {
    uint8_t type;
    char name[48];
    size_t len;
    uint8_t val[MAX_VAL];
} kv_t;

typedef struct set {
    int n;
    kv_t kv[MAX_ITEMS];
} set_t;

typedef struct op {
    bool del;
    kv_t kv;
} op_t;

typedef struct txn {
    int n;
    op_t op[24];
} txn_t;

static int set_find(const set_t *s, uint8_t type, const char *name, size_t nlen)
{
    for (int i = 0; i < s->n; i++)
        if (s->kv[i].type == type && strlen(s->kv[i].name) == nlen &&
            memcmp(s->kv[i].name, name, nlen) == 0)
            return i;
    return -1;
}

static void set_apply(set_t *s, const txn_t *t)
{
    for (int i = 0; i < t->n; i++) {
        const kv_t *kv = &t->op[i].kv;
        int at = set_find(s, kv->type, kv->name, strlen(kv->name));
        if (t->op[i].del) {
            if (at >= 0)
                s->kv[at] = s->kv[--s->n];
        } else if (at >= 0) {
            s->kv[at] = *kv;
        } else {
            assert_true(s->n < MAX_ITEMS);
            s->kv[s->n++] = *kv;
        }
    }
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void kv_make(kv_t *kv, uint8_t type, const char *name, size_t len, uint32_t seed)
{
    memset(kv, 0, sizeof(*kv));
    kv->type = type;
    snprintf(kv->name, sizeof(kv->name), "%s", name);
    kv->len = len;
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < len; i++)
        kv->val[i] = (uint8_t)rnd(&s);
    /* DER-like runs of 0xFF and 0x00 inside values keep the padding logic honest */
    if (len > 40) {
        memset(kv->val + 10, 0xFF, 12);
        memset(kv->val + 30, 0x00, 8);
    }
}

static void txn_put(txn_t *t, uint8_t type, const char *name, size_t len, uint32_t seed)
{
    op_t *o = &t->op[t->n++];
    o->del = false;
    kv_make(&o->kv, type, name, len, seed);
}

static void txn_del(txn_t *t, uint8_t type, const char *name)
{
    op_t *o = &t->op[t->n++];
    memset(o, 0, sizeof(*o));
    o->del = true;
    o->kv.type = type;
    snprintf(o->kv.name, sizeof(o->kv.name), "%s", name);
}

/* A provisioning bundle: a 3-certificate chain, a private key, a device certificate, and
 * configuration parameters: 12 items, 3774 value bytes and 243 name bytes (about 4 KiB). */
static void bundle(txn_t *t, uint32_t seed)
{
    memset(t, 0, sizeof(*t));
    txn_put(t, 1, "mbed.LwM2MDevicePrivateKey", 138, seed + 1);
    txn_put(t, 2, "mbed.LwM2MDeviceCert", 930, seed + 2);
    txn_put(t, 2, "mbed.LwM2MServerCACert.1", 880, seed + 3);
    txn_put(t, 2, "mbed.LwM2MServerCACert.2", 850, seed + 4);
    txn_put(t, 2, "mbed.LwM2MServerCACert.3", 820, seed + 5);
    txn_put(t, 5, "mbed.LwM2MServerURI", 48, seed + 6);
    txn_put(t, 5, "mbed.EndpointName", 36, seed + 7);
    txn_put(t, 5, "mbed.Manufacturer", 20, seed + 8);
    txn_put(t, 5, "mbed.ModelNumber", 16, seed + 9);
    txn_put(t, 5, "mbed.DeviceSerialNumber", 24, seed + 10);
    txn_put(t, 5, "mbed.UseBootstrap", 4, seed + 11);
    txn_put(t, 5, "mbed.CurrentTime", 8, seed + 12);
}

/* ---- the flash under test ---- */

typedef struct rig {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    fst_t st;
    uint8_t work[FST_WORK_SIZE];
    size_t bytes, units;
    uint8_t *save_mem, *save_written;
    uint32_t *save_wear;
} rig_t;

static rig_t *rig_new(uint32_t prog, uint32_t block, uint32_t count)
{
    rig_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    assert_int_equal(fcc_flash_ram_init(&r->sim, &r->flash, prog, block, count), FCC_FLASH_OK);
    r->bytes = (size_t)block * count;
    r->units = r->bytes / prog;
    r->save_mem = malloc(r->bytes);
    r->save_written = malloc(r->units);
    r->save_wear = malloc(count * sizeof(uint32_t));
    assert_true(r->save_mem && r->save_written && r->save_wear);
    assert_int_equal(fst_mount(&r->st, &r->flash, r->work, sizeof(r->work)), FST_OK);
    return r;
}

static void rig_free(rig_t *r)
{
    fst_unmount(&r->st);
    fcc_flash_sim_close(&r->sim);
    free(r->save_mem);
    free(r->save_written);
    free(r->save_wear);
    free(r);
}

/* Saves the complete simulator state (content, programmed units, wear). */
static void rig_save(rig_t *r)
{
    memcpy(r->save_mem, r->sim.mem, r->bytes);
    memcpy(r->save_written, r->sim.written, r->units);
    memcpy(r->save_wear, r->sim.wear, r->flash.block_count * sizeof(uint32_t));
}

static void rig_restore(rig_t *r)
{
    memcpy(r->sim.mem, r->save_mem, r->bytes);
    memcpy(r->sim.written, r->save_written, r->units);
    memcpy(r->sim.wear, r->save_wear, r->flash.block_count * sizeof(uint32_t));
    fcc_flash_sim_power_on(&r->sim);
}

static int rig_mount(rig_t *r)
{
    fst_unmount(&r->st);
    return fst_mount(&r->st, &r->flash, r->work, sizeof(r->work));
}

static int apply(fst_t *st, const txn_t *t)
{
    int rc = fst_begin(st);
    for (int i = 0; i < t->n && rc == FST_OK; i++) {
        const kv_t *kv = &t->op[i].kv;
        if (t->op[i].del)
            rc = fst_del(st, kv->type, (const uint8_t *)kv->name, strlen(kv->name));
        else
            rc = fst_put(st, kv->type, (const uint8_t *)kv->name, strlen(kv->name), kv->val,
                         kv->len);
    }
    if (rc == FST_OK)
        return fst_commit(st);
    (void)fst_abort(st);
    return rc;
}

static void apply_ok(rig_t *r, set_t *model, const txn_t *t)
{
    assert_int_equal(apply(&r->st, t), FST_OK);
    set_apply(model, t);
}

/* True when the store holds exactly the items of `s`, byte for byte. */
static bool holds(fst_t *st, const set_t *s)
{
    static uint8_t buf[FST_VALUE_MAX];
    fst_iter_t it;
    memset(&it, 0, sizeof(it));
    uint8_t type, name[FST_NAME_MAX];
    size_t nlen, vlen;
    int count = 0, rc;
    while ((rc = fst_next(st, &it, &type, name, &nlen, &vlen)) == FST_OK) {
        int at = set_find(s, type, (const char *)name, nlen);
        if (at < 0 || s->kv[at].len != vlen)
            return false;
        size_t got = 0;
        if (fst_get(st, type, name, nlen, buf, sizeof(buf), &got) != FST_OK || got != vlen ||
            memcmp(buf, s->kv[at].val, vlen) != 0)
            return false;
        count++;
    }
    if (rc != FST_ERR_NOENT || count != s->n)
        return false;
    /* and every expected item reads back by name */
    for (int i = 0; i < s->n; i++) {
        size_t got = 0;
        const kv_t *kv = &s->kv[i];
        if (fst_get(st, kv->type, (const uint8_t *)kv->name, strlen(kv->name), buf, sizeof(buf),
                    &got) != FST_OK ||
            got != kv->len || memcmp(buf, kv->val, kv->len) != 0)
            return false;
    }
    return true;
}

typedef struct stats {
    int cuts, old_state, new_state, double_cuts;
} stats_t;

static const char *tear_name(fcc_flash_tear_t t)
{
    return t == FCC_FLASH_TEAR_NONE ? "none" : t == FCC_FLASH_TEAR_PREFIX ? "prefix" : "bits";
}

/* Runs `t` from the saved state (holding `before`) with a cut at every operation in turn. */
static void cut_everywhere(rig_t *r, const set_t *before, const txn_t *t, fcc_flash_tear_t tear,
                           bool expect_gc, stats_t *stats)
{
    static set_t after, follow_old, follow_new;
    after = *before;
    set_apply(&after, t);

    /* dry run: count the operations */
    rig_restore(r);
    assert_int_equal(rig_mount(r), FST_OK);
    uint64_t ops0 = r->sim.stats.progs + r->sim.stats.erases;
    assert_int_equal(apply(&r->st, t), FST_OK);
    uint64_t total = r->sim.stats.progs + r->sim.stats.erases - ops0;
    if (expect_gc)
        assert_true(r->st.collections > 0);
    assert_true(holds(&r->st, &after));
    assert_true(total > 3);

    txn_t follow;
    memset(&follow, 0, sizeof(follow));
    txn_put(&follow, 9, "follow.up", 300, 99);
    follow_old = *before;
    set_apply(&follow_old, &follow);
    follow_new = after;
    set_apply(&follow_new, &follow);

    for (uint64_t n = 1; n <= total; n++) {
        rig_restore(r);
        assert_int_equal(rig_mount(r), FST_OK);
        r->sim.cut_after = n;
        r->sim.tear = tear;
        r->sim.seed = (uint32_t)(n * 7919u + (uint32_t)tear);
        int rc = apply(&r->st, t);
        if (rc == FST_OK)
            fail_msg("cut at op %llu of %llu (%s): the transaction reported success",
                     (unsigned long long)n, (unsigned long long)total, tear_name(tear));
        fcc_flash_sim_power_on(&r->sim);
        rc = rig_mount(r);
        if (rc != FST_OK)
            fail_msg("cut at op %llu of %llu (%s): mount failed %d", (unsigned long long)n,
                     (unsigned long long)total, tear_name(tear), rc);
        bool is_old = holds(&r->st, before), is_new = !is_old && holds(&r->st, &after);
        if (!is_old && !is_new)
            fail_msg("cut at op %llu of %llu (%s): neither the old nor the new item set",
                     (unsigned long long)n, (unsigned long long)total, tear_name(tear));
        stats->cuts++;
        stats->old_state += is_old;
        stats->new_state += is_new;
        if (is_old) {
            /* a second cut while redoing the transaction on the recovered store */
            r->sim.cut_after = 1 + (n * 31u + 7u) % (total + 2);
            r->sim.tear = tear;
            r->sim.seed = (uint32_t)(n * 104729u);
            (void)apply(&r->st, t);
            fcc_flash_sim_power_on(&r->sim);
            rc = rig_mount(r);
            if (rc != FST_OK)
                fail_msg("second cut after op %llu (%s): mount failed %d", (unsigned long long)n,
                         tear_name(tear), rc);
            is_old = holds(&r->st, before);
            is_new = !is_old && holds(&r->st, &after);
            if (!is_old && !is_new)
                fail_msg("second cut after op %llu (%s): neither old nor new",
                         (unsigned long long)n, tear_name(tear));
            stats->double_cuts++;
        }
        /* the recovered store takes writes, and they last */
        rc = apply(&r->st, &follow);
        if (rc != FST_OK)
            fail_msg("cut at op %llu (%s): follow-up write failed %d", (unsigned long long)n,
                     tear_name(tear), rc);
        assert_int_equal(rig_mount(r), FST_OK);
        if (!holds(&r->st, is_old ? &follow_old : &follow_new))
            fail_msg("cut at op %llu (%s): follow-up write lost", (unsigned long long)n,
                     tear_name(tear));
    }
}

typedef struct geo {
    uint32_t prog, block, count;
} geo_t;

static const geo_t geos[] = {
#ifdef FCC_POWERLOSS_ONE_GEOMETRY /* the emulated board (tests/target): one geometry, short run */
    {8, 4096, 8},
#else
    {1, 2048, 24},   /* 3 blocks per segment, 8 segments */
    {8, 4096, 8},    /* 2 blocks per segment, 4 segments */
    {16, 131072, 2}, /* 1 block per segment, 2 segments: the tail is the head */
    {16, 4096, 6},   /* 3 segments */
#endif
};

static const fcc_flash_tear_t tears[] = {FCC_FLASH_TEAR_NONE, FCC_FLASH_TEAR_PREFIX,
                                         FCC_FLASH_TEAR_BITS};

/* A few committed items before the transaction under test. */
static void preload(rig_t *r, set_t *model)
{
    txn_t t;
    memset(&t, 0, sizeof(t));
    txn_put(&t, 5, "mbed.Timezone", 12, 500);
    txn_put(&t, 5, "old.config", 64, 501);
    txn_put(&t, 2, "old.cert", 600, 502);
    apply_ok(r, model, &t);
    memset(&t, 0, sizeof(t));
    txn_put(&t, 5, "old.config", 70, 503);
    txn_del(&t, 5, "mbed.Timezone");
    apply_ok(r, model, &t);
}

static void report(const char *what, const geo_t *g, fcc_flash_tear_t tear, const stats_t *s)
{
    printf("  %-8s prog %2u block %6u x %2u tear %-6s: %4d cuts (%d old, %d new), %d double\n",
           what, g->prog, g->block, g->count, tear_name(tear), s->cuts, s->old_state,
           s->new_state, s->double_cuts);
}

static void test_bundle_commit(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        for (size_t k = 0; k < 3; k++) {
            rig_t *r = rig_new(geos[g].prog, geos[g].block, geos[g].count);
            static set_t model;
            memset(&model, 0, sizeof(model));
            preload(r, &model);
            rig_save(r);
            static txn_t t;
            bundle(&t, 1000);
            stats_t s = {0};
            cut_everywhere(r, &model, &t, tears[k], false, &s);
            assert_true(s.old_state > 0 && s.old_state + s.new_state == s.cuts);
            report("bundle", &geos[g], tears[k], &s);
            rig_free(r);
        }
    }
}

static void test_replace_and_delete(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        for (size_t k = 0; k < 3; k++) {
            rig_t *r = rig_new(geos[g].prog, geos[g].block, geos[g].count);
            static set_t model;
            memset(&model, 0, sizeof(model));
            preload(r, &model);
            static txn_t t;
            bundle(&t, 1000);
            apply_ok(r, &model, &t);
            rig_save(r);
            /* replace half of the bundle, delete the other half, add one */
            memset(&t, 0, sizeof(t));
            txn_put(&t, 2, "mbed.LwM2MDeviceCert", 840, 2002);
            txn_put(&t, 1, "mbed.LwM2MDevicePrivateKey", 138, 2001);
            txn_put(&t, 5, "mbed.LwM2MServerURI", 52, 2006);
            txn_del(&t, 2, "mbed.LwM2MServerCACert.1");
            txn_del(&t, 2, "mbed.LwM2MServerCACert.2");
            txn_del(&t, 5, "mbed.Manufacturer");
            txn_del(&t, 5, "old.config");
            txn_put(&t, 5, "mbed.EndpointName", 40, 2007);
            txn_del(&t, 5, "mbed.EndpointName"); /* put then delete inside one transaction */
            txn_put(&t, 5, "new.config", 30, 2008);
            txn_put(&t, 5, "new.config", 31, 2009); /* the second put wins */
            txn_del(&t, 2, "mbed.LwM2MServerCACert.3");
            txn_put(&t, 2, "mbed.LwM2MServerCACert.3", 650, 2010); /* delete then put */
            stats_t s = {0};
            cut_everywhere(r, &model, &t, tears[k], false, &s);
            assert_true(s.old_state > 0 && s.old_state + s.new_state == s.cuts);
            report("replace", &geos[g], tears[k], &s);
            rig_free(r);
        }
    }
}

static void test_collection_inside_commit(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        for (size_t k = 0; k < 3; k++) {
            rig_t *r = rig_new(geos[g].prog, geos[g].block, geos[g].count);
            static set_t model;
            memset(&model, 0, sizeof(model));
            preload(r, &model);
            static txn_t t;
            /* churn until the free space is below one bundle, so the bundle collects */
            fst_info_t info;
            uint32_t i = 0;
            for (;;) {
                assert_int_equal(fst_info(&r->st, &info), FST_OK);
                if (info.free_bytes < 3000)
                    break;
                memset(&t, 0, sizeof(t));
                char name[16];
                snprintf(name, sizeof(name), "fill.%u", i % 3);
                txn_put(&t, 7, name, info.free_bytes > 2200 ? 1000 : 400, 3000 + i);
                if (i % 5 == 4)
                    txn_del(&t, 5, "old.config");
                if (i % 5 == 0)
                    txn_put(&t, 5, "old.config", 10, 4000 + i);
                apply_ok(r, &model, &t);
                i++;
            }
            assert_int_equal(rig_mount(r), FST_OK); /* start from a fresh mount */
            rig_save(r);
            bundle(&t, 5000);
            txn_del(&t, 7, "fill.0");
            stats_t s = {0};
            cut_everywhere(r, &model, &t, tears[k], true, &s);
            assert_true(s.old_state > 0 && s.old_state + s.new_state == s.cuts);
            report("gc", &geos[g], tears[k], &s);
            rig_free(r);
        }
    }
}

/* Random corruption of a valid image: mount either fails with a clear error or succeeds, and
 * then every read returns a value whose check passed or an error. Never a crash. */
static void test_random_corruption(void **state)
{
    (void)state;
    rig_t *r = rig_new(8, 4096, 8);
    static set_t model;
    memset(&model, 0, sizeof(model));
    preload(r, &model);
    static txn_t t;
    bundle(&t, 7000);
    apply_ok(r, &model, &t);
    rig_save(r);
    uint32_t s = 12345;
    int mounted = 0, refused = 0;
    static uint8_t buf[FST_VALUE_MAX];
    for (int round = 0; round < 300; round++) {
        rig_restore(r);
        int flips = 1 + (int)(rnd(&s) % 16);
        for (int f = 0; f < flips; f++) {
            size_t at = rnd(&s) % r->bytes;
            if (round % 3 == 0)
                at = (rnd(&s) % 8) * 4096 + rnd(&s) % 64; /* headers */
            r->sim.mem[at] ^= (uint8_t)(1u << (rnd(&s) % 8));
        }
        int rc = rig_mount(r);
        if (rc != FST_OK) {
            assert_true(rc == FST_ERR_CORRUPT || rc == FST_ERR_VERSION);
            refused++;
            continue;
        }
        mounted++;
        for (int i = 0; i < model.n; i++) {
            size_t got = 0;
            const kv_t *kv = &model.kv[i];
            rc = fst_get(&r->st, kv->type, (const uint8_t *)kv->name, strlen(kv->name), buf,
                         sizeof(buf), &got);
            assert_true(rc == FST_OK || rc == FST_ERR_NOENT || rc == FST_ERR_CORRUPT);
        }
        fst_iter_t it;
        memset(&it, 0, sizeof(it));
        uint8_t type, name[FST_NAME_MAX];
        size_t nlen, vlen;
        int guard = 0;
        while (fst_next(&r->st, &it, &type, name, &nlen, &vlen) == FST_OK && guard++ < 1000)
            (void)fst_get(&r->st, type, name, nlen, buf, sizeof(buf), &vlen);
        /* writing over a damaged image fails cleanly or works */
        txn_t w;
        memset(&w, 0, sizeof(w));
        txn_put(&w, 9, "after.damage", 200, 1);
        rc = apply(&r->st, &w);
        assert_true(rc == FST_OK || rc == FST_ERR_NOSPC || rc == FST_ERR_CORRUPT ||
                    rc == FST_ERR_IO);
    }
    printf("  corruption: %d images mounted, %d refused\n", mounted, refused);
    assert_true(mounted > 0);
    rig_free(r);
}


/* Cuts during fst_format of a live store (old items or an empty store afterwards) and during
 * the first mount of a blank flash (an empty, working store afterwards). */
static void test_format_and_first_mount(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        for (size_t k = 0; k < 3; k++) {
            rig_t *r = rig_new(geos[g].prog, geos[g].block, geos[g].count);
            static set_t model, empty;
            memset(&model, 0, sizeof(model));
            memset(&empty, 0, sizeof(empty));
            preload(r, &model);
            rig_save(r);
            rig_restore(r);
            uint64_t ops0 = r->sim.stats.progs + r->sim.stats.erases;
            assert_int_equal(fst_format(&r->st, &r->flash, r->work, sizeof(r->work)), FST_OK);
            uint64_t total = r->sim.stats.progs + r->sim.stats.erases - ops0;
            assert_true(holds(&r->st, &empty));
            int olds = 0;
            for (uint64_t n = 1; n <= total; n++) {
                rig_restore(r);
                r->sim.cut_after = n;
                r->sim.tear = tears[k];
                r->sim.seed = (uint32_t)n;
                assert_int_not_equal(fst_format(&r->st, &r->flash, r->work, sizeof(r->work)),
                                     FST_OK);
                fcc_flash_sim_power_on(&r->sim);
                assert_int_equal(rig_mount(r), FST_OK);
                bool is_old = holds(&r->st, &model);
                assert_true(is_old || holds(&r->st, &empty));
                olds += is_old;
            }
            assert_true(olds > 0);
            rig_free(r);

            /* the first mount of a blank flash formats it */
            r = calloc(1, sizeof(*r));
            assert_non_null(r);
            assert_int_equal(fcc_flash_ram_init(&r->sim, &r->flash, geos[g].prog, geos[g].block,
                                                geos[g].count),
                             FCC_FLASH_OK);
            r->bytes = (size_t)geos[g].block * geos[g].count;
            r->units = r->bytes / geos[g].prog;
            r->save_mem = malloc(r->bytes);
            r->save_written = malloc(r->units);
            r->save_wear = malloc(geos[g].count * sizeof(uint32_t));
            assert_true(r->save_mem && r->save_written && r->save_wear);
            rig_save(r);
            assert_int_equal(rig_mount(r), FST_OK);
            total = r->sim.stats.progs + r->sim.stats.erases;
            for (uint64_t n = 1; n <= total; n++) {
                rig_restore(r);
                fst_unmount(&r->st);
                r->sim.cut_after = n;
                r->sim.tear = tears[k];
                r->sim.seed = (uint32_t)n + 77;
                assert_int_not_equal(fst_mount(&r->st, &r->flash, r->work, sizeof(r->work)),
                                     FST_OK);
                fcc_flash_sim_power_on(&r->sim);
                assert_int_equal(rig_mount(r), FST_OK);
                assert_true(holds(&r->st, &empty));
                txn_t t;
                memset(&t, 0, sizeof(t));
                txn_put(&t, 1, "first", 10, 1);
                assert_int_equal(apply(&r->st, &t), FST_OK);
                assert_int_equal(rig_mount(r), FST_OK);
                static set_t one;
                memset(&one, 0, sizeof(one));
                set_apply(&one, &t);
                assert_true(holds(&r->st, &one));
            }
            rig_free(r);
        }
    }
}


/* Random transactions (puts, deletes, aborts, remounts) on small stores that collect often, with
 * the power cut at a random operation of one transaction in three, any tear mode: after every
 * step the store holds exactly the model's old or new item set. Twelve keys of under 400 bytes
 * and five operations per transaction fit even the two-segment store, so no step may fail. */
static void random_cuts(uint32_t prog, uint32_t block, uint32_t count, uint32_t seed, int steps,
                        stats_t *st)
{
    rig_t *r = rig_new(prog, block, count);
    static set_t model, next;
    static txn_t t;
    memset(&model, 0, sizeof(model));
    uint32_t s = seed, collections = 0;
    for (int step = 0; step < steps; step++) {
        memset(&t, 0, sizeof(t));
        next = model;
        int ops = 1 + (int)(rnd(&s) % 5);
        for (int o = 0; o < ops; o++) {
            char name[16];
            int k = (int)(rnd(&s) % 12);
            snprintf(name, sizeof(name), "k%d", k);
            uint8_t type = (uint8_t)(k % 3);
            if (set_find(&next, type, name, strlen(name)) >= 0 && rnd(&s) % 3 == 0)
                txn_del(&t, type, name);
            else
                txn_put(&t, type, name, rnd(&s) % 400, rnd(&s));
            next = model;
            set_apply(&next, &t);
        }
        bool cut = rnd(&s) % 3 == 0;
        if (cut) {
            r->sim.cut_after = 1 + rnd(&s) % 24;
            r->sim.tear = tears[rnd(&s) % 3];
            r->sim.seed = rnd(&s);
        }
        int rc;
        if (!cut && rnd(&s) % 8 == 0) {
            /* an aborted transaction */
            rc = fst_begin(&r->st);
            for (int i = 0; i < t.n && rc == FST_OK; i++)
                if (!t.op[i].del)
                    rc = fst_put(&r->st, t.op[i].kv.type, (const uint8_t *)t.op[i].kv.name,
                                 strlen(t.op[i].kv.name), t.op[i].kv.val, t.op[i].kv.len);
            assert_int_equal(rc, FST_OK);
            assert_int_equal(fst_abort(&r->st), FST_OK);
            assert_true(holds(&r->st, &model));
            continue;
        }
        rc = apply(&r->st, &t);
        if (cut && r->sim.powered) {
            /* the transaction ended before the cut came */
            r->sim.cut_after = 0;
            assert_int_equal(rc, FST_OK);
            cut = false;
        }
        if (cut) {
            fcc_flash_sim_power_on(&r->sim);
            collections += r->st.collections;
            rc = rig_mount(r);
            if (rc != FST_OK)
                fail_msg("seed %u step %d: mount after cut failed %d", seed, step, rc);
            bool is_old = holds(&r->st, &model), is_new = !is_old && holds(&r->st, &next);
            if (!is_old && !is_new)
                fail_msg("seed %u step %d: neither old nor new after a cut", seed, step);
            if (is_new)
                model = next;
            st->cuts++;
            st->old_state += is_old;
            st->new_state += is_new;
        } else {
            if (rc != FST_OK)
                fail_msg("seed %u step %d: transaction failed %d", seed, step, rc);
            model = next;
            if (rnd(&s) % 10 == 0) {
                collections += r->st.collections;
                assert_int_equal(rig_mount(r), FST_OK);
            }
            if (!holds(&r->st, &model))
                fail_msg("seed %u step %d: store differs from the model", seed, step);
        }
    }
    st->double_cuts += (int)(collections + r->st.collections); /* here: collections */
    rig_free(r);
}

static void test_random_cuts(void **state)
{
    (void)state;
    stats_t s = {0};
#ifdef FCC_POWERLOSS_ONE_GEOMETRY
    for (uint32_t seed = 1; seed <= 18; seed++) { /* as many runs, on the one geometry */
#else
    for (uint32_t seed = 1; seed <= 6; seed++) {
#endif
        random_cuts(8, 4096, 6, seed, 250, &s);   /* 3 segments */
#ifndef FCC_POWERLOSS_ONE_GEOMETRY
        random_cuts(16, 4096, 4, seed, 250, &s);  /* 2 segments */
        random_cuts(1, 2048, 9, seed, 250, &s);   /* 3 segments of 3 erase units */
#endif
    }
    printf("  random: %d cuts (%d old, %d new), %d collections\n", s.cuts,
           s.old_state, s.new_state, s.double_cuts);
    assert_true(s.cuts > 500 && s.old_state > 0 && s.new_state > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_commit),
        cmocka_unit_test(test_replace_and_delete),
        cmocka_unit_test(test_collection_inside_commit),
        cmocka_unit_test(test_format_and_first_mount),
        cmocka_unit_test(test_random_cuts),
        cmocka_unit_test(test_random_corruption),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
