/* SPDX-License-Identifier: Apache-2.0 */
/* KCM benchmark: what KCM adds on top of the engine. Prints the flash bytes programmed per
 * payload byte for a bundle-sized transaction (KCM record headers and AES-GCM included), the
 * wall time of the common calls (store and read of an encrypted private key, a three-certificate
 * chain with its signature checks, a config parameter), of mounting a store of N items and of a
 * factory reset. Figures only; nothing here passes or fails. */
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct blob {
    uint8_t data[4096];
    size_t len;
} blob_t;

static blob_t key, leaf, inter, root;
static uint8_t work[KCM_WORK_SIZE];
static uint8_t buf[8192];

static void load(blob_t *b, const char *name)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/tests/data/kcm/%s", FCC_SOURCE_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "missing %s\n", path);
        exit(1);
    }
    b->len = fread(b->data, 1, sizeof(b->data), f);
    fclose(f);
}

static int rng(void *ctx, unsigned char *out, size_t len)
{
    uint32_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        out[i] = (unsigned char)*s;
    }
    return 0;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void check(kcm_status_t st, const char *what)
{
    if (st != KCM_OK) {
        fprintf(stderr, "%s: kcm status %d\n", what, (int)st);
        exit(1);
    }
}

static kcm_status_t chain(kcm_t *k, const char *name, bool factory)
{
    kcm_chain_t c;
    kcm_status_t st = kcm_chain_create(k, &c, (const uint8_t *)name, strlen(name), 3, factory);
    if (st != KCM_OK)
        return st;
    if ((st = kcm_chain_add_next(&c, leaf.data, leaf.len)) == KCM_OK &&
        (st = kcm_chain_add_next(&c, inter.data, inter.len)) == KCM_OK)
        st = kcm_chain_add_next(&c, root.data, root.len);
    kcm_status_t cl = kcm_chain_close(&c);
    return st != KCM_OK ? st : cl;
}

#define S(k, n, t, f, d, l)                                                                     \
    kcm_item_store((k), (const uint8_t *)(n), strlen(n), (t), (f), (const uint8_t *)(d), (l))

int main(void)
{
    static fcc_flash_sim_t sim;
    static fcc_flash_t flash;
    static kcm_t kcm;
    uint32_t seed = 12345;
    static uint8_t blob[1200];
    static const uint8_t rot[16] = {1, 2, 3};
    static uint8_t ent[48];
    char name[32];
    size_t n;
    const int reps = 200;

    load(&key, "key_p256.der");
    load(&leaf, "cert_leaf.der");
    load(&inter, "cert_inter.der");
    load(&root, "cert_root.der");
    memset(blob, 0x5A, sizeof(blob));

    /* 1. A bundle-sized transaction: flash bytes programmed per payload byte. */
    if (fcc_flash_ram_init(&sim, &flash, 16, 4096, 64) != FCC_FLASH_OK)
        return 1;
    check(kcm_init(&kcm, &flash, work, sizeof(work), rng, &seed), "init");
    size_t payload = 16 + 48 + key.len + leaf.len + inter.len + root.len + root.len +
                     sizeof(blob);
    uint64_t p0 = sim.stats.prog_bytes;
    double t0 = now_us();
    check(kcm_txn_begin(&kcm), "begin");
    check(kcm_internal_set(&kcm, KCM_INTERNAL_ROT, rot, 16), "rot");
    check(kcm_internal_set(&kcm, KCM_INTERNAL_ENTROPY, ent, 48), "entropy");
    check(S(&kcm, "mbed.LwM2MDevicePrivateKey", KCM_PRIVATE_KEY, true, key.data, key.len), "key");
    check(chain(&kcm, "mbed.LwM2MDeviceCert", true), "chain");
    check(S(&kcm, "mbed.LwM2MServerCACert", KCM_CERTIFICATE, true, root.data, root.len), "ca");
    check(S(&kcm, "mbed.Blob", KCM_CONFIG, true, blob, sizeof(blob)), "blob");
    for (int i = 0; i < 8; i++) {
        snprintf(name, sizeof(name), "mbed.Param%d", i);
        check(S(&kcm, name, KCM_CONFIG, true, "value-of-a-param", 16), "param");
        payload += 16;
    }
    check(kcm_txn_commit(&kcm), "commit");
    double t_bundle = now_us() - t0;
    uint64_t programmed = sim.stats.prog_bytes - p0;
    printf("kcm bundle txn: %zu payload bytes (12 items, one a 3-certificate chain, + ROT + entropy), %llu bytes programmed, "
           "%.3f programmed/payload, %.0f us\n",
           payload, (unsigned long long)programmed, (double)programmed / (double)payload,
           t_bundle);

    /* 2. Call latencies. */
    t0 = now_us();
    for (int i = 0; i < reps; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        check(S(&kcm, name, KCM_PRIVATE_KEY, false, key.data, key.len), "store key");
    }
    double t_store_key = (now_us() - t0) / reps;
    t0 = now_us();
    for (int i = 0; i < reps; i++) {
        snprintf(name, sizeof(name), "k%d", i);
        check(kcm_item_get_data(&kcm, (const uint8_t *)name, strlen(name), KCM_PRIVATE_KEY, buf,
                                sizeof(buf), &n),
              "get key");
    }
    double t_get_key = (now_us() - t0) / reps;
    t0 = now_us();
    for (int i = 0; i < reps; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        check(S(&kcm, name, KCM_CONFIG, false, "coaps://example.com:5684", 24), "store cfg");
    }
    double t_store_cfg = (now_us() - t0) / reps;
    t0 = now_us();
    for (int i = 0; i < reps / 10; i++) {
        snprintf(name, sizeof(name), "ch%d", i);
        check(chain(&kcm, name, false), "store chain");
    }
    double t_chain = (now_us() - t0) / (reps / 10);
    printf("kcm store private key (validate + AES-GCM + commit): %.1f us\n", t_store_key);
    printf("kcm get private key (lookup + AES-GCM open): %.1f us\n", t_get_key);
    printf("kcm store config parameter: %.1f us\n", t_store_cfg);
    printf("kcm store 3-certificate chain (parse + 2 signature checks + commit): %.1f us\n",
           t_chain);

    /* 3. Mount and factory reset with the items above. */
    kcm_free(&kcm);
    t0 = now_us();
    check(kcm_init(&kcm, &flash, work, sizeof(work), rng, &seed), "remount");
    double t_mount = now_us() - t0;
    size_t items = 0, factory = 0;
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    t0 = now_us();
    while (kcm_iter_next(&kcm, &it, &info) == KCM_OK) {
        items++;
        factory += info.factory;
    }
    double t_list = now_us() - t0;
    t0 = now_us();
    check(kcm_factory_reset(&kcm), "reset");
    double t_reset = now_us() - t0;
    printf("kcm mount with %zu items: %.0f us; list all (authenticated): %.0f us; factory reset "
           "removing %zu user items: %.0f us\n",
           items, t_mount, t_list, items - factory, t_reset);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    return 0;
}
