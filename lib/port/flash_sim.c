/* SPDX-License-Identifier: Apache-2.0 */
/* NOR flash simulators of the port layer: a RAM flash and a file-backed image (what fcc-device
 * uses). Both keep the whole flash in memory, enforce the NOR rules the storage engine must live
 * with (erased bytes read 0xFF, programs only clear bits, a program unit is programmed at most
 * once between erases, aligned programs, erase by block), count traffic and wear, and carry the
 * test hooks of the power-loss suite: cut the power after the Nth program or erase, tear the cut
 * operation (nothing, a prefix, or a random subset of its bits lands) and flip bits on read.
 *
 * Model of a torn operation: a program unit counts as programmed once a complete program covered
 * it, or when a cut program changed at least one of its bits; a unit a cut program left all 0xFF
 * is physically untouched and stays programmable. A cut erase lands not at all (TEAR_NONE), as a
 * prefix of erased bytes (TEAR_PREFIX) or as a random subset of bits set (TEAR_BITS). */
#include "fcc/flash_sim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fcc_endian.h"

#define IMAGE_MAGIC "FCCFLSH1"
#define IMAGE_TRAILER_FIXED 20u /* magic 8 + prog, block, count as u32 LE */

static uint32_t sim_rand(fcc_flash_sim_t *sim)
{
    if (sim->rng_seed != sim->seed || sim->rng == 0) {
        sim->rng_seed = sim->seed;
        sim->rng = sim->seed * 2654435761u + 0x9E3779B9u;
        if (sim->rng == 0)
            sim->rng = 1;
    }
    uint32_t x = sim->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    sim->rng = x;
    return x;
}

static size_t flash_bytes(const fcc_flash_sim_t *sim)
{
    return (size_t)sim->block_size * sim->block_count;
}

/* Writes `size` bytes of the image at `off` (file images only). Returns 0 or -1. */
static int file_put(fcc_flash_sim_t *sim, size_t off, const void *buf, size_t size)
{
    if (sim->fd < 0)
        return 0;
    const uint8_t *p = buf;
    while (size > 0) {
        ssize_t n = pwrite(sim->fd, p, size, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        off += (size_t)n;
        size -= (size_t)n;
    }
    return 0;
}

/* Syncs the folder that holds `path` (so a rename into it is durable). 0 or -1. */
static int sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd, rc;
    if (slash == NULL)
        dir = strdup(".");
    else if (slash == path)
        dir = strdup("/");
    else
        dir = strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? 0 : -1;
}

/* Creates a new image at `path` atomically: a temporary file in the same folder gets the whole
 * erased image (flash bytes and trailer), is synced and renamed over `path`, and the folder is
 * synced. A process killed at any instant leaves no image or a complete one (at worst a stray
 * `path.new-XXXXXX`), never a file the next open refuses. On success sim->fd is the new image,
 * open read-write. */
static int create_image(fcc_flash_sim_t *sim, const char *path, const uint8_t *trailer,
                        size_t trailer_len)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof(".new-XXXXXX"));
    int fd;
    if (tmp == NULL)
        return -1;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".new-XXXXXX", sizeof(".new-XXXXXX"));
    fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    sim->fd = fd;
    if (file_put(sim, 0, sim->mem, flash_bytes(sim)) != 0 ||
        file_put(sim, flash_bytes(sim), trailer, trailer_len) != 0 || fsync(fd) != 0 ||
        rename(tmp, path) != 0) {
        (void)unlink(tmp);
        free(tmp);
        close(fd);
        sim->fd = -1;
        return -1;
    }
    free(tmp);
    return sync_parent(path);
}

static int file_put_wear(fcc_flash_sim_t *sim, uint32_t block)
{
    uint8_t w[4];
    fcc_put_le32(w, sim->wear[block]);
    return file_put(sim, flash_bytes(sim) + IMAGE_TRAILER_FIXED + 4u * (size_t)block, w, 4);
}

/* Counts one program or erase against the armed cut. Returns true when this operation is the
 * one the power dies in. */
static bool sim_cut_now(fcc_flash_sim_t *sim)
{
    if (sim->cut_after == 0)
        return false;
    sim->ops++;
    return sim->ops >= sim->cut_after;
}

