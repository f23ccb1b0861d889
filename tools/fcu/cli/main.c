/* SPDX-License-Identifier: Apache-2.0 */
/* Entry point of `fcu`: global options, then dispatch to a command of the table (one cli/cmd_*.c
 * file each; the core commands first, then the factory-line ones). */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const fcu_command_t commands[] = {
    {"setup", "create the FCU CA key and certificate (or a CSR)", fcu_cmd_setup},
    {"validate", "check the configuration and a device's data; list every finding",
     fcu_cmd_validate},
    {"bundle", "validate, then write a device's bundle to a file", fcu_cmd_bundle},
    {"inspect", "print a bundle or a device response readably", fcu_cmd_inspect},
    {"inject", "provision one device over TCP or a serial line", fcu_cli_inject},
    {"batch", "provision every device of a CSV list, N at a time", fcu_cli_batch},
    {"registry", "show, export or release provisioning records", fcu_cli_registry},
};

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [global options] COMMAND [options]\n\n"
            "Factory configurator utility: builds and checks provisioning bundles.\n\n"
            "Commands:\n",
            prog);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nGlobal options (also accepted after the command):\n%s\n"
                 "Run `%s COMMAND --help` for a command's options; `--version` prints the\n"
                 "versions of the tool and of the libraries it runs on.\n"
                 "Exit status: 0 valid/done, 1 validation failed or device error, 2 usage, file,\n"
                 "transport or registry error, 3 refused by the registry.\n",
            fcu_common_options_help, prog);
}

/* `fcu --version`: the tool's version and every library it runs on, as each reports itself at
 * run time (OpenSSL for its crypto, mbedTLS under the framing codec's digest, and the rest). */
static void print_version(FILE *out)
{
    fprintf(out, "fcu %s\n%s", FCC_PROJECT_VERSION, fcu_tool_library_versions());
}

static const fcu_command_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    int rc = FCU_EXIT_USAGE;
    fcu_cli_t cli;
    const char *prog = "fcu";
    fcu_cli_init(&cli, prog);

    static const struct option opts[] = {FCU_COMMON_LONGOPTS, {"version", 0, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};
    int c;
    /* '+': stop at the command name; the command parses the rest. */
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout, prog);
            rc = FCU_EXIT_OK;
            goto cleanup;
        }
        if (c == 'V') {
            print_version(stdout);
            rc = FCU_EXIT_OK;
            goto cleanup;
        }
        int r = fcu_cli_common_option(&cli, c, optarg);
        if (r != 1) {
            if (r == 0)
                usage(stderr, prog);
            goto cleanup;
        }
    }
    if (optind >= argc) {
        usage(stderr, prog);
        goto cleanup;
    }
    const fcu_command_t *cmd = find_command(argv[optind]);
    if (!cmd) {
        fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[optind]);
        usage(stderr, prog);
        goto cleanup;
    }
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* full getopt reset for the command's own parsing */
    rc = cmd->run(&cli, sub_argc, sub_argv);

cleanup:
    fcu_cli_free(&cli);
    return rc;
}
