/* SPDX-License-Identifier: Apache-2.0 */
/* PSA's Internal Trusted Storage over KCM (lib/kcm/kcm_psa_its.c), the storage of the persistent
 * PSA keys that the opaque CsrReqs setting (FCC_OPAQUE_CSR_KEYS) generates: entries round-trip
 * and are encrypted on flash; a persistent key survives a reboot (it lives in the store, not in
 * RAM), disappears with a rolled-back transaction (a rejected bundle takes its key with it), and
 * belongs to one store only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <psa/internal_trusted_storage.h>

#include "fcc_psa.h"
#include "support/test_device.h"

#define NOW 1893456000LL

static test_device_t *dev_new(void)
{
    test_device_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    assert_int_equal(test_device_init(d, 16, 4096, 16, NOW), 0);
    return d;
}

static void dev_del(test_device_t *d)
{
    test_device_fini(d);
    free(d);
}

/* True when `pat` appears anywhere on the device's flash. */
static bool on_flash(test_device_t *d, const uint8_t *pat, size_t n)
{
    size_t size = (size_t)16 * 4096;
    uint8_t *img = malloc(size);
    bool found = false;
    assert_non_null(img);
    fcc_flash_sim_snapshot(&d->sim, img, size);
    for (size_t i = 0; i + n <= size && !found; i++)
        found = memcmp(img + i, pat, n) == 0;
    free(img);
    return found;
}

