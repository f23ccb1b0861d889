/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of KCM's crypto and validation helpers and its status table, without a store:
 * name rules, key and certificate checks on the generated test data, chain links, the storage
 * key derivation (pinned against OpenSSL's HKDF), record sealing and opening (every single-byte
 * change of a record must read as corrupted), the engine key map, and the wire status mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kcm_test_util.h"
#include "../../lib/kcm/kcm_internal.h"

static void test_names(void **state)
{
    (void)state;
    uint8_t n[FCC_NAME_MAX + 1];
    memset(n, 'a', sizeof(n));
    assert_int_equal(kcm_check_name(KT_NAME("mbed.LwM2MDeviceCert")), KCM_OK);
    assert_int_equal(kcm_check_name(KT_NAME("A-Za-z0-9._-")), KCM_OK);
    assert_int_equal(kcm_check_name(n, FCC_NAME_MAX), KCM_OK);
    assert_int_equal(kcm_check_name(n, FCC_NAME_MAX + 1), KCM_ERR_NAME_TOO_LONG);
    assert_int_equal(kcm_check_name(n, 0), KCM_ERR_NAME_INVALID);
    assert_int_equal(kcm_check_name(NULL, 3), KCM_ERR_INVALID_PARAMETER);
    static const char bad[] = " /\\:*?\"<>|+=,;@#$%&()[]{}~`'!^\t\n\x7f\x80\xff";
    for (size_t i = 0; i < sizeof(bad) - 1; i++) {
        uint8_t b[3] = {'x', (uint8_t)bad[i], 'y'};
        assert_int_equal(kcm_check_name(b, 3), KCM_ERR_NAME_INVALID);
    }
    uint8_t nul[2] = {'x', 0};
    assert_int_equal(kcm_check_name(nul, 2), KCM_ERR_NAME_INVALID);
}

