/* SPDX-License-Identifier: Apache-2.0 */
/* fcc-device: the device library running on a Linux host, over a flash image file. It serves the
 * factory link (TCP or a serial line) for factory-line tests, Linux gateways and our end-to-end
 * tests, and offers the local commands a test script needs (apply a bundle file, verify, list,
 * get, factory reset, wipe). The command line is a contract with scripts: docs/fcc-device.md. */
#include "check.h"
#include "connect_check.h"
#include "device.h"
#include "serve.h"

#include "fcc/ftcd.h"
#include "json.h"
#include "link_io.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_main[] =
    "usage: fcc-device --store IMAGE [--store-size BYTES] [--time EPOCH|none] [--strict] "
    "[--json]\n"
    "                  COMMAND [ARGS]\n"
    "       fcc-device --version   (this program's and its crypto library's versions)\n"
    "\n"
    "The FCC device library on this host, storing into the flash image IMAGE (created on\n"
    "first use; default size 256 KiB, 4 KiB erase blocks, 16-byte program unit).\n"
    "\n"
    "options:\n"
    "  --store IMAGE        flash image file (required)\n"
    "  --store-size BYTES   image size, a multiple of 4096 (suffix K or M allowed)\n"
    "  --time EPOCH         fix the device clock at EPOCH seconds (default: system clock)\n"
    "  --time none          a device without a clock: time unknown (0) until a bundle sets\n"
    "                       mbed.CurrentTime\n"
    "  --strict             strict verification (extra checks are errors, not warnings)\n"
    "  --json               machine-readable output\n"
    "\n"
    "commands:\n"
    "  serve --tcp HOST:PORT | --serial PATH [--baud N]   serve the factory link\n"
    "  apply BUNDLE [--response FILE]   handle a bundle file as if it came on the line\n"
    "  verify                           run the device verification\n"
    "  list                             list stored items\n"
    "  get NAME [--type TYPE] [--out FILE]   print or save one item\n"
    "  factory-reset                    restore the factory items, drop the rest\n"
    "  wipe                             erase everything\n"
    "  check                            the store's health (exit 0 only when healthy)\n"
    "  connect-check [--uri URI] [--timeout S]   DTLS handshake and CoAP request to the server\n"
    "\n"
    "COMMAND --help gives the options of a command. Exit status: 0 success, 1 the device\n"
    "reported an error, 2 usage, file or transport error.\n";

static const char usage_serve[] =
    "usage: fcc-device --store IMAGE serve (--tcp HOST:PORT | --serial PATH [--baud N])\n"
    "                  [--once] [--idle-timeout SECONDS] [--frame-timeout SECONDS]\n"
    "                  [--max-frame BYTES] [--json]\n"
    "\n"
    "Serves factory-tool sessions. With --tcp, listens on HOST:PORT (PORT 0 picks a free port;\n"
    "IPv6 hosts as [::1]:PORT) and prints \"listening on HOST:PORT\" with the real port as soon as\n"
    "it accepts; one tool at a time. With --serial, uses the tty or pty PATH in raw mode at N\n"
    "baud (default 115200) and prints \"listening on PATH\". Runs until SIGINT/SIGTERM, or for one\n"
    "session (TCP: one connection) with --once.\n"
    "\n"
    "  --once               serve one session, then exit with its result\n"
    "  --idle-timeout S     close a tool silent for S seconds (default 30; inside a frame the\n"
    "                       tool gets transport status 12 first)\n"
    "  --frame-timeout S    most time one frame may take however its bytes trickle in\n"
    "                       (default 120); past it the tool gets transport status 12\n"
    "  --max-frame BYTES    largest request payload (default 65536); longer: status 4\n"
    "  --json               one JSON object per message on stdout\n";

static const char usage_apply[] =
    "usage: fcc-device --store IMAGE apply BUNDLE [--response FILE] [--json]\n"
    "\n"
    "Handles the CBOR bundle in the file BUNDLE (or a whole request frame, if the file starts\n"
    "with \"mbedprov\") as if it had arrived on the line, and prints the result. --response\n"
    "writes the CBOR response payload to FILE.\n";

static const char usage_verify[] =
    "usage: fcc-device --store IMAGE verify [--json]\n"
    "\n"
    "Runs the full device verification over the stored items and prints the result.\n";

