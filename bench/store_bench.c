/* SPDX-License-Identifier: Apache-2.0 */
/* Figures of the storage engine: flash bytes programmed per payload byte of a bundle commit,
 * flash bytes a mount reads against the used area, instructions of a mount and of one lookup
 * with 10, 100 and 1000 items (counted by running this program under valgrind's callgrind with
 * collection toggled on fst_mount or fst_get only), the engine's RAM (fst_t plus work buffer)
 * and its peak stack (measured by running each call on a painted stack). Prints; never fails.
 *
 *   bench_store                 every figure (instruction counts need valgrind on PATH)
 *   bench_store --phase mount N   build a store of N items, remount once (for callgrind)
 *   bench_store --phase lookup N  build a store of N items, look one up once (for callgrind) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "fcc/flash_sim.h"
#include "fcc/store.h"

static uint8_t work[FST_WORK_SIZE];

typedef struct rig {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    fst_t st;
} rig_t;

static void fill(uint8_t *v, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        v[i] = (uint8_t)(seed >> 16);
    }
}

static int rig_open(rig_t *r, uint32_t prog, uint32_t block, uint32_t count)
{
    memset(r, 0, sizeof(*r));
    if (fcc_flash_ram_init(&r->sim, &r->flash, prog, block, count) != FCC_FLASH_OK)
        return -1;
    return fst_mount(&r->st, &r->flash, work, sizeof(work));
}

/* N items of 24..64-byte values, ten per transaction. */
static int add_items(rig_t *r, int n)
{
    uint8_t v[64];
    char name[32];
    for (int i = 0; i < n; i += 10) {
        if (fst_begin(&r->st) != FST_OK)
            return -1;
        for (int k = i; k < n && k < i + 10; k++) {
            snprintf(name, sizeof(name), "mbed.Config.%04d", k);
            size_t len = 24 + (size_t)(k % 41);
            fill(v, len, (uint32_t)k);
            if (fst_put(&r->st, 5, (const uint8_t *)name, strlen(name), v, len) != FST_OK)
                return -1;
        }
        if (fst_commit(&r->st) != FST_OK)
            return -1;
    }
    return 0;
}

/* Bytes of the flash in use: per segment, up to the last byte that is not 0xFF. */
static uint64_t used_area(rig_t *r, uint32_t seg)
{
    size_t total = (size_t)r->flash.block_size * r->flash.block_count;
    uint8_t *img = malloc(total);
    if (img == NULL)
        return 0;
    fcc_flash_sim_snapshot(&r->sim, img, total);
    uint64_t used = 0;
    if (seg == 0) {
        free(img);
        return 0;
    }
    for (size_t s = 0; s + seg <= total; s += seg) {
        size_t last = 0;
        for (size_t i = 0; i < seg; i++)
            if (img[s + i] != 0xFF)
                last = i + 1;
        used += last;
    }
    free(img);
    return used;
}

/* ---- bundle ---- */

static const struct {
    uint8_t type;
    const char *name;
    size_t len;
} bundle_items[] = {
    {1, "mbed.LwM2MDevicePrivateKey", 138 + 28}, /* encrypted by KCM: +nonce and tag */
    {2, "mbed.LwM2MDeviceCert", 820},
    {2, "mbed.LwM2MServerCACert.1", 760},
    {2, "mbed.LwM2MServerCACert.2", 790},
    {2, "mbed.LwM2MServerCACert.3", 700},
    {5, "mbed.LwM2MServerURI", 48},
    {5, "mbed.EndpointName", 36},
    {5, "mbed.Manufacturer", 20},
    {5, "mbed.ModelNumber", 16},
    {5, "mbed.DeviceSerialNumber", 24},
    {5, "mbed.UseBootstrap", 4},
    {5, "mbed.CurrentTime", 8},
};