static void mark_units(fcc_flash_sim_t *sim, size_t base, size_t size, bool changed_only,
                       const uint8_t *before)
{
    size_t p = sim->prog_size;
    for (size_t u = base / p; u < (base + size) / p; u++) {
        if (!changed_only) {
            sim->written[u] = 1;
            continue;
        }
        for (size_t i = 0; i < p; i++) {
            if (before[u * p + i - base] != sim->mem[u * p + i]) {
                sim->written[u] = 1;
                break;
            }
        }
    }
}

static int sim_read(const fcc_flash_t *flash, uint32_t block, uint32_t off, void *buf,
                    uint32_t size)
{
    fcc_flash_sim_t *sim = flash->context;
    if (!sim->powered)
        return FCC_FLASH_ERR_IO;
    if (block >= sim->block_count || off > sim->block_size || size > sim->block_size - off)
        return FCC_FLASH_ERR_INVAL;
    uint8_t *out = buf;
    memcpy(out, sim->mem + (size_t)block * sim->block_size + off, size);
    if (sim->flip_per_million > 0) {
        for (uint32_t i = 0; i < size; i++)
            for (int b = 0; b < 8; b++)
                if (sim_rand(sim) % 1000000u < sim->flip_per_million)
                    out[i] ^= (uint8_t)(1u << b);
    }
    sim->stats.reads++;
    sim->stats.read_bytes += size;
    return FCC_FLASH_OK;
}

static int sim_prog(const fcc_flash_t *flash, uint32_t block, uint32_t off, const void *buf,
                    uint32_t size)
{
    fcc_flash_sim_t *sim = flash->context;
    if (!sim->powered)
        return FCC_FLASH_ERR_IO;
    if (block >= sim->block_count || off > sim->block_size || size > sim->block_size - off ||
        off % sim->prog_size != 0 || size % sim->prog_size != 0)
        return FCC_FLASH_ERR_INVAL;
    size_t base = (size_t)block * sim->block_size + off;
    for (size_t u = base / sim->prog_size; u < (base + size) / sim->prog_size; u++)
        if (sim->written[u])
            return FCC_FLASH_ERR_INVAL;
    const uint8_t *in = buf;
    uint8_t *mem = sim->mem + base;
    int rc = FCC_FLASH_OK;
    if (sim_cut_now(sim)) {
        /* The power dies during this program: land part of it, per `tear`. */
        uint8_t *before = malloc(size ? size : 1);
        if (before == NULL)
            return FCC_FLASH_ERR_IO;
        memcpy(before, mem, size);
        if (sim->tear == FCC_FLASH_TEAR_PREFIX) {
            uint32_t n = size ? sim_rand(sim) % size : 0;
            for (uint32_t i = 0; i < n; i++)
                mem[i] &= in[i];
        } else if (sim->tear == FCC_FLASH_TEAR_BITS) {
            for (uint32_t i = 0; i < size; i++) {
                uint8_t clear = (uint8_t)(~in[i] & mem[i] & (uint8_t)sim_rand(sim));
                mem[i] &= (uint8_t)~clear;
            }
        }
        mark_units(sim, base, size, true, before);
        free(before);
        sim->powered = false;
        rc = FCC_FLASH_ERR_IO;
    } else {
        for (uint32_t i = 0; i < size; i++)
            mem[i] &= in[i];
        mark_units(sim, base, size, false, NULL);
        sim->stats.progs++;
        sim->stats.prog_bytes += size;
    }
    if (file_put(sim, base, mem, size) != 0)
        rc = FCC_FLASH_ERR_IO;
    return rc;
}