static const char usage_list[] =
    "usage: fcc-device --store IMAGE list [--json]\n"
    "\n"
    "Lists the stored items: type, size, factory flag and name (JSON: an array of\n"
    "{name, type, size, factory}). Items the store found damaged come last, marked\n"
    "`damaged` (JSON: {name, type, damaged: true}); then the exit status is 1.\n";

static const char usage_get[] =
    "usage: fcc-device --store IMAGE get NAME [--type TYPE] [--out FILE] [--json]\n"
    "\n"
    "Prints one item: as text when it is printable, else as hex (JSON: name, type, size,\n"
    "factory, hex and, when printable, text). TYPE is private-key, public-key, symmetric-key,\n"
    "certificate or config; without it the name must be unique across types. --out writes the\n"
    "raw bytes to FILE (\"-\": standard output). For a chain, the leaf.\n";

static const char usage_reset[] =
    "usage: fcc-device --store IMAGE factory-reset [--json]\n"
    "\n"
    "Restores every factory item and removes every item stored after the factory.\n";

static const char usage_wipe[] =
    "usage: fcc-device --store IMAGE wipe [--json]\n"
    "\n"
    "Erases the whole store, internal items (root of trust, entropy, factory-disabled flag)\n"
    "included.\n";

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "fcc-device: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

/* Decimal u64 with an optional K or M (binary) suffix. */
static bool parse_u64(const char *s, uint64_t *out, bool suffix)
{
    char *end = NULL;
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0)
        return false;
    if (suffix && (*end == 'K' || *end == 'k')) {
        v *= 1024u;
        end++;
    } else if (suffix && (*end == 'M' || *end == 'm')) {
        v *= 1024u * 1024u;
        end++;
    }
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL)
        return -1;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > (64u << 20))
                goto fail;
            uint8_t *nb = realloc(b, cap);
            if (nb == NULL)
                goto fail;
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                goto fail;
            break;
        }
    }
    fclose(f);
    *buf = b;
    *len = n;
    return 0;
fail:
    free(b);
    fclose(f);
    return -1;
}

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (f == NULL)
        return -1;
    int rc = fwrite(buf, 1, len, f) == len ? 0 : -1;
    if (f == stdout)
        rc |= fflush(f) == 0 ? 0 : -1;
    else
        rc |= fclose(f) == 0 ? 0 : -1;
    return rc;
}

/* ---- serve ---- */

typedef struct serve_ctx {
    device_t *dev;
    bool json;
    bool device_error; /* a message of the current session had ReturnStatus != 0 */
    uint64_t n;
} serve_ctx_t;

static void serve_session_start(void *ctx)
{
    serve_ctx_t *s = ctx;
    s->device_error = false;
    (void)device_restart_fcc(s->dev);
}

static uint32_t serve_handle(void *ctx, const uint8_t *req, size_t req_len, uint8_t *resp,
                             size_t resp_size, size_t *resp_len, bool *keep_alive)
{
    serve_ctx_t *s = ctx;
    if (!s->dev->fcc_open)
        return FTCD_STATUS_INTERNAL;
    fcc_status_t st = fcc_bundle_handler(&s->dev->fcc, req, req_len, resp, resp_size, resp_len,
                                         keep_alive);
    s->n++;
    if (*resp_len == 0) {
        fprintf(stderr, "fcc-device: message %llu: no response (%s)\n",
                (unsigned long long)s->n, fcc_status_name(st));
        s->device_error = true;
        return FTCD_STATUS_PROCESS_MESSAGE;
    }
    if (st != FCC_STATUS_SUCCESS)
        s->device_error = true;
    fprintf(stderr, "fcc-device: message %llu: %zu bytes, ReturnStatus %d (%s)%s\n",
            (unsigned long long)s->n, req_len, (int)st, fcc_status_name(st),
            *keep_alive ? ", more to come" : "");
    if (s->json)
        report_run(stdout, true, false, st, resp, *resp_len, fcc_get_output_info(&s->dev->fcc));
    return FTCD_STATUS_SUCCESS;
}