static void test_its_entries(void **state)
{
    (void)state;
    test_device_t *d = dev_new();
    uint8_t data[300], out[300];
    size_t n = 0;
    struct psa_storage_info_t info;

    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(0xA5 ^ (i * 7));
    assert_int_equal(psa_its_get_info(77, &info), PSA_ERROR_DOES_NOT_EXIST);
    assert_int_equal(psa_its_set(77, sizeof(data), data, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
    assert_int_equal(psa_its_get_info(77, &info), PSA_SUCCESS);
    assert_int_equal(info.size, sizeof(data));
    assert_int_equal(psa_its_get(77, 0, sizeof(data), out, &n), PSA_SUCCESS);
    assert_int_equal(n, sizeof(data));
    assert_memory_equal(out, data, sizeof(data));
    assert_int_equal(psa_its_get(77, 100, 50, out, &n), PSA_SUCCESS);
    assert_memory_equal(out, data + 100, 50);
    assert_int_not_equal(psa_its_get(77, 290, 20, out, &n), PSA_SUCCESS); /* past the end */
    /* Encrypted at rest: no 16-byte run of the entry is on flash. */
    assert_false(on_flash(d, data + 40, 16));
    /* Replace, then remove. */
    data[0] ^= 0xFF;
    assert_int_equal(psa_its_set(77, 10, data, PSA_STORAGE_FLAG_NONE), PSA_SUCCESS);
    assert_int_equal(psa_its_get(77, 0, 10, out, &n), PSA_SUCCESS);
    assert_memory_equal(out, data, 10);
    assert_int_equal(psa_its_set(78, 1, data, PSA_STORAGE_FLAG_WRITE_ONCE),
                     PSA_ERROR_NOT_SUPPORTED);
    assert_int_equal(psa_its_remove(77), PSA_SUCCESS);
    assert_int_equal(psa_its_remove(77), PSA_ERROR_DOES_NOT_EXIST);
    assert_int_equal(psa_its_get_info(77, &info), PSA_ERROR_DOES_NOT_EXIST);
    /* The entries are not KCM items: nothing to list. */
    kcm_iter_t it;
    kcm_item_info_t ii;
    memset(&it, 0, sizeof(it));
    assert_int_equal(kcm_iter_next(&d->kcm, &it, &ii), KCM_ERR_NOT_FOUND);
    dev_del(d);
    /* No store bound: storage failure, not a crash. */
    assert_int_equal(psa_its_get_info(77, &info), PSA_ERROR_STORAGE_FAILURE);
}

static psa_status_t make_key(psa_key_id_t want, psa_key_id_t *id)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attr, 256);
    psa_set_key_algorithm(&attr, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
    psa_set_key_usage_flags(&attr, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
    psa_set_key_id(&attr, want);
    return psa_generate_key(&attr, id);
}

static void test_persistent_key_lives_in_the_store(void **state)
{
    (void)state;
    test_device_t *d = dev_new(), *other;
    psa_key_id_t id = 0;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    uint8_t pub1[65], pub2[65], hash[32] = {1, 2, 3}, sig[64], exported[64];
    size_t n1 = 0, n2 = 0, sl = 0, el = 0;

    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN, &id), PSA_SUCCESS);
    assert_int_equal(id, FCC_PSA_KEY_ID_MIN);
    assert_int_equal(psa_export_public_key(id, pub1, sizeof(pub1), &n1), PSA_SUCCESS);
    assert_int_equal(psa_export_key(id, exported, sizeof(exported), &el), PSA_ERROR_NOT_PERMITTED);
    /* A reference item names it; KCM validates the reference on store. */
    uint8_t ref[FCC_KEY_REF_LEN];
    fcc_key_ref_write(ref, id);
    assert_int_equal(kcm_item_store(&d->kcm, (const uint8_t *)"dev.key", 7, KCM_PRIVATE_KEY, true,
                                    ref, sizeof(ref)), KCM_OK);
    fcc_key_ref_write(ref, FCC_PSA_KEY_ID_MIN + 1); /* no such key */
    assert_int_equal(kcm_item_store(&d->kcm, (const uint8_t *)"none.key", 8, KCM_PRIVATE_KEY,
                                    true, ref, sizeof(ref)), KCM_ERR_PRIVKEY_PARSE);

    /* Reboot: PSA reloads the key from the store. */
    assert_int_equal(test_device_reboot(d), 0);
    assert_int_equal(psa_export_public_key(id, pub2, sizeof(pub2), &n2), PSA_SUCCESS);
    assert_int_equal(n1, n2);
    assert_memory_equal(pub1, pub2, n1);
    assert_int_equal(psa_sign_hash(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash, 32, sig, sizeof(sig),
                                   &sl), PSA_SUCCESS);
    assert_int_equal(psa_verify_hash(id, PSA_ALG_ECDSA(PSA_ALG_SHA_256), hash, 32, sig, sl),
                     PSA_SUCCESS);

    /* Another store does not hold it. */
    other = dev_new();
    assert_int_not_equal(psa_get_key_attributes(id, &attr), PSA_SUCCESS);
    psa_reset_key_attributes(&attr);
    dev_del(other);
    dev_del(d);
}

static void test_rolled_back_key_is_gone(void **state)
{
    (void)state;
    test_device_t *d = dev_new();
    psa_key_id_t id = 0;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    struct psa_storage_info_t info;

    assert_int_equal(kcm_txn_begin(&d->kcm), KCM_OK);
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN + 2, &id), PSA_SUCCESS);
    assert_int_equal(psa_its_get_info(id, &info), PSA_SUCCESS); /* inside the transaction */
    assert_int_equal(kcm_txn_abort(&d->kcm), KCM_OK);
    (void)psa_purge_key(id); /* what fcc_csr_generate does after generating */
    assert_int_equal(psa_its_get_info(id, &info), PSA_ERROR_DOES_NOT_EXIST);
    assert_int_not_equal(psa_get_key_attributes(id, &attr), PSA_SUCCESS);
    psa_reset_key_attributes(&attr);
    /* The id is free again. */
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN + 2, &id), PSA_SUCCESS);
    assert_int_equal(psa_destroy_key(id), PSA_SUCCESS);
    assert_int_equal(psa_its_get_info(id, &info), PSA_ERROR_DOES_NOT_EXIST);
    dev_del(d);
}


