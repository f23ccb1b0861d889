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

#include <cbor.h>

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

/* Walks the response head by head with libcbor's streaming decoder, which checks the CBOR
 * structure but not the UTF-8 of text strings: names are echoed byte for byte (wire contract
 * section 8 point 6), so a text may hold any bytes. */
typedef struct walk {
    int kind; /* 1 text, 2 uint, 3 break, 4 indefinite map, 0 other */
    const uint8_t *p;
    size_t n;
    uint64_t v;
} walk_t;

static void w_text(void *c, cbor_data p, size_t n)
{
    walk_t *w = c;
    w->kind = 1;
    w->p = p;
    w->n = n;
}
static void w_u8(void *c, uint8_t v) { ((walk_t *)c)->kind = 2, ((walk_t *)c)->v = v; }
static void w_u16(void *c, uint16_t v) { ((walk_t *)c)->kind = 2, ((walk_t *)c)->v = v; }
static void w_u32(void *c, uint32_t v) { ((walk_t *)c)->kind = 2, ((walk_t *)c)->v = v; }
static void w_u64(void *c, uint64_t v) { ((walk_t *)c)->kind = 2, ((walk_t *)c)->v = v; }
static void w_brk(void *c) { ((walk_t *)c)->kind = 3; }
static void w_map(void *c) { ((walk_t *)c)->kind = 4; }
static void w_other_n(void *c, size_t n) { ((walk_t *)c)->kind = 5, ((walk_t *)c)->v = n; }

static void check_response(const uint8_t *resp, size_t len, int status)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    struct cbor_decoder_result r;
    size_t pos = 0;
    int found = 0;
    walk_t w;
    cb.string = w_text;
    cb.uint8 = w_u8;
    cb.uint16 = w_u16;
    cb.uint32 = w_u32;
    cb.uint64 = w_u64;
    cb.indef_break = w_brk;
    cb.indef_map_start = w_map;
    cb.array_start = w_other_n;
    cb.map_start = w_other_n;
    cb.byte_string = (void (*)(void *, cbor_data, uint64_t))w_text;
    memset(&w, 0, sizeof(w));
    r = cbor_stream_decode(resp, len, &cb, &w);
    if (r.status != CBOR_DECODER_FINISHED || w.kind != 4)
        abort();
    pos = r.read;
    for (;;) {
        const uint8_t *key;
        size_t key_len;
        memset(&w, 0, sizeof(w));
        r = cbor_stream_decode(resp + pos, len - pos, &cb, &w);
        if (r.status != CBOR_DECODER_FINISHED)
            abort();
        pos += r.read;
        if (w.kind == 3)
            break;
        if (w.kind != 1)
            abort();
        key = w.p;
        key_len = w.n;
        if (key_len == 4 && memcmp(key, "Csrs", 4) == 0) {
            /* An array of n {PrKN, Data} maps: a map head and four items each. */
            uint64_t n, heads;
            memset(&w, 0, sizeof(w));
            r = cbor_stream_decode(resp + pos, len - pos, &cb, &w);
            if (r.status != CBOR_DECODER_FINISHED || w.kind != 5 || w.v > 5)
                abort();
            pos += r.read;
            heads = w.v * 5;
            for (n = 0; n < heads; n++) {
                r = cbor_stream_decode(resp + pos, len - pos, &cb, &w);
                if (r.status != CBOR_DECODER_FINISHED)
                    abort();
                pos += r.read;
            }
            continue;
        }
        memset(&w, 0, sizeof(w));
        r = cbor_stream_decode(resp + pos, len - pos, &cb, &w);
        if (r.status != CBOR_DECODER_FINISHED)
            abort();
        pos += r.read;
        if (key_len == 12 && memcmp(key, "ReturnStatus", 12) == 0 && w.kind == 2 &&
            w.v == (uint64_t)status)
            found = 1;
    }
    if (pos != len || !found)
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
