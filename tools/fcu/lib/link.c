/* SPDX-License-Identifier: Apache-2.0 */
/* Tool side of the factory link (see link.h): sockets and serial lines with deadlines, and the
 * shared framing codec for both directions. Every wait is a poll() bounded by the caller's
 * deadline, so a device that never answers costs exactly the timeout and nothing hangs. */
#include "link.h"

#include "fcc/ftcd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Largest response payload accepted: CSRs of five keys fit many times over. */
#define LINK_RESPONSE_MAX (256u * 1024u)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left before `deadline` (seconds, monotonic), at least 0. */
static int ms_left(double deadline)
{
    double left = deadline - now_s();
    if (left <= 0)
        return 0;
    return (int)(left * 1000.0) + 1;
}

const char *link_result_name(int rc)
{
    switch (rc) {
    case LINK_OK: return "ok";
    case LINK_E_CONNECT: return "cannot connect";
    case LINK_E_TIMEOUT: return "timeout";
    case LINK_E_CLOSED: return "connection closed";
    case LINK_E_IO: return "i/o error";
    case LINK_E_FRAME: return "broken response frame";
    case LINK_E_STATUS: return "transport error status";
    default: return "unknown";
    }
}

int link_addr_parse(const char *text, link_addr_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(text, "tcp:", 4) == 0) {
        const char *h = text + 4, *colon;
        size_t hlen;
        out->kind = LINK_TCP;
        if (*h == '[') {
            const char *end = strchr(h, ']');
            if (end == NULL || end[1] != ':') {
                snprintf(err, errlen, "bad address '%s': expected tcp:[IPv6]:PORT", text);
                return -1;
            }
            h++;
            hlen = (size_t)(end - h);
            colon = end + 1;
        } else {
            colon = strrchr(h, ':');
            if (colon == NULL) {
                snprintf(err, errlen, "bad address '%s': expected tcp:HOST:PORT", text);
                return -1;
            }
            hlen = (size_t)(colon - h);
        }
        if (hlen == 0 || hlen >= sizeof(out->host)) {
            snprintf(err, errlen, "bad address '%s': host missing or too long", text);
            return -1;
        }
        memcpy(out->host, h, hlen);
        out->host[hlen] = '\0';
        char *end = NULL;
        errno = 0;
        long port = strtol(colon + 1, &end, 10);
        if (errno != 0 || end == colon + 1 || *end != '\0' || port < 1 || port > 65535) {
            snprintf(err, errlen, "bad address '%s': port must be 1..65535", text);
            return -1;
        }
        out->port = (unsigned)port;
        return 0;
    }
    if (strncmp(text, "serial:", 7) == 0) {
        const char *p = text + 7;
        const char *at = strrchr(p, '@');
        size_t plen = at ? (size_t)(at - p) : strlen(p);
        out->kind = LINK_SERIAL;
        if (plen == 0 || plen >= sizeof(out->path)) {
            snprintf(err, errlen, "bad address '%s': serial device path missing or too long",
                     text);
            return -1;
        }
        memcpy(out->path, p, plen);
        out->path[plen] = '\0';
        if (at != NULL) {
            char *end = NULL;
            long baud = strtol(at + 1, &end, 10);
            if (end == at + 1 || *end != '\0' || baud <= 0) {
                snprintf(err, errlen, "bad address '%s': baud rate after '@' must be a number",
                         text);
                return -1;
            }
            out->baud = (unsigned)baud;
        }
        return 0;
    }
    snprintf(err, errlen, "bad address '%s': expected tcp:HOST:PORT or serial:PATH[@BAUD]", text);
    return -1;
}

void link_addr_format(const link_addr_t *a, char *buf, size_t size)
{
    if (a->kind == LINK_TCP)
        snprintf(buf, size, strchr(a->host, ':') ? "tcp:[%s]:%u" : "tcp:%s:%u", a->host,
                 a->port);
    else
        snprintf(buf, size, "serial:%s@%u", a->path, a->baud ? a->baud : 115200u);
}

static speed_t baud_constant(unsigned baud)
{
    switch (baud) {
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 2000000: return B2000000;
    case 4000000: return B4000000;
    default: return 0;
    }
}

