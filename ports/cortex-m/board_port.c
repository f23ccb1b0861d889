/* SPDX-License-Identifier: Apache-2.0 */
/* The port services of a bare-metal board (fcc_port_t): random numbers from mbedTLS's CTR_DRBG
 * seeded from the board's entropy hook, the device clock over the board's clock hook, and
 * mbedTLS's heap on a static pool whose peak is reported (mbedtls_memory_buffer_alloc). No OS
 * calls, no C heap. */
#include "board.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/memory_buffer_alloc.h"
#include "psa/crypto.h"

static mbedtls_ctr_drbg_context drbg;
static int drbg_ready;
static unsigned char mbedtls_pool[FCC_BOARD_MBEDTLS_POOL] __attribute__((aligned(8)));

/* PSA Crypto's random source (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG in config/mbedtls_config.h): the
 * board's DRBG. */
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size,
                                             size_t *output_length)
{
    (void)context;
    *output_length = 0;
    if (fcc_board_rng(NULL, output, output_size) != 0)
        return PSA_ERROR_INSUFFICIENT_ENTROPY;
    *output_length = output_size;
    return PSA_SUCCESS;
}

void fcc_board_heap_init(void)
{
    mbedtls_memory_buffer_alloc_init(mbedtls_pool, sizeof(mbedtls_pool));
}

size_t fcc_board_heap_peak(void)
{
    size_t bytes = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_max_get(&bytes, &blocks);
    return bytes;
}

size_t fcc_board_heap_current(void)
{
    size_t bytes = 0, blocks = 0;
    mbedtls_memory_buffer_alloc_cur_get(&bytes, &blocks);
    return bytes;
}

void fcc_board_heap_reset_peak(void)
{
    mbedtls_memory_buffer_alloc_max_reset();
}

static int drbg_seed(void)
{
    static const unsigned char personal[] = "fcc-board-port";
    if (drbg_ready)
        return 0;
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, fcc_board_entropy, NULL, personal, sizeof(personal) - 1) !=
        0) {
        mbedtls_ctr_drbg_free(&drbg);
        return -1;
    }
    drbg_ready = 1;
    return 0;
}

int fcc_board_rng(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    if (drbg_seed() != 0)
        return -1;
    while (len > 0) {
        size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        if (mbedtls_ctr_drbg_random(&drbg, buf, n) != 0)
            return -1;
        buf += n;
        len -= n;
    }
    return 0;
}

static int64_t board_time_get(void *ctx)
{
    fcc_board_port_t *st = ctx;
    if (st->fixed_now > 0)
        return st->fixed_now;
    int64_t now = fcc_board_clock();
    return now > 0 ? now + st->offset : 0;
}

static int board_time_set(void *ctx, int64_t epoch)
{
    fcc_board_port_t *st = ctx;
    if (st->fixed_now > 0)
        st->fixed_now = epoch;
    else
        st->offset = epoch - fcc_board_clock();
    return 0;
}

int fcc_board_port_init(fcc_port_t *port, fcc_board_port_t *state, int64_t fixed_time)
{
    if (drbg_seed() != 0)
        return -1;
    state->drbg = &drbg;
    state->offset = 0;
    state->fixed_now = fixed_time > 0 ? fixed_time : 0;
    port->ctx = state;
    port->rng = fcc_board_rng;
    port->time_get = board_time_get;
    port->time_set = board_time_set;
    return 0;
}

/* The pool is ready before main() and before any mbedTLS call (constructors run first). */
__attribute__((constructor)) static void board_heap_at_start(void)
{
    fcc_board_heap_init();
}
