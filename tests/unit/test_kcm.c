/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the KCM API over the real storage engine on a RAM flash: every call, good and
 * bad. Items of the five types and their name spaces, refusals at store time, chains, internal
 * items and the root of trust, transactions, iteration, factory reset, wipe, persistence across
 * remounts, encryption at rest (no plaintext on flash) and integrity (tampered, swapped or
 * downgraded records read as corrupted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "kcm_test_util.h"
#include "../../lib/kcm/kcm_internal.h"

#define PROG 16
#define BLOCK 4096
#define BLOCKS 16

static kt_blob_t key, key_pkcs8, key_pem, key384, key_rsa, pub, pub384, pub_rsa;
static kt_blob_t leaf, inter, root, other, leaf_pem;

typedef struct fx {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    uint32_t seed;
    kcm_t kcm;
    uint8_t work[KCM_WORK_SIZE];
    uint8_t buf[8192];
    uint8_t image[BLOCK * BLOCKS];
} fx_t;

static fx_t fx_storage;

static int setup(void **state)
{
    fx_t *f = &fx_storage;
    memset(f, 0, sizeof(*f));
    f->seed = 0xC0FFEEu;
    if (fcc_flash_ram_init(&f->sim, &f->flash, PROG, BLOCK, BLOCKS) != FCC_FLASH_OK)
        return -1;
    if (kcm_init(&f->kcm, &f->flash, f->work, sizeof(f->work), kt_rng, &f->seed) != KCM_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    kcm_free(&f->kcm);
    fcc_flash_sim_close(&f->sim);
    return 0;
}

/* Unmounts and mounts again on the same flash (a reboot). */
static void remount(fx_t *f)
{
    kcm_free(&f->kcm);
    assert_int_equal(kcm_init(&f->kcm, &f->flash, f->work, sizeof(f->work), kt_rng, &f->seed),
                     KCM_OK);
}

static void expect_item(fx_t *f, const char *name, kcm_item_type_t type, const uint8_t *data,
                        size_t len)
{
    size_t n = 12345, sz = 12345;
    assert_int_equal(kcm_item_get_size(&f->kcm, (const uint8_t *)name, strlen(name), type, &sz),
                     KCM_OK);
    assert_int_equal(sz, len);
    assert_int_equal(kcm_item_get_data(&f->kcm, (const uint8_t *)name, strlen(name), type,
                                       f->buf, sizeof(f->buf), &n),
                     KCM_OK);
    assert_int_equal(n, len);
    if (len > 0)
        assert_memory_equal(f->buf, data, len);
}

static void expect_absent(fx_t *f, const char *name, kcm_item_type_t type)
{
    size_t n;
    assert_int_equal(kcm_item_get_size(&f->kcm, (const uint8_t *)name, strlen(name), type, &n),
                     KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_item_get_data(&f->kcm, (const uint8_t *)name, strlen(name), type,
                                       f->buf, sizeof(f->buf), &n),
                     KCM_ERR_NOT_FOUND);
}

static kcm_status_t store(fx_t *f, const char *name, kcm_item_type_t type, bool factory,
                          const void *data, size_t len)
{
    return kcm_item_store(&f->kcm, (const uint8_t *)name, strlen(name), type, factory,
                          (const uint8_t *)data, len);
}

static kcm_status_t store_chain(fx_t *f, const char *name, bool factory, size_t n,
                                const kt_blob_t *const *certs)
{
    kcm_chain_t c;
    kcm_status_t st = kcm_chain_create(&f->kcm, &c, (const uint8_t *)name, strlen(name), n,
                                       factory);
    if (st != KCM_OK)
        return st;
    for (size_t i = 0; i < n && st == KCM_OK; i++)
        st = kcm_chain_add_next(&c, certs[i]->data, certs[i]->len);
    kcm_status_t cl = kcm_chain_close(&c);
    return st != KCM_OK ? st : cl;
}

static void expect_chain(fx_t *f, const char *name, size_t n, const kt_blob_t *const *certs)
{
    kcm_chain_t c;
    size_t len = 0, sz, got;
    assert_int_equal(kcm_chain_open(&f->kcm, &c, (const uint8_t *)name, strlen(name), &len),
                     KCM_OK);
    assert_int_equal(len, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(kcm_chain_get_next_size(&c, &sz), KCM_OK);
        assert_int_equal(sz, certs[i]->len);
        assert_int_equal(kcm_chain_get_next_data(&c, f->buf, sizeof(f->buf), &got), KCM_OK);
        assert_int_equal(got, certs[i]->len);
        assert_memory_equal(f->buf, certs[i]->data, got);
    }
    assert_int_equal(kcm_chain_get_next_size(&c, &sz), KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_chain_get_next_data(&c, f->buf, sizeof(f->buf), &got),
                     KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_chain_close(&c), KCM_OK);
    /* The leaf reads as the certificate of that name. */
    expect_item(f, name, KCM_CERTIFICATE, certs[0]->data, certs[0]->len);
}

static const kt_blob_t *const chain3[3] = {&leaf, &inter, &root};

/* ---- lifecycle ----------------------------------------------------------------------------- */

static void test_init_refusals(void **state)
{
    fx_t *f = *state;
    static kcm_t k;
    uint32_t seed = 1;
    size_t n;
    assert_int_equal(kcm_init(NULL, &f->flash, f->work, sizeof(f->work), kt_rng, &seed),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_init(&k, NULL, f->work, sizeof(f->work), kt_rng, &seed),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_init(&k, &f->flash, NULL, sizeof(f->work), kt_rng, &seed),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_init(&k, &f->flash, f->work, KCM_WORK_SIZE - 1, kt_rng, &seed),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_init(&k, &f->flash, f->work, sizeof(f->work), NULL, &seed),
                     KCM_ERR_INVALID_PARAMETER);
    /* A zeroed or refused kcm_t answers NOT_INITIALIZED everywhere and frees safely. */
    memset(&k, 0, sizeof(k));
    kcm_chain_t c;
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    assert_int_equal(kcm_item_store(&k, KT_NAME("a"), KCM_CONFIG, false, NULL, 0),
                     KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_item_get_size(&k, KT_NAME("a"), KCM_CONFIG, &n), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_item_get_data(&k, KT_NAME("a"), KCM_CONFIG, f->buf, 1, &n),
                     KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_item_delete(&k, KT_NAME("a"), KCM_CONFIG), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_txn_begin(&k), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_txn_commit(&k), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_txn_abort(&k), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_chain_create(&k, &c, KT_NAME("a"), 1, false), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_chain_open(&k, &c, KT_NAME("a"), &n), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_internal_set(&k, KCM_INTERNAL_ROT, f->buf, 16), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_internal_get(&k, KCM_INTERNAL_ROT, f->buf, 16, &n),
                     KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_iter_next(&k, &it, &info), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_factory_reset(&k), KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_wipe(&k), KCM_ERR_NOT_INITIALIZED);
    kcm_free(&k);
    kcm_free(NULL);
    /* NULL handles. */
    assert_int_equal(kcm_item_store(NULL, KT_NAME("a"), KCM_CONFIG, false, NULL, 0),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_txn_begin(NULL), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_chain_add_next(NULL, leaf.data, leaf.len), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_chain_close(NULL), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_chain_get_next_size(NULL, &n), KCM_ERR_INVALID_PARAMETER);
}

/* ---- items --------------------------------------------------------------------------------- */

static void test_store_get_every_type(void **state)
{
    fx_t *f = *state;
    static const uint8_t sym[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    static const char cfg[] = "coaps://bootstrap.example.com:5684?aid=0123";
    /* One name in all five name spaces. */
    assert_int_equal(store(f, "dev.item", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "dev.item", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);
    assert_int_equal(store(f, "dev.item", KCM_SYMMETRIC_KEY, false, sym, sizeof(sym)), KCM_OK);
    assert_int_equal(store(f, "dev.item", KCM_CERTIFICATE, true, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(store(f, "dev.item", KCM_CONFIG, false, cfg, strlen(cfg)), KCM_OK);
    assert_int_equal(store(f, "empty.cfg", KCM_CONFIG, false, NULL, 0), KCM_OK);
    assert_int_equal(store(f, "pkcs8", KCM_PRIVATE_KEY, false, key_pkcs8.data, key_pkcs8.len),
                     KCM_OK);
    for (int round = 0; round < 2; round++) {
        expect_item(f, "dev.item", KCM_PRIVATE_KEY, key.data, key.len);
        expect_item(f, "dev.item", KCM_PUBLIC_KEY, pub.data, pub.len);
        expect_item(f, "dev.item", KCM_SYMMETRIC_KEY, sym, sizeof(sym));
        expect_item(f, "dev.item", KCM_CERTIFICATE, leaf.data, leaf.len);
        expect_item(f, "dev.item", KCM_CONFIG, (const uint8_t *)cfg, strlen(cfg));
        expect_item(f, "empty.cfg", KCM_CONFIG, NULL, 0);
        expect_item(f, "pkcs8", KCM_PRIVATE_KEY, key_pkcs8.data, key_pkcs8.len);
        expect_absent(f, "empty.cfg", KCM_SYMMETRIC_KEY);
        expect_absent(f, "Dev.item", KCM_CONFIG); /* names are case-sensitive */
        remount(f);
    }
    /* A buffer one byte short: the size needed is reported, nothing else. */
    size_t n = 0;
    memset(f->buf, 0xAA, sizeof(f->buf));
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("dev.item"), KCM_PRIVATE_KEY, f->buf,
                                       key.len - 1, &n),
                     KCM_ERR_INSUFFICIENT_BUFFER);
    assert_int_equal(n, key.len);
    for (size_t i = 0; i < key.len; i++)
        assert_int_equal(f->buf[i], 0xAA);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("dev.item"), KCM_PRIVATE_KEY, NULL, 0,
                                       &n),
                     KCM_ERR_INSUFFICIENT_BUFFER);
    assert_int_equal(n, key.len);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("empty.cfg"), KCM_CONFIG, NULL, 0, &n),
                     KCM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(kcm_item_get_size(&f->kcm, KT_NAME("dev.item"), KCM_CONFIG, NULL),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_item_get_size(&f->kcm, KT_NAME("dev.item"), (kcm_item_type_t)6, &n),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("bad name"), KCM_CONFIG, f->buf, 10, &n),
                     KCM_ERR_NAME_INVALID);
}

