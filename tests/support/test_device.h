/* SPDX-License-Identifier: Apache-2.0 */
/* A whole device for tests and benchmarks, in one struct: RAM flash simulator, KCM, FCC, the
 * POSIX port with a fixed clock, and a response buffer. Every test of the bundle handler needs
 * the same few lines to bring one up; they live here once. Caller-allocated (the struct is
 * large: put it on the heap or in static storage). Test code only. */
#ifndef TESTS_SUPPORT_TEST_DEVICE_H
#define TESTS_SUPPORT_TEST_DEVICE_H

#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct test_device {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    uint8_t work[KCM_WORK_SIZE];
    kcm_t kcm;
    fcc_t fcc;
    fcc_port_t port;
    fcc_port_posix_t clock;
    uint8_t resp[FCC_RESPONSE_MAX];
    size_t resp_len;
    bool keep;
} test_device_t;

/* Brings up a blank device on a RAM flash of `blocks` erase units of `block` bytes (program
 * unit `prog`), its clock fixed at `now` (0: the system clock). Returns 0, or -1 with nothing
 * left to free. */
static inline int test_device_init(test_device_t *d, uint32_t prog, uint32_t block,
                                   uint32_t blocks, int64_t now)
{
    memset(d, 0, sizeof(*d));
    if (fcc_flash_ram_init(&d->sim, &d->flash, prog, block, blocks) != FCC_FLASH_OK)
        return -1;
    if (kcm_init(&d->kcm, &d->flash, d->work, sizeof(d->work), fcc_port_posix_rng, NULL) !=
        KCM_OK) {
        fcc_flash_sim_close(&d->sim);
        return -1;
    }
    fcc_port_posix_init(&d->port, &d->clock, now);
    if (fcc_init(&d->fcc, &d->kcm, &d->port, NULL) != FCC_STATUS_SUCCESS) {
        kcm_free(&d->kcm);
        fcc_flash_sim_close(&d->sim);
        return -1;
    }
    return 0;
}

/* A reboot: KCM and FCC again over the same flash (the clock keeps its time). 0 or -1. */
static inline int test_device_reboot(test_device_t *d)
{
    fcc_free(&d->fcc);
    kcm_free(&d->kcm);
    if (kcm_init(&d->kcm, &d->flash, d->work, sizeof(d->work), fcc_port_posix_rng, NULL) !=
        KCM_OK)
        return -1;
    return fcc_init(&d->fcc, &d->kcm, &d->port, NULL) == FCC_STATUS_SUCCESS ? 0 : -1;
}

/* Releases everything test_device_init brought up. */
static inline void test_device_fini(test_device_t *d)
{
    fcc_free(&d->fcc);
    kcm_free(&d->kcm);
    fcc_flash_sim_close(&d->sim);
}

#endif /* TESTS_SUPPORT_TEST_DEVICE_H */
