/* SPDX-License-Identifier: Apache-2.0 */
/* The datagram transport and clock that the connect check (fcc/connect.h) runs over. A port
 * supplies them: lib/port has a POSIX one (fcc/connect_posix.h), firmware wires its IP stack.
 * Kept apart from fcc/connect.h so that a port can implement it without the TLS library's
 * headers. */
#ifndef FCC_CONNECT_IO_H
#define FCC_CONNECT_IO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Negative results of the transport calls. */
typedef enum fcc_connect_io_status {
    FCC_CONNECT_IO_TIMEOUT = -1, /* recv: nothing arrived within the timeout */
    FCC_CONNECT_IO_REFUSED = -2, /* the server's host says nothing listens there (ICMP) */
    FCC_CONNECT_IO_RESOLVE = -3, /* open: the host name does not resolve */
    FCC_CONNECT_IO_ERROR = -4    /* any other network or socket error */
} fcc_connect_io_status_t;

typedef struct fcc_connect_io {
    void *ctx;
    /* Opens a datagram association with host:port (host: a name or a numeric address, IPv6
     * without brackets). Writes the numeric address used, "ADDR:PORT" or "[ADDR]:PORT",
     * terminated, into peer[0 .. peer_size). Returns 0 or a negative FCC_CONNECT_IO_*. */
    int (*open)(void *ctx, const char *host, uint16_t port, char *peer, size_t peer_size);
    /* Sends one datagram. Returns len, or a negative FCC_CONNECT_IO_*. */
    int (*send)(void *ctx, const uint8_t *buf, size_t len);
    /* Waits at most timeout_ms for one datagram and copies it into buf (a longer one is cut).
     * Returns its length, FCC_CONNECT_IO_TIMEOUT, or another negative FCC_CONNECT_IO_*. */
    int (*recv)(void *ctx, uint8_t *buf, size_t size, uint32_t timeout_ms);
    /* Ends the association; safe after a failed open. */
    void (*close)(void *ctx);
    /* A monotonic clock in milliseconds (any origin). */
    uint64_t (*now_ms)(void *ctx);
} fcc_connect_io_t;

#ifdef __cplusplus
}
#endif
#endif /* FCC_CONNECT_IO_H */
