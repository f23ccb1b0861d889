/* SPDX-License-Identifier: Apache-2.0 */
/* Power loss at the KCM level. A bundle-sized KCM transaction (root of trust and entropy, a
 * private key, a three-certificate chain, more than a dozen items, about 4 KiB) and a factory
 * reset are each cut at every single program and erase operation in turn, with the cut operation
 * not landing, landing as a prefix, or landing as a random subset of its bits. After each cut the
 * device "reboots" (remount) and must hold exactly the old item set or exactly the new one, byte
 * for byte, read back through the KCM API (decryption and chain reads included), and must still
 * accept new writes. Several geometries are covered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "unit/kcm_test_util.h"

static kt_blob_t key, key2, pub, leaf, inter, root, other;

/* ---- model of an expected store -------------------------------------------------------------- */

#define MAX_ITEMS 32

typedef struct m_item {
    const char *name;
    kcm_item_type_t type;
    const uint8_t *data; /* for chains: unused */
    size_t len;
    size_t chain;        /* certificates: number of certificates (1 = single) */
    const kt_blob_t *certs[5];
} m_item_t;

typedef struct model {
    m_item_t items[MAX_ITEMS];
    size_t n;
    const uint8_t *rot;      /* NULL: any ROT (or none) */
    bool rot_present;
    const uint8_t *entropy;  /* NULL: absent */
} model_t;

static void m_add(model_t *m, const char *name, kcm_item_type_t type, const void *data,
                  size_t len)
{
    m_item_t *it = &m->items[m->n++];
    memset(it, 0, sizeof(*it));
    it->name = name;
    it->type = type;
    it->data = data;
    it->len = len;
}

static void m_add_chain(model_t *m, const char *name, size_t n, const kt_blob_t *const *certs)
{
    m_item_t *it = &m->items[m->n++];
    memset(it, 0, sizeof(*it));
    it->name = name;
    it->type = KCM_CERTIFICATE;
    it->chain = n;
    for (size_t i = 0; i < n; i++)
        it->certs[i] = certs[i];
}

static void m_del(model_t *m, const char *name, kcm_item_type_t type)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->items[i].type == type && strcmp(m->items[i].name, name) == 0) {
            m->items[i] = m->items[--m->n];
            return;
        }
    }
}

static uint8_t rbuf[8192];

/* True when the store holds exactly the model: every item byte for byte, nothing else. */
static bool matches(kcm_t *k, const model_t *m)
{
    size_t n, len;
    for (size_t i = 0; i < m->n; i++) {
        const m_item_t *it = &m->items[i];
        const uint8_t *nm = (const uint8_t *)it->name;
        size_t nl = strlen(it->name);
        if (it->chain > 0) {
            kcm_chain_t c;
            if (kcm_chain_open(k, &c, nm, nl, &len) != KCM_OK || len != it->chain)
                return false;
            for (size_t j = 0; j < it->chain; j++) {
                if (kcm_chain_get_next_data(&c, rbuf, sizeof(rbuf), &n) != KCM_OK ||
                    n != it->certs[j]->len || memcmp(rbuf, it->certs[j]->data, n) != 0)
                    return false;
            }
            kcm_chain_close(&c);
            continue;
        }
        if (kcm_item_get_data(k, nm, nl, it->type, rbuf, sizeof(rbuf), &n) != KCM_OK ||
            n != it->len || (n > 0 && memcmp(rbuf, it->data, n) != 0))
            return false;
    }
    kcm_iter_t iter;
    kcm_item_info_t info;
    memset(&iter, 0, sizeof(iter));
    size_t count = 0;
    kcm_status_t st;
    while ((st = kcm_iter_next(k, &iter, &info)) == KCM_OK)
        count++;
    if (st != KCM_ERR_NOT_FOUND || count != m->n)
        return false;
    st = kcm_internal_get(k, KCM_INTERNAL_ENTROPY, rbuf, sizeof(rbuf), &n);
    if (m->entropy == NULL ? st != KCM_ERR_NOT_FOUND
                           : (st != KCM_OK || n != 48 || memcmp(rbuf, m->entropy, 48) != 0))
        return false;
    st = kcm_internal_get(k, KCM_INTERNAL_ROT, rbuf, sizeof(rbuf), &n);
    if (m->rot != NULL && (st != KCM_OK || n != 16 || memcmp(rbuf, m->rot, 16) != 0))
        return false;
    if (m->rot == NULL && m->rot_present != (st == KCM_OK))
        return false;
    return true;
}

