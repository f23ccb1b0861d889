/* SPDX-License-Identifier: Apache-2.0 */
/* The README's minimal device integration, compiled and run by ctest so that it stays true.
 * provision() is what firmware writes: every buffer and context is the caller's, the flash and
 * the port (RNG, clock) come from the board. main() plays the board on a host: a RAM flash
 * simulator, the POSIX port, and a bundle read from a file.
 * Usage: device_minimal BUNDLE.cbor   (exit 0 when the device answers ReturnStatus 0) */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/port_posix.h"

#include <stdio.h>
#include <stdlib.h>

static kcm_t kcm;
static fcc_t fcc;
static uint8_t work[KCM_WORK_SIZE];
static uint8_t resp[FCC_RESPONSE_MAX];

/* flash: the board's fcc_flash_t (read/prog/erase/sync + geometry); port: rng and clock */
static int provision(const fcc_flash_t *flash, const fcc_port_t *port,
                     const uint8_t *bundle, size_t len, size_t *resp_len)
{
    if (kcm_init(&kcm, flash, work, sizeof(work), port->rng, port->ctx) != KCM_OK)
        return -1;
    fcc_init(&fcc, &kcm, port, NULL);
    bool more = false;
    fcc_status_t st = fcc_bundle_handler(&fcc, bundle, len, resp, sizeof(resp), resp_len, &more);
    /* send resp[0 .. *resp_len) back to the tool inside a response frame */
    return st == FCC_STATUS_SUCCESS ? 0 : 1;
}

int main(int argc, char **argv)
{
    static uint8_t bundle[64 * 1024];
    fcc_flash_sim_t sim = {0};
    fcc_flash_t flash;
    fcc_port_posix_t clock_state;
    fcc_port_t port;
    size_t len, resp_len = 0;
    FILE *f;
    int rc;

    if (argc != 2) {
        fprintf(stderr, "usage: device_minimal BUNDLE.cbor\n");
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    len = fread(bundle, 1, sizeof(bundle), f);
    fclose(f);
    if (fcc_flash_ram_init(&sim, &flash, 16, 4096, 32) != FCC_FLASH_OK)
        return 2;
    fcc_port_posix_init(&port, &clock_state, 0);

    rc = provision(&flash, &port, bundle, len, &resp_len);
    const fcc_output_t *out = fcc_get_output_info(&fcc);
    char msg[200];
    printf("ReturnStatus %d, %zu response bytes", out->status, resp_len);
    if (out->has_error) {
        fcc_finding_message(&out->error, msg, sizeof(msg));
        printf(", error: %s", msg);
    }
    printf(", %zu warnings\n", out->warning_count);

    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    return rc < 0 ? 2 : rc;
}
