/* SPDX-License-Identifier: Apache-2.0 */
/* A misbehaving device for the factory-line tests: it listens on loopback like fcc-device but
 * answers the way broken or hostile devices do, so that fcu's timeouts, disconnect handling and
 * frame checks are exercised against real sockets.
 *   line_fake_device MODE [PORT]
 * MODE: silent       read the request, never answer (the tool must time out)
 *       disconnect   read part of the request, then close (mid-session disconnect)
 *       halfframe    read the request, send half a response frame, then close
 *       status:N     answer a failed frame with transport status N
 *       baddigest    answer a success frame whose SHA-256 is wrong
 *       reply:RS     answer a well-formed response: ReturnStatus RS, the request's SID echoed
 *       wrongsid     answer ReturnStatus 0 with another session's SID
 *       escape       answer ReturnStatus 10 whose InfoMessage and warning carry terminal escape
 *                    sequences (a hostile device trying to drive the operator's terminal)
 *       hold:DPORT   a proxy in front of a real device on 127.0.0.1:DPORT: on the first
 *                    connection it forwards the request, reads the device's whole answer, prints
 *                    "answer held" and keeps the answer until the tool goes away (the device has
 *                    applied the bundle, the tool never learns it: a station killed then)
 *       drop:DPORT   the same, but the first request is never forwarded ("request held"): a
 *                    station killed before its bundle reached the device
 *                    (both: every later connection is passed through both ways)
 *       csr:NAME:FILE  answer ReturnStatus 0 with a Csrs entry {PrKN: NAME, Data: FILE's bytes}
 *                    (a by_device session's first answer from a device whose CSR is wrong)
 * Every request frame received is announced on standard output as "request N".
 * Prints "listening on 127.0.0.1:PORT" and serves connections until killed. */
#include "fcc/ftcd.h"

#include <arpa/inet.h>
#include <cbor.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t g_payload[256 * 1024];

/* The SID text of a request bundle, or "" (a small walk over the top-level map). */
static void request_sid(const uint8_t *p, size_t n, char *sid, size_t size)
{
    struct cbor_load_result res;
    cbor_item_t *item = cbor_load(p, n, &res); /* test code on our own tool's bundle */
    sid[0] = '\0';
    if (item == NULL)
        return;
    if (cbor_isa_map(item)) {
        struct cbor_pair *pairs = cbor_map_handle(item);
        for (size_t i = 0; i < cbor_map_size(item); i++) {
            cbor_item_t *k = pairs[i].key, *v = pairs[i].value;
            if (cbor_isa_string(k) && cbor_string_length(k) == 3 &&
                memcmp(cbor_string_handle(k), "SID", 3) == 0 && cbor_isa_string(v)) {
                size_t l = cbor_string_length(v);
                if (l >= size)
                    l = size - 1;
                memcpy(sid, cbor_string_handle(v), l);
                sid[l] = '\0';
            }
        }
    }
    cbor_decref(&item);
}

static void add_text(cbor_item_t *map, const char *k, const char *v)
{
    struct cbor_pair p = {cbor_move(cbor_build_string(k)), cbor_move(cbor_build_string(v))};
    cbor_map_add(map, p);
}

/* Encodes a response map; returns its length in out (malloc'd by libcbor). */
static size_t response(const char *sid, int rs, bool hostile, unsigned char **out,
                       const char *csr_mode)
{
    size_t cap = 0;
    cbor_item_t *m = cbor_new_definite_map(6);
    if (csr_mode != NULL) { /* "NAME:FILE" */
        static uint8_t der[16384];
        char name[256];
        const char *colon = strchr(csr_mode, ':');
        size_t nl = colon ? (size_t)(colon - csr_mode) : 0;
        FILE *f = colon && nl < sizeof(name) ? fopen(colon + 1, "rb") : NULL;
        size_t dl = f ? fread(der, 1, sizeof(der), f) : 0;
        if (f)
            fclose(f);
        memcpy(name, csr_mode, nl);
        name[nl] = '\0';
        cbor_item_t *e = cbor_new_definite_map(2);
        add_text(e, "PrKN", name);
        struct cbor_pair d = {cbor_move(cbor_build_string("Data")),
                              cbor_move(cbor_build_bytestring(der, dl))};
        cbor_map_add(e, d);
        cbor_item_t *a = cbor_new_definite_array(1);
        cbor_array_push(a, cbor_move(e));
        struct cbor_pair c = {cbor_move(cbor_build_string("Csrs")), cbor_move(a)};
        cbor_map_add(m, c);
    }
    add_text(m, "SchemeVersion", "0.0.1");
    add_text(m, "SID", sid);
    struct cbor_pair p = {cbor_move(cbor_build_string("ReturnStatus")),
                          cbor_move(cbor_build_uint32((uint32_t)rs))};
    cbor_map_add(m, p);
    if (hostile) {
        add_text(m, "InfoMessage", "Certificate invalid:\x1b]0;pwned\x07\x1b[2J");
        add_text(m, "WarningInfo", "Item not set:\x1b[31mred\x1b[0m\n");
    } else {
        add_text(m, "InfoMessage", rs == 0 ? "The Factory process succeeded\n"
                                           : "Certificate invalid:mbed.BootstrapDeviceCert");
    }
    if (rs == 0 && !hostile && csr_mode == NULL)
        add_text(m, "WarningInfo", "Item not set:mbed.UpdateAuthCert\n");
    size_t len = cbor_serialize_alloc(m, out, &cap);
    cbor_decref(&m);
    return len;
}

