/* SPDX-License-Identifier: Apache-2.0 */
/* FTCD, the framing codec of the factory link (wire contract section 1). The same frames travel
 * over TCP or a serial line, so the codec knows nothing of transports: the caller feeds it the
 * bytes as they arrive, in pieces of any size, and it reports finished frames and broken ones.
 * It decodes and encodes both directions (request frames tool -> device, response frames
 * device -> tool), so the device and the factory tool share one implementation. No heap: the
 * caller owns the decoder and its payload buffer.
 *
 * Request:  "mbedprov" | u32 LE length (1..max) | payload | SHA-256(payload)
 * Response: "mbedprov" | u32 LE status | if status == 0: u32 LE length | payload | SHA-256(payload)
 * Byte-level description and the resynchronisation rules: docs/framing.md. */
#ifndef FCC_FTCD_H
#define FCC_FTCD_H

#include "fcc/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FTCD_TOKEN "mbedprov"
#define FTCD_TOKEN_SIZE 8u
#define FTCD_DIGEST_SIZE 32u
/* token + length */
#define FTCD_REQUEST_HEAD_SIZE 12u
/* token + status + length */
#define FTCD_RESPONSE_HEAD_SIZE 16u
/* token + status of a response that failed */
#define FTCD_FAILURE_SIZE 12u
/* Whole frames around a payload of n bytes. */
#define FTCD_REQUEST_SIZE(n) (FTCD_REQUEST_HEAD_SIZE + (size_t)(n) + FTCD_DIGEST_SIZE)
#define FTCD_RESPONSE_SIZE(n) (FTCD_RESPONSE_HEAD_SIZE + (size_t)(n) + FTCD_DIGEST_SIZE)

/* Transport status numbers (u32 on the wire). Stable; shared with the existing ecosystem. */
typedef enum ftcd_status {
    FTCD_STATUS_SUCCESS = 0,
    FTCD_STATUS_ERROR = 1,
    FTCD_STATUS_INVALID_PARAMETER = 2,
    FTCD_STATUS_OUT_OF_MEMORY = 3,
    FTCD_STATUS_READ_SIZE = 4,          /* length 0, over the maximum, or cut short */
    FTCD_STATUS_READ_BYTES = 5,         /* payload cut short */
    FTCD_STATUS_READ_DIGEST = 6,        /* digest cut short */
    FTCD_STATUS_CALC_DIGEST = 7,        /* SHA-256 failed */
    FTCD_STATUS_DIGEST_MISMATCH = 8,
    FTCD_STATUS_PROCESS_DATA = 9,
    FTCD_STATUS_PROCESS_MESSAGE = 10,
    FTCD_STATUS_SEND_RESPONSE = 11,
    FTCD_STATUS_NETWORK_TIMEOUT = 12,
    FTCD_STATUS_NETWORK_ERROR = 13,
    FTCD_STATUS_CONNECTION_CLOSED = 14,
    FTCD_STATUS_INTERNAL = 15,
    FTCD_STATUS_MAX_ = 15
} ftcd_status_t;

/* Symbolic name ("FTCD_STATUS_DIGEST_MISMATCH") and a short English text of a transport status;
 * static strings, never NULL ("FTCD_STATUS_UNKNOWN" / "unknown status" outside the table).
 * Only with FCC_STATUS_NAMES (fcc/config.h: set by the host build, off on a device by default);
 * without it both return "". */
const char *ftcd_status_name(uint32_t status);
const char *ftcd_status_text(uint32_t status);

/* Which frames a decoder reads: the device decodes requests, the tool decodes responses. */
typedef enum ftcd_kind {
    FTCD_KIND_REQUEST = 0,
    FTCD_KIND_RESPONSE = 1
} ftcd_kind_t;

/* What ftcd_decoder_feed() stopped on. */
typedef enum ftcd_event {
    FTCD_EVENT_NONE = 0,  /* every byte was consumed; no frame finished yet */
    FTCD_EVENT_FRAME = 1, /* a frame is complete: ftcd_decoder_payload(), ftcd_decoder_status() */
    FTCD_EVENT_ERROR = 2  /* a broken frame was dropped; ftcd_decoder_status() is the transport
                             status to answer (4 bad length, 7 digest failed, 8 digest mismatch) */
} ftcd_event_t;

