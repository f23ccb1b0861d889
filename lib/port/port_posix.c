/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX services for the device library: randomness from getrandom() and a device clock that is
 * either the system clock (plus the offset that mbed.CurrentTime sets) or a fixed time. */
#include "fcc/port_posix.h"

#include <errno.h>
#include <sys/random.h>
#include <time.h>

int fcc_port_posix_rng(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    while (len > 0) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int64_t posix_time_get(void *ctx)
{
    fcc_port_posix_t *st = ctx;
    if (st->fixed)
        return st->fixed_now;
    return (int64_t)time(NULL) + st->offset;
}

static int posix_time_set(void *ctx, int64_t epoch)
{
    fcc_port_posix_t *st = ctx;
    if (st->fixed)
        st->fixed_now = epoch;
    else
        st->offset = epoch - (int64_t)time(NULL);
    return 0;
}

void fcc_port_posix_init(fcc_port_t *port, fcc_port_posix_t *state, int64_t fixed_time)
{
    state->fixed = fixed_time > 0 || fixed_time == FCC_PORT_POSIX_TIME_UNKNOWN;
    state->fixed_now = fixed_time > 0 ? fixed_time : 0;
    state->offset = 0;
    port->ctx = state;
    port->rng = fcc_port_posix_rng;
    port->time_get = posix_time_get;
    port->time_set = posix_time_set;
}
