/* SPDX-License-Identifier: Apache-2.0 */
/* The tool's end of the factory link: open a TCP connection (with a connect timeout) or a serial
 * line (raw mode, chosen baud rate), send one request frame, and read the device's response
 * frame with a deadline, decoding it with the device library's own codec (fcc/ftcd.h) so both
 * ends of the wire share one implementation. Times each phase for the benchmark. */
#ifndef FCU_LINK_H
#define FCU_LINK_H

#include <stddef.h>
#include <stdint.h>

typedef enum link_kind { LINK_TCP = 0, LINK_SERIAL = 1 } link_kind_t;

/* Where a device is. Text forms: "tcp:HOST:PORT" (HOST an IPv4 address or name, or [IPv6]),
 * "serial:PATH" or "serial:PATH@BAUD". */
typedef struct link_addr {
    link_kind_t kind;
    char host[256];
    unsigned port;
    char path[512];
    unsigned baud; /* 0 = 115200 */
} link_addr_t;

/* Results of link_open / link_exchange. */
enum {
    LINK_OK = 0,
    LINK_E_CONNECT = 1, /* cannot connect / open */
    LINK_E_TIMEOUT = 2, /* no (complete) answer within the timeout */
    LINK_E_CLOSED = 3,  /* the device closed the connection before a whole response */
    LINK_E_IO = 4,      /* read/write error */
    LINK_E_FRAME = 5,   /* a broken response frame (digest mismatch, bad length) */
    LINK_E_STATUS = 6,  /* a well-formed response whose transport status is not 0 */
};

/* Seconds spent in each phase of one exchange. */
typedef struct link_timing {
    double connect; /* open / connect */
    double send;    /* writing the request */
    double wait;    /* last request byte written -> first response byte (device at work) */
    double recv;    /* first response byte -> whole response frame */
} link_timing_t;

typedef struct link {
    int fd;
    link_addr_t addr;
} link_t;

/* Parses an address text. Returns 0, or -1 with `err` saying why. */
int link_addr_parse(const char *text, link_addr_t *out, char *err, size_t errlen);

/* "tcp:127.0.0.1:7001" / "serial:/dev/ttyUSB0@115200" into buf. */
void link_addr_format(const link_addr_t *a, char *buf, size_t size);

/* Short name of a LINK_* result ("timeout", "connection closed", ...). Static string. */
const char *link_result_name(int rc);

/* Connects or opens the line within timeout_ms. Returns LINK_OK (l->fd open) or
 * LINK_E_CONNECT with `err` filled (l->fd = -1). */
int link_open(link_t *l, const link_addr_t *a, int timeout_ms, double *seconds, char *err,
              size_t errlen);

/* Sends `payload` as one request frame and waits at most timeout_ms (from the start of the
 * send) for the response frame. On LINK_OK *resp is the response payload (malloc'd, the caller
 * frees) and *resp_len its length. *transport_status receives the response frame's status, or
 * the status that describes a broken/cut frame (see ftcd_decoder_truncated_status), or -1 when
 * no response frame began. `timing` may be NULL. Other returns: LINK_E_* with `err` filled. */
int link_exchange(link_t *l, const uint8_t *payload, size_t len, int timeout_ms, uint8_t **resp,
                  size_t *resp_len, int *transport_status, link_timing_t *timing, char *err,
                  size_t errlen);

/* Closes the connection; safe on a closed link. */
void link_close(link_t *l);

#endif /* FCU_LINK_H */
