/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu's public registry interface (include/fcu/fcu_registry.h) over the registry module: the
 * location resolved as the line commands resolve it, and each row handed over as a public
 * fcu_tool_attempt_t. */
#include "api_int.h"
#include "line.h"

#include <fcu/fcu_registry.h>

#include <stdio.h>
#include <stdlib.h>


int fcu_tool_registry_open(fcu_tool_t *t, const char *location, fcu_tool_registry_t **out,
                           char *err, size_t errsz)
{
    if (out == NULL || t == NULL || err == NULL || errsz == 0)
        return FCU_TOOL_USAGE;
    *out = NULL;
    err[0] = '\0';
    line_opts_t lo;
    line_opts_init(&lo);
    lo.registry_arg = location;
    line_opts_resolve(&lo, &t->ctx);
    fcu_tool_registry_t *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        snprintf(err, errsz, "out of memory");
        return FCU_TOOL_USAGE;
    }
    snprintf(r->location, sizeof(r->location), "%s", lo.registry);
    if (registry_open(lo.registry, &r->reg, err, errsz) != REGISTRY_OK) {
        free(r);
        return FCU_TOOL_USAGE;
    }
    *out = r;
    return FCU_TOOL_OK;
}

void fcu_tool_registry_close(fcu_tool_registry_t *r)
{
    if (r == NULL)
        return;
    registry_close(r->reg);
    free(r);
}

struct relay {
    fcu_tool_attempt_cb cb;
    void *arg;
};

static int relay_row(void *arg, const registry_attempt_t *a)
{
    const struct relay *rl = arg;
    fcu_tool_attempt_t p = {
        .id = a->id,
        .station = a->station,
        .started_at = a->started_at,
        .finished_at = a->finished_at,
        .endpoint_name = a->endpoint_name,
        .serial_number = a->serial_number,
        .mode = a->mode,
        .transport = a->transport,
        .cert_serial = a->cert_serial,
        .cert_sha256 = a->cert_sha256,
        .enrollment_id = a->enrollment_id,
        .outcome = a->outcome,
        .info_message = a->info_message,
        .warnings = a->warnings,
        .error = a->error,
        .device_status = a->device_status,
        .transport_status = a->transport_status,
        .current = a->current,
        .sid = a->sid,
        .sent_at = a->sent_at,
        .resolved_by = a->resolved_by,
        .messages = a->messages,
    };
    return rl->cb(rl->arg, &p);
}

int fcu_tool_registry_show(fcu_tool_registry_t *r, const char *endpoint_name,
                           fcu_tool_attempt_cb cb, void *arg, char *err, size_t errsz)
{
    if (r == NULL || endpoint_name == NULL || cb == NULL)
        return FCU_TOOL_USAGE;
    struct relay rl = {cb, arg};
    return registry_list(r->reg, endpoint_name, relay_row, &rl, err, errsz) == REGISTRY_OK
               ? FCU_TOOL_OK
               : FCU_TOOL_USAGE;
}

int fcu_tool_registry_export(fcu_tool_registry_t *r, fcu_tool_attempt_cb cb, void *arg,
                             char *err, size_t errsz)
{
    if (r == NULL || cb == NULL)
        return FCU_TOOL_USAGE;
    struct relay rl = {cb, arg};
    return registry_list_provisioned(r->reg, relay_row, &rl, err, errsz) == REGISTRY_OK
               ? FCU_TOOL_OK
               : FCU_TOOL_USAGE;
}

int fcu_tool_registry_release(fcu_tool_registry_t *r, const char *endpoint_name, int *released,
                              int *unknown, char *err, size_t errsz)
{
    if (r == NULL || endpoint_name == NULL || released == NULL)
        return FCU_TOOL_USAGE;
    return registry_release(r->reg, endpoint_name, released, unknown, err, errsz) == REGISTRY_OK
               ? FCU_TOOL_OK
               : FCU_TOOL_USAGE;
}