/* True when the store holds key `id` (its ITS record) and PSA can use it. */
static bool key_present(psa_key_id_t id)
{
    struct psa_storage_info_t info;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    bool its = psa_its_get_info(id, &info) == PSA_SUCCESS;
    bool psa = psa_get_key_attributes(id, &attr) == PSA_SUCCESS;
    psa_reset_key_attributes(&attr);
    assert_int_equal(its, psa);
    return its;
}

static void store_ref(test_device_t *d, const char *name, psa_key_id_t id, bool factory)
{
    uint8_t ref[FCC_KEY_REF_LEN];
    fcc_key_ref_write(ref, id);
    assert_int_equal(kcm_item_store(&d->kcm, (const uint8_t *)name, strlen(name),
                                    KCM_PRIVATE_KEY, factory, ref, sizeof(ref)), KCM_OK);
}

/* The key goes with the last item naming it: a delete, or a factory reset that drops a
 * non-factory item. A factory item's key survives its deletion (the reset brings the item back),
 * a key two items name survives the first deletion, an item deleted in a rolled-back transaction
 * keeps its key, and every key id can be used again and again (64 ids only). */
static void test_key_goes_with_its_last_reference(void **state)
{
    (void)state;
    test_device_t *d = dev_new();
    psa_key_id_t a = 0, b = 0, c = 0;

    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN, &a), PSA_SUCCESS);
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN + 1, &b), PSA_SUCCESS);
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MAX, &c), PSA_SUCCESS);
    store_ref(d, "user.key", a, false);
    store_ref(d, "factory.key", b, true);
    store_ref(d, "one.key", c, false);
    store_ref(d, "two.key", c, false);

    /* plain delete: the key is destroyed in the same transaction */
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"user.key", 8, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_false(key_present(a));
    /* a key named twice */
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"one.key", 7, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_true(key_present(c));
    /* a factory item's key is kept while its backup names it */
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"factory.key", 11,
                                     KCM_PRIVATE_KEY), KCM_OK);
    assert_true(key_present(b));
    /* a delete inside a transaction that is rolled back keeps the key */
    assert_int_equal(kcm_txn_begin(&d->kcm), KCM_OK);
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"two.key", 7, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_false(key_present(c));
    assert_int_equal(kcm_txn_abort(&d->kcm), KCM_OK);
    assert_true(key_present(c));
    /* factory reset: the factory item is back with its key; the non-factory one and its key go */
    assert_int_equal(kcm_factory_reset(&d->kcm), KCM_OK);
    assert_true(key_present(b));
    assert_false(key_present(c));
    assert_int_equal(test_device_reboot(d), 0);
    assert_true(key_present(b));
    assert_false(key_present(a));
    assert_false(key_present(c));

    /* A key generated, then an old item deleted, then the new reference stored (an application
     * replacing a key): the delete leaves the new, not yet referenced key alone. */
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN + 5, &a), PSA_SUCCESS);
    store_ref(d, "old.key", a, false);
    assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN + 6, &c), PSA_SUCCESS);
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"old.key", 7, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_false(key_present(a));
    assert_true(key_present(c));
    store_ref(d, "old.key", c, false);
    assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"old.key", 7, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_false(key_present(c));

    /* The same id, used far more often than there are ids. */
    for (unsigned i = 0; i < 100; i++) {
        assert_int_equal(make_key(FCC_PSA_KEY_ID_MIN, &a), PSA_SUCCESS);
        store_ref(d, "user.key", a, false);
        assert_int_equal(kcm_item_delete(&d->kcm, (const uint8_t *)"user.key", 8,
                                         KCM_PRIVATE_KEY), KCM_OK);
    }
    assert_false(key_present(a));
    dev_del(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_its_entries),
        cmocka_unit_test(test_persistent_key_lives_in_the_store),
        cmocka_unit_test(test_rolled_back_key_is_gone),
        cmocka_unit_test(test_key_goes_with_its_last_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
