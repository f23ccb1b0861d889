/* SPDX-License-Identifier: Apache-2.0 */
/* The optional connect check after provisioning, as firmware calls it (docs/connect.md): apply a
 * bundle, then prove the stored credentials in a DTLS handshake with the server of the current
 * mode. Built and run by ctest in the tree and against an installed prefix (libfcc_connect), so
 * that the installed header and library stay usable. On a host: a RAM flash simulator, the POSIX
 * port and the POSIX UDP transport.
 * Usage: device_connect BUNDLE.cbor [URI [TIMEOUT_SECONDS]]
 * Prints "connect-check: status N (NAME): REASON"; the exit status is N (2 before the check). */
#include "fcc/connect.h"
#include "fcc/connect_posix.h"
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/port_posix.h"

#include <stdio.h>
#include <stdlib.h>

static kcm_t kcm;
static fcc_t fcc;
static fcc_connect_t conn; /* the check's working memory: static, no heap of ours */
static fcc_connect_result_t res;
static uint8_t work[KCM_WORK_SIZE];
static uint8_t resp[FCC_RESPONSE_MAX];
static uint8_t bundle[64 * 1024];

int main(int argc, char **argv)
{
    fcc_flash_sim_t sim = {0};
    fcc_flash_t flash;
    fcc_port_posix_t clock_state;
    fcc_port_t port;
    fcc_connect_posix_t sock;
    fcc_connect_io_t io;
    fcc_connect_params_t params = {.uri = NULL, .timeout_ms = 0};
    size_t len, resp_len = 0;
    bool more = false;
    FILE *f;

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: device_connect BUNDLE.cbor [URI [TIMEOUT_SECONDS]]\n");
        return 2;
    }
    if (argc > 2)
        params.uri = argv[2];
    if (argc > 3)
        params.timeout_ms = (uint32_t)strtoul(argv[3], NULL, 10) * 1000u;
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
    if (kcm_init(&kcm, &flash, work, sizeof(work), port.rng, port.ctx) != KCM_OK)
        return 2;
    fcc_init(&fcc, &kcm, &port, NULL);
    if (fcc_bundle_handler(&fcc, bundle, len, resp, sizeof(resp), &resp_len, &more) !=
        FCC_STATUS_SUCCESS) {
        fprintf(stderr, "device_connect: the bundle was refused (ReturnStatus %d)\n",
                fcc_get_output_info(&fcc)->status);
        return 2;
    }

    fcc_connect_posix_init(&io, &sock);
    fcc_connect_status_t st = fcc_connect_check(&conn, &kcm, &port, &io, &params, &res);
    printf("connect-check: status %d (%s): %s\n", (int)st, fcc_connect_status_name(st),
           res.reason);

    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    return (int)st;
}
