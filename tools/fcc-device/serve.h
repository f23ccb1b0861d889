/* SPDX-License-Identifier: Apache-2.0 */
/* The device end of the factory link on a host: reads request frames from a TCP connection or a
 * serial line through lib/ftcd, hands each payload to a handler and writes the response frame.
 * It knows sessions (a tool's messages up to the one without keep-alive), idle timeouts and
 * broken frames, but nothing of bundles: fcc-device plugs the FCC bundle handler in, the link
 * benchmark a handler that does no work. */
#ifndef FCC_DEVICE_SERVE_H
#define FCC_DEVICE_SERVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The work done for each message. */
typedef struct link_handler {
    void *ctx;
    /* A new session begins (a new TCP connection, or the next session on a serial line): drop
     * any keep-alive state of the previous tool. May be NULL. */
    void (*session_start)(void *ctx);
    /* Handles one request payload (borrowed for the call). Returns 0 with the response payload
     * in resp[0..*resp_len) (resp_len > 0) and *keep_alive set when more messages follow, or a
     * non-zero transport status (lib/ftcd numbers) to answer with a failure frame instead. */
    uint32_t (*handle)(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp,
                       size_t resp_size, size_t *resp_len, bool *keep_alive);
} link_handler_t;

typedef struct link_server_opts {
    int idle_timeout_ms;   /* silence allowed inside a frame or a session (<= 0: 30 s) */
    int frame_timeout_ms;  /* whole time one frame may take from its first token byte to its
                              last digest byte, however steadily the bytes trickle in (<= 0:
                              120 s); past it the tool gets transport status 12 */
    uint32_t max_frame;    /* largest request payload (0: FCC_FRAME_MAX_DEFAULT) */
    size_t resp_size;      /* response payload buffer (0: FCC_RESPONSE_MAX) */
    bool once;             /* return after the first session (TCP: the first connection) */
    FILE *log;             /* one line per event, or NULL for silence */
    volatile sig_atomic_t *stop; /* set by a signal handler: finish and return (may be NULL) */
} link_server_opts_t;

/* How a session ended. */
typedef enum link_end {
    LINK_END_DONE = 0,       /* the last message (no keep-alive) was answered */
    LINK_END_CLOSED = 1,     /* the peer went away between frames */
    LINK_END_IDLE = 2,       /* the peer was silent between frames for the idle timeout */
    LINK_END_BROKEN = 3,     /* the peer went away or fell silent inside a frame */
    LINK_END_STOPPED = 4,    /* the stop flag was raised */
    LINK_END_IO_ERROR = 5    /* reading or writing the line failed */
} link_end_t;

/* Counters over the whole serve call, and the last session's details. */
typedef struct link_stats {
    uint64_t sessions;
    uint64_t messages;        /* frames handed to the handler */
    uint64_t refused;         /* failure frames sent (broken frames, handler failures) */
    uint64_t skipped;         /* garbage bytes skipped before tokens */
    link_end_t last_end;
    uint64_t last_messages;   /* messages of the last session */
    uint64_t last_refused;    /* failure frames of the last session */
} link_stats_t;

/* Serves tools connecting to the listening socket `lfd`, one at a time, until the stop flag is
 * raised or (with `once`) after the first connection. Returns 0, or -1 if the listener failed
 * (errno set). Fills *stats (may be NULL). */
int link_serve_tcp(int lfd, const link_server_opts_t *opts, const link_handler_t *h,
                   link_stats_t *stats);

/* Serves sessions on an open serial line `fd` until the stop flag, the line hanging up, or (with
 * `once`) the end of the first session. Returns 0, or -1 when the line failed. */
int link_serve_serial(int fd, const link_server_opts_t *opts, const link_handler_t *h,
                      link_stats_t *stats);

/* Short text of a link_end_t ("done", "closed", ...). */
const char *link_end_text(link_end_t e);

#endif /* FCC_DEVICE_SERVE_H */