static int cmd_serve(const device_opts_t *g, int argc, char **argv)
{
    const char *tcp = NULL, *serial = NULL;
    uint64_t baud = LINK_DEFAULT_BAUD, idle = 30, frame_timeout = 120;
    uint64_t max_frame = FCC_FRAME_MAX_DEFAULT;
    bool once = false, json = g->json;
    int rc = EXIT_USAGE, lfd = -1, sfd = -1;
    static device_t dev;
    char bound[128] = "";

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_serve, stdout);
            return EXIT_DEVICE_OK;
        } else if (strcmp(a, "--tcp") == 0 && v) {
            tcp = v;
            i++;
        } else if (strcmp(a, "--serial") == 0 && v) {
            serial = v;
            i++;
        } else if (strcmp(a, "--baud") == 0 && v) {
            if (!parse_u64(v, &baud, false) || baud > 4000000 || !link_baud_valid((unsigned)baud))
                return usage_error(usage_serve, "unsupported baud rate: %s", v);
            i++;
        } else if (strcmp(a, "--idle-timeout") == 0 && v) {
            if (!parse_u64(v, &idle, false) || idle == 0 || idle > 86400)
                return usage_error(usage_serve, "bad --idle-timeout: %s", v);
            i++;
        } else if (strcmp(a, "--frame-timeout") == 0 && v) {
            if (!parse_u64(v, &frame_timeout, false) || frame_timeout == 0 ||
                frame_timeout > 86400)
                return usage_error(usage_serve, "bad --frame-timeout: %s", v);
            i++;
        } else if (strcmp(a, "--max-frame") == 0 && v) {
            if (!parse_u64(v, &max_frame, true) || max_frame == 0 || max_frame > (64u << 20))
                return usage_error(usage_serve, "bad --max-frame: %s", v);
            i++;
        } else if (strcmp(a, "--once") == 0) {
            once = true;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            return usage_error(usage_serve, "unexpected argument: %s", a);
        }
    }
    if ((tcp == NULL) == (serial == NULL))
        return usage_error(usage_serve, "%s", "give exactly one of --tcp and --serial");

    char host[256], port[16];
    if (tcp != NULL && link_parse_hostport(tcp, host, sizeof(host), port, sizeof(port)) != 0)
        return usage_error(usage_serve, "bad HOST:PORT: %s", tcp);

    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    rc = EXIT_USAGE;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal interrupts the wait at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    serve_ctx_t ctx = {.dev = &dev, .json = json, .device_error = false, .n = 0};
    link_handler_t h = {.ctx = &ctx, .session_start = serve_session_start, .handle = serve_handle};
    link_server_opts_t so = {
        .idle_timeout_ms = (int)(idle * 1000u),
        .frame_timeout_ms = (int)(frame_timeout * 1000u),
        .max_frame = (uint32_t)max_frame,
        .resp_size = FCC_RESPONSE_MAX + (size_t)max_frame,
        .once = once,
        .log = stderr,
        .stop = &stop_flag,
    };
    link_stats_t st;
    int sr;
    if (tcp != NULL) {
        lfd = link_tcp_listen(host, port, bound, sizeof(bound));
        if (lfd < 0) {
            fprintf(stderr, "fcc-device: cannot listen on %s: %s\n", tcp, strerror(errno));
            goto cleanup;
        }
        printf("listening on %s\n", bound);
        fflush(stdout);
        sr = link_serve_tcp(lfd, &so, &h, &st);
    } else {
        sfd = link_serial_open(serial, (unsigned)baud);
        if (sfd < 0) {
            fprintf(stderr, "fcc-device: cannot open %s: %s\n", serial, strerror(errno));
            goto cleanup;
        }
        printf("listening on %s\n", serial);
        fflush(stdout);
        sr = link_serve_serial(sfd, &so, &h, &st);
    }
    if (sr != 0) {
        fprintf(stderr, "fcc-device: the line failed: %s\n", strerror(errno));
        goto cleanup;
    }
    rc = EXIT_DEVICE_OK;
    if (once && st.last_end != LINK_END_STOPPED) {
        if (st.last_end == LINK_END_BROKEN || st.last_end == LINK_END_IO_ERROR ||
            st.last_end == LINK_END_IDLE || st.last_messages == 0)
            rc = EXIT_USAGE;
        else if (st.last_refused > 0 || ctx.device_error)
            rc = EXIT_DEVICE_ERROR;
    }
cleanup:
    if (lfd >= 0)
        close(lfd);
    if (sfd >= 0)
        close(sfd);
    device_close(&dev);
    return rc;
}

/* ---- local commands ---- */