static void send_all(int fd, const void *b, size_t n)
{
    const uint8_t *p = b;
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void serve(int fd, const char *mode)
{
    ftcd_decoder_t d;
    uint8_t chunk[4096];
    size_t total = 0, requests = 0;
    ftcd_decoder_init(&d, FTCD_KIND_REQUEST, g_payload, sizeof(g_payload), sizeof(g_payload));
    for (;;) {
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0)
            return;
        total += (size_t)n;
        if (strcmp(mode, "disconnect") == 0 && total >= 20)
            return; /* drop the line in the middle of the request */
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used = 0;
            ftcd_event_t ev = ftcd_decoder_feed(&d, chunk + off, (size_t)n - off, &used);
            off += used;
            if (ev == FTCD_EVENT_ERROR) {
                uint8_t f[FTCD_FAILURE_SIZE];
                ftcd_encode_failure(ftcd_decoder_status(&d), f);
                send_all(fd, f, sizeof(f));
                continue;
            }
            if (ev != FTCD_EVENT_FRAME)
                continue;
            size_t plen = 0;
            const uint8_t *pl = ftcd_decoder_payload(&d, &plen);
            char sid[128];
            request_sid(pl, plen, sid, sizeof(sid));
            printf("request %zu\n", ++requests);
            fflush(stdout);
            if (strcmp(mode, "silent") == 0) {
                sleep(3600);
                return;
            }
            if (strncmp(mode, "status:", 7) == 0) {
                uint8_t f[FTCD_FAILURE_SIZE];
                ftcd_encode_failure((uint32_t)atoi(mode + 7), f);
                send_all(fd, f, sizeof(f));
                continue;
            }
            unsigned char *resp = NULL;
            bool hostile = strcmp(mode, "escape") == 0;
            int rs = strncmp(mode, "reply:", 6) == 0 ? atoi(mode + 6) : hostile ? 10 : 0;
            size_t rlen = response(strcmp(mode, "wrongsid") == 0 ? "someone-else" : sid, rs,
                                   hostile, &resp,
                                   strncmp(mode, "csr:", 4) == 0 ? mode + 4 : NULL);
            size_t cap = FTCD_RESPONSE_SIZE(rlen), flen = 0;
            uint8_t *frame = malloc(cap);
            ftcd_encode_response(resp, rlen, frame, cap, &flen);
            free(resp);
            if (strcmp(mode, "baddigest") == 0)
                frame[flen - 1] ^= 0x01;
            if (strcmp(mode, "halfframe") == 0) {
                send_all(fd, frame, flen / 2);
                free(frame);
                return;
            }
            send_all(fd, frame, flen);
            free(frame);
        }
    }
}

/* Reads one whole frame of `kind` from fd, keeping its raw bytes in raw (up to cap). Returns
 * the number of raw bytes, or 0 when the peer closed or the frame is broken or too big. */
static size_t read_frame(int fd, ftcd_kind_t kind, uint8_t *raw, size_t cap)
{
    static uint8_t payload[256 * 1024];
    ftcd_decoder_t d;
    size_t have = 0;
    ftcd_decoder_init(&d, kind, payload, sizeof(payload), sizeof(payload));
    while (have < cap) {
        ssize_t n = recv(fd, raw + have, cap - have, 0);
        if (n <= 0)
            return 0;
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used = 0;
            ftcd_event_t ev = ftcd_decoder_feed(&d, raw + have + off, (size_t)n - off, &used);
            off += used;
            if (ev == FTCD_EVENT_ERROR)
                return 0;
            if (ev == FTCD_EVENT_FRAME)
                return have + off;
        }
        have += (size_t)n;
    }
    return 0;
}

static uint8_t g_req[256 * 1024 + 64], g_resp[256 * 1024 + 64];

/* hold:DPORT / drop:DPORT (see the top of the file). */
static void proxy(int fd, const char *mode, unsigned dport, bool first)
{
    size_t rlen = read_frame(fd, FTCD_KIND_REQUEST, g_req, sizeof(g_req));
    if (rlen == 0)
        return;
    bool drop = strncmp(mode, "drop:", 5) == 0;
    if (first && drop) {
        printf("request held\n");
        fflush(stdout);
        while (recv(fd, g_resp, sizeof(g_resp), 0) > 0) {
        }
        return;
    }
    int dev = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)dport)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(dev, (struct sockaddr *)&a, sizeof(a)) != 0) {
        perror("proxy: connect to the device");
        close(dev);
        return;
    }
    send_all(dev, g_req, rlen);
    size_t alen = read_frame(dev, FTCD_KIND_RESPONSE, g_resp, sizeof(g_resp));
    close(dev);
    if (first) {
        printf("answer held\n");
        fflush(stdout);
        while (recv(fd, g_req, sizeof(g_req), 0) > 0) {
        }
        return;
    }
    if (alen > 0)
        send_all(fd, g_resp, alen);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODE [PORT]\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(argc > 2 ? (uint16_t)atoi(argv[2]) : 0)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &al) != 0) {
        perror("fake device");
        return 2;
    }
    printf("listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
    fflush(stdout);
    bool is_proxy = strncmp(argv[1], "hold:", 5) == 0 || strncmp(argv[1], "drop:", 5) == 0;
    bool first = true;
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0)
            continue;
        if (is_proxy)
            proxy(c, argv[1], (unsigned)atoi(argv[1] + 5), first);
        else
            serve(c, argv[1]);
        first = false;
        close(c);
    }
}
