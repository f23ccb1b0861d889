/* SPDX-License-Identifier: Apache-2.0 */
/* What `fcu inject` and `fcu batch` share in the front: the line options (registry, station,
 * timeouts) and their help, opening libfcu's line on them, Ctrl-C, and a device's report printed
 * as text, as JSON or as one line (libfcu's fcu_tool_line_provision fills the report). */
#include "cli.h"
#include "json.h"
#include "untrusted.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char line_options_help[] =
    "  --registry URL|PATH   provisioning registry: postgresql://user@host:port/db (shared by\n"
    "                        stations) or a SQLite file (default: $FCU_REGISTRY_URL, else\n"
    "                        <home>/registry.sqlite3)\n"
    "  --station ID          this station's id in the registry (default: $FCU_STATION_ID, else\n"
    "                        the host name)\n"
    "  --reprovision         provision again a device the registry lists as provisioned\n"
    "  --timeout SECONDS     wait this long for the device's answer (default 30)\n"
    "  --connect-timeout SECONDS  wait this long for the connection (default 5)\n"
    "  --disable             factory-disable the device at the end (irreversible)\n";

static int parse_seconds(const char *arg, int *ms)
{
    char *end = NULL;
    errno = 0;
    double s = strtod(arg, &end);
    if (errno != 0 || end == arg || *end != '\0' || !(s > 0) || s > 86400)
        return -1;
    *ms = (int)ceil(s * 1000.0);
    return 0;
}

