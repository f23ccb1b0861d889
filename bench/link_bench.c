/* SPDX-License-Identifier: Apache-2.0 */
/* Figures of the factory link. bench_link_codec: frames per second (and MB/s) through the
 * decoder and the encoder for small, typical and large payloads, fed whole and in 1-byte and
 * 1460-byte pieces. bench_link_tcp: the round-trip latency of a typical bundle
 * over loopback TCP through fcc-device's session loop, with a handler that answers a fixed
 * response of typical size at once, so the figure is the link's own cost (framing, SHA-256 on
 * both ends, the socket hops) without the bundle handler's work. Wall-clock figures; compare
 * on one machine only. */
#include "fcc/ftcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef LINK_BENCH_TCP
#include "link_client.h"
#include "link_io.h"
#include "serve.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t payload[65536];
static uint8_t frame[65536 + 64];
static uint8_t dbuf[65536];

static void bench_decode(size_t plen, size_t piece)
{
    size_t flen = 0;
    ftcd_decoder_t d;
    for (size_t i = 0; i < plen; i++)
        payload[i] = (uint8_t)(i * 31u + 7u);
    if (ftcd_encode_request(payload, plen, frame, sizeof(frame), &flen) != FTCD_STATUS_SUCCESS)
        abort();
    ftcd_decoder_init(&d, FTCD_KIND_REQUEST, dbuf, sizeof(dbuf), sizeof(dbuf));
    /* Enough frames for ~0.3 s on this machine's order of magnitude. */
    size_t iters = (size_t)(64u * 1024u * 1024u) / (flen * (piece == 1 ? 16u : 1u)) + 50u;
    double t0 = now_s();
    size_t frames = 0;
    for (size_t it = 0; it < iters; it++) {
        size_t off = 0;
        while (off < flen) {
            size_t n = flen - off < piece ? flen - off : piece, used = 0;
            if (ftcd_decoder_feed(&d, frame + off, n, &used) == FTCD_EVENT_FRAME)
                frames++;
            off += used;
        }
    }
    double dt = now_s() - t0;
    if (frames != iters)
        abort();
    printf("decode  payload %6zu B  pieces %5zu B: %10.0f frames/s  %8.1f MB/s\n", plen, piece,
           (double)frames / dt, (double)frames * (double)flen / dt / 1e6);
}

static void bench_encode(size_t plen)
{
    size_t flen = 0;
    size_t iters = (size_t)(64u * 1024u * 1024u) / (plen + 44u) + 50u;
    double t0 = now_s();
    for (size_t it = 0; it < iters; it++) {
        payload[0] = (uint8_t)it;
        if (ftcd_encode_request(payload, plen, frame, sizeof(frame), &flen) != FTCD_STATUS_SUCCESS)
            abort();
    }
    double dt = now_s() - t0;
    printf("encode  payload %6zu B                 : %10.0f frames/s  %8.1f MB/s\n", plen,
           (double)iters / dt, (double)iters * (double)flen / dt / 1e6);
}

#ifdef LINK_BENCH_TCP
/* Size of the stand-in bundle when the vector file is missing. */
#define BUNDLE_SIZE 2300u
/* A typical response: ~120 B (SchemeVersion, SID, ReturnStatus, InfoMessage). */
#define RESPONSE_SIZE 120u

static volatile sig_atomic_t stop_server;
static int listen_fd;
static int keep_alive_mode;

static uint32_t null_handle(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp,
                            size_t resp_size, size_t *resp_len, bool *keep_alive)
{
    (void)ctx;
    (void)req;
    (void)req_len;
    if (resp_size < RESPONSE_SIZE)
        return FTCD_STATUS_OUT_OF_MEMORY;
    memset(resp, 0x61, RESPONSE_SIZE);
    *resp_len = RESPONSE_SIZE;
    *keep_alive = keep_alive_mode != 0;
    return FTCD_STATUS_SUCCESS;
}

