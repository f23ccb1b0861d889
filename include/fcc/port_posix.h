/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX implementation of fcc_port_t (lib/port): getrandom() for randomness and the system clock,
 * or a fixed device clock for tests and the factory line (`fcc-device --time`). */
#ifndef FCC_PORT_POSIX_H
#define FCC_PORT_POSIX_H

#include "fcc/fcc.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fcc_port_posix {
    bool fixed;        /* time does not follow the system clock */
    int64_t fixed_now; /* the fixed time when `fixed` */
    int64_t offset;    /* added to the system clock when not fixed (set by time_set) */
} fcc_port_posix_t;

/* Fills `port` with POSIX services over `state`. fixed_time > 0 fixes the clock at that epoch
 * (time_set then moves the fixed clock); fixed_time == 0 follows the system clock. `state` is
 * borrowed for as long as `port` is used. */
void fcc_port_posix_init(fcc_port_t *port, fcc_port_posix_t *state, int64_t fixed_time);

/* mbedTLS-style RNG over getrandom(); ctx unused. Returns 0 or -1. */
int fcc_port_posix_rng(void *ctx, unsigned char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* FCC_PORT_POSIX_H */
