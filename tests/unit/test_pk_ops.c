/* SPDX-License-Identifier: Apache-2.0 */
/* Public-key operations per bundle, counted by the crypto port's hook (kcm_pk_ops_get): the
 * device's line time is mostly these operations, so a bundle must make each one once. A chain
 * link that KCM verified when it stored the chain is not verified again by the verification of
 * the same bundle; each stored private key is checked by one scalar multiplication; and a
 * verification without a bundle (fcc-device verify) still verifies every link. Counts, not
 * timings. */
#include "fcc/fcc.h"
#include "fcc/kcm.h"
#include "../support/test_device.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define DEV_TIME 1893456000LL

static uint8_t *load(const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    long n;
    uint8_t *b;
    snprintf(path, sizeof(path), "%s%s", VEC, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Applies vector `name` (status 0 expected) to a fresh device; *ops gets the bundle's count. */
static void apply(test_device_t *d, const char *name, kcm_pk_ops_t *ops)
{
    size_t blen, rlen = 0;
    uint8_t *b = load(name, &blen);
    assert_int_equal(test_device_init(d, 16, 4096, 64, DEV_TIME), 0);
    kcm_pk_ops_reset();
    assert_int_equal(fcc_bundle_handler(&d->fcc, b, blen, d->resp, sizeof(d->resp), &rlen, NULL),
                     FCC_STATUS_SUCCESS);
    kcm_pk_ops_get(ops);
    free(b);
}

/* The stored length of chain `name`. */
static size_t chain_len(test_device_t *d, const char *name)
{
    kcm_chain_t ch;
    size_t n = 0;
    assert_int_equal(kcm_chain_open(&d->kcm, &ch, (const uint8_t *)name, strlen(name), &n),
                     KCM_OK);
    (void)kcm_chain_close(&ch);
    return n;
}

/* Vector `name` stores chain `chain` of `want_len` certificates and `keys` private keys; with
 * `verified` it asks for the verification (then run again without a bundle). */
static void check_vector(const char *name, const char *chain, size_t want_len, unsigned keys,
                         bool verified)
{
    static test_device_t d;
    kcm_pk_ops_t ops;
    size_t links;

    apply(&d, name, &ops);
    links = chain_len(&d, chain) - 1;
    assert_int_equal(links + 1, want_len);
    /* Each link verified once (by KCM while storing), each private key checked once. */
    assert_int_equal(ops.verifies, links);
    assert_int_equal(ops.key_muls, keys);
    assert_int_equal(ops.signs, 0);
    assert_int_equal(ops.keygens, 0);
    if (!verified) {
        test_device_fini(&d);
        return;
    }

    /* A later verification, no bundle: every link is verified, no key multiplication. */
    kcm_pk_ops_reset();
    assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&d.fcc), FCC_STATUS_SUCCESS);
    kcm_pk_ops_get(&ops);
    assert_int_equal(ops.verifies, links);
    assert_int_equal(ops.key_muls, 0);

    /* And after a reboot too. */
    assert_int_equal(test_device_reboot(&d), 0);
    kcm_pk_ops_reset();
    assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&d.fcc), FCC_STATUS_SUCCESS);
    kcm_pk_ops_get(&ops);
    assert_int_equal(ops.verifies, links);
    test_device_fini(&d);
}

static void test_full_bootstrap(void **state)
{
    (void)state;
    check_vector("ok_full_bootstrap.1.cbor", "mbed.BootstrapDeviceCert", 2, 1, true);
}

static void test_chain5(void **state)
{
    (void)state;
    /* A 5-certificate chain, stored without verification: 4 links, each verified once. */
    check_vector("ok_chain5.1.cbor", "c", 5, 0, false);
}

/* One CSR request: one key pair generated, one CSR signed, and the stored key checked once. */
static void test_csr_one(void **state)
{
    static test_device_t d;
    kcm_pk_ops_t ops;
    (void)state;
    apply(&d, "ok_csr_one.1.cbor", &ops);
    assert_int_equal(ops.keygens, 1);
    assert_int_equal(ops.signs, 1);
    assert_int_equal(ops.verifies, 0);
    assert_int_equal(ops.key_muls, 1);
    test_device_fini(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_bootstrap),
        cmocka_unit_test(test_chain5),
        cmocka_unit_test(test_csr_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
