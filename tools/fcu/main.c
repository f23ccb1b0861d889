/* SPDX-License-Identifier: Apache-2.0 */
/* Entry point of `fcu`: global options, then dispatch to a command of the core table or of the
 * factory-line table (fcu_line_commands, defined in the line commands' own file; the weak
 * definition here keeps the core buildable without them). */
#include "fcu.h"
#include "fcu_int.h"

#include "fcc/fcc.h"

#include <cbor.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <yaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((weak)) const fcu_command_t *fcu_line_commands(size_t *count)
{
    *count = 0;
    return NULL;
}

static const fcu_command_t core_commands[] = {
    {"setup", "create the FCU CA key and certificate (or a CSR)", fcu_cmd_setup},
    {"validate", "check the configuration and a device's data; list every finding",
     fcu_cmd_validate},
    {"bundle", "validate, then write a device's bundle to a file", fcu_cmd_bundle},
    {"inspect", "print a bundle or a device response readably", fcu_cmd_inspect},
};

static void usage(FILE *out, const char *prog)
{
    fprintf(out,
            "usage: %s [global options] COMMAND [options]\n\n"
            "Factory configurator utility: builds and checks provisioning bundles.\n\n"
            "Commands:\n",
            prog);
    for (size_t i = 0; i < sizeof(core_commands) / sizeof(core_commands[0]); i++)
        fprintf(out, "  %-10s %s\n", core_commands[i].name, core_commands[i].summary);
    size_t n = 0;
    const fcu_command_t *line = fcu_line_commands(&n);
    for (size_t i = 0; line && i < n; i++)
        fprintf(out, "  %-10s %s\n", line[i].name, line[i].summary);
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
    char mbed[64];
    int pq = PQlibVersion();
    fcc_crypto_version(mbed, sizeof(mbed));
    fprintf(out, "fcu %s\n%s\n%s (framing)\nlibcbor %d.%d.%d\nlibyaml %s\nSQLite %s\n"
                 "libpq %d.%d\n",
            FCC_PROJECT_VERSION, OpenSSL_version(OPENSSL_VERSION), mbed, CBOR_MAJOR_VERSION,
            CBOR_MINOR_VERSION, CBOR_PATCH_VERSION, yaml_get_version_string(), sqlite3_libversion(),
            pq / 10000, pq % 10000);
}

static const fcu_command_t *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof(core_commands) / sizeof(core_commands[0]); i++)
        if (strcmp(core_commands[i].name, name) == 0)
            return &core_commands[i];
    size_t n = 0;
    const fcu_command_t *line = fcu_line_commands(&n);
    for (size_t i = 0; line && i < n; i++)
        if (strcmp(line[i].name, name) == 0)
            return &line[i];
    return NULL;
}

int main(int argc, char **argv)
{
    int rc = FCU_EXIT_USAGE;
    fcu_ctx_t ctx;
    const char *prog = "fcu";
    fcu_ctx_init(&ctx, prog);

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
        int r = fcu_common_option(&ctx, c, optarg);
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
    rc = cmd->run(&ctx, sub_argc, sub_argv);

cleanup:
    fcu_ctx_free(&ctx);
    return rc;
}
