/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the bundle handler on a typical bootstrap-mode bundle (device key, 2-certificate
 * chain, bootstrap CA certificate, URI, meta-data, time; the vector ok_full_bootstrap): what it
 * costs to decode it, to store it and to verify it, and how much of that is cryptography.
 *
 * Three runs, each on a fresh device (RAM flash + KCM + FCC):
 *   decode  the bundle on a factory-disabled device: decoded, then refused (status 9)
 *   store   the same bundle with Verify:0: decoded, stored, committed
 *   full    the bundle with Verify:1: decoded, stored, verified, committed
 * decoding = decode, storing = store - decode, verifying = full - store.
 * For each run it prints the peak heap (bytes allocated at once, by mbedTLS: our code allocates
 * nothing) and the peak stack (painted stack), measured natively, and, when valgrind is
 * installed, the instructions executed inside fcc_bundle_handler (callgrind with
 * --toggle-collect=fcc_bundle_handler) and the part of them spent in mbedTLS (inclusive cost of
 * every call from code outside libmbedcrypto/libmbedx509 into them).
 * Usage: bench_bundle [--run RUN]. */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"
#include "../tests/support/test_device.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEV_TIME 1893456000LL
/* Path fragment of mbedTLS's source files (bench/bundle.cmake): with mbedTLS linked statically
 * its code is told apart by the files of its debug information. */
#ifndef MBED_SRC
#define MBED_SRC "/mbedtls/library/"
#endif
#define VEC FCC_SOURCE_DIR "/tests/vectors/bundle/"

/* ---- heap probe (replaced by ASan's allocator in sanitizer builds: then no heap figure) ---- */
#if defined(__SANITIZE_ADDRESS__)
#define HEAP_PROBE 0
#else
#define HEAP_PROBE 1
#endif
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static int probing;
static size_t heap_now, heap_peak, heap_calls;

#if HEAP_PROBE
static void note_alloc(void *p)
{
    if (probing && p != NULL) {
        heap_now += malloc_usable_size(p);
        heap_calls++;
        if (heap_now > heap_peak)
            heap_peak = heap_now;
    }
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    note_alloc(p);
    return p;
}

void *calloc(size_t n, size_t m)
{
    void *p = __libc_calloc(n, m);
    note_alloc(p);
    return p;
}

void *realloc(void *p, size_t n)
{
    size_t old = p != NULL ? malloc_usable_size(p) : 0;
    void *q = __libc_realloc(p, n);
    if (probing && q != NULL) {
        heap_now -= old < heap_now ? old : heap_now;
        note_alloc(q);
    }
    return q;
}

void free(void *p)
{
    if (probing && p != NULL) {
        size_t s = malloc_usable_size(p);
        heap_now -= s < heap_now ? s : heap_now;
    }
    __libc_free(p);
}
#endif

/* ---- stack probe: paint below the caller's frame, run, find the deepest byte touched ---- */
#define PAINT (512 * 1024)
static uintptr_t paint_lo; /* lowest painted address */

static __attribute__((noinline)) void paint(void)
{
    volatile uint8_t a[PAINT];
    size_t i;
    for (i = 0; i < PAINT; i++)
        a[i] = 0xa5;
    paint_lo = (uintptr_t)a;
}

static __attribute__((noinline)) size_t deepest(uintptr_t top)
{
    const volatile uint8_t *lo = (const volatile uint8_t *)paint_lo;
    size_t i;
    for (i = 0; i < PAINT; i++)
        if (lo[i] != 0xa5)
            break;
    return top - (paint_lo + i);
}

/* ---- device ---- */
typedef test_device_t device_t;

