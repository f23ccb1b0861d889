/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of fcu's link client (tools/fcu/lib/link.c) without a device program: address parsing, and
 * link_exchange over a socket pair whose other end is a scripted "device" thread that checks the
 * request frame and answers byte by byte, after garbage, with a failed status, with a broken
 * digest, half a frame, or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../tools/fcu/lib/link.h"
#include "fcc/ftcd.h"

static void test_addr_parse(void **state)
{
    (void)state;
    link_addr_t a;
    char err[256], buf[600];
    assert_int_equal(link_addr_parse("tcp:127.0.0.1:7001", &a, err, sizeof(err)), 0);
    assert_int_equal(a.kind, LINK_TCP);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 7001);
    link_addr_format(&a, buf, sizeof(buf));
    assert_string_equal(buf, "tcp:127.0.0.1:7001");
    assert_int_equal(link_addr_parse("tcp:[::1]:7777", &a, err, sizeof(err)), 0);
    assert_string_equal(a.host, "::1");
    link_addr_format(&a, buf, sizeof(buf));
    assert_string_equal(buf, "tcp:[::1]:7777");
    assert_int_equal(link_addr_parse("tcp:localhost:1", &a, err, sizeof(err)), 0);
    assert_int_equal(link_addr_parse("serial:/dev/ttyUSB0", &a, err, sizeof(err)), 0);
    assert_int_equal(a.kind, LINK_SERIAL);
    assert_string_equal(a.path, "/dev/ttyUSB0");
    assert_int_equal(a.baud, 0);
    link_addr_format(&a, buf, sizeof(buf));
    assert_string_equal(buf, "serial:/dev/ttyUSB0@115200");
    assert_int_equal(link_addr_parse("serial:/dev/ttyS1@9600", &a, err, sizeof(err)), 0);
    assert_int_equal(a.baud, 9600);

    const char *bad[] = {"tcp:127.0.0.1",  "tcp:127.0.0.1:0", "tcp:127.0.0.1:65536",
                         "tcp::80",        "tcp:[::1]7777",   "tcp:h:12x",
                         "serial:",        "serial:/dev/x@", "serial:/dev/x@fast",
                         "udp:1.2.3.4:5", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        if (link_addr_parse(bad[i], &a, err, sizeof(err)) != -1)
            fail_msg("'%s' accepted", bad[i]);
        assert_non_null(strstr(err, "bad address"));
    }
}

/* ---- a scripted device at the other end of a socket pair ---- */
enum script {
    S_BYTE_BY_BYTE, /* garbage and a partial token first, then the response one byte a write */
    S_STATUS,       /* a failed frame with status 10 */
    S_BAD_DIGEST,   /* the response's digest is wrong */
    S_HALF,         /* half the response, then close */
    S_SILENT,       /* read the request, say nothing */
    S_CLOSE,        /* close without answering */
};

struct dev {
    int fd;
    enum script script;
    uint8_t got[4096];
    size_t got_len;
    bool request_ok;
};

static const uint8_t RESPONSE[] = {0xa1, 0x62, 'o', 'k', 0x01};

static void *device(void *arg)
{
    struct dev *d = arg;
    static uint8_t buf[8192];
    ftcd_decoder_t dec;
    uint8_t chunk[512];
    ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, buf, sizeof(buf), sizeof(buf));
    for (;;) {
        ssize_t n = read(d->fd, chunk, sizeof(chunk));
        if (n <= 0)
            goto out;
        size_t used = 0;
        ftcd_event_t ev = ftcd_decoder_feed(&dec, chunk, (size_t)n, &used);
        if (ev == FTCD_EVENT_FRAME) {
            size_t plen = 0;
            const uint8_t *p = ftcd_decoder_payload(&dec, &plen);
            memcpy(d->got, p, plen);
            d->got_len = plen;
            d->request_ok = true;
            break;
        }
        if (ev == FTCD_EVENT_ERROR)
            goto out;
    }
    uint8_t frame[256];
    size_t flen = 0;
    ftcd_encode_response(RESPONSE, sizeof(RESPONSE), frame, sizeof(frame), &flen);
    switch (d->script) {
    case S_BYTE_BY_BYTE: {
        /* Partial tokens, the last one running straight into the real token. */
        static const uint8_t junk[] = "noise mbedpro mmbedpr";
        if (write(d->fd, junk, sizeof(junk) - 1) < 0)
            goto out;
        for (size_t i = 0; i < flen; i++) {
            if (write(d->fd, frame + i, 1) != 1)
                goto out;
            usleep(200);
        }
        break;
    }
    case S_STATUS: {
        uint8_t f[FTCD_FAILURE_SIZE];
        ftcd_encode_failure(10, f);
        if (write(d->fd, f, sizeof(f)) < 0)
            goto out;
        break;
    }
    case S_BAD_DIGEST:
        frame[flen - 1] ^= 0x80;
        if (write(d->fd, frame, flen) < 0)
            goto out;
        break;
    case S_HALF:
        if (write(d->fd, frame, flen / 2) < 0)
            goto out;
        break;
    case S_SILENT:
        usleep(600000);
        break;
    case S_CLOSE:
        break;
    }
