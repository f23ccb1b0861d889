/* SPDX-License-Identifier: Apache-2.0 */
/* The little of CoAP (RFC 7252) the connect check needs: one confirmable request with Uri-Path,
 * Content-Format and Uri-Query options, and the header of an answer (type, code, message ID,
 * token). libcoap is not a device dependency and the format is tiny and fixed, so it is encoded
 * here. Pure functions over caller buffers; the unit tests call them directly. Internal to
 * lib/connect. */
#ifndef FCC_CONNECT_COAP_H
#define FCC_CONNECT_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FCC_COAP_TYPE_CON 0
#define FCC_COAP_TYPE_NON 1
#define FCC_COAP_TYPE_ACK 2
#define FCC_COAP_TYPE_RST 3

#define FCC_COAP_POST 0x02u
#define FCC_COAP_TOKEN_SIZE 4u

/* Header fields of a received message. */
typedef struct fcc_coap_msg {
    unsigned type;
    unsigned code; /* class << 5 | detail; 0 = empty message */
    uint16_t mid;
    size_t token_len;
    uint8_t token[8];
} fcc_coap_msg_t;

/* Writes the check's request: a CON POST with message ID `mid` and the 4-byte `token`.
 * Bootstrap: Uri-Path "bs", Uri-Query "ep=EP". LwM2M: Uri-Path "rd", Content-Format 40
 * (link-format), Uri-Query "ep=EP" and "lwm2m=1.1", payload "</1>,</3/0>" (the objects every
 * LwM2M client has: Server and Device). Returns the length, or 0 when `size` is too small or the
 * endpoint is empty or longer than 255 bytes. */
size_t fcc_coap_request(uint8_t *out, size_t size, bool bootstrap, const uint8_t *ep,
                        size_t ep_len, uint16_t mid, const uint8_t token[FCC_COAP_TOKEN_SIZE]);

/* Parses the header and token of a message. Returns 0, or -1 for what is not CoAP version 1
 * (too short, token length over 8, cut token). */
int fcc_coap_parse(const uint8_t *msg, size_t len, fcc_coap_msg_t *m);

/* Writes an empty ACK for message ID `mid` (4 bytes; out holds at least 4). Returns 4. */
size_t fcc_coap_empty_ack(uint8_t *out, uint16_t mid);

#endif /* FCC_CONNECT_COAP_H */