static void test_store_refusals(void **state)
{
    fx_t *f = *state;
    uint8_t big[KCM_DATA_MAX + 1];
    char longname[FCC_NAME_MAX + 2];
    memset(big, 'x', sizeof(big));
    memset(longname, 'n', sizeof(longname));
    longname[FCC_NAME_MAX + 1] = 0;

    assert_int_equal(store(f, "k", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "k", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_ERR_EXISTS);
    assert_int_equal(store(f, "k", KCM_PRIVATE_KEY, true, key_pkcs8.data, key_pkcs8.len),
                     KCM_ERR_EXISTS);
    assert_int_equal(store(f, "c", KCM_CONFIG, false, "", 0), KCM_OK);
    assert_int_equal(store(f, "c", KCM_CONFIG, false, "x", 1), KCM_ERR_EXISTS);
    /* Only config parameters may be empty. */
    assert_int_equal(store(f, "e", KCM_PRIVATE_KEY, false, key.data, 0), KCM_ERR_EMPTY);
    assert_int_equal(store(f, "e", KCM_PUBLIC_KEY, false, NULL, 0), KCM_ERR_EMPTY);
    assert_int_equal(store(f, "e", KCM_SYMMETRIC_KEY, false, NULL, 0), KCM_ERR_EMPTY);
    assert_int_equal(store(f, "e", KCM_CERTIFICATE, false, NULL, 0), KCM_ERR_EMPTY);
    /* Names. */
    assert_int_equal(store(f, "", KCM_CONFIG, false, "x", 1), KCM_ERR_NAME_INVALID);
    assert_int_equal(store(f, "a b", KCM_CONFIG, false, "x", 1), KCM_ERR_NAME_INVALID);
    assert_int_equal(store(f, "a/b", KCM_CONFIG, false, "x", 1), KCM_ERR_NAME_INVALID);
    assert_int_equal(store(f, longname, KCM_CONFIG, false, "x", 1), KCM_ERR_NAME_TOO_LONG);
    longname[FCC_NAME_MAX] = 0;
    assert_int_equal(store(f, longname, KCM_CONFIG, false, "x", 1), KCM_OK);
    expect_item(f, longname, KCM_CONFIG, (const uint8_t *)"x", 1);
    /* Arguments. */
    assert_int_equal(store(f, "t", (kcm_item_type_t)0, false, "x", 1), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(store(f, "t", (kcm_item_type_t)6, false, "x", 1), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(store(f, "t", KCM_CONFIG, false, NULL, 1), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(store(f, "t", KCM_CONFIG, false, big, sizeof(big)),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(store(f, "t", KCM_CONFIG, false, big, sizeof(big) - 1), KCM_OK);
    expect_item(f, "t", KCM_CONFIG, big, sizeof(big) - 1);
    /* Content validation. */
    assert_int_equal(store(f, "v", KCM_PRIVATE_KEY, false, key_pem.data, key_pem.len),
                     KCM_ERR_PRIVKEY_PARSE);
    assert_int_equal(store(f, "v", KCM_PRIVATE_KEY, false, key384.data, key384.len),
                     KCM_ERR_CURVE_UNSUPPORTED);
    assert_int_equal(store(f, "v", KCM_PRIVATE_KEY, false, key_rsa.data, key_rsa.len),
                     KCM_ERR_PRIVKEY_PARSE);
    assert_int_equal(store(f, "v", KCM_PRIVATE_KEY, false, pub.data, pub.len),
                     KCM_ERR_PRIVKEY_PARSE);
    assert_int_equal(store(f, "v", KCM_PUBLIC_KEY, false, pub384.data, pub384.len),
                     KCM_ERR_CURVE_UNSUPPORTED);
    assert_int_equal(store(f, "v", KCM_PUBLIC_KEY, false, pub_rsa.data, pub_rsa.len),
                     KCM_ERR_PUBKEY_PARSE);
    assert_int_equal(store(f, "v", KCM_PUBLIC_KEY, false, key.data, key.len),
                     KCM_ERR_PUBKEY_PARSE);
    assert_int_equal(store(f, "v", KCM_CERTIFICATE, false, leaf_pem.data, leaf_pem.len),
                     KCM_ERR_CERT_PARSE);
    assert_int_equal(store(f, "v", KCM_CERTIFICATE, false, leaf.data, leaf.len - 1),
                     KCM_ERR_CERT_PARSE);
    /* Symmetric keys and config parameters are opaque. */
    assert_int_equal(store(f, "v", KCM_SYMMETRIC_KEY, false, key_pem.data, key_pem.len), KCM_OK);
    /* Nothing refused was stored. */
    expect_absent(f, "v", KCM_PRIVATE_KEY);
    expect_absent(f, "v", KCM_PUBLIC_KEY);
    expect_absent(f, "v", KCM_CERTIFICATE);
    expect_absent(f, "e", KCM_PRIVATE_KEY);
    expect_item(f, "k", KCM_PRIVATE_KEY, key.data, key.len);
}

static void test_delete(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store(f, "d", KCM_CONFIG, false, "one", 3), KCM_OK);
    assert_int_equal(store(f, "d", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("d"), KCM_CONFIG), KCM_OK);
    expect_absent(f, "d", KCM_CONFIG);
    expect_item(f, "d", KCM_PUBLIC_KEY, pub.data, pub.len); /* other name space untouched */
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("d"), KCM_CONFIG), KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("d"), (kcm_item_type_t)9),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("d d"), KCM_CONFIG), KCM_ERR_NAME_INVALID);
    assert_int_equal(store(f, "d", KCM_CONFIG, false, "two", 3), KCM_OK);
    remount(f);
    expect_item(f, "d", KCM_CONFIG, (const uint8_t *)"two", 3);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("d"), KCM_PUBLIC_KEY), KCM_OK);
    remount(f);
    expect_absent(f, "d", KCM_PUBLIC_KEY);
}

