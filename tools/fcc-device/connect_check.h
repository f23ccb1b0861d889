/* SPDX-License-Identifier: Apache-2.0 */
/* `fcc-device connect-check`: the device library's connect check (fcc/connect.h) over the POSIX
 * datagram transport, with its usage text and command function for main.c's dispatch. Internal
 * to tools/fcc-device. */
#ifndef FCC_DEVICE_CONNECT_CHECK_H
#define FCC_DEVICE_CONNECT_CHECK_H

#include "device.h"

extern const char usage_connect_check[];

/* Runs the command over the global options `g` and the command's own arguments. Returns the
 * exit status: 0 handshake both ways, 1 the check failed, 2 usage or image error. */
int cmd_connect_check(const device_opts_t *g, int argc, char **argv);

#endif /* FCC_DEVICE_CONNECT_CHECK_H */
