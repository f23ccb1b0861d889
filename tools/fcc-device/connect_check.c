/* SPDX-License-Identifier: Apache-2.0 */
/* `fcc-device connect-check [--uri URI] [--timeout S] [--json]`: proves the stored credentials of
 * the current mode in a real DTLS handshake with the server (the stored URI, or --uri for tests
 * on loopback) and one CoAP request, then prints what happened (docs/fcc-device.md). The check
 * itself is the device library's (lib/connect); this file parses options and prints. */
#include "connect_check.h"

#include "fcc/connect.h"
#include "fcc/connect_posix.h"
#include "json.h"
#include "untrusted.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_connect_check[] =
    "usage: fcc-device --store IMAGE connect-check [--uri URI] [--timeout SECONDS] [--json]\n"
    "\n"
    "Connects to the server of the current mode (bootstrap when mbed.UseBootstrap is 1, else\n"
    "LwM2M) over DTLS 1.2 with the stored device certificate and key, authenticates the server\n"
    "with the stored server CA certificate, then sends one CoAP request (POST /bs?ep=EP, or\n"
    "POST /rd?ep=EP&lwm2m=1.1) and prints the handshake result, cipher suite, server\n"
    "certificate subject and CoAP response code.\n"
    "\n"
    "  --uri URI            connect to URI (coaps://HOST[:PORT]...) instead of the stored one\n"
    "  --timeout SECONDS    limit of the handshake and, again, of the CoAP exchange (default 30)\n"
    "  --json               one JSON object\n"
    "\n"
    "Exit status: 0 the handshake succeeded both ways (with or without a CoAP answer), 1 the\n"
    "check failed (the reason is printed), 2 usage or image error.\n";

static void print_text_line(const char *label, const char *value)
{
    fputs(label, stdout);
    fput_untrusted(stdout, value, strlen(value));
    fputc('\n', stdout);
}

static void print_human(const fcc_connect_result_t *r)
{
    char code[16];
    if (r->uri[0] != '\0')
        print_text_line("uri: ", r->uri);
    if (r->peer[0] != '\0')
        print_text_line("address: ", r->peer);
    if (r->endpoint[0] != '\0') {
        printf("mode: %s\n", r->bootstrap ? "bootstrap" : "lwm2m");
        print_text_line("endpoint: ", r->endpoint);
    }
    printf("handshake: %s\n", r->handshake_done ? "succeeded" : "failed");
    printf("cipher suite: %s\n", r->ciphersuite[0] ? r->ciphersuite : "-");
    print_text_line("server certificate: ", r->server_subject[0] ? r->server_subject : "-");
    if (r->coap_code >= 0)
        snprintf(code, sizeof(code), "%d.%02d", r->coap_code >> 5, r->coap_code & 31);
    printf("coap response: %s\n", r->coap_code >= 0 ? code : "none");
    printf("status: %d (%s)\n", (int)r->status, fcc_connect_status_name(r->status));
    print_text_line("reason: ", r->reason);
}

static void kv_string_or_null(json_t *j, const char *key, const char *s)
{
    json_key(j, key);
    if (s[0] != '\0')
        json_string(j, s);
    else
        json_null(j);
}

static void print_json(const fcc_connect_result_t *r)
{
    json_t j;
    char code[16];
    json_init(&j, stdout, true);
    json_object_begin(&j);
    json_kv_int(&j, "status", (int64_t)r->status);
    json_kv_string(&j, "status_name", fcc_connect_status_name(r->status));
    json_kv_string(&j, "reason", r->reason);
    json_key(&j, "mode");
    if (r->endpoint[0] != '\0')
        json_string(&j, r->bootstrap ? "bootstrap" : "lwm2m");
    else
        json_null(&j);
    kv_string_or_null(&j, "endpoint", r->endpoint);
    kv_string_or_null(&j, "uri", r->uri);
    kv_string_or_null(&j, "host", r->host);
    json_key(&j, "port");
    if (r->host[0] != '\0')
        json_int(&j, r->port);
    else
        json_null(&j);
    kv_string_or_null(&j, "address", r->peer);
    json_kv_bool(&j, "handshake", r->handshake_done);
    json_kv_bool(&j, "client_certificate_sent", r->client_cert_sent);
    kv_string_or_null(&j, "cipher_suite", r->ciphersuite);
    kv_string_or_null(&j, "server_certificate_subject", r->server_subject);
    json_kv_int(&j, "server_verify_flags", (int64_t)r->verify_flags);
    json_key(&j, "alert");
    if (r->alert >= 0)
        json_int(&j, r->alert);
    else
        json_null(&j);
    json_kv_int(&j, "tls_error", (int64_t)r->tls_error);
    json_key(&j, "coap_code");
    if (r->coap_code >= 0) {
        snprintf(code, sizeof(code), "%d.%02d", r->coap_code >> 5, r->coap_code & 31);
        json_string(&j, code);
    } else {
        json_null(&j);
    }
    json_object_end(&j);
    json_finish(&j);
}

int cmd_connect_check(const device_opts_t *g, int argc, char **argv)
{
    static device_t dev;
    static fcc_connect_t conn;
    static fcc_connect_result_t res;
    fcc_connect_params_t params = {.uri = NULL, .timeout_ms = 0};
    fcc_connect_posix_t sock;
    fcc_connect_io_t io;
    bool json = g->json;
    int rc;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--uri") == 0 && v) {
            params.uri = v;
            i++;
        } else if (strcmp(a, "--timeout") == 0 && v) {
            char *end = NULL;
            errno = 0;
            unsigned long t = strtoul(v, &end, 10);
            if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || t == 0 || t > 3600) {
                fprintf(stderr, "fcc-device: bad --timeout (seconds, 1..3600): %s\n%s", v,
                        usage_connect_check);
                return EXIT_USAGE;
            }
            params.timeout_ms = (uint32_t)t * 1000u;
            i++;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "fcc-device: unknown option or missing value: %s\n%s", a,
                    usage_connect_check);
            return EXIT_USAGE;
        }
    }
    rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc;
    fcc_connect_posix_init(&io, &sock);
    fcc_connect_status_t st = fcc_connect_check(&conn, &dev.kcm, &dev.port, &io, &params, &res);
    if (json)
        print_json(&res);
    else
        print_human(&res);
    fflush(stdout);
    device_close(&dev);
    return st == FCC_CONNECT_OK || st == FCC_CONNECT_OK_NO_COAP_RESPONSE ? EXIT_DEVICE_OK
                                                                         : EXIT_DEVICE_ERROR;
}
