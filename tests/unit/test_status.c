/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the status table and the output info: the numbers and prefixes are a wire
 * contract, so every one is pinned here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fcc/fcc.h"
#include "../../lib/fcc/fcc_internal.h"

static void test_prefixes(void **state)
{
    (void)state;
    static const struct { int code; const char *prefix; } want[] = {
        {1, "General error:"}, {4, "Internal storage error:"}, {6, "CA error:"},
        {7, "Root of trust error:"}, {8, "Entropy error:"}, {9, "Factory disabled error:"},
        {10, "Certificate invalid:"}, {12, "Validation of CA certificate failed:"},
        {13, "Certificate expired:"}, {14, "Certificate CN attribute invalid:"},
        {18, "KCM crypto error:"}, {25, "Item does not exist:"}, {26, "Item empty:"},
        {27, "Item size is wrong:"}, {28, "URI format incorrect:"},
        {29, "first to claim not allowed:"}, {30, "Bootstrap mode value incorrect:"},
        {33, "UTC offset incorrect:"}, {34, "Certificate public key validation failed:"},
        {36, "Too many CSR requests. Maximum CSR requests supported is 5"},
        {37, "General error:"}, {99, "General error:"}, {-1, "General error:"},
        /* the rest of the table: every number is pinned (status.c shares texts with KCM's) */
        {0, ""}, {2, "General error:"}, {3, "General error:"}, {5, "General error:"},
        {11, "General error:"}, {15, "General error:"}, {16, "General error:"},
        {17, "General error:"}, {19, "General error:"}, {20, "General error:"},
        {21, "General error:"}, {22, "General error:"}, {23, "General error:"},
        {24, "General error:"}, {31, "General error:"}, {32, "General error:"},
        {35, "General error:"}, {38, "General error:"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_string_equal(fcc_status_prefix(want[i].code), want[i].prefix);
    assert_int_equal(FCC_STATUS_NOT_SUPPORTED, 37);
    assert_int_equal(FCC_STATUS_TOO_MANY_CSR_REQUESTS, 36);
    assert_string_equal(fcc_status_name(28), "FCC_STATUS_URI_WRONG_FORMAT");
    assert_string_equal(fcc_status_name(38), "FCC_STATUS_UNKNOWN");
}

static void test_first_error_wins_and_warnings_accumulate(void **state)
{
    (void)state;
    static fcc_t fcc;
    memset(&fcc, 0, sizeof(fcc));
    fcc_out_reset(&fcc);
    fcc_out_warning(&fcc, 0, FCC_WARN_ITEM_NOT_SET, "mbed.Timezone", 13);
    assert_int_equal(fcc_out_status(&fcc, 28, "mbed.BootstrapServerURI", 23), 28);
    assert_int_equal(fcc_out_status(&fcc, 25, "mbed.EndpointName", 17), 28);
    const fcc_output_t *o = fcc_get_output_info(&fcc);
    char msg[160];
    assert_int_equal(o->status, 28);
    assert_int_equal(fcc_finding_message(&o->error, msg, sizeof(msg)),
                     strlen("URI format incorrect:mbed.BootstrapServerURI"));
    assert_string_equal(msg, "URI format incorrect:mbed.BootstrapServerURI");
    assert_int_equal(o->warning_count, 1);
    fcc_finding_message(&o->warnings[0], msg, sizeof(msg));
    assert_string_equal(msg, "Item not set:mbed.Timezone");
    /* Truncation keeps a terminated prefix of the message and reports the full length. */
    assert_int_equal(fcc_finding_message(&o->warnings[0], msg, 5), 26);
    assert_string_equal(msg, "Item");
}

static void test_warning_overflow_is_counted(void **state)
{
    (void)state;
    static fcc_t fcc;
    fcc_out_reset(&fcc);
    for (int i = 0; i < FCC_FINDINGS_MAX + 3; i++)
        fcc_out_warning(&fcc, 0, FCC_WARN_ITEM_REDUNDANT, "x", 1);
    assert_int_equal(fcc.out.warning_count, FCC_FINDINGS_MAX);
    assert_int_equal(fcc.out.dropped, 3);
}

static void test_long_item_is_cut(void **state)
{
    (void)state;
    static fcc_t fcc;
    char name[300];
    memset(name, 'a', sizeof(name));
    fcc_out_reset(&fcc);
    fcc_out_status(&fcc, 25, name, sizeof(name));
    assert_int_equal(strlen(fcc.out.error.item), FCC_NAME_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_first_error_wins_and_warnings_accumulate),
        cmocka_unit_test(test_warning_overflow_is_counted),
        cmocka_unit_test(test_long_item_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
