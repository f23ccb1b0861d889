/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the tools' JSON writer: commas, nesting and escaping must give valid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tools/common/json.h"

static char *render(void (*fn)(json_t *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    json_t j;
    json_init(&j, f, false);
    fn(&j);
    fclose(f);
    return buf;
}

static void doc_nested(json_t *j)
{
    json_object_begin(j);
    json_kv_int(j, "status", 28);
    json_kv_string(j, "info", "URI format incorrect:mbed.BootstrapServerURI");
    json_key(j, "warnings");
    json_array_begin(j);
    json_string(j, "a\"b\\c\n");
    json_string_n(j, "\x01\xff", 2);
    json_string(j, "M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x91");  /* valid UTF-8 passes */
    json_string(j, "\xc3(\xc0\xaf\xed\xa0\x80\x7f");  /* invalid, overlong, surrogate, DEL */
    json_array_end(j);
    json_key(j, "empty");
    json_array_begin(j);
    json_array_end(j);
    json_key(j, "o");
    json_object_begin(j);
    json_kv_bool(j, "x", true);
    json_key(j, "n");
    json_null(j);
    json_object_end(j);
    json_object_end(j);
}

static void test_nested(void **state)
{
    (void)state;
    char *s = render(doc_nested);
    assert_string_equal(s, "{\"status\":28,\"info\":\"URI format incorrect:mbed.BootstrapServerURI\","
                           "\"warnings\":[\"a\\\"b\\\\c\\n\",\"\\u0001\\u00ff\","
                           "\"M\xc3\xbcller \xe2\x82\xac \xf0\x9f\x94\x91\","
                           "\"\\u00c3(\\u00c0\\u00af\\u00ed\\u00a0\\u0080\\u007f\"],\"empty\":[],"
                           "\"o\":{\"x\":true,\"n\":null}}");
    free(s);
}

static void doc_array_of_objects(json_t *j)
{
    json_array_begin(j);
    for (int i = 0; i < 2; i++) {
        json_object_begin(j);
        json_kv_int(j, "i", i);
        json_object_end(j);
    }
    json_array_end(j);
}

static void test_array_of_objects(void **state)
{
    (void)state;
    char *s = render(doc_array_of_objects);
    assert_string_equal(s, "[{\"i\":0},{\"i\":1}]");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_array_of_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
