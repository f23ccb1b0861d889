/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu validate`: every finding, not only the first. libfcu's fcu_tool_check runs the same code
 * as the factory line, so what validates here is what a device receives. */
#include "cli.h"

#include <getopt.h>
#include <string.h>

static void print_summary(const fcu_tool_findings_t *f, FILE *out)
{
    size_t e = f->error_count;
    size_t w = f->count - e;
    if (e == 0)
        fprintf(out, "valid (%zu warning%s)\n", w, w == 1 ? "" : "s");
    else
        fprintf(out, "invalid: %zu error%s, %zu warning%s\n", e, e == 1 ? "" : "s", w,
                w == 1 ? "" : "s");
}

int fcu_cmd_validate(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS, FCU_DEVICE_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    fcu_cli_device_t req = {0};
    fcu_tool_findings_t f = {0};
    fcu_tool_t *tool = NULL;
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: %s validate [options]\n\n"
                   "Runs every check of the configuration (and, with the device options, of one "
                   "device's\nkeys and certificates) and lists every finding, not only the "
                   "first.\nWithout device options only the configuration and the FCU CA are "
                   "checked.\n\n%s%s\nExit status: 0 valid, 1 validation failed, 2 usage or "
                   "file error.\n",
                   cli->prog, fcu_device_options_help, fcu_common_options_help);
            return FCU_EXIT_OK;
        }
        int r = fcu_cli_common_option(cli, c, optarg);
        if (r == 0)
            r = fcu_cli_device_option(&req, c, optarg);
        if (r != 1)
            return FCU_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "%s validate: unexpected argument '%s'\n", cli->prog, argv[optind]);
        return FCU_EXIT_USAGE;
    }
    if (fcu_cli_open(cli, &tool) != FCU_TOOL_OK)
        return FCU_EXIT_USAGE;
    rc = fcu_tool_check(tool, req.endpoint_name, req.serial_number, req.device_keys_dir, &f);
    fcu_cli_findings_print(&f, stdout, cli->json);
    if (!cli->json)
        print_summary(&f, stdout);
    fcu_tool_findings_free(&f);
    fcu_tool_close(tool);
    return rc;
}