static uint8_t *load(const char *name, size_t *len)
{
    FILE *f = fopen(name, "rb");
    uint8_t *b;
    long n;
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", name);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = __libc_malloc((size_t)n);
    if (b == NULL || fread(b, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    fclose(f);
    *len = (size_t)n;
    return b;
}

typedef struct result {
    int status;
    size_t heap, heap_calls, stack;
    kcm_pk_ops_t ops; /* public-key operations of the bundle (kcm_pk_ops_get) */
} result_t;

/* Runs one scenario once on a fresh device. */
static __attribute__((noinline)) result_t run(const char *which)
{
    static device_t d;
    result_t r;
    size_t blen, rlen = 0;
    uint8_t *b;
    volatile uint8_t marker = 0;
    const char *file = strcmp(which, "store") == 0 ? VEC "ok_full_verify_off.1.cbor"
                                                   : VEC "ok_full_bootstrap.1.cbor";
    memset(&d, 0, sizeof(d));
    memset(&r, 0, sizeof(r));
    b = load(file, &blen);
    if (test_device_init(&d, 16, 4096, 64, DEV_TIME) != 0)
        exit(1);
    if (strcmp(which, "decode") == 0 && fcc_factory_disable(&d.fcc) != FCC_STATUS_SUCCESS)
        exit(1);
    heap_now = heap_peak = heap_calls = 0;
    paint();
    kcm_pk_ops_reset();
    probing = 1;
    r.status = (int)fcc_bundle_handler(&d.fcc, b, blen, d.resp, sizeof(d.resp), &rlen, NULL);
    probing = 0;
    kcm_pk_ops_get(&r.ops);
    r.stack = deepest((uintptr_t)&marker);
    r.heap = heap_peak;
    r.heap_calls = heap_calls;
    test_device_fini(&d);
    __libc_free(b);
    return r;
}

/* ---- callgrind ---- */
/* Compressed names of the callgrind format: "(id) name" defines, "(id)" refers. */
typedef struct names {
    char *flag; /* per id: 1 when the name matched */
    size_t cap;
} names_t;

static int lookup(names_t *n, const char *s, const char *needle)
{
    long id = -1;
    const char *name = s;
    int hit;
    if (s[0] == '(') {
        id = strtol(s + 1, NULL, 10);
        name = strchr(s, ')');
        name = name != NULL ? name + 1 : s;
        while (*name == ' ')
            name++;
    }
    if (id >= 0 && (size_t)id >= n->cap) {
        size_t nc = (size_t)id * 2 + 64;
        n->flag = __libc_realloc(n->flag, nc);
        memset(n->flag + n->cap, 0, nc - n->cap);
        n->cap = nc;
    }
    if (*name != '\0' && *name != '\n') {
        hit = strstr(name, needle) != NULL;
        if (id >= 0)
            n->flag[id] = (char)hit;
    } else {
        hit = id >= 0 ? n->flag[id] : 0;
    }
    return hit;
}

/* Reads a callgrind output file: the total Ir, and the inclusive Ir of every call made from
 * code outside the mbedTLS libraries into them (so nested mbedTLS calls count once). */
static int parse_callgrind(const char *path, unsigned long long *total,
                           unsigned long long *crypto)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    names_t obs = {NULL, 0}, fls = {NULL, 0};
    int ob_mbed = 0, cob_mbed = -1, fl_mbed = 0, cfl_mbed = -1, in_call = 0;
    if (f == NULL)
        return -1;
    *total = *crypto = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "ob=", 3) == 0) {
            ob_mbed = lookup(&obs, line + 3, "libmbed");
        } else if (strncmp(line, "cob=", 4) == 0) {
            cob_mbed = lookup(&obs, line + 4, "libmbed");
        } else if (strncmp(line, "fl=", 3) == 0) {
            /* mbedTLS built from source and linked statically: its files' path (debug info) */
            fl_mbed = lookup(&fls, line + 3, MBED_SRC);
        } else if (strncmp(line, "cfi=", 4) == 0 || strncmp(line, "cfl=", 4) == 0) {
            cfl_mbed = lookup(&fls, line + 4, MBED_SRC);
        } else if (strncmp(line, "fi=", 3) == 0 || strncmp(line, "fe=", 3) == 0) {
            (void)lookup(&fls, line + 3, MBED_SRC); /* defines names only */
        } else if (strncmp(line, "calls=", 6) == 0) {
            in_call = 1;
        } else if (strncmp(line, "summary:", 8) == 0 || strncmp(line, "totals:", 7) == 0) {
            *total = strtoull(strchr(line, ':') + 1, NULL, 10);
        } else if (in_call && (line[0] == '+' || line[0] == '-' || line[0] == '*' ||
                               (line[0] >= '0' && line[0] <= '9'))) {
            char *last = strrchr(line, ' ');
            int caller_mbed = ob_mbed || fl_mbed;
            int callee_mbed = (cob_mbed >= 0 ? cob_mbed : ob_mbed) ||
                              (cfl_mbed >= 0 ? cfl_mbed : fl_mbed);
            if (!caller_mbed && callee_mbed && last != NULL)
                *crypto += strtoull(last + 1, NULL, 10);
            in_call = 0;
            cob_mbed = -1;
            cfl_mbed = -1;
        }
    }
    fclose(f);
    __libc_free(obs.flag);
    __libc_free(fls.flag);
    return 0;
}