static void bench_bundle(uint32_t prog, uint32_t block, uint32_t count)
{
    rig_t r;
    if (rig_open(&r, prog, block, count) != FST_OK) {
        printf("  bundle: cannot mount\n");
        return;
    }
    uint8_t v[1024];
    size_t values = 0, names = 0;
    uint64_t p0 = r.sim.stats.prog_bytes, e0 = r.sim.stats.erases;
    int rc = fst_begin(&r.st);
    for (size_t i = 0; i < sizeof(bundle_items) / sizeof(bundle_items[0]) && rc == FST_OK; i++) {
        fill(v, bundle_items[i].len, (uint32_t)i);
        rc = fst_put(&r.st, bundle_items[i].type, (const uint8_t *)bundle_items[i].name,
                     strlen(bundle_items[i].name), v, bundle_items[i].len);
        values += bundle_items[i].len;
        names += strlen(bundle_items[i].name);
    }
    if (rc == FST_OK)
        rc = fst_commit(&r.st);
    uint64_t prog_bytes = r.sim.stats.prog_bytes - p0;
    printf("  prog %2u, erase %6u x %3u: bundle of 12 items, %zu value bytes + %zu name bytes:"
           " %llu bytes programmed = %.3f per value byte, %.3f per name+value byte"
           " (erases %llu, collections %u)%s\n",
           prog, block, count, values, names, (unsigned long long)prog_bytes,
           (double)prog_bytes / (double)values, (double)prog_bytes / (double)(values + names),
           (unsigned long long)(r.sim.stats.erases - e0), r.st.collections,
           rc == FST_OK ? "" : " FAILED");
    fst_unmount(&r.st);
    fcc_flash_sim_close(&r.sim);
}

/* ---- mount reads ---- */

static void bench_mount_reads(int items)
{
    rig_t r;
    if (rig_open(&r, 8, 4096, 64) != FST_OK || add_items(&r, items) != 0) {
        printf("  mount reads: cannot build the store\n");
        return;
    }
    uint32_t seg = r.st.seg_size;
    fst_unmount(&r.st);
    uint64_t used = used_area(&r, seg);
    uint64_t b0 = r.sim.stats.read_bytes, n0 = r.sim.stats.reads;
    int rc = fst_mount(&r.st, &r.flash, work, sizeof(work));
    uint64_t read = r.sim.stats.read_bytes - b0;
    printf("  %4d items: used area %7llu bytes, mount read %7llu bytes in %6llu reads = %.3f of"
           " the used area%s\n",
           items, (unsigned long long)used, (unsigned long long)read,
           (unsigned long long)(r.sim.stats.reads - n0), (double)read / (double)used,
           rc == FST_OK ? "" : " (mount FAILED)");
    /* and the first write after the mount checks the erased space after the log once */
    b0 = r.sim.stats.read_bytes;
    uint8_t v[16] = {0};
    fst_begin(&r.st);
    fst_put(&r.st, 5, (const uint8_t *)"x", 1, v, sizeof(v));
    uint64_t before_commit = r.sim.stats.read_bytes - b0;
    fst_commit(&r.st);
    printf("        first write after mount read %llu bytes (erased-space check plus lookups)\n",
           (unsigned long long)before_commit);
    fst_unmount(&r.st);
    fcc_flash_sim_close(&r.sim);
}

/* ---- peak stack, by running a call on a painted stack ---- */

#define STACK_SIZE (256 * 1024)
static ucontext_t main_ctx, run_ctx;
static uint8_t *stack_mem;
static void (*stack_fn)(void);

static void stack_trampoline(void)
{
    stack_fn();
}

static size_t stack_peak(void (*fn)(void))
{
    if (stack_mem == NULL && (stack_mem = malloc(STACK_SIZE)) == NULL)
        return 0;
    memset(stack_mem, 0xA5, STACK_SIZE);
    stack_fn = fn;
    getcontext(&run_ctx);
    run_ctx.uc_stack.ss_sp = stack_mem;
    run_ctx.uc_stack.ss_size = STACK_SIZE;
    run_ctx.uc_link = &main_ctx;
    makecontext(&run_ctx, stack_trampoline, 0);
    swapcontext(&main_ctx, &run_ctx);
    size_t untouched = 0;
    while (untouched < STACK_SIZE && stack_mem[untouched] == 0xA5)
        untouched++;
    return STACK_SIZE - untouched;
}

static rig_t stack_rig;
static int stack_rc;

static void op_nothing(void)
{
}

static void op_mount(void)
{
    fst_unmount(&stack_rig.st);
    stack_rc = fst_mount(&stack_rig.st, &stack_rig.flash, work, sizeof(work));
}

static void op_get(void)
{
    uint8_t v[128];
    size_t len;
    stack_rc = fst_get(&stack_rig.st, 5, (const uint8_t *)"mbed.Config.0003", 16, v, sizeof(v),
                       &len);
}

