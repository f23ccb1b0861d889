/* SPDX-License-Identifier: Apache-2.0 */
/* The storage engine on a RAM flash simulator, for the engine's unit tests: one struct and the
 * few lines that bring it up, remount it and free it, shared by test_store.c and
 * test_store_damage.c instead of two copies. Test code only (cmocka assertions). */
#ifndef TESTS_SUPPORT_STORE_ENV_H
#define TESTS_SUPPORT_STORE_ENV_H

#include "fcc/flash_sim.h"
#include "fcc/store.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct env {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    fst_t st;
    uint8_t work[FST_WORK_SIZE];
} env_t;

/* A mounted store on a blank RAM flash of `count` erase units of `block` bytes. */
static inline env_t *env_new(uint32_t prog, uint32_t block, uint32_t count)
{
    env_t *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    assert_int_equal(fcc_flash_ram_init(&e->sim, &e->flash, prog, block, count), FCC_FLASH_OK);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_OK);
    return e;
}

/* Unmounts and mounts again (a reboot); the mount must succeed. */
static inline void env_remount(env_t *e)
{
    fst_unmount(&e->st);
    assert_int_equal(fst_mount(&e->st, &e->flash, e->work, sizeof(e->work)), FST_OK);
}

static inline void env_free(env_t *e)
{
    fst_unmount(&e->st);
    fcc_flash_sim_close(&e->sim);
    free(e);
}

/* A C string as key name bytes. */
static inline const uint8_t *N(const char *s)
{
    return (const uint8_t *)s;
}

#endif /* TESTS_SUPPORT_STORE_ENV_H */