typedef struct ftcd_decoder {
    /* private: use the functions below */
    uint8_t *buf;
    size_t buf_size;
    uint32_t max_len;
    uint8_t kind;
    uint8_t state;
    uint8_t pos;          /* bytes read of the current fixed-size field */
    uint32_t len;         /* declared payload length */
    uint32_t got;         /* payload bytes read */
    uint32_t status;      /* response status, or the status of the last error event */
    uint8_t digest[FTCD_DIGEST_SIZE];
    /* statistics, readable by the caller */
    uint64_t skipped;     /* bytes discarded while looking for a token */
    uint64_t frames;      /* frames delivered */
    uint64_t errors;      /* broken frames dropped */
} ftcd_decoder_t;

/* Prepares a decoder of `kind`. `buf` (borrowed until the decoder is no longer used) receives
 * payloads; `max_len` caps the declared length (0: FCC_FRAME_MAX_DEFAULT); the cap is further
 * limited to buf_size, so a declared length the buffer cannot hold is refused with status 4,
 * never written past the buffer. Cannot fail; a NULL buffer makes every frame fail with 4. */
void ftcd_decoder_init(ftcd_decoder_t *d, ftcd_kind_t kind, uint8_t *buf, size_t buf_size,
                       uint32_t max_len);

/* Feeds `len` bytes (any split: one byte at a time works). Consumes bytes until a frame finishes
 * or is refused, or until the input runs out, and stores the count in *consumed; feed the rest
 * again after handling the event. Bytes before a token are skipped; a token is never missed
 * after a partial match. After an error event the decoder looks for the next token.
 * A frame's payload stays valid until the next call of feed or reset. */
ftcd_event_t ftcd_decoder_feed(ftcd_decoder_t *d, const uint8_t *data, size_t len,
                               size_t *consumed);

/* Payload of the frame just delivered (NULL and 0 for a failure response or no frame). */
const uint8_t *ftcd_decoder_payload(const ftcd_decoder_t *d, size_t *len);

/* After FTCD_EVENT_FRAME: the response's transport status (always 0 for a request).
 * After FTCD_EVENT_ERROR: the status to answer. */
uint32_t ftcd_decoder_status(const ftcd_decoder_t *d);

/* True between a whole token and the end of its frame. A partial token is not a frame yet. */
bool ftcd_decoder_in_frame(const ftcd_decoder_t *d);

/* Status that describes a frame cut short by end of stream or silence: 4 inside the status or
 * length field, 5 inside the payload, 6 inside the digest; 0 when no frame is in progress (a
 * partial token is garbage, not a frame). */
uint32_t ftcd_decoder_truncated_status(const ftcd_decoder_t *d);

/* Drops any partial frame and looks for a token again. Statistics are kept. */
void ftcd_decoder_reset(ftcd_decoder_t *d);

/* Encoders. They write into caller buffers and return FTCD_STATUS_SUCCESS,
 * FTCD_STATUS_INVALID_PARAMETER (NULL pointers, length 0, or a payload over UINT32_MAX bytes),
 * FTCD_STATUS_OUT_OF_MEMORY (out too small; *out_len is then the size needed) or
 * FTCD_STATUS_CALC_DIGEST. `payload` and `out` must not overlap. */
ftcd_status_t ftcd_encode_request(const uint8_t *payload, size_t len, uint8_t *out,
                                  size_t out_size, size_t *out_len);
ftcd_status_t ftcd_encode_response(const uint8_t *payload, size_t len, uint8_t *out,
                                   size_t out_size, size_t *out_len);

/* A failed response: token and a non-zero status, FTCD_FAILURE_SIZE bytes. Returns
 * FTCD_STATUS_INVALID_PARAMETER for status 0 (a success frame must carry a payload). */
ftcd_status_t ftcd_encode_failure(uint32_t status, uint8_t out[FTCD_FAILURE_SIZE]);

/* Pieces for a writer that sends the payload from where it lies (writev): the head of a frame of
 * `kind` (12 bytes for a request, 16 for a successful response; the count is returned) and the
 * digest trailer. ftcd_digest returns FTCD_STATUS_SUCCESS or FTCD_STATUS_CALC_DIGEST. */
size_t ftcd_encode_head(ftcd_kind_t kind, uint32_t len, uint8_t out[FTCD_RESPONSE_HEAD_SIZE]);
ftcd_status_t ftcd_digest(const uint8_t *payload, size_t len, uint8_t out[FTCD_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif
#endif /* FCC_FTCD_H */
