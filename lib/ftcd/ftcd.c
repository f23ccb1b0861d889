/* SPDX-License-Identifier: Apache-2.0 */
/* The framing codec of the factory link: an incremental decoder (a byte-driven state machine
 * that never blocks and never allocates) and the encoders of both frame kinds. It exists apart
 * from any transport so that TCP, serial and the factory tool all share one reading of the wire
 * contract's section 1, including its two fixes: a token that follows a partial match is found,
 * and a declared length over the configured maximum is refused with status 4 before any byte of
 * the payload is stored. */
#include "fcc/ftcd.h"

#include <string.h>
#include "fcc_endian.h"
#include "fcc_psa.h"

enum {
    ST_SCAN = 0,    /* looking for the token; `pos` bytes of it matched */
    ST_STATUS = 1,  /* response only: reading the u32 status */
    ST_LENGTH = 2,  /* reading the u32 length */
    ST_PAYLOAD = 3, /* reading `len` payload bytes into buf */
    ST_DIGEST = 4,  /* reading the 32-byte digest */
    ST_DONE = 5     /* a frame was delivered; the next feed starts a new scan */
};

static const uint8_t token[FTCD_TOKEN_SIZE] = {'m', 'b', 'e', 'd', 'p', 'r', 'o', 'v'};

#if FCC_STATUS_NAMES
static const char *const status_names[] = {
    "FTCD_STATUS_SUCCESS", "FTCD_STATUS_ERROR", "FTCD_STATUS_INVALID_PARAMETER",
    "FTCD_STATUS_OUT_OF_MEMORY", "FTCD_STATUS_READ_SIZE", "FTCD_STATUS_READ_BYTES",
    "FTCD_STATUS_READ_DIGEST", "FTCD_STATUS_CALC_DIGEST", "FTCD_STATUS_DIGEST_MISMATCH",
    "FTCD_STATUS_PROCESS_DATA", "FTCD_STATUS_PROCESS_MESSAGE", "FTCD_STATUS_SEND_RESPONSE",
    "FTCD_STATUS_NETWORK_TIMEOUT", "FTCD_STATUS_NETWORK_ERROR", "FTCD_STATUS_CONNECTION_CLOSED",
    "FTCD_STATUS_INTERNAL",
};

static const char *const status_texts[] = {
    "success", "error", "invalid parameter", "out of memory", "failed to read message size",
    "failed to read message bytes", "failed to read message signature",
    "failed to calculate message signature", "inconsistent message signature",
    "failed to process data", "failed to process message", "failed to send valid response",
    "network timeout", "network connection error", "network connection closed",
    "internal error",
};
#endif

/* Names and texts are for the host tools' logs (FCC_STATUS_NAMES, fcc/config.h); a device
 * build without them answers "". */
const char *ftcd_status_name(uint32_t status)
{
#if FCC_STATUS_NAMES
    if (status > FTCD_STATUS_MAX_)
        return "FTCD_STATUS_UNKNOWN";
    return status_names[status];
#else
    (void)status;
    return "";
#endif
}

const char *ftcd_status_text(uint32_t status)
{
#if FCC_STATUS_NAMES
    if (status > FTCD_STATUS_MAX_)
        return "unknown status";
    return status_texts[status];
#else
    (void)status;
    return "";
#endif
}

ftcd_status_t ftcd_digest(const uint8_t *payload, size_t len, uint8_t out[FTCD_DIGEST_SIZE])
{
    ftcd_status_t st = FTCD_STATUS_CALC_DIGEST;
    if (out == NULL || (payload == NULL && len > 0))
        goto cleanup;
    {
        size_t n = 0;
        static const uint8_t nothing[1] = {0};
        if (fcc_psa_ready() != 0 ||
            psa_hash_compute(PSA_ALG_SHA_256, payload != NULL ? payload : nothing, len, out,
                             FTCD_DIGEST_SIZE, &n) != PSA_SUCCESS ||
            n != FTCD_DIGEST_SIZE)
            goto cleanup;
    }
    st = FTCD_STATUS_SUCCESS;
cleanup:
    return st;
}

void ftcd_decoder_init(ftcd_decoder_t *d, ftcd_kind_t kind, uint8_t *buf, size_t buf_size,
                       uint32_t max_len)
{
    memset(d, 0, sizeof(*d));
    d->buf = buf;
    d->buf_size = buf == NULL ? 0 : buf_size;
    if (max_len == 0)
        max_len = FCC_FRAME_MAX_DEFAULT;
    if ((uint64_t)max_len > (uint64_t)d->buf_size)
        max_len = (uint32_t)d->buf_size; /* buf_size < max_len <= UINT32_MAX here */
    d->max_len = max_len;
    d->kind = kind == FTCD_KIND_RESPONSE ? (uint8_t)FTCD_KIND_RESPONSE : (uint8_t)FTCD_KIND_REQUEST;
    d->state = ST_SCAN;
}

