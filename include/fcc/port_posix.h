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

/* fixed_time value for a device without a clock: its time is unknown (time_get returns 0)
 * until time_set (a bundle's mbed.CurrentTime) gives it one, which it then keeps. */
#define FCC_PORT_POSIX_TIME_UNKNOWN (-1)

/* Fills `port` with POSIX services over `state`. fixed_time > 0 fixes the clock at that epoch
 * (time_set then moves the fixed clock); fixed_time == 0 follows the system clock;
 * FCC_PORT_POSIX_TIME_UNKNOWN is a device without a clock (time 0 until set). `state` is
 * borrowed for as long as `port` is used. */
void fcc_port_posix_init(fcc_port_t *port, fcc_port_posix_t *state, int64_t fixed_time);

/* mbedTLS-style RNG over getrandom(); ctx unused. Returns 0 or -1. */
int fcc_port_posix_rng(void *ctx, unsigned char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* FCC_PORT_POSIX_H */
