/* SPDX-License-Identifier: Apache-2.0 */
/* What a public fcu_tool_t is inside libfcu, shared by the files of the public interface
 * (api.c, api_registry.c, api_line.c). */
#ifndef FCU_API_INT_H
#define FCU_API_INT_H

#include "fcu.h"

#include "registry.h"

#include <fcu/fcu.h>

struct fcu_tool {
    fcu_ctx_t ctx;
    bool time_fixed;
};

struct fcu_tool_registry {
    registry_t *reg;
    char location[1024]; /* as resolved (--registry, $FCU_REGISTRY_URL or the home's file) */
};

/* The findings of the core handed over in their order (*out zeroed first; NULL: nothing). */
void fcu_api_findings(fcu_tool_findings_t *out, const fcu_findings_t *f);

#endif /* FCU_API_INT_H */
