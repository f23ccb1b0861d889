/* SPDX-License-Identifier: Apache-2.0 */
/* `fcu setup`: its options and what it prints. The CA itself is made and checked in libfcu
 * (lib/ca.c: fcu_ca_setup, fcu_ca_install). */
#include "fcu.h"
#include "fcu_int.h"
#include "hsm.h"
#include "json.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

int fcu_cmd_setup(fcu_ctx_t *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        FCU_COMMON_LONGOPTS,          {"force", 0, NULL, 'f'}, {"install-ca", 1, NULL, 'i'},
        {"ca-key-uri", 1, NULL, 'u'}, {NULL, 0, NULL, 0}};
    int rc = FCU_EXIT_USAGE;
    bool force = false;
    const char *install = NULL, *uri_opt = NULL;
    fcu_findings_t f = {0};
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
                   "keystore/" FCU_CA_KEY_URI_FILE " (PIN: pin-source=\n                     "
                   "file:PATH in the URI, or $" FCU_HSM_PIN_ENV ")\n%s",
                   ctx->prog, fcu_common_options_help);
            return FCU_EXIT_OK;
        }
        if (c == 'f')
            force = true;
        else if (c == 'i')
            install = optarg;
        else if (c == 'u')
            uri_opt = optarg;
        else if (fcu_common_option(ctx, c, optarg) != 1)
            return FCU_EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "%s setup: unexpected argument '%s'\n", ctx->prog, argv[optind]);
        return FCU_EXIT_USAGE;
    }
    if (install) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/keystore", ctx->home);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s setup: cannot create %s: %s\n", ctx->prog, dir, strerror(errno));
            return FCU_EXIT_USAGE;
        }
        char installed[4096] = "", err[8400];
        int count = 0;
        rc = fcu_ca_install(ctx, install, &f, installed, sizeof(installed), &count, err,
                            sizeof(err));
        if (rc == FCU_EXIT_OK && ctx->json)
            json_pair("installed", installed, "certificates", NULL, count);
        else if (rc == FCU_EXIT_OK)
            printf("installed %s (%d certificate%s)\n", installed, count, count == 1 ? "" : "s");
        for (const char *line = err; *line;) {
            size_t n = strcspn(line, "\n");
            fprintf(stderr, "%s setup: %.*s\n", ctx->prog, (int)n, line);
            line += n + (line[n] == '\n');
        }
    } else {
        fcu_setup_out_t out;
        char err[1024];
        rc = fcu_ca_setup(ctx, uri_opt, force, &f, &out, err, sizeof(err));
        if (err[0])
            fprintf(stderr, "%s setup: %s\n", ctx->prog, err);
        if (rc == FCU_EXIT_OK) {
            if (out.in_token && !ctx->json)
                printf("%s the CA key in the token: %s\n",
                       out.token_key_created ? "generated" : "using", out.key);
            if (out.made_csr) {
                if (ctx->json)
                    json_pair("key", out.key, "csr", out.csr, 0);
                else
                    printf("created %s and %s\nHave your CA sign the CSR (CA:TRUE, keyCertSign), "
                           "then run:\n  %s setup --install-ca SIGNED.pem\n",
                           out.key, out.csr, ctx->prog);
            } else if (ctx->json) {
                json_pair("key", out.key, "certificate", out.cert, 0);
            } else {
                printf("created %s and %s\n", out.key, out.cert);
            }
        }
    }
    if (f.n)
        fcu_findings_print(&f, ctx->json ? stdout : stderr, ctx->json);
    fcu_findings_free(&f);
    return rc;
}
