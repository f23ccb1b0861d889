/* SPDX-License-Identifier: Apache-2.0 */
/* The format migration (issue 19): tests/data/legacy-v1/store-v1.img was written by the format 1
 * build. This build must mount it, read every item byte for byte (items.sha256), verify the
 * device, and on its next write (a factory reset, which keeps every factory item) move the store
 * to format 2 without losing anything; a remount then reads format 2 and the same items. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/ftcd.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"

#define NOW 1800000000LL
#define DIR FCC_SOURCE_DIR "/tests/data/legacy-v1/"

typedef struct want {
    kcm_item_type_t type;
    char name[128];
    uint8_t digest[FTCD_DIGEST_SIZE];
} want_t;

static want_t wants[32];
static size_t nwants;
static uint8_t buf[8192];

static kcm_item_type_t type_of(const char *s)
{
    if (strcmp(s, "private-key") == 0)
        return KCM_PRIVATE_KEY;
    if (strcmp(s, "public-key") == 0)
        return KCM_PUBLIC_KEY;
    if (strcmp(s, "symmetric-key") == 0)
        return KCM_SYMMETRIC_KEY;
    if (strcmp(s, "certificate") == 0)
        return KCM_CERTIFICATE;
    assert_string_equal(s, "config");
    return KCM_CONFIG;
}

static void load_wants(void)
{
    FILE *f = fopen(DIR "items.sha256", "r");
    assert_non_null(f);
    char type[32], hex[65];
    while (nwants < 32 && fscanf(f, "%31s %127s %64s", type, wants[nwants].name, hex) == 3) {
        wants[nwants].type = type_of(type);
        for (size_t i = 0; i < FTCD_DIGEST_SIZE; i++) {
            unsigned v;
            assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
            wants[nwants].digest[i] = (uint8_t)v;
        }
        nwants++;
    }
    fclose(f);
    assert_int_equal(nwants, 16);
}

/* Every listed item is wanted, every wanted item reads back with its digest. */
static void check_items(kcm_t *kcm)
{
    for (size_t i = 0; i < nwants; i++) {
        size_t len = 0;
        uint8_t dg[FTCD_DIGEST_SIZE];
        kcm_status_t st = kcm_item_get_data(kcm, (const uint8_t *)wants[i].name,
                                            strlen(wants[i].name), wants[i].type, buf,
                                            sizeof(buf), &len);
        if (st != KCM_OK)
            fail_msg("%s: %d", wants[i].name, (int)st);
        assert_int_equal(ftcd_digest(buf, len, dg), FTCD_STATUS_SUCCESS);
        if (memcmp(dg, wants[i].digest, sizeof(dg)) != 0)
            fail_msg("%s: other data than the format 1 build stored", wants[i].name);
    }
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    size_t listed = 0;
    kcm_status_t st;
    while ((st = kcm_iter_next(kcm, &it, &info)) == KCM_OK)
        listed++;
    assert_int_equal(st, KCM_ERR_NOT_FOUND);
    assert_int_equal(listed, nwants);
    kcm_damage_t d;
    assert_int_equal(kcm_store_check(kcm, &d), KCM_OK);
}

static void verify(kcm_t *kcm)
{
    fcc_t fcc;
    fcc_port_t port;
    fcc_port_posix_t clock;
    fcc_port_posix_init(&port, &clock, NOW);
    assert_int_equal(fcc_init(&fcc, kcm, &port, NULL), FCC_STATUS_SUCCESS);
    assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&fcc), FCC_STATUS_SUCCESS);
    fcc_free(&fcc);
}

static void test_mount_read_migrate(void **state)
{
    (void)state;
    static uint8_t img[262420];
    FILE *f = fopen(DIR "store-v1.img", "rb");
    assert_non_null(f);
    size_t n = fread(img, 1, sizeof(img), f);
    fclose(f);
    assert_int_equal(n, sizeof(img));
    const char *path = FCC_BINARY_DIR "/legacy-v1-copy.img";
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, n, f), n);
    fclose(f);

    static fcc_flash_sim_t sim;
    fcc_flash_t flash;
    static uint8_t work[KCM_WORK_SIZE];
    static kcm_t kcm;
    fst_info_t info;
    assert_int_equal(fcc_flash_file_open(&sim, &flash, path, 16, 4096, 64), FCC_FLASH_OK);
    assert_int_equal(kcm_init(&kcm, &flash, work, sizeof(work), fcc_port_posix_rng, NULL), KCM_OK);
    assert_int_equal(kcm_store_info(&kcm, &info), KCM_OK);
    assert_int_equal(info.format_version, 1);
    check_items(&kcm);
    verify(&kcm);
    uint64_t progs = sim.stats.progs;
    assert_int_equal(progs, 0); /* reading writes nothing */

    /* the next write moves the store to format 2 */
    assert_int_equal(kcm_factory_reset(&kcm), KCM_OK);
    assert_int_equal(kcm_store_info(&kcm, &info), KCM_OK);
    assert_int_equal(info.format_version, FST_FORMAT_VERSION);
    assert_int_equal(FST_FORMAT_VERSION, 2);
    check_items(&kcm);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);

    /* after a reboot: format 2 on flash, every item still there */
    assert_int_equal(fcc_flash_file_open(&sim, &flash, path, 16, 4096, 64), FCC_FLASH_OK);
    assert_int_equal(kcm_init(&kcm, &flash, work, sizeof(work), fcc_port_posix_rng, NULL), KCM_OK);
    assert_int_equal(kcm_store_info(&kcm, &info), KCM_OK);
    assert_int_equal(info.format_version, 2);
    assert_int_equal(info.damaged, 0);
    check_items(&kcm);
    verify(&kcm);
    /* every segment header of the log says format 2 */
    const fst_t *st = &kcm.store;
    for (uint32_t k = 0; k < st->head_seq - st->tail_seq + 1; k++) {
        uint32_t pos = (st->head_pos + st->seg_count - k) % st->seg_count;
        uint8_t h[6];
        assert_int_equal(flash.read(&flash, pos * st->seg_blocks, 0, h, sizeof(h)), FCC_FLASH_OK);
        assert_int_equal(h[4] | h[5] << 8, 2);
    }
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    remove(path);
}

int main(void)
{
    load_wants();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_read_migrate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
