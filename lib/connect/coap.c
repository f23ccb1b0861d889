/* SPDX-License-Identifier: Apache-2.0 */
/* CoAP encoding of the connect check's one request and decoding of the header of its answer
 * (RFC 7252 section 3). Options are written in increasing number with the delta / length nibbles
 * and their 1- or 2-byte extensions. No state, no heap. */
#include "coap.h"

#include <string.h>

#define OPT_URI_PATH 11u
#define OPT_CONTENT_FORMAT 12u
#define OPT_URI_QUERY 15u
#define CONTENT_FORMAT_LINK 40u

typedef struct writer {
    uint8_t *out;
    size_t size;
    size_t len;
    bool failed;
    unsigned last_opt;
} writer_t;

static void put(writer_t *w, const void *p, size_t n)
{
    if (w->failed || n > w->size - w->len) {
        w->failed = true;
        return;
    }
    memcpy(w->out + w->len, p, n);
    w->len += n;
}

static void put_byte(writer_t *w, uint8_t b)
{
    put(w, &b, 1);
}

/* A nibble (0..12) or its extension marker (13: one more byte, 14: two more bytes). */
static unsigned nibble(size_t v)
{
    return v < 13 ? (unsigned)v : (v < 269 ? 13u : 14u);
}

static void put_ext(writer_t *w, size_t v)
{
    if (v >= 269) {
        put_byte(w, (uint8_t)((v - 269) >> 8));
        put_byte(w, (uint8_t)((v - 269) & 0xffu));
    } else if (v >= 13) {
        put_byte(w, (uint8_t)(v - 13));
    }
}

static void put_option(writer_t *w, unsigned number, const uint8_t *val, size_t len)
{
    size_t delta = number - w->last_opt;
    if (len > 65535u + 269u) {
        w->failed = true;
        return;
    }
    put_byte(w, (uint8_t)(nibble(delta) << 4 | nibble(len)));
    put_ext(w, delta);
    put_ext(w, len);
    if (len > 0)
        put(w, val, len);
    w->last_opt = number;
}

size_t fcc_coap_request(uint8_t *out, size_t size, bool bootstrap, const uint8_t *ep,
                        size_t ep_len, uint16_t mid, const uint8_t token[FCC_COAP_TOKEN_SIZE])
{
    static const char payload[] = "</1>,</3/0>";
    uint8_t query[3 + 255];
    uint8_t cf = CONTENT_FORMAT_LINK;
    writer_t w = {out, size, 0, false, 0};

    if (out == NULL || ep == NULL || token == NULL || ep_len == 0 || ep_len > 255)
        return 0;
    put_byte(&w, (uint8_t)(1u << 6 | FCC_COAP_TYPE_CON << 4 | FCC_COAP_TOKEN_SIZE));
    put_byte(&w, FCC_COAP_POST);
    put_byte(&w, (uint8_t)(mid >> 8));
    put_byte(&w, (uint8_t)(mid & 0xffu));
    put(&w, token, FCC_COAP_TOKEN_SIZE);
    put_option(&w, OPT_URI_PATH, (const uint8_t *)(bootstrap ? "bs" : "rd"), 2);
    if (!bootstrap)
        put_option(&w, OPT_CONTENT_FORMAT, &cf, 1);
    memcpy(query, "ep=", 3);
    memcpy(query + 3, ep, ep_len);
    put_option(&w, OPT_URI_QUERY, query, 3 + ep_len);
    if (!bootstrap) {
        put_option(&w, OPT_URI_QUERY, (const uint8_t *)"lwm2m=1.1", 9);
        put_byte(&w, 0xffu);
        put(&w, payload, sizeof(payload) - 1);
    }
    return w.failed ? 0 : w.len;
}

int fcc_coap_parse(const uint8_t *msg, size_t len, fcc_coap_msg_t *m)
{
    if (msg == NULL || m == NULL || len < 4 || (msg[0] >> 6) != 1)
        return -1;
    memset(m, 0, sizeof(*m));
    m->type = (msg[0] >> 4) & 3u;
    m->token_len = msg[0] & 0x0fu;
    if (m->token_len > 8 || len < 4 + m->token_len)
        return -1;
    m->code = msg[1];
    m->mid = (uint16_t)(msg[2] << 8 | msg[3]);
    if (m->token_len > 0)
        memcpy(m->token, msg + 4, m->token_len);
    return 0;
}

size_t fcc_coap_empty_ack(uint8_t *out, uint16_t mid)
{
    out[0] = (uint8_t)(1u << 6 | FCC_COAP_TYPE_ACK << 4);
    out[1] = 0;
    out[2] = (uint8_t)(mid >> 8);
    out[3] = (uint8_t)(mid & 0xffu);
    return 4;
}
