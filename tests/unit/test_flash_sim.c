/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the NOR flash simulators (RAM and file image): the NOR rules they enforce, the
 * power-cut and tearing hooks, read bit flips, statistics and wear, and the image file's
 * persistence and geometry check. The power-loss suite is only as good as these rules. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "fcc/flash_sim.h"

static void test_nor_rules(void **state)
{
    (void)state;
    fcc_flash_sim_t sim;
    fcc_flash_t f;
    assert_int_equal(fcc_flash_ram_init(&sim, &f, 8, 2048, 4), FCC_FLASH_OK);
    assert_int_equal(f.prog_size, 8);
    assert_int_equal(f.block_size, 2048);
    assert_int_equal(f.block_count, 4);
    uint8_t buf[32], want[32];
    assert_int_equal(f.read(&f, 1, 3, buf, 20), FCC_FLASH_OK);
    memset(want, 0xFF, sizeof(want));
    assert_memory_equal(buf, want, 20);
    /* aligned programs only */
    memset(buf, 0x0F, sizeof(buf));
    assert_int_equal(f.prog(&f, 1, 4, buf, 8), FCC_FLASH_ERR_INVAL);
    assert_int_equal(f.prog(&f, 1, 8, buf, 12), FCC_FLASH_ERR_INVAL);
    assert_int_equal(f.prog(&f, 4, 0, buf, 8), FCC_FLASH_ERR_INVAL);
    assert_int_equal(f.prog(&f, 1, 2048, buf, 8), FCC_FLASH_ERR_INVAL);
    assert_int_equal(f.prog(&f, 1, 8, buf, 16), FCC_FLASH_OK);
    assert_int_equal(f.read(&f, 1, 8, want, 16), FCC_FLASH_OK);
    assert_memory_equal(want, buf, 16);
    /* a second program of a unit fails and changes nothing, even one that only clears bits */
    uint8_t zero[8] = {0};
    assert_int_equal(f.prog(&f, 1, 16, zero, 8), FCC_FLASH_ERR_INVAL);
    assert_int_equal(f.read(&f, 1, 16, want, 8), FCC_FLASH_OK);
    assert_memory_equal(want, buf, 8);
    /* erase brings 0xFF back and counts wear */
    assert_int_equal(f.erase(&f, 1), FCC_FLASH_OK);
    assert_int_equal(f.erase(&f, 1), FCC_FLASH_OK);
    assert_int_equal(f.erase(&f, 9), FCC_FLASH_ERR_INVAL);
    assert_int_equal(fcc_flash_sim_wear(&sim, 1), 2);
    assert_int_equal(fcc_flash_sim_wear(&sim, 0), 0);
    assert_int_equal(sim.stats.max_block_erases, 2);
    assert_int_equal(f.read(&f, 1, 8, buf, 16), FCC_FLASH_OK);
    memset(want, 0xFF, sizeof(want));
    assert_memory_equal(buf, want, 16);
    assert_int_equal(f.prog(&f, 1, 16, zero, 8), FCC_FLASH_OK);
    /* programming only clears bits: 0xF0 over a unit with 0x0F in a fresh erase of block 2 */
    uint8_t a[8], b[8];
    memset(a, 0xF0, 8);
    assert_int_equal(f.prog(&f, 2, 0, a, 8), FCC_FLASH_OK);
    assert_int_equal(f.read(&f, 2, 0, b, 8), FCC_FLASH_OK);
    assert_memory_equal(a, b, 8);
    assert_true(sim.stats.progs == 3 && sim.stats.prog_bytes == 32 && sim.stats.erases == 2);
    assert_int_equal(f.sync(&f), FCC_FLASH_OK);
    /* bad geometry */
    fcc_flash_sim_t s2;
    fcc_flash_t f2;
    assert_int_equal(fcc_flash_ram_init(&s2, &f2, 3, 2048, 4), FCC_FLASH_ERR_INVAL);
    assert_int_equal(fcc_flash_ram_init(&s2, &f2, 16, 2056, 4), FCC_FLASH_ERR_INVAL);
    assert_int_equal(fcc_flash_ram_init(&s2, &f2, 16, 2048, 1), FCC_FLASH_ERR_INVAL);
    fcc_flash_sim_close(&s2);
    fcc_flash_sim_close(&sim);
    fcc_flash_sim_close(&sim); /* safe twice */
}

