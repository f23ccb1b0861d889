/* SPDX-License-Identifier: Apache-2.0 */
/* Corruption at rest, end to end (issue 19). A device provisioned with a real bundle (the
 * legacy-v1 fixture: 16 items, a 3-certificate device chain) has its flash damaged persistently
 * (the bytes themselves changed, so every read sees the damage): one bit in every byte of the
 * used area in turn, two and eight random bits (seeded), and whole program units erased to 0xFF
 * in the middle of the log. After each damage the device boots (mount), lists, reads every item
 * and verifies, as fcc-device would. The test fails when a damage leaves fewer or older items
 * than were committed while nothing in the library said so (mount, store check, listing, reads
 * and verification all reporting success), and when any read returns data other than what was
 * stored. It prints how many damages were detected, how many items stayed readable per damage
 * on average, and how many damages were harmless (every item intact). Each damage is applied to a
 * RAM copy of the provisioned image, so one damage costs one mount and a few reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/ftcd.h"
#include "support/test_device.h"

#define NOW 1800000000LL
#define MAX_ITEMS 32

typedef struct item {
    kcm_item_type_t type;
    uint8_t name[FCC_NAME_MAX];
    size_t name_len;
    uint8_t digest[FTCD_DIGEST_SIZE]; /* of the data, every certificate of a chain included */
} item_t;

typedef struct geo {
    uint32_t prog, block, count;
} geo_t;

/* Two geometries: the fcc-device program unit with 4 KiB erase units, and a smaller unit. */
static const geo_t geos[] = {{16, 4096, 12}, {8, 2048, 24}};

typedef struct rig {
    test_device_t dev;
    geo_t g;
    size_t size;
    uint8_t *image;       /* the provisioned flash */
    uint8_t *scratch;
    uint32_t used_from, used_to; /* byte range of the log in the image */
    item_t items[MAX_ITEMS];
    size_t n;
} rig_t;

typedef struct tally {
    unsigned damages, detected, harmless, mount_refused, verified;
    unsigned long readable; /* items intact, summed over damages */
} tally_t;

static uint8_t bundle[16384];
static size_t bundle_len;
static uint8_t data[8192];

static void load_bundle(void)
{
    FILE *f = fopen(FCC_SOURCE_DIR "/tests/data/legacy-v1/bundle.cbor", "rb");
    assert_non_null(f);
    bundle_len = fread(bundle, 1, sizeof(bundle), f);
    fclose(f);
    assert_true(bundle_len > 0 && bundle_len < sizeof(bundle));
}

/* Reads an item whole (a chain: every certificate) and digests it. KCM_OK or the failure. */
static kcm_status_t read_item(kcm_t *kcm, kcm_item_type_t type, const uint8_t *name, size_t nlen,
                              uint8_t digest[FTCD_DIGEST_SIZE])
{
    size_t len = 0;
    kcm_status_t st;
    if (type == KCM_CERTIFICATE) {
        kcm_chain_t ch;
        size_t cl = 0;
        if ((st = kcm_chain_open(kcm, &ch, name, nlen, &cl)) != KCM_OK)
            return st;
        for (size_t i = 0; i < cl && st == KCM_OK; i++) {
            size_t got = 0;
            st = kcm_chain_get_next_data(&ch, data + len, sizeof(data) - len, &got);
            len += got;
        }
        (void)kcm_chain_close(&ch);
        if (st != KCM_OK)
            return st;
    } else if ((st = kcm_item_get_data(kcm, name, nlen, type, data, sizeof(data), &len)) !=
               KCM_OK) {
        return st;
    }
    assert_int_equal(ftcd_digest(data, len, digest), FTCD_STATUS_SUCCESS);
    return KCM_OK;
}

static rig_t *rig_new(const geo_t *g)
{
    rig_t *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->g = *g;
    r->size = (size_t)g->block * g->count;
    r->image = malloc(r->size);
    r->scratch = malloc(r->size);
    assert_true(r->image && r->scratch);
    assert_int_equal(test_device_init(&r->dev, g->prog, g->block, g->count, NOW), 0);
    size_t resp_len = 0;
    fcc_status_t st = fcc_bundle_handler(&r->dev.fcc, bundle, bundle_len, r->dev.resp,
                                         sizeof(r->dev.resp), &resp_len, NULL);
    assert_int_equal(st, FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&r->dev.fcc), FCC_STATUS_SUCCESS);
    /* the committed state: every item and its digest */
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    kcm_status_t ks;
    while ((ks = kcm_iter_next(&r->dev.kcm, &it, &info)) == KCM_OK) {
        assert_true(r->n < MAX_ITEMS);
        item_t *m = &r->items[r->n++];
        m->type = info.type;
        memcpy(m->name, info.name, info.name_len);
        m->name_len = info.name_len;
        assert_int_equal(read_item(&r->dev.kcm, m->type, m->name, m->name_len, m->digest), KCM_OK);
    }
    assert_int_equal(ks, KCM_ERR_NOT_FOUND);
    assert_true(r->n >= 16);
    /* the used area: the log of one bundle fits its first segment */
    const fst_t *fst = &r->dev.kcm.store;
    assert_int_equal(fst->head_seq, fst->tail_seq);
    r->used_from = fst->head_pos * fst->seg_size;
    r->used_to = r->used_from + fst->head_off;
    fcc_flash_sim_snapshot(&r->dev.sim, r->image, r->size);
    return r;
}

