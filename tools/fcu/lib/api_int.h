/* SPDX-License-Identifier: Apache-2.0 */
/* What a public fcu_tool_t is inside libfcu, shared by the files of the public interface
 * (api.c, api_registry.c). */
#ifndef FCU_API_INT_H
#define FCU_API_INT_H

#include "fcu.h"

#include <fcu/fcu.h>

struct fcu_tool {
    fcu_ctx_t ctx;
    bool time_fixed;
};

#endif /* FCU_API_INT_H */
