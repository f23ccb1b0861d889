/* SPDX-License-Identifier: Apache-2.0 */
/* The commands `fcu validate` (every finding, not only the first) and `fcu bundle` (validate,
 * then write one device's bundle). Both run the same code as the factory line
 * (fcu_device_build), so what validates here is what a device receives. */
#include "fcu.h"
#include "fcu_int.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void print_summary(const fcu_findings_t *f, FILE *out)
{
    size_t e = fcu_findings_errors(f);
    size_t w = f->n - e;
    if (e == 0)
        fprintf(out, "valid (%zu warning%s)\n", w, w == 1 ? "" : "s");
    else
        fprintf(out, "invalid: %zu error%s, %zu warning%s\n", e, e == 1 ? "" : "s", w,
                w == 1 ? "" : "s");
}

int fcu_cmd_validate(fcu_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS, FCU_DEVICE_LONGOPTS,
                                         {NULL, 0, NULL, 0}};
    fcu_device_req_t req;
    memset(&req, 0, sizeof(req));
    fcu_findings_t f = {0};
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: %s validate [options]\n\n"
                   "Runs every check of the configuration (and, with the device options, of one "
                   "device's\nkeys and certificates) and lists every finding, not only the "
                   "first.\nWithout device options only the configuration and the FCU CA are "
                   "checked.\n\n%s%s\nExit status: 0 valid, 1 validation failed, 2 usage or "
                   "file error.\n",
                   ctx->prog, fcu_device_options_help, fcu_common_options_help);
            return FCU_EXIT_OK;
        }
        int r = fcu_common_option(ctx, c, optarg);
        if (r == 0)
            r = fcu_device_option(&req, c, optarg);
        if (r != 1)
            return FCU_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "%s validate: unexpected argument '%s'\n", ctx->prog, argv[optind]);
        return FCU_EXIT_USAGE;
    }
    bool device = req.endpoint_name || req.serial_number || req.device_keys_dir;
    if (device) {
        fcu_device_result_t res;
        rc = fcu_device_build(ctx, &req, &res, &f);
        if (rc == FCU_EXIT_OK)
            fcu_device_result_free(&res);
    } else {
        rc = fcu_config_load(ctx, &f);
        if (rc != FCU_EXIT_USAGE && ctx->cfg && ctx->cfg->keygen_mode != FCU_KEYGEN_EXTERNAL &&
            fcu_ca_load(ctx, &f) != FCU_EXIT_OK)
            rc = FCU_EXIT_INVALID;
    }
    fcu_findings_print(&f, stdout, ctx->json);
    if (!ctx->json)
        print_summary(&f, stdout);
    if (rc != FCU_EXIT_USAGE)
        rc = fcu_findings_errors(&f) ? FCU_EXIT_INVALID : FCU_EXIT_OK;
    fcu_findings_free(&f);
    return rc;
}

int fcu_cmd_bundle(fcu_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {FCU_COMMON_LONGOPTS,
                                         FCU_DEVICE_LONGOPTS,
                                         {"output", 1, NULL, 'o'},
                                         {"sid", 1, NULL, 's'},
                                         {"keep-alive", 0, NULL, 'k'},
                                         {"disable", 0, NULL, 'd'},
                                         {NULL, 0, NULL, 0}};
    fcu_device_req_t req;
    memset(&req, 0, sizeof(req));
    fcu_device_result_t res;
    memset(&res, 0, sizeof(res));
    fcu_findings_t f = {0};
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
                   ctx->prog, fcu_device_options_help, fcu_common_options_help);
            return FCU_EXIT_OK;
        case 'o':
            output = optarg;
            break;
        case 's':
            req.sid = optarg;
            break;
        case 'k':
            req.keep_alive = true;
            break;
        case 'd':
            req.disable = true;
            break;
        default: {
            int r = fcu_common_option(ctx, c, optarg);
            if (r == 0)
                r = fcu_device_option(&req, c, optarg);
            if (r != 1)
                return FCU_EXIT_USAGE;
        }
        }
    }
    if (optind < argc || !output) {
        fprintf(stderr, "%s bundle: %s (see --help)\n", ctx->prog,
                output ? "unexpected argument" : "-o FILE is required");
        return FCU_EXIT_USAGE;
    }
    rc = fcu_device_build(ctx, &req, &res, &f);
    if (rc == FCU_EXIT_OK &&
        fcu_write_file(output, res.bundle, res.bundle_len, 0600) != 0) {
        fcu_findings_add(&f, FCU_E_OUTPUT, FCU_SEV_ERROR, "--output", "cannot write %s: %s",
                         output, strerror(errno));
        rc = FCU_EXIT_USAGE;
    }
    if (ctx->json) {
        json_t j;
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_bool(&j, "valid", fcu_findings_errors(&f) == 0);
        if (rc == FCU_EXIT_OK) {
            json_kv_string(&j, "output", output);
            json_kv_int(&j, "bundle_size", (int64_t)res.bundle_len);
            json_kv_string(&j, "certificate_sha256", res.fingerprint);
            if (res.enrollment_id[0])
                json_kv_string(&j, "enrollment_id", res.enrollment_id);
        }
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < f.n; i++) {
            json_object_begin(&j);
            json_kv_int(&j, "code", f.v[i].code);
            json_kv_string(&j, "parameter", f.v[i].parameter);
            json_kv_string(&j, "message", f.v[i].message);
            json_kv_string(&j, "severity", f.v[i].severity == FCU_SEV_ERROR ? "error" : "warning");
            json_object_end(&j);
        }
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
    } else {
        fcu_findings_print(&f, stderr, false);
        if (rc == FCU_EXIT_OK) {
            printf("wrote %s (%zu bytes)\n", output, res.bundle_len);
            if (res.enrollment_id[0])
                printf("enrollment ID: %s\n", res.enrollment_id);
        }
    }
    fcu_device_result_free(&res);
    fcu_findings_free(&f);
    return rc;
}