/* ---- confidentiality and integrity --------------------------------------------------------- */

static void test_encrypted_at_rest(void **state)
{
    fx_t *f = *state;
    static const char secret_cfg[] = "very-secret-config-value-0123456789";
    static const char secret_sym[] = "symmetric-key-material-ABCDEFGHIJ";
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, true, secret_cfg, strlen(secret_cfg)), KCM_OK);
    assert_int_equal(store(f, "sym", KCM_SYMMETRIC_KEY, false, secret_sym, strlen(secret_sym)),
                     KCM_OK);
    assert_int_equal(store(f, "crt", KCM_CERTIFICATE, false, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(store(f, "pub", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);
    fcc_flash_sim_snapshot(&f->sim, f->image, sizeof(f->image));
    /* The private scalar (SEC1 offset 7, 32 bytes) and the secrets are nowhere on flash... */
    assert_null(memmem(f->image, sizeof(f->image), key.data + 7, 32));
    assert_null(memmem(f->image, sizeof(f->image), secret_cfg, 16));
    assert_null(memmem(f->image, sizeof(f->image), secret_sym, 16));
    /* ...while certificates and public keys are stored in the clear. */
    assert_non_null(memmem(f->image, sizeof(f->image), leaf.data, leaf.len));
    assert_non_null(memmem(f->image, sizeof(f->image), pub.data, pub.len));
    /* A ROT was generated on first confidential use and kept as the internal item. */
    size_t n = 0;
    uint8_t rot[16], k[32];
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, rot, sizeof(rot), &n), KCM_OK);
    assert_int_equal(n, 16);
    /* The stored record opens with the key derived from that ROT. */
    assert_int_equal(kcm_derive_key(rot, 16, k), KCM_OK);
    size_t rlen;
    uint8_t rec[KCM_BUF_SIZE], plain[KCM_BUF_SIZE];
    kcm_rec_hdr_t h;
    assert_int_equal(fst_get(&f->kcm.store, KCM_PRIVATE_KEY, KT_NAME("pk"), rec, sizeof(rec),
                             &rlen),
                     FST_OK);
    assert_int_equal(kcm_rec_open(k, rec, rlen, KT_NAME("pk"), &h, plain, sizeof(plain)), KCM_OK);
    assert_int_equal(h.len, key.len);
    assert_memory_equal(plain, key.data, key.len);
    assert_true(h.flags & KCM_FLAG_ENCRYPTED);
    assert_false(h.flags & KCM_FLAG_FACTORY);
    /* A later ROT injection is refused: the ROT is write-once. */
    memset(rot, 0x11, sizeof(rot));
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_ERR_EXISTS);
}

static void test_no_rot_for_clear_items(void **state)
{
    fx_t *f = *state;
    size_t n;
    assert_int_equal(store(f, "crt", KCM_CERTIFICATE, false, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(store(f, "pub", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, f->buf, 16, &n),
                     KCM_ERR_NOT_FOUND);
    uint8_t rot[16];
    memset(rot, 0x42, sizeof(rot));
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    /* Encrypted under the injected ROT. */
    uint8_t k[32], rec[KCM_BUF_SIZE], plain[KCM_BUF_SIZE];
    size_t rlen;
    kcm_rec_hdr_t h;
    assert_int_equal(kcm_derive_key(rot, 16, k), KCM_OK);
    assert_int_equal(fst_get(&f->kcm.store, KCM_PRIVATE_KEY, KT_NAME("pk"), rec, sizeof(rec),
                             &rlen),
                     FST_OK);
    assert_int_equal(kcm_rec_open(k, rec, rlen, KT_NAME("pk"), &h, plain, sizeof(plain)), KCM_OK);
    assert_memory_equal(plain, key.data, key.len);
    remount(f);
    expect_item(f, "pk", KCM_PRIVATE_KEY, key.data, key.len);
}

/* Writes raw bytes as the engine value of (et, name), bypassing KCM. */
static void raw_put(fx_t *f, uint8_t et, const char *name, const uint8_t *v, size_t len)
{
    assert_int_equal(fst_begin(&f->kcm.store), FST_OK);
    assert_int_equal(fst_put(&f->kcm.store, et, (const uint8_t *)name, strlen(name), v, len),
                     FST_OK);
    assert_int_equal(fst_commit(&f->kcm.store), FST_OK);
}

static void test_tampered_records(void **state)
{
    fx_t *f = *state;
    static uint8_t rec[KCM_BUF_SIZE], bad[KCM_BUF_SIZE];
    size_t rlen, n;
    assert_int_equal(store(f, "pkA", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "pkB", KCM_PRIVATE_KEY, false, key_pkcs8.data, key_pkcs8.len),
                     KCM_OK);
    assert_int_equal(store(f, "crt", KCM_CERTIFICATE, false, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, false, "abc", 3), KCM_OK);

    /* Every single-byte change of an encrypted and of a clear record reads as corrupted. */
    const struct { uint8_t et; const char *name; kcm_item_type_t type; } cases[] = {
        {KCM_PRIVATE_KEY, "pkA", KCM_PRIVATE_KEY}, {KCM_CERTIFICATE, "crt", KCM_CERTIFICATE}};
    for (size_t c = 0; c < 2; c++) {
        assert_int_equal(fst_get(&f->kcm.store, cases[c].et, (const uint8_t *)cases[c].name,
                                 strlen(cases[c].name), rec, sizeof(rec), &rlen),
                         FST_OK);
        for (size_t i = 0; i < rlen; i += (i < KCM_REC_HDR ? 1 : 37)) {
            memcpy(bad, rec, rlen);
            bad[i] ^= 0x04;
            raw_put(f, cases[c].et, cases[c].name, bad, rlen);
            kcm_status_t st = kcm_item_get_data(&f->kcm, (const uint8_t *)cases[c].name,
                                                strlen(cases[c].name), cases[c].type, f->buf,
                                                sizeof(f->buf), &n);
            assert_int_equal(st, KCM_ERR_CORRUPTED);
            assert_int_equal(kcm_item_get_size(&f->kcm, (const uint8_t *)cases[c].name,
                                               strlen(cases[c].name), cases[c].type, &n),
                             KCM_ERR_CORRUPTED);
        }
        raw_put(f, cases[c].et, cases[c].name, rec, rlen);
    }
    expect_item(f, "pkA", KCM_PRIVATE_KEY, key.data, key.len);
    expect_item(f, "crt", KCM_CERTIFICATE, leaf.data, leaf.len);

    /* Swap: pkA's record under pkB's name, or under another type, does not authenticate. */
    assert_int_equal(fst_get(&f->kcm.store, KCM_PRIVATE_KEY, KT_NAME("pkA"), rec, sizeof(rec),
                             &rlen),
                     FST_OK);
    raw_put(f, KCM_PRIVATE_KEY, "pkB", rec, rlen);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("pkB"), KCM_PRIVATE_KEY, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    raw_put(f, KCM_SYMMETRIC_KEY, "pkA", rec, rlen);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("pkA"), KCM_SYMMETRIC_KEY, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    /* Downgrade: a well-formed clear record where a confidential one belongs. */
    kcm_rec_hdr_t h = {KCM_CONFIG, 0, 0, 0, 0};
    assert_int_equal(kcm_rec_seal(NULL, NULL, NULL, &h, KT_NAME("cfg"), (const uint8_t *)"evil",
                                  4, bad, sizeof(bad), &rlen),
                     KCM_OK);
    raw_put(f, KCM_CONFIG, "cfg", bad, rlen);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("cfg"), KCM_CONFIG, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    /* A chain member claiming another position. */
    h = (kcm_rec_hdr_t){KCM_CERTIFICATE, 0, 2, 1, 0};
    assert_int_equal(kcm_rec_seal(NULL, NULL, NULL, &h, KT_NAME("crt2"), leaf.data, leaf.len, bad,
                                  sizeof(bad), &rlen),
                     KCM_OK);
    raw_put(f, KCM_CERTIFICATE, "crt2", bad, rlen);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("crt2"), KCM_CERTIFICATE, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    /* Garbage and a short value. */
    raw_put(f, KCM_CONFIG, "junk", (const uint8_t *)"junk", 4);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("junk"), KCM_CONFIG, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    /* A corrupted item can still be deleted. */
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("junk"), KCM_CONFIG), KCM_OK);
    expect_absent(f, "junk", KCM_CONFIG);
}

