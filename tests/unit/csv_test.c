/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of the `fcu batch` device-list reader (tools/fcu/lib/csv.c): quoting, header, comments,
 * relative device-keys folders, and every refused row with its line number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/fcu/lib/csv.h"

static char g_dir[64];

static const char *write_csv(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof(path), "%s/%s", g_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_split(void **state)
{
    (void)state;
    char line[] = " a , \"b,c\" ,\"say \"\"hi\"\"\",, d";
    char *f[8];
    assert_int_equal(csv_split(line, f, 8), 5);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,c");
    assert_string_equal(f[2], "say \"hi\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "d");
    char bad[] = "a,\"open";
    assert_int_equal(csv_split(bad, f, 8), -1);
    char after[] = "\"x\"y,z";
    assert_int_equal(csv_split(after, f, 8), -1);
    char many[] = "1,2,3";
    assert_int_equal(csv_split(many, f, 2), -1);
}

static void test_load(void **state)
{
    (void)state;
    const char *p = write_csv("ok.csv", "# factory line 3\n"
                                        "endpoint_name,serial_number,address,device_keys\n"
                                        "\n"
                                        "ep-1,SN-1,tcp:127.0.0.1:7001\r\n"
                                        "ep-2,SN-2,serial:/dev/ttyUSB0@9600,keys/ep-2\n"
                                        "\"ep,3\",SN-3,tcp:[::1]:7003,/abs/keys\n");
    csv_devices_t d;
    char err[256];
    assert_int_equal(csv_devices_load(p, &d, err, sizeof(err)), 0);
    assert_int_equal(d.n, 3);
    assert_string_equal(d.v[0].endpoint_name, "ep-1");
    assert_string_equal(d.v[0].address, "tcp:127.0.0.1:7001");
    assert_null(d.v[0].device_keys);
    assert_int_equal(d.v[0].line, 4);
    char want[128];
    snprintf(want, sizeof(want), "%s/keys/ep-2", g_dir);
    assert_string_equal(d.v[1].device_keys, want);
    assert_string_equal(d.v[2].endpoint_name, "ep,3");
    assert_string_equal(d.v[2].device_keys, "/abs/keys");
    csv_devices_free(&d);
    assert_int_equal(d.n, 0);
}

static void expect_error(const char *text, const char *needle)
{
    csv_devices_t d;
    char err[256] = "";
    const char *p = write_csv("bad.csv", text);
    assert_int_equal(csv_devices_load(p, &d, err, sizeof(err)), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' lacks '%s'", err, needle);
    assert_null(d.v);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("ep-1,SN-1\n", "bad.csv:1: expected 3 or 4 fields");
    expect_error("ep-1,SN-1,tcp:1.2.3.4:5,k,extra\n", ":1: expected 3 or 4 fields");
    expect_error("ep-1,SN-1,tcp:1.2.3.4:5\n,SN-2,tcp:1.2.3.4:6\n", ":2: empty endpoint name");
    expect_error("ep-1,,tcp:1.2.3.4:5\n", ":1: empty serial number");
    expect_error("ep-1,SN-1,\n", ":1: empty address");
    expect_error("ep-1,SN-1,tcp:a:1\nep-2,SN-2,tcp:a:2\nep-1,SN-3,tcp:a:3\n",
                 ":3: endpoint name 'ep-1' already listed on line 1");
    expect_error("ep-1,SN-1,tcp:a:1\nep-2,SN-1,tcp:a:2\n",
                 ":2: serial number 'SN-1' already listed on line 1");
    expect_error("ep-1,\"SN-1,tcp:a:1\n", ":1: malformed row");
    expect_error("# only a comment\n", "no devices listed");
    csv_devices_t d;
    char err[256];
    assert_int_equal(csv_devices_load("/nonexistent/devices.csv", &d, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    snprintf(g_dir, sizeof(g_dir), "/tmp/csv-test-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char path[128];
    snprintf(path, sizeof(path), "%s/ok.csv", g_dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/bad.csv", g_dir);
    unlink(path);
    rmdir(g_dir);
    return rc;
}
