/* SPDX-License-Identifier: Apache-2.0 */
/* The device's response payload read into fcu_response_t (wire contract section 3): what the
 * factory line, the by_device session and libfcu's fcu_tool_process_response check. Apart from
 * inspect.c, which shows a response to a person, because the line must not depend on the
 * pretty-printer. */
#include "fcu.h"
#include "fcu_bundle.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

static char *dup_text(const cbor_item_t *it)
{
    if (!it)
        return NULL;
    const unsigned char *p = NULL;
    size_t n = 0;
    if (cbor_isa_string(it) && cbor_string_is_definite(it)) {
        p = cbor_string_handle(it);
        n = cbor_string_length(it);
    } else if (cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it)) {
        p = cbor_bytestring_handle(it);
        n = cbor_bytestring_length(it);
    } else
        return NULL;
    char *s = malloc(n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

int fcu_response_parse(const uint8_t *buf, size_t len, fcu_response_t *out)
{
    memset(out, 0, sizeof(*out));
    cbor_item_t *top = fcu_cbor_decode(buf, len);
    if (!top || !cbor_isa_map(top)) {
        if (top)
            cbor_decref(&top);
        return -1;
    }
    cbor_item_t *st = fcu_cbor_map_get(top, "ReturnStatus");
    if (st && (cbor_isa_uint(st) || cbor_isa_negint(st))) {
        /* any width the CBOR head allows, reported as received; the number only says
         * zero (success) or not, so it is clamped, never wrapped */
        uint64_t u = cbor_get_int(st);
        out->has_status = true;
        if (cbor_isa_uint(st)) {
            out->return_status = u > INT64_MAX ? INT64_MAX : (int64_t)u;
            snprintf(out->return_status_text, sizeof(out->return_status_text), "%llu",
                     (unsigned long long)u);
        } else {
            out->return_status = u > (uint64_t)INT64_MAX ? INT64_MIN : -1 - (int64_t)u;
            if (u == UINT64_MAX)
                snprintf(out->return_status_text, sizeof(out->return_status_text),
                         "-18446744073709551616");
            else
                snprintf(out->return_status_text, sizeof(out->return_status_text), "-%llu",
                         (unsigned long long)u + 1);
        }
    }
    out->scheme_version = dup_text(fcu_cbor_map_get(top, "SchemeVersion"));
    out->sid = dup_text(fcu_cbor_map_get(top, "SID"));
    out->info_message = dup_text(fcu_cbor_map_get(top, "InfoMessage"));
    out->warning_info = dup_text(fcu_cbor_map_get(top, "WarningInfo"));
    cbor_item_t *csrs = fcu_cbor_map_get(top, "Csrs");
    if (csrs && cbor_isa_array(csrs))
        out->csr_count = cbor_array_size(csrs);
    cbor_decref(&top);
    if (!out->has_status) {
        fcu_response_free(out);
        return -1;
    }
    return 0;
}

void fcu_response_free(fcu_response_t *r)
{
    if (!r)
        return;
    free(r->scheme_version);
    free(r->sid);
    free(r->info_message);
    free(r->warning_info);
    memset(r, 0, sizeof(*r));
}
