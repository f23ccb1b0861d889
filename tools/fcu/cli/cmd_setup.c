/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu setup`: its options and what it prints. The CA itself is made and checked by libfcu
 * (fcu_tool_setup_ca, fcu_tool_install_ca). */
#include "cli.h"
#include "json.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* {"k1": v1, "k2": v2 or n} on stdout, for --json. */
static void json_pair(const char *k1, const char *v1, const char *k2, const char *v2, int n)
{
    json_t j;
    json_init(&j, stdout, false);
    json_object_begin(&j);
    json_kv_string(&j, k1, v1);
    if (v2)
        json_kv_string(&j, k2, v2);
    else
        json_kv_int(&j, k2, n);
    json_object_end(&j);
    json_finish(&j);
}

/* The failures of --install-ca that are not findings, one "PROG setup: ..." line each. */
static void print_errors(const char *prog, const char *err)
{
    for (const char *line = err; *line;) {
        size_t n = strcspn(line, "\n");
        fprintf(stderr, "%s setup: %.*s\n", prog, (int)n, line);
        line += n + (line[n] == '\n');
    }
}

int fcu_cmd_setup(fcu_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        FCU_COMMON_LONGOPTS,          {"force", 0, NULL, 'f'}, {"install-ca", 1, NULL, 'i'},
        {"ca-key-uri", 1, NULL, 'u'}, {NULL, 0, NULL, 0}};
    int rc = FCU_EXIT_USAGE;
    bool force = false;
    const char *install = NULL, *uri_opt = NULL;
    fcu_tool_findings_t f = {0};
    fcu_tool_setup_result_t out;
    fcu_tool_t *tool = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "hf", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("usage: %s setup [options]\n\n"
                   "Creates the FCU CA in <home>/keystore: a P-256 key (fcu_private_key.pem, mode "
                   "0600)\nand a self-signed CA certificate (fcu.crt), or with "
                   "setup-ca-as-intermediate a CSR\n(fcu.csr) to be signed by your CA.\n\n"
                   "  --force            replace an existing key and certificate\n"
                   "  --install-ca FILE  place the certificate (or PEM chain, leaf first) signed "
                   "by your CA\n                     as fcu.crt, after checking it matches the "
                   "key\n"
                   "  --ca-key-uri URI   keep the CA key in a PKCS#11 token: a pkcs11: URI "
                   "(RFC 7512) naming\n                     the token and the key object; the "
                   "key is generated there if\n                     absent, the URI is kept in "
                   "keystore/fcu_private_key.uri (PIN: pin-source=\n                     "
                   "file:PATH in the URI, or $FCU_PKCS11_PIN)\n%s",
                   cli->prog, fcu_common_options_help);
            return FCU_EXIT_OK;
        }
        if (c == 'f')
            force = true;
        else if (c == 'i')
            install = optarg;
        else if (c == 'u')
            uri_opt = optarg;
        else if (fcu_cli_common_option(cli, c, optarg) != 1)
            return FCU_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "%s setup: unexpected argument '%s'\n", cli->prog, argv[optind]);
        return FCU_EXIT_USAGE;
    }
    if (fcu_cli_open(cli, &tool) != FCU_TOOL_OK)
        return FCU_EXIT_USAGE;
    if (install) {
        rc = fcu_tool_install_ca(tool, install, &out, &f);
        if (rc == FCU_EXIT_OK && cli->json)
            json_pair("installed", out.certificate, "certificates", NULL, out.certificates);
        else if (rc == FCU_EXIT_OK)
            printf("installed %s (%d certificate%s)\n", out.certificate, out.certificates,
                   out.certificates == 1 ? "" : "s");
        print_errors(cli->prog, out.error);
    } else {
        rc = fcu_tool_setup_ca(tool, uri_opt, force, &out, &f);
        if (out.error[0])
            fprintf(stderr, "%s setup: %s\n", cli->prog, out.error);
        if (rc == FCU_EXIT_OK) {
            if (out.in_token && !cli->json)
                printf("%s the CA key in the token: %s\n",
                       out.token_key_created ? "generated" : "using", out.key);
            if (out.made_csr) {
                if (cli->json)
                    json_pair("key", out.key, "csr", out.csr, 0);
                else
                    printf("created %s and %s\nHave your CA sign the CSR (CA:TRUE, keyCertSign), "
                           "then run:\n  %s setup --install-ca SIGNED.pem\n",
                           out.key, out.csr, cli->prog);
            } else if (cli->json) {
                json_pair("key", out.key, "certificate", out.certificate, 0);
            } else {
                printf("created %s and %s\n", out.key, out.certificate);
            }
        }
    }
    if (f.count)
        fcu_cli_findings_print(&f, cli->json ? stdout : stderr, cli->json);
    fcu_tool_findings_free(&f);
    fcu_tool_close(tool);
    return rc;
}