static int open_serial(link_t *l, const link_addr_t *a, char *err, size_t errlen)
{
    unsigned baud = a->baud ? a->baud : 115200u;
    speed_t sp = baud_constant(baud);
    struct termios tio;
    if (sp == 0) {
        snprintf(err, errlen, "%s: unsupported baud rate %u", a->path, baud);
        return LINK_E_CONNECT;
    }
    int fd = open(a->path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", a->path, strerror(errno));
        return LINK_E_CONNECT;
    }
    if (tcgetattr(fd, &tio) != 0) {
        snprintf(err, errlen, "%s is not a serial line: %s", a->path, strerror(errno));
        close(fd);
        return LINK_E_CONNECT;
    }
    cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (cfsetispeed(&tio, sp) != 0 || cfsetospeed(&tio, sp) != 0 ||
        tcsetattr(fd, TCSANOW, &tio) != 0) {
        snprintf(err, errlen, "cannot configure %s: %s", a->path, strerror(errno));
        close(fd);
        return LINK_E_CONNECT;
    }
    tcflush(fd, TCIOFLUSH); /* stale bytes of an earlier session are not our answer */
    l->fd = fd;
    return LINK_OK;
}

static int open_tcp(link_t *l, const link_addr_t *a, int timeout_ms, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL, *ai;
    char port[16];
    int rc = LINK_E_CONNECT;
    double deadline = now_s() + timeout_ms / 1000.0;
    char why[256] = "no address";

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", a->port);
    int g = getaddrinfo(a->host, port, &hints, &res);
    if (g != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", a->host, gai_strerror(g));
        return LINK_E_CONNECT;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            snprintf(why, sizeof(why), "%s", strerror(errno));
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
            snprintf(why, sizeof(why), "%s", strerror(errno));
            close(fd);
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int pr;
        do {
            pr = poll(&p, 1, ms_left(deadline));
        } while (pr < 0 && errno == EINTR);
        if (pr == 0) {
            snprintf(why, sizeof(why), "no answer within %d ms", timeout_ms);
            close(fd);
            continue;
        }
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
            snprintf(why, sizeof(why), "%s", strerror(soerr ? soerr : errno));
            close(fd);
            continue;
        }
        l->fd = fd;
        rc = LINK_OK;
        break;
    }
    freeaddrinfo(res);
    if (rc != LINK_OK)
        snprintf(err, errlen, "cannot connect to %s:%u: %s", a->host, a->port, why);
    return rc;
}

int link_open(link_t *l, const link_addr_t *a, int timeout_ms, double *seconds, char *err,
              size_t errlen)
{
    double t0 = now_s();
    l->fd = -1;
    l->addr = *a;
    int rc = a->kind == LINK_TCP ? open_tcp(l, a, timeout_ms, err, errlen)
                                 : open_serial(l, a, err, errlen);
    if (seconds != NULL)
        *seconds = now_s() - t0;
    return rc;
}

void link_close(link_t *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

/* Writes all of iov before the deadline. */
static int write_all(link_t *l, struct iovec *iov, int iovcnt, double deadline, char *err,
                     size_t errlen)
{
    while (iovcnt > 0) {
        ssize_t n;
        if (l->addr.kind == LINK_TCP) {
            struct msghdr m;
            memset(&m, 0, sizeof(m));
            m.msg_iov = iov;
            m.msg_iovlen = (size_t)iovcnt;
            n = sendmsg(l->fd, &m, MSG_NOSIGNAL);
        } else {
            n = writev(l->fd, iov, iovcnt);
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                int ms = ms_left(deadline);
                if (ms == 0) {
                    snprintf(err, errlen, "timeout while sending the request");
                    return LINK_E_TIMEOUT;
                }
                struct pollfd p = {.fd = l->fd, .events = POLLOUT};
                poll(&p, 1, ms);
                continue;
            }
            snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
            return (errno == EPIPE || errno == ECONNRESET) ? LINK_E_CLOSED : LINK_E_IO;
        }
        size_t done = (size_t)n;
        while (iovcnt > 0 && done >= iov->iov_len) {
            done -= iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + done;
            iov->iov_len -= done;
        }
    }
    return LINK_OK;
}

