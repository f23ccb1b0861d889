/* SPDX-License-Identifier: Apache-2.0 */
/* The connect check's transport on POSIX (fcc/connect_posix.h): one connected UDP socket, so
 * that only the server's datagrams arrive and an ICMP "port unreachable" comes back as
 * ECONNREFUSED (the check then says that nothing listens, instead of waiting for a timeout). */
#include "fcc/connect_posix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int map_errno(int e)
{
    return e == ECONNREFUSED ? FCC_CONNECT_IO_REFUSED : FCC_CONNECT_IO_ERROR;
}

static int posix_open(void *ctx, const char *host, uint16_t port, char *peer, size_t peer_size)
{
    fcc_connect_posix_t *s = ctx;
    struct addrinfo hints, *list = NULL, *ai;
    char service[8];
    int rc = FCC_CONNECT_IO_ERROR;

    s->fd = -1;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    snprintf(service, sizeof(service), "%u", (unsigned)port);
    if (getaddrinfo(host, service, &hints, &list) != 0 || list == NULL)
        return FCC_CONNECT_IO_RESOLVE;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            close(fd);
            continue;
        }
        char addr[INET6_ADDRSTRLEN] = "?";
        const void *a = ai->ai_family == AF_INET6
                            ? (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                            : (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
        inet_ntop(ai->ai_family, a, addr, sizeof(addr));
        if (peer != NULL && peer_size > 0)
            snprintf(peer, peer_size, ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
                     (unsigned)port);
        s->fd = fd;
        rc = 0;
        break;
    }
    freeaddrinfo(list);
    return rc;
}

static int posix_send(void *ctx, const uint8_t *buf, size_t len)
{
    fcc_connect_posix_t *s = ctx;
    ssize_t n;
    do {
        n = send(s->fd, buf, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return map_errno(errno);
    return (int)n;
}

static int posix_recv(void *ctx, uint8_t *buf, size_t size, uint32_t timeout_ms)
{
    fcc_connect_posix_t *s = ctx;
    struct pollfd p = {.fd = s->fd, .events = POLLIN, .revents = 0};
    int r;
    do {
        r = poll(&p, 1, timeout_ms > 0x7fffffffu ? 0x7fffffff : (int)timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r < 0)
        return FCC_CONNECT_IO_ERROR;
    if (r == 0)
        return FCC_CONNECT_IO_TIMEOUT;
    ssize_t n = recv(s->fd, buf, size, 0);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? FCC_CONNECT_IO_TIMEOUT : map_errno(errno);
    return (int)n;
}

static void posix_close(void *ctx)
{
    fcc_connect_posix_t *s = ctx;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static uint64_t posix_now_ms(void *ctx)
{
    struct timespec ts;
    (void)ctx;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void fcc_connect_posix_init(fcc_connect_io_t *io, fcc_connect_posix_t *state)
{
    state->fd = -1;
    io->ctx = state;
    io->open = posix_open;
    io->send = posix_send;
    io->recv = posix_recv;
    io->close = posix_close;
    io->now_ms = posix_now_ms;
}