/* Parses the options shared by the local commands: --help, --json, and the named ones. */
typedef struct cmd_args {
    const char *pos[2];
    int npos;
    const char *type, *out, *response;
    bool json;
} cmd_args_t;

static int parse_cmd(const char *usage, int argc, char **argv, int max_pos, bool want_type_out,
                     bool want_response, cmd_args_t *a, bool *help)
{
    *help = false;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(usage, stdout);
            *help = true;
            return EXIT_DEVICE_OK;
        } else if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (want_type_out && strcmp(s, "--type") == 0 && v) {
            a->type = v;
            i++;
        } else if (want_type_out && strcmp(s, "--out") == 0 && v) {
            a->out = v;
            i++;
        } else if (want_response && strcmp(s, "--response") == 0 && v) {
            a->response = v;
            i++;
        } else if (s[0] == '-' && s[1] != '\0') {
            return usage_error(usage, "unknown option or missing value: %s", s);
        } else if (a->npos < max_pos) {
            a->pos[a->npos++] = s;
        } else {
            return usage_error(usage, "unexpected argument: %s", s);
        }
    }
    if (a->npos != max_pos)
        return usage_error(usage, "%s", "missing argument");
    return EXIT_DEVICE_OK;
}

static int cmd_apply(const device_opts_t *g, int argc, char **argv)
{
    cmd_args_t a = {.json = g->json};
    bool help;
    int rc = parse_cmd(usage_apply, argc, argv, 1, false, true, &a, &help);
    static device_t dev;
    uint8_t *resp = NULL;
    uint8_t *file = NULL;
    size_t flen = 0, resp_len = 0;
    const uint8_t *bundle;
    size_t blen;
    if (rc != EXIT_DEVICE_OK || help)
        return rc;
    if (read_file(a.pos[0], &file, &flen) != 0) {
        fprintf(stderr, "fcc-device: cannot read %s: %s\n", a.pos[0], strerror(errno));
        return EXIT_USAGE;
    }
    bundle = file;
    blen = flen;
    if (flen >= FTCD_TOKEN_SIZE && memcmp(file, FTCD_TOKEN, FTCD_TOKEN_SIZE) == 0) {
        /* A whole request frame: check it as the line would. */
        static ftcd_decoder_t dec;
        uint8_t *pbuf = malloc(flen);
        size_t used = 0;
        ftcd_event_t ev = FTCD_EVENT_NONE;
        if (pbuf != NULL) {
            ftcd_decoder_init(&dec, FTCD_KIND_REQUEST, pbuf, flen, (uint32_t)flen);
            ev = ftcd_decoder_feed(&dec, file, flen, &used);
        }
        if (ev != FTCD_EVENT_FRAME) {
            fprintf(stderr, "fcc-device: %s: broken frame (%s)\n", a.pos[0],
                    ev == FTCD_EVENT_ERROR ? ftcd_status_text(ftcd_decoder_status(&dec))
                                           : "cut short");
            free(pbuf);
            free(file);
            return EXIT_USAGE;
        }
        bundle = ftcd_decoder_payload(&dec, &blen);
        memmove(file, bundle, blen);
        bundle = file;
        free(pbuf);
    }
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK) {
        free(file);
        return rc;
    }
    /* Room for the response cap plus the SID and a name echoed whole (fcc/fcc.h). */
    resp = malloc(FCC_RESPONSE_MAX + blen);
    if (resp == NULL) {
        free(file);
        device_close(&dev);
        return EXIT_USAGE;
    }
    fcc_status_t st = fcc_bundle_handler(&dev.fcc, bundle, blen, resp, FCC_RESPONSE_MAX + blen,
                                         &resp_len, NULL);
    report_run(stdout, a.json, true, st, resp_len ? resp : NULL, resp_len,
               fcc_get_output_info(&dev.fcc));
    rc = st == FCC_STATUS_SUCCESS ? EXIT_DEVICE_OK : EXIT_DEVICE_ERROR;
    if (a.response != NULL && write_file(a.response, resp, resp_len) != 0) {
        fprintf(stderr, "fcc-device: cannot write %s: %s\n", a.response, strerror(errno));
        rc = EXIT_USAGE;
    }
    device_close(&dev);
    free(resp);
    free(file);
    return rc;
}