static void test_wrong_rot_reads_corrupted(void **state)
{
    fx_t *f = *state;
    size_t n;
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    /* Replace the internal ROT by another one behind KCM's back: decryption must fail. */
    uint8_t rot[16], rec[128];
    size_t rlen;
    memset(rot, 0x77, sizeof(rot));
    kcm_rec_hdr_t h = {KCM_KIND_INTERNAL + KCM_INTERNAL_ROT, 0, 0, 0, 0};
    assert_int_equal(kcm_rec_seal(NULL, NULL, NULL, &h, KT_NAME(KCM_INTERNAL_NAME), rot, 16, rec,
                                  sizeof(rec), &rlen),
                     KCM_OK);
    raw_put(f, KCM_ET_INTERNAL + KCM_INTERNAL_ROT, KCM_INTERNAL_NAME, rec, rlen);
    remount(f);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("pk"), KCM_PRIVATE_KEY, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_CORRUPTED);
    /* No ROT at all: the item cannot be read, and says why. */
    assert_int_equal(fst_begin(&f->kcm.store), FST_OK);
    assert_int_equal(fst_del(&f->kcm.store, KCM_ET_INTERNAL + KCM_INTERNAL_ROT,
                             KT_NAME(KCM_INTERNAL_NAME)),
                     FST_OK);
    assert_int_equal(fst_commit(&f->kcm.store), FST_OK);
    remount(f);
    assert_int_equal(kcm_item_get_data(&f->kcm, KT_NAME("pk"), KCM_PRIVATE_KEY, f->buf,
                                       sizeof(f->buf), &n),
                     KCM_ERR_ROT_MISSING);
}

/* ---- chains -------------------------------------------------------------------------------- */

static void test_chain_good(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store_chain(f, "mbed.LwM2MDeviceCert", true, 3, chain3), KCM_OK);
    expect_chain(f, "mbed.LwM2MDeviceCert", 3, chain3);
    remount(f);
    expect_chain(f, "mbed.LwM2MDeviceCert", 3, chain3);
    /* Shared name space with single certificates, in both directions. */
    assert_int_equal(store(f, "mbed.LwM2MDeviceCert", KCM_CERTIFICATE, false, root.data,
                           root.len),
                     KCM_ERR_EXISTS);
    kcm_chain_t c;
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("mbed.LwM2MDeviceCert"), 2, false),
                     KCM_ERR_EXISTS);
    assert_int_equal(store(f, "single", KCM_CERTIFICATE, false, root.data, root.len), KCM_OK);
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("single"), 1, false), KCM_ERR_EXISTS);
    /* A single certificate opens as a chain of one. */
    const kt_blob_t *one[1] = {&root};
    expect_chain(f, "single", 1, one);
    /* Chains of every length 1..5 (a self-signed root verifies itself). */
    const kt_blob_t *five[5] = {&leaf, &inter, &root, &root, &root};
    assert_int_equal(store_chain(f, "five", false, 5, five), KCM_OK);
    expect_chain(f, "five", 5, five);
    assert_int_equal(store_chain(f, "one", false, 1, chain3), KCM_OK);
    expect_chain(f, "one", 1, chain3);
    /* Partial reads: get_next_data with a short buffer does not advance. */
    size_t len, n;
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("five"), &len), KCM_OK);
    assert_int_equal(kcm_chain_get_next_data(&c, f->buf, 10, &n), KCM_ERR_INSUFFICIENT_BUFFER);
    assert_int_equal(n, leaf.len);
    assert_int_equal(kcm_chain_get_next_data(&c, f->buf, sizeof(f->buf), &n), KCM_OK);
    assert_memory_equal(f->buf, leaf.data, leaf.len);
    assert_int_equal(kcm_chain_add_next(&c, leaf.data, leaf.len), KCM_ERR_STATE); /* read mode */
    assert_int_equal(kcm_chain_close(&c), KCM_OK);
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("absent"), &len), KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("a b"), &len), KCM_ERR_NAME_INVALID);
    /* Delete removes every member: the name is free again for a shorter chain. */
    assert_int_equal(kcm_chain_delete(&f->kcm, KT_NAME("five")), KCM_OK);
    expect_absent(f, "five", KCM_CERTIFICATE);
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("five"), &len), KCM_ERR_NOT_FOUND);
    assert_int_equal(store_chain(f, "five", false, 2, chain3), KCM_OK);
    expect_chain(f, "five", 2, chain3);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("five"), KCM_CERTIFICATE), KCM_OK);
    assert_int_equal(kcm_chain_delete(&f->kcm, KT_NAME("five")), KCM_ERR_NOT_FOUND);
    assert_int_equal(store(f, "five", KCM_CERTIFICATE, false, other.data, other.len), KCM_OK);
    const kt_blob_t *oth[1] = {&other};
    expect_chain(f, "five", 1, oth);
}

