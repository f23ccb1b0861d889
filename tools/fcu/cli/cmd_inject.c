/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu inject`: provision one device over TCP or a serial line, in the shape of the ecosystem's
 * reference factory tool so that factory scripts carry over:
 *   fcu inject --endpoint-name EP --serial-number SN [--device-keys DIR] tcp --ip IP --port PORT
 *   fcu inject --endpoint-name EP --serial-number SN [--device-keys DIR] serial --port DEV [--baud N]
 * Manual: docs/fcu-inject.md. */
#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s inject [options] --endpoint-name EP --serial-number SN [--device-keys DIR]\n"
            "                 tcp --ip IP --port PORT\n"
            "       %s inject [options] --endpoint-name EP --serial-number SN [--device-keys DIR]\n"
            "                 serial --port DEVICE [--baud N]\n\n"
            "Builds and validates the device's bundle, sends it over the factory link, waits for\n"
            "the device's answer and reports its ReturnStatus, InfoMessage and warnings. Every\n"
            "attempt is recorded in the provisioning registry.\n\n"
            "Options:\n%s%s%s"
            "Transport options:\n"
            "  tcp --ip IP --port PORT        the device listens on IP:PORT\n"
            "  serial --port DEVICE [--baud N]  a serial line (default 115200 baud)\n\n"
            "Exit status: 0 the device reports success; 1 the device reports an error or the\n"
            "validation failed; 2 usage, file, transport or registry error; 3 refused by the\n"
            "registry (already provisioned, or being provisioned elsewhere).\n",
            prog, prog, fcu_device_options_help, line_options_help, fcu_common_options_help);
}

/* Applies one of inject's own options (common, per-device, line). 1 handled, 0 not one of
 * them, -1 bad value (message printed). */
static int inject_option(fcu_cli_t *cli, fcu_cli_device_t *req, fcu_cli_line_t *lo, int c,
                         const char *arg)
{
    int r = fcu_cli_common_option(cli, c, arg);
    if (r == 0)
        r = fcu_cli_device_option(req, c, arg);
    if (r == 0)
        r = fcu_cli_line_option(lo, c, arg, cli->prog);
    return r;
}

#define TRANSPORT_WHERE                                                                        \
    "transport options come after the transport word: tcp --ip IP --port PORT, or serial "      \
    "--port DEVICE [--baud N]"

/* Parses the transport part ("tcp ..." or "serial ..."). The tool's other options are accepted
 * after it too (`... tcp --ip I --port P --registry X`). Returns 0 or -1 (message printed). */
static int parse_transport(int argc, char **argv, char *text, size_t text_size, fcu_cli_t *cli,
                           fcu_cli_device_t *req, fcu_cli_line_t *lo)
{
    static const struct option tcp_opts[] = {{"ip", 1, NULL, LINE_OPT_IP},
                                             {"port", 1, NULL, LINE_OPT_PORT},
                                             FCU_COMMON_LONGOPTS,
                                             FCU_DEVICE_LONGOPTS,
                                             LINE_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    static const struct option ser_opts[] = {{"port", 1, NULL, LINE_OPT_PORT},
                                             {"baud", 1, NULL, LINE_OPT_BAUD},
                                             FCU_COMMON_LONGOPTS,
                                             FCU_DEVICE_LONGOPTS,
                                             LINE_LONGOPTS,
                                             {NULL, 0, NULL, 0}};
    const char *prog = cli->prog;
    const char *ip = NULL, *port = NULL, *baud = NULL;
    bool tcp;
    char err[256];
    int c;

    if (argc < 1) {
        fprintf(stderr, "%s inject: a transport is required: tcp --ip IP --port PORT, or "
                        "serial --port DEVICE\n", prog);
        return -1;
    }
    if (strcmp(argv[0], "tcp") == 0)
        tcp = true;
    else if (strcmp(argv[0], "serial") == 0)
        tcp = false;
    else {
        fprintf(stderr, "%s inject: unknown transport '%s' (tcp or serial)\n", prog, argv[0]);
        return -1;
    }
    optind = 0;
    opterr = 0; /* unknown options get our message, which says where they belong */
    while ((c = getopt_long(argc, argv, ":h", tcp ? tcp_opts : ser_opts, NULL)) != -1) {
        switch (c) {
        case LINE_OPT_IP: ip = optarg; break;
        case LINE_OPT_PORT: port = optarg; break;
        case LINE_OPT_BAUD: baud = optarg; break;
        case 'h': usage(stdout, prog); exit(0);
        case ':':
            fprintf(stderr, "%s inject: option '%s' needs a value\n", prog, argv[optind - 1]);
            opterr = 1;
            return -1;
        case '?':
            fprintf(stderr, "%s inject %s: unknown option '%s' (%s; the tool's options may come "
                            "before or after it, see --help)\n",
                    prog, argv[0], argv[optind - 1], TRANSPORT_WHERE);
            opterr = 1;
            return -1;
        default:
            if (inject_option(cli, req, lo, c, optarg) != 1) {
                opterr = 1;
                return -1;
            }
        }
    }
    opterr = 1;
    if (optind < argc) {
        fprintf(stderr, "%s inject: unexpected argument '%s'\n", prog, argv[optind]);
        return -1;
    }
    if (tcp) {
        if (ip == NULL || port == NULL) {
            fprintf(stderr, "%s inject tcp: --ip and --port are required\n", prog);
            return -1;
        }
        snprintf(text, text_size, strchr(ip, ':') ? "tcp:[%s]:%s" : "tcp:%s:%s", ip, port);
    } else {
        if (port == NULL) {
            fprintf(stderr, "%s inject serial: --port DEVICE is required\n", prog);
            return -1;
        }
        snprintf(text, text_size, baud ? "serial:%s@%s" : "serial:%s", port, baud ? baud : "");
    }
    if (fcu_tool_line_address_check(text, err, sizeof(err)) != FCU_TOOL_OK) {
        fprintf(stderr, "%s inject: %s\n", prog, err);
        return -1;
    }
    return 0;
}

int fcu_cli_inject(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS, FCU_DEVICE_LONGOPTS, LINE_LONGOPTS,
                                         /* only to say where they belong: */
                                         {"ip", 1, NULL, LINE_OPT_IP},
                                         {"port", 1, NULL, LINE_OPT_PORT},
                                         {"baud", 1, NULL, LINE_OPT_BAUD},
                                         {NULL, 0, NULL, 0}};
    fcu_cli_device_t req = {0};
    fcu_cli_line_t lo = {0};
    fcu_tool_line_job_t job = {0};
    fcu_tool_line_report_t rep;
    fcu_cli_line_ctx_t lc;
    char address[800];
    int c, rc = FCU_EXIT_USAGE;

    /* '+': stop at the transport word; it and its options are parsed after. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout, cli->prog);
            return FCU_EXIT_OK;
        }
        if (c == LINE_OPT_IP || c == LINE_OPT_PORT || c == LINE_OPT_BAUD) {
            fprintf(stderr, "%s inject: '%s' is a transport option: %s\n", cli->prog,
                    argv[optind - (optarg == argv[optind - 1] ? 2 : 1)], TRANSPORT_WHERE);
            return FCU_EXIT_USAGE;
        }
        int r = inject_option(cli, &req, &lo, c, optarg);
        if (r != 1) {
            if (r == 0)
                usage(stderr, cli->prog);
            return FCU_EXIT_USAGE;
        }
    }
    int first = optind;
    if (parse_transport(argc - first, argv + first, address, sizeof(address), cli, &req, &lo) !=
        0)
        return FCU_EXIT_USAGE;
    if (req.endpoint_name == NULL || req.serial_number == NULL || !*req.endpoint_name ||
        !*req.serial_number) {
        fprintf(stderr, "%s inject: --endpoint-name and --serial-number are required\n",
                cli->prog);
        return FCU_EXIT_USAGE;
    }
    job.endpoint_name = req.endpoint_name;
    job.serial_number = req.serial_number;
    job.device_keys_dir = req.device_keys_dir;
    job.address = address;

    signal(SIGPIPE, SIG_IGN);
    /* Ctrl-C while a device is being provisioned: the bundle may already be on its way, so
     * the answer is awaited (within --timeout) and recorded, as fcu batch does; a second
     * Ctrl-C ends the tool at once (the claim then stays pending: `fcu registry release`). */
    fcu_cli_sigint_install("\ninterrupted: waiting for the device's answer so that it is recorded "
                        "(Ctrl-C again to quit at once)\n",
                        NULL);
    if (fcu_cli_line_open(cli, &lo, &lc) != FCU_EXIT_OK)
        return FCU_EXIT_USAGE;
    rc = fcu_tool_line_provision(lc.line, &job, &rep);
    if (cli->json) {
        json_t j;
        json_init(&j, stdout, true);
        fcu_cli_report_json(&j, &rep, job.endpoint_name, job.serial_number);
        json_finish(&j);
    } else {
        fcu_cli_report_print(&rep, job.endpoint_name, job.serial_number, stdout);
    }
    fcu_tool_line_report_free(&rep);
    fcu_cli_line_close(&lc);
    return rc;
}