static void test_power_cut(void **state)
{
    (void)state;
    fcc_flash_sim_t sim;
    fcc_flash_t f;
    assert_int_equal(fcc_flash_ram_init(&sim, &f, 1, 2048, 2), FCC_FLASH_OK);
    uint8_t data[64], buf[64];
    memset(data, 0x00, sizeof(data));
    sim.cut_after = 2;
    sim.tear = FCC_FLASH_TEAR_NONE;
    assert_int_equal(f.prog(&f, 0, 0, data, 8), FCC_FLASH_OK);
    assert_int_equal(f.prog(&f, 0, 8, data, 8), FCC_FLASH_ERR_IO); /* the cut one: not landed */
    assert_int_equal(f.prog(&f, 0, 16, data, 8), FCC_FLASH_ERR_IO);
    assert_int_equal(f.read(&f, 0, 0, buf, 8), FCC_FLASH_ERR_IO);
    assert_int_equal(f.sync(&f), FCC_FLASH_ERR_IO);
    fcc_flash_sim_power_on(&sim);
    assert_int_equal(f.read(&f, 0, 0, buf, 24), FCC_FLASH_OK);
    assert_memory_equal(buf, data, 8);
    for (int i = 8; i < 24; i++)
        assert_int_equal(buf[i], 0xFF);
    /* the unit the cut program left untouched is programmable again */
    assert_int_equal(f.prog(&f, 0, 8, data, 8), FCC_FLASH_OK);

    /* prefix tear: some prefix lands, the rest stays erased */
    int partial = 0;
    for (uint32_t seed = 1; seed < 40; seed++) {
        assert_int_equal(f.erase(&f, 1), FCC_FLASH_OK);
        sim.seed = seed;
        sim.tear = FCC_FLASH_TEAR_PREFIX;
        sim.cut_after = 1;
        assert_int_equal(f.prog(&f, 1, 0, data, 64), FCC_FLASH_ERR_IO);
        fcc_flash_sim_power_on(&sim);
        assert_int_equal(f.read(&f, 1, 0, buf, 64), FCC_FLASH_OK);
        int n = 0;
        while (n < 64 && buf[n] == 0x00)
            n++;
        for (int i = n; i < 64; i++)
            assert_int_equal(buf[i], 0xFF);
        assert_true(n < 64);
        partial += n > 0;
        /* a landed byte makes its unit programmed */
        if (n > 0)
            assert_int_equal(f.prog(&f, 1, 0, data, 1), FCC_FLASH_ERR_INVAL);
        if (n < 63)
            assert_int_equal(f.prog(&f, 1, 63, data, 1), FCC_FLASH_OK);
    }
    assert_true(partial > 20);

    /* bit tear: a subset of the cleared bits lands, never a bit set */
    assert_int_equal(f.erase(&f, 1), FCC_FLASH_OK);
    sim.tear = FCC_FLASH_TEAR_BITS;
    sim.cut_after = 1;
    memset(data, 0xA5, sizeof(data));
    assert_int_equal(f.prog(&f, 1, 0, data, 64), FCC_FLASH_ERR_IO);
    fcc_flash_sim_power_on(&sim);
    assert_int_equal(f.read(&f, 1, 0, buf, 64), FCC_FLASH_OK);
    int differs = 0, exact = 0;
    for (int i = 0; i < 64; i++) {
        assert_int_equal(buf[i] & 0xA5, 0xA5); /* bits set in data stay set */
        differs += buf[i] != 0xFF;
        exact += buf[i] == 0xA5;
    }
    assert_true(differs > 32 && exact < 32);

    /* a cut erase */
    memset(data, 0, sizeof(data));
    assert_int_equal(f.erase(&f, 0), FCC_FLASH_OK);
    assert_int_equal(f.prog(&f, 0, 0, data, 64), FCC_FLASH_OK);
    sim.tear = FCC_FLASH_TEAR_NONE;
    sim.cut_after = 1;
    assert_int_equal(f.erase(&f, 0), FCC_FLASH_ERR_IO);
    fcc_flash_sim_power_on(&sim);
    assert_int_equal(f.read(&f, 0, 0, buf, 64), FCC_FLASH_OK);
    assert_memory_equal(buf, data, 64);
    fcc_flash_sim_close(&sim);
}