int link_exchange(link_t *l, const uint8_t *payload, size_t len, int timeout_ms, uint8_t **resp,
                  size_t *resp_len, int *transport_status, link_timing_t *timing, char *err,
                  size_t errlen)
{
    int rc = LINK_E_IO;
    uint8_t head[FTCD_RESPONSE_HEAD_SIZE], digest[FTCD_DIGEST_SIZE];
    uint8_t chunk[4096];
    uint8_t *buf = NULL;
    ftcd_decoder_t dec;
    double t0 = now_s(), t_sent = 0, t_first = 0;
    double deadline = t0 + timeout_ms / 1000.0;
    link_timing_t tm = {0};

    *resp = NULL;
    *resp_len = 0;
    *transport_status = -1;
    if (l->fd < 0 || payload == NULL || len == 0 || len > UINT32_MAX) {
        snprintf(err, errlen, "nothing to send");
        rc = LINK_E_IO;
        goto cleanup;
    }
    buf = malloc(LINK_RESPONSE_MAX);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        goto cleanup;
    }
    size_t hlen = ftcd_encode_head(FTCD_KIND_REQUEST, (uint32_t)len, head);
    if (ftcd_digest(payload, len, digest) != FTCD_STATUS_SUCCESS) {
        snprintf(err, errlen, "cannot compute the request digest");
        goto cleanup;
    }
    struct iovec iov[3] = {{head, hlen}, {(void *)(uintptr_t)payload, len}, {digest, sizeof(digest)}};
    rc = write_all(l, iov, 3, deadline, err, errlen);
    if (rc != LINK_OK)
        goto cleanup;
    t_sent = now_s();
    tm.send = t_sent - t0;

    ftcd_decoder_init(&dec, FTCD_KIND_RESPONSE, buf, LINK_RESPONSE_MAX, LINK_RESPONSE_MAX);
    for (;;) {
        int ms = ms_left(deadline);
        struct pollfd p = {.fd = l->fd, .events = POLLIN};
        int pr = ms > 0 ? poll(&p, 1, ms) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr == 0) {
            if (ftcd_decoder_in_frame(&dec)) {
                *transport_status = (int)ftcd_decoder_truncated_status(&dec);
                snprintf(err, errlen, "timeout after %d ms in the middle of the response frame",
                         timeout_ms);
            } else {
                snprintf(err, errlen, "no response within %d ms", timeout_ms);
            }
            rc = LINK_E_TIMEOUT;
            goto cleanup;
        }
        if (pr < 0) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            rc = LINK_E_IO;
            goto cleanup;
        }
        ssize_t n = read(l->fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            snprintf(err, errlen, "cannot read the response: %s", strerror(errno));
            rc = errno == ECONNRESET ? LINK_E_CLOSED : LINK_E_IO;
            goto cleanup;
        }
        if (n == 0) {
            if (l->addr.kind == LINK_SERIAL) /* a pty whose other end is not open yet */
                continue;
            if (ftcd_decoder_in_frame(&dec)) {
                *transport_status = (int)ftcd_decoder_truncated_status(&dec);
                snprintf(err, errlen, "the device closed the connection in the middle of the "
                                      "response frame");
            } else {
                snprintf(err, errlen, "the device closed the connection without answering");
            }
            rc = LINK_E_CLOSED;
            goto cleanup;
        }
        if (t_first == 0)
            t_first = now_s();
        size_t off = 0;
        while (off < (size_t)n) {
            size_t used = 0;
            ftcd_event_t ev = ftcd_decoder_feed(&dec, chunk + off, (size_t)n - off, &used);
            off += used;
            if (ev == FTCD_EVENT_ERROR) {
                uint32_t st = ftcd_decoder_status(&dec);
                *transport_status = (int)st;
                snprintf(err, errlen, "%s (status %u)",
                         ftcd_status_text(st), st);
                rc = LINK_E_FRAME;
                goto cleanup;
            }
            if (ev == FTCD_EVENT_FRAME) {
                uint32_t st = ftcd_decoder_status(&dec);
                *transport_status = (int)st;
                if (st != FTCD_STATUS_SUCCESS) {
                    snprintf(err, errlen, "the device answered status %u (%s)", st,
                             ftcd_status_text(st));
                    rc = LINK_E_STATUS;
                    goto cleanup;
                }
                size_t plen = 0;
                const uint8_t *pl = ftcd_decoder_payload(&dec, &plen);
                *resp = malloc(plen ? plen : 1);
                if (*resp == NULL) {
                    snprintf(err, errlen, "out of memory");
                    rc = LINK_E_IO;
                    goto cleanup;
                }
                memcpy(*resp, pl, plen);
                *resp_len = plen;
                rc = LINK_OK;
                goto cleanup;
            }
            if (used == 0)
                break;
        }
    }
cleanup:
    if (timing != NULL) {
        double end = now_s();
        if (t_sent > 0 && t_first > 0) {
            tm.wait = t_first - t_sent;
            tm.recv = end - t_first;
        } else if (t_sent > 0) {
            tm.wait = end - t_sent;
        }
        tm.connect = timing->connect;
        *timing = tm;
    }
    free(buf);
    return rc;
}
