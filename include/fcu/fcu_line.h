/* SPDX-License-Identifier: Apache-2.0 */
/* libfcu: the factory line, as `fcu inject` and `fcu batch` run it (docs/fcu-inject.md,
 * docs/fcu-batch.md): one device claimed in the registry, its bundle built and validated, sent
 * over TCP or a serial line, the answer checked and the outcome recorded. A line object binds a
 * tool (one thread's) to a registry (which threads may share); run one line object per thread
 * for devices in parallel. Nothing here prints; a report says what happened. Conventions as in
 * fcu.h. */
#ifndef FCU_PUBLIC_FCU_LINE_H
#define FCU_PUBLIC_FCU_LINE_H

#include <fcu/fcu.h>
#include <fcu/fcu_registry.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Outcomes a report can carry besides those of fcu_registry.h. */
#define FCU_TOOL_OUTCOME_DEVICE_ERROR "device_error"
#define FCU_TOOL_OUTCOME_TRANSPORT_ERROR "transport_error"
#define FCU_TOOL_OUTCOME_TOOL_ERROR "tool_error"
#define FCU_TOOL_OUTCOME_IDENTITY_CONFLICT "identity_conflict"

typedef struct fcu_tool_line fcu_tool_line_t;

/* Zero-initialise; 0 / NULL means the default. */
typedef struct fcu_tool_line_options {
    const char *station;    /* this station's id (default: $FCU_STATION_ID, else the host name) */
    int reprovision;        /* provision again a device the registry lists as provisioned */
    int disable;            /* factory-disable the device at the end (irreversible) */
    int timeout_ms;         /* wait this long for the device's answer (default 30000) */
    int connect_timeout_ms; /* wait this long for the connection (default 5000) */
} fcu_tool_line_options_t;

/* One device; strings borrowed. */
typedef struct fcu_tool_line_job {
    const char *endpoint_name;
    const char *serial_number;
    const char *device_keys_dir; /* NULL unless keys are externally supplied */
    const char *address;         /* "tcp:HOST:PORT", "tcp:[IPV6]:PORT" or "serial:PATH[@BAUD]" */
} fcu_tool_line_job_t;

/* What happened to one device. Free with fcu_tool_line_report_free. */
typedef struct fcu_tool_line_report {
    int exit;                  /* 0 success, 1 device error or invalid, 2 tool/transport/registry
                                  error, 3 refused by the registry (the `fcu inject` status) */
    const char *outcome;       /* FCU_TOOL_OUTCOME_* (static) */
    int device_status;         /* ReturnStatus, -1 when none */
    char status_text[24];      /* ReturnStatus exactly as received ("" when none) */
    const char *status_name;   /* the ReturnStatus's name (static) */
    int transport_status;      /* response frame status, -1 when none */
    char *info_message;        /* the device's InfoMessage, NULL when none */
    char *warning_info;        /* its WarningInfo (warnings end with '\n'), NULL when none */
    char error[1024];          /* the explanation when not a success */
    char transport[600];       /* the address as text */
    char fingerprint[96];      /* SHA-256 of the device certificate, XX:XX:... */
    char enrollment_id[100];   /* first-to-claim only */
    char cert_serial[96];      /* device certificate serial, hex */
    char mode[48];             /* bootstrap / bootstrap+first-to-claim / lwm2m [+by_device] */
    int64_t attempt_id;        /* registry row, 0 when none */
    int64_t recovered_attempt_id; /* an earlier attempt found applied on the device, else 0 */
    int recorded;              /* the registry holds the final outcome */
    fcu_tool_findings_t findings; /* validation findings */
    double t_tool, t_link, t_device, t_total;       /* seconds */
    double link_connect, link_send, link_receive;  /* seconds, the link's phases */
} fcu_tool_line_report_t;

/* Checks an address; 0 when usable, else FCU_TOOL_USAGE with the reason in `err`. */
int fcu_tool_line_address_check(const char *address, char *err, size_t errsz);

/* Binds `tool` and `registry` (both borrowed, kept open by the caller) with the options. */
int fcu_tool_line_open(fcu_tool_t *tool, fcu_tool_registry_t *registry,
                       const fcu_tool_line_options_t *options, fcu_tool_line_t **out);
void fcu_tool_line_close(fcu_tool_line_t *line);
/* The station id in effect, the registry's backend ("sqlite" or "postgresql") and location;
 * owned by the line object. */
const char *fcu_tool_line_station(const fcu_tool_line_t *line);
const char *fcu_tool_line_registry_backend(const fcu_tool_line_t *line);
const char *fcu_tool_line_registry_location(const fcu_tool_line_t *line);

/* Provisions one device; always fills *report and returns report->exit. */
int fcu_tool_line_provision(fcu_tool_line_t *line, const fcu_tool_line_job_t *job,
                            fcu_tool_line_report_t *report);
void fcu_tool_line_report_free(fcu_tool_line_report_t *report);

/* The list of `fcu batch` (docs/fcu-batch.md): endpoint name, serial number, address and an
 * optional device-keys folder a row. */
typedef struct fcu_tool_device_list {
    fcu_tool_line_job_t *jobs;
    int *lines; /* each job's line in the file */
    size_t count;
    void *priv;
} fcu_tool_device_list_t;
/* Loads and checks the list (every address too). FCU_TOOL_OK, or FCU_TOOL_USAGE with `err`
 * naming the file, line and reason. Free with fcu_tool_device_list_free. */
int fcu_tool_device_list_load(const char *path, fcu_tool_device_list_t *list, char *err,
                              size_t errsz);
void fcu_tool_device_list_free(fcu_tool_device_list_t *list);

/* Loads and checks the configuration once (what every device shares), findings in order.
 * FCU_TOOL_OK, FCU_TOOL_INVALID, or FCU_TOOL_USAGE when the file cannot be read. */
int fcu_tool_load_config(fcu_tool_t *tool, fcu_tool_findings_t *findings);
/* 1 when a configuration is loaded (possibly with errors), 0 when the file could not be read or
 * parsed at all. */
int fcu_tool_config_loaded(fcu_tool_t *tool);
/* The configuration file in effect; owned by the tool. */
const char *fcu_tool_config_path(fcu_tool_t *tool);

#ifdef __cplusplus
}
#endif
#endif /* FCU_PUBLIC_FCU_LINE_H */