static void test_chain_refusals(void **state)
{
    fx_t *f = *state;
    kcm_chain_t c;
    size_t len;
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("ch"), 0, false),
                     KCM_ERR_CHAIN_LENGTH);
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("ch"), FCC_CHAIN_MAX + 1, false),
                     KCM_ERR_CHAIN_LENGTH);
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("c h"), 2, false),
                     KCM_ERR_NAME_INVALID);
    assert_int_equal(kcm_chain_create(&f->kcm, NULL, KT_NAME("ch"), 2, false),
                     KCM_ERR_INVALID_PARAMETER);

    /* Wrong order: the root does not sign the leaf. */
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("ch"), 3, false), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, root.data, root.len), KCM_ERR_CHAIN_VALIDATION);
    assert_int_equal(kcm_chain_add_next(&c, other.data, other.len), KCM_ERR_CHAIN_VALIDATION);
    assert_int_equal(kcm_chain_add_next(&c, leaf_pem.data, leaf_pem.len), KCM_ERR_CERT_PARSE);
    assert_int_equal(kcm_chain_add_next(&c, NULL, 0), KCM_ERR_EMPTY);
    assert_int_equal(kcm_chain_add_next(&c, NULL, 5), KCM_ERR_INVALID_PARAMETER);
    /* Other writes wait while a chain is being written; reads do not. */
    assert_int_equal(store(f, "x", KCM_CONFIG, false, "1", 1), KCM_ERR_STATE);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_ERR_STATE);
    kcm_chain_t c2;
    assert_int_equal(kcm_chain_create(&f->kcm, &c2, KT_NAME("ch2"), 1, false), KCM_ERR_STATE);
    assert_int_equal(kcm_factory_reset(&f->kcm), KCM_ERR_STATE);
    expect_item(f, "ch", KCM_CERTIFICATE, leaf.data, leaf.len); /* visible to its writer */
    assert_int_equal(kcm_chain_add_next(&c, inter.data, inter.len), KCM_OK);
    /* Closing it incomplete deletes it. */
    assert_int_equal(kcm_chain_close(&c), KCM_ERR_CHAIN_INCOMPLETE);
    expect_absent(f, "ch", KCM_CERTIFICATE);
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("ch"), &len), KCM_ERR_NOT_FOUND);
    assert_int_equal(store(f, "x", KCM_CONFIG, false, "1", 1), KCM_OK);
    remount(f);
    expect_absent(f, "ch", KCM_CERTIFICATE);

    /* More certificates than declared. */
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("ch"), 1, false), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, inter.data, inter.len), KCM_ERR_CHAIN_LENGTH);
    assert_int_equal(kcm_chain_close(&c), KCM_OK);
    const kt_blob_t *one[1] = {&leaf};
    expect_chain(f, "ch", 1, one);
    /* A closed chain takes no more certificates; closing twice is harmless. */
    assert_int_equal(kcm_chain_add_next(&c, inter.data, inter.len), KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_chain_close(&c), KCM_OK);

    /* An empty chain closed at once leaves nothing. */
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("nothing"), 2, false), KCM_OK);
    assert_int_equal(kcm_chain_close(&c), KCM_ERR_CHAIN_INCOMPLETE);
    expect_absent(f, "nothing", KCM_CERTIFICATE);
    /* A bad certificate as the leaf. */
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("bad"), 1, false), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, key.data, key.len), KCM_ERR_CERT_PARSE);
    assert_int_equal(kcm_chain_close(&c), KCM_ERR_CHAIN_INCOMPLETE);
    expect_absent(f, "bad", KCM_CERTIFICATE);
}

static void test_chain_corrupted_member(void **state)
{
    fx_t *f = *state;
    kcm_chain_t c;
    size_t len, n;
    assert_int_equal(store_chain(f, "ch", false, 3, chain3), KCM_OK);
    /* Remove the middle member behind KCM's back. */
    assert_int_equal(fst_begin(&f->kcm.store), FST_OK);
    assert_int_equal(fst_del(&f->kcm.store, kcm_et_cert(1), KT_NAME("ch")), FST_OK);
    assert_int_equal(fst_commit(&f->kcm.store), FST_OK);
    assert_int_equal(kcm_chain_open(&f->kcm, &c, KT_NAME("ch"), &len), KCM_OK);
    assert_int_equal(len, 3);
    assert_int_equal(kcm_chain_get_next_data(&c, f->buf, sizeof(f->buf), &n), KCM_OK);
    assert_int_equal(kcm_chain_get_next_size(&c, &n), KCM_ERR_CORRUPTED);
    assert_int_equal(kcm_chain_get_next_data(&c, f->buf, sizeof(f->buf), &n), KCM_ERR_CORRUPTED);
    assert_int_equal(kcm_chain_close(&c), KCM_OK);
    /* Delete still cleans up all of it. */
    assert_int_equal(kcm_chain_delete(&f->kcm, KT_NAME("ch")), KCM_OK);
    assert_int_equal(fst_size(&f->kcm.store, kcm_et_cert(2), KT_NAME("ch"), &n), FST_ERR_NOENT);
}

/* ---- internal items ------------------------------------------------------------------------ */

static void test_internal_items(void **state)
{
    fx_t *f = *state;
    uint8_t ent[48], rot[16], ca[32], one = 1, two = 2, big[65];
    size_t n;
    memset(ent, 0xE1, sizeof(ent));
    memset(rot, 0x52, sizeof(rot));
    memset(ca, 0xCA, sizeof(ca));
    memset(big, 0, sizeof(big));
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ENTROPY, f->buf, 48, &n),
                     KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 47),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 49),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 15),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 32),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_FACTORY_DISABLED, &two, 1),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, big, 65),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, big, 0),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, (kcm_internal_t)0, ent, 48),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, (kcm_internal_t)5, ent, 48),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, NULL, 48),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_internal_get(&f->kcm, (kcm_internal_t)5, f->buf, 48, &n),
                     KCM_ERR_INVALID_PARAMETER);

    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 48), KCM_OK);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_FACTORY_DISABLED, &one, 1), KCM_OK);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, ca, 32), KCM_OK);
    remount(f);
    /* Write-once. */
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 48), KCM_ERR_EXISTS);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_ERR_EXISTS);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_FACTORY_DISABLED, &one, 1),
                     KCM_ERR_EXISTS);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, ca, 32),
                     KCM_ERR_EXISTS);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ENTROPY, f->buf, 48, &n), KCM_OK);
    assert_int_equal(n, 48);
    assert_memory_equal(f->buf, ent, 48);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, f->buf, 16, &n), KCM_OK);
    assert_memory_equal(f->buf, rot, 16);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_FACTORY_DISABLED, f->buf, 1, &n),
                     KCM_OK);
    assert_int_equal(f->buf[0], 1);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, f->buf, 64, &n),
                     KCM_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(f->buf, ca, 32);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, f->buf, 31, &n),
                     KCM_ERR_INSUFFICIENT_BUFFER);
    assert_int_equal(n, 32);
    /* Internal items are not user items. */
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    assert_int_equal(kcm_iter_next(&f->kcm, &it, &info), KCM_ERR_NOT_FOUND);
}

/* ---- transactions -------------------------------------------------------------------------- */

