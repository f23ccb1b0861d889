/* SPDX-License-Identifier: Apache-2.0 */
/* The options every `fcu` command shares (--config, --home, --json, --time and the per-device
 * ones), their help texts, and the findings printed as text or JSON: the front's half of the
 * context and the findings, which the library only fills. */
#include "fcu.h"
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int fcu_common_option(fcu_ctx_t *ctx, int opt, const char *arg)
{
    switch (opt) {
    case FCU_OPT_CONFIG:
        free(ctx->config_arg);
        ctx->config_arg = strdup(arg);
        return 1;
    case FCU_OPT_HOME:
        free(ctx->home);
        ctx->home = strdup(arg);
        return 1;
    case FCU_OPT_JSON:
        ctx->json = true;
        return 1;
    case FCU_OPT_TIME: {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(arg, &end, 10);
        if (errno || !end || *end || v <= 0) {
            fprintf(stderr, "%s: --time needs a positive number of seconds, not '%s'\n",
                    ctx->prog, arg);
            return -1;
        }
        ctx->now = (int64_t)v;
        ctx->now_fixed = true;
        return 1;
    }
    default:
        return 0;
    }
}

int fcu_device_option(fcu_device_req_t *req, int opt, const char *arg)
{
    switch (opt) {
    case FCU_OPT_ENDPOINT:
        req->endpoint_name = arg;
        return 1;
    case FCU_OPT_SERIAL:
        req->serial_number = arg;
        return 1;
    case FCU_OPT_DEVICE_KEYS:
        req->device_keys_dir = arg;
        return 1;
    default:
        return 0;
    }
}

void fcu_findings_print(const fcu_findings_t *f, FILE *out, bool json)
{
    if (json) {
        json_t j;
        json_init(&j, out, true);
        json_object_begin(&j);
        json_kv_bool(&j, "valid", fcu_findings_errors(f) == 0);
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < f->n; i++) {
            json_object_begin(&j);
            json_kv_int(&j, "code", f->v[i].code);
            json_kv_string(&j, "parameter", f->v[i].parameter);
            json_kv_string(&j, "message", f->v[i].message);
            json_kv_string(&j, "severity",
                           f->v[i].severity == FCU_SEV_ERROR ? "error" : "warning");
            json_object_end(&j);
        }
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
        return;
    }
    for (size_t i = 0; i < f->n; i++)
        fprintf(out, "%s %d [%s]: %s\n", f->v[i].severity == FCU_SEV_ERROR ? "error" : "warning",
                f->v[i].code, f->v[i].parameter, f->v[i].message);
}
