/* SPDX-License-Identifier: Apache-2.0 */
/* The flash abstraction under the storage engine: four callbacks, a geometry and a context
 * pointer, in the manner of littlefs's block device. The storage engine never touches flash any
 * other way, so a device port supplies exactly this struct. */
#ifndef FCC_FLASH_H
#define FCC_FLASH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results of the flash callbacks. */
#define FCC_FLASH_OK 0
#define FCC_FLASH_ERR_IO (-1)      /* the device failed (or the simulator cut the power) */
#define FCC_FLASH_ERR_INVAL (-2)   /* out of range, misaligned, or a program over programmed bytes */

typedef struct fcc_flash fcc_flash_t;

struct fcc_flash {
    /* Passed back untouched; the port's own state. */
    void *context;

    /* Read `size` bytes at byte offset `off` of erase block `block` into `buf`.
     * Any alignment. Erased bytes read 0xFF. */
    int (*read)(const fcc_flash_t *flash, uint32_t block, uint32_t off, void *buf, uint32_t size);

    /* Program `size` bytes. `off` and `size` are multiples of prog_size, and every program unit
     * touched must be erased (programmed at most once between erases). Programming only clears
     * bits. */
    int (*prog)(const fcc_flash_t *flash, uint32_t block, uint32_t off, const void *buf,
                uint32_t size);

    /* Erase one block: every byte reads 0xFF afterwards. */
    int (*erase)(const fcc_flash_t *flash, uint32_t block);

    /* Make every completed program and erase durable. */
    int (*sync)(const fcc_flash_t *flash);

    uint32_t prog_size;   /* program unit in bytes: 1, 2, 4, 8, 16, ... */
    uint32_t block_size;  /* erase unit in bytes, a multiple of prog_size */
    uint32_t block_count; /* number of erase blocks, at least 2 */
};

#ifdef __cplusplus
}
#endif
#endif /* FCC_FLASH_H */