static int cmd_verify(const device_opts_t *g, int argc, char **argv)
{
    cmd_args_t a = {.json = g->json};
    bool help;
    static device_t dev;
    int rc = parse_cmd(usage_verify, argc, argv, 0, false, false, &a, &help);
    if (rc != EXIT_DEVICE_OK || help)
        return rc;
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    fcc_status_t st = fcc_verify_device_configured_4mbed_cloud(&dev.fcc);
    report_run(stdout, a.json, true, st, NULL, 0, fcc_get_output_info(&dev.fcc));
    if (check_damage_count(&dev) > 0)
        fprintf(stderr, "fcc-device: the store holds damage: see fcc-device check\n");
    device_close(&dev);
    return st == FCC_STATUS_SUCCESS ? EXIT_DEVICE_OK : EXIT_DEVICE_ERROR;
}

static int cmd_list(const device_opts_t *g, int argc, char **argv)
{
    cmd_args_t a = {.json = g->json};
    bool help;
    static device_t dev;
    int rc = parse_cmd(usage_list, argc, argv, 0, false, false, &a, &help);
    if (rc != EXIT_DEVICE_OK || help)
        return rc;
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    kcm_iter_t it;
    kcm_item_info_t info;
    kcm_status_t ks;
    json_t j;
    memset(&it, 0, sizeof(it));
    if (a.json) {
        json_init(&j, stdout, true);
        json_array_begin(&j);
    }
    unsigned damaged = 0;
    while ((ks = kcm_iter_next(&dev.kcm, &it, &info)) == KCM_OK || ks == KCM_ERR_CORRUPTED) {
        if (ks == KCM_ERR_CORRUPTED) {
            /* an item that is there but damaged: shown as such (docs/fcc-device.md) */
            const char *tn = (int)info.type == 0 ? "unknown" : device_type_name(info.type);
            const char *nm = info.name_len > 0 ? (const char *)info.name : "(unknown item)";
            int nl = info.name_len > 0 ? (int)info.name_len : (int)strlen(nm);
            damaged++;
            if (a.json) {
                json_object_begin(&j);
                json_key(&j, "name");
                json_string_n(&j, nm, (size_t)nl);
                json_kv_string(&j, "type", tn);
                json_kv_bool(&j, "damaged", true);
                json_object_end(&j);
            } else {
                printf("%-13s %6s %-7s %.*s\n", tn, "-", "damaged", nl, nm);
            }
            continue;
        }
        if (a.json) {
            json_object_begin(&j);
            json_key(&j, "name");
            json_string_n(&j, (const char *)info.name, info.name_len);
            json_kv_string(&j, "type", device_type_name(info.type));
            json_kv_int(&j, "size", (int64_t)info.data_size);
            json_kv_bool(&j, "factory", info.factory);
            if (info.type == KCM_CERTIFICATE)
                json_kv_int(&j, "chain_len", (int64_t)info.chain_len);
            json_object_end(&j);
        } else {
            printf("%-13s %6zu %-7s %.*s\n", device_type_name(info.type), info.data_size,
                   info.factory ? "factory" : "-", (int)info.name_len, (const char *)info.name);
        }
    }
    if (a.json) {
        json_array_end(&j);
        json_finish(&j);
    }
    fflush(stdout);
    if (ks != KCM_ERR_NOT_FOUND) {
        fprintf(stderr, "fcc-device: listing failed: %s\n", kcm_status_message(ks));
        rc = EXIT_DEVICE_ERROR;
    } else if (damaged > 0) {
        fprintf(stderr, "fcc-device: %u damaged item(s): see fcc-device check\n", damaged);
        rc = EXIT_DEVICE_ERROR;
    }
    device_close(&dev);
    return rc;
}

static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    }
    return true;
}

