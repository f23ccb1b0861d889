/* SPDX-License-Identifier: Apache-2.0 */
/* The store image written by the mbedTLS 2.28 build (tests/data/legacy-v1/store-v1.img, see its
 * README.md) must mount and read under the current build, item for item and byte for byte: the
 * on-flash format and the encryption at rest (HKDF-SHA256 storage key, AES-256-GCM records) are
 * a promise to the devices in the field, whatever the crypto library underneath. The image is
 * copied first (mounting may write through to the file); every item of items.sha256 is read
 * through KCM and its SHA-256 compared.
 *
 * The same program runs on big-endian s390x (tests/target). There the image mounts and every item
 * reads back the same bytes; integer ConfigParams items are stored in the byte order of the device
 * that applied the bundle (SPEC.md section 2, the ecosystem's "machine endianity"), so the
 * integers the little-endian host stored read back byte-swapped as numbers on a big-endian
 * device, and its verification refuses mbed.UseBootstrap. test_v1_integer_items pins that down. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"
#include "fcc_psa.h"

#define DIR FCC_SOURCE_DIR "/tests/data/legacy-v1/"
#define PROG 16u     /* fcc-device's geometry (tools/fcc-device/device.h) */
#define BLOCK 4096u
#define BLOCKS 64u   /* 256 KiB */

static uint8_t work[KCM_WORK_SIZE];
static uint8_t buf[FCC_ITEM_VALUE_MAX];

/* Copies the committed image to a private file; returns its path (static storage). */
static const char *copy_image(void)
{
    static char path[64];
    static uint8_t img[BLOCK * BLOCKS + 1024];
    FILE *in = fopen(DIR "store-v1.img", "rb"), *out;
    size_t n;
    assert_non_null(in);
    n = fread(img, 1, sizeof(img), in);
    fclose(in);
    assert_true(n > BLOCK * BLOCKS && n < sizeof(img));
    snprintf(path, sizeof(path), "/tmp/fcc-legacy-v1.%d.img", (int)getpid());
    out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(img, 1, n, out), n);
    assert_int_equal(fclose(out), 0);
    return path;
}

static kcm_item_type_t type_of(const char *t)
{
    if (strcmp(t, "private-key") == 0)
        return KCM_PRIVATE_KEY;
    if (strcmp(t, "public-key") == 0)
        return KCM_PUBLIC_KEY;
    if (strcmp(t, "symmetric-key") == 0)
        return KCM_SYMMETRIC_KEY;
    if (strcmp(t, "certificate") == 0)
        return KCM_CERTIFICATE;
    if (strcmp(t, "config") == 0)
        return KCM_CONFIG;
    fail_msg("items.sha256: unknown type %s", t);
    return KCM_CONFIG;
}

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_v1_image_reads(void **state)
{
    (void)state;
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    kcm_t kcm;
    char type[32], name[FCC_NAME_MAX + 1], want[65], got[65];
    unsigned items = 0, confidential = 0;
    const char *path = copy_image();
    FILE *list = fopen(DIR "items.sha256", "r");

    assert_non_null(list);
    assert_int_equal(fcc_psa_ready(), 0);
    assert_int_equal(fcc_flash_file_open(&sim, &flash, path, PROG, BLOCK, BLOCKS), FCC_FLASH_OK);
    assert_int_equal(kcm_init(&kcm, &flash, work, sizeof(work), fcc_port_posix_rng, NULL), KCM_OK);
    while (fscanf(list, "%31s %64s %64s", type, name, want) == 3) {
        kcm_item_type_t t = type_of(type);
        size_t len = 0;
        uint8_t digest[32];
        size_t dlen = 0;
        kcm_status_t st =
            kcm_item_get_data(&kcm, (const uint8_t *)name, strlen(name), t, buf, sizeof(buf), &len);
        if (st != KCM_OK)
            fail_msg("%s %s: kcm status %d", type, name, (int)st);
        assert_int_equal(psa_hash_compute(PSA_ALG_SHA_256, buf, len, digest, sizeof(digest), &dlen),
                         PSA_SUCCESS);
        hex(digest, 32, got);
        if (strcmp(got, want) != 0)
            fail_msg("%s %s: SHA-256 %s, want %s", type, name, got, want);
        items++;
        if (t == KCM_PRIVATE_KEY || t == KCM_CONFIG)
            confidential++;
    }
    fclose(list);
    assert_int_equal(items, 16);
    assert_true(confidential > 0); /* decrypted with the derived storage key, not read clear */
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    unlink(path);
}

/* Reads config item `name` of the open image as 4 bytes. */
static void read_u32_item(kcm_t *kcm, const char *name, uint8_t out[4])
{
    size_t len = 0;
    kcm_status_t st = kcm_item_get_data(kcm, (const uint8_t *)name, strlen(name), KCM_CONFIG, out,
                                        4, &len);
    if (st != KCM_OK || len != 4)
        fail_msg("config %s: kcm status %d, %zu bytes", name, (int)st, len);
}

/* Integer items across byte orders: the bytes are the little-endian host's on every device; what
 * an application reads from them (memcpy into a uint32_t, as the ecosystem's client does and as
 * verification does) is the host's number only on a little-endian device. */
static void test_v1_integer_items(void **state)
{
    (void)state;
    static const uint8_t use_bootstrap_le[4] = {1, 0, 0, 0};  /* 1, written little-endian */
    static const uint8_t memory_kb_le[4] = {0, 2, 0, 0};      /* 512 */
    const uint16_t probe = 1;
    uint8_t first, got[4];
    uint32_t flag, kb;
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    kcm_t kcm;
    static fcc_t fcc;
    fcc_port_t port;
    fcc_port_posix_t clock;
    const char *path = copy_image();
    int little;

    memcpy(&first, &probe, 1);
    little = first == 1;
    assert_int_equal(fcc_psa_ready(), 0);
    assert_int_equal(fcc_flash_file_open(&sim, &flash, path, PROG, BLOCK, BLOCKS), FCC_FLASH_OK);
    assert_int_equal(kcm_init(&kcm, &flash, work, sizeof(work), fcc_port_posix_rng, NULL), KCM_OK);

    read_u32_item(&kcm, "mbed.UseBootstrap", got);
    assert_memory_equal(got, use_bootstrap_le, 4);
    memcpy(&flag, got, 4);
    read_u32_item(&kcm, "mbed.MemoryTotalKB", got);
    assert_memory_equal(got, memory_kb_le, 4);
    memcpy(&kb, got, 4);
    assert_int_equal(flag, little ? 1u : 0x01000000u);
    assert_int_equal(kb, little ? 512u : 0x00020000u);

    /* Verification at the image's device time: the host's verdict (success, one warning) on a
     * little-endian device; on a big-endian one mbed.UseBootstrap is neither 0 nor 1 (30). */
    fcc_port_posix_init(&port, &clock, 1800000000);
    assert_int_equal(fcc_init(&fcc, &kcm, &port, NULL), FCC_STATUS_SUCCESS);
    if (little) {
        assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&fcc), FCC_STATUS_SUCCESS);
        assert_int_equal(fcc.out.warning_count, 1);
        assert_string_equal(fcc.out.warnings[0].prefix, FCC_WARN_ITEM_NOT_SET);
        assert_string_equal(fcc.out.warnings[0].item, "mbed.UpdateAuthCert");
    } else {
        assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&fcc),
                         FCC_STATUS_BOOTSTRAP_MODE_ERROR);
        assert_true(fcc.out.has_error);
        assert_string_equal(fcc.out.error.item, "mbed.UseBootstrap");
    }
    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_image_reads),
        cmocka_unit_test(test_v1_integer_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