int fcu_cli_line_option(fcu_cli_line_t *o, int opt, const char *arg, const char *prog)
{
    switch (opt) {
    case LINE_OPT_REGISTRY:
        o->registry = arg;
        return 1;
    case LINE_OPT_STATION:
        o->options.station = arg;
        return 1;
    case LINE_OPT_REPROVISION:
        o->options.reprovision = 1;
        return 1;
    case LINE_OPT_DISABLE:
        o->options.disable = 1;
        return 1;
    case LINE_OPT_TIMEOUT:
    case LINE_OPT_CONNECT_TIMEOUT:
        if (parse_seconds(arg, opt == LINE_OPT_TIMEOUT ? &o->options.timeout_ms
                                                       : &o->options.connect_timeout_ms) != 0) {
            fprintf(stderr, "%s: --%s needs a number of seconds (0 < s <= 86400), not '%s'\n",
                    prog, opt == LINE_OPT_TIMEOUT ? "timeout" : "connect-timeout", arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int fcu_cli_line_open(const fcu_cli_t *cli, const fcu_cli_line_t *lo, fcu_cli_line_ctx_t *lc)
{
    char err[1024];
    memset(lc, 0, sizeof(*lc));
    if (fcu_cli_open(cli, &lc->tool) != FCU_TOOL_OK)
        return FCU_EXIT_USAGE;
    if (fcu_tool_registry_open(lc->tool, lo->registry, &lc->reg, err, sizeof(err)) !=
        FCU_TOOL_OK) {
        fprintf(stderr, "%s: registry: %s\n", cli->prog, err);
        fcu_cli_line_close(lc);
        return FCU_EXIT_USAGE;
    }
    if (fcu_tool_line_open(lc->tool, lc->reg, &lo->options, &lc->line) != FCU_TOOL_OK) {
        fprintf(stderr, "%s: out of memory\n", cli->prog);
        fcu_cli_line_close(lc);
        return FCU_EXIT_USAGE;
    }
    return FCU_EXIT_OK;
}

void fcu_cli_line_close(fcu_cli_line_ctx_t *lc)
{
    fcu_tool_line_close(lc->line);
    fcu_tool_registry_close(lc->reg);
    fcu_tool_close(lc->tool);
    memset(lc, 0, sizeof(*lc));
}

/* Calls fn for every warning line of WarningInfo (each warning ends with '\n'). */
static void each_warning(const char *wi, void (*fn)(void *, const char *, size_t), void *arg)
{
    while (wi != NULL && *wi != '\0') {
        size_t n = strcspn(wi, "\n");
        if (n > 0)
            fn(arg, wi, n);
        wi += n;
        if (*wi == '\n')
            wi++;
    }
}

static void print_warning(void *arg, const char *w, size_t n)
{
    fputs("  warning: ", (FILE *)arg);
    fput_untrusted((FILE *)arg, w, n);
    fputc('\n', (FILE *)arg);
}

static void json_warning(void *arg, const char *w, size_t n)
{
    json_string_n((json_t *)arg, w, n);
}

void fcu_cli_report_print(const fcu_tool_line_report_t *rep, const char *endpoint_name,
                      const char *serial_number, FILE *out)
{
    const char *verdict = rep->recovered_attempt_id > 0             ? "RECOVERED"
                          : rep->exit == FCU_EXIT_OK                  ? "PROVISIONED"
                          : rep->exit == FCU_CLI_EXIT_REFUSED          ? "REFUSED"
                          : strcmp(rep->outcome, FCU_TOOL_OUTCOME_IDENTITY_CONFLICT) == 0
                              ? "IDENTITY CONFLICT"
                          : rep->device_status > 0                  ? "DEVICE ERROR"
                          : strcmp(rep->outcome, FCU_TOOL_OUTCOME_TOOL_ERROR) == 0 ? "NOT SENT"
                                                                    : "FAILED";
    fprintf(out, "%s: %s (serial %s) via %s\n", verdict, endpoint_name, serial_number,
            rep->transport);
    if (rep->device_status >= 0)
        fprintf(out, "  ReturnStatus: %s (%s)\n", rep->status_text, rep->status_name);
    if (rep->info_message != NULL) {
        size_t n = strlen(rep->info_message);
        while (n > 0 && rep->info_message[n - 1] == '\n')
            n--;
        fputs("  InfoMessage: ", out);
        fput_untrusted(out, rep->info_message, n);
        fputc('\n', out);
    }
    each_warning(rep->warning_info, print_warning, out);
    if (rep->exit != FCU_EXIT_OK && rep->error[0] != '\0') {
        fputs("  error: ", out);
        fput_untrusted(out, rep->error, strlen(rep->error));
        fputc('\n', out);
    }
    for (size_t i = 0; i < rep->findings.count; i++)
        fprintf(out, "  %s %d [%s]: %s\n",
                rep->findings.items[i].is_warning ? "finding: warning" : "finding: error",
                rep->findings.items[i].code, rep->findings.items[i].parameter,
                rep->findings.items[i].message);
    if (rep->mode[0])
        fprintf(out, "  mode: %s\n", rep->mode);
    if (rep->cert_serial[0] || rep->fingerprint[0])
        fprintf(out, "  device certificate: serial %s, SHA-256 %s\n",
                rep->cert_serial[0] ? rep->cert_serial : "?",
                rep->fingerprint[0] ? rep->fingerprint : "?");
    if (rep->enrollment_id[0])
        fprintf(out, "enrollment id: %s\n", rep->enrollment_id); /* scraped by scripts */
    if (rep->recovered_attempt_id > 0)
        fprintf(out,
                "  registry: attempt %" PRId64 " (whose station died) recorded as recovered: "
                "the device holds its identity (checked by attempt %" PRId64 ", nothing sent "
                "but a Verify-only message)\n",
                rep->recovered_attempt_id, rep->attempt_id);
    else if (rep->attempt_id > 0)
        fprintf(out, "  registry: attempt %" PRId64 " %s (%s)\n", rep->attempt_id,
                rep->recorded ? "recorded" : "NOT closed", rep->outcome);
    fprintf(out, "  time: %.3f s (tool %.3f, link %.3f, device %.3f)\n", rep->t_total,
            rep->t_tool, rep->t_link, rep->t_device);
}

void fcu_cli_report_json(json_t *j, const fcu_tool_line_report_t *rep, const char *endpoint_name,
                      const char *serial_number)
{
    json_object_begin(j);
    json_kv_string(j, "endpoint_name", endpoint_name);
    json_kv_string(j, "serial_number", serial_number);
    json_kv_string(j, "transport", rep->transport);
    json_kv_bool(j, "success", rep->exit == FCU_EXIT_OK);
    json_kv_int(j, "exit", rep->exit);
    json_kv_string(j, "outcome", rep->outcome);
    if (rep->mode[0])
        json_kv_string(j, "mode", rep->mode);
    json_key(j, "return_status");
    if (rep->device_status >= 0) {
        /* the number as received: int64, uint64 beyond it, or (below INT64_MIN) its text */
        char *end = NULL;
        errno = 0;
        long long v = strtoll(rep->status_text, &end, 10);
        if (errno == 0 && end != rep->status_text && *end == '\0')
            json_int(j, v);
        else if (rep->status_text[0] != '-')
            json_uint(j, strtoull(rep->status_text, NULL, 10));
        else
            json_string(j, rep->status_text);
    } else {
        json_null(j);
    }
    json_key(j, "transport_status");
    if (rep->transport_status >= 0)
        json_int(j, rep->transport_status);
    else
        json_null(j);
    json_kv_string(j, "info_message", rep->info_message); /* null when absent */
    json_key(j, "warnings");
    json_array_begin(j);
    each_warning(rep->warning_info, json_warning, j);
    json_array_end(j);
    json_key(j, "error");
    if (rep->exit != FCU_EXIT_OK && rep->error[0])
        json_string(j, rep->error);
    else
        json_null(j);
    json_key(j, "findings");
    json_array_begin(j);
    for (size_t i = 0; i < rep->findings.count; i++)
        fcu_cli_finding_json(j, &rep->findings.items[i]);
    json_array_end(j);
    json_kv_string(j, "certificate_serial", rep->cert_serial);
    json_kv_string(j, "certificate_sha256", rep->fingerprint);
    json_key(j, "enrollment_id");
    if (rep->enrollment_id[0])
        json_string(j, rep->enrollment_id);
    else
        json_null(j);
    json_kv_int(j, "attempt_id", rep->attempt_id);
    json_key(j, "recovered_attempt_id");
    if (rep->recovered_attempt_id > 0)
        json_int(j, rep->recovered_attempt_id);
    else
        json_null(j);
    json_kv_bool(j, "recorded", rep->recorded);
    /* Times in microseconds (json.h writes integers only). */
    json_key(j, "microseconds");
    json_object_begin(j);
    json_kv_int(j, "total", (int64_t)(rep->t_total * 1e6));
    json_kv_int(j, "tool", (int64_t)(rep->t_tool * 1e6));
    json_kv_int(j, "link", (int64_t)(rep->t_link * 1e6));
    json_kv_int(j, "device", (int64_t)(rep->t_device * 1e6));
    json_kv_int(j, "link_connect", (int64_t)(rep->link_connect * 1e6));
    json_kv_int(j, "link_send", (int64_t)(rep->link_send * 1e6));
    json_kv_int(j, "link_receive", (int64_t)(rep->link_receive * 1e6));
    json_object_end(j);
    json_object_end(j);
}

void fcu_cli_report_oneline(const fcu_tool_line_report_t *rep, const char *endpoint_name,
                      const char *serial_number, char *buf,
                         size_t size)
{
    if (rep->exit == FCU_EXIT_OK && rep->recovered_attempt_id > 0)
        snprintf(buf, size, "ok      %s %s %s %.2fs (recovered attempt %" PRId64 ")",
                 endpoint_name, serial_number, rep->transport, rep->t_total,
                 rep->recovered_attempt_id);
    else if (rep->exit == FCU_EXIT_OK)
        snprintf(buf, size, "ok      %s %s %s %.2fs%s", endpoint_name, serial_number,
                 rep->transport, rep->t_total, rep->warning_info ? " (with warnings)" : "");
    else
        snprintf(buf, size, "FAILED  %s %s %s: %s", endpoint_name, serial_number,
                 rep->transport, rep->error[0] ? rep->error : rep->outcome);
    /* the error can quote the device's InfoMessage: no control characters on the terminal */
    for (char *p = buf; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

static volatile sig_atomic_t g_interrupted;
static const char *g_interrupt_msg;

static void on_sigint(int sig)
{
    if (g_interrupted) {
        /* Second Ctrl-C: the operator insists. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    g_interrupted = 1;
    if (g_interrupt_msg != NULL) {
        ssize_t w = write(STDERR_FILENO, g_interrupt_msg, strlen(g_interrupt_msg));
        (void)w;
    }
}

void fcu_cli_sigint_install(const char *msg, struct sigaction *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    g_interrupt_msg = msg;
    g_interrupted = 0;
    sigaction(SIGINT, &sa, old);
}

bool fcu_cli_interrupted(void)
{
    return g_interrupted != 0;
}