static void *server(void *arg)
{
    (void)arg;
    link_handler_t h = {.ctx = NULL, .session_start = NULL, .handle = null_handle};
    link_server_opts_t o = {.idle_timeout_ms = 10000, .stop = &stop_server};
    (void)link_serve_tcp(listen_fd, &o, &h, NULL);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *lat, size_t n)
{
    double sum = 0;
    qsort(lat, n, sizeof(double), cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += lat[i];
    printf("%s (%zu runs): median %.1f us  p99 %.1f us  mean %.1f us\n", what, n,
           lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, sum / (double)n * 1e6);
}

static void bench_tcp(void)
{
    char bound[128];
    pthread_t th;
    static uint8_t bundle[16384];
    static double lat[2000];
    const size_t runs = sizeof(lat) / sizeof(lat[0]);
    lc_t *c = malloc(sizeof(*c));
    size_t blen = BUNDLE_SIZE;
    char what[160];
    /* The typical bundle: the vectors' full bootstrap configuration when present (a chain of
     * two certificates, a key, a CA, the update certificate and a dozen config parameters). */
    FILE *f = fopen(FCC_SOURCE_DIR "/tests/vectors/bundle/ok_full_bootstrap.1.cbor", "rb");
    if (f != NULL) {
        blen = fread(bundle, 1, sizeof(bundle), f);
        fclose(f);
    }
    if (f == NULL || blen == 0) {
        blen = BUNDLE_SIZE;
        for (size_t i = 0; i < blen; i++)
            bundle[i] = (uint8_t)(i * 13u);
    }
    listen_fd = link_tcp_listen("127.0.0.1", "0", bound, sizeof(bound));
    if (listen_fd < 0 || c == NULL)
        abort();
    keep_alive_mode = 1;
    if (pthread_create(&th, NULL, server, NULL) != 0)
        abort();

    /* Keep-alive: many messages on one connection. */
    if (lc_connect(c, bound, 5000) != 0)
        abort();
    for (size_t i = 0; i < runs; i++) {
        uint32_t st;
        const uint8_t *p;
        size_t n;
        double t0 = now_s();
        if (lc_send_frame(c, bundle, blen) != 0 || lc_recv(c, 5000, &st, &p, &n) != 0 ||
            st != 0 || n != RESPONSE_SIZE)
            abort();
        lat[i] = now_s() - t0;
    }
    lc_close(c);
    snprintf(what, sizeof(what), "round trip, %zu B bundle / %u B response, one connection",
             blen, RESPONSE_SIZE);
    report(what, lat, runs);

    /* A connection per session: connect, one message, the device closes. */
    usleep(50000);
    keep_alive_mode = 0;
    size_t sruns = 500;
    for (size_t i = 0; i < sruns; i++) {
        uint32_t st;
        const uint8_t *p;
        size_t n;
        double t0 = now_s();
        if (lc_connect(c, bound, 5000) != 0 || lc_send_frame(c, bundle, blen) != 0 ||
            lc_recv(c, 5000, &st, &p, &n) != 0 || st != 0)
            abort();
        lat[i] = now_s() - t0;
        (void)lc_wait_eof(c, 5000);
        lc_close(c);
    }
    snprintf(what, sizeof(what), "session, connect + %zu B bundle + response + close", blen);
    report(what, lat, sruns);
    stop_server = 1;
    pthread_join(th, NULL);
    close(listen_fd);
    free(c);
}
#endif

/* Fixed work for instruction counting: `bench_link_codec --frames N` encodes and decodes N
 * frames of a 2300-byte payload and prints nothing else, so that
 * valgrind --tool=callgrind gives a repeatable instruction count per frame. */
static int count_mode(size_t n)
{
    size_t flen = 0, used = 0;
    ftcd_decoder_t d;
    ftcd_decoder_init(&d, FTCD_KIND_REQUEST, dbuf, sizeof(dbuf), 0);
    for (size_t i = 0; i < n; i++) {
        payload[0] = (uint8_t)i;
        if (ftcd_encode_request(payload, 2300, frame, sizeof(frame), &flen) != FTCD_STATUS_SUCCESS ||
            ftcd_decoder_feed(&d, frame, flen, &used) != FTCD_EVENT_FRAME)
            return 1;
    }
    printf("%zu frames of 2300 B encoded and decoded\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--frames") == 0)
        return count_mode((size_t)strtoul(argv[2], NULL, 10));
    (void)argv;
#ifdef LINK_BENCH_TCP
    bench_tcp();
    return 0;
#endif
    static const size_t sizes[] = {64, 2300, 65536};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        bench_decode(sizes[i], 65536 + 64);
        bench_decode(sizes[i], 1460);
        bench_decode(sizes[i], 1);
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        bench_encode(sizes[i]);
    return 0;
}
