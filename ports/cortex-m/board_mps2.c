/* SPDX-License-Identifier: Apache-2.0 */
/* The board hooks of the emulated MPS2 board: its clock and its "entropy". QEMU's MPS2 has no
 * random-number generator, so the entropy hook here mixes the host time and the emulator's
 * centisecond clock through a counter. That is NOT entropy: it only lets the tests run the DRBG
 * path. A real board reads its TRNG here (see docs/port-cortex-m.md). */
#include "board.h"
#include "mps2.h"

#include <string.h>

int fcc_board_entropy(void *ctx, unsigned char *buf, size_t len)
{
    static uint32_t counter;
    (void)ctx;
    while (len > 0) {
        uint32_t x = (uint32_t)fcc_mps2_semihost(0x11, NULL) * 2654435761u; /* SYS_TIME */
        x ^= (uint32_t)fcc_mps2_semihost(0x10, NULL) + 0x9E3779B9u * ++counter; /* SYS_CLOCK */
        x ^= x >> 15;
        x *= 0x2C1B3C6Du;
        x ^= x >> 12;
        size_t n = len < sizeof(x) ? len : sizeof(x);
        memcpy(buf, &x, n);
        buf += n;
        len -= n;
    }
    return 0;
}

int64_t fcc_board_clock(void)
{
    return (int64_t)fcc_mps2_semihost(0x11, NULL); /* SYS_TIME: host seconds since the epoch */
}
