/* SPDX-License-Identifier: Apache-2.0 */
/* The tool's context (FCU home, configuration path, clock, the loaded configuration and CA): made
 * here, above the configuration and the CA it owns, so that the helpers below (util.c) never
 * call up into them. */
#include "fcu.h"
#include "fcu_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void fcu_ctx_init(fcu_ctx_t *ctx, const char *prog)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->prog = prog;
    const char *env = getenv("FCU_HOME_DIR");
    ctx->home = strdup(env && *env ? env : ".");
    ctx->now = (int64_t)time(NULL);
}

void fcu_ctx_free(fcu_ctx_t *ctx)
{
    free(ctx->home);
    free(ctx->config_arg);
    fcu_config_free(ctx->cfg);
    fcu_ca_free(ctx->ca);
    memset(ctx, 0, sizeof(*ctx));
}
