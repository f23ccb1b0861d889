/* SPDX-License-Identifier: Apache-2.0 */
/* Printing text that came from a device or a bundle (untrusted) to a terminal: control
 * characters and DEL, a terminal escape sequence among them, are written as \xNN so that a
 * hostile device cannot drive the operator's terminal. Tools only. */
#ifndef TOOLS_UNTRUSTED_H
#define TOOLS_UNTRUSTED_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0..len) to fp with control characters escaped. */
void fput_untrusted(FILE *fp, const char *s, size_t len);

#endif /* TOOLS_UNTRUSTED_H */
