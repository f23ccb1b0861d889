/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu bundle`: validate, then write one device's bundle (libfcu's fcu_tool_write_bundle, the
 * same builder as the factory line) and print where it went, or every finding. */
#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <string.h>

int fcu_cmd_bundle(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS,
                                         FCU_DEVICE_LONGOPTS,
                                         {"output", 1, NULL, 'o'},
                                         {"sid", 1, NULL, 's'},
                                         {"keep-alive", 0, NULL, 'k'},
                                         {"disable", 0, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    fcu_tool_bundle_request_t req = {0};
    fcu_cli_device_t dev = {0};
    fcu_tool_bundle_info_t res;
    fcu_tool_findings_t f = {0};
    fcu_tool_t *tool = NULL;
    const char *output = NULL;
    int c, rc;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            printf("usage: %s bundle -o FILE --endpoint-name NAME --serial-number SN "
                   "[options]\n\n"
                   "Validates the configuration and the device's data, then writes the CBOR "
                   "bundle the\ndevice applies (mode 0600: it holds the device private key). "
                   "With first-to-claim\nthe enrollment ID is printed.\n\n"
                   "  -o, --output FILE   where to write the bundle\n"
                   "  --sid ID            session id carried in the bundle (echoed by the "
                   "device)\n"
                   "  --keep-alive        more messages follow in this session (KpAlvSess 1)\n"
                   "  --disable           factory-disable the device after this bundle\n"
                   "%s%s\nExit status: 0 written, 1 validation failed, 2 usage or file error.\n",
                   cli->prog, fcu_device_options_help, fcu_common_options_help);
            return FCU_EXIT_OK;
        case 'o':
            output = optarg;
            break;
        case 's':
            req.sid = optarg;
            break;
        case 'k':
            req.keep_alive = 1;
            break;
        case 'd':
            req.disable = 1;
            break;
        default: {
            int r = fcu_cli_common_option(cli, c, optarg);
            if (r == 0)
                r = fcu_cli_device_option(&dev, c, optarg);
            if (r != 1)
                return FCU_EXIT_USAGE;
        }
        }
    }
    if (optind < argc || !output) {
        fprintf(stderr, "%s bundle: %s (see --help)\n", cli->prog,
                output ? "unexpected argument" : "-o FILE is required");
        return FCU_EXIT_USAGE;
    }
    req.endpoint_name = dev.endpoint_name;
    req.serial_number = dev.serial_number;
    req.device_keys_dir = dev.device_keys_dir;
    if (fcu_cli_open(cli, &tool) != FCU_TOOL_OK)
        return FCU_EXIT_USAGE;
    rc = fcu_tool_write_bundle(tool, &req, output, &res, &f);
    if (cli->json) {
        json_t j;
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_bool(&j, "valid", f.error_count == 0);
        if (rc == FCU_EXIT_OK) {
            json_kv_string(&j, "output", output);
            json_kv_int(&j, "bundle_size", (int64_t)res.bundle_len);
            json_kv_string(&j, "certificate_sha256", res.fingerprint);
            if (res.enrollment_id[0])
                json_kv_string(&j, "enrollment_id", res.enrollment_id);
        }
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < f.count; i++)
            fcu_cli_finding_json(&j, &f.items[i]);
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
    } else {
        fcu_cli_findings_print(&f, stderr, false);
        if (rc == FCU_EXIT_OK) {
            printf("wrote %s (%zu bytes)\n", output, res.bundle_len);
            if (res.enrollment_id[0])
                printf("enrollment ID: %s\n", res.enrollment_id);
        }
    }
    fcu_tool_findings_free(&f);
    fcu_tool_close(tool);
    return rc;
}
