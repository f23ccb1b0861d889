/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu batch --devices FILE.csv --parallel N`: provision every device of a list with N devices
 * in flight at once (one thread each, each with its own copy of the tool context; the registry
 * handle is shared). One failing device never stops the others. Ctrl-C (SIGINT) starts no new
 * device but lets those in flight finish and be recorded; a second Ctrl-C ends the tool at
 * once. A summary closes the run; the exit status is non-zero when any device failed or was not
 * started. Manual: docs/fcu-batch.md. */
#include "cli.h"
#include "json.h"
#include "progress.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH_PARALLEL_MAX 256

typedef enum { JOB_WAITING = 0, JOB_RUNNING = 1, JOB_DONE = 2 } job_state_t;

typedef struct batch {
    const fcu_cli_t *cli;
    const fcu_cli_line_t *lo;
    fcu_tool_registry_t *reg; /* shared by the workers */
    size_t n;
    const fcu_tool_line_job_t *jobs;
    fcu_tool_line_report_t *reps;
    job_state_t *state;
    size_t next;
    pthread_mutex_t lock;
    progress_t progress;
} batch_t;

static void *worker(void *arg)
{
    batch_t *b = arg;
    /* each worker its own tool (a tool serves one thread), all on the one registry */
    fcu_tool_t *tool = NULL;
    fcu_tool_line_t *tl = NULL;
    bool have_ctx = fcu_cli_open(b->cli, &tool) == FCU_TOOL_OK &&
                    fcu_tool_line_open(tool, b->reg, &b->lo->options, &tl) == FCU_TOOL_OK;
    char line[1600];

    for (;;) {
        size_t i;
        pthread_mutex_lock(&b->lock);
        if (fcu_cli_interrupted() || b->next >= b->n || !have_ctx) {
            pthread_mutex_unlock(&b->lock);
            break;
        }
        i = b->next++;
        b->state[i] = JOB_RUNNING;
        pthread_mutex_unlock(&b->lock);

        progress_start(&b->progress);
        fcu_tool_line_provision(tl, &b->jobs[i], &b->reps[i]);
        fcu_cli_report_oneline(&b->reps[i], b->jobs[i].endpoint_name, b->jobs[i].serial_number,
                               line, sizeof(line));
        pthread_mutex_lock(&b->lock);
        b->state[i] = JOB_DONE;
        pthread_mutex_unlock(&b->lock);
        progress_done(&b->progress, b->reps[i].exit == FCU_EXIT_OK, line);
    }
    fcu_tool_line_close(tl);
    fcu_tool_close(tool);
    return NULL;
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s batch --devices FILE.csv [--parallel N] [options]\n\n"
            "Provisions every device of FILE.csv, N at a time (default 1). One row a device:\n"
            "  endpoint name, serial number, address [, device-keys folder]\n"
            "where address is tcp:HOST:PORT or serial:PATH[@BAUD]. See docs/fcu-batch.md.\n\n"
            "Options:\n"
            "  --devices FILE.csv    the device list\n"
            "  --parallel N          devices in flight at once (1..%d)\n"
            "  --progress MODE       auto (bar on a terminal), bar, or lines\n"
            "%s%s\n"
            "Exit status: 0 every device provisioned; 1 a device failed, was refused or was not\n"
            "started (Ctrl-C); 2 usage, device-list, configuration or registry error.\n",
            prog, BATCH_PARALLEL_MAX, line_options_help, fcu_common_options_help);
}

/* Counts of a finished run. */
typedef struct tally {
    size_t ok, device_error, transport_error, refused, tool_error, not_started, recovered;
} tally_t;

static void count(const batch_t *b, tally_t *t)
{
    memset(t, 0, sizeof(*t));
    for (size_t i = 0; i < b->n; i++) {
        if (b->state[i] != JOB_DONE) {
            t->not_started++;
            continue;
        }
        const fcu_tool_line_report_t *r = &b->reps[i];
        if (r->exit == FCU_EXIT_OK) {
            t->ok++;
            t->recovered += r->recovered_attempt_id > 0;
        } else if (r->exit == FCU_CLI_EXIT_REFUSED)
            t->refused++;
        else if (strcmp(r->outcome, FCU_TOOL_OUTCOME_DEVICE_ERROR) == 0 ||
                 strcmp(r->outcome, FCU_TOOL_OUTCOME_IDENTITY_CONFLICT) == 0)
            t->device_error++;
        else if (strcmp(r->outcome, FCU_TOOL_OUTCOME_TRANSPORT_ERROR) == 0)
            t->transport_error++;
        else
            t->tool_error++;
    }
}

int fcu_cli_batch(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS,
                                         LINE_LONGOPTS,
                                         {"devices", 1, NULL, LINE_OPT_DEVICES},
                                         {"parallel", 1, NULL, LINE_OPT_PARALLEL},
                                         {"progress", 1, NULL, LINE_OPT_PROGRESS},
                                         {NULL, 0, NULL, 0}};
    int rc = FCU_EXIT_USAGE, c;
    const char *devices = NULL;
    long parallel = 1;
    int tty = -1;
    fcu_cli_line_t lo = {0};
    fcu_tool_device_list_t list = {0};
    batch_t b;
    pthread_t *threads = NULL;
    size_t started = 0;
    char err[1200];
    fcu_tool_findings_t findings = {0};
    fcu_tool_t *tool = NULL;
    fcu_tool_line_t *tl = NULL;
    struct sigaction old_sa;
    bool sig_set = false;

    memset(&b, 0, sizeof(b));
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int r;
        switch (c) {
        case 'h': usage(stdout, cli->prog); return FCU_EXIT_OK;
        case LINE_OPT_DEVICES: devices = optarg; continue;
        case LINE_OPT_PARALLEL: {
            char *end = NULL;
            errno = 0;
            parallel = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || parallel < 1 || parallel > BATCH_PARALLEL_MAX) {
                fprintf(stderr, "%s batch: --parallel must be 1..%d\n", cli->prog,
                        BATCH_PARALLEL_MAX);
                return FCU_EXIT_USAGE;
            }
            continue;
        }
        case LINE_OPT_PROGRESS:
            if (strcmp(optarg, "auto") == 0)
                tty = -1;
            else if (strcmp(optarg, "bar") == 0)
                tty = 1;
            else if (strcmp(optarg, "lines") == 0)
                tty = 0;
            else {
                fprintf(stderr, "%s batch: --progress is auto, bar or lines\n", cli->prog);
                return FCU_EXIT_USAGE;
            }
            continue;
        default:
            r = fcu_cli_common_option(cli, c, optarg);
            if (r == 0)
                r = fcu_cli_line_option(&lo, c, optarg, cli->prog);
            if (r != 1) {
                if (r == 0)
                    usage(stderr, cli->prog);
                return FCU_EXIT_USAGE;
            }
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s batch: unexpected argument '%s'\n", cli->prog, argv[optind]);
        return FCU_EXIT_USAGE;
    }
    if (devices == NULL) {
        fprintf(stderr, "%s batch: --devices FILE.csv is required\n", cli->prog);
        return FCU_EXIT_USAGE;
    }
    if (fcu_tool_device_list_load(devices, &list, err, sizeof(err)) != FCU_TOOL_OK) {
        fprintf(stderr, "%s batch: %s\n", cli->prog, err);
        return FCU_EXIT_USAGE;
    }

    /* Everything that can be checked before the first device is checked now. */
    b.cli = cli;
    b.lo = &lo;
    b.n = list.count;
    b.jobs = list.jobs;
    b.reps = calloc(list.count ? list.count : 1, sizeof(*b.reps));
    b.state = calloc(list.count ? list.count : 1, sizeof(*b.state));
    if (b.reps == NULL || b.state == NULL) {
        fprintf(stderr, "%s batch: out of memory\n", cli->prog);
        goto cleanup;
    }
    if (fcu_cli_open(cli, &tool) != FCU_TOOL_OK)
        goto cleanup;
    int cr = fcu_tool_load_config(tool, &findings);
    if (cr != FCU_EXIT_OK) {
        if (!fcu_tool_config_loaded(tool))
            fprintf(stderr, "%s batch: cannot read the configuration %s\n", cli->prog,
                    fcu_tool_config_path(tool));
        fcu_cli_findings_print(&findings, stderr, false);
        rc = cr;
        goto cleanup;
    }
    if (fcu_tool_registry_open(tool, lo.registry, &b.reg, err, sizeof(err)) != FCU_TOOL_OK) {
        fprintf(stderr, "%s: registry: %s\n", cli->prog, err);
        goto cleanup;
    }
    if (fcu_tool_line_open(tool, b.reg, &lo.options, &tl) != FCU_TOOL_OK)
        goto cleanup;

    if ((size_t)parallel > list.count)
        parallel = (long)list.count;
    threads = calloc((size_t)parallel, sizeof(*threads));
    if (threads == NULL)
        goto cleanup;
    signal(SIGPIPE, SIG_IGN);
    fcu_cli_sigint_install("\ninterrupted: finishing the devices in flight, starting no new one "
                        "(Ctrl-C again to quit at once)\n",
                        &old_sa);
    sig_set = true;
    pthread_mutex_init(&b.lock, NULL);
    /* With --json, stdout carries only the JSON document; progress goes to stderr. */
    FILE *pout = cli->json ? stderr : stdout;
    progress_init(&b.progress, pout, list.count, tty);
    if (!b.progress.tty)
        fprintf(pout, "batch: %zu devices, %ld in parallel, registry %s (%s), station %s\n",
                list.count, parallel, fcu_tool_line_registry_backend(tl),
                strncmp(fcu_tool_line_registry_location(tl), "postgres", 8) == 0
                    ? "shared server"
                    : fcu_tool_line_registry_location(tl),
                fcu_tool_line_station(tl));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < parallel; i++) {
        if (pthread_create(&threads[i], NULL, worker, &b) != 0) {
            fprintf(stderr, "%s batch: cannot start worker %ld\n", cli->prog, i);
            break;
        }
        started++;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    progress_finish(&b.progress);
    pthread_mutex_destroy(&b.lock);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

    tally_t t;
    count(&b, &t);
    size_t failed = list.count - t.ok - t.not_started;
    if (cli->json) {
        json_t j;
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_int(&j, "total", (int64_t)list.count);
        json_kv_int(&j, "succeeded", (int64_t)t.ok);
        json_kv_int(&j, "recovered", (int64_t)t.recovered);
        json_kv_int(&j, "failed", (int64_t)failed);
        json_kv_int(&j, "device_errors", (int64_t)t.device_error);
        json_kv_int(&j, "transport_errors", (int64_t)t.transport_error);
        json_kv_int(&j, "refused", (int64_t)t.refused);
        json_kv_int(&j, "tool_errors", (int64_t)t.tool_error);
        json_kv_int(&j, "not_started", (int64_t)t.not_started);
        json_kv_bool(&j, "interrupted", fcu_cli_interrupted());
        json_kv_int(&j, "parallel", parallel);
        json_kv_int(&j, "milliseconds", (int64_t)(secs * 1000.0));
        json_key(&j, "devices");
        json_array_begin(&j);
        for (size_t i = 0; i < list.count; i++) {
            if (b.state[i] != JOB_DONE) {
                json_object_begin(&j);
                json_kv_string(&j, "endpoint_name", b.jobs[i].endpoint_name);
                json_kv_string(&j, "serial_number", b.jobs[i].serial_number);
                json_kv_bool(&j, "success", false);
                json_kv_string(&j, "outcome", "not_started");
                json_object_end(&j);
            } else {
                fcu_cli_report_json(&j, &b.reps[i], b.jobs[i].endpoint_name,
                                    b.jobs[i].serial_number);
            }
        }
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
    } else {
        char rec[48] = "";
        if (t.recovered > 0) /* devices whose dead station's attempt was found applied */
            snprintf(rec, sizeof(rec), " (%zu recovered)", t.recovered);
        printf("summary: %zu devices: %zu provisioned%s, %zu failed (device error %zu, transport "
               "error %zu, refused %zu, not sent %zu), %zu not started; %.2f s, %.2f devices/s\n",
               list.count, t.ok, rec, failed, t.device_error, t.transport_error, t.refused,
               t.tool_error, t.not_started, secs,
               secs > 0 ? (double)(t.ok + failed) / secs : 0.0);
        for (size_t i = 0; i < list.count; i++) {
            if (b.state[i] == JOB_DONE && b.reps[i].exit != FCU_EXIT_OK)
                printf("  failed: %s (%s, line %d): %s\n", b.jobs[i].endpoint_name,
                       b.reps[i].outcome, list.lines[i], b.reps[i].error);
        }
        if (t.not_started > 0)
            printf("  not started (interrupted): %zu devices, first %s (line %d)\n",
                   t.not_started, b.jobs[list.count - t.not_started].endpoint_name,
                   list.lines[list.count - t.not_started]);
        fflush(stdout);
    }
    rc = (failed == 0 && t.not_started == 0) ? FCU_EXIT_OK : FCU_EXIT_INVALID;
cleanup:
    if (sig_set)
        sigaction(SIGINT, &old_sa, NULL);
    if (b.reps != NULL)
        for (size_t i = 0; i < list.count; i++)
            fcu_tool_line_report_free(&b.reps[i]);
    free(threads);
    free(b.reps);
    free(b.state);
    fcu_tool_line_close(tl);
    fcu_tool_registry_close(b.reg);
    fcu_tool_findings_free(&findings);
    fcu_tool_close(tool);
    fcu_tool_device_list_free(&list);
    return rc;
}
