/* SPDX-License-Identifier: Apache-2.0 */
/* The options every `fcu` command shares (--config, --home, --json, --time and the per-device
 * ones), their help texts, opening libfcu on them, and findings printed as text or JSON: the
 * front's half of what the library fills. Public API only (<fcu/fcu.h>). */
#include "cli.h"
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char fcu_common_options_help[] =
    "  --config FILE    configuration file (default: <home>/config/fcu.yml)\n"
    "  --home DIR       FCU home folder (default: $FCU_HOME_DIR, else the current folder)\n"
    "  --json           machine-readable output\n"
    "  --time EPOCH     use this time (seconds since 1970) as now\n"
    "  -h, --help       this help\n";

const char fcu_device_options_help[] =
    "  --endpoint-name NAME  the device's endpoint name (certificate CN)\n"
    "  --serial-number SN    the device's serial number\n"
    "  --device-keys DIR     folder of externally supplied keys/certificates and entropy.bin\n";

void fcu_cli_init(fcu_cli_t *cli, const char *prog)
{
    memset(cli, 0, sizeof(*cli));
    cli->prog = prog;
    cli->now = (int64_t)time(NULL);
}

void fcu_cli_free(fcu_cli_t *cli)
{
    free(cli->home);
    free(cli->config);
    memset(cli, 0, sizeof(*cli));
}

int fcu_cli_open(const fcu_cli_t *cli, fcu_tool_t **tool)
{
    int rc = fcu_tool_open(cli->home, cli->config, tool);
    if (rc != FCU_TOOL_OK) {
        fprintf(stderr, "%s: out of memory\n", cli->prog);
        return rc;
    }
    if (cli->now_fixed)
        fcu_tool_set_time(*tool, cli->now);
    return FCU_TOOL_OK;
}

static int set_string(char **dst, const char *arg)
{
    char *s = strdup(arg);
    if (s == NULL)
        return -1;
    free(*dst);
    *dst = s;
    return 1;
}

int fcu_cli_common_option(fcu_cli_t *cli, int opt, const char *arg)
{
    switch (opt) {
    case FCU_OPT_CONFIG:
        return set_string(&cli->config, arg);
    case FCU_OPT_HOME:
        return set_string(&cli->home, arg);
    case FCU_OPT_JSON:
        cli->json = true;
        return 1;
    case FCU_OPT_TIME: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (errno || !end || *end || v <= 0) {
            fprintf(stderr, "%s: --time needs a positive number of seconds, not '%s'\n",
                    cli->prog, arg);
            return -1;
        }
        cli->now = (int64_t)v;
        cli->now_fixed = true;
        return 1;
    }
    default:
        return 0;
    }
}

int fcu_cli_device_option(fcu_cli_device_t *dev, int opt, const char *arg)
{
    switch (opt) {
    case FCU_OPT_ENDPOINT:
        dev->endpoint_name = arg;
        return 1;
    case FCU_OPT_SERIAL:
        dev->serial_number = arg;
        return 1;
    case FCU_OPT_DEVICE_KEYS:
        dev->device_keys_dir = arg;
        return 1;
    default:
        return 0;
    }
}

void fcu_cli_finding_json(json_t *j, const fcu_tool_issue_t *it)
{
    json_object_begin(j);
    json_kv_int(j, "code", it->code);
    json_kv_string(j, "parameter", it->parameter);
    json_kv_string(j, "message", it->message);
    json_kv_string(j, "severity", it->is_warning ? "warning" : "error");
    json_object_end(j);
}

void fcu_cli_findings_print(const fcu_tool_findings_t *f, FILE *out, bool json)
{
    if (json) {
        json_t j;
        json_init(&j, out, true);
        json_object_begin(&j);
        json_kv_bool(&j, "valid", f->error_count == 0);
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < f->count; i++)
            fcu_cli_finding_json(&j, &f->items[i]);
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
        return;
    }
    for (size_t i = 0; i < f->count; i++)
        fprintf(out, "%s %d [%s]: %s\n", f->items[i].is_warning ? "warning" : "error",
                f->items[i].code, f->items[i].parameter, f->items[i].message);
}
