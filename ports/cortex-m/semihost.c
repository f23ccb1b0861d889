/* SPDX-License-Identifier: Apache-2.0 */
/* newlib's system calls over Arm semihosting, for the test programs on the emulated MPS2 board:
 * console output, the command line, the exit status, and reading and writing host files (so the
 * tests read tests/vectors/ and tests/data/ from the host, as QEMU's semihosting allows with
 * SYS_OPEN/SYS_READ), and a heap for the test programs in the board's PSRAM. The device library
 * itself uses none of this. */
#include "mps2.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_ISTTY = 0x09,
    SYS_SEEK = 0x0A, SYS_FLEN = 0x0C, SYS_REMOVE = 0x0E, SYS_RENAME = 0x0F, SYS_CLOCK = 0x10, SYS_TIME = 0x11,
    SYS_GET_CMDLINE = 0x15, SYS_EXIT_EXTENDED = 0x20
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

intptr_t fcc_mps2_semihost(int op, void *arg)
{
    register intptr_t r0 __asm("r0") = op;
    register void *r1 __asm("r1") = arg;
    __asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* File descriptors: 0..2 are the console, the rest map to semihosting handles. */
#define MAX_FD 16
static struct {
    intptr_t handle; /* -1: free */
    off_t pos;
    int open;
} fds[MAX_FD];

static int console_ready;

static void console_init(void)
{
    static const char tt[] = ":tt";
    static const int modes[3] = {0, 4, 8}; /* "r", "w", "a": stdin, stdout, stderr */
    if (console_ready)
        return;
    console_ready = 1;
    for (int i = 0; i < 3; i++) {
        uintptr_t a[3] = {(uintptr_t)tt, (uintptr_t)modes[i], sizeof(tt) - 1};
        fds[i].handle = fcc_mps2_semihost(SYS_OPEN, a);
        fds[i].open = 1;
    }
}

static int fd_ok(int fd)
{
    console_init();
    if (fd < 0 || fd >= MAX_FD || !fds[fd].open) {
        errno = EBADF;
        return 0;
    }
    return 1;
}

int fcc_mps2_args(char ***argv_out)
{
    static char cmdline[16384];
    static char *argv[512];
    uintptr_t a[2] = {(uintptr_t)cmdline, sizeof(cmdline) - 1};
    int argc = 0;
    char *p = cmdline;

    console_init();
    if (fcc_mps2_semihost(SYS_GET_CMDLINE, a) != 0)
        cmdline[0] = 0;
    cmdline[sizeof(cmdline) - 1] = 0;
    /* Arguments are separated by spaces (no quoting: paths with spaces are not supported). */
    while (*p != 0 && argc < 511) {
        while (*p == ' ')
            *p++ = 0;
        if (*p == 0)
            break;
        argv[argc++] = p;
        while (*p != 0 && *p != ' ')
            p++;
    }
    if (argc == 0)
        argv[argc++] = "board";
    argv[argc] = NULL;
    *argv_out = argv;
    return argc;
}

void _exit(int status)
{
    uintptr_t a[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status};
    for (;;)
        fcc_mps2_semihost(SYS_EXIT_EXTENDED, a);
}

int _open(const char *path, int flags, ...)
{
    int mode, fd;
    uintptr_t a[3];
    intptr_t h;

    console_init();
    switch (flags & O_ACCMODE) {
    case O_RDONLY: mode = 1; break;                               /* "rb" */
    case O_WRONLY: mode = (flags & O_APPEND) ? 9 : 5; break;      /* "ab" / "wb" */
    default: mode = (flags & O_TRUNC) ? 7 : (flags & O_APPEND) ? 11 : 3; break;
    }
    if ((flags & O_ACCMODE) == O_RDWR && (flags & O_CREAT) && !(flags & O_TRUNC)) {
        /* "r+b" fails on a missing file: create it first, as O_CREAT asks. */
        a[0] = (uintptr_t)path; a[1] = 1; a[2] = strlen(path);
        h = fcc_mps2_semihost(SYS_OPEN, a);
        if (h == -1)
            mode = 7;
        else
            fcc_mps2_semihost(SYS_CLOSE, &h);
    }
    for (fd = 3; fd < MAX_FD && fds[fd].open; fd++)
        ;
    if (fd == MAX_FD) {
        errno = EMFILE;
        return -1;
    }
    a[0] = (uintptr_t)path;
    a[1] = (uintptr_t)mode;
    a[2] = strlen(path);
    h = fcc_mps2_semihost(SYS_OPEN, a);
    if (h == -1) {
        errno = ENOENT;
        return -1;
    }
    fds[fd].handle = h;
    fds[fd].pos = 0;
    fds[fd].open = 1;
    return fd;
}

int _close(int fd)
{
    if (!fd_ok(fd))
        return -1;
    if (fd < 3)
        return 0;
    fcc_mps2_semihost(SYS_CLOSE, &fds[fd].handle);
    fds[fd].open = 0;
    return 0;
}

/* SYS_WRITE or SYS_READ: both answer the number of bytes NOT transferred. */
static int transfer(int op, int fd, void *buf, size_t len)
{
    uintptr_t a[3];
    intptr_t left;
    if (!fd_ok(fd))
        return -1;
    a[0] = (uintptr_t)fds[fd].handle;
    a[1] = (uintptr_t)buf;
    a[2] = len;
    left = fcc_mps2_semihost(op, a);
    if (left < 0 || (size_t)left > len) {
        errno = EIO;
        return -1;
    }
    fds[fd].pos += (off_t)(len - (size_t)left);
    return (int)(len - (size_t)left);
}

int _write(int fd, const void *buf, size_t len)
{
    return transfer(SYS_WRITE, fd, (void *)(uintptr_t)buf, len);
}

int _read(int fd, void *buf, size_t len)
{
    return transfer(SYS_READ, fd, buf, len);
}

off_t _lseek(int fd, off_t off, int whence)
{
    uintptr_t a[2];
    off_t to;
    if (!fd_ok(fd))
        return -1;
    if (fd < 3) {
        errno = ESPIPE;
        return -1;
    }
    if (whence == SEEK_SET)
        to = off;
    else if (whence == SEEK_CUR)
        to = fds[fd].pos + off;
    else
        to = (off_t)fcc_mps2_semihost(SYS_FLEN, &fds[fd].handle) + off;
    if (to < 0) {
        errno = EINVAL;
        return -1;
    }
    a[0] = (uintptr_t)fds[fd].handle;
    a[1] = (uintptr_t)to;
    if (fcc_mps2_semihost(SYS_SEEK, a) != 0) {
        errno = EIO;
        return -1;
    }
    fds[fd].pos = to;
    return to;
}

int _fstat(int fd, struct stat *st)
{
    if (!fd_ok(fd))
        return -1;
    memset(st, 0, sizeof(*st));
    if (fd < 3) {
        st->st_mode = S_IFCHR;
    } else {
        st->st_mode = S_IFREG;
        st->st_size = (off_t)fcc_mps2_semihost(SYS_FLEN, &fds[fd].handle);
    }
    return 0;
}

int _isatty(int fd)
{
    return fd >= 0 && fd < 3;
}

int _unlink(const char *path)
{
    uintptr_t a[2] = {(uintptr_t)path, strlen(path)};
    if (fcc_mps2_semihost(SYS_REMOVE, a) != 0) {
        errno = ENOENT;
        return -1;
    }
    return 0;
}

/* rename() through the host (newlib's own would need link(), which semihosting has not): the
 * file-backed flash simulator creates a new image under a temporary name and renames it. */
int rename(const char *from, const char *to)
{
    uintptr_t a[4] = {(uintptr_t)from, strlen(from), (uintptr_t)to, strlen(to)};
    if (fcc_mps2_semihost(SYS_RENAME, a) != 0) {
        errno = EIO;
        return -1;
    }
    return 0;
}

/* stat() of a host file: a regular file and its size (semihosting knows no more). */
int _stat(const char *path, struct stat *st)
{
    uintptr_t a[3] = {(uintptr_t)path, 1, strlen(path)}; /* "rb" */
    intptr_t h = fcc_mps2_semihost(SYS_OPEN, a);
    if (h == -1) {
        errno = ENOENT;
        return -1;
    }
    memset(st, 0, sizeof(*st));
    st->st_mode = S_IFREG;
    st->st_size = (off_t)fcc_mps2_semihost(SYS_FLEN, &h);
    fcc_mps2_semihost(SYS_CLOSE, &h);
    return 0;
}

int _kill(int pid, int sig)
{
    (void)pid;
    _exit(128 + sig);
}

int _getpid(void)
{
    return 1;
}

/* Positional writes and fsync (the file-backed flash simulator of lib/port uses them). */
ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    if (_lseek(fd, off, SEEK_SET) < 0)
        return -1;
    return _write(fd, buf, len);
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
    if (_lseek(fd, off, SEEK_SET) < 0)
        return -1;
    return _read(fd, buf, len);
}

int fsync(int fd)
{
    return fd_ok(fd) ? 0 : -1;
}

int ftruncate(int fd, off_t len)
{
    (void)fd;
    (void)len;
    errno = ENOSYS;
    return -1;
}

void *_sbrk(ptrdiff_t incr)
{
    extern char __heap_start[], __heap_end[];
    static char *brk = __heap_start;
    char *prev = brk;
    if (incr > __heap_end - brk || incr < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    brk += incr;
    return prev;
}