static void op_churn(void)
{
    /* commits that run garbage collection */
    uint8_t v[1000];
    fill(v, sizeof(v), 1);
    stack_rc = 0;
    for (int i = 0; i < 40 && stack_rc == 0; i++) {
        char name[8] = {'c', 'h', 'u', 'r', 'n', '.', (char)('0' + i % 4), 0};
        stack_rc = fst_begin(&stack_rig.st);
        if (stack_rc == 0)
            stack_rc = fst_put(&stack_rig.st, 7, (const uint8_t *)name, strlen(name), v, sizeof(v));
        if (stack_rc == 0 && i % 3 == 0)
            stack_rc = fst_del(&stack_rig.st, 5, (const uint8_t *)"mbed.Config.0001", 16);
        if (stack_rc == FST_ERR_NOENT)
            stack_rc = 0;
        if (stack_rc == 0)
            stack_rc = fst_commit(&stack_rig.st);
    }
}

static void bench_memory(void)
{
    printf("  RAM: sizeof(fst_t) = %zu bytes, work buffer FST_WORK_SIZE = %d bytes, total %zu\n",
           sizeof(fst_t), FST_WORK_SIZE, sizeof(fst_t) + FST_WORK_SIZE);
    if (rig_open(&stack_rig, 8, 4096, 8) != FST_OK || add_items(&stack_rig, 20) != 0) {
        printf("  stack: cannot build the store\n");
        return;
    }
    /* once first, so that lazy symbol binding does not count */
    (void)stack_peak(op_mount);
    (void)stack_peak(op_get);
    (void)stack_peak(op_churn);
    size_t base = stack_peak(op_nothing);
    size_t m = stack_peak(op_mount);
    int rc_m = stack_rc;
    size_t g = stack_peak(op_get);
    int rc_g = stack_rc;
    uint32_t c0 = stack_rig.st.collections;
    size_t c = stack_peak(op_churn);
    printf("  peak stack (painted, minus %zu bytes of harness): fst_mount %zu, fst_get %zu,"
           " begin/put/del/commit with %u collections %zu bytes%s\n",
           base, m - base, g - base, stack_rig.st.collections - c0, c - base,
           (rc_m || rc_g || stack_rc) ? " (an operation FAILED)" : "");
    fst_unmount(&stack_rig.st);
    fcc_flash_sim_close(&stack_rig.sim);
}

/* ---- instruction counts ---- */

/* The calls callgrind counts (toggled on these names). */
__attribute__((noinline)) int bench_measured_mount(fst_t *st, const fcc_flash_t *flash);
__attribute__((noinline)) int bench_measured_mount(fst_t *st, const fcc_flash_t *flash)
{
    return fst_mount(st, flash, work, sizeof(work));
}

__attribute__((noinline)) int bench_measured_get(fst_t *st, uint8_t *v, size_t size, size_t *len);
__attribute__((noinline)) int bench_measured_get(fst_t *st, uint8_t *v, size_t size, size_t *len)
{
    return fst_get(st, 5, (const uint8_t *)"mbed.Config.0000", 16, v, size, len);
}

__attribute__((noinline)) int bench_measured_txn(fst_t *st, const uint8_t *v, size_t len);
__attribute__((noinline)) int bench_measured_txn(fst_t *st, const uint8_t *v, size_t len)
{
    int rc = fst_begin(st);
    if (rc == FST_OK)
        rc = fst_put(st, 6, (const uint8_t *)"trigger", 7, v, len);
    if (rc == FST_OK)
        rc = fst_commit(st);
    return rc;
}

/* A store of `items` items whose head is full, then one small commit that collects. Returns the
 * number of collections the measured commit ran, or -1. */
static int collect_once(int items, uint64_t *read_bytes, uint64_t *erases)
{
    rig_t r;
    uint32_t count = items > 100 ? 2 : 8;
    uint32_t block = items > 100 ? 131072 : 4096;
    if (rig_open(&r, 8, block, count) != FST_OK || add_items(&r, items) != 0)
        return -1;
    uint8_t v[400];
    fill(v, sizeof(v), 3);
    for (int i = 0; i < 100000; i++) {
        /* free space as fst_info computes it, without its full listing */
        const fst_t *st = &r.st;
        uint32_t per_seg = st->seg_size - st->hdr_size - st->reserve;
        uint32_t free_segs = st->seg_count - (st->head_seq - st->tail_seq + 1);
        uint32_t free_bytes = free_segs > 1 ? (free_segs - 1) * per_seg : 0;
        if (!st->head_closed && st->head_off < st->seg_size - st->reserve)
            free_bytes += st->seg_size - st->reserve - st->head_off;
        if (free_bytes < 300)
            break;
        char name[8] = {'f', 'i', 'l', 'l', '.', (char)('0' + i % 2), 0, 0};
        if (fst_begin(&r.st) != FST_OK ||
            fst_put(&r.st, 6, (const uint8_t *)name, 6, v, free_bytes > 700 ? 200 : 32) != FST_OK ||
            fst_commit(&r.st) != FST_OK)
            return -1;
    }
    uint32_t c0 = r.st.collections;
    uint64_t rb = r.sim.stats.read_bytes, eb = r.sim.stats.erases;
    int rc = bench_measured_txn(&r.st, v, sizeof(v));
    int ran = (int)(r.st.collections - c0);
    *read_bytes = r.sim.stats.read_bytes - rb;
    *erases = r.sim.stats.erases - eb;
    fst_unmount(&r.st);
    fcc_flash_sim_close(&r.sim);
    return rc == FST_OK ? ran : -1;
}

