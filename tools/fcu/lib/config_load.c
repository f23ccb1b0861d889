/* SPDX-License-Identifier: Apache-2.0 */
/* fcu_config_load: the configuration file parsed (config.c), then every rule that needs no device
 * (validate.c) and the custom properties (custom.c). Kept apart from the loader because those
 * checks read the loader's positions: with the load on top, config, validate and custom stand in
 * layers instead of calling each other in a loop. */
#include "fcu.h"
#include "fcu_config_int.h"
#include "fcu_int.h"

int fcu_config_load(fcu_ctx_t *ctx, fcu_findings_t *f)
{
    if (ctx->cfg)
        return FCU_EXIT_OK;
    size_t errors_before = fcu_findings_errors(f);
    int rc = fcu_config_parse(ctx, f);
    if (!ctx->cfg)
        return rc;
    fcu_validate_config(ctx, f);
    fcu_custom_validate(ctx, f);
    return fcu_findings_errors(f) > errors_before ? FCU_EXIT_INVALID : FCU_EXIT_OK;
}
