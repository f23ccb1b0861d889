/* SPDX-License-Identifier: Apache-2.0 */
/* NOR flash over a memory region, for boards (and the emulated MPS2 board) where the store's
 * flash is reachable as memory. It enforces the rules the storage engine relies on instead of
 * silently accepting what real NOR would corrupt: programming only onto erased program units and
 * only clearing bits, aligned ranges, erase by block. No heap, no OS. */
#include "board.h"

#include <string.h>

static fcc_board_flash_t *bf_of(const fcc_flash_t *f)
{
    return (fcc_board_flash_t *)f->context;
}

static int in_range(const fcc_flash_t *f, uint32_t block, uint32_t off, uint32_t size)
{
    return block < f->block_count && off <= f->block_size && size <= f->block_size - off;
}

static int bf_read(const fcc_flash_t *f, uint32_t block, uint32_t off, void *buf, uint32_t size)
{
    if (!in_range(f, block, off, size))
        return FCC_FLASH_ERR_INVAL;
    memcpy(buf, bf_of(f)->mem + (size_t)block * f->block_size + off, size);
    return FCC_FLASH_OK;
}

static int bf_prog(const fcc_flash_t *f, uint32_t block, uint32_t off, const void *buf,
                   uint32_t size)
{
    fcc_board_flash_t *bf = bf_of(f);
    uint8_t *dst;
    const uint8_t *src = buf;
    uint32_t i;

    if (!in_range(f, block, off, size) || off % f->prog_size != 0 || size % f->prog_size != 0)
        return FCC_FLASH_ERR_INVAL;
    dst = bf->mem + (size_t)block * f->block_size + off;
    /* Every unit touched must still be erased: a second program without erase is refused. */
    for (i = 0; i < size; i++)
        if (dst[i] != 0xFF)
            return FCC_FLASH_ERR_INVAL;
    for (i = 0; i < size; i++)
        dst[i] &= src[i];
    bf->progs++;
    return FCC_FLASH_OK;
}

static int bf_erase(const fcc_flash_t *f, uint32_t block)
{
    fcc_board_flash_t *bf = bf_of(f);
    if (block >= f->block_count)
        return FCC_FLASH_ERR_INVAL;
    memset(bf->mem + (size_t)block * f->block_size, 0xFF, f->block_size);
    bf->erases++;
    return FCC_FLASH_OK;
}

static int bf_sync(const fcc_flash_t *f)
{
    (void)f;
    return FCC_FLASH_OK; /* memory writes are complete when the store returns */
}

int fcc_board_flash_init(fcc_board_flash_t *bf, fcc_flash_t *out, void *mem, uint32_t prog_size,
                         uint32_t block_size, uint32_t block_count)
{
    if (mem == NULL || prog_size == 0 || (prog_size & (prog_size - 1)) != 0 ||
        block_size < prog_size || block_size % prog_size != 0 || block_count < 2)
        return FCC_FLASH_ERR_INVAL;
    bf->mem = mem;
    bf->progs = 0;
    bf->erases = 0;
    out->context = bf;
    out->read = bf_read;
    out->prog = bf_prog;
    out->erase = bf_erase;
    out->sync = bf_sync;
    out->prog_size = prog_size;
    out->block_size = block_size;
    out->block_count = block_count;
    return FCC_FLASH_OK;
}
