/* SPDX-License-Identifier: Apache-2.0 */
/* Session loop of the device end of the factory link (see serve.h). One connection object holds
 * the decoder and the bytes already read, so that on a serial line the bytes of the next session
 * that arrived with the previous one are not lost. Silence is measured from the last byte
 * received; a frame cut by silence is answered with status 12, a frame cut by the peer closing
 * its sending side with the status of the field it stopped in (4, 5 or 6). */
#include "serve.h"

#include "fcc/config.h"
#include "fcc/ftcd.h"
#include "link_io.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Longest single wait, so that a stop request between the check and poll() is noticed soon. */
#define SLICE_MS 200

typedef struct conn {
    int fd;
    bool stream_per_session; /* TCP: the idle timeout applies from the first byte on */
    ftcd_decoder_t dec;
    uint8_t rbuf[4096];
    size_t rlen, roff;
    uint8_t *req;
    uint8_t *resp;
    size_t resp_size;
    int idle_ms;
    int frame_ms;
    bool eof;                /* the peer closed: nothing more will come on this line */
    FILE *log;
} conn_t;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *link_end_text(link_end_t e)
{
    switch (e) {
    case LINK_END_DONE: return "done";
    case LINK_END_CLOSED: return "closed by the tool";
    case LINK_END_IDLE: return "idle timeout";
    case LINK_END_BROKEN: return "frame cut short";
    case LINK_END_STOPPED: return "stopped";
    case LINK_END_IO_ERROR: return "line error";
    }
    return "?";
}

