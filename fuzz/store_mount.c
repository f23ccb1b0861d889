/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of the storage engine's mount and read paths: the input is a flash image (program
 * unit 16, four 4 KiB erase units; shorter inputs are padded with erased bytes). The image is
 * mounted; on success every item is listed and read, a small transaction is written and the
 * store remounted and listed again. Nothing may crash, hang or read out of bounds, whatever the
 * image holds. Built with -DSTORE_MOUNT_SEEDGEN this file is instead a program that writes the
 * seed corpus (valid images) into the folder given as its argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcc/flash_sim.h"
#include "fcc/store.h"

#define PROG 16u
#define BLOCK 4096u
#define COUNT 4u
#define IMAGE (BLOCK * COUNT)

static void list_all(fst_t *st)
{
    static uint8_t buf[FST_VALUE_MAX];
    fst_iter_t it;
    memset(&it, 0, sizeof(it));
    uint8_t type, name[FST_NAME_MAX];
    size_t nlen, vlen;
    for (int guard = 0; guard < 4096 && fst_next(st, &it, &type, name, &nlen, &vlen) == FST_OK;
         guard++) {
        size_t got = 0;
        (void)fst_get(st, type, name, nlen, buf, sizeof(buf), &got);
        (void)fst_size(st, type, name, nlen, &got);
    }
    fst_info_t info;
    (void)fst_info(st, &info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t img[IMAGE];
    static uint8_t work[FST_WORK_SIZE];
    static fst_t st;
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    if (fcc_flash_ram_init(&sim, &flash, PROG, BLOCK, COUNT) != FCC_FLASH_OK)
        return 0;
    memset(img, 0xFF, sizeof(img));
    memcpy(img, data, size < sizeof(img) ? size : sizeof(img));
    fcc_flash_sim_load(&sim, img, sizeof(img));
    if (fst_mount(&st, &flash, work, sizeof(work)) == FST_OK) {
        list_all(&st);
        static const uint8_t v[100] = {1, 2, 3};
        if (fst_begin(&st) == FST_OK) {
            (void)fst_put(&st, 5, (const uint8_t *)"fuzz.item", 9, v, sizeof(v));
            (void)fst_del(&st, 2, (const uint8_t *)"mbed.LwM2MDeviceCert", 20);
            (void)fst_commit(&st);
        }
        fst_unmount(&st);
        if (fst_mount(&st, &flash, work, sizeof(work)) == FST_OK)
            list_all(&st);
    }
    fst_unmount(&st);
    fcc_flash_sim_close(&sim);
    return 0;
}

#ifdef STORE_MOUNT_SEEDGEN
#include <stdio.h>

static fcc_flash_sim_t g_sim;
static fcc_flash_t g_flash;
static fst_t g_st;
static uint8_t g_work[FST_WORK_SIZE];

static void put(const char *name, uint8_t type, size_t len, uint8_t seed)
{
    uint8_t v[1200];
    for (size_t i = 0; i < len; i++)
        v[i] = (uint8_t)(seed + i * 7);
    fst_begin(&g_st);
    fst_put(&g_st, type, (const uint8_t *)name, strlen(name), v, len);
    fst_commit(&g_st);
}

static void save(const char *dir, const char *file)
{
    static uint8_t img[IMAGE];
    fcc_flash_sim_snapshot(&g_sim, img, sizeof(img));
    size_t n = sizeof(img);
    while (n > 0 && img[n - 1] == 0xFF)
        n--;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fwrite(img, 1, n, f);
        fclose(f);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    fcc_flash_ram_init(&g_sim, &g_flash, PROG, BLOCK, COUNT);
    fst_mount(&g_st, &g_flash, g_work, sizeof(g_work));
    save(argv[1], "empty.img");
    put("mbed.LwM2MDeviceCert", 2, 800, 1);
    put("mbed.EndpointName", 5, 20, 2);
    put("mbed.LwM2MDevicePrivateKey", 1, 160, 3);
    save(argv[1], "bundle.img");
    fst_begin(&g_st);
    fst_del(&g_st, 5, (const uint8_t *)"mbed.EndpointName", 17);
    fst_put(&g_st, 5, (const uint8_t *)"uncommitted", 11, "x", 1);
    fst_unmount(&g_st); /* an open transaction, never committed */
    fst_mount(&g_st, &g_flash, g_work, sizeof(g_work));
    save(argv[1], "open-txn.img");
    for (int i = 0; i < 30; i++)
        put(i % 2 ? "churn.a" : "churn.b", 7, 1100, (uint8_t)i);
    save(argv[1], "collected.img");
    /* format 2: a flipped bit in a record of the middle of the log (damage kept and listed),
     * then the damage accepted by a transaction */
    put("after.damage", 5, 300, 11);
    g_sim.mem[g_st.head_pos * g_st.seg_size + g_st.hdr_size + 40] ^= 0x08;
    fst_unmount(&g_st);
    fst_mount(&g_st, &g_flash, g_work, sizeof(g_work));
    save(argv[1], "damaged.img");
    fst_begin(&g_st);
    fst_accept_damage(&g_st);
    fst_put(&g_st, 5, (const uint8_t *)"accepted", 8, "y", 1);
    fst_commit(&g_st);
    save(argv[1], "accepted.img");
    /* a torn program at the end of the log */
    g_sim.cut_after = 2;
    g_sim.tear = FCC_FLASH_TEAR_BITS;
    g_sim.seed = 5;
    put("torn.item", 5, 600, 9);
    fcc_flash_sim_power_on(&g_sim);
    save(argv[1], "torn.img");
    fst_unmount(&g_st);
    fcc_flash_sim_close(&g_sim);
    return 0;
}
#endif
