/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target of the frame parser (lib/ftcd). The input is an untrusted byte stream from the
 * factory link. The first byte picks the decoder kind, the cap and the size of the pieces the
 * stream is fed in; the rest is the stream. Every delivered payload is re-encoded and decoded
 * again, which must give the same bytes, so the encoder and decoder are checked against each
 * other as well as for memory safety. */
#include "fcc/ftcd.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[2048];
static uint8_t again_buf[2048];
static uint8_t frame[2048 + FTCD_RESPONSE_HEAD_SIZE + FTCD_DIGEST_SIZE];

static void roundtrip(ftcd_kind_t kind, const uint8_t *payload, size_t len)
{
    size_t n = 0, used = 0, plen = 0;
    ftcd_decoder_t d2;
    ftcd_status_t st = kind == FTCD_KIND_RESPONSE
                           ? ftcd_encode_response(payload, len, frame, sizeof(frame), &n)
                           : ftcd_encode_request(payload, len, frame, sizeof(frame), &n);
    if (st != FTCD_STATUS_SUCCESS)
        abort();
    ftcd_decoder_init(&d2, kind, again_buf, sizeof(again_buf), 0);
    if (ftcd_decoder_feed(&d2, frame, n, &used) != FTCD_EVENT_FRAME || used != n)
        abort();
    const uint8_t *p = ftcd_decoder_payload(&d2, &plen);
    if (p == NULL || plen != len || memcmp(p, payload, len) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ftcd_decoder_t d;
    if (size < 1)
        return 0;
    uint8_t ctl = data[0];
    ftcd_kind_t kind = (ctl & 1) ? FTCD_KIND_RESPONSE : FTCD_KIND_REQUEST;
    uint32_t cap = (ctl & 2) ? 64u : 0u; /* 0: default, limited to the buffer */
    size_t piece = (size_t)(ctl >> 2) + 1u;
    data++;
    size--;

    ftcd_decoder_init(&d, kind, buf, sizeof(buf), cap);
    size_t off = 0;
    while (off < size) {
        size_t n = size - off < piece ? size - off : piece;
        size_t used = 0;
        ftcd_event_t ev = ftcd_decoder_feed(&d, data + off, n, &used);
        if (used > n || (ev == FTCD_EVENT_NONE && used != n))
            abort();
        if (ev == FTCD_EVENT_FRAME) {
            size_t plen = 0;
            const uint8_t *p = ftcd_decoder_payload(&d, &plen);
            uint32_t status = ftcd_decoder_status(&d);
            if (kind == FTCD_KIND_REQUEST && (p == NULL || status != 0))
                abort();
            if (p != NULL) {
                if (p != buf || plen == 0 || plen > sizeof(buf) || (cap && plen > cap))
                    abort();
                roundtrip(kind, p, plen);
            } else if (status == 0) {
                abort();
            }
        } else if (ev == FTCD_EVENT_ERROR) {
            uint32_t status = ftcd_decoder_status(&d);
            if (status != FTCD_STATUS_READ_SIZE && status != FTCD_STATUS_DIGEST_MISMATCH)
                abort();
        }
        off += used;
    }
    (void)ftcd_decoder_truncated_status(&d);
    return 0;
}