static void test_transactions(void **state)
{
    fx_t *f = *state;
    size_t n;
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_ERR_STATE);
    assert_int_equal(kcm_txn_abort(&f->kcm), KCM_ERR_STATE);
    /* A clear item: it does not make a ROT, so the bundle below can still inject one. */
    assert_int_equal(store(f, "before", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);

    /* Abort drops everything, the ROT injected inside included. */
    uint8_t rot[16];
    memset(rot, 0x33, sizeof(rot));
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_ERR_STATE);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(store_chain(f, "ch", true, 3, chain3), KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("before"), KCM_PUBLIC_KEY), KCM_OK);
    expect_item(f, "pk", KCM_PRIVATE_KEY, key.data, key.len); /* reads see the txn */
    expect_chain(f, "ch", 3, chain3);
    expect_absent(f, "before", KCM_PUBLIC_KEY);
    assert_int_equal(kcm_txn_abort(&f->kcm), KCM_OK);
    expect_absent(f, "pk", KCM_PRIVATE_KEY);
    expect_absent(f, "ch", KCM_CERTIFICATE);
    expect_item(f, "before", KCM_PUBLIC_KEY, pub.data, pub.len);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, f->buf, 16, &n),
                     KCM_ERR_NOT_FOUND);

    /* Commit lands everything; the item of the txn is encrypted under the ROT of the txn. */
    memset(rot, 0x44, sizeof(rot));
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(store_chain(f, "ch", true, 3, chain3), KCM_OK);
    /* An incomplete chain inside the txn goes; the rest of the txn stays. */
    kcm_chain_t c;
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("half"), 2, false), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_ERR_STATE); /* chain still open */
    assert_int_equal(kcm_chain_close(&c), KCM_ERR_CHAIN_INCOMPLETE);
    /* A refused store inside the txn changes nothing and does not spoil the txn. */
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_ERR_EXISTS);
    assert_int_equal(store(f, "bad", KCM_PRIVATE_KEY, true, key384.data, key384.len),
                     KCM_ERR_CURVE_UNSUPPORTED);
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_OK);
    remount(f);
    expect_item(f, "pk", KCM_PRIVATE_KEY, key.data, key.len);
    expect_chain(f, "ch", 3, chain3);
    expect_absent(f, "half", KCM_CERTIFICATE);
    uint8_t k[32], rec[KCM_BUF_SIZE], plain[KCM_BUF_SIZE];
    size_t rlen;
    kcm_rec_hdr_t h;
    assert_int_equal(kcm_derive_key(rot, 16, k), KCM_OK);
    assert_int_equal(fst_get(&f->kcm.store, KCM_PRIVATE_KEY, KT_NAME("pk"), rec, sizeof(rec),
                             &rlen),
                     FST_OK);
    assert_int_equal(kcm_rec_open(k, rec, rlen, KT_NAME("pk"), &h, plain, sizeof(plain)), KCM_OK);
    assert_true(h.flags & KCM_FLAG_FACTORY);

    /* Abort after a generated ROT: the next store makes a fresh one that works after reboot. */
    assert_int_equal(kcm_wipe(&f->kcm), KCM_OK);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(store(f, "s1", KCM_SYMMETRIC_KEY, false, "abc", 3), KCM_OK);
    assert_int_equal(kcm_txn_abort(&f->kcm), KCM_OK);
    assert_int_equal(store(f, "s2", KCM_SYMMETRIC_KEY, false, "def", 3), KCM_OK);
    remount(f);
    expect_item(f, "s2", KCM_SYMMETRIC_KEY, (const uint8_t *)"def", 3);
    expect_absent(f, "s1", KCM_SYMMETRIC_KEY);
}

/* ---- iteration ----------------------------------------------------------------------------- */

static void test_iteration(void **state)
{
    fx_t *f = *state;
    uint8_t ent[48] = {0};
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 48), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PUBLIC_KEY, false, pub.data, pub.len), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, false, "", 0), KCM_OK);
    assert_int_equal(store_chain(f, "ch", true, 3, chain3), KCM_OK);
    assert_int_equal(store(f, "gone", KCM_CONFIG, true, "x", 1), KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("gone"), KCM_CONFIG), KCM_OK); /* backup */
    const struct {
        const char *name;
        kcm_item_type_t type;
        size_t size, chain_len;
        bool factory;
    } want[] = {{"pk", KCM_PRIVATE_KEY, key.len, 0, true},
                {"pk", KCM_PUBLIC_KEY, pub.len, 0, false},
                {"cfg", KCM_CONFIG, 0, 0, false},
                {"ch", KCM_CERTIFICATE, leaf.len, 3, true}};
    bool seen[4] = {false, false, false, false};
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    size_t count = 0;
    kcm_status_t st;
    while ((st = kcm_iter_next(&f->kcm, &it, &info)) == KCM_OK) {
        count++;
        size_t i;
        for (i = 0; i < 4; i++) {
            if (info.type == want[i].type && info.name_len == strlen(want[i].name) &&
                memcmp(info.name, want[i].name, info.name_len) == 0)
                break;
        }
        assert_true(i < 4);
        assert_false(seen[i]);
        seen[i] = true;
        assert_int_equal(info.data_size, want[i].size);
        assert_int_equal(info.chain_len, want[i].chain_len);
        assert_int_equal(info.factory, want[i].factory);
    }
    assert_int_equal(st, KCM_ERR_NOT_FOUND);
    assert_int_equal(count, 4);
    assert_int_equal(kcm_iter_next(&f->kcm, NULL, &info), KCM_ERR_INVALID_PARAMETER);
}

/* ---- factory reset and wipe ---------------------------------------------------------------- */