static void rig_free(rig_t *r)
{
    test_device_fini(&r->dev);
    free(r->image);
    free(r->scratch);
    free(r);
}

/* Boots the device on the damaged image in r->scratch and does what a user would: list, read
 * every committed item, verify. Fails the test on a silent loss; counts the outcome. */
static void judge(rig_t *r, tally_t *t, const char *what, uint32_t where)
{
    test_device_t *d = &r->dev;
    fcc_free(&d->fcc);
    kcm_free(&d->kcm);
    fcc_flash_sim_load(&d->sim, r->scratch, r->size);
    t->damages++;
    if (kcm_init(&d->kcm, &d->flash, d->work, sizeof(d->work), fcc_port_posix_rng, NULL) !=
        KCM_OK) {
        /* the store is refused as a whole: reported, nothing read */
        memset(&d->kcm, 0, sizeof(d->kcm));
        t->detected++;
        t->mount_refused++;
        return;
    }
    assert_int_equal(fcc_init(&d->fcc, &d->kcm, &d->port, NULL), FCC_STATUS_SUCCESS);
    bool reported = false;
    kcm_damage_t first;
    kcm_status_t ks = kcm_store_check(&d->kcm, &first);
    assert_true(ks == KCM_OK || ks == KCM_ERR_CORRUPTED);
    reported |= ks != KCM_OK;
    /* list */
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    unsigned listed = 0, guard = 0;
    while ((ks = kcm_iter_next(&d->kcm, &it, &info)) != KCM_ERR_NOT_FOUND && guard++ < 200) {
        if (ks == KCM_OK)
            listed++;
        else
            reported = true;
    }
    /* read every committed item */
    unsigned intact = 0;
    for (size_t i = 0; i < r->n; i++) {
        const item_t *m = &r->items[i];
        uint8_t dg[FTCD_DIGEST_SIZE];
        ks = read_item(&d->kcm, m->type, m->name, m->name_len, dg);
        if (ks == KCM_OK) {
            if (memcmp(dg, m->digest, sizeof(dg)) != 0)
                fail_msg("%s at %u (prog %u): %.*s reads other data than was stored", what,
                         where, r->g.prog, (int)m->name_len, (const char *)m->name);
            intact++;
        } else {
            reported = true;
            if (ks != KCM_ERR_NOT_FOUND) {
                /* a damaged item reads as corrupted, status 4 at the wire */
                assert_int_equal(ks, KCM_ERR_CORRUPTED);
                assert_int_equal(kcm_to_fcc_status(ks), FCC_STATUS_STORE_ERROR);
            }
        }
    }
    /* verify: always when nothing else reported the damage (its verdict decides then); when
     * something did, on every 8th damage only (it cannot turn a reported damage into a silent
     * one, and it is the costly step: certificate parsing and signatures) */
    if (!reported || t->damages % 8 == 0) {
        fcc_status_t vs = fcc_verify_device_configured_4mbed_cloud(&d->fcc);
        if (vs != FCC_STATUS_SUCCESS) {
            const fcc_output_t *out = fcc_get_output_info(&d->fcc);
            /* a damaged item fails it as a store error naming the item */
            if (vs == FCC_STATUS_STORE_ERROR)
                assert_string_equal(out->error.prefix, "Internal storage error:");
            reported = true;
        }
        t->verified++;
    }
    bool whole = intact == r->n && listed == r->n;
    if (!whole && !reported)
        fail_msg("%s at %u (prog %u): %u of %zu items intact, %u listed, and the library "
                 "reported success",
                 what, where, r->g.prog, intact, r->n, listed);
    t->detected += reported;
    t->harmless += whole;
    t->readable += intact;
}

static void report(const rig_t *r, const char *what, const tally_t *t)
{
    printf("  %-22s prog %2u block %5u: %5u damages, %5u detected (%u refused at mount), %5u "
           "harmless, %.2f of %zu items readable on average (%u verified)\n",
           what, r->g.prog, r->g.block, t->damages, t->detected, t->mount_refused, t->harmless,
           t->damages ? (double)t->readable / t->damages : 0.0, r->n, t->verified);
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* One bit flipped in every byte of the used area, in turn. */
static void test_every_byte(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        rig_t *r = rig_new(&geos[g]);
        tally_t t = {0};
        for (uint32_t at = r->used_from; at < r->used_to; at++) {
            memcpy(r->scratch, r->image, r->size);
            r->scratch[at] ^= (uint8_t)(1u << (at * 5u % 8u));
            judge(r, &t, "bit flip", at);
        }
        report(r, "one bit in every byte", &t);
        assert_int_equal(t.damages, r->used_to - r->used_from);
        assert_true(t.detected > 0);
        rig_free(r);
    }
}

