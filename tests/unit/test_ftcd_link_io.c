/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of tools/common/link_io: HOST:PORT parsing, a loopback TCP exchange with read
 * deadlines and end of stream, and a pty opened in raw mode at a given baud rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "link_io.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

static void test_parse_hostport(void **state)
{
    (void)state;
    char h[64], p[8];
    assert_int_equal(link_parse_hostport("127.0.0.1:0", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "127.0.0.1");
    assert_string_equal(p, "0");
    assert_int_equal(link_parse_hostport("[::1]:7777", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "::1");
    assert_string_equal(p, "7777");
    assert_int_equal(link_parse_hostport("::1:65535", h, sizeof(h), p, sizeof(p)), 0);
    assert_string_equal(h, "::1");
    assert_string_equal(p, "65535");
    static const char *const bad[] = {"host", "host:", ":80", "[]:80", "h:65536", "h:12a",
                                      "h:-1", "h:123456"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(link_parse_hostport(bad[i], h, sizeof(h), p, sizeof(p)), LINK_ERR);
    char tiny[4];
    assert_int_equal(link_parse_hostport("localhost:1", tiny, sizeof(tiny), p, sizeof(p)),
                     LINK_ERR);
}

static void test_tcp_loopback(void **state)
{
    (void)state;
    char bound[64], host[64], port[8], peer[64];
    int l = link_tcp_listen("127.0.0.1", "0", bound, sizeof(bound));
    assert_true(l >= 0);
    assert_int_equal(strncmp(bound, "127.0.0.1:", 10), 0);
    assert_string_not_equal(bound, "127.0.0.1:0");
    assert_int_equal(link_parse_hostport(bound, host, sizeof(host), port, sizeof(port)), 0);
    assert_int_equal(link_tcp_accept(l, 50, peer, sizeof(peer)), LINK_TIMEOUT);
    int c = link_tcp_connect(host, port, 2000);
    assert_true(c >= 0);
    int s = link_tcp_accept(l, 2000, peer, sizeof(peer));
    assert_true(s >= 0);
    assert_int_equal(strncmp(peer, "127.0.0.1:", 10), 0);

    char buf[16];
    assert_int_equal(link_read(s, buf, sizeof(buf), 50), LINK_TIMEOUT);
    struct iovec v[3] = {{.iov_base = "ab", .iov_len = 2}, {.iov_base = "", .iov_len = 0},
                         {.iov_base = "cde", .iov_len = 3}};
    assert_int_equal(link_writev_all(c, v, 3, 1000), 0);
    size_t got = 0;
    while (got < 5) {
        long n = link_read(s, buf + got, sizeof(buf) - got, 2000);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, "abcde", 5);
    close(c);
    assert_int_equal(link_read(s, buf, sizeof(buf), 2000), 0); /* end of stream */
    /* Writing to a peer that is gone fails without SIGPIPE killing us. */
    int r = 0;
    for (int i = 0; i < 20 && r == 0; i++)
        r = link_write_all(s, "xxxxxxxx", 8, 1000);
    assert_int_equal(r, LINK_ERR);
    close(s);
    close(l);
    assert_true(link_tcp_connect("127.0.0.1", port, 1000) < 0); /* nobody listens now */
}

static void test_serial_raw(void **state)
{
    (void)state;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char path[128];
    assert_int_equal(ptsname_r(m, path, sizeof(path)), 0);
    assert_false(link_baud_valid(12345));
    assert_true(link_baud_valid(115200));
    assert_int_equal(link_serial_open(path, 12345), LINK_ERR);
    int s = link_serial_open(path, 57600);
    assert_true(s >= 0);
    struct termios t;
    assert_int_equal(tcgetattr(s, &t), 0);
    assert_int_equal(t.c_lflag & (ECHO | ICANON | ISIG), 0);
    assert_int_equal(t.c_iflag & (ICRNL | IXON), 0);
    assert_int_equal(t.c_oflag & OPOST, 0);
    assert_int_equal(cfgetospeed(&t), B57600);
    /* Raw: a CR and a ^C pass through unchanged, and nothing is echoed back. */
    assert_int_equal(link_write_all(m, "\r\x03\n", 3, 1000), 0);
    char buf[8];
    size_t got = 0;
    while (got < 3) {
        long n = link_read(s, buf + got, sizeof(buf) - got, 2000);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, "\r\x03\n", 3);
    assert_int_equal(link_read(m, buf, sizeof(buf), 100), LINK_TIMEOUT);
    close(m);
    assert_int_equal(link_read(s, buf, sizeof(buf), 2000), 0); /* hang-up reads as the end */
    close(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL); /* the writer must not need SIGPIPE ignored */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_hostport),
        cmocka_unit_test(test_tcp_loopback),
        cmocka_unit_test(test_serial_raw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
