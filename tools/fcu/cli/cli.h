/* SPDX-License-Identifier: Apache-2.0 */
/* The front of `fcu`: what main.c and the command files share. A command parses its arguments
 * into an fcu_cli_t and its own options, calls libfcu through the public header <fcu/fcu.h> only,
 * and prints what comes back; the work itself is libfcu's (tools/fcu/lib). */
#ifndef FCU_CLI_H
#define FCU_CLI_H

#include <fcu/fcu.h>
#include <fcu/fcu_line.h>
#include <fcu/fcu_registry.h>

#include <signal.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses (docs/fcu-codes.md): the numbers of the FCU_TOOL_* results. */
#define FCU_EXIT_OK 0
#define FCU_EXIT_INVALID 1
#define FCU_EXIT_USAGE 2

/* The global options, given before the command or after it. */
typedef struct fcu_cli {
    const char *prog;
    char *home;      /* --home (owned), NULL: $FCU_HOME_DIR, else the current folder */
    char *config;    /* --config (owned), NULL: <home>/config/fcu.yml */
    bool json;       /* --json */
    int64_t now;     /* --time EPOCH, else the clock at start */
    bool now_fixed;
} fcu_cli_t;

void fcu_cli_init(fcu_cli_t *cli, const char *prog);
void fcu_cli_free(fcu_cli_t *cli);
/* Opens libfcu on the home and configuration in effect (and --time). Prints why on failure. */
int fcu_cli_open(const fcu_cli_t *cli, fcu_tool_t **tool);

typedef struct fcu_command {
    const char *name;
    const char *summary;
    /* argv[0] is the command name; returns an FCU_EXIT_* status. */
    int (*run)(fcu_cli_t *cli, int argc, char **argv);
} fcu_command_t;

/* Option ids for getopt_long shared by every command. */
enum fcu_opt {
    FCU_OPT_CONFIG = 0x100,
    FCU_OPT_HOME,
    FCU_OPT_JSON,
    FCU_OPT_TIME,
    FCU_OPT_ENDPOINT,
    FCU_OPT_SERIAL,
    FCU_OPT_DEVICE_KEYS,
    FCU_OPT_LINE_FIRST = 0x200 /* the line commands' own options start here */
};
#define FCU_COMMON_LONGOPTS                                                                    \
    {"config", 1, NULL, FCU_OPT_CONFIG}, {"home", 1, NULL, FCU_OPT_HOME},                        \
        {"json", 0, NULL, FCU_OPT_JSON}, {"time", 1, NULL, FCU_OPT_TIME},                         \
        {"help", 0, NULL, 'h'}
#define FCU_DEVICE_LONGOPTS                                                                    \
    {"endpoint-name", 1, NULL, FCU_OPT_ENDPOINT}, {"serial-number", 1, NULL, FCU_OPT_SERIAL},    \
        {"device-keys", 1, NULL, FCU_OPT_DEVICE_KEYS}

/* Option ids of the line commands (getopt_long values). */
enum line_opt {
    LINE_OPT_REGISTRY = FCU_OPT_LINE_FIRST,
    LINE_OPT_STATION,
    LINE_OPT_REPROVISION,
    LINE_OPT_TIMEOUT,
    LINE_OPT_CONNECT_TIMEOUT,
    LINE_OPT_DISABLE,
    LINE_OPT_DEVICES,
    LINE_OPT_PARALLEL,
    LINE_OPT_CSV,
    LINE_OPT_IP,
    LINE_OPT_PORT,
    LINE_OPT_BAUD,
    LINE_OPT_PROGRESS,
};

#define LINE_LONGOPTS                                                                        \
    {"registry", 1, NULL, LINE_OPT_REGISTRY}, {"station", 1, NULL, LINE_OPT_STATION},          \
        {"reprovision", 0, NULL, LINE_OPT_REPROVISION}, {"timeout", 1, NULL, LINE_OPT_TIMEOUT}, \
        {"connect-timeout", 1, NULL, LINE_OPT_CONNECT_TIMEOUT},                                 \
        {"disable", 0, NULL, LINE_OPT_DISABLE}