/* k random bits of the used area at once, seeded. */
static void random_flips(unsigned k, unsigned rounds)
{
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        rig_t *r = rig_new(&geos[g]);
        tally_t t = {0};
        uint32_t seed = 0x5eed0000u + k;
        uint32_t span = r->used_to - r->used_from;
        for (unsigned round = 0; round < rounds; round++) {
            memcpy(r->scratch, r->image, r->size);
            for (unsigned i = 0; i < k; i++) {
                uint32_t at = r->used_from + rnd(&seed) % span;
                r->scratch[at] ^= (uint8_t)(1u << (rnd(&seed) % 8u));
            }
            judge(r, &t, k == 2 ? "two flips" : "eight flips", round);
        }
        char what[32];
        snprintf(what, sizeof(what), "%u random bits", k);
        report(r, what, &t);
        assert_true(t.detected > 0);
        rig_free(r);
    }
}

static void test_two_random_flips(void **state)
{
    (void)state;
    random_flips(2, 250);
}

static void test_eight_random_flips(void **state)
{
    (void)state;
    random_flips(8, 250);
}

/* Every program unit between the first record and the last one erased to 0xFF in turn (the
 * segment header and the unit holding the log's end excluded: that is the middle of the log). */
static void test_erased_unit(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geos) / sizeof(geos[0]); g++) {
        rig_t *r = rig_new(&geos[g]);
        tally_t t = {0};
        uint32_t p = r->g.prog;
        uint32_t first = r->used_from + r->dev.kcm.store.hdr_size;
        uint32_t last = (r->used_to - 1) / p * p; /* the unit holding the end */
        for (uint32_t at = first; at < last; at += p) {
            memcpy(r->scratch, r->image, r->size);
            memset(r->scratch + at, 0xFF, p);
            judge(r, &t, "erased unit", at);
        }
        report(r, "program unit erased", &t);
        assert_true(t.detected > 0);
        rig_free(r);
    }
}

/* A damaged store takes no bundle until a factory reset accepts the damage; then it does. */
static void test_bundle_refused_until_reset(void **state)
{
    (void)state;
    rig_t *r = rig_new(&geos[0]);
    test_device_t *d = &r->dev;
    /* one bit of the device certificate chain's middle: a known, named item is damaged */
    memcpy(r->scratch, r->image, r->size);
    r->scratch[r->used_from + (r->used_to - r->used_from) / 2] ^= 0x10;
    fcc_free(&d->fcc);
    kcm_free(&d->kcm);
    fcc_flash_sim_load(&d->sim, r->scratch, r->size);
    assert_int_equal(test_device_reboot(d), 0);
    kcm_damage_t first;
    assert_int_equal(kcm_store_check(&d->kcm, &first), KCM_ERR_CORRUPTED);
    size_t resp_len = 0;
    fcc_status_t st = fcc_bundle_handler(&d->fcc, bundle, bundle_len, d->resp, sizeof(d->resp),
                                         &resp_len, NULL);
    assert_int_equal(st, FCC_STATUS_STORE_ERROR);
    const fcc_output_t *out = fcc_get_output_info(&d->fcc);
    char msg[256];
    fcc_finding_message(&out->error, msg, sizeof(msg));
    printf("  refused: %s\n", msg);
    assert_memory_equal(msg, "Internal storage error:", 23);
    /* the damage is still on flash after the refusal (nothing written over it) */
    uint8_t *now = malloc(r->size);
    assert_non_null(now);
    fcc_flash_sim_snapshot(&d->sim, now, r->size);
    assert_memory_equal(now, r->scratch, r->size);
    /* the explicit factory reset accepts it; the bundle then lands (the factory items it did not
     * damage are still there, so the same bundle meets existing names: wipe for a fresh start) */
    assert_int_equal(kcm_factory_reset(&d->kcm), KCM_OK);
    assert_int_equal(kcm_store_check(&d->kcm, &first), KCM_OK);
    assert_int_equal(test_device_reboot(d), 0);
    assert_int_equal(kcm_store_check(&d->kcm, &first), KCM_OK);
    assert_int_equal(kcm_wipe(&d->kcm), KCM_OK);
    st = fcc_bundle_handler(&d->fcc, bundle, bundle_len, d->resp, sizeof(d->resp), &resp_len,
                            NULL);
    assert_int_equal(st, FCC_STATUS_SUCCESS);
    free(now);
    rig_free(r);
}

int main(void)
{
    load_bundle();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_two_random_flips),
        cmocka_unit_test(test_eight_random_flips),
        cmocka_unit_test(test_erased_unit),
        cmocka_unit_test(test_bundle_refused_until_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
