/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu's public factory-line interface (include/fcu/fcu_line.h) over line.c: a line object
 * holds a tool, a registry and the resolved options; each device's line_report_t is handed over
 * as a public fcu_tool_line_report_t. Also the batch device list and the configuration loaded
 * once before a batch. */
#include "api_int.h"
#include "csv.h"
#include "fcc/status.h"
#include "line.h"

#include <fcu/fcu_line.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fcu_tool_line {
    fcu_tool_t *tool;
    fcu_tool_registry_t *reg;
    line_opts_t opts;
};

int fcu_tool_line_address_check(const char *address, char *err, size_t errsz)
{
    link_addr_t a;
    if (address == NULL || err == NULL || errsz == 0)
        return FCU_TOOL_USAGE;
    return link_addr_parse(address, &a, err, errsz) == 0 ? FCU_TOOL_OK : FCU_TOOL_USAGE;
}

int fcu_tool_line_open(fcu_tool_t *tool, fcu_tool_registry_t *registry,
                       const fcu_tool_line_options_t *o, fcu_tool_line_t **out)
{
    if (out == NULL)
        return FCU_TOOL_USAGE;
    *out = NULL;
    if (tool == NULL || registry == NULL)
        return FCU_TOOL_USAGE;
    fcu_tool_line_t *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return FCU_TOOL_USAGE;
    l->tool = tool;
    l->reg = registry;
    line_opts_init(&l->opts);
    if (o != NULL) {
        l->opts.station_arg = o->station;
        l->opts.reprovision = o->reprovision != 0;
        l->opts.disable = o->disable != 0;
        if (o->timeout_ms > 0)
            l->opts.timeout_ms = o->timeout_ms;
        if (o->connect_timeout_ms > 0)
            l->opts.connect_timeout_ms = o->connect_timeout_ms;
    }
    line_opts_resolve(&l->opts, &tool->ctx);
    l->opts.station_arg = NULL; /* resolved into opts.station; the caller's string may go */
    snprintf(l->opts.registry, sizeof(l->opts.registry), "%s", registry->location);
    *out = l;
    return FCU_TOOL_OK;
}

void fcu_tool_line_close(fcu_tool_line_t *l)
{
    free(l);
}

const char *fcu_tool_line_station(const fcu_tool_line_t *l)
{
    return l->opts.station;
}

const char *fcu_tool_line_registry_backend(const fcu_tool_line_t *l)
{
    return registry_backend(l->reg->reg);
}

const char *fcu_tool_line_registry_location(const fcu_tool_line_t *l)
{
    return l->opts.registry;
}

/* The report of line.c handed over; `rep` is emptied (its strings move). */
static void report_from(fcu_tool_line_report_t *p, line_report_t *rep)
{
    memset(p, 0, sizeof(*p));
    p->exit = rep->exit;
    p->outcome = rep->outcome;
    p->device_status = rep->device_status;
    memcpy(p->status_text, rep->status_text, sizeof(p->status_text));
    p->status_name = rep->device_status < 0 || rep->device_status > FCC_STATUS_MAX_ ||
                             rep->status_text[0] == '\0'
                         ? "not a status of the wire contract (0..37)"
                         : fcc_status_name(rep->device_status);
    p->transport_status = rep->transport_status;
    p->info_message = rep->info_message;
    p->warning_info = rep->warning_info;
    rep->info_message = NULL;
    rep->warning_info = NULL;
    memcpy(p->error, rep->error, sizeof(p->error));
    memcpy(p->transport, rep->transport, sizeof(p->transport));
    memcpy(p->fingerprint, rep->fingerprint, sizeof(p->fingerprint));
    memcpy(p->enrollment_id, rep->enrollment_id, sizeof(p->enrollment_id));
    memcpy(p->cert_serial, rep->cert_serial, sizeof(p->cert_serial));
    memcpy(p->mode, rep->mode, sizeof(p->mode));
    p->attempt_id = rep->attempt_id;
    p->recovered_attempt_id = rep->recovered_attempt_id;
    p->recorded = rep->recorded;
    fcu_api_findings(&p->findings, &rep->findings);
    p->t_tool = rep->t_tool;
    p->t_link = rep->t_link;
    p->t_device = rep->t_device;
    p->t_total = rep->t_total;
    p->link_connect = rep->link_timing.connect;
    p->link_send = rep->link_timing.send;
    p->link_receive = rep->link_timing.recv;
}

