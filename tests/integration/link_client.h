/* SPDX-License-Identifier: Apache-2.0 */
/* A small factory-link test client: frames bundles with lib/ftcd, sends them (or deliberately
 * broken bytes) over a TCP connection or a pty, and reads response frames back with deadlines.
 * It also builds the small CBOR bundles the link tests and the link benchmark send. Test code. */
#ifndef LINK_CLIENT_H
#define LINK_CLIENT_H

#include "fcc/config.h"
#include "fcc/ftcd.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lc {
    int fd;
    bool owns_fd;
    ftcd_decoder_t dec;
    uint8_t payload[FCC_RESPONSE_MAX + 1024];
    uint8_t rbuf[4096];
    size_t rlen, roff;
    bool eof;
} lc_t;

/* Connects to "HOST:PORT" ([v6]:PORT too). Returns 0 or -1. */
int lc_connect(lc_t *c, const char *hostport, int timeout_ms);
/* Uses an open descriptor (a pty master); not closed by lc_close. */
void lc_attach(lc_t *c, int fd);
void lc_close(lc_t *c);

/* Sends a whole request frame around payload. Returns 0 or -1. */
int lc_send_frame(lc_t *c, const uint8_t *payload, size_t len);
/* Sends raw bytes. Returns 0 or -1. */
int lc_send_raw(lc_t *c, const void *buf, size_t len);
/* Encodes a request frame into out (for tests that break it). Returns its size. */
size_t lc_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t size);

/* Reads one response frame within timeout_ms. Returns 0 and sets *status (transport status) and
 * *payload and *len (NULL and 0 for a failure frame); 1 when the stream ended first; -2 on timeout;
 * -1 on error or a broken response. */
int lc_recv(lc_t *c, int timeout_ms, uint32_t *status, const uint8_t **payload, size_t *len);

/* Waits for the end of the stream. Returns 0 at end of stream with no byte received, 2 if bytes
 * arrived instead, -2 on timeout, -1 on error. */
int lc_wait_eof(lc_t *c, int timeout_ms);

/* Builds {SchemeVersion "0.0.1", SID sid, KpAlvSess keep, Verify 0, ConfigParams [{Name name,
 * Data value}]} into out. Returns its size, 0 if out is too small. */
size_t lc_bundle(uint8_t *out, size_t size, const char *sid, int keep, const char *name,
                 const char *value);

/* ReturnStatus, SID (copied, terminated) and InfoMessage of a response payload. Returns 0 or -1
 * when the payload is not a response map. */
int lc_parse_response(const uint8_t *p, size_t len, int *status, char *sid, size_t sid_size,
                      char *info, size_t info_size);

#endif /* LINK_CLIENT_H */