static int phase(const char *what, int items)
{
    uint64_t rb, eb;
    if (strcmp(what, "gc") == 0)
        return collect_once(items, &rb, &eb) >= 0 ? 0 : 1;
    rig_t r;
    if (rig_open(&r, 8, 4096, 64) != FST_OK || add_items(&r, items) != 0)
        return 1;
    int rc;
    if (strcmp(what, "mount") == 0) {
        fst_unmount(&r.st);
        rc = bench_measured_mount(&r.st, &r.flash);
    } else {
        uint8_t v[128];
        size_t len;
        rc = bench_measured_get(&r.st, v, sizeof(v), &len);
    }
    fst_unmount(&r.st);
    fcc_flash_sim_close(&r.sim);
    return rc == FST_OK ? 0 : 1;
}

static void bench_instructions(const char *self)
{
    if (system("valgrind --version >/dev/null 2>&1") != 0) {
        printf("  valgrind not found: no instruction counts\n");
        return;
    }
    static const int sizes[] = {10, 100, 1000};
    static const char *const phases[][2] = {{"mount", "bench_measured_mount"},
                                            {"lookup", "bench_measured_get"},
                                            {"gc", "bench_measured_txn"}};
    for (int p = 0; p < 3; p++) {
        for (int s = p == 2 ? 1 : 0; s < 3; s++) {
            char cmd[8192];
            snprintf(cmd, sizeof(cmd),
                     "valgrind --tool=callgrind --callgrind-out-file=/dev/null "
                     "--collect-atstart=no --toggle-collect=%s %s --phase %s %d 2>&1",
                     phases[p][1], self, phases[p][0], sizes[s]);
            FILE *f = popen(cmd, "r");
            if (f == NULL)
                continue;
            char line[512];
            unsigned long long ir = 0;
            while (fgets(line, sizeof(line), f) != NULL) {
                char *c = strstr(line, "Collected :");
                if (c != NULL)
                    ir = strtoull(c + strlen("Collected :"), NULL, 10);
            }
            pclose(f);
            printf("  %-6s with %4d items: %10llu instructions (callgrind, %s inclusive, flash"
                   " simulator reads included)\n",
                   phases[p][0], sizes[s], ir, phases[p][1]);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--phase") == 0)
        return phase(argv[2], atoi(argv[3]));
    printf("Storage engine (lib/store), format version %d, CRC-32 from a %d-entry table"
           " (FCC_STORE_CRC_SMALL=%d)\n",
           FST_FORMAT_VERSION, FCC_STORE_CRC_SMALL ? 16 : 256, FCC_STORE_CRC_SMALL);
    printf("Bytes programmed per payload byte, bundle commit on an empty store (no collection):\n");
    bench_bundle(1, 2048, 24);
    bench_bundle(8, 4096, 8);
    bench_bundle(16, 4096, 8);
    bench_bundle(16, 131072, 2);
    printf("Flash bytes read by a mount (program unit 8, 64 erase units of 4 KiB):\n");
    bench_mount_reads(10);
    bench_mount_reads(100);
    bench_mount_reads(1000);
    printf("Collection (one commit that collects; 100 items: 8 x 4 KiB, 1000 items: 2 x 128 KiB):\n");
    for (int items = 100; items <= 1000; items *= 10) {
        uint64_t rb = 0, eb = 0;
        int ran = collect_once(items, &rb, &eb);
        printf("  %4d items: %d collection(s), %llu flash bytes read, %llu erases\n", items, ran,
               (unsigned long long)rb, (unsigned long long)eb);
    }
    printf("Memory:\n");
    bench_memory();
    printf("Instructions:\n");
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = 0;
        bench_instructions(self);
    }
    free(stack_mem);
    return 0;
}