static void test_factory_reset(void **state)
{
    fx_t *f = *state;
    uint8_t ent[48];
    size_t n;
    memset(ent, 0x0E, sizeof(ent));
    assert_int_equal(kcm_factory_reset(&f->kcm), KCM_OK); /* nothing to do */
    /* The factory bundle. */
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ENTROPY, ent, 48), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, true, "factory", 7), KCM_OK);
    assert_int_equal(store(f, "keep", KCM_CONFIG, true, "kept", 4), KCM_OK);
    assert_int_equal(store_chain(f, "ch", true, 3, chain3), KCM_OK);
    assert_int_equal(store(f, "single", KCM_CERTIFICATE, true, root.data, root.len), KCM_OK);
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_OK);
    /* Life in the field. */
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("pk"), KCM_PRIVATE_KEY), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, false, key_pkcs8.data, key_pkcs8.len),
                     KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("cfg"), KCM_CONFIG), KCM_OK);
    assert_int_equal(kcm_chain_delete(&f->kcm, KT_NAME("ch")), KCM_OK);
    const kt_blob_t *five[5] = {&leaf, &inter, &root, &root, &root};
    assert_int_equal(store_chain(f, "ch", false, 5, five), KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("single"), KCM_CERTIFICATE), KCM_OK);
    assert_int_equal(store_chain(f, "single", false, 2, chain3), KCM_OK);
    assert_int_equal(store(f, "user", KCM_SYMMETRIC_KEY, false, "u", 1), KCM_OK);
    assert_int_equal(store(f, "user", KCM_CONFIG, false, "u", 1), KCM_OK);
    remount(f);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(kcm_factory_reset(&f->kcm), KCM_OK);
        remount(f);
        expect_item(f, "pk", KCM_PRIVATE_KEY, key.data, key.len);
        expect_item(f, "cfg", KCM_CONFIG, (const uint8_t *)"factory", 7);
        expect_item(f, "keep", KCM_CONFIG, (const uint8_t *)"kept", 4);
        expect_chain(f, "ch", 3, chain3);
        const kt_blob_t *one[1] = {&root};
        expect_chain(f, "single", 1, one);
        expect_absent(f, "user", KCM_SYMMETRIC_KEY);
        expect_absent(f, "user", KCM_CONFIG);
        assert_int_equal(fst_size(&f->kcm.store, kcm_et_cert(3), KT_NAME("ch"), &n),
                         FST_ERR_NOENT);
        assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ENTROPY, f->buf, 48, &n), KCM_OK);
        assert_memory_equal(f->buf, ent, 48);
        /* Nothing else listed, nothing left in the backup area. */
        kcm_iter_t it;
        kcm_item_info_t info;
        memset(&it, 0, sizeof(it));
        size_t count = 0;
        while (kcm_iter_next(&f->kcm, &it, &info) == KCM_OK) {
            assert_true(info.factory);
            count++;
        }
        assert_int_equal(count, 5);
        fst_iter_t fit;
        uint8_t et, name[FST_NAME_MAX];
        size_t nl, vl;
        memset(&fit, 0, sizeof(fit));
        while (fst_next(&f->kcm.store, &fit, &et, name, &nl, &vl) == FST_OK)
            assert_false(kcm_et_is_backup(et));
    }
    /* A new factory value replaces the old one for later resets. */
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("cfg"), KCM_CONFIG), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, true, "factory2", 8), KCM_OK);
    assert_int_equal(kcm_chain_delete(&f->kcm, KT_NAME("ch")), KCM_OK);
    const kt_blob_t *two[2] = {&inter, &root};
    assert_int_equal(store_chain(f, "ch", true, 2, two), KCM_OK);
    assert_int_equal(kcm_factory_reset(&f->kcm), KCM_OK);
    expect_item(f, "cfg", KCM_CONFIG, (const uint8_t *)"factory2", 8);
    expect_chain(f, "ch", 2, two);
    /* Inside a transaction, then aborted: nothing happens. */
    assert_int_equal(store(f, "later", KCM_CONFIG, false, "l", 1), KCM_OK);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(kcm_factory_reset(&f->kcm), KCM_OK);
    expect_absent(f, "later", KCM_CONFIG);
    assert_int_equal(kcm_txn_abort(&f->kcm), KCM_OK);
    expect_item(f, "later", KCM_CONFIG, (const uint8_t *)"l", 1);
}

static void test_factory_reset_many(void **state)
{
    /* More items than one reset pass collects (40). */
    fx_t *f = *state;
    char name[32];
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "f%02d", i);
        assert_int_equal(store(f, name, KCM_CONFIG, true, name, strlen(name)), KCM_OK);
        snprintf(name, sizeof(name), "u%02d", i);
        assert_int_equal(store(f, name, KCM_CONFIG, false, name, strlen(name)), KCM_OK);
    }
    for (int i = 0; i < 60; i += 2) {
        snprintf(name, sizeof(name), "f%02d", i);
        assert_int_equal(kcm_item_delete(&f->kcm, (const uint8_t *)name, strlen(name), KCM_CONFIG),
                         KCM_OK);
    }
    assert_int_equal(kcm_factory_reset(&f->kcm), KCM_OK);
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "f%02d", i);
        expect_item(f, name, KCM_CONFIG, (const uint8_t *)name, strlen(name));
        snprintf(name, sizeof(name), "u%02d", i);
        expect_absent(f, name, KCM_CONFIG);
    }
}

static void test_wipe(void **state)
{
    fx_t *f = *state;
    uint8_t rot[16] = {1};
    size_t n;
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, true, "c", 1), KCM_OK);
    assert_int_equal(kcm_wipe(&f->kcm), KCM_OK); /* drops the open txn too */
    expect_absent(f, "pk", KCM_PRIVATE_KEY);
    expect_absent(f, "cfg", KCM_CONFIG);
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, f->buf, 16, &n),
                     KCM_ERR_NOT_FOUND);
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_ERR_STATE);
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, true, key.data, key.len), KCM_OK);
    remount(f);
    expect_item(f, "pk", KCM_PRIVATE_KEY, key.data, key.len);
    assert_int_equal(kcm_wipe(NULL), KCM_ERR_NOT_INITIALIZED);
}


/* ---- failures under the API ------------------------------------------------------------------ */

static void test_flash_failure_in_txn(void **state)
{
    fx_t *f = *state;
    static uint8_t big[3000];
    size_t n;
    memset(big, 0x61, sizeof(big));
    assert_int_equal(store(f, "kept", KCM_CONFIG, false, "k", 1), KCM_OK);
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(store(f, "a", KCM_CONFIG, true, "a", 1), KCM_OK);
    f->sim.cut_after = 1; /* the next program or erase is the last */
    kcm_status_t st = store(f, "big", KCM_CONFIG, true, big, sizeof(big));
    assert_int_not_equal(st, KCM_OK);
    assert_int_equal(kcm_to_fcc_status(st), FCC_STATUS_KCM_STORAGE_ERROR);
    /* The transaction cannot commit after a write failed inside it. */
    assert_int_not_equal(kcm_txn_commit(&f->kcm), KCM_OK);
    assert_int_equal(kcm_txn_commit(&f->kcm), KCM_ERR_STATE); /* and it is gone */
    kcm_free(&f->kcm);
    fcc_flash_sim_power_on(&f->sim);
    assert_int_equal(kcm_init(&f->kcm, &f->flash, f->work, sizeof(f->work), kt_rng, &f->seed),
                     KCM_OK);
    expect_absent(f, "a", KCM_CONFIG);
    expect_absent(f, "big", KCM_CONFIG);
    expect_item(f, "kept", KCM_CONFIG, (const uint8_t *)"k", 1);
    assert_int_equal(kcm_item_get_size(&f->kcm, KT_NAME("kept"), KCM_CONFIG, &n), KCM_OK);
}

static void test_store_full(void **state)
{
    fx_t *f = *state;
    static uint8_t big[3000];
    char name[16];
    kcm_status_t st = KCM_OK;
    int i;
    memset(big, 0x62, sizeof(big));
    for (i = 0; i < 100 && st == KCM_OK; i++) {
        snprintf(name, sizeof(name), "fill%d", i);
        st = store(f, name, KCM_CONFIG, false, big, sizeof(big));
    }
    assert_int_equal(st, KCM_ERR_NO_SPACE);
    assert_true(i > 5);
    /* Everything stored before is intact; deleting makes room again. */
    snprintf(name, sizeof(name), "fill%d", i - 1);
    expect_absent(f, name, KCM_CONFIG);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("fill0"), KCM_CONFIG), KCM_OK);
    assert_int_equal(kcm_item_delete(&f->kcm, KT_NAME("fill1"), KCM_CONFIG), KCM_OK);
    assert_int_equal(store(f, "after", KCM_CONFIG, false, big, sizeof(big)), KCM_OK);
    remount(f);
    expect_item(f, "fill2", KCM_CONFIG, big, sizeof(big));
    expect_item(f, "after", KCM_CONFIG, big, sizeof(big));
}

