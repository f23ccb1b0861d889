/* SPDX-License-Identifier: Apache-2.0 */
/* The bare-metal port of the device library for Cortex-M (ports/cortex-m): what a board gives
 * the library and what the port builds on top of it. A real board supplies the three hooks at the
 * end (entropy, clock and, for its flash, a region or its own fcc_flash_t); everything else here
 * is board-independent. The MPS2 board as QEMU emulates it (board_mps2.c, startup_mps2.c) is the
 * reference implementation used by the tests (tests/target/). See docs/port-cortex-m.md. */
#ifndef FCC_BOARD_H
#define FCC_BOARD_H

#include "fcc/fcc.h"
#include "fcc/flash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- NOR flash over a memory region (board_flash.c) ----
 * The fcc_flash_t operations over `size` bytes of memory at `mem`, with the NOR rules the storage
 * engine is written against: erased bytes read 0xFF, a program only clears bits and must land on
 * erased program units, aligned programs, erase by block. A program breaking a rule is refused
 * with FCC_FLASH_ERR_INVAL and changes nothing. On a board whose flash is memory-mapped for
 * reading but programmed through a controller, keep `read` and replace prog/erase. */
typedef struct fcc_board_flash {
    uint8_t *mem;
    uint32_t progs, erases; /* counters, for the tests and the footprint report */
} fcc_board_flash_t;

/* Fills `out` for the region (block_count * block_size bytes at mem). Does not erase it. Returns
 * FCC_FLASH_OK or FCC_FLASH_ERR_INVAL for a bad geometry. */
int fcc_board_flash_init(fcc_board_flash_t *bf, fcc_flash_t *out, void *mem, uint32_t prog_size,
                         uint32_t block_size, uint32_t block_count);

/* ---- random numbers and the clock (board_port.c, over mbedTLS's CTR_DRBG) ----
 * The port state: a CTR_DRBG seeded from the board's entropy hook, and a device clock that is
 * the board's clock plus the offset that mbed.CurrentTime sets (or a fixed time for tests). */
typedef struct fcc_board_port {
    void *drbg;          /* mbedtls_ctr_drbg_context, in board_port.c's static storage */
    int64_t offset;      /* added to the board clock (set by time_set) */
    int64_t fixed_now;   /* > 0: the clock is fixed there (tests, factory line) */
} fcc_board_port_t;

/* Seeds the DRBG from fcc_board_entropy() and fills `port`. fixed_time > 0 fixes the clock.
 * Returns 0, or -1 when the entropy hook or the DRBG failed. One port per program. */
int fcc_board_port_init(fcc_port_t *port, fcc_board_port_t *state, int64_t fixed_time);

/* mbedTLS-style RNG over the DRBG (for kcm_init); ctx unused. Returns 0 or -1. */
int fcc_board_rng(void *ctx, unsigned char *buf, size_t len);

/* ---- mbedTLS's heap on a static pool (board_port.c) ----
 * mbedTLS allocates (certificate parsing, bignums); on the board its calloc/free come from
 * mbedtls_memory_buffer_alloc over a static pool of FCC_BOARD_MBEDTLS_POOL bytes. */
#ifndef FCC_BOARD_MBEDTLS_POOL
#define FCC_BOARD_MBEDTLS_POOL (32u * 1024u)
#endif
void fcc_board_heap_init(void);
/* Peak bytes in use on the pool since init or the last reset, and the bytes in use now. */
size_t fcc_board_heap_peak(void);
size_t fcc_board_heap_current(void);
void fcc_board_heap_reset_peak(void);

/* ---- hooks a board supplies ---- */
/* Fills buf with len bytes from the board's entropy source (a TRNG). Returns 0 or -1. */
int fcc_board_entropy(void *ctx, unsigned char *buf, size_t len);
/* Seconds since the epoch from the board's real-time clock, or 0 when it has none. */
int64_t fcc_board_clock(void);

#ifdef __cplusplus
}
#endif
#endif /* FCC_BOARD_H */
