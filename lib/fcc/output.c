/* SPDX-License-Identifier: Apache-2.0 */
/* Output info of a bundle or verification run: the first error and the warnings, in the
 * contract's "<prefix><item name>" form. Fixed storage inside fcc_t, no heap. */
#include "fcc_internal.h"

#include <string.h>

static void set_finding(fcc_finding_t *f, int code, fcc_severity_t sev, const char *prefix,
                        const void *item, size_t item_len)
{
    f->code = code;
    f->severity = sev;
    f->prefix = prefix != NULL ? prefix : fcc_status_prefix(code);
    if (item == NULL)
        item_len = 0;
    if (item_len > FCC_NAME_MAX)
        item_len = FCC_NAME_MAX;
    if (item_len > 0)
        memcpy(f->item, item, item_len);
    f->item[item_len] = '\0';
    f->item_len = item_len;
}

void fcc_out_reset(fcc_t *fcc)
{
    memset(&fcc->out, 0, sizeof(fcc->out));
}

int fcc_out_error(fcc_t *fcc, int code, const char *prefix, const void *item, size_t item_len)
{
    if (fcc->out.has_error)
        return fcc->out.error.code;
    set_finding(&fcc->out.error, code, FCC_SEVERITY_ERROR, prefix, item, item_len);
    fcc->out.has_error = true;
    fcc->out.status = code;
    return code;
}

int fcc_out_status(fcc_t *fcc, int code, const void *item, size_t item_len)
{
    return fcc_out_error(fcc, code, fcc_status_prefix(code), item, item_len);
}

void fcc_out_warning(fcc_t *fcc, int code, const char *prefix, const void *item,
                     size_t item_len)
{
    if (fcc->out.warning_count >= FCC_FINDINGS_MAX) {
        fcc->out.dropped++;
        return;
    }
    set_finding(&fcc->out.warnings[fcc->out.warning_count++], code, FCC_SEVERITY_WARNING,
                prefix, item, item_len);
}

const fcc_output_t *fcc_get_output_info(const fcc_t *fcc)
{
    return &fcc->out;
}

size_t fcc_finding_message(const fcc_finding_t *f, char *buf, size_t size)
{
    size_t plen = strlen(f->prefix), ilen = f->item_len;
    if (size > 0) {
        size_t n = 0;
        size_t cp = plen < size - 1 ? plen : size - 1;
        memcpy(buf, f->prefix, cp);
        n = cp;
        cp = ilen < size - 1 - n ? ilen : size - 1 - n;
        memcpy(buf + n, f->item, cp);
        n += cp;
        buf[n] = '\0';
    }
    return plen + ilen;
}