static void logmsg(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logmsg(FILE *log, const char *fmt, ...)
{
    va_list ap;
    if (log == NULL)
        return;
    fputs("fcc-device: ", log);
    va_start(ap, fmt);
    vfprintf(log, fmt, ap);
    va_end(ap);
    fputc('\n', log);
    fflush(log);
}

static int send_failure(conn_t *c, uint32_t status)
{
    uint8_t f[FTCD_FAILURE_SIZE];
    if (ftcd_encode_failure(status, f) != FTCD_STATUS_SUCCESS)
        return LINK_ERR;
    logmsg(c->log, "answered transport status %u (%s)", (unsigned)status, ftcd_status_text(status));
    return link_write_all(c->fd, f, sizeof(f), c->idle_ms);
}

static int send_response(conn_t *c, size_t len)
{
    uint8_t head[FTCD_RESPONSE_HEAD_SIZE], digest[FTCD_DIGEST_SIZE];
    size_t hlen = ftcd_encode_head(FTCD_KIND_RESPONSE, (uint32_t)len, head);
    if (ftcd_digest(c->resp, len, digest) != FTCD_STATUS_SUCCESS)
        return send_failure(c, FTCD_STATUS_CALC_DIGEST);
    struct iovec v[3] = {
        {.iov_base = head, .iov_len = hlen},
        {.iov_base = c->resp, .iov_len = len},
        {.iov_base = digest, .iov_len = sizeof(digest)},
    };
    return link_writev_all(c->fd, v, 3, c->idle_ms);
}

/* Runs one session on the connection. */
static link_end_t session(conn_t *c, const link_server_opts_t *o, const link_handler_t *h,
                          link_stats_t *st)
{
    bool in_session = false; /* a keep-alive message was answered: the tool owes the next one */
    long last = now_ms();
    long frame_start = -1;   /* when the frame being read began, -1 outside a frame */
    if (h->session_start != NULL)
        h->session_start(h->ctx);
    st->last_messages = 0;
    st->last_refused = 0;
    for (;;) {
        if (o->stop != NULL && *o->stop)
            return LINK_END_STOPPED;
        while (c->roff < c->rlen) {
            size_t used = 0;
            uint64_t skipped = c->dec.skipped;
            ftcd_event_t ev = ftcd_decoder_feed(&c->dec, c->rbuf + c->roff, c->rlen - c->roff,
                                                &used);
            c->roff += used;
            st->skipped += c->dec.skipped - skipped;
            if (ev == FTCD_EVENT_ERROR) {
                st->refused++;
                st->last_refused++;
                if (send_failure(c, ftcd_decoder_status(&c->dec)) != 0)
                    return LINK_END_IO_ERROR;
            } else if (ev == FTCD_EVENT_FRAME) {
                size_t plen = 0, rlen = 0;
                bool keep = false;
                const uint8_t *p = ftcd_decoder_payload(&c->dec, &plen);
                uint32_t ts = h->handle(h->ctx, p, plen, c->resp, c->resp_size, &rlen, &keep);
                st->messages++;
                st->last_messages++;
                if (ts == FTCD_STATUS_SUCCESS && (rlen == 0 || rlen > c->resp_size))
                    ts = FTCD_STATUS_PROCESS_MESSAGE;
                if (ts != FTCD_STATUS_SUCCESS) {
                    st->refused++;
                    st->last_refused++;
                    keep = false;
                    if (send_failure(c, ts) != 0)
                        return LINK_END_IO_ERROR;
                } else if (send_response(c, rlen) != 0) {
                    return LINK_END_IO_ERROR;
                }
                if (!keep)
                    return LINK_END_DONE;
                in_session = true;
            }
        }
        bool in_frame = ftcd_decoder_in_frame(&c->dec);
        bool timed = c->stream_per_session || in_session || in_frame;
        int wait = SLICE_MS;
        long now = now_ms();
        if (!in_frame)
            frame_start = -1;
        else if (frame_start < 0)
            frame_start = now;
        if (timed) {
            long left = c->idle_ms - (now - last);
            /* A tool that sends a byte just inside every idle timeout must not hold the device:
             * the whole frame has its own deadline. */
            if (in_frame && c->frame_ms - (now - frame_start) < left)
                left = c->frame_ms - (now - frame_start);
            if (left <= 0) {
                if (in_frame) {
                    ftcd_decoder_reset(&c->dec);
                    st->refused++;
                    st->last_refused++;
                    (void)send_failure(c, FTCD_STATUS_NETWORK_TIMEOUT);
                    return LINK_END_BROKEN;
                }
                return LINK_END_IDLE;
            }
            if (left < wait)
                wait = (int)left;
        }
        long n = link_read(c->fd, c->rbuf, sizeof(c->rbuf), wait);
        if (n > 0) {
            c->rlen = (size_t)n;
            c->roff = 0;
            last = now_ms();
            continue;
        }
        if (n == LINK_TIMEOUT || n == LINK_INTR) {
            if (!timed)
                last = now_ms();
            continue;
        }
        if (n == 0) {
            c->eof = true;
            if (in_frame) {
                uint32_t s = ftcd_decoder_truncated_status(&c->dec);
                ftcd_decoder_reset(&c->dec);
                st->refused++;
                st->last_refused++;
                /* The tool may only have closed its sending side: tell it what was missing. */
                (void)send_failure(c, s);
                return LINK_END_BROKEN;
            }
            return LINK_END_CLOSED;
        }
        return LINK_END_IO_ERROR;
    }
}

static int conn_init(conn_t *c, int fd, bool tcp, const link_server_opts_t *o)
{
    uint32_t max = o->max_frame ? o->max_frame : FCC_FRAME_MAX_DEFAULT;
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->stream_per_session = tcp;
    c->idle_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : 30000;
    c->frame_ms = o->frame_timeout_ms > 0 ? o->frame_timeout_ms : 120000;
    c->resp_size = o->resp_size ? o->resp_size : FCC_RESPONSE_MAX;
    c->log = o->log;
    c->req = malloc(max);
    c->resp = malloc(c->resp_size);
    if (c->req == NULL || c->resp == NULL) {
        free(c->req);
        free(c->resp);
        errno = ENOMEM;
        return -1;
    }
    ftcd_decoder_init(&c->dec, FTCD_KIND_REQUEST, c->req, max, max);
    return 0;
}

static void conn_free(conn_t *c)
{
    free(c->req);
    free(c->resp);
    c->req = c->resp = NULL;
}

static void session_log(FILE *log, const link_stats_t *st)
{
    if (log == NULL)
        return;
    fprintf(log, "fcc-device: session ended (%s): %llu message(s), %llu refused frame(s)\n",
            link_end_text(st->last_end), (unsigned long long)st->last_messages,
            (unsigned long long)st->last_refused);
    fflush(log);
}

int link_serve_tcp(int lfd, const link_server_opts_t *o, const link_handler_t *h,
                   link_stats_t *stats)
{
    link_stats_t local;
    link_stats_t *st = stats ? stats : &local;
    conn_t *c = malloc(sizeof(*c));
    int rc = -1;
    memset(st, 0, sizeof(*st));
    st->last_end = LINK_END_STOPPED;
    if (c == NULL)
        return -1;
    for (;;) {
        char peer[96] = "";
        if (o->stop != NULL && *o->stop) {
            rc = 0;
            break;
        }
        int fd = link_tcp_accept(lfd, SLICE_MS, peer, sizeof(peer));
        if (fd == LINK_TIMEOUT || fd == LINK_INTR)
            continue;
        if (fd < 0) {
            if (errno == ECONNABORTED || errno == EMFILE || errno == ENFILE)
                continue;
            break;
        }
        if (conn_init(c, fd, true, o) != 0) {
            close(fd);
            break;
        }
        logmsg(o->log, "tool connected from %s", peer);
        st->sessions++;
        st->last_end = session(c, o, h, st);
        session_log(o->log, st);
        /* Let the tool read the last response before the connection goes: close our side, then
         * read (and drop) what the tool still sends until it closes too, so that close() does not
         * reset the connection under the response. Bounded to one second. */
        (void)shutdown(fd, SHUT_WR);
        long until = now_ms() + 1000;
        while (!c->eof && now_ms() < until && !(o->stop != NULL && *o->stop)) {
            long n = link_read(fd, c->rbuf, sizeof(c->rbuf), SLICE_MS);
            if (n == 0 || n == LINK_ERR)
                break;
        }
        close(fd);
        conn_free(c);
        if (o->once) {
            rc = 0;
            break;
        }
    }
    free(c);
    return rc;
}

int link_serve_serial(int fd, const link_server_opts_t *o, const link_handler_t *h,
                      link_stats_t *stats)
{
    link_stats_t local;
    link_stats_t *st = stats ? stats : &local;
    conn_t *c = malloc(sizeof(*c));
    int rc = -1;
    memset(st, 0, sizeof(*st));
    st->last_end = LINK_END_STOPPED;
    if (c == NULL || conn_init(c, fd, false, o) != 0) {
        free(c);
        return -1;
    }
    for (;;) {
        link_end_t e = session(c, o, h, st);
        if (st->last_messages > 0 || st->last_refused > 0) {
            st->sessions++;
            st->last_end = e;
            session_log(o->log, st);
        }
        if (e == LINK_END_STOPPED || c->eof) {
            /* stopped, or the line hung up (a pty whose other end closed) */
            rc = 0;
            break;
        }
        if (e == LINK_END_IO_ERROR)
            break;
        if (o->once) {
            rc = 0;
            break;
        }
    }
    conn_free(c);
    free(c);
    return rc;
}