void ftcd_decoder_reset(ftcd_decoder_t *d)
{
    d->state = ST_SCAN;
    d->pos = 0;
    d->len = 0;
    d->got = 0;
    d->status = 0;
}

/* Longest prefix of the token that ends the text "token[0..matched) followed by c". The reference
 * restarted from zero on a mismatch and so lost the token of "mmbedprov"; this keeps every
 * candidate. The token has no repeated prefix today, but the rule stays right for any token. */
static uint8_t scan_step(uint8_t matched, uint8_t c)
{
    if (c == token[matched])
        return (uint8_t)(matched + 1);
    for (uint8_t k = matched; k > 0; k--) {
        /* candidate: token[0..k-1) == token[matched-k+1 .. matched) and token[k-1] == c */
        if (token[k - 1] == c && memcmp(token, token + (matched - k + 1), (size_t)(k - 1)) == 0)
            return k;
    }
    return 0;
}

static ftcd_event_t fail(ftcd_decoder_t *d, uint32_t status)
{
    ftcd_decoder_reset(d);
    d->status = status;
    d->errors++;
    return FTCD_EVENT_ERROR;
}

/* The whole frame is in: check the digest. */
static ftcd_event_t finish(ftcd_decoder_t *d)
{
    uint8_t calc[FTCD_DIGEST_SIZE];
    ftcd_event_t ev;
    uint8_t diff = 0;
    if (ftcd_digest(d->buf, d->len, calc) != FTCD_STATUS_SUCCESS) {
        ev = fail(d, FTCD_STATUS_CALC_DIGEST);
        goto cleanup;
    }
    for (size_t i = 0; i < FTCD_DIGEST_SIZE; i++)
        diff |= (uint8_t)(calc[i] ^ d->digest[i]);
    if (diff != 0) {
        ev = fail(d, FTCD_STATUS_DIGEST_MISMATCH);
        goto cleanup;
    }
    d->state = ST_DONE;
    d->frames++;
    ev = FTCD_EVENT_FRAME;
cleanup:
    memset(calc, 0, sizeof(calc));
    return ev;
}

ftcd_event_t ftcd_decoder_feed(ftcd_decoder_t *d, const uint8_t *data, size_t len,
                               size_t *consumed)
{
    ftcd_event_t ev = FTCD_EVENT_NONE;
    size_t i = 0;

    if (d->state == ST_DONE)
        ftcd_decoder_reset(d);
    if (data == NULL)
        len = 0;

    while (i < len) {
        switch (d->state) {
        case ST_SCAN: {
            if (d->pos == 0) {
                /* Fast path over garbage: jump to the next first byte of the token. */
                const uint8_t *m = memchr(data + i, token[0], len - i);
                size_t skip = m == NULL ? len - i : (size_t)(m - (data + i));
                d->skipped += skip;
                i += skip;
                if (i == len)
                    break;
            }
            uint8_t before = d->pos;
            d->pos = scan_step(d->pos, data[i]);
            d->skipped += (uint64_t)before + 1u - d->pos;
            i++;
            if (d->pos == FTCD_TOKEN_SIZE) {
                d->pos = 0;
                d->len = 0;
                d->status = 0;
                d->state = d->kind == FTCD_KIND_RESPONSE ? ST_STATUS : ST_LENGTH;
            }
            break;
        }
        case ST_STATUS:
            d->status |= (uint32_t)data[i++] << (8u * d->pos);
            if (++d->pos == 4) {
                d->pos = 0;
                if (d->status != 0) {
                    /* A failure response: token and status only. */
                    d->len = 0;
                    d->state = ST_DONE;
                    d->frames++;
                    ev = FTCD_EVENT_FRAME;
                    goto out;
                }
                d->state = ST_LENGTH;
            }
            break;
        case ST_LENGTH:
            d->len |= (uint32_t)data[i++] << (8u * d->pos);
            if (++d->pos == 4) {
                d->pos = 0;
                if (d->len == 0 || d->len > d->max_len) {
                    ev = fail(d, FTCD_STATUS_READ_SIZE);
                    goto out;
                }
                d->got = 0;
                d->state = ST_PAYLOAD;
            }
            break;
        case ST_PAYLOAD: {
            size_t n = len - i;
            if (n > (size_t)(d->len - d->got))
                n = (size_t)(d->len - d->got);
            memcpy(d->buf + d->got, data + i, n);
            d->got += (uint32_t)n;
            i += n;
            if (d->got == d->len)
                d->state = ST_DIGEST;
            break;
        }
        case ST_DIGEST: {
            size_t n = len - i;
            if (n > (size_t)(FTCD_DIGEST_SIZE - d->pos))
                n = (size_t)(FTCD_DIGEST_SIZE - d->pos);
            memcpy(d->digest + d->pos, data + i, n);
            d->pos = (uint8_t)(d->pos + n);
            i += n;
            if (d->pos == FTCD_DIGEST_SIZE) {
                d->pos = 0;
                ev = finish(d);
                goto out;
            }
            break;
        }
        default:
            /* Unreachable: ST_DONE is left at entry. Treat as a fresh scan. */
            ftcd_decoder_reset(d);
            break;
        }
    }
out:
    if (consumed != NULL)
        *consumed = i;
    return ev;
}

