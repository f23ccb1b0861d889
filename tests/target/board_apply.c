/* SPDX-License-Identifier: Apache-2.0 */
/* A whole device on the emulated board, the way a firmware runs it: the board port (NOR flash
 * over a RAM region, CTR_DRBG seeded by the board hook, the board clock fixed at the time given,
 * mbedTLS's heap on a static pool), KCM and FCC. It receives a bundle made by the host's `fcu`
 * inside a request frame (lib/ftcd), applies it, frames the response, reboots (KCM and FCC again
 * over the same flash) and verifies the device. Fails unless every step succeeds.
 *
 * It also measures, for `make size` and docs/port-cortex-m.md: the peak stack of each public entry
 * point it calls (stack painting), the mbedTLS heap peak for the bundle, and the static RAM of the
 * device objects. Usage: board_apply BUNDLE.cbor EPOCH */
#include "board.h"
#include "fcc/fcc.h"
#include "fcc/ftcd.h"
#include "fcc/kcm.h"
#include "mps2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLASH_BLOCK 4096u
#define FLASH_BLOCKS 64u /* 256 KiB, 16-byte program unit: fcc-device's default geometry */
#define BUNDLE_MAX (16u * 1024u)

static uint8_t flash_mem[FLASH_BLOCK * FLASH_BLOCKS] __attribute__((section(".board_flash")));
static fcc_board_flash_t board_flash;
static fcc_flash_t flash;
static fcc_board_port_t port_state;
static fcc_port_t port;
static uint8_t work[KCM_WORK_SIZE];
static kcm_t kcm;
static fcc_t fcc;
static uint8_t bundle[BUNDLE_MAX];
static uint8_t frame[FTCD_REQUEST_SIZE(BUNDLE_MAX)];
static uint8_t rx[BUNDLE_MAX];
static uint8_t resp[FCC_RESPONSE_MAX];
static uint8_t resp_frame[FTCD_RESPONSE_SIZE(FCC_RESPONSE_MAX)];

static void report(const char *entry, size_t stack)
{
    printf("stack %-40s %6lu bytes\n", entry, (unsigned long)stack);
}

#define MEASURE(name, call)                                                                        \
    do {                                                                                           \
        fcc_mps2_stack_paint();                                                                    \
        call;                                                                                      \
        report(name, fcc_mps2_stack_used());                                                       \
    } while (0)

static int fail(const char *what, int code)
{
    fprintf(stderr, "board_apply: %s failed (%d)\n", what, code);
    return 1;
}

int main(int argc, char **argv)
{
    FILE *f;
    size_t len, flen, consumed = 0, resp_len = 0, rf_len = 0, heap_after_init;
    int64_t now;
    kcm_status_t ks = KCM_OK;
    fcc_status_t st = FCC_STATUS_SUCCESS;
    ftcd_status_t fs = FTCD_STATUS_SUCCESS;
    ftcd_decoder_t dec;
    ftcd_event_t ev = FTCD_EVENT_NONE;
    bool keep = false;

    if (argc != 3) {
        fprintf(stderr, "usage: board_apply BUNDLE.cbor EPOCH\n");
        return 2;
    }
    now = strtoll(argv[2], NULL, 10);
    f = fopen(argv[1], "rb");
    if (f == NULL)
        return fail(argv[1], 0);
    len = fread(bundle, 1, sizeof(bundle), f);
    fclose(f);
    if (len == 0 || len == sizeof(bundle))
        return fail("reading the bundle (empty or larger than 16 KiB)", (int)len);

    memset(flash_mem, 0xFF, sizeof(flash_mem)); /* a blank, erased flash */
    if (fcc_board_flash_init(&board_flash, &flash, flash_mem, 16, FLASH_BLOCK, FLASH_BLOCKS) != 0)
        return fail("fcc_board_flash_init", 0);
    if (fcc_board_port_init(&port, &port_state, now) != 0)
        return fail("fcc_board_port_init", 0);

    MEASURE("kcm_init", ks = kcm_init(&kcm, &flash, work, sizeof(work), fcc_board_rng, NULL));
    if (ks != KCM_OK)
        return fail("kcm_init", ks);
    MEASURE("fcc_init", st = fcc_init(&fcc, &kcm, &port, NULL));
    if (st != FCC_STATUS_SUCCESS)
        return fail("fcc_init", st);

    /* The factory link: the bundle arrives in a request frame, the answer leaves in a response
     * frame. */
    if (ftcd_encode_request(bundle, len, frame, sizeof(frame), &flen) != FTCD_STATUS_SUCCESS)
        return fail("ftcd_encode_request", 0);
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, rx, sizeof(rx), (uint32_t)sizeof(rx));
    MEASURE("ftcd_decoder_feed", ev = ftcd_decoder_feed(&dec, frame, flen, &consumed));
    if (ev != FTCD_EVENT_FRAME || consumed != flen)
        return fail("ftcd_decoder_feed", (int)ev);

    heap_after_init = fcc_board_heap_current();
    fcc_board_heap_reset_peak();
    MEASURE("fcc_bundle_handler",
            st = fcc_bundle_handler(&fcc, ftcd_decoder_payload(&dec, NULL), len, resp,
                                    sizeof(resp), &resp_len, &keep));
    printf("heap  mbedTLS peak during fcc_bundle_handler  %6lu bytes (pool %lu, in use before %lu)\n",
           (unsigned long)fcc_board_heap_peak(), (unsigned long)FCC_BOARD_MBEDTLS_POOL,
           (unsigned long)heap_after_init);
    if (st != FCC_STATUS_SUCCESS)
        return fail("fcc_bundle_handler", st);
    MEASURE("ftcd_encode_response",
            fs = ftcd_encode_response(resp, resp_len, resp_frame, sizeof(resp_frame), &rf_len));
    if (fs != FTCD_STATUS_SUCCESS)
        return fail("ftcd_encode_response", fs);

    /* A reboot: the device comes up from flash and is still ready to connect. */
    fcc_free(&fcc);
    kcm_free(&kcm);
    if (kcm_init(&kcm, &flash, work, sizeof(work), fcc_board_rng, NULL) != KCM_OK ||
        fcc_init(&fcc, &kcm, &port, NULL) != FCC_STATUS_SUCCESS)
        return fail("reboot", 0);
    fcc_board_heap_reset_peak();
    MEASURE("fcc_verify_device_configured_4mbed_cloud",
            st = fcc_verify_device_configured_4mbed_cloud(&fcc));
    printf("heap  mbedTLS peak during verification        %6lu bytes\n",
           (unsigned long)fcc_board_heap_peak());
    if (st != FCC_STATUS_SUCCESS)
        return fail("fcc_verify_device_configured_4mbed_cloud", st);
    printf("ram   kcm_t %lu, fcc_t %lu, KCM work buffer %lu, response buffer %lu bytes\n",
           (unsigned long)sizeof(kcm_t), (unsigned long)sizeof(fcc_t),
           (unsigned long)sizeof(work), (unsigned long)sizeof(resp));
    printf("board_apply: bundle of %lu bytes applied (status 0, %lu-byte response), %lu programs, "
           "%lu erases; verified after reboot\n",
           (unsigned long)len, (unsigned long)resp_len, (unsigned long)board_flash.progs,
           (unsigned long)board_flash.erases);
    fcc_free(&fcc);
    kcm_free(&kcm);
    return 0;
}