static void test_rng_failure(void **state)
{
    fx_t *f = *state;
    uint8_t rot[16] = {9};
    kcm_free(&f->kcm);
    assert_int_equal(kcm_init(&f->kcm, &f->flash, f->work, sizeof(f->work), kt_rng_fail, NULL),
                     KCM_OK);
    /* No ROT can be generated... */
    assert_int_equal(store(f, "cfg", KCM_CONFIG, false, "x", 1), KCM_ERR_CRYPTO);
    expect_absent(f, "cfg", KCM_CONFIG);
    size_t n;
    assert_int_equal(kcm_internal_get(&f->kcm, KCM_INTERNAL_ROT, f->buf, 16, &n),
                     KCM_ERR_NOT_FOUND);
    /* ...and with an injected one, no nonce. Clear items need no randomness. */
    assert_int_equal(kcm_internal_set(&f->kcm, KCM_INTERNAL_ROT, rot, 16), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, false, "x", 1), KCM_ERR_CRYPTO);
    assert_int_equal(store(f, "crt", KCM_CERTIFICATE, false, leaf.data, leaf.len), KCM_OK);
    expect_item(f, "crt", KCM_CERTIFICATE, leaf.data, leaf.len);
}

static void test_corrupt_image(void **state)
{
    fx_t *f = *state;
    /* Not a store and not blank: mount refuses, wipe recovers. */
    kcm_free(&f->kcm);
    memset(f->image, 0x5A, sizeof(f->image));
    fcc_flash_sim_load(&f->sim, f->image, sizeof(f->image));
    kcm_status_t st = kcm_init(&f->kcm, &f->flash, f->work, sizeof(f->work), kt_rng, &f->seed);
    assert_int_not_equal(st, KCM_OK);
    size_t n;
    assert_int_equal(kcm_item_get_size(&f->kcm, KT_NAME("x"), KCM_CONFIG, &n),
                     KCM_ERR_NOT_INITIALIZED);
    assert_int_equal(kcm_wipe(&f->kcm), KCM_OK);
    assert_int_equal(store(f, "x", KCM_CONFIG, false, "1", 1), KCM_OK);
    remount(f);
    expect_item(f, "x", KCM_CONFIG, (const uint8_t *)"1", 1);
}

static void test_iteration_reports_corrupted(void **state)
{
    fx_t *f = *state;
    assert_int_equal(store(f, "good1", KCM_CONFIG, false, "1", 1), KCM_OK);
    assert_int_equal(store(f, "bad", KCM_CONFIG, false, "2", 1), KCM_OK);
    assert_int_equal(store(f, "good2", KCM_CONFIG, false, "3", 1), KCM_OK);
    raw_put(f, KCM_CONFIG, "bad", (const uint8_t *)"garbage", 7);
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    size_t good = 0, bad = 0;
    kcm_status_t st;
    while ((st = kcm_iter_next(&f->kcm, &it, &info)) != KCM_ERR_NOT_FOUND) {
        if (st == KCM_ERR_CORRUPTED) {
            bad++;
            assert_int_equal(info.name_len, 3);
            assert_memory_equal(info.name, "bad", 3);
            assert_int_equal(info.type, KCM_CONFIG);
        } else {
            assert_int_equal(st, KCM_OK);
            good++;
        }
    }
    assert_int_equal(good, 2);
    assert_int_equal(bad, 1);
}

static void test_chain_and_txn_abort(void **state)
{
    fx_t *f = *state;
    kcm_chain_t c;
    size_t n;
    assert_int_equal(kcm_txn_begin(&f->kcm), KCM_OK);
    assert_int_equal(kcm_chain_create(&f->kcm, &c, KT_NAME("ch"), 2, true), KCM_OK);
    assert_int_equal(kcm_chain_add_next(&c, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(kcm_chain_get_next_size(&c, &n), KCM_ERR_STATE); /* write mode */
    assert_int_equal(kcm_txn_abort(&f->kcm), KCM_OK);
    /* The chain went with the transaction. */
    assert_int_equal(kcm_chain_add_next(&c, inter.data, inter.len), KCM_ERR_STATE);
    assert_int_equal(kcm_chain_close(&c), KCM_ERR_STATE);
    expect_absent(f, "ch", KCM_CERTIFICATE);
    assert_int_equal(store(f, "x", KCM_CONFIG, false, "1", 1), KCM_OK);
}


static void test_read_bit_flips_never_return_data(void **state)
{
    fx_t *f = *state;
    static const char cfg[] = "a configuration value of some length, 0123456789";
    assert_int_equal(store(f, "pk", KCM_PRIVATE_KEY, false, key.data, key.len), KCM_OK);
    assert_int_equal(store(f, "crt", KCM_CERTIFICATE, false, leaf.data, leaf.len), KCM_OK);
    assert_int_equal(store(f, "cfg", KCM_CONFIG, false, cfg, strlen(cfg)), KCM_OK);
    const struct { const char *name; kcm_item_type_t type; const uint8_t *data; size_t len; }
        items[] = {{"pk", KCM_PRIVATE_KEY, key.data, key.len},
                   {"crt", KCM_CERTIFICATE, leaf.data, leaf.len},
                   {"cfg", KCM_CONFIG, (const uint8_t *)cfg, strlen(cfg)}};
    size_t ok = 0, refused = 0;
    f->sim.flip_per_million = 300;
    for (uint32_t round = 0; round < 300; round++) {
        f->sim.seed = round + 1;
        for (size_t i = 0; i < 3; i++) {
            size_t n = 0;
            kcm_status_t st = kcm_item_get_data(&f->kcm, (const uint8_t *)items[i].name,
                                                strlen(items[i].name), items[i].type, f->buf,
                                                sizeof(f->buf), &n);
            if (st == KCM_OK) {
                assert_int_equal(n, items[i].len);
                assert_memory_equal(f->buf, items[i].data, n);
                ok++;
            } else {
                refused++;
            }
        }
    }
    f->sim.flip_per_million = 0;
    print_message("bit flips: %zu reads correct, %zu refused\n", ok, refused);
    assert_true(refused > 0); /* the flips did hit the records */
    assert_true(ok > 0);
}

static int load_all(void **state)
{
    (void)state;
    kt_load(&key, "key_p256.der");
    kt_load(&key_pkcs8, "key_p256_pkcs8.der");
    kt_load(&key_pem, "key_p256.pem");
    kt_load(&key384, "key_p384.der");
    kt_load(&key_rsa, "key_rsa.der");
    kt_load(&pub, "pub_p256.der");
    kt_load(&pub384, "pub_p384.der");
    kt_load(&pub_rsa, "pub_rsa.der");
    kt_load(&leaf, "cert_leaf.der");
    kt_load(&inter, "cert_inter.der");
    kt_load(&root, "cert_root.der");
    kt_load(&other, "cert_other.der");
    kt_load(&leaf_pem, "cert_leaf.pem");
    return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_refusals),       T(test_store_get_every_type),
        T(test_store_refusals),      T(test_delete),
        T(test_encrypted_at_rest),   T(test_no_rot_for_clear_items),
        T(test_tampered_records),    T(test_wrong_rot_reads_corrupted),
        T(test_chain_good),          T(test_chain_refusals),
        T(test_chain_corrupted_member), T(test_internal_items),
        T(test_transactions),        T(test_iteration),
        T(test_factory_reset),       T(test_factory_reset_many),
        T(test_wipe),                T(test_flash_failure_in_txn),
        T(test_store_full),          T(test_rng_failure),
        T(test_corrupt_image),       T(test_iteration_reports_corrupted),
        T(test_chain_and_txn_abort), T(test_read_bit_flips_never_return_data),
    };
    return cmocka_run_group_tests(tests, load_all, NULL);
}