/* Applies a common option returned by getopt_long. Returns 1 when handled, 0 when `opt` is not
 * a common option, -1 on a bad value (message printed to stderr). */
int fcu_cli_common_option(fcu_cli_t *cli, int opt, const char *arg);

/* The per-device options; strings borrowed from argv. */
typedef struct fcu_cli_device {
    const char *endpoint_name;
    const char *serial_number;
    const char *device_keys_dir;
} fcu_cli_device_t;
/* Same as fcu_cli_common_option for the per-device options. */
int fcu_cli_device_option(fcu_cli_device_t *dev, int opt, const char *arg);

/* Text printed for --help of the common and per-device options. */
extern const char fcu_common_options_help[];
extern const char fcu_device_options_help[];

/* Findings as text ("error 302 [bootstrap-server-uri]: ...", one a line) or as the JSON object
 * {"valid": bool, "findings": [{code, parameter, message, severity}]} on `out`. */
void fcu_cli_findings_print(const fcu_tool_findings_t *f, FILE *out, bool json);
/* One finding as a JSON object, inside a writer the caller holds (json.h). */
struct json;
void fcu_cli_finding_json(struct json *j, const fcu_tool_issue_t *it);

/* ---- the factory-line commands (cli/line_cli.c) ---- */
/* Exit status 3: refused by the registry (already provisioned, or being provisioned elsewhere). */
#define FCU_CLI_EXIT_REFUSED 3

/* The line options of inject and batch. */
typedef struct fcu_cli_line {
    const char *registry; /* --registry, NULL: $FCU_REGISTRY_URL or <home>/registry.sqlite3 */
    fcu_tool_line_options_t options;
} fcu_cli_line_t;
extern const char line_options_help[];
/* Applies a line option. 1 handled, 0 not a line option, -1 bad value (message printed). */
int fcu_cli_line_option(fcu_cli_line_t *o, int opt, const char *arg, const char *prog);

/* libfcu opened for the line: the tool, the registry (error printed) and the line object. */
typedef struct fcu_cli_line_ctx {
    fcu_tool_t *tool;
    fcu_tool_registry_t *reg;
    fcu_tool_line_t *line;
} fcu_cli_line_ctx_t;
int fcu_cli_line_open(const fcu_cli_t *cli, const fcu_cli_line_t *lo, fcu_cli_line_ctx_t *lc);
void fcu_cli_line_close(fcu_cli_line_ctx_t *lc);

/* A device's report: readable text on `out`, one JSON object in the caller's writer, or one
 * line ("ok      ep-1 SN-1 tcp:... 0.21s" / "FAILED  ep-2 ...: reason") into buf. */
void fcu_cli_report_print(const fcu_tool_line_report_t *rep, const char *endpoint_name,
                          const char *serial_number, FILE *out);
void fcu_cli_report_json(struct json *j, const fcu_tool_line_report_t *rep,
                         const char *endpoint_name, const char *serial_number);
void fcu_cli_report_oneline(const fcu_tool_line_report_t *rep, const char *endpoint_name,
                            const char *serial_number, char *buf, size_t size);

/* Ctrl-C for the line commands: the first SIGINT sets the flag fcu_cli_interrupted() reads and
 * prints `msg` (a static string) on stderr, so the command can finish and record what is in
 * flight; a second one ends the tool at once. The previous action is saved in *old (may be
 * NULL) for sigaction to restore. */
void fcu_cli_sigint_install(const char *msg, struct sigaction *old);
bool fcu_cli_interrupted(void);

/* ---- the commands (cli/cmd_*.c) ---- */
int fcu_cmd_setup(fcu_cli_t *cli, int argc, char **argv);
int fcu_cmd_validate(fcu_cli_t *cli, int argc, char **argv);
int fcu_cmd_bundle(fcu_cli_t *cli, int argc, char **argv);
int fcu_cmd_inspect(fcu_cli_t *cli, int argc, char **argv);
int fcu_cli_registry(fcu_cli_t *cli, int argc, char **argv);
int fcu_cli_inject(fcu_cli_t *cli, int argc, char **argv);
int fcu_cli_batch(fcu_cli_t *cli, int argc, char **argv);

#endif /* FCU_CLI_H */