static int sim_erase(const fcc_flash_t *flash, uint32_t block)
{
    fcc_flash_sim_t *sim = flash->context;
    if (!sim->powered)
        return FCC_FLASH_ERR_IO;
    if (block >= sim->block_count)
        return FCC_FLASH_ERR_INVAL;
    size_t base = (size_t)block * sim->block_size;
    uint8_t *mem = sim->mem + base;
    size_t units = sim->block_size / sim->prog_size;
    int rc = FCC_FLASH_OK;
    sim->wear[block]++;
    if (sim->wear[block] > sim->stats.max_block_erases)
        sim->stats.max_block_erases = sim->wear[block];
    if (sim_cut_now(sim)) {
        if (sim->tear == FCC_FLASH_TEAR_PREFIX) {
            uint32_t n = sim_rand(sim) % sim->block_size;
            memset(mem, 0xFF, n);
            for (size_t u = 0; u < n / sim->prog_size; u++)
                sim->written[base / sim->prog_size + u] = 0;
        } else if (sim->tear == FCC_FLASH_TEAR_BITS) {
            for (uint32_t i = 0; i < sim->block_size; i++)
                mem[i] |= (uint8_t)sim_rand(sim);
        }
        sim->powered = false;
        rc = FCC_FLASH_ERR_IO;
    } else {
        memset(mem, 0xFF, sim->block_size);
        memset(sim->written + base / sim->prog_size, 0, units);
        sim->stats.erases++;
    }
    if (file_put(sim, base, mem, sim->block_size) != 0 || file_put_wear(sim, block) != 0)
        rc = FCC_FLASH_ERR_IO;
    return rc;
}

static int sim_sync(const fcc_flash_t *flash)
{
    fcc_flash_sim_t *sim = flash->context;
    if (!sim->powered)
        return FCC_FLASH_ERR_IO;
    sim->stats.syncs++;
    if (sim->fd >= 0 && fsync(sim->fd) != 0)
        return FCC_FLASH_ERR_IO;
    return FCC_FLASH_OK;
}

static int sim_setup(fcc_flash_sim_t *sim, fcc_flash_t *out, uint32_t prog_size,
                     uint32_t block_size, uint32_t block_count)
{
    memset(sim, 0, sizeof(*sim));
    sim->fd = -1;
    memset(out, 0, sizeof(*out));
    if (prog_size == 0 || (prog_size & (prog_size - 1)) != 0 || block_size < prog_size ||
        block_size % prog_size != 0 || block_count < 2 ||
        (uint64_t)block_size * block_count > (uint64_t)1 << 30)
        return FCC_FLASH_ERR_INVAL;
    sim->prog_size = prog_size;
    sim->block_size = block_size;
    sim->block_count = block_count;
    size_t total = flash_bytes(sim);
    sim->mem = malloc(total);
    sim->written = calloc(total / prog_size, 1);
    sim->wear = calloc(block_count, sizeof(uint32_t));
    if (sim->mem == NULL || sim->written == NULL || sim->wear == NULL) {
        fcc_flash_sim_close(sim);
        return FCC_FLASH_ERR_IO;
    }
    memset(sim->mem, 0xFF, total);
    sim->powered = true;
    out->context = sim;
    out->read = sim_read;
    out->prog = sim_prog;
    out->erase = sim_erase;
    out->sync = sim_sync;
    out->prog_size = prog_size;
    out->block_size = block_size;
    out->block_count = block_count;
    return FCC_FLASH_OK;
}

int fcc_flash_ram_init(fcc_flash_sim_t *sim, fcc_flash_t *out, uint32_t prog_size,
                       uint32_t block_size, uint32_t block_count)
{
    return sim_setup(sim, out, prog_size, block_size, block_count);
}

