/* SPDX-License-Identifier: Apache-2.0 */
/* Byte-stream endpoints of the factory link on a POSIX host: a TCP listener and client (IPv4 and
 * IPv6) and a serial line (tty or pty) in raw mode, with reads and writes that wait at most a
 * given time. The frames themselves are lib/ftcd's business; this file only moves bytes. Shared by
 * fcc-device (the device end), the factory tool and the tests; promises nothing outside this
 * tree. Every function returns a file descriptor or a LINK_* result and prints nothing; the
 * reason of a failure is in errno. */
#ifndef TOOLS_LINK_IO_H
#define TOOLS_LINK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

/* Results (negative) of the calls below. */
#define LINK_ERR (-1)      /* system error: errno says which */
#define LINK_TIMEOUT (-2)  /* nothing happened within the time given */
#define LINK_INTR (-3)     /* a signal arrived: the caller checks its stop flag and may retry */

/* The usual factory-line baud rate. */
#define LINK_DEFAULT_BAUD 115200u

/* Splits "HOST:PORT", "[V6HOST]:PORT" or "V6HOST:PORT" (the last colon separates the port) into
 * caller buffers. Returns 0, or LINK_ERR (errno EINVAL) for a missing port, an empty host, a
 * port that is not 0..65535, or buffers too small. */
int link_parse_hostport(const char *s, char *host, size_t host_size, char *port,
                        size_t port_size);

/* Listens on HOST:PORT (PORT 0 picks a free port) for one client at a time. Writes the address
 * actually bound, as "HOST:PORT" with the real port (IPv6 hosts in brackets), into `bound`.
 * Returns the listening descriptor (close-on-exec) or LINK_ERR. */
int link_tcp_listen(const char *host, const char *port, char *bound, size_t bound_size);

/* Waits up to timeout_ms (-1: forever) for a client. Writes "ADDR:PORT" of the peer into `peer`
 * (may be NULL). Returns the connected descriptor, LINK_TIMEOUT, LINK_INTR or LINK_ERR. */
int link_tcp_accept(int lfd, int timeout_ms, char *peer, size_t peer_size);

/* Connects to HOST:PORT within timeout_ms. Returns the descriptor or LINK_ERR / LINK_TIMEOUT. */
int link_tcp_connect(const char *host, const char *port, int timeout_ms);

/* Opens a tty or pty in raw mode (8N1, no echo, no flow control, no line editing) at `baud`.
 * Returns the descriptor or LINK_ERR (errno EINVAL for a baud rate termios does not know). */
int link_serial_open(const char *path, unsigned baud);

/* True when `baud` is a rate link_serial_open accepts. */
bool link_baud_valid(unsigned baud);

/* Reads what is available, waiting up to timeout_ms (-1: forever) for the first byte. Returns the
 * byte count (> 0), 0 at end of stream (peer closed, or a pty whose other end went away),
 * LINK_TIMEOUT, LINK_INTR or LINK_ERR. */
long link_read(int fd, void *buf, size_t size, int timeout_ms);

/* Writes every byte of the vector, waiting up to timeout_ms for the line to accept each piece.
 * Never raises SIGPIPE on a socket. Returns 0, LINK_TIMEOUT or LINK_ERR (peer gone included). */
int link_writev_all(int fd, const struct iovec *iov, int iovcnt, int timeout_ms);
int link_write_all(int fd, const void *buf, size_t len, int timeout_ms);

#endif /* TOOLS_LINK_IO_H */
