/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of the bundle handler: bundle bytes in, response out, on a fresh device (RAM
 * flash, KCM, FCC, clock fixed at 2030-01-01, deterministic RNG) per input. Besides the
 * sanitizers it checks three invariants and aborts when one breaks: the response is one
 * well-formed CBOR map (its texts may hold any bytes: names are echoed as received) whose
 * ReturnStatus is the status returned, the response fits the cap, and a bundle that
 * fails leaves no item in the store (all-or-nothing). Seeds: fuzz/corpus/bundle/ (the vectors'
 * bundles). */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "resp_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t clock_now;

static int det_rng(void *ctx, unsigned char *buf, size_t len)
{
    uint64_t *s = ctx;
    size_t i;
    for (i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        buf[i] = (unsigned char)*s;
    }
    return 0;
}

static int64_t clock_get(void *ctx)
{
    (void)ctx;
    return clock_now;
}

static int clock_set(void *ctx, int64_t t)
{
    (void)ctx;
    clock_now = t;
    return 0;
}

typedef struct device {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    uint8_t work[KCM_WORK_SIZE];
    kcm_t kcm;
    fcc_t fcc;
    uint8_t resp[FCC_RESPONSE_MAX];
} device_t;

typedef struct status_check {
    int status;
    int found;
} status_check_t;

static void status_pair(void *ctx, const resp_head_t *k, const resp_head_t *v)
{
    status_check_t *c = ctx;
    if (k->n == 12 && memcmp(k->p, "ReturnStatus", 12) == 0 && v->kind == RESP_UINT &&
        v->v == (uint64_t)c->status)
        c->found++;
}

/* One well-formed map (read without UTF-8 validation: names are echoed byte for byte) whose
 * ReturnStatus is the status returned. */
static void check_response(const uint8_t *resp, size_t len, int status)
{
    status_check_t c = {status, 0};
    if (!resp_scan(resp, len, status_pair, &c) || c.found != 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static device_t d;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    fcc_port_t port = {&seed, det_rng, clock_get, clock_set};
    size_t len = 0;
    int status;

    memset(&d, 0, sizeof(d));
    clock_now = 1893456000;
    if (fcc_flash_ram_init(&d.sim, &d.flash, 16, 4096, 16) != FCC_FLASH_OK)
        abort();
    if (kcm_init(&d.kcm, &d.flash, d.work, sizeof(d.work), det_rng, &seed) != KCM_OK ||
        fcc_init(&d.fcc, &d.kcm, &port, NULL) != FCC_STATUS_SUCCESS)
        abort();
    status = (int)fcc_bundle_handler(&d.fcc, data, size, d.resp, sizeof(d.resp), &len, NULL);
    if (len == 0 || len > FCC_RESPONSE_MAX)
        abort();
    check_response(d.resp, len, status);
    if (status != FCC_STATUS_SUCCESS) {
        kcm_iter_t it;
        kcm_item_info_t info;
        memset(&it, 0, sizeof(it));
        if (kcm_iter_next(&d.kcm, &it, &info) != KCM_ERR_NOT_FOUND)
            abort(); /* something of a failed bundle was kept */
    }
    fcc_free(&d.fcc);
    kcm_free(&d.kcm);
    fcc_flash_sim_close(&d.sim);
    return 0;
}