static int callgrind(const char *self, const char *which, unsigned long long *total,
                     unsigned long long *crypto)
{
    char out[256], cmd[1024];
    int rc;
    snprintf(out, sizeof(out), "/tmp/bench_bundle.%d.%s.callgrind", (int)getpid(), which);
    snprintf(cmd, sizeof(cmd),
             "valgrind --tool=callgrind --callgrind-out-file=%s "
             "--toggle-collect=fcc_bundle_handler %s --run %s >/dev/null 2>&1",
             out, self, which);
    rc = system(cmd);
    if (rc != 0 || parse_callgrind(out, total, crypto) != 0)
        return -1;
    unlink(out);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const runs[] = {"decode", "store", "full"};
    result_t res[3];
    unsigned long long ir[3] = {0}, cr[3] = {0};
    int have_cg, i;

    if (argc == 3 && strcmp(argv[1], "--run") == 0) {
        result_t r = run(argv[2]);
        return r.status == 0 || (strcmp(argv[2], "decode") == 0 && r.status == 9) ? 0 : 1;
    }
    for (i = 0; i < 3; i++) {
        res[i] = run(runs[i]);
        (void)run(runs[i]); /* second run: the figures of the first are printed */
    }
    if (res[0].status != FCC_STATUS_FACTORY_DISABLED_ERROR || res[1].status != 0 ||
        res[2].status != 0) {
        fprintf(stderr, "unexpected statuses %d %d %d\n", res[0].status, res[1].status,
                res[2].status);
        return 1;
    }
    have_cg = system("valgrind --version >/dev/null 2>&1") == 0;
    for (i = 0; have_cg && i < 3; i++)
        if (callgrind(argv[0], runs[i], &ir[i], &cr[i]) != 0)
            have_cg = 0;

    printf("bundle handler, typical bootstrap bundle (tests/vectors/bundle/ok_full_bootstrap)\n");
    printf("%-10s %14s %14s %8s %12s %10s %10s\n", "run", "instructions", "in mbedTLS", "ratio",
           "peak heap B", "allocs", "stack B");
    for (i = 0; i < 3; i++) {
        if (have_cg)
            printf("%-10s %14llu %14llu %8.2f %12zu %10zu %10zu\n", runs[i], ir[i], cr[i],
                   cr[i] ? (double)ir[i] / (double)cr[i] : 0.0, res[i].heap, res[i].heap_calls,
                   res[i].stack);
        else
            printf("%-10s %14s %14s %8s %12zu %10zu %10zu\n", runs[i], "-", "-", "-",
                   res[i].heap, res[i].heap_calls, res[i].stack);
    }
    printf("\npublic-key operations per bundle\n%-10s %10s %10s %10s %10s\n", "run", "verify",
           "key mul", "sign", "keygen");
    for (i = 0; i < 3; i++)
        printf("%-10s %10lu %10lu %10lu %10lu\n", runs[i], (unsigned long)res[i].ops.verifies,
               (unsigned long)res[i].ops.key_muls, (unsigned long)res[i].ops.signs,
               (unsigned long)res[i].ops.keygens);
    if (have_cg) {
        unsigned long long dt = ir[0], st = ir[1] - ir[0], vt = ir[2] - ir[1];
        unsigned long long dc = cr[0], sc = cr[1] - cr[0], vc = cr[2] - cr[1];
        printf("\nphase        instructions     in mbedTLS   total/crypto\n");
        printf("decoding   %14llu %14llu %8.2f\n", dt, dc, dc ? (double)dt / (double)dc : 0.0);
        printf("storing    %14llu %14llu %8.2f\n", st, sc, sc ? (double)st / (double)sc : 0.0);
        printf("verifying  %14llu %14llu %8.2f\n", vt, vc, vc ? (double)vt / (double)vc : 0.0);
        printf("all        %14llu %14llu %8.2f\n", ir[2], cr[2],
               cr[2] ? (double)ir[2] / (double)cr[2] : 0.0);
    } else {
        printf("(valgrind not found: no instruction counts)\n");
    }
    return 0;
}
