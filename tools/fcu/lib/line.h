/* SPDX-License-Identifier: Apache-2.0 */
/* Provisioning one device on the factory line, shared by `fcu inject` (one device) and
 * `fcu batch` (many, in parallel): claim the device in the registry, build and validate its
 * bundle (fcu core), send it over the link, check the answer, record the outcome. Also the
 * line commands' shared settings (registry location, station id, timeouts) and their output. */
#ifndef FCU_LINE_H
#define FCU_LINE_H

#include "fcu.h"
#include "link.h"
#include "registry.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit status of the line commands, on top of fcu.h's table (docs/fcu-inject.md):
 * 0 the device reports success; 1 the device reports an error, or validation failed;
 * 2 usage, file, transport or registry error; 3 refused by the registry (already provisioned
 * or being provisioned by another station). */
#define LINE_EXIT_REFUSED 3

#define LINE_TIMEOUT_MS_DEFAULT 30000
#define LINE_CONNECT_TIMEOUT_MS_DEFAULT 5000

/* Options shared by inject and batch. */
typedef struct line_opts {
    const char *registry_arg; /* --registry, NULL = $FCU_REGISTRY_URL or <home>/registry.sqlite3 */
    const char *station_arg;  /* --station, NULL = $FCU_STATION_ID or the host name */
    bool reprovision;         /* --reprovision */
    bool disable;             /* --disable: factory-disable the device at the end */
    int timeout_ms;           /* --timeout: request sent -> whole response */
    int connect_timeout_ms;   /* --connect-timeout */
    char station[128];        /* resolved by line_opts_resolve */
    char registry[1024];      /* resolved location */
} line_opts_t;

void line_opts_init(line_opts_t *o);
/* Resolves the station id and the registry location (needs ctx->home). */
void line_opts_resolve(line_opts_t *o, const fcu_ctx_t *ctx);

/* Opens the registry named by the resolved options; prints the error and returns NULL. */
registry_t *line_registry_open(const line_opts_t *o, const char *prog);

/* One device to provision; strings borrowed. */
typedef struct line_job {
    const char *endpoint_name;
    const char *serial_number;
    const char *device_keys; /* may be NULL */
    link_addr_t addr;
} line_job_t;

/* What happened to one device. */
typedef struct line_report {
    int exit;                 /* 0, 1, 2 or LINE_EXIT_REFUSED, as above */
    const char *outcome;      /* REGISTRY_OUTCOME_* (static) */
    int device_status;        /* ReturnStatus, -1 when none; INT_MAX for one outside 0..INT_MAX */
    char status_text[24];     /* ReturnStatus exactly as received ("" when none) */
    int transport_status;     /* response frame status, -1 when none */
    char *info_message;       /* owned, NULL when none */
    char *warning_info;       /* owned, NULL when none (warnings joined by '\n') */
    char error[1024];         /* the tool's explanation when not a success */
    char transport[600];      /* address text */
    char fingerprint[96];     /* SHA-256 of the device certificate, XX:XX:... */
    char enrollment_id[100];  /* first-to-claim only */
    char cert_serial[96];     /* device certificate serial, hex */
    char mode[48];            /* bootstrap / bootstrap+first-to-claim / lwm2m [+by_device] */
    int64_t attempt_id;       /* registry row, 0 when none */
    int64_t recovered_attempt_id; /* an earlier attempt this one found applied on the device and
                                   * recorded as "recovered" (outcome recovered), else 0 */
    bool recorded;            /* the registry holds the final outcome */
    fcu_findings_t findings;  /* validation findings (owned) */
    double t_tool, t_link, t_device, t_total; /* seconds */
    link_timing_t link_timing; /* the link's phases (t_link = connect + send + recv + close) */
} line_report_t;

/* Provisions one device. `ctx` is used by this thread only (fcu_device_build is not shared
 * between threads); `reg` may be shared. Always fills `rep` (free with line_report_free) and
 * returns rep->exit. */
int line_provision(fcu_ctx_t *ctx, registry_t *reg, const line_opts_t *o, const line_job_t *job,
                   line_report_t *rep);
void line_report_free(line_report_t *rep);
/* Serial number of a DER certificate as upper-case hex into buf ("" when unparsable). */
void line_cert_serial(const uint8_t *der, size_t len, char *buf, size_t size);

/* Takes the response's ReturnStatus into the report (device_status and status_text). */
void line_report_set_status(line_report_t *rep, const fcu_response_t *r);
#endif /* FCU_LINE_H */
