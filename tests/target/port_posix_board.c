/* SPDX-License-Identifier: Apache-2.0 */
/* The POSIX port's API (fcc/port_posix.h) on the emulated board, over the bare-metal port
 * (ports/cortex-m/board_port.c): the host tests bring their device up with fcc_port_posix_init
 * and fcc_port_posix_rng, so this thin adapter lets the same test sources run on the board
 * unchanged. Randomness is the board's DRBG; the clock is the board's (fixed when asked). */
#include "board.h"
#include "fcc/port_posix.h"

int fcc_port_posix_rng(void *ctx, unsigned char *buf, size_t len)
{
    return fcc_board_rng(ctx, buf, len);
}

static int64_t board_posix_time_get(void *ctx)
{
    fcc_port_posix_t *st = ctx;
    if (st->fixed)
        return st->fixed_now;
    return fcc_board_clock() + st->offset;
}

static int board_posix_time_set(void *ctx, int64_t epoch)
{
    fcc_port_posix_t *st = ctx;
    if (st->fixed)
        st->fixed_now = epoch;
    else
        st->offset = epoch - fcc_board_clock();
    return 0;
}

void fcc_port_posix_init(fcc_port_t *port, fcc_port_posix_t *state, int64_t fixed_time)
{
    state->fixed = fixed_time > 0 || fixed_time == FCC_PORT_POSIX_TIME_UNKNOWN;
    state->fixed_now = fixed_time > 0 ? fixed_time : 0;
    state->offset = 0;
    port->ctx = state;
    port->rng = fcc_port_posix_rng;
    port->time_get = board_posix_time_get;
    port->time_set = board_posix_time_set;
}
