/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the verification's pure helpers (lib/fcc/uri.c, verify_cert.c): URI scheme and
 * query parsing, the UTC offset format, and every certificate check on the DER files of
 * tests/data/verify (made by scripts/gen-verify-vectors.sh with fixed dates around the device
 * time 2030-01-01T00:00:00Z). The KCM-driven sequence is tested by the vectors runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>

#include "../../lib/fcc/verify.h"
#include "fcc_psa.h"

#define T_DEVICE 1893456000 /* 2030-01-01T00:00:00Z */
#define DATA FCC_SOURCE_DIR "/tests/data/verify/"

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static size_t read_file(const char *name, uint8_t *buf, size_t size)
{
    char path[512];
    FILE *f;
    size_t n;
    snprintf(path, sizeof(path), DATA "%s", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, size, f);
    fclose(f);
    assert_true(n > 0 && n < size);
    return n;
}

static void load_crt(mbedtls_x509_crt *crt, const char *name)
{
    uint8_t buf[4096];
    size_t n = read_file(name, buf, sizeof(buf));
    mbedtls_x509_crt_init(crt);
    assert_int_equal(mbedtls_x509_crt_parse_der(crt, buf, n), 0);
}

static void test_uri_scheme(void **state)
{
    (void)state;
    static const struct { const char *uri; bool ok; } cases[] = {
        {"coap://bootstrap.example.com:5683?aid=1", true},
        {"coaps://bootstrap.example.com:5684?aid=1", true},
        {"coaps://", true},
        {"COAPS://bootstrap.example.com?aid=1", false},
        {"Coap://bootstrap.example.com?aid=1", false},
        {"http://bootstrap.example.com?aid=1", false},
        {"coap:/bootstrap.example.com", false},
        {"coaps:", false},
        {" coaps://x", false},
        {"", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(fcc_uri_scheme_ok(u8(cases[i].uri), strlen(cases[i].uri)), cases[i].ok);
    /* The length bounds the check: a cut-off prefix is not a scheme. */
    assert_false(fcc_uri_scheme_ok(u8("coaps://x"), 6));
    assert_false(fcc_uri_scheme_ok(NULL, 0));
}

static void test_uri_query(void **state)
{
    (void)state;
    static const struct { const char *uri; int found; const char *val; } cases[] = {
        {"coaps://h:5684?aid=abc", 1, "abc"},
        {"coaps://h:5684/path?aid=abc", 1, "abc"},
        {"coaps://h?aid=abc&iep=x", 1, "abc"},          /* first among several */
        {"coaps://h?x=1&aid=abc&y=2", 1, "abc"},        /* in the middle */
        {"coaps://h?x=1&y=2&aid=abc", 1, "abc"},        /* last */
        {"coaps://h?aid=", 1, ""},                      /* empty value */
        {"coaps://h?x=1&aid", 1, ""},                   /* no '=' */
        {"coaps://h?aid=abc#frag", 1, "abc"},           /* fragment ends the query */
        {"coaps://h?aid=1#&aid=2", 1, "1"},             /* '&aid' inside the fragment */
        {"coaps://h?maid=1", 0, NULL},                  /* longer key */
        {"coaps://h?aidx=1", 0, NULL},
        {"coaps://h?x=aid=1", 0, NULL},                 /* 'aid=' inside a value */
        {"coaps://h?x=1&AID=2", 0, NULL},               /* keys are case-sensitive */
        {"coaps://h/aid=1", 0, NULL},                   /* no query at all */
        {"coaps://h/p&aid=1", 0, NULL},                 /* '&aid=' in the path, no '?' */
        {"coaps://h#?aid=1", 0, NULL},                  /* '?' inside the fragment */
        {"coaps://h?", 0, NULL},
        {"coaps://h?aid=1&aid=2", -1, NULL},            /* ambiguous */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const uint8_t *val = NULL;
        size_t len = 99;
        int r = fcc_uri_query_param(u8(cases[i].uri), strlen(cases[i].uri), "aid", &val, &len);
        if (r != cases[i].found)
            fail_msg("%s: got %d want %d", cases[i].uri, r, cases[i].found);
        if (r == 1) {
            assert_int_equal(len, strlen(cases[i].val));
            assert_memory_equal(val, cases[i].val, len);
        }
    }
    /* The length bounds the parse: bytes past it are not part of the URI. */
    assert_int_equal(fcc_uri_query_param(u8("coaps://h?aid=1"), 10, "aid", NULL, NULL), 0);
    {
        const uint8_t *val = NULL;
        size_t len = 0;
        assert_int_equal(fcc_uri_query_param(u8("coaps://h?aid=12345"), 16, "aid", &val, &len), 1);
        assert_int_equal(len, 2);
    }
}

static void test_utc_offset(void **state)
{
    (void)state;
    static const struct { const char *s; bool fmt; bool range; } cases[] = {
        {"+05:30", true, true},   {"-12:00", true, true},   {"+14:00", true, true},
        {"+00:00", true, true},   {"-00:00", true, true},   {"+14:01", true, false},
        {"-12:30", true, false},  {"+05:60", true, false},  {"+99:99", true, false},
        {"+5:30", false, false},  {"05:30", false, false},  {"+05-30", false, false},
        {"+05:3a", false, false}, {"+05:300", false, false}, {"+0530", false, false},
        {"", false, false},       {"+05:3", false, false},  {"~05:30", false, false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = strlen(cases[i].s);
        if (fcc_utc_offset_ok(u8(cases[i].s), n, false) != cases[i].fmt)
            fail_msg("format %s", cases[i].s);
        if (fcc_utc_offset_ok(u8(cases[i].s), n, true) != cases[i].range)
            fail_msg("range %s", cases[i].s);
    }
}

static void test_time_to_epoch(void **state)
{
    (void)state;
    mbedtls_x509_time t = {1970, 1, 1, 0, 0, 0};
    assert_int_equal(fcc_x509_time_to_epoch(&t), 0);
    t = (mbedtls_x509_time){2000, 3, 1, 0, 0, 0};
    assert_int_equal(fcc_x509_time_to_epoch(&t), 951868800);
    t = (mbedtls_x509_time){2030, 1, 1, 0, 0, 0};
    assert_int_equal(fcc_x509_time_to_epoch(&t), T_DEVICE);
    t = (mbedtls_x509_time){2029, 12, 31, 23, 59, 59};
    assert_int_equal(fcc_x509_time_to_epoch(&t), T_DEVICE - 1);

    mbedtls_x509_crt crt;
    load_crt(&crt, "leaf.der");
    assert_int_equal(fcc_x509_time_to_epoch(&crt.valid_from), 1874966400); /* 2029-06-01 */
    assert_int_equal(fcc_x509_time_to_epoch(&crt.valid_to), 2840140800);   /* 2060-01-01 */
    mbedtls_x509_crt_free(&crt);
}

static void test_cert_dates(void **state)
{
    (void)state;
    static const struct { const char *file; unsigned want; } cases[] = {
        {"leaf.der", 0},
        {"leaf_expired.der", FCC_DATE_EXPIRED},
        {"leaf_notyet.der", FCC_DATE_NOT_YET_VALID},
        {"leaf_skew.der", 0},
        {"leaf_skew_out.der", FCC_DATE_NOT_YET_VALID},
        {"leaf_9y.der", FCC_DATE_LESS_10Y},
        {"update_expired.der", FCC_DATE_EXPIRED},
        {"update_9y.der", FCC_DATE_LESS_10Y},
        {"root.der", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mbedtls_x509_crt crt;
        load_crt(&crt, cases[i].file);
        if (fcc_cert_dates(&crt, T_DEVICE) != cases[i].want)
            fail_msg("%s: got %u want %u", cases[i].file, fcc_cert_dates(&crt, T_DEVICE),
                     cases[i].want);
        assert_int_equal(fcc_cert_dates(&crt, 0), FCC_DATE_TIME_UNKNOWN);
        mbedtls_x509_crt_free(&crt);
    }

    /* Boundaries on leaf.der (valid 2029-06-01 .. 2060-01-01). */
    mbedtls_x509_crt crt;
    load_crt(&crt, "leaf.der");
    int64_t from = fcc_x509_time_to_epoch(&crt.valid_from);
    int64_t to = fcc_x509_time_to_epoch(&crt.valid_to);
    assert_int_equal(fcc_cert_dates(&crt, to - FCC_VERIFY_TEN_YEARS), 0);
    assert_int_equal(fcc_cert_dates(&crt, to - FCC_VERIFY_TEN_YEARS + 1), FCC_DATE_LESS_10Y);
    assert_int_equal(fcc_cert_dates(&crt, to), FCC_DATE_LESS_10Y);
    assert_int_equal(fcc_cert_dates(&crt, to + 1), FCC_DATE_EXPIRED);
    assert_int_equal(fcc_cert_dates(&crt, from - 60), 0);
    assert_int_equal(fcc_cert_dates(&crt, from - 61), FCC_DATE_NOT_YET_VALID);
    mbedtls_x509_crt_free(&crt);
}

static void test_cert_eku(void **state)
{
    (void)state;
    static const struct { const char *file; fcc_eku_t want; } cases[] = {
        {"leaf.der", FCC_EKU_CLIENT_AUTH},
        {"leaf_noeku.der", FCC_EKU_ABSENT},
        {"leaf_anyeku.der", FCC_EKU_ANY},
        {"leaf_servereku.der", FCC_EKU_OTHER},
        {"root.der", FCC_EKU_ABSENT},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mbedtls_x509_crt crt;
        load_crt(&crt, cases[i].file);
        if (fcc_cert_eku(&crt) != cases[i].want)
            fail_msg("%s", cases[i].file);
        mbedtls_x509_crt_free(&crt);
    }
}

static void expect_attr(const char *file, const char *oid, size_t oid_len, const char *want)
{
    mbedtls_x509_crt crt;
    const uint8_t *val = NULL;
    size_t len = 0;
    load_crt(&crt, file);
    if (want == NULL) {
        assert_int_equal(fcc_cert_subject_attr(&crt, oid, oid_len, &val, &len), -1);
    } else {
        assert_int_equal(fcc_cert_subject_attr(&crt, oid, oid_len, &val, &len), 0);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(val, want, len);
    }
    mbedtls_x509_crt_free(&crt);
}

static void test_subject_attrs(void **state)
{
    (void)state;
#define CN MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN)
#define OU MBEDTLS_OID_AT_ORG_UNIT, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT)
    expect_attr("leaf.der", CN, "ep-1");
    expect_attr("leaf.der", OU, "acc0123");
    expect_attr("leaf_cn_bad.der", CN, "ep-10");
    expect_attr("leaf_no_cn.der", CN, NULL);
    expect_attr("leaf_no_cn.der", OU, "acc0123");
    expect_attr("leaf_ou_bad.der", OU, "acc0124");
    expect_attr("leaf_no_ou.der", OU, NULL);
    expect_attr("leaf_no_ou.der", CN, "ep-1");
#undef CN
#undef OU
}

static void test_key_type(void **state)
{
    (void)state;
    static const struct { const char *file; bool p256; } cases[] = {
        {"leaf.der", true}, {"leaf_p384.der", false}, {"leaf_rsa.der", false}, {"root.der", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mbedtls_x509_crt crt;
        load_crt(&crt, cases[i].file);
        assert_int_equal(fcc_cert_key_is_p256(&crt), cases[i].p256);
        mbedtls_x509_crt_free(&crt);
    }
}

static void test_signatures(void **state)
{
    (void)state;
    static const struct { const char *child, *parent; int want; bool self; } cases[] = {
        {"leaf.der", "int.der", 0, false},
        {"int.der", "root.der", 0, false},
        {"leaf_badsig.der", "int.der", -1, false},  /* one byte of the signature flipped */
        {"leaf.der", "int_other.der", -1, false},   /* same issuer name, other key */
        {"leaf.der", "root.der", -1, false},        /* skips a level */
        {"leaf_rsa.der", "int.der", 0, false},      /* RSA subject key, EC signature */
        {"c5.der", "c4.der", 0, false},
        {"c1.der", "root.der", 0, false},
        {"leaf_self.der", "leaf_self.der", 0, true},
        {"root.der", "root.der", 0, true},
        {"server_ca.der", "server_ca.der", 0, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mbedtls_x509_crt child, parent;
        load_crt(&child, cases[i].child);
        load_crt(&parent, cases[i].parent);
        if (fcc_cert_signed_by(&child, &parent) != cases[i].want)
            fail_msg("%s by %s", cases[i].child, cases[i].parent);
        assert_int_equal(fcc_cert_self_signed(&child), cases[i].self);
        mbedtls_x509_crt_free(&child);
        mbedtls_x509_crt_free(&parent);
    }
}

static void test_key_match(void **state)
{
    (void)state;
    static const struct { const char *cert, *key; int want; } cases[] = {
        {"leaf.der", "key_leaf.der", 0},
        {"leaf_self.der", "key_leaf.der", 0},
        {"leaf_otherkey.der", "key_leaf.der", -1},
        {"leaf_otherkey.der", "key_other.der", 0},
        {"leaf_p384.der", "key_leaf.der", -1},
        {"leaf_p384.der", "key_p384.der", 0},
        {"leaf_rsa.der", "key_leaf.der", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mbedtls_x509_crt crt;
        mbedtls_pk_context key;
        uint8_t buf[4096];
        size_t n = read_file(cases[i].key, buf, sizeof(buf));
        load_crt(&crt, cases[i].cert);
        mbedtls_pk_init(&key);
        assert_int_equal(fcc_psa_ready(), 0);
        assert_int_equal(mbedtls_pk_parse_key(&key, buf, n, NULL, 0, fcc_psa_rng, FCC_PSA_RNG_CTX), 0);
        if (fcc_cert_matches_key(&crt, &key) != cases[i].want)
            fail_msg("%s with %s", cases[i].cert, cases[i].key);
        mbedtls_pk_free(&key);
        mbedtls_x509_crt_free(&crt);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_scheme),     cmocka_unit_test(test_uri_query),
        cmocka_unit_test(test_utc_offset),     cmocka_unit_test(test_time_to_epoch),
        cmocka_unit_test(test_cert_dates),     cmocka_unit_test(test_cert_eku),
        cmocka_unit_test(test_subject_attrs),  cmocka_unit_test(test_key_type),
        cmocka_unit_test(test_signatures),     cmocka_unit_test(test_key_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