static void test_read_flips(void **state)
{
    (void)state;
    fcc_flash_sim_t sim;
    fcc_flash_t f;
    assert_int_equal(fcc_flash_ram_init(&sim, &f, 16, 4096, 2), FCC_FLASH_OK);
    uint8_t buf[4096];
    sim.flip_per_million = 10000; /* 1% of bits */
    sim.seed = 7;
    assert_int_equal(f.read(&f, 0, 0, buf, sizeof(buf)), FCC_FLASH_OK);
    int flipped = 0;
    for (size_t i = 0; i < sizeof(buf); i++)
        for (int b = 0; b < 8; b++)
            flipped += !((buf[i] >> b) & 1);
    assert_true(flipped > 150 && flipped < 500);
    /* flips are on the way out only: the content is intact */
    sim.flip_per_million = 0;
    assert_int_equal(f.read(&f, 0, 0, buf, sizeof(buf)), FCC_FLASH_OK);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0xFF);
    assert_int_equal(sim.stats.reads, 2);
    assert_int_equal(sim.stats.read_bytes, 8192);
    fcc_flash_sim_close(&sim);
}

static void test_file_image(void **state)
{
    (void)state;
    char path[] = "/tmp/fcc_flash_test_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    fcc_flash_sim_t sim;
    fcc_flash_t f;
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 4), FCC_FLASH_OK);
    uint8_t data[16], buf[16];
    memset(data, 0x3C, sizeof(data));
    assert_int_equal(f.erase(&f, 2), FCC_FLASH_OK);
    assert_int_equal(f.prog(&f, 2, 64, data, 16), FCC_FLASH_OK);
    assert_int_equal(f.sync(&f), FCC_FLASH_OK);
    fcc_flash_sim_close(&sim);
    /* reopened: content, wear and programmed units survive */
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 4), FCC_FLASH_OK);
    assert_int_equal(f.read(&f, 2, 64, buf, 16), FCC_FLASH_OK);
    assert_memory_equal(buf, data, 16);
    assert_int_equal(fcc_flash_sim_wear(&sim, 2), 1);
    assert_int_equal(f.prog(&f, 2, 64, data, 8), FCC_FLASH_ERR_INVAL);
    fcc_flash_sim_close(&sim);
    /* another geometry is refused */
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 16, 2048, 4), FCC_FLASH_ERR_INVAL);
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 8), FCC_FLASH_ERR_INVAL);
    assert_int_equal(fcc_flash_file_open(&sim, &f, "/nonexistent-dir/x.img", 8, 2048, 4),
                     FCC_FLASH_ERR_IO);
    unlink(path);
}

/* A new image is created atomically (temporary file, rename): afterwards the folder holds the
 * image and nothing else; an existing empty file is replaced by a complete image; a short file
 * (what a killed non-atomic creation left) is refused, not mistaken for an image. */
static void test_file_image_atomic(void **state)
{
    (void)state;
    char dir[] = "/tmp/fcc_flash_dir_XXXXXX";
    char path[256], cmd[300];
    struct stat st;
    fcc_flash_sim_t sim;
    fcc_flash_t f;
    FILE *l;
    int fd, n = 0;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/dev.img", dir);
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 4), FCC_FLASH_OK);
    fcc_flash_sim_close(&sim);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 4 * 2048);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
    l = popen(cmd, "r");
    assert_non_null(l);
    while (fgets(cmd, sizeof(cmd), l) != NULL)
        n++;
    pclose(l);
    assert_int_equal(n, 1); /* no temporary file left */
    /* an empty file: replaced by a whole image */
    unlink(path);
    fd = open(path, O_CREAT | O_WRONLY, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 4), FCC_FLASH_OK);
    fcc_flash_sim_close(&sim);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 4 * 2048);
    /* a short file is not an image */
    assert_int_equal(truncate(path, 100), 0);
    assert_int_equal(fcc_flash_file_open(&sim, &f, path, 8, 2048, 4), FCC_FLASH_ERR_INVAL);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nor_rules),
        cmocka_unit_test(test_power_cut),
        cmocka_unit_test(test_read_flips),
        cmocka_unit_test(test_file_image),
        cmocka_unit_test(test_file_image_atomic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
