/* SPDX-License-Identifier: Apache-2.0 */
/* `fcc-device check`: the health of the store (issue 19), in a file of its own so that main.c
 * only dispatches to it. Internal to tools/fcc-device. */
#ifndef FCC_DEVICE_CHECK_H
#define FCC_DEVICE_CHECK_H

#include "device.h"

extern const char usage_check[];

/* Prints the store's format version, segments, used and free bytes, live and dead records and
 * every damaged region with the item it belongs to. Exit 0 only when the store is healthy (no
 * damage that a factory reset or wipe has not accepted), 1 when it is not or does not mount. */
int cmd_check(const device_opts_t *g, int argc, char **argv);

/* Damaged regions of the mounted store that no factory reset or wipe accepted (0: healthy). */
unsigned check_damage_count(device_t *d);

/* Name of what a damaged region held ("record", "commit", "segment-header", "unknown"). */
const char *check_damage_what(const kcm_damage_t *d);

#endif /* FCC_DEVICE_CHECK_H */
