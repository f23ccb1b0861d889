/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of KCM over a corrupted flash image: the input is the image (program unit 16,
 * eight 4 KiB erase units; shorter inputs are padded with erased bytes). KCM is initialised on it;
 * on success every listed item is read (decrypted and integrity-checked), every chain walked and
 * every internal item read. A corrupted record must be reported (KCM_ERR_CORRUPTED or an engine
 * error) or dropped, never crash, hang or be returned with a size that disagrees with the listing.
 * Built with -DKCM_MOUNT_SEEDGEN it is instead a program that writes seed images: a store after a
 * real bundle (argv[2]) and a store with a chain, a key and configuration written through KCM. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcc/flash_sim.h"
#include "fcc/kcm.h"

#define PROG 16u
#define BLOCK 4096u
#define COUNT 8u
#define IMAGE (BLOCK * COUNT)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int det_rng(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        *s = *s * 1103515245u + 12345u;
        buf[i] = (unsigned char)(*s >> 16);
    }
    return 0;
}

static void read_everything(kcm_t *kcm)
{
    static uint8_t buf[FCC_ITEM_VALUE_MAX];
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    for (int guard = 0; guard < 4096 && kcm_iter_next(kcm, &it, &info) == KCM_OK; guard++) {
        size_t got = 0, size = 0;
        kcm_status_t st = kcm_item_get_data(kcm, info.name, info.name_len, info.type, buf,
                                            sizeof(buf), &got);
        if (st == KCM_OK && got != info.data_size)
            abort(); /* the listing and the read disagree */
        (void)kcm_item_get_size(kcm, info.name, info.name_len, info.type, &size);
        if (info.type == KCM_CERTIFICATE) {
            kcm_chain_t ch;
            size_t n = 0;
            if (kcm_chain_open(kcm, &ch, info.name, info.name_len, &n) == KCM_OK) {
                for (size_t i = 0; i < n && i < FCC_CHAIN_MAX; i++)
                    if (kcm_chain_get_next_data(&ch, buf, sizeof(buf), &got) != KCM_OK)
                        break;
                (void)kcm_chain_close(&ch);
            }
        }
    }
    for (int w = KCM_INTERNAL_ENTROPY; w <= KCM_INTERNAL_BOOTSTRAP_CA_ID; w++) {
        size_t got = 0;
        (void)kcm_internal_get(kcm, (kcm_internal_t)w, buf, sizeof(buf), &got);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t img[IMAGE];
    static uint8_t work[KCM_WORK_SIZE];
    static kcm_t kcm;
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    uint32_t seed = 1;

    memset(&sim, 0, sizeof(sim));
    if (fcc_flash_ram_init(&sim, &flash, PROG, BLOCK, COUNT) != FCC_FLASH_OK)
        return 0;
    memset(img, 0xFF, sizeof(img));
    memcpy(img, data, size < sizeof(img) ? size : sizeof(img));
    fcc_flash_sim_load(&sim, img, sizeof(img));
    memset(&kcm, 0, sizeof(kcm));
    if (kcm_init(&kcm, &flash, work, sizeof(work), det_rng, &seed) == KCM_OK) {
        read_everything(&kcm);
        /* A write after the damage must not crash either. */
        static const uint8_t v[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        (void)kcm_item_store(&kcm, (const uint8_t *)"fuzz.param", 10, KCM_CONFIG, false, v,
                             sizeof(v));
        read_everything(&kcm);
    }
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    return 0;
}

#ifdef KCM_MOUNT_SEEDGEN
#include "fcc/fcc.h"
#include <stdio.h>

static int64_t fixed_time(void *ctx)
{
    (void)ctx;
    return 1893456000;
}

static int set_time(void *ctx, int64_t t)
{
    (void)ctx;
    (void)t;
    return 0;
}

static void save(fcc_flash_sim_t *sim, const char *dir, const char *name)
{
    static uint8_t img[IMAGE];
    char path[4096];
    fcc_flash_sim_snapshot(sim, img, sizeof(img));
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(img, 1, sizeof(img), f) != sizeof(img))
        exit(1);
    fclose(f);
}

/* Usage: kcm_mount_seedgen OUTDIR BUNDLE.cbor */
int main(int argc, char **argv)
{
    static uint8_t work[KCM_WORK_SIZE], bundle[65536], resp[FCC_RESPONSE_MAX];
    static kcm_t kcm;
    static fcc_t fcc;
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    uint32_t seed = 7;
    size_t len, resp_len;

    if (argc != 3)
        return 2;
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL)
        return 2;
    len = fread(bundle, 1, sizeof(bundle), f);
    fclose(f);

    memset(&sim, 0, sizeof(sim));
    fcc_flash_ram_init(&sim, &flash, PROG, BLOCK, COUNT);
    kcm_init(&kcm, &flash, work, sizeof(work), det_rng, &seed);
    fcc_port_t port = {&seed, det_rng, fixed_time, set_time};
    fcc_init(&fcc, &kcm, &port, NULL);
    if (fcc_bundle_handler(&fcc, bundle, len, resp, sizeof(resp), &resp_len, NULL) != 0)
        return 1;
    save(&sim, argv[1], "bundle.img");
    /* a second, non-factory write and a delete on top */
    static const uint8_t v[4] = {9, 9, 9, 9};
    kcm_item_store(&kcm, (const uint8_t *)"user.param", 10, KCM_CONFIG, false, v, sizeof(v));
    kcm_item_delete(&kcm, (const uint8_t *)"mbed.Timezone", 13, KCM_CONFIG);
    save(&sim, argv[1], "bundle-then-user.img");
    kcm_factory_reset(&kcm);
    save(&sim, argv[1], "after-factory-reset.img");
    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    return 0;
}
#endif
