/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX datagram transport and monotonic clock for the connect check (lib/port): a connected UDP
 * socket (IPv4 or IPv6, the name resolved with getaddrinfo), poll() for the receive timeout and
 * CLOCK_MONOTONIC. Used by fcc-device connect-check and the tests. */
#ifndef FCC_CONNECT_POSIX_H
#define FCC_CONNECT_POSIX_H

#include "fcc/connect_io.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fcc_connect_posix {
    int fd; /* -1 when closed */
} fcc_connect_posix_t;

/* Fills `io` with the POSIX transport over `state` (borrowed while `io` is used). */
void fcc_connect_posix_init(fcc_connect_io_t *io, fcc_connect_posix_t *state);

#ifdef __cplusplus
}
#endif
#endif /* FCC_CONNECT_POSIX_H */