const uint8_t *ftcd_decoder_payload(const ftcd_decoder_t *d, size_t *len)
{
    if (d->state != ST_DONE || d->len == 0) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = d->len;
    return d->buf;
}

uint32_t ftcd_decoder_status(const ftcd_decoder_t *d)
{
    return d->status;
}

bool ftcd_decoder_in_frame(const ftcd_decoder_t *d)
{
    return d->state != ST_SCAN && d->state != ST_DONE;
}

uint32_t ftcd_decoder_truncated_status(const ftcd_decoder_t *d)
{
    switch (d->state) {
    case ST_STATUS:
    case ST_LENGTH:
        return FTCD_STATUS_READ_SIZE;
    case ST_PAYLOAD:
        return FTCD_STATUS_READ_BYTES;
    case ST_DIGEST:
        return FTCD_STATUS_READ_DIGEST;
    default:
        return FTCD_STATUS_SUCCESS;
    }
}

size_t ftcd_encode_head(ftcd_kind_t kind, uint32_t len, uint8_t out[FTCD_RESPONSE_HEAD_SIZE])
{
    memcpy(out, token, FTCD_TOKEN_SIZE);
    if (kind == FTCD_KIND_RESPONSE) {
        fcc_put_le32(out + 8, FTCD_STATUS_SUCCESS);
        fcc_put_le32(out + 12, len);
        return FTCD_RESPONSE_HEAD_SIZE;
    }
    fcc_put_le32(out + 8, len);
    return FTCD_REQUEST_HEAD_SIZE;
}

/* A payload length fits the frame's 32-bit length field. Always true where size_t has 32 bits,
 * where the plain comparison would be refused by -Wtype-limits (Cortex-M build). */
static bool len_fits_u32(size_t len)
{
#if SIZE_MAX > UINT32_MAX
    return len <= UINT32_MAX;
#else
    (void)len;
    return true;
#endif
}

static ftcd_status_t encode(ftcd_kind_t kind, const uint8_t *payload, size_t len, uint8_t *out,
                            size_t out_size, size_t *out_len)
{
    ftcd_status_t st = FTCD_STATUS_INVALID_PARAMETER;
    uint8_t head[FTCD_RESPONSE_HEAD_SIZE];
    size_t head_len, need;

    if (payload == NULL || out == NULL || out_len == NULL || len == 0 ||
        !len_fits_u32(len))
        goto cleanup;
    head_len = kind == FTCD_KIND_RESPONSE ? FTCD_RESPONSE_HEAD_SIZE : FTCD_REQUEST_HEAD_SIZE;
    need = head_len + len + FTCD_DIGEST_SIZE;
    *out_len = need;
    if (out_size < need) {
        st = FTCD_STATUS_OUT_OF_MEMORY;
        goto cleanup;
    }
    (void)ftcd_encode_head(kind, (uint32_t)len, head);
    memcpy(out, head, head_len);
    memcpy(out + head_len, payload, len);
    st = ftcd_digest(payload, len, out + head_len + len);
cleanup:
    return st;
}

ftcd_status_t ftcd_encode_request(const uint8_t *payload, size_t len, uint8_t *out,
                                  size_t out_size, size_t *out_len)
{
    return encode(FTCD_KIND_REQUEST, payload, len, out, out_size, out_len);
}

ftcd_status_t ftcd_encode_response(const uint8_t *payload, size_t len, uint8_t *out,
                                   size_t out_size, size_t *out_len)
{
    return encode(FTCD_KIND_RESPONSE, payload, len, out, out_size, out_len);
}

ftcd_status_t ftcd_encode_failure(uint32_t status, uint8_t out[FTCD_FAILURE_SIZE])
{
    if (out == NULL || status == FTCD_STATUS_SUCCESS)
        return FTCD_STATUS_INVALID_PARAMETER;
    memcpy(out, token, FTCD_TOKEN_SIZE);
    fcc_put_le32(out + 8, status);
    return FTCD_STATUS_SUCCESS;
}
