/* SPDX-License-Identifier: Apache-2.0 */
/* See legacy.h: the factory-line commands' bridge onto libfcu's insides, until they move onto
 * the public API. */
#include "legacy.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void fcu_legacy_ctx(const fcu_cli_t *cli, fcu_ctx_t *ctx)
{
    fcu_ctx_init(ctx, cli->prog);
    if (cli->home) {
        free(ctx->home);
        ctx->home = strdup(cli->home);
    }
    if (cli->config)
        ctx->config_arg = strdup(cli->config);
    ctx->json = cli->json;
    ctx->now = cli->now;
    ctx->now_fixed = cli->now_fixed;
}

int fcu_common_option(fcu_ctx_t *ctx, int opt, const char *arg)
{
    fcu_cli_t c;
    fcu_cli_init(&c, ctx->prog);
    int r = fcu_cli_common_option(&c, opt, arg);
    if (r == 1) {
        if (c.home) {
            free(ctx->home);
            ctx->home = c.home;
            c.home = NULL;
        }
        if (c.config) {
            free(ctx->config_arg);
            ctx->config_arg = c.config;
            c.config = NULL;
        }
        ctx->json = ctx->json || c.json;
        if (c.now_fixed) {
            ctx->now = c.now;
            ctx->now_fixed = true;
        }
    }
    fcu_cli_free(&c);
    return r;
}

int fcu_device_option(fcu_device_req_t *req, int opt, const char *arg)
{
    fcu_cli_device_t d = {0};
    int r = fcu_cli_device_option(&d, opt, arg);
    if (d.endpoint_name)
        req->endpoint_name = d.endpoint_name;
    if (d.serial_number)
        req->serial_number = d.serial_number;
    if (d.device_keys_dir)
        req->device_keys_dir = d.device_keys_dir;
    return r;
}

int fcu_legacy_run(int (*run)(fcu_ctx_t *, int, char **), fcu_cli_t *cli, int argc,
                   char **argv)
{
    fcu_ctx_t ctx;
    fcu_legacy_ctx(cli, &ctx);
    int rc = run(&ctx, argc, argv);
    fcu_ctx_free(&ctx);
    return rc;
}

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

int line_option(line_opts_t *o, int opt, const char *arg, const char *prog)
{
    switch (opt) {
    case LINE_OPT_REGISTRY:
        o->registry_arg = arg;
        return 1;
    case LINE_OPT_STATION:
        o->station_arg = arg;
        return 1;
    case LINE_OPT_REPROVISION:
        o->reprovision = true;
        return 1;
    case LINE_OPT_DISABLE:
        o->disable = true;
        return 1;
    case LINE_OPT_TIMEOUT:
    case LINE_OPT_CONNECT_TIMEOUT:
        if (parse_seconds(arg, opt == LINE_OPT_TIMEOUT ? &o->timeout_ms
                                                       : &o->connect_timeout_ms) != 0) {
            fprintf(stderr, "%s: --%s needs a number of seconds (0 < s <= 86400), not '%s'\n",
                    prog, opt == LINE_OPT_TIMEOUT ? "timeout" : "connect-timeout", arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}