/* ---- the device under test ------------------------------------------------------------------- */

typedef struct geom {
    uint32_t prog, block, count;
    unsigned churn; /* store-and-delete rounds before the old state, so the change collects */
} geom_t;

typedef struct dut {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    kcm_t kcm;
    uint32_t seed;
    uint8_t work[KCM_WORK_SIZE];
} dut_t;

static dut_t dut;

/* Brings up a device on a new RAM flash: blank, or holding `image` (block_count * block_size
 * bytes) when not NULL. */
static void dut_up(const geom_t *g, const uint8_t *image)
{
    memset(&dut, 0, sizeof(dut));
    dut.seed = 0x9E3779B9u;
    assert_int_equal(fcc_flash_ram_init(&dut.sim, &dut.flash, g->prog, g->block, g->count),
                     FCC_FLASH_OK);
    if (image != NULL)
        fcc_flash_sim_load(&dut.sim, image, (size_t)g->block * g->count);
    assert_int_equal(kcm_init(&dut.kcm, &dut.flash, dut.work, sizeof(dut.work), kt_rng, &dut.seed),
                     KCM_OK);
}

/* Fills the log with dead records (stored then deleted), to bring the change closer to a
 * garbage collection. */
static void dut_churn(unsigned rounds)
{
    /* A clear item, so that no root of trust is generated before the scenario injects one. */
    for (unsigned i = 0; i < rounds; i++) {
        assert_int_equal(kcm_item_store(&dut.kcm, (const uint8_t *)"churn", 5, KCM_CERTIFICATE,
                                        false, leaf.data, leaf.len),
                         KCM_OK);
        assert_int_equal(kcm_item_delete(&dut.kcm, (const uint8_t *)"churn", 5, KCM_CERTIFICATE),
                         KCM_OK);
    }
}

static uint32_t collections(void)
{
    fst_info_t info;
    assert_int_equal(fst_info(&dut.kcm.store, &info), FST_OK);
    return info.collections;
}

static void dut_reboot(void)
{
    kcm_free(&dut.kcm);
    fcc_flash_sim_power_on(&dut.sim);
    assert_int_equal(kcm_init(&dut.kcm, &dut.flash, dut.work, sizeof(dut.work), kt_rng, &dut.seed),
                     KCM_OK);
}

static void dut_down(void)
{
    kcm_free(&dut.kcm);
    fcc_flash_sim_close(&dut.sim);
}

static uint64_t ops_now(void)
{
    return dut.sim.stats.progs + dut.sim.stats.erases;
}

#define S(k, name, type, factory, data, len)                                                     \
    kcm_item_store((k), (const uint8_t *)(name), strlen(name), (type), (factory),              \
                   (const uint8_t *)(data), (len))

static kcm_status_t chain_store(kcm_t *k, const char *name, bool factory, size_t n,
                                const kt_blob_t *const *certs)
{
    kcm_chain_t c;
    kcm_status_t st = kcm_chain_create(k, &c, (const uint8_t *)name, strlen(name), n, factory);
    if (st != KCM_OK)
        return st;
    for (size_t i = 0; i < n && st == KCM_OK; i++)
        st = kcm_chain_add_next(&c, certs[i]->data, certs[i]->len);
    kcm_status_t cl = kcm_chain_close(&c);
    return st != KCM_OK ? st : cl;
}

/* ---- scenario 1: a bundle --------------------------------------------------------------------- */

