/* SPDX-License-Identifier: Apache-2.0 */
/* The simulated device behind fcc-device: a file-backed NOR flash image, KCM mounted on it, the
 * POSIX port and an FCC instance, opened and closed together. Also the reporting of a run (the
 * JSON and human output shared by apply, verify and serve). Internal to tools/fcc-device. */
#ifndef FCC_DEVICE_DEVICE_H
#define FCC_DEVICE_DEVICE_H

#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Longest SID or item name a response echoes whole (wire contract section 8 points 1 and 6):
 * more than the largest request fcc-device reads by default. */
#define DEVICE_ECHO_MAX (1024u * 1024u)

/* Exit statuses of fcc-device (docs/fcc-device.md). */
#define EXIT_DEVICE_OK 0
#define EXIT_DEVICE_ERROR 1
#define EXIT_USAGE 2

/* Default flash geometry of the image: 4 KiB erase blocks, 16-byte program unit, 256 KiB. */
#define DEVICE_PROG_SIZE 16u
#define DEVICE_BLOCK_SIZE 4096u
#define DEVICE_DEFAULT_SIZE (256u * 1024u)

typedef struct device_opts {
    const char *store;   /* image path */
    uint64_t store_size; /* bytes; 0: default, or the size of an existing image */
    int64_t time;        /* fixed device time, 0: system clock, FCC_PORT_POSIX_TIME_UNKNOWN:
                            no clock (`--time none`) */
    bool strict;
    bool json;
} device_opts_t;

typedef struct device {
    fcc_flash_sim_t sim;
    fcc_flash_t flash;
    kcm_t kcm;
    fcc_port_posix_t port_state;
    fcc_port_t port;
    fcc_options_t fcc_opts;
    fcc_t fcc;
    bool sim_open, kcm_open, fcc_open;
    uint8_t work[KCM_WORK_SIZE];
} device_t;

/* Opens (creating on first use) the image and mounts KCM and FCC on it. Prints the reason of a
 * failure on stderr. Returns EXIT_DEVICE_OK, or EXIT_USAGE (bad size, unreadable image) or
 * EXIT_DEVICE_ERROR (the store did not mount). */
int device_open(device_t *d, const device_opts_t *o);

/* Starts FCC afresh over the mounted KCM (a new tool: no keep-alive session in progress). */
int device_restart_fcc(device_t *d);

/* Unmounts and closes the image; safe after a failed open. Wipes key material. */
void device_close(device_t *d);

/* Report of a bundle (response payload given) or verification (resp NULL) run: prints one JSON
 * object (status, status_name, info, warnings, findings; for a bundle also sid and keep_alive) or
 * human text. `pretty` indents the JSON. */
void report_run(FILE *out, bool json, bool pretty, int status, const uint8_t *resp,
                size_t resp_len, const fcc_output_t *o);

/* Name of an item type ("private-key", "public-key", "symmetric-key", "certificate",
 * "config"), and the type of a name (also accepts "priv", "pub", "sym", "cert"). */
const char *device_type_name(kcm_item_type_t t);
bool device_type_parse(const char *s, kcm_item_type_t *t);

#endif /* FCC_DEVICE_DEVICE_H */