int fcc_flash_file_open(fcc_flash_sim_t *sim, fcc_flash_t *out, const char *path,
                        uint32_t prog_size, uint32_t block_size, uint32_t block_count)
{
    int rc = sim_setup(sim, out, prog_size, block_size, block_count);
    if (rc != FCC_FLASH_OK)
        return rc;
    rc = FCC_FLASH_ERR_IO;
    size_t total = flash_bytes(sim);
    size_t image = total + IMAGE_TRAILER_FIXED + 4u * block_count;
    uint8_t *trailer = NULL;
    sim->path = strdup(path);
    if (sim->path == NULL)
        goto cleanup;
    struct stat stt;
    memset(&stt, 0, sizeof(stt));
    sim->fd = open(path, O_RDWR | O_CLOEXEC);
    if (sim->fd < 0 && errno != ENOENT)
        goto cleanup;
    if (sim->fd >= 0 && fstat(sim->fd, &stt) != 0)
        goto cleanup;
    trailer = malloc(IMAGE_TRAILER_FIXED + 4u * (size_t)block_count);
    if (trailer == NULL)
        goto cleanup;
    if (sim->fd < 0 || stt.st_size == 0) {
        /* A new image (or an empty file): fully erased, zero wear, created atomically. Later
         * writes go to it in place: that is the simulated flash and its power-loss model. */
        if (sim->fd >= 0) {
            close(sim->fd);
            sim->fd = -1;
        }
        memcpy(trailer, IMAGE_MAGIC, 8);
        fcc_put_le32(trailer + 8, prog_size);
        fcc_put_le32(trailer + 12, block_size);
        fcc_put_le32(trailer + 16, block_count);
        memset(trailer + IMAGE_TRAILER_FIXED, 0, 4u * (size_t)block_count);
        if (create_image(sim, path, trailer, image - total) != 0)
            goto cleanup;
    } else {
        if ((uint64_t)stt.st_size != image) {
            rc = FCC_FLASH_ERR_INVAL;
            goto cleanup;
        }
        if (pread(sim->fd, sim->mem, total, 0) != (ssize_t)total ||
            pread(sim->fd, trailer, image - total, (off_t)total) != (ssize_t)(image - total))
            goto cleanup;
        if (memcmp(trailer, IMAGE_MAGIC, 8) != 0 || fcc_get_le32(trailer + 8) != prog_size ||
            fcc_get_le32(trailer + 12) != block_size || fcc_get_le32(trailer + 16) != block_count) {
            rc = FCC_FLASH_ERR_INVAL;
            goto cleanup;
        }
        for (uint32_t b = 0; b < block_count; b++) {
            sim->wear[b] = fcc_get_le32(trailer + IMAGE_TRAILER_FIXED + 4u * b);
            if (sim->wear[b] > sim->stats.max_block_erases)
                sim->stats.max_block_erases = sim->wear[b];
        }
        /* Units holding anything but 0xFF were programmed. */
        for (size_t u = 0; u < total / prog_size; u++)
            for (size_t i = 0; i < prog_size; i++)
                if (sim->mem[u * prog_size + i] != 0xFF) {
                    sim->written[u] = 1;
                    break;
                }
    }
    rc = FCC_FLASH_OK;
cleanup:
    free(trailer);
    if (rc != FCC_FLASH_OK) {
        fcc_flash_sim_close(sim);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

void fcc_flash_sim_power_on(fcc_flash_sim_t *sim)
{
    sim->powered = true;
    sim->ops = 0;
    sim->cut_after = 0;
}

void fcc_flash_sim_snapshot(const fcc_flash_sim_t *sim, uint8_t *out, size_t size)
{
    size_t total = flash_bytes(sim);
    memcpy(out, sim->mem, size < total ? size : total);
}

uint32_t fcc_flash_sim_wear(const fcc_flash_sim_t *sim, uint32_t block)
{
    return block < sim->block_count ? sim->wear[block] : 0;
}

void fcc_flash_sim_load(fcc_flash_sim_t *sim, const uint8_t *img, size_t size)
{
    size_t total = flash_bytes(sim);
    if (size > total)
        size = total;
    memcpy(sim->mem, img, size);
    for (size_t u = 0; u < total / sim->prog_size; u++) {
        sim->written[u] = 0;
        for (size_t i = 0; i < sim->prog_size; i++)
            if (sim->mem[u * sim->prog_size + i] != 0xFF) {
                sim->written[u] = 1;
                break;
            }
    }
    (void)file_put(sim, 0, sim->mem, total);
}

void fcc_flash_sim_close(fcc_flash_sim_t *sim)
{
    if (sim == NULL)
        return;
    if (sim->fd > 0 || (sim->fd == 0 && sim->path != NULL))
        close(sim->fd);
    free(sim->mem);
    free(sim->written);
    free(sim->wear);
    free(sim->path);
    memset(sim, 0, sizeof(*sim));
    sim->fd = -1;
}
