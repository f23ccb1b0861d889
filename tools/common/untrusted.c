/* SPDX-License-Identifier: Apache-2.0 */
/* See untrusted.h. */
#include "untrusted.h"

void fput_untrusted(FILE *fp, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f)
            fprintf(fp, "\\x%02x", p[i]);
        else
            fputc(p[i], fp);
    }
}
