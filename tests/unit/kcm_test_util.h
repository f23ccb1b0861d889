/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the KCM tests: loading the checked-in test keys and certificates
 * (tests/data/kcm, made by scripts/gen-kcm-testdata.sh) and a deterministic RNG so that a failing
 * run repeats exactly. Header-only so each test stays one executable. */
#ifndef KCM_TEST_UTIL_H
#define KCM_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kt_blob {
    uint8_t data[8192];
    size_t len;
} kt_blob_t;

/* Loads tests/data/kcm/<name> into b; aborts the test program when the file is missing. */
static inline void kt_load(kt_blob_t *b, const char *name)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/tests/data/kcm/%s", FCC_SOURCE_DIR, name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "missing test data %s\n", path);
        exit(2);
    }
    b->len = fread(b->data, 1, sizeof(b->data), f);
    fclose(f);
}

/* xorshift32 RNG, mbedTLS style. ctx points to a uint32_t state (non-zero). */
static inline int kt_rng(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = (uint32_t *)ctx;
    for (size_t i = 0; i < len; i++) {
        uint32_t x = *s;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *s = x;
        buf[i] = (unsigned char)(x >> 24);
    }
    return 0;
}

/* An RNG that always fails. */
static inline int kt_rng_fail(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

#define KT_NAME(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

#endif /* KCM_TEST_UTIL_H */