static const uint8_t rot_old[16] = {0x52, 0x4f, 0x54, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
static uint8_t entropy_new[48];
static uint8_t blob[1200];
static const uint8_t use_bs[4] = {1, 0, 0, 0};
static const uint8_t mem_kb[4] = {0, 2, 0, 0};
static const uint8_t sym[32] = {0x53, 0x59, 0x4d, 1, 2, 3};

static const kt_blob_t *const chain3[3] = {&leaf, &inter, &root};

static void bundle_old_model(model_t *m)
{
    memset(m, 0, sizeof(*m));
    m->rot = rot_old;
    m_add(m, "old.cfg", KCM_CONFIG, "old value", 9);
    m_add(m, "old.ca", KCM_CERTIFICATE, other.data, other.len);
    m_add(m, "old.key", KCM_PRIVATE_KEY, key2.data, key2.len);
}

static void bundle_old_apply(kcm_t *k)
{
    assert_int_equal(kcm_internal_set(k, KCM_INTERNAL_ROT, rot_old, 16), KCM_OK);
    assert_int_equal(S(k, "old.cfg", KCM_CONFIG, true, "old value", 9), KCM_OK);
    assert_int_equal(S(k, "old.ca", KCM_CERTIFICATE, true, other.data, other.len), KCM_OK);
    assert_int_equal(S(k, "old.key", KCM_PRIVATE_KEY, true, key2.data, key2.len), KCM_OK);
}

static const struct {
    const char *name;
    const char *text;
} cfg_text[] = {
    {"mbed.EndpointName", "kcm-device-1"},
    {"mbed.Manufacturer", "Example Ltd"},
    {"mbed.ModelNumber", "KCM-1"},
    {"mbed.DeviceType", "sensor"},
    {"mbed.HardwareVersion", "1.0"},
    {"mbed.SerialNumber", "SN-000001"},
    {"mbed.LwM2MServerURI", "coaps://lwm2m.example.com:5684?aid=aid-test"},
    {"mbed.Timezone", "Europe/London"},
    {"mbed.UTCOffset", "+00:00"},
};
#define N_CFG (sizeof(cfg_text) / sizeof(cfg_text[0]))

static void bundle_new_model(model_t *m)
{
    bundle_old_model(m);
    m->entropy = entropy_new;
    m_del(m, "old.cfg", KCM_CONFIG);
    m_add(m, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY, key.data, key.len);
    m_add_chain(m, "mbed.LwM2MDeviceCert", 3, chain3);
    m_add(m, "mbed.LwM2MServerCACert", KCM_CERTIFICATE, root.data, root.len);
    m_add(m, "mbed.DevicePublicKey", KCM_PUBLIC_KEY, pub.data, pub.len);
    m_add(m, "mbed.Psk", KCM_SYMMETRIC_KEY, sym, sizeof(sym));
    m_add(m, "mbed.UseBootstrap", KCM_CONFIG, use_bs, 4);
    m_add(m, "mbed.MemoryTotalKB", KCM_CONFIG, mem_kb, 4);
    m_add(m, "mbed.Blob", KCM_CONFIG, blob, sizeof(blob));
    for (size_t i = 0; i < N_CFG; i++)
        m_add(m, cfg_text[i].name, KCM_CONFIG, cfg_text[i].text, strlen(cfg_text[i].text));
}

/* The bundle as lib/fcc applies it: one transaction. Returns the first failure (a cut makes
 * the flash fail). */
static kcm_status_t bundle_new_apply(kcm_t *k)
{
    kcm_status_t st = kcm_txn_begin(k);
    if (st != KCM_OK)
        return st;
#define STEP(x)                                                                                  \
    do {                                                                                         \
        if ((st = (x)) != KCM_OK)                                                               \
            goto fail;                                                                           \
    } while (0)
    STEP(kcm_internal_set(k, KCM_INTERNAL_ENTROPY, entropy_new, 48));
    STEP(kcm_item_delete(k, (const uint8_t *)"old.cfg", 7, KCM_CONFIG));
    STEP(S(k, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY, true, key.data, key.len));
    STEP(chain_store(k, "mbed.LwM2MDeviceCert", true, 3, chain3));
    STEP(S(k, "mbed.LwM2MServerCACert", KCM_CERTIFICATE, true, root.data, root.len));
    STEP(S(k, "mbed.DevicePublicKey", KCM_PUBLIC_KEY, true, pub.data, pub.len));
    STEP(S(k, "mbed.Psk", KCM_SYMMETRIC_KEY, true, sym, sizeof(sym)));
    STEP(S(k, "mbed.UseBootstrap", KCM_CONFIG, true, use_bs, 4));
    STEP(S(k, "mbed.MemoryTotalKB", KCM_CONFIG, true, mem_kb, 4));
    STEP(S(k, "mbed.Blob", KCM_CONFIG, true, blob, sizeof(blob)));
    for (size_t i = 0; i < N_CFG; i++)
        STEP(S(k, cfg_text[i].name, KCM_CONFIG, true, cfg_text[i].text,
               strlen(cfg_text[i].text)));
    return kcm_txn_commit(k);
fail:
    (void)kcm_txn_abort(k);
    return st;
#undef STEP
}

/* ---- scenario 2: factory reset ---------------------------------------------------------------- */

static const kt_blob_t *const chain2[2] = {&inter, &root};

static void reset_old_apply(kcm_t *k)
{
    /* Factory state: both bundles. Then the field changes it. */
    bundle_old_apply(k);
    assert_int_equal(bundle_new_apply(k), KCM_OK);
    assert_int_equal(kcm_item_delete(k, (const uint8_t *)"mbed.LwM2MDevicePrivateKey", 26,
                                     KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_int_equal(S(k, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY, false, key2.data,
                       key2.len),
                     KCM_OK);
    assert_int_equal(kcm_chain_delete(k, (const uint8_t *)"mbed.LwM2MDeviceCert", 20), KCM_OK);
    assert_int_equal(chain_store(k, "mbed.LwM2MDeviceCert", false, 2, chain2), KCM_OK);
    assert_int_equal(kcm_item_delete(k, (const uint8_t *)"mbed.Blob", 9, KCM_CONFIG), KCM_OK);
    assert_int_equal(S(k, "user.note", KCM_CONFIG, false, "field", 5), KCM_OK);
    assert_int_equal(S(k, "user.key", KCM_SYMMETRIC_KEY, false, "k3y", 3), KCM_OK);
}

static void reset_old_model(model_t *m)
{
    bundle_new_model(m);
    m_del(m, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY);
    m_add(m, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY, key2.data, key2.len);
    m_del(m, "mbed.LwM2MDeviceCert", KCM_CERTIFICATE);
    m_add_chain(m, "mbed.LwM2MDeviceCert", 2, chain2);
    m_del(m, "mbed.Blob", KCM_CONFIG);
    m_add(m, "user.note", KCM_CONFIG, "field", 5);
    m_add(m, "user.key", KCM_SYMMETRIC_KEY, "k3y", 3);
}

static void reset_new_model(model_t *m)
{
    /* Every item of both bundles is a factory item; the one the bundle deleted comes back. */
    bundle_new_model(m);
    m_add(m, "old.cfg", KCM_CONFIG, "old value", 9);
}

/* ---- the cut loop ------------------------------------------------------------------------------ */

typedef struct scenario {
    const char *name;
    void (*old_apply)(kcm_t *k);
    void (*old_model)(model_t *m);
    void (*new_model)(model_t *m);
    kcm_status_t (*change)(kcm_t *k);
} scenario_t;

static kcm_status_t do_reset(kcm_t *k)
{
    return kcm_factory_reset(k);
}

/* ---- scenario 3: a chain written outside any caller transaction ------------------------------- */

static kcm_status_t solo_chain_apply(kcm_t *k)
{
    return chain_store(k, "solo.chain", false, 3, chain3);
}

static void solo_chain_model(model_t *m)
{
    bundle_old_model(m);
    m_add_chain(m, "solo.chain", 3, chain3);
}

static const scenario_t scenarios[] = {
    {"bundle", bundle_old_apply, bundle_old_model, bundle_new_model, bundle_new_apply},
    {"factory reset", reset_old_apply, reset_old_model, reset_new_model, do_reset},
    {"chain", bundle_old_apply, bundle_old_model, solo_chain_model, solo_chain_apply},
};

static void run_cuts(const scenario_t *sc, const geom_t *g, fcc_flash_tear_t tear)
{
    static model_t m_old, m_new;
    sc->old_model(&m_old);
    sc->new_model(&m_new);

    /* Uncut run: build the old state once and keep its image, count the operations of the
     * change, check the new state. */
    static uint8_t image[512 * 1024];
    size_t image_size = (size_t)g->block * g->count;
    assert_true(image_size <= sizeof(image));
    dut_up(g, NULL);
    dut_churn(g->churn);
    sc->old_apply(&dut.kcm);
    assert_true(matches(&dut.kcm, &m_old));
    fcc_flash_sim_snapshot(&dut.sim, image, image_size);
    uint64_t before = ops_now();
    uint32_t gc_before = collections();
    assert_int_equal(sc->change(&dut.kcm), KCM_OK);
    uint64_t total = ops_now() - before;
    uint32_t gcs = collections() - gc_before;
    assert_true(matches(&dut.kcm, &m_new));
    dut_reboot();
    assert_true(matches(&dut.kcm, &m_new));
    dut_down();
    assert_true(total > 0);

    size_t olds = 0, news = 0;
    for (uint64_t cut = 1; cut <= total; cut++) {
        dut_up(g, image);
        dut.sim.tear = tear;
        dut.sim.seed = (uint32_t)(cut * 2654435761u) ^ (uint32_t)tear;
        dut.sim.cut_after = cut;
        (void)sc->change(&dut.kcm);
        dut_reboot();
        bool is_old = matches(&dut.kcm, &m_old);
        bool is_new = !is_old && matches(&dut.kcm, &m_new);
        if (!is_old && !is_new)
            fail_msg("%s, prog %u block %u, tear %d: cut at op %llu of %llu leaves neither the "
                     "old nor the new state",
                     sc->name, g->prog, g->block, (int)tear, (unsigned long long)cut,
                     (unsigned long long)total);
        olds += is_old;
        news += is_new;
        /* The device goes on: the interrupted change can be made again and lands. */
        if (is_old) {
            assert_int_equal(sc->change(&dut.kcm), KCM_OK);
            assert_true(matches(&dut.kcm, &m_new));
        }
        dut_down();
    }
    print_message("kcm powerloss %-13s prog %3u block %6u x %2u churn %u tear %d: %llu cuts "
                  "(%u collections), %zu old, %zu new\n",
                  sc->name, g->prog, g->block, g->count, g->churn, (int)tear,
                  (unsigned long long)total, gcs, olds, news);
    if (g->churn > 0)
        assert_true(gcs > 0); /* the geometry is meant to make the change collect */
    assert_true(olds > 0); /* a cut before the commit record keeps the old state */
}

static const geom_t geoms[] = {
    {16, 4096, 8, 0},
    {8, 2048, 16, 0},
    {1, 4096, 8, 0},
    {16, 2048, 12, 24}, /* nearly full of dead records: the change runs a collection */
    {16, 131072, 4, 0}, /* large erase units */
};

static void test_bundle_cuts(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geoms) / sizeof(geoms[0]); g++)
        run_cuts(&scenarios[0], &geoms[g], FCC_FLASH_TEAR_NONE);
    run_cuts(&scenarios[0], &geoms[0], FCC_FLASH_TEAR_PREFIX);
    run_cuts(&scenarios[0], &geoms[1], FCC_FLASH_TEAR_BITS);
    run_cuts(&scenarios[0], &geoms[3], FCC_FLASH_TEAR_BITS);
    run_cuts(&scenarios[0], &geoms[4], FCC_FLASH_TEAR_PREFIX);
}

static void test_chain_cuts(void **state)
{
    (void)state;
    run_cuts(&scenarios[2], &geoms[0], FCC_FLASH_TEAR_NONE);
    run_cuts(&scenarios[2], &geoms[1], FCC_FLASH_TEAR_PREFIX);
    run_cuts(&scenarios[2], &geoms[3], FCC_FLASH_TEAR_BITS);
}

static void test_factory_reset_cuts(void **state)
{
    (void)state;
    for (size_t g = 0; g < sizeof(geoms) / sizeof(geoms[0]); g++)
        run_cuts(&scenarios[1], &geoms[g], FCC_FLASH_TEAR_NONE);
    run_cuts(&scenarios[1], &geoms[0], FCC_FLASH_TEAR_BITS);
    run_cuts(&scenarios[1], &geoms[1], FCC_FLASH_TEAR_PREFIX);
    run_cuts(&scenarios[1], &geoms[3], FCC_FLASH_TEAR_PREFIX);
    run_cuts(&scenarios[1], &geoms[4], FCC_FLASH_TEAR_BITS);
}

static int load_all(void **state)
{
    (void)state;
    kt_load(&key, "key_p256.der");
    kt_load(&key2, "key_p256_pkcs8.der");
    kt_load(&pub, "pub_p256.der");
    kt_load(&leaf, "cert_leaf.der");
    kt_load(&inter, "cert_inter.der");
    kt_load(&root, "cert_root.der");
    kt_load(&other, "cert_other.der");
    for (size_t i = 0; i < sizeof(entropy_new); i++)
        entropy_new[i] = (uint8_t)(0xE0 + i);
    for (size_t i = 0; i < sizeof(blob); i++)
        blob[i] = (uint8_t)(i * 31 + 7);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle_cuts),
        cmocka_unit_test(test_factory_reset_cuts),
        cmocka_unit_test(test_chain_cuts),
    };
    return cmocka_run_group_tests(tests, load_all, NULL);
}
