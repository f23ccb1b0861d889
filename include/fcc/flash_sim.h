/* SPDX-License-Identifier: Apache-2.0 */
/* NOR flash simulators of the port layer (lib/port): one in RAM, one backed by an image file
 * (the one fcc-device uses). Both enforce NOR rules (erased bytes read 0xFF, programming only
 * clears bits, a second program of a unit without erase fails, aligned programs, erase by block)
 * and count wear and traffic. Test hooks cut the power after the Nth program or erase, tear the
 * program that is cut (a prefix, or an arbitrary subset of its bits, lands) and flip bits on read.
 * These are host-side: they allocate and, for the file image, do file I/O. */
#ifndef FCC_FLASH_SIM_H
#define FCC_FLASH_SIM_H

#include "fcc/flash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a program operation that the power cut interrupts lands. */
typedef enum fcc_flash_tear {
    FCC_FLASH_TEAR_NONE = 0,   /* the cut operation does not land at all */
    FCC_FLASH_TEAR_PREFIX = 1, /* a prefix of its bytes lands (length from the seed) */
    FCC_FLASH_TEAR_BITS = 2    /* an arbitrary subset of the bits it clears lands */
} fcc_flash_tear_t;

typedef struct fcc_flash_stats {
    uint64_t reads, read_bytes;
    uint64_t progs, prog_bytes;
    uint64_t erases;
    uint64_t syncs;
    uint32_t max_block_erases; /* wear of the most-erased block */
} fcc_flash_stats_t;

typedef struct fcc_flash_sim {
    /* public test hooks; set them any time */
    uint64_t cut_after;      /* if non-zero: the cut_after-th program or erase from now is the
                                last to start; it lands per `tear`, and every later operation
                                fails with FCC_FLASH_ERR_IO until fcc_flash_sim_power_on() */
    fcc_flash_tear_t tear;   /* how the cut program lands */
    uint32_t seed;           /* seeds tear lengths/bits and read bit flips */
    uint32_t flip_per_million; /* read bit-flip rate, per million bits read (0: none) */
    fcc_flash_stats_t stats;

    /* private */
    uint8_t *mem;            /* block_count * block_size bytes */
    uint8_t *written;        /* one flag per program unit: programmed since last erase */
    uint32_t *wear;          /* erase count per block */
    bool powered;
    uint64_t ops;            /* programs + erases since cut_after was armed */
    uint32_t rng;            /* xorshift state, reseeded from `seed` when it changes */
    uint32_t rng_seed;       /* the seed `rng` was derived from */
    uint32_t prog_size, block_size, block_count;
    char *path;              /* file image path, or NULL for RAM */
    int fd;                  /* image file descriptor, -1 for RAM */
} fcc_flash_sim_t;

/* Creates a RAM flash, fully erased, and fills `out` with its ops and geometry. Returns
 * FCC_FLASH_OK or FCC_FLASH_ERR_INVAL (bad geometry) / FCC_FLASH_ERR_IO (no memory). */
int fcc_flash_ram_init(fcc_flash_sim_t *sim, fcc_flash_t *out, uint32_t prog_size,
                       uint32_t block_size, uint32_t block_count);

/* Opens (creating, fully erased, when missing) a file-backed flash image at `path`. The image
 * holds the flash bytes followed by a small trailer with the geometry and the wear counters; an
 * existing image with another geometry is refused with FCC_FLASH_ERR_INVAL. Programs and erases
 * are written through to the file; sync() fsyncs it. */
int fcc_flash_file_open(fcc_flash_sim_t *sim, fcc_flash_t *out, const char *path,
                        uint32_t prog_size, uint32_t block_size, uint32_t block_count);

/* Clears the power cut: operations work again (the simulated device rebooted). The content is
 * whatever landed before the cut. Resets `ops` and disarms cut_after. */
void fcc_flash_sim_power_on(fcc_flash_sim_t *sim);

/* Copies the whole flash content out (for byte-for-byte comparisons in tests). `size` must be
 * block_count * block_size. */
void fcc_flash_sim_snapshot(const fcc_flash_sim_t *sim, uint8_t *out, size_t size);

/* Erase count of one block (0 when out of range). */
uint32_t fcc_flash_sim_wear(const fcc_flash_sim_t *sim, uint32_t block);

/* Overwrites the content of the flash directly (no NOR rules, no counting): for tests that
 * corrupt an image or load one. `size` must be block_count * block_size. Program units holding
 * anything but 0xFF count as programmed afterwards. */
void fcc_flash_sim_load(fcc_flash_sim_t *sim, const uint8_t *img, size_t size);

/* Releases the simulator (closes the image file). Safe on a zeroed struct. */
void fcc_flash_sim_close(fcc_flash_sim_t *sim);

#ifdef __cplusplus
}
#endif
#endif /* FCC_FLASH_SIM_H */