int fcu_tool_line_provision(fcu_tool_line_t *l, const fcu_tool_line_job_t *job,
                            fcu_tool_line_report_t *report)
{
    if (report == NULL)
        return FCU_TOOL_USAGE;
    memset(report, 0, sizeof(*report));
    report->device_status = -1;
    report->transport_status = -1;
    report->outcome = FCU_TOOL_OUTCOME_TOOL_ERROR;
    report->exit = FCU_TOOL_USAGE;
    if (l == NULL || job == NULL || job->address == NULL) {
        snprintf(report->error, sizeof(report->error), "no line, device or address");
        return report->exit;
    }
    line_job_t j = {.endpoint_name = job->endpoint_name,
                    .serial_number = job->serial_number,
                    .device_keys = job->device_keys_dir};
    if (link_addr_parse(job->address, &j.addr, report->error, sizeof(report->error)) != 0)
        return report->exit;
    line_report_t rep;
    memset(&rep, 0, sizeof(rep));
    line_provision(&l->tool->ctx, l->reg->reg, &l->opts, &j, &rep);
    report_from(report, &rep);
    line_report_free(&rep);
    return report->exit;
}

void fcu_tool_line_report_free(fcu_tool_line_report_t *r)
{
    if (r == NULL)
        return;
    free(r->info_message);
    free(r->warning_info);
    fcu_tool_findings_free(&r->findings);
    memset(r, 0, sizeof(*r));
}

int fcu_tool_device_list_load(const char *path, fcu_tool_device_list_t *list, char *err,
                              size_t errsz)
{
    if (list == NULL || path == NULL || err == NULL || errsz == 0)
        return FCU_TOOL_USAGE;
    memset(list, 0, sizeof(*list));
    csv_devices_t *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        snprintf(err, errsz, "out of memory");
        return FCU_TOOL_USAGE;
    }
    if (csv_devices_load(path, d, err, errsz) != 0) {
        free(d);
        return FCU_TOOL_USAGE;
    }
    list->priv = d;
    list->jobs = calloc(d->n ? d->n : 1, sizeof(*list->jobs));
    list->lines = calloc(d->n ? d->n : 1, sizeof(*list->lines));
    if (list->jobs == NULL || list->lines == NULL) {
        fcu_tool_device_list_free(list);
        snprintf(err, errsz, "out of memory");
        return FCU_TOOL_USAGE;
    }
    for (size_t i = 0; i < d->n; i++) {
        char why[512];
        link_addr_t a;
        list->jobs[i].endpoint_name = d->v[i].endpoint_name;
        list->jobs[i].serial_number = d->v[i].serial_number;
        list->jobs[i].device_keys_dir = d->v[i].device_keys;
        list->jobs[i].address = d->v[i].address;
        list->lines[i] = d->v[i].line;
        if (link_addr_parse(d->v[i].address, &a, why, sizeof(why)) != 0) {
            snprintf(err, errsz, "%s:%d: %s", path, d->v[i].line, why);
            fcu_tool_device_list_free(list);
            return FCU_TOOL_USAGE;
        }
    }
    list->count = d->n;
    return FCU_TOOL_OK;
}

void fcu_tool_device_list_free(fcu_tool_device_list_t *list)
{
    if (list == NULL)
        return;
    if (list->priv != NULL) {
        csv_devices_free(list->priv);
        free(list->priv);
    }
    free(list->jobs);
    free(list->lines);
    memset(list, 0, sizeof(*list));
}

int fcu_tool_load_config(fcu_tool_t *t, fcu_tool_findings_t *findings)
{
    if (findings)
        memset(findings, 0, sizeof(*findings));
    if (t == NULL)
        return FCU_TOOL_USAGE;
    fcu_findings_t f = {0};
    int rc = fcu_config_load(&t->ctx, &f);
    fcu_api_findings(findings, &f);
    fcu_findings_free(&f);
    return rc;
}

int fcu_tool_config_loaded(fcu_tool_t *t)
{
    return t != NULL && t->ctx.cfg != NULL;
}

const char *fcu_tool_config_path(fcu_tool_t *t)
{
    return t ? fcu_ctx_config_path(&t->ctx) : NULL;
}