static void test_private_keys(void **state)
{
    (void)state;
    static kt_blob_t b, other;
    kt_load(&b, "key_p256.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_OK);
    /* Truncated at every length: never accepted. */
    for (size_t l = 0; l < b.len; l++)
        assert_int_equal(kcm_check_private_key(b.data, l), KCM_ERR_PRIVKEY_PARSE);
    /* The embedded public point of another key: refused. SEC1 P-256 ends with 04|X|Y. */
    kt_load(&other, "key_other.der");
    assert_int_equal(b.len, other.len);
    memcpy(b.data + b.len - 64, other.data + other.len - 64, 64);
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    /* A scalar of zero. */
    kt_load(&b, "key_p256.der");
    memset(b.data + 7, 0, 32);
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    kt_load(&b, "key_p256_pkcs8.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_OK);
    kt_load(&b, "key_p256.pem");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    b.data[b.len++] = 0; /* even terminated, PEM is refused */
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    kt_load(&b, "key_p384.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_CURVE_UNSUPPORTED);
    kt_load(&b, "key_p384_pkcs8.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_CURVE_UNSUPPORTED);
    kt_load(&b, "key_rsa.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    kt_load(&b, "pub_p256.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    kt_load(&b, "cert_leaf.der");
    assert_int_equal(kcm_check_private_key(b.data, b.len), KCM_ERR_PRIVKEY_PARSE);
    assert_int_equal(kcm_check_private_key(NULL, 10), KCM_ERR_PRIVKEY_PARSE);
}

static void test_public_keys(void **state)
{
    (void)state;
    static kt_blob_t b;
    kt_load(&b, "pub_p256.der");
    assert_int_equal(kcm_check_public_key(b.data, b.len), KCM_OK);
    for (size_t l = 0; l < b.len; l++)
        assert_int_equal(kcm_check_public_key(b.data, l), KCM_ERR_PUBKEY_PARSE);
    b.data[b.len - 1] ^= 0x01; /* the point leaves the curve */
    assert_int_equal(kcm_check_public_key(b.data, b.len), KCM_ERR_PUBKEY_PARSE);
    kt_load(&b, "pub_p384.der");
    assert_int_equal(kcm_check_public_key(b.data, b.len), KCM_ERR_CURVE_UNSUPPORTED);
    kt_load(&b, "pub_rsa.der");
    assert_int_equal(kcm_check_public_key(b.data, b.len), KCM_ERR_PUBKEY_PARSE);
    kt_load(&b, "key_p256.der");
    assert_int_equal(kcm_check_public_key(b.data, b.len), KCM_ERR_PUBKEY_PARSE);
    assert_int_equal(kcm_check_public_key(NULL, 0), KCM_ERR_PUBKEY_PARSE);
}

static void test_certificates(void **state)
{
    (void)state;
    static kt_blob_t b;
    kt_load(&b, "cert_leaf.der");
    assert_int_equal(kcm_check_certificate(b.data, b.len), KCM_OK);
    for (size_t l = 0; l < b.len; l += 7)
        assert_int_equal(kcm_check_certificate(b.data, l), KCM_ERR_CERT_PARSE);
    b.data[b.len] = 0x00; /* one byte after the certificate */
    assert_int_equal(kcm_check_certificate(b.data, b.len + 1), KCM_ERR_CERT_PARSE);
    kt_load(&b, "cert_leaf.pem");
    assert_int_equal(kcm_check_certificate(b.data, b.len), KCM_ERR_CERT_PARSE);
    kt_load(&b, "key_p256.der");
    assert_int_equal(kcm_check_certificate(b.data, b.len), KCM_ERR_CERT_PARSE);
    assert_int_equal(kcm_check_certificate(NULL, 0), KCM_ERR_CERT_PARSE);
}

static void test_chain_links(void **state)
{
    (void)state;
    static kt_blob_t leaf, inter, root, other;
    kt_load(&leaf, "cert_leaf.der");
    kt_load(&inter, "cert_inter.der");
    kt_load(&root, "cert_root.der");
    kt_load(&other, "cert_other.der");
    assert_int_equal(kcm_check_chain_link(leaf.data, leaf.len, inter.data, inter.len), KCM_OK);
    assert_int_equal(kcm_check_chain_link(inter.data, inter.len, root.data, root.len), KCM_OK);
    assert_int_equal(kcm_check_chain_link(root.data, root.len, root.data, root.len), KCM_OK);
    assert_int_equal(kcm_check_chain_link(leaf.data, leaf.len, root.data, root.len),
                     KCM_ERR_CHAIN_VALIDATION);
    assert_int_equal(kcm_check_chain_link(inter.data, inter.len, other.data, other.len),
                     KCM_ERR_CHAIN_VALIDATION);
    assert_int_equal(kcm_check_chain_link(inter.data, inter.len, leaf.data, leaf.len),
                     KCM_ERR_CHAIN_VALIDATION);
    assert_int_equal(kcm_check_chain_link(leaf.data, leaf.len, inter.data, 10),
                     KCM_ERR_CERT_PARSE);
    /* A changed byte in the signed part of the leaf breaks the link. The subject CN
     * "kcm-device-1" sits inside the TBS; change one of its letters. */
    uint8_t *cn = memmem(leaf.data, leaf.len, "kcm-device-1", 12);
    assert_non_null(cn);
    cn[0] = 'K';
    assert_int_equal(kcm_check_certificate(leaf.data, leaf.len), KCM_OK);
    assert_int_equal(kcm_check_chain_link(leaf.data, leaf.len, inter.data, inter.len),
                     KCM_ERR_CHAIN_VALIDATION);
}

static void test_key_derivation(void **state)
{
    (void)state;
    /* openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:000102...0f
     *   -kdfopt salt:fcc-kcm-salt-v1 -kdfopt info:"kcm record key v1" HKDF */
    static const uint8_t want[32] = {
        0xC8, 0x68, 0xF0, 0x39, 0xC3, 0x51, 0x52, 0x89, 0x95, 0xA1, 0x61, 0xE7, 0xA7, 0x96, 0xF9, 0x6C,
        0xA3, 0x45, 0xE9, 0x3C, 0x11, 0xE2, 0xE2, 0x08, 0xE9, 0x88, 0x80, 0xF1, 0x6A, 0x6F, 0x62, 0xD7};
    uint8_t rot[16], key[32], key2[32];
    for (int i = 0; i < 16; i++)
        rot[i] = (uint8_t)i;
    assert_int_equal(kcm_derive_key(rot, sizeof(rot), key), KCM_OK);
    assert_memory_equal(key, want, 32);
    rot[15] ^= 1;
    assert_int_equal(kcm_derive_key(rot, sizeof(rot), key2), KCM_OK);
    assert_memory_not_equal(key, key2, 32);
    assert_int_equal(kcm_derive_key(NULL, 16, key2), KCM_ERR_CRYPTO);
}

static uint8_t rec[KCM_BUF_SIZE], rec2[KCM_BUF_SIZE], out[KCM_BUF_SIZE];

static void seal_open_case(bool enc, size_t len)
{
    uint32_t seed = 0x1234567u + (uint32_t)len;
    uint8_t key[32], data[600];
    size_t rlen, rlen2;
    kcm_rec_hdr_t h = {enc ? KCM_PRIVATE_KEY : KCM_CERTIFICATE,
                       (uint8_t)(KCM_FLAG_FACTORY | (enc ? KCM_FLAG_ENCRYPTED : 0)),
                       enc ? 0 : 3, enc ? 0 : 2, 0},
                  g;
    assert_true(len <= sizeof(data));
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    memset(key, 0x5a, sizeof(key));
    assert_int_equal(kcm_rec_seal(key, kt_rng, &seed, &h, KT_NAME("item.one"), data, len, rec,
                                  sizeof(rec), &rlen),
                     KCM_OK);
    assert_int_equal(rlen, KCM_REC_HDR + len);
    assert_int_equal(h.len, len);
    memset(out, 0xEE, sizeof(out));
    assert_int_equal(kcm_rec_open(key, rec, rlen, KT_NAME("item.one"), &g, out, sizeof(out)),
                     KCM_OK);
    assert_int_equal(g.len, len);
    assert_int_equal(g.kind, h.kind);
    assert_int_equal(g.flags, h.flags);
    assert_int_equal(g.chain_len, h.chain_len);
    assert_int_equal(g.index, h.index);
    if (len > 0)
        assert_memory_equal(out, data, len);
    if (enc && len >= 16) /* the plaintext is not in the record */
        assert_null(memmem(rec, rlen, data, 16));
    if (!enc && len > 0)
        assert_memory_equal(rec + KCM_REC_HDR, data, len);
    /* Another name, another key, a truncated record: corrupted. */
    assert_int_equal(kcm_rec_open(key, rec, rlen, KT_NAME("item.two"), &g, out, sizeof(out)),
                     KCM_ERR_CORRUPTED);
    if (enc) {
        uint8_t key2[32];
        memset(key2, 0x5b, sizeof(key2));
        assert_int_equal(kcm_rec_open(key2, rec, rlen, KT_NAME("item.one"), &g, out, sizeof(out)),
                         KCM_ERR_CORRUPTED);
        assert_int_equal(kcm_rec_open(NULL, rec, rlen, KT_NAME("item.one"), &g, out, sizeof(out)),
                         KCM_ERR_ROT_MISSING);
    }
    if (rlen > 0)
        assert_int_equal(kcm_rec_open(key, rec, rlen - 1, KT_NAME("item.one"), &g, out, sizeof(out)),
                         KCM_ERR_CORRUPTED);
    if (len > 0)
        assert_int_equal(kcm_rec_open(key, rec, rlen, KT_NAME("item.one"), &g, out, len - 1),
                         KCM_ERR_INSUFFICIENT_BUFFER);
    /* Every single-bit change anywhere in the record is detected. */
    for (size_t i = 0; i < rlen; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(rec2, rec, rlen);
            rec2[i] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(
                kcm_rec_open(key, rec2, rlen, KT_NAME("item.one"), &g, out, sizeof(out)), KCM_OK);
        }
    }
    /* A second seal of the same data takes a fresh nonce. */
    assert_int_equal(kcm_rec_seal(key, kt_rng, &seed, &h, KT_NAME("item.one"), data, len, rec2,
                                  sizeof(rec2), &rlen2),
                     KCM_OK);
    if (enc)
        assert_memory_not_equal(rec + 12, rec2 + 12, KCM_NONCE_LEN);
    else
        assert_memory_equal(rec, rec2, rlen);
}

static void test_seal_open(void **state)
{
    (void)state;
    seal_open_case(true, 0);
    seal_open_case(true, 1);
    seal_open_case(true, 121);
    seal_open_case(false, 0);
    seal_open_case(false, 17);
    seal_open_case(false, 474);
}

static void test_seal_refusals(void **state)
{
    (void)state;
    uint32_t seed = 7;
    uint8_t key[32] = {0}, data[8] = {0};
    size_t rlen;
    kcm_rec_hdr_t h = {KCM_CONFIG, KCM_FLAG_ENCRYPTED, 0, 0, 0};
    assert_int_equal(kcm_rec_seal(key, kt_rng_fail, NULL, &h, KT_NAME("n"), data, 8, rec,
                                  sizeof(rec), &rlen),
                     KCM_ERR_CRYPTO);
    assert_int_equal(kcm_rec_seal(NULL, kt_rng, &seed, &h, KT_NAME("n"), data, 8, rec,
                                  sizeof(rec), &rlen),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_rec_seal(key, kt_rng, &seed, &h, KT_NAME("n"), data, 8, rec,
                                  KCM_REC_HDR + 7, &rlen),
                     KCM_ERR_INVALID_PARAMETER);
    assert_int_equal(kcm_rec_seal(key, kt_rng, &seed, &h, KT_NAME("n"), data, KCM_DATA_MAX + 1,
                                  rec, sizeof(rec), &rlen),
                     KCM_ERR_INVALID_PARAMETER);
    /* A record sealed as factory does not open once the flag is cleared, nor as another type. */
    h.flags |= KCM_FLAG_FACTORY;
    assert_int_equal(kcm_rec_seal(key, kt_rng, &seed, &h, KT_NAME("n"), data, 8, rec,
                                  sizeof(rec), &rlen),
                     KCM_OK);
    kcm_rec_hdr_t g;
    rec[3] &= (uint8_t)~KCM_FLAG_FACTORY;
    assert_int_equal(kcm_rec_open(key, rec, rlen, KT_NAME("n"), &g, out, sizeof(out)),
                     KCM_ERR_CORRUPTED);
    rec[3] |= KCM_FLAG_FACTORY;
    rec[2] = KCM_SYMMETRIC_KEY;
    assert_int_equal(kcm_rec_open(key, rec, rlen, KT_NAME("n"), &g, out, sizeof(out)),
                     KCM_ERR_CORRUPTED);
    /* Unknown flag bits or version: corrupted at the header. */
    rec[2] = KCM_CONFIG;
    rec[3] |= 0x80;
    assert_int_equal(kcm_rec_header(rec, rlen, &g), KCM_ERR_CORRUPTED);
    rec[3] &= 0x7f;
    assert_int_equal(kcm_rec_header(rec, rlen, &g), KCM_OK);
    rec[1] = 2;
    assert_int_equal(kcm_rec_header(rec, rlen, &g), KCM_ERR_CORRUPTED);
}

static void test_engine_key_map(void **state)
{
    (void)state;
    uint8_t kind, index;
    assert_int_equal(kcm_et_cert(0), KCM_CERTIFICATE);
    assert_int_equal(kcm_et_cert(4), 0x14);
    for (unsigned t = KCM_PRIVATE_KEY; t <= KCM_CONFIG; t++) {
        assert_true(kcm_et_is_live((uint8_t)t, &kind, &index));
        assert_int_equal(kind, t);
        assert_int_equal(index, 0);
        assert_true(kcm_et_is_backup((uint8_t)(t | KCM_ET_BACKUP)));
        assert_false(kcm_et_is_backup((uint8_t)t));
    }
    for (unsigned i = 1; i < FCC_CHAIN_MAX; i++) {
        assert_true(kcm_et_is_live(kcm_et_cert(i), &kind, &index));
        assert_int_equal(kind, KCM_CERTIFICATE);
        assert_int_equal(index, i);
        assert_true(kcm_et_is_backup((uint8_t)(kcm_et_cert(i) | KCM_ET_BACKUP)));
    }
    assert_false(kcm_et_is_live(0, &kind, &index));
    assert_false(kcm_et_is_live(6, &kind, &index));
    assert_false(kcm_et_is_live(0x10, &kind, &index));
    assert_false(kcm_et_is_live(0x15, &kind, &index));
    assert_false(kcm_et_is_live(KCM_ET_INTERNAL + KCM_INTERNAL_ROT, &kind, &index));
    assert_false(kcm_et_is_backup(KCM_ET_INTERNAL + KCM_INTERNAL_ROT));
    assert_false(kcm_et_is_backup(0x20));
    assert_false(kcm_et_is_backup(0x35));
    assert_true(kcm_type_confidential(KCM_PRIVATE_KEY));
    assert_true(kcm_type_confidential(KCM_SYMMETRIC_KEY));
    assert_true(kcm_type_confidential(KCM_CONFIG));
    assert_false(kcm_type_confidential(KCM_PUBLIC_KEY));
    assert_false(kcm_type_confidential(KCM_CERTIFICATE));
}

static void test_status_mapping(void **state)
{
    (void)state;
    static const struct {
        kcm_status_t st;
        int fcc;
        const char *msg;
    } want[] = {
        {KCM_OK, 0, ""},
        {KCM_ERR_GENERAL, 15, "General error:"},
        {KCM_ERR_INVALID_PARAMETER, 15, "Invalid parameter:"},
        {KCM_ERR_INSUFFICIENT_BUFFER, 15, "Insufficient buffer:"},
        {KCM_ERR_NOT_FOUND, 25, "Item does not exist:"},
        {KCM_ERR_EXISTS, 17, "Data already exists:"},
        {KCM_ERR_EMPTY, 16, "Item data empty:"},
        {KCM_ERR_NAME_INVALID, 16, "File name invalid:"},
        {KCM_ERR_NAME_TOO_LONG, 16, "File name too long:"},
        {KCM_ERR_PRIVKEY_PARSE, 18, "Private key parse failed:"},
        {KCM_ERR_PUBKEY_PARSE, 18, "Public key parse failed:"},
        {KCM_ERR_CURVE_UNSUPPORTED, 18, "Curve unsupported:"},
        {KCM_ERR_CERT_PARSE, 18, "Certificate parse failed:"},
        {KCM_ERR_CHAIN_VALIDATION, 18, "Chain validation error:"},
        {KCM_ERR_CHAIN_LENGTH, 16,
         "Maximum chain length supported is 5. Chain length of the item is invalid:"},
        {KCM_ERR_CHAIN_INCOMPLETE, 16, "Chain incomplete:"},
        {KCM_ERR_STORAGE, 16, "Storage error:"},
        {KCM_ERR_CORRUPTED, 4, "Internal storage error:"},
        {KCM_ERR_NO_SPACE, 16, "Storage full:"},
        {KCM_ERR_CRYPTO, 18, "KCM crypto error:"},
        {KCM_ERR_NOT_INITIALIZED, 19, "Not initialized:"},
        {KCM_ERR_STATE, 15, "Operation not allowed now:"},
        {KCM_ERR_KEY_MISMATCH, 34, "Certificate public key validation failed:"},
        {KCM_ERR_ROT_MISSING, 7, "Root of trust error:"},
    };
    assert_int_equal(sizeof(want) / sizeof(want[0]), KCM_ERR_MAX_ + 1);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(kcm_to_fcc_status(want[i].st), want[i].fcc);
        assert_string_equal(kcm_status_message(want[i].st), want[i].msg);
    }
    assert_int_equal(kcm_to_fcc_status((kcm_status_t)99), FCC_STATUS_KCM_ERROR);
    assert_int_equal(kcm_to_fcc_status((kcm_status_t)-1), FCC_STATUS_KCM_ERROR);
    assert_string_equal(kcm_status_message((kcm_status_t)99), "General error:");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),          cmocka_unit_test(test_private_keys),
        cmocka_unit_test(test_public_keys),    cmocka_unit_test(test_certificates),
        cmocka_unit_test(test_chain_links),    cmocka_unit_test(test_key_derivation),
        cmocka_unit_test(test_seal_open),      cmocka_unit_test(test_seal_refusals),
        cmocka_unit_test(test_engine_key_map), cmocka_unit_test(test_status_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
