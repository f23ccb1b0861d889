/* SPDX-License-Identifier: Apache-2.0 */
/* POSIX sockets and termios behind tools/common/link_io.h: the byte pipes of the factory link on
 * a host. Everything waits through poll() with a deadline so that a silent or vanished peer can
 * never hang a tool or the device program. */
#include "link_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int link_parse_hostport(const char *s, char *host, size_t host_size, char *port,
                        size_t port_size)
{
    const char *colon, *h = s;
    size_t hlen;
    if (s == NULL || host == NULL || port == NULL)
        goto invalid;
    colon = strrchr(s, ':');
    if (colon == NULL || colon[1] == '\0')
        goto invalid;
    hlen = (size_t)(colon - s);
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
        h = s + 1;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= host_size)
        goto invalid;
    const char *p = colon + 1;
    size_t plen = strlen(p);
    if (plen >= port_size || plen > 5)
        goto invalid;
    unsigned long v = 0;
    for (size_t i = 0; i < plen; i++) {
        if (p[i] < '0' || p[i] > '9')
            goto invalid;
        v = v * 10 + (unsigned long)(p[i] - '0');
    }
    if (v > 65535)
        goto invalid;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, p, plen + 1);
    return 0;
invalid:
    errno = EINVAL;
    return LINK_ERR;
}

/* "ADDR:PORT" of a socket address, IPv6 in brackets. */
static void format_addr(const struct sockaddr *sa, char *out, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (out == NULL || size == 0)
        return;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
        port = ntohs(a->sin6_port);
        snprintf(out, size, "[%s]:%u", ip, port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
        port = ntohs(a->sin_port);
        snprintf(out, size, "%s:%u", ip, port);
    }
}

int link_tcp_listen(const char *host, const char *port, char *bound, size_t bound_size)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = LINK_ERR, err = 0;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        errno = EADDRNOTAVAIL;
        return LINK_ERR;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        int one = 1;
        if (s < 0) {
            err = errno;
            continue;
        }
        (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6)
            (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(s, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s, 4) != 0) {
            err = errno;
            close(s);
            continue;
        }
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(s, (struct sockaddr *)&ss, &sl) == 0)
            format_addr((struct sockaddr *)&ss, bound, bound_size);
        fd = s;
        break;
    }
    freeaddrinfo(res);
    if (fd < 0)
        errno = err ? err : EADDRNOTAVAIL;
    return fd;
}

/* Waits for `events` on fd. Returns 1 ready, LINK_TIMEOUT, LINK_INTR or LINK_ERR. */
static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0)
        return errno == EINTR ? LINK_INTR : LINK_ERR;
    if (r == 0)
        return LINK_TIMEOUT;
    return 1;
}

int link_tcp_accept(int lfd, int timeout_ms, char *peer, size_t peer_size)
{
    int r = wait_fd(lfd, POLLIN, timeout_ms);
    if (r != 1)
        return r;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    if (fd < 0)
        return errno == EINTR ? LINK_INTR : LINK_ERR;
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    format_addr((struct sockaddr *)&ss, peer, peer_size);
    return fd;
}

int link_tcp_connect(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = LINK_ERR, err = ECONNREFUSED;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        errno = EADDRNOTAVAIL;
        return LINK_ERR;
    }
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                       ai->ai_protocol);
        if (s < 0) {
            err = errno;
            continue;
        }
        if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
            if (errno != EINPROGRESS) {
                err = errno;
                close(s);
                continue;
            }
            int r = wait_fd(s, POLLOUT, timeout_ms);
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (r != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
                err = r == LINK_TIMEOUT ? ETIMEDOUT : (soerr ? soerr : errno);
                close(s);
                continue;
            }
        }
        int flags = fcntl(s, F_GETFL);
        if (flags < 0 || fcntl(s, F_SETFL, flags & ~O_NONBLOCK) != 0) {
            err = errno;
            close(s);
            continue;
        }
        int one = 1;
        (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        fd = s;
    }
    freeaddrinfo(res);
    if (fd < 0)
        errno = err;
    return fd;
}

static const struct {
    unsigned baud;
    speed_t speed;
} bauds[] = {
    {1200, B1200},     {2400, B2400},       {4800, B4800},       {9600, B9600},
    {19200, B19200},   {38400, B38400},     {57600, B57600},     {115200, B115200},
    {230400, B230400}, {460800, B460800},   {500000, B500000},   {576000, B576000},
    {921600, B921600}, {1000000, B1000000}, {1500000, B1500000}, {2000000, B2000000},
};

static bool baud_speed(unsigned baud, speed_t *out)
{
    for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
        if (bauds[i].baud == baud) {
            *out = bauds[i].speed;
            return true;
        }
    }
    return false;
}

bool link_baud_valid(unsigned baud)
{
    speed_t s;
    return baud_speed(baud, &s);
}

int link_serial_open(const char *path, unsigned baud)
{
    struct termios t;
    speed_t speed;
    int fd;
    if (!baud_speed(baud, &speed)) {
        errno = EINVAL;
        return LINK_ERR;
    }
    fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return LINK_ERR;
    if (tcgetattr(fd, &t) != 0)
        goto fail;
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | CRTSCTS);
    t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    if (cfsetispeed(&t, speed) != 0 || cfsetospeed(&t, speed) != 0)
        goto fail;
    if (tcsetattr(fd, TCSANOW, &t) != 0)
        goto fail;
    (void)tcflush(fd, TCIOFLUSH);
    return fd;
fail: {
    int e = errno;
    close(fd);
    errno = e;
    return LINK_ERR;
}
}

long link_read(int fd, void *buf, size_t size, int timeout_ms)
{
    int r = wait_fd(fd, POLLIN, timeout_ms);
    if (r != 1)
        return r;
    ssize_t n = read(fd, buf, size);
    if (n < 0) {
        if (errno == EINTR)
            return LINK_INTR;
        if (errno == EAGAIN)
            return LINK_TIMEOUT;
        if (errno == EIO || errno == ECONNRESET)
            return 0; /* pty whose master went away, or a reset peer: the stream ended */
        return LINK_ERR;
    }
    return (long)n;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int link_writev_all(int fd, const struct iovec *iov_in, int iovcnt, int timeout_ms)
{
    struct iovec iov[8];
    int cnt = 0;
    long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    if (iovcnt < 0 || iovcnt > 8) {
        errno = EINVAL;
        return LINK_ERR;
    }
    for (int i = 0; i < iovcnt; i++) {
        if (iov_in[i].iov_len > 0)
            iov[cnt++] = iov_in[i];
    }
    struct iovec *v = iov;
    while (cnt > 0) {
        int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && left <= 0)
            return LINK_TIMEOUT;
        int r = wait_fd(fd, POLLOUT, left);
        if (r == LINK_INTR)
            continue;
        if (r != 1)
            return r;
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = v;
        mh.msg_iovlen = (size_t)cnt;
        ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
        if (n < 0 && errno == ENOTSOCK)
            n = writev(fd, v, cnt);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return LINK_ERR;
        }
        size_t done = (size_t)n;
        while (cnt > 0 && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            cnt--;
        }
        if (cnt > 0) {
            v->iov_base = (char *)v->iov_base + done;
            v->iov_len -= done;
        }
    }
    return 0;
}

int link_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
    struct iovec v = {.iov_base = (void *)(uintptr_t)buf, .iov_len = len};
    return link_writev_all(fd, &v, 1, timeout_ms);
}