out:
    shutdown(d->fd, SHUT_RDWR);
    return NULL;
}

/* Runs one exchange against `script`; returns the link result. */
static int exchange(enum script script, int timeout_ms, uint8_t **resp, size_t *rlen, int *ts,
                    struct dev *d, char *err, size_t errlen)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    memset(d, 0, sizeof(*d));
    d->fd = sv[1];
    d->script = script;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, device, d), 0);
    link_t l = {.fd = sv[0]};
    l.addr.kind = LINK_TCP;
    static const uint8_t bundle[] = {0xa1, 0x6d, 'S', 'c', 'h', 'e', 'm', 'e', 'V', 'e',
                                     'r', 's', 'i', 'o', 'n', 0x65, '0', '.', '0', '.', '1'};
    link_timing_t tm = {0};
    int rc = link_exchange(&l, bundle, sizeof(bundle), timeout_ms, resp, rlen, ts, &tm, err,
                           errlen);
    link_close(&l);
    pthread_join(th, NULL);
    close(sv[1]);
    if (d->request_ok) {
        assert_int_equal(d->got_len, sizeof(bundle));
        assert_memory_equal(d->got, bundle, sizeof(bundle));
    }
    return rc;
}

static void test_exchange(void **state)
{
    (void)state;
    uint8_t *resp = NULL;
    size_t rlen = 0;
    int ts = -2;
    struct dev d;
    char err[512];

    assert_int_equal(exchange(S_BYTE_BY_BYTE, 5000, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_OK);
    assert_true(d.request_ok);
    assert_int_equal(ts, 0);
    assert_int_equal(rlen, sizeof(RESPONSE));
    assert_memory_equal(resp, RESPONSE, sizeof(RESPONSE));
    free(resp);

    resp = NULL;
    assert_int_equal(exchange(S_STATUS, 5000, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_E_STATUS);
    assert_int_equal(ts, 10);
    assert_null(resp);
    assert_non_null(strstr(err, "status 10"));

    assert_int_equal(exchange(S_BAD_DIGEST, 5000, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_E_FRAME);
    assert_int_equal(ts, FTCD_STATUS_DIGEST_MISMATCH);
    assert_null(resp);

    assert_int_equal(exchange(S_HALF, 5000, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_E_CLOSED);
    assert_int_equal(ts, FTCD_STATUS_READ_DIGEST); /* 26 of 53 bytes: cut inside the digest */
    assert_non_null(strstr(err, "middle of the response frame"));

    assert_int_equal(exchange(S_CLOSE, 5000, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_E_CLOSED);
    assert_int_equal(ts, -1);
    assert_non_null(strstr(err, "without answering"));

    assert_int_equal(exchange(S_SILENT, 200, &resp, &rlen, &ts, &d, err, sizeof(err)),
                     LINK_E_TIMEOUT);
    assert_int_equal(ts, -1);
    assert_non_null(strstr(err, "no response within 200 ms"));
}

static void test_connect_refused(void **state)
{
    (void)state;
    /* A port just released: nothing listens there. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr sa;
    socklen_t sl = sizeof(sa);
    link_addr_t a;
    char err[256], text[64];
    link_t l;
    double secs = -1;
    assert_true(s >= 0);
    assert_int_equal(link_addr_parse("tcp:127.0.0.1:1", &a, err, sizeof(err)), 0);
    struct sockaddr_in in = {.sin_family = AF_INET};
    in.sin_addr.s_addr = htonl(0x7f000001);
    assert_int_equal(bind(s, (struct sockaddr *)&in, sizeof(in)), 0);
    assert_int_equal(getsockname(s, &sa, &sl), 0);
    snprintf(text, sizeof(text), "tcp:127.0.0.1:%u", ntohs(((struct sockaddr_in *)&sa)->sin_port));
    close(s);
    assert_int_equal(link_addr_parse(text, &a, err, sizeof(err)), 0);
    assert_int_equal(link_open(&l, &a, 2000, &secs, err, sizeof(err)), LINK_E_CONNECT);
    assert_int_equal(l.fd, -1);
    assert_non_null(strstr(err, "cannot connect"));
    assert_true(secs >= 0 && secs < 2.0);
    a.kind = LINK_SERIAL;
    snprintf(a.path, sizeof(a.path), "/nonexistent/tty");
    assert_int_equal(link_open(&l, &a, 2000, NULL, err, sizeof(err)), LINK_E_CONNECT);
    assert_non_null(strstr(err, "cannot open /nonexistent/tty"));
    snprintf(a.path, sizeof(a.path), "/dev/null"); /* not a tty */
    assert_int_equal(link_open(&l, &a, 2000, NULL, err, sizeof(err)), LINK_E_CONNECT);
    assert_non_null(strstr(err, "not a serial line"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_parse),
        cmocka_unit_test(test_exchange),
        cmocka_unit_test(test_connect_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