static int cmd_get(const device_opts_t *g, int argc, char **argv)
{
    cmd_args_t a = {.json = g->json};
    bool help;
    static device_t dev;
    static uint8_t data[FCC_ITEM_VALUE_MAX];
    int rc = parse_cmd(usage_get, argc, argv, 1, true, false, &a, &help);
    kcm_item_type_t type = KCM_CONFIG;
    if (rc != EXIT_DEVICE_OK || help)
        return rc;
    if (a.type != NULL && !device_type_parse(a.type, &type))
        return usage_error(usage_get, "unknown --type: %s", a.type);
    const uint8_t *name = (const uint8_t *)a.pos[0];
    size_t name_len = strlen(a.pos[0]);
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    /* Find the item (and its factory flag) by walking the store. */
    kcm_iter_t it;
    kcm_item_info_t info, found;
    memset(&found, 0, sizeof(found));
    kcm_status_t ks;
    int matches = 0;
    memset(&it, 0, sizeof(it));
    while ((ks = kcm_iter_next(&dev.kcm, &it, &info)) == KCM_OK || ks == KCM_ERR_CORRUPTED) {
        if (info.name_len == name_len && memcmp(info.name, name, name_len) == 0 &&
            (a.type == NULL || info.type == type)) {
            if (matches++ == 0)
                found = info;
        }
    }
    if (ks != KCM_ERR_NOT_FOUND) {
        fprintf(stderr, "fcc-device: reading the store failed: %s\n", kcm_status_message(ks));
        rc = EXIT_DEVICE_ERROR;
        goto cleanup;
    }
    kcm_damage_t dmg;
    if (matches == 0 && kcm_store_check(&dev.kcm, &dmg) == KCM_ERR_CORRUPTED) {
        /* damage whose item is unknown may be this one: not "does not exist" */
        fprintf(stderr, "fcc-device: %s%s (the store is damaged: see fcc-device check)\n",
                kcm_status_message(KCM_ERR_CORRUPTED), a.pos[0]);
        rc = EXIT_DEVICE_ERROR;
        goto cleanup;
    }
    if (matches == 0) {
        fprintf(stderr, "fcc-device: %s%s\n", fcc_status_prefix(FCC_STATUS_ITEM_NOT_EXIST),
                a.pos[0]);
        rc = EXIT_DEVICE_ERROR;
        goto cleanup;
    }
    if (matches > 1) {
        fprintf(stderr, "fcc-device: %s exists with several types: give --type\n", a.pos[0]);
        rc = EXIT_USAGE;
        goto cleanup;
    }
    size_t len = 0;
    ks = kcm_item_get_data(&dev.kcm, name, name_len, found.type, data, sizeof(data), &len);
    if (ks != KCM_OK) {
        fprintf(stderr, "fcc-device: %s%s\n", kcm_status_message(ks), a.pos[0]);
        rc = EXIT_DEVICE_ERROR;
        goto cleanup;
    }
    if (a.out != NULL) {
        if (write_file(a.out, data, len) != 0) {
            fprintf(stderr, "fcc-device: cannot write %s: %s\n", a.out, strerror(errno));
            rc = EXIT_USAGE;
        }
    } else if (a.json) {
        json_t j;
        static char hex[2 * FCC_ITEM_VALUE_MAX + 1];
        for (size_t i = 0; i < len; i++)
            snprintf(hex + 2 * i, 3, "%02x", data[i]);
        hex[2 * len] = '\0';
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_string(&j, "name", a.pos[0]);
        json_kv_string(&j, "type", device_type_name(found.type));
        json_kv_int(&j, "size", (int64_t)len);
        json_kv_bool(&j, "factory", found.factory);
        json_kv_string(&j, "hex", hex);
        if (printable(data, len)) {
            json_key(&j, "text");
            json_string_n(&j, (const char *)data, len);
        }
        json_object_end(&j);
        json_finish(&j);
    } else if (printable(data, len)) {
        printf("%.*s\n", (int)len, (const char *)data);
    } else {
        for (size_t i = 0; i < len; i++)
            printf("%02x%s", data[i], (i % 32 == 31 || i + 1 == len) ? "\n" : "");
    }
    fflush(stdout);
cleanup:
    device_close(&dev);
    return rc;
}

