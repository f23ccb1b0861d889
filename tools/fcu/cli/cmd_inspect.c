/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu inspect FILE`: its options, the file read, and the decoded bundle or response written out
 * (the decoding is libfcu's, lib/inspect.c). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int fcu_cmd_inspect(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: %s inspect [--json] FILE\n\n"
                   "Shows a bundle or a device response (raw CBOR or a framed mbedprov message) "
                   "readably:\ncertificates decoded (subject, issuer, serial, validity, key, "
                   "signature, extensions),\nconfiguration parameters, and the enrollment ID when "
                   "first-to-claim is on. Private keys\nand entropy are described, never "
                   "shown.\n\n%s\nExit status: 0 shown, 1 not a bundle or response, 2 usage or "
                   "file error.\n",
                   cli->prog, fcu_common_options_help);
            return FCU_EXIT_OK;
        }
        if (fcu_cli_common_option(cli, c, optarg) != 1)
            return FCU_EXIT_USAGE;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s inspect: give exactly one FILE (see --help)\n", cli->prog);
        return FCU_EXIT_USAGE;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    if (fcu_tool_read_file(argv[optind], &data, &len) != FCU_TOOL_OK) {
        fprintf(stderr, "%s inspect: cannot read %s: %s\n", cli->prog, argv[optind],
                strerror(errno));
        return FCU_EXIT_USAGE;
    }
    char *text = NULL, *error = NULL;
    int rc = fcu_tool_inspect(data, len, cli->json, cli->now, &text, &error);
    fcu_tool_free_secret(data, len);
    if (rc == FCU_TOOL_USAGE) {
        fprintf(stderr, "%s inspect: out of memory\n", cli->prog);
        return rc;
    }
    fputs(text, stdout);
    fputs(error, stderr);
    fcu_tool_free(text);
    fcu_tool_free(error);
    return rc;
}
