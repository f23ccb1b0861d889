/* SPDX-License-Identifier: Apache-2.0 */
/* Integration tests of the factory link: the real fcc-device program, started as a child
 * process on a fresh flash image, against the test client over loopback TCP (IPv4 and IPv6) and
 * over a pty pair. Covers a full session, a keep-alive session of two messages, every framing
 * fault (garbage before a token, wrong digest, length 0 and over the maximum, truncated frame,
 * disconnect mid-frame, silent tool, silence inside a frame), a device restarted between
 * sessions that keeps its items, and the command line's outputs and exit statuses.
 * Usage: integration_link GROUP, GROUP one of tcp, tcp6, pty, restart, cli. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "link_client.h"
#include "link_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FCC_DEVICE_BIN
#error "FCC_DEVICE_BIN must name the fcc-device program"
#endif

static char tmpdir[256];
static char store[320];
static char logpath[320];

typedef struct devproc {
    pid_t pid;
    int out;          /* its stdout */
    char addr[256];   /* what followed "listening on " */
} devproc_t;

/* The device a test started and has not waited for yet: teardown kills it, so a failed
 * assertion never leaves a device process behind. */
static pid_t g_running = -1;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts fcc-device --store STORE --time 1900000000 ARGS... and waits for "listening on". */
static void dev_start(devproc_t *p, const char *const *args)
{
    const char *argv[32];
    int n = 0, pipefd[2];
    argv[n++] = FCC_DEVICE_BIN;
    argv[n++] = "--store";
    argv[n++] = store;
    argv[n++] = "--time";
    argv[n++] = "1900000000";
    for (int i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    assert_int_equal(pipe(pipefd), 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid > 0)
        g_running = p->pid;
    if (p->pid == 0) {
        int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(pipefd[1], 1);
        if (log >= 0)
            dup2(log, 2);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(FCC_DEVICE_BIN, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    p->out = pipefd[0];
    char line[256];
    size_t len = 0;
    long deadline = now_ms() + 20000;
    while (len < sizeof(line) - 1) {
        struct pollfd pf = {.fd = p->out, .events = POLLIN};
        int r = poll(&pf, 1, (int)(deadline - now_ms()));
        assert_true(r > 0);
        char ch;
        if (read(p->out, &ch, 1) != 1)
            fail_msg("fcc-device exited before listening (see %s)", logpath);
        if (ch == '\n')
            break;
        line[len++] = ch;
    }
    line[len] = '\0';
    assert_memory_equal(line, "listening on ", 13);
    snprintf(p->addr, sizeof(p->addr), "%s", line + 13);
}

/* Waits for the device to exit (sending `sig` first if non-zero). Returns its exit status. */
static int dev_wait(devproc_t *p, int sig)
{
    int st = 0;
    if (sig != 0)
        kill(p->pid, sig);
    long deadline = now_ms() + 20000;
    for (;;) {
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid)
            break;
        if (now_ms() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            fail_msg("fcc-device did not exit");
        }
        usleep(10000);
    }
    close(p->out);
    if (g_running == p->pid)
        g_running = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs an fcc-device command line (after --store), capturing stdout. Returns the exit status. */
static int run_cli(const char *args, char *out, size_t size)
{
    char cmd[2400];
    snprintf(cmd, sizeof(cmd), "%s --store %s --time 1900000000 %s 2>>%s", FCC_DEVICE_BIN,
             store, args, logpath);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The JSON without blanks, so that formatting does not matter. */
static void squeeze(char *s)
{
    char *w = s;
    bool in_str = false;
    for (char *r = s; *r; r++) {
        if (*r == '"' && (r == s || r[-1] != '\\'))
            in_str = !in_str;
        if (!in_str && (*r == ' ' || *r == '\n' || *r == '\t'))
            continue;
        *w++ = *r;
    }
    *w = '\0';
}

static bool listed(const char *name)
{
    static char out[65536];
    char want[160];
    assert_int_equal(run_cli("list --json", out, sizeof(out)), 0);
    squeeze(out);
    snprintf(want, sizeof(want), "\"name\":\"%s\"", name);
    return strstr(out, want) != NULL;
}

/* One message: bundle with item `name`, expects a success frame with ReturnStatus `want`. */
static void exchange(lc_t *c, const char *sid, int keep, const char *name, int want)
{
    uint8_t b[512];
    size_t n = lc_bundle(b, sizeof(b), sid, keep, name, "value");
    assert_true(n > 0);
    assert_int_equal(lc_send_frame(c, b, n), 0);
    uint32_t ts = 99;
    const uint8_t *p = NULL;
    size_t plen = 0;
    assert_int_equal(lc_recv(c, 10000, &ts, &p, &plen), 0);
    assert_int_equal(ts, 0);
    int rs = -1;
    char rsid[80], info[256];
    assert_int_equal(lc_parse_response(p, plen, &rs, rsid, sizeof(rsid), info, sizeof(info)), 0);
    if (rs != want)
        fail_msg("ReturnStatus %d (%s), wanted %d", rs, info, want);
    assert_string_equal(rsid, sid);
    if (want == 0)
        assert_string_equal(info, "The Factory process succeeded\n");
}

/* Expects a failure frame with `status`. */
static void expect_failure(lc_t *c, uint32_t status, int timeout_ms)
{
    uint32_t ts = 0;
    const uint8_t *p = (const uint8_t *)"x";
    size_t plen = 1;
    int r = lc_recv(c, timeout_ms, &ts, &p, &plen);
    if (r != 0)
        fail_msg("no failure frame (lc_recv %d), wanted status %u", r, status);
    assert_int_equal(ts, status);
    assert_null(p);
    assert_int_equal(plen, 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/fcc-link-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    snprintf(store, sizeof(store), "%s/device.img", tmpdir);
    snprintf(logpath, sizeof(logpath), "%s/device.log", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[1200];
    (void)state;
    if (g_running > 0) {
        kill(g_running, SIGKILL);
        waitpid(g_running, NULL, 0);
        g_running = -1;
    }
    /* Keep the device log on the test's stderr, to explain a failure. */
    snprintf(cmd, sizeof(cmd), "cat %s >&2 2>/dev/null; rm -rf %s", logpath, tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- TCP ---- */

static void full_session(const char *listen_addr)
{
    devproc_t d;
    const char *args[] = {"serve", "--tcp", listen_addr, "--once", NULL};
    dev_start(&d, args);
    assert_true(strstr(d.addr, ":0") == NULL || strlen(strstr(d.addr, ":0")) > 2);
    lc_t c;
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "full-1", 0, "link.Full", 0);
    assert_int_equal(lc_wait_eof(&c, 5000), 0); /* the device ends the session */
    lc_close(&c);
    assert_int_equal(dev_wait(&d, 0), 0);
    assert_true(listed("link.Full"));
    char out[256];
    assert_int_equal(run_cli("get link.Full", out, sizeof(out)), 0);
    assert_string_equal(out, "value\n");
}

static void test_tcp_full_session(void **state)
{
    (void)state;
    full_session("127.0.0.1:0");
}

static void test_tcp_keep_alive(void **state)
{
    (void)state;
    devproc_t d;
    const char *args[] = {"serve", "--tcp", "127.0.0.1:0", "--once", NULL};
    dev_start(&d, args);
    lc_t c;
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "ka", 1, "link.KeepFirst", 0);
    exchange(&c, "ka", 0, "link.KeepSecond", 0);
    assert_int_equal(lc_wait_eof(&c, 5000), 0);
    lc_close(&c);
    assert_int_equal(dev_wait(&d, 0), 0);
    assert_true(listed("link.KeepFirst"));
    assert_true(listed("link.KeepSecond"));
}

static void faults(const char *addr, bool tcp, lc_t *line)
{
    uint8_t b[512], f[700];
    lc_t conn, *c = tcp ? &conn : line;
#define OPEN()                                                                                   \
    do {                                                                                         \
        if (tcp)                                                                                 \
            assert_int_equal(lc_connect(&conn, addr, 5000), 0);                                  \
    } while (0)
#define CLOSE()                                                                                  \
    do {                                                                                         \
        if (tcp) {                                                                               \
            assert_int_equal(lc_wait_eof(&conn, 5000), 0);                                       \
            lc_close(&conn);                                                                     \
        }                                                                                        \
    } while (0)

    /* Garbage, with partial tokens, before a token. */
    OPEN();
    assert_int_equal(lc_send_raw(c, "\x00\xffmmbedpromb", 12), 0);
    exchange(c, "garbage", 0, "link.AfterGarbage", 0);
    CLOSE();

    /* Wrong digest: status 8, nothing stored; the same line then works. */
    OPEN();
    size_t n = lc_bundle(b, sizeof(b), "digest", 0, "link.BadDigest", "value");
    size_t fl = lc_frame(b, n, f, sizeof(f));
    f[fl - 1] ^= 0x5a;
    assert_int_equal(lc_send_raw(c, f, fl), 0);
    expect_failure(c, FTCD_STATUS_DIGEST_MISMATCH, 5000);
    exchange(c, "digest", 0, "link.AfterDigest", 0);
    CLOSE();

    /* Length over the maximum (2048) and length 0: status 4 each; then a good frame. */
    OPEN();
    static uint8_t big[4096 + 12 + 32];
    memcpy(big, "mbedprov", 8);
    big[8] = 0x00, big[9] = 0x10, big[10] = 0, big[11] = 0; /* 4096 */
    memset(big + 12, 0xA5, sizeof(big) - 12);
    assert_int_equal(lc_send_raw(c, big, sizeof(big)), 0);
    expect_failure(c, FTCD_STATUS_READ_SIZE, 5000);
    assert_int_equal(lc_send_raw(c, "mbedprov\0\0\0\0", 12), 0);
    expect_failure(c, FTCD_STATUS_READ_SIZE, 5000);
    exchange(c, "size", 0, "link.AfterSize", 0);
    CLOSE();

    if (tcp) {
        /* Truncated frame, then the tool closes its sending side: status 5, then the end. */
        OPEN();
        n = lc_bundle(b, sizeof(b), "trunc", 0, "link.Truncated", "value");
        fl = lc_frame(b, n, f, sizeof(f));
        assert_int_equal(lc_send_raw(c, f, 30), 0);
        assert_int_equal(shutdown(conn.fd, SHUT_WR), 0);
        expect_failure(c, FTCD_STATUS_READ_BYTES, 5000);
        CLOSE();

        /* Disconnect in the middle of a frame: the next tool is served normally. */
        OPEN();
        n = lc_bundle(b, sizeof(b), "gone", 0, "link.Disconnected", "value");
        fl = lc_frame(b, n, f, sizeof(f));
        assert_int_equal(lc_send_raw(c, f, fl - 10), 0);
        lc_close(&conn);
        OPEN();
        exchange(c, "next", 0, "link.AfterDisconnect", 0);
        CLOSE();

        /* A tool that connects and says nothing is dropped after the idle timeout (1 s). */
        OPEN();
        long t0 = now_ms();
        assert_int_equal(lc_wait_eof(&conn, 10000), 0);
        long waited = now_ms() - t0;
        assert_true(waited >= 900);
        assert_true(waited < 8000);
        lc_close(&conn);
    }

    /* Silence inside a frame: status 12 after the idle timeout; then the line works again. */
    OPEN();
    n = lc_bundle(b, sizeof(b), "silent", 0, "link.Silent", "value");
    fl = lc_frame(b, n, f, sizeof(f));
    assert_int_equal(lc_send_raw(c, f, 14), 0);
    long t1 = now_ms();
    expect_failure(c, FTCD_STATUS_NETWORK_TIMEOUT, 10000);
    assert_true(now_ms() - t1 >= 900);
    CLOSE();
    OPEN();
    exchange(c, "final", 0, "link.Final", 0);
    CLOSE();
#undef OPEN
#undef CLOSE
}

static void check_fault_items(bool tcp)
{
    assert_true(listed("link.AfterGarbage"));
    assert_true(listed("link.AfterDigest"));
    assert_true(listed("link.AfterSize"));
    assert_true(listed("link.Final"));
    assert_false(listed("link.BadDigest"));
    assert_false(listed("link.Silent"));
    if (tcp) {
        assert_true(listed("link.AfterDisconnect"));
        assert_false(listed("link.Truncated"));
        assert_false(listed("link.Disconnected"));
    }
}

static void test_tcp_faults(void **state)
{
    (void)state;
    devproc_t d;
    const char *args[] = {"serve", "--tcp", "127.0.0.1:0", "--idle-timeout", "1",
                          "--max-frame", "2048", NULL};
    dev_start(&d, args);
    faults(d.addr, true, NULL);
    assert_int_equal(dev_wait(&d, SIGTERM), 0);
    check_fault_items(true);
}

/* A tool that trickles a frame, one byte well inside every idle timeout: the whole-frame
 * deadline (--frame-timeout) answers status 12 and frees the device; nothing is stored, and
 * the next tool is served. */
static void test_tcp_trickle(void **state)
{
    (void)state;
    uint8_t b[512], f[700];
    devproc_t d;
    const char *args[] = {"serve", "--tcp", "127.0.0.1:0", "--idle-timeout", "3",
                          "--frame-timeout", "1", NULL};
    dev_start(&d, args);
    lc_t c;
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    size_t n = lc_bundle(b, sizeof(b), "trickle", 0, "link.Trickle", "value");
    size_t fl = lc_frame(b, n, f, sizeof(f));
    /* The token and the length at once (the frame has begun), then the rest byte by byte,
     * 250 ms apart: the idle timeout (3 s) alone would never fire. */
    assert_int_equal(lc_send_raw(&c, f, 12), 0);
    long t0 = now_ms();
    size_t sent = 12;
    /* Keep trickling until the device answers (readable socket) or 6 s have passed. */
    while (sent < fl && now_ms() - t0 < 6000) {
        struct pollfd pf = {.fd = c.fd, .events = POLLIN};
        if (poll(&pf, 1, 250) > 0)
            break; /* the answer is waiting */
        if (lc_send_raw(&c, f + sent, 1) != 0)
            break;
        sent++;
    }
    assert_true(sent < fl);
    long waited = now_ms() - t0;
    expect_failure(&c, FTCD_STATUS_NETWORK_TIMEOUT, 5000);
    /* the frame deadline (1 s), not the idle timeout (3 s, never reached while trickling) */
    assert_true(waited >= 900);
    assert_true(waited < 2800);
    lc_close(&c);
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "after", 0, "link.AfterTrickle", 0);
    lc_close(&c);
    assert_int_equal(dev_wait(&d, SIGTERM), 0);
    assert_false(listed("link.Trickle"));
    assert_true(listed("link.AfterTrickle"));
}

/* A real provisioning bundle (the bundle vectors' full bootstrap configuration, verification
 * on) through the link; then the device verifies clean from the command line. */
static void test_tcp_full_bundle(void **state)
{
    (void)state;
    static uint8_t b[16384];
    char path[512], out[65536];
    snprintf(path, sizeof(path), "%s/tests/vectors/bundle/ok_full_bootstrap.1.cbor",
             FCC_SOURCE_DIR);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        skip();
    size_t n = fread(b, 1, sizeof(b), f);
    fclose(f);
    assert_true(n > 1000);

    devproc_t d;
    const char *args[] = {"serve", "--tcp", "127.0.0.1:0", "--once", "--json", NULL};
    dev_start(&d, args);
    lc_t c;
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    assert_int_equal(lc_send_frame(&c, b, n), 0);
    uint32_t ts = 99;
    const uint8_t *p = NULL;
    size_t plen = 0;
    assert_int_equal(lc_recv(&c, 20000, &ts, &p, &plen), 0);
    assert_int_equal(ts, 0);
    int rs = -1;
    char info[256];
    assert_int_equal(lc_parse_response(p, plen, &rs, NULL, 0, info, sizeof(info)), 0);
    if (rs != 0)
        fail_msg("ReturnStatus %d: %s", rs, info);
    assert_int_equal(lc_wait_eof(&c, 5000), 0);
    lc_close(&c);
    /* serve --json printed one object for the message after the listening line. */
    ssize_t got = read(d.out, out, sizeof(out) - 1);
    assert_true(got > 0);
    out[got] = '\0';
    squeeze(out);
    assert_non_null(strstr(out, "{\"status\":0,"));
    assert_int_equal(dev_wait(&d, 0), 0);

    assert_int_equal(run_cli("verify --json", out, sizeof(out)), 0);
    squeeze(out);
    assert_non_null(strstr(out, "\"status\":0,"));
    assert_true(listed("mbed.BootstrapDeviceCert"));
    assert_true(listed("mbed.BootstrapServerURI"));
}

/* A device restarted between two sessions still holds the items of the first. */
static void test_restart(void **state)
{
    (void)state;
    devproc_t d;
    lc_t c;
    const char *args[] = {"serve", "--tcp", "127.0.0.1:0", "--once", NULL};
    dev_start(&d, args);
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "boot-1", 0, "link.First", 0);
    lc_close(&c);
    assert_int_equal(dev_wait(&d, 0), 0);

    dev_start(&d, args);
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "boot-2", 0, "link.Second", 0);
    lc_close(&c);
    assert_int_equal(dev_wait(&d, 0), 0);

    /* Third boot: storing the first item again is refused because it is still there. */
    dev_start(&d, args);
    assert_int_equal(lc_connect(&c, d.addr, 5000), 0);
    exchange(&c, "boot-3", 0, "link.First", 17);
    lc_close(&c);
    assert_int_equal(dev_wait(&d, 0), 1); /* --once: the device reported an error */

    assert_true(listed("link.First"));
    assert_true(listed("link.Second"));
}

static bool have_ipv6_loopback(void)
{
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a;
    bool ok;
    if (s < 0)
        return false;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    ok = bind(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    close(s);
    return ok;
}

static void test_tcp6_full_session(void **state)
{
    (void)state;
    if (!have_ipv6_loopback())
        skip();
    full_session("[::1]:0");
}

/* ---- pty ---- */

static void test_pty(void **state)
{
    (void)state;
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(m >= 0);
    /* The device must not inherit the master, or it never sees the line hang up. */
    assert_int_equal(fcntl(m, F_SETFD, FD_CLOEXEC), 0);
    assert_int_equal(grantpt(m), 0);
    assert_int_equal(unlockpt(m), 0);
    char slave[128];
    assert_int_equal(ptsname_r(m, slave, sizeof(slave)), 0);

    devproc_t d;
    const char *args[] = {"serve", "--serial", slave, "--baud", "115200", "--idle-timeout", "1",
                          "--max-frame", "2048", NULL};
    dev_start(&d, args);
    assert_string_equal(d.addr, slave);
    lc_t c;
    lc_attach(&c, m);
    /* A full session, then a keep-alive session of two messages, on the same line. */
    exchange(&c, "pty-1", 0, "link.PtyFull", 0);
    exchange(&c, "pty-2", 1, "link.PtyKeepFirst", 0);
    exchange(&c, "pty-2", 0, "link.PtyKeepSecond", 0);
    faults(NULL, false, &c);
    /* The tool hangs up in the middle of a frame: the line is gone, the device stops serving
     * it cleanly and nothing of the cut frame is stored. */
    uint8_t b[512], f[700];
    size_t n = lc_bundle(b, sizeof(b), "cut", 0, "link.PtyCut", "value");
    size_t fl = lc_frame(b, n, f, sizeof(f));
    assert_int_equal(lc_send_raw(&c, f, fl / 2), 0);
    usleep(100000);
    close(m);
    assert_int_equal(dev_wait(&d, 0), 0);
    assert_false(listed("link.PtyCut"));
    assert_true(listed("link.PtyFull"));
    assert_true(listed("link.PtyKeepFirst"));
    assert_true(listed("link.PtyKeepSecond"));
    check_fault_items(false);
}

/* ---- command line ---- */

static void test_cli(void **state)
{
    (void)state;
    static char out[65536];
    static const char *const cmds[] = {"serve", "apply", "verify", "list", "get",
                                       "factory-reset", "wipe"};
    char cmd[1200];
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s --help", cmds[i]);
        assert_int_equal(run_cli(cmd, out, sizeof(out)), 0);
        assert_non_null(strstr(out, "usage: fcc-device"));
    }
    assert_int_equal(run_cli("frobnicate", out, sizeof(out)), 2);
    assert_int_equal(run_cli("serve", out, sizeof(out)), 2);
    assert_int_equal(run_cli("serve --tcp 127.0.0.1", out, sizeof(out)), 2);
    assert_int_equal(run_cli("apply /nonexistent/bundle", out, sizeof(out)), 2);

    /* apply: a good bundle, then the same again (item exists: device error, exit 1). */
    uint8_t b[512];
    size_t n = lc_bundle(b, sizeof(b), "cli", 0, "link.Cli", "hello");
    char path[400], resp[400];
    snprintf(path, sizeof(path), "%s/bundle.cbor", tmpdir);
    snprintf(resp, sizeof(resp), "%s/resp.cbor", tmpdir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "apply %s --json --response %s", path, resp);
    assert_int_equal(run_cli(cmd, out, sizeof(out)), 0);
    squeeze(out);
    assert_non_null(strstr(out, "\"status\":0"));
    assert_non_null(strstr(out, "\"info\":\"The Factory process succeeded\\n\""));
    assert_non_null(strstr(out, "\"warnings\":["));
    assert_non_null(strstr(out, "\"findings\":["));
    f = fopen(resp, "rb");
    assert_non_null(f);
    uint8_t rb[4096];
    size_t rn = fread(rb, 1, sizeof(rb), f);
    fclose(f);
    int rs = -1;
    assert_int_equal(lc_parse_response(rb, rn, &rs, NULL, 0, NULL, 0), 0);
    assert_int_equal(rs, 0);

    assert_int_equal(run_cli(cmd, out, sizeof(out)), 1);
    squeeze(out);
    assert_non_null(strstr(out, "\"status\":17"));

    /* A file that is a whole frame is accepted too; a broken one is a file error. */
    uint8_t fr[700];
    size_t fl = lc_frame(b, n, fr, sizeof(fr));
    f = fopen(path, "wb");
    assert_int_equal(fwrite(fr, 1, fl - 1, f), fl - 1);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "apply %s", path);
    assert_int_equal(run_cli(cmd, out, sizeof(out)), 2);

    /* Not CBOR at all: the device answers a bundle error, exit 1. */
    f = fopen(path, "wb");
    fputs("not a bundle", f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "apply %s --json", path);
    assert_int_equal(run_cli(cmd, out, sizeof(out)), 1);
    squeeze(out);
    assert_null(strstr(out, "\"status\":0,"));

    /* list / get */
    assert_int_equal(run_cli("list --json", out, sizeof(out)), 0);
    squeeze(out);
    assert_non_null(strstr(out, "{\"name\":\"link.Cli\",\"type\":\"config\",\"size\":5,"
                                "\"factory\":true"));
    assert_int_equal(run_cli("get link.Cli --type config --json", out, sizeof(out)), 0);
    squeeze(out);
    assert_non_null(strstr(out, "\"hex\":\"68656c6c6f\""));
    assert_int_equal(run_cli("get link.Missing", out, sizeof(out)), 1);
    assert_int_equal(run_cli("get link.Cli --type nonsense", out, sizeof(out)), 2);
    snprintf(cmd, sizeof(cmd), "get link.Cli --out %s/value.bin", tmpdir);
    assert_int_equal(run_cli(cmd, out, sizeof(out)), 0);

    /* verify on an incomplete device: an error, exit 1, with the JSON fields. */
    assert_int_equal(run_cli("verify --json", out, sizeof(out)), 1);
    squeeze(out);
    assert_non_null(strstr(out, "\"findings\":[{\"code\":"));
    assert_non_null(strstr(out, "\"severity\":\"error\""));

    /* factory reset keeps factory items; wipe removes everything. */
    assert_int_equal(run_cli("factory-reset", out, sizeof(out)), 0);
    assert_true(listed("link.Cli"));
    assert_int_equal(run_cli("wipe --json", out, sizeof(out)), 0);
    assert_false(listed("link.Cli"));

    /* Without --store-size an existing image is opened at its own size; with a size that
     * does not match it, it is refused. */
    char big[400];
    snprintf(big, sizeof(big), "%s/big.img", tmpdir);
    snprintf(cmd, sizeof(cmd), "%s --store %s --store-size 512K list >/dev/null 2>&1 && "
             "%s --store %s list >/dev/null 2>&1", FCC_DEVICE_BIN, big, FCC_DEVICE_BIN, big);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    snprintf(cmd, sizeof(cmd), "%s --store %s --store-size 512K list 2>/dev/null >/dev/null",
             FCC_DEVICE_BIN, store);
    int st = system(cmd);
    assert_int_equal(WEXITSTATUS(st), 2);
}

int main(int argc, char **argv)
{
    const char *group = argc > 1 ? argv[1] : "tcp";
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(group, "tcp") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test_setup_teardown(test_tcp_full_session, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tcp_keep_alive, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tcp_faults, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tcp_full_bundle, setup, teardown),
            cmocka_unit_test_setup_teardown(test_tcp_trickle, setup, teardown),
        };
        return cmocka_run_group_tests_name("link_tcp", t, NULL, NULL);
    }
    if (strcmp(group, "tcp6") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test_setup_teardown(test_tcp6_full_session, setup, teardown),
        };
        return cmocka_run_group_tests_name("link_tcp6", t, NULL, NULL);
    }
    if (strcmp(group, "pty") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test_setup_teardown(test_pty, setup, teardown),
        };
        return cmocka_run_group_tests_name("link_pty", t, NULL, NULL);
    }
    if (strcmp(group, "restart") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
        };
        return cmocka_run_group_tests_name("link_restart", t, NULL, NULL);
    }
    if (strcmp(group, "cli") == 0) {
        const struct CMUnitTest t[] = {
            cmocka_unit_test_setup_teardown(test_cli, setup, teardown),
        };
        return cmocka_run_group_tests_name("fcc_device_cli", t, NULL, NULL);
    }
    fprintf(stderr, "usage: %s tcp|tcp6|pty|restart|cli\n", argv[0]);
    return 2;
}