static int cmd_reset_or_wipe(const device_opts_t *g, int argc, char **argv, bool wipe)
{
    cmd_args_t a = {.json = g->json};
    bool help;
    static device_t dev;
    int rc = parse_cmd(wipe ? usage_wipe : usage_reset, argc, argv, 0, false, false, &a, &help);
    if (rc != EXIT_DEVICE_OK || help)
        return rc;
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    unsigned damage = check_damage_count(&dev);
    kcm_status_t ks = wipe ? kcm_wipe(&dev.kcm) : kcm_factory_reset(&dev.kcm);
    if (ks == KCM_OK && damage > 0)
        fprintf(stderr, "fcc-device: %u damaged region(s) accepted: the items they held are %s\n",
                damage, wipe ? "erased with the rest" : "deleted");
    int status = ks == KCM_OK ? 0 : (int)kcm_to_fcc_status(ks);
    if (a.json) {
        json_t j;
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_int(&j, "status", status);
        json_kv_string(&j, "status_name", fcc_status_name(status));
        json_kv_string(&j, "info", ks == KCM_OK ? "" : kcm_status_message(ks));
        json_object_end(&j);
        json_finish(&j);
    } else if (ks == KCM_OK) {
        printf("%s done\n", wipe ? "wipe" : "factory reset");
    } else {
        printf("%s failed: %s\n", wipe ? "wipe" : "factory reset", kcm_status_message(ks));
    }
    fflush(stdout);
    device_close(&dev);
    return ks == KCM_OK ? EXIT_DEVICE_OK : EXIT_DEVICE_ERROR;
}

int main(int argc, char **argv)
{
    device_opts_t g = {0};
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_main, stdout);
            return EXIT_DEVICE_OK;
        } else if (strcmp(a, "--version") == 0) {
            char crypto[64];
            fcc_crypto_version(crypto, sizeof(crypto));
            printf("fcc-device %s\n%s\n", FCC_PROJECT_VERSION, crypto);
            return EXIT_DEVICE_OK;
        } else if (strcmp(a, "--store") == 0 && v) {
            g.store = v;
            i++;
        } else if (strcmp(a, "--store-size") == 0 && v) {
            if (!parse_u64(v, &g.store_size, true) || g.store_size == 0)
                return usage_error(usage_main, "bad --store-size: %s", v);
            i++;
        } else if (strcmp(a, "--time") == 0 && v) {
            uint64_t t;
            if (strcmp(v, "none") == 0) {
                g.time = FCC_PORT_POSIX_TIME_UNKNOWN;
            } else {
                if (!parse_u64(v, &t, false) || t == 0 || t > (uint64_t)INT64_MAX)
                    return usage_error(usage_main,
                                       "bad --time (epoch seconds > 0, or none): %s", v);
                g.time = (int64_t)t;
            }
            i++;
        } else if (strcmp(a, "--strict") == 0) {
            g.strict = true;
        } else if (strcmp(a, "--json") == 0) {
            g.json = true;
        } else if (a[0] == '-') {
            return usage_error(usage_main, "unknown option or missing value: %s", a);
        } else {
            break;
        }
    }
    if (i >= argc)
        return usage_error(usage_main, "%s", "missing command");
    const char *cmd = argv[i];
    int cargc = argc - i - 1;
    char **cargv = argv + i + 1;
    static const struct {
        const char *name;
        const char *usage;
    } cmds[] = {
        {"serve", usage_serve},     {"apply", usage_apply},         {"verify", usage_verify},
        {"list", usage_list},       {"get", usage_get},             {"factory-reset", usage_reset},
        {"wipe", usage_wipe},       {"check", usage_check},
        {"connect-check", usage_connect_check},
    };
    const char *usage = NULL;
    for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
        if (strcmp(cmd, cmds[k].name) == 0)
            usage = cmds[k].usage;
    }
    if (usage == NULL)
        return usage_error(usage_main, "unknown command: %s", cmd);
    for (int k = 0; k < cargc; k++) {
        if (strcmp(cargv[k], "--help") == 0 || strcmp(cargv[k], "-h") == 0) {
            fputs(usage, stdout);
            return EXIT_DEVICE_OK;
        }
    }
    if (g.store == NULL)
        return usage_error(usage, "%s", "--store IMAGE is required");
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(&g, cargc, cargv);
    if (strcmp(cmd, "apply") == 0)
        return cmd_apply(&g, cargc, cargv);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(&g, cargc, cargv);
    if (strcmp(cmd, "list") == 0)
        return cmd_list(&g, cargc, cargv);
    if (strcmp(cmd, "get") == 0)
        return cmd_get(&g, cargc, cargv);
    if (strcmp(cmd, "connect-check") == 0)
        return cmd_connect_check(&g, cargc, cargv);
    if (strcmp(cmd, "factory-reset") == 0)
        return cmd_reset_or_wipe(&g, cargc, cargv, false);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(&g, cargc, cargv);
    return cmd_reset_or_wipe(&g, cargc, cargv, true);
}
