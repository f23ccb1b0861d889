/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu registry`: read the provisioning records.
 *   fcu registry show EP             every attempt for endpoint EP (text or --json)
 *   fcu registry export --csv|--json  the provisioned devices: endpoint, serial, enrollment ID,
 *                                    certificate fingerprint (what a cloud bulk upload needs)
 *   fcu registry release EP          free the claims of an attempt whose station died
 * Manual: docs/fcu-registry.md. */
#include "cli.h"
#include "json.h"

#include <fcu/fcu_registry.h>

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s registry show ENDPOINT [--json] [--registry URL|PATH]\n"
            "       %s registry export (--csv | --json) [-o FILE] [--registry URL|PATH]\n"
            "       %s registry release ENDPOINT [--registry URL|PATH]\n\n"
            "show     every provisioning attempt of ENDPOINT, oldest first\n"
            "export   one row per provisioned device: endpoint_name, serial_number,\n"
            "         enrollment_id, certificate_sha256, outcome (success or recovered)\n"
            "release  free the claims held by unfinished attempts of ENDPOINT (a station that\n"
            "         crashed while provisioning it): an attempt that had written its bundle\n"
            "         ahead becomes 'unknown' (the next inject asks the device), the others\n"
            "         'abandoned'\n\n"
            "Options:\n"
            "  --csv             export as CSV (RFC 4180, header row)\n"
            "  -o, --output FILE write the export to FILE instead of standard output\n"
            "  --registry URL|PATH  (default: $FCU_REGISTRY_URL, else <home>/registry.sqlite3)\n"
            "%s\n"
            "Exit status: 0 done; 1 show found no attempt; 2 usage or registry error.\n",
            prog, prog, prog, fcu_common_options_help);
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *out, const char *s)
{
    if (s == NULL)
        s = "";
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

struct show_ctx {
    FILE *out;
    json_t *j;
    size_t n;
};

static void json_kv_optint(json_t *j, const char *k, int v)
{
    json_key(j, k);
    if (v >= 0)
        json_int(j, v);
    else
        json_null(j);
}

static void attempt_json(json_t *j, const fcu_tool_attempt_t *a)
{
    json_object_begin(j);
    json_kv_int(j, "id", a->id);
    json_kv_string(j, "station", a->station);
    json_kv_string(j, "started_at", a->started_at);
    json_kv_string(j, "finished_at", a->finished_at);
    json_kv_string(j, "endpoint_name", a->endpoint_name);
    json_kv_string(j, "serial_number", a->serial_number);
    json_kv_string(j, "mode", a->mode);
    json_kv_string(j, "transport", a->transport);
    json_kv_string(j, "outcome", a->outcome);
    json_kv_bool(j, "current", a->current);
    json_kv_optint(j, "return_status", a->device_status);
    json_kv_optint(j, "transport_status", a->transport_status);
    json_kv_string(j, "info_message", a->info_message);
    json_kv_string(j, "warnings", a->warnings);
    json_kv_string(j, "error", a->error);
    json_kv_string(j, "certificate_serial", a->cert_serial);
    json_kv_string(j, "certificate_sha256", a->cert_sha256);
    json_kv_string(j, "enrollment_id", a->enrollment_id);
    json_kv_string(j, "sid", a->sid);
    json_kv_string(j, "sent_at", a->sent_at);
    json_kv_optint(j, "messages", a->messages > 0 ? a->messages : -1);
    json_key(j, "resolved_by");
    if (a->resolved_by > 0)
        json_int(j, a->resolved_by);
    else
        json_null(j);
    json_object_end(j);
}

/* How `show` and `export` name an outcome for a person. */
static const char *outcome_text(const char *o)
{
    if (o == NULL)
        return "?";
    if (strcmp(o, FCU_TOOL_OUTCOME_RECOVERED) == 0)
        return "recovered (success found on the device after the station died)";
    if (strcmp(o, FCU_TOOL_OUTCOME_UNKNOWN) == 0)
        return "unknown (released; the next inject asks the device)";
    return o;
}

static int show_cb(void *arg, const fcu_tool_attempt_t *a)
{
    struct show_ctx *s = arg;
    s->n++;
    if (s->j != NULL) {
        attempt_json(s->j, a);
        return 0;
    }
    FILE *o = s->out;
    fprintf(o, "attempt %" PRId64 "%s: %s  station %s  %s .. %s\n", a->id,
            a->current ? " (current)" : "", outcome_text(a->outcome),
            a->station ? a->station : "?", a->started_at ? a->started_at : "?",
            a->finished_at ? a->finished_at : "(unfinished)");
    fprintf(o, "  endpoint %s  serial %s  mode %s  via %s\n", a->endpoint_name,
            a->serial_number, a->mode ? a->mode : "-", a->transport ? a->transport : "-");
    if (a->device_status >= 0 || a->transport_status >= 0)
        fprintf(o, "  ReturnStatus %d  transport status %d\n", a->device_status,
                a->transport_status);
    if (a->info_message) {
        size_t n = strcspn(a->info_message, "\n");
        fprintf(o, "  InfoMessage: %.*s\n", (int)n, a->info_message);
    }
    for (const char *w = a->warnings; w && *w;) {
        size_t n = strcspn(w, "\n");
        if (n)
            fprintf(o, "  warning: %.*s\n", (int)n, w);
        w += n;
        if (*w)
            w++;
    }
    if (a->error) {
        /* Recovery writes its reasoning where a failure writes its error. */
        const char *oc = a->outcome ? a->outcome : "";
        bool note = strcmp(oc, FCU_TOOL_OUTCOME_RECOVERY_CHECK) == 0 ||
                    strcmp(oc, FCU_TOOL_OUTCOME_NOT_APPLIED) == 0 ||
                    strcmp(oc, FCU_TOOL_OUTCOME_UNKNOWN) == 0;
        fprintf(o, "  %s: %s\n", note ? "note" : "error", a->error);
    }
    if (a->cert_sha256)
        fprintf(o, "  certificate: serial %s  SHA-256 %s\n", a->cert_serial ? a->cert_serial : "?",
                a->cert_sha256);
    if (a->enrollment_id)
        fprintf(o, "  enrollment ID: %s\n", a->enrollment_id);
    if (a->sid)
        fprintf(o, "  bundle SID %s, written ahead %s\n", a->sid,
                a->sent_at ? a->sent_at : "?");
    if (a->resolved_by > 0)
        fprintf(o, "  settled by attempt %" PRId64 "\n", a->resolved_by);
    return 0;
}

struct export_ctx {
    FILE *out;
    json_t *j;
    size_t n;
};

static int export_cb(void *arg, const fcu_tool_attempt_t *a)
{
    struct export_ctx *e = arg;
    e->n++;
    if (e->j != NULL) {
        json_object_begin(e->j);
        json_kv_string(e->j, "endpoint_name", a->endpoint_name);
        json_kv_string(e->j, "serial_number", a->serial_number);
        json_kv_string(e->j, "enrollment_id", a->enrollment_id);
        json_kv_string(e->j, "certificate_sha256", a->cert_sha256);
        json_kv_string(e->j, "certificate_serial", a->cert_serial);
        json_kv_string(e->j, "mode", a->mode);
        json_kv_string(e->j, "station", a->station);
        json_kv_string(e->j, "provisioned_at", a->finished_at);
        json_kv_int(e->j, "attempt_id", a->id);
        json_kv_string(e->j, "outcome", a->outcome);
        json_object_end(e->j);
        return 0;
    }
    csv_field(e->out, a->endpoint_name);
    fputc(',', e->out);
    csv_field(e->out, a->serial_number);
    fputc(',', e->out);
    csv_field(e->out, a->enrollment_id);
    fputc(',', e->out);
    csv_field(e->out, a->cert_sha256);
    fputc(',', e->out);
    csv_field(e->out, a->outcome);
    fputs("\r\n", e->out);
    return 0;
}

int fcu_cli_registry(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS,
                                         {"registry", 1, NULL, LINE_OPT_REGISTRY},
                                         {"csv", 0, NULL, LINE_OPT_CSV},
                                         {"output", 1, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    const char *location = NULL;
    bool csv = false;
    const char *output = NULL;
    fcu_tool_t *tool = NULL;
    fcu_tool_registry_t *reg = NULL;
    FILE *out = stdout;
    int rc = FCU_EXIT_USAGE, c;
    char msg[1024];

    /* Options may come before or after the subcommand and its argument (permuting getopt). */
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h': usage(stdout, cli->prog); return FCU_EXIT_OK;
        case LINE_OPT_REGISTRY: location = optarg; break;
        case LINE_OPT_CSV: csv = true; break;
        case 'o': output = optarg; break;
        default: {
            int r = fcu_cli_common_option(cli, c, optarg);
            if (r != 1) {
                if (r == 0)
                    usage(stderr, cli->prog);
                return FCU_EXIT_USAGE;
            }
        }
        }
    }
    const char *sub = optind < argc ? argv[optind] : NULL;
    const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (sub == NULL) {
        usage(stderr, cli->prog);
        return FCU_EXIT_USAGE;
    }
    bool is_show = strcmp(sub, "show") == 0, is_export = strcmp(sub, "export") == 0,
         is_release = strcmp(sub, "release") == 0;
    if (!is_show && !is_export && !is_release) {
        fprintf(stderr, "%s registry: unknown subcommand '%s' (show, export, release)\n",
                cli->prog, sub);
        return FCU_EXIT_USAGE;
    }
    int want_args = is_export ? 1 : 2;
    if (argc - optind != want_args) {
        fprintf(stderr, "%s registry %s: %s\n", cli->prog, sub,
                is_export ? "takes no argument" : "needs exactly one ENDPOINT");
        return FCU_EXIT_USAGE;
    }
    if (is_export && csv == cli->json) {
        fprintf(stderr, "%s registry export: choose one of --csv or --json\n", cli->prog);
        return FCU_EXIT_USAGE;
    }
    if (fcu_cli_open(cli, &tool) != FCU_TOOL_OK)
        return FCU_EXIT_USAGE;
    if (fcu_tool_registry_open(tool, location, &reg, msg, sizeof(msg)) != FCU_TOOL_OK) {
        fprintf(stderr, "%s: registry: %s\n", cli->prog, msg);
        fcu_tool_close(tool);
        return FCU_EXIT_USAGE;
    }

    if (is_release) {
        int released = 0, unknown = 0;
        if (fcu_tool_registry_release(reg, arg, &released, &unknown, msg, sizeof(msg)) !=
            FCU_TOOL_OK) {
            fprintf(stderr, "%s registry release: %s\n", cli->prog, msg);
            goto cleanup;
        }
        printf("released %d unfinished attempt%s of %s\n", released, released == 1 ? "" : "s",
               arg);
        if (unknown > 0)
            printf("%d of them had sent (or were about to send) a bundle: outcome unknown, data "
                   "kept; the next `fcu inject` or `fcu batch` of %s asks the device what it "
                   "holds and records it\n",
                   unknown, arg);
        rc = FCU_EXIT_OK;
        goto cleanup;
    }
    if (output != NULL) {
        out = fopen(output, "w");
        if (out == NULL) {
            fprintf(stderr, "%s registry: cannot write %s\n", cli->prog, output);
            out = stdout;
            goto cleanup;
        }
    }
    json_t j;
    json_init(&j, out, true);
    if (is_show) {
        struct show_ctx s = {out, cli->json ? &j : NULL, 0};
        if (cli->json) {
            json_object_begin(&j);
            json_kv_string(&j, "endpoint_name", arg);
            json_key(&j, "attempts");
            json_array_begin(&j);
        }
        if (fcu_tool_registry_show(reg, arg, show_cb, &s, msg, sizeof(msg)) != FCU_TOOL_OK) {
            fprintf(stderr, "%s registry show: %s\n", cli->prog, msg);
            goto cleanup;
        }
        if (cli->json) {
            json_array_end(&j);
            json_object_end(&j);
            json_finish(&j);
        } else if (s.n == 0) {
            fprintf(out, "no provisioning attempt recorded for %s\n", arg);
        }
        rc = s.n > 0 ? FCU_EXIT_OK : FCU_EXIT_INVALID;
    } else {
        struct export_ctx e = {out, cli->json ? &j : NULL, 0};
        if (cli->json)
            json_array_begin(&j);
        else
            fputs("endpoint_name,serial_number,enrollment_id,certificate_sha256,outcome\r\n",
                  out);
        if (fcu_tool_registry_export(reg, export_cb, &e, msg, sizeof(msg)) != FCU_TOOL_OK) {
            fprintf(stderr, "%s registry export: %s\n", cli->prog, msg);
            goto cleanup;
        }
        if (cli->json) {
            json_array_end(&j);
            json_finish(&j);
        }
        rc = FCU_EXIT_OK;
    }
cleanup:
    if (out != stdout && fclose(out) != 0) {
        fprintf(stderr, "%s registry: cannot write %s\n", cli->prog, output);
        rc = FCU_EXIT_USAGE;
    }
    fcu_tool_registry_close(reg);
    fcu_tool_close(tool);
    return rc;
}
