/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the connect check (lib/connect): the CoAP request bytes against RFC 7252 by
 * hand, the answer header parser, the URI splitter, and the check itself over a scripted
 * transport with a fake clock: what it offers in its ClientHello (CCM_8 first, then GCM), and
 * how it names each failure (nothing stored, name resolution, silence, refusal, a fatal alert
 * before or after our certificate). The real handshakes are in tests/integration/connect_*. */
#include "fcc/connect.h"
#include "fcc_psa.h"
#include "support/test_device.h"

#include "../../lib/connect/coap.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* ---- CoAP ---- */

static const uint8_t token[4] = {0xde, 0xad, 0xbe, 0xef};

static void test_coap_bootstrap_request(void **state)
{
    (void)state;
    uint8_t out[64];
    static const uint8_t want[] = {
        0x44, 0x02, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, /* CON POST, MID 0x1234, token */
        0xb2, 'b',  's',                                /* Uri-Path (11) "bs" */
        0x47, 'e',  'p',  '=',  'e',  'p',  '-',  '1',  /* Uri-Query (15, delta 4) */
    };
    size_t n = fcc_coap_request(out, sizeof(out), true, (const uint8_t *)"ep-1", 4, 0x1234, token);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
}

static void test_coap_register_request(void **state)
{
    (void)state;
    uint8_t out[64];
    static const uint8_t want[] = {
        0x44, 0x02, 0xab, 0xcd, 0xde, 0xad, 0xbe, 0xef,
        0xb2, 'r',  'd',                                   /* Uri-Path "rd" */
        0x11, 40,                                          /* Content-Format (12): 40 */
        0x36, 'e',  'p',  '=',  'a',  'b',  'c',           /* Uri-Query (delta 3) */
        0x09, 'l',  'w',  'm',  '2',  'm',  '=',  '1',  '.', '1', /* Uri-Query (delta 0) */
        0xff, '<',  '/',  '1',  '>',  ',',  '<',  '/',  '3', '/', '0', '>',
    };
    size_t n = fcc_coap_request(out, sizeof(out), false, (const uint8_t *)"abc", 3, 0xabcd, token);
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
}

static void test_coap_long_endpoint(void **state)
{
    (void)state;
    uint8_t out[600], ep[256];
    memset(ep, 'x', sizeof(ep));
    /* 10 bytes: option length 13 -> nibble 13 and one extension byte 13 - 13 = 0. */
    size_t n = fcc_coap_request(out, sizeof(out), true, ep, 10, 1, token);
    assert_int_equal(n, 8 + 3 + 2 + 13);
    assert_int_equal(out[11], 0x4d);
    assert_int_equal(out[12], 0);
    /* 255 bytes: length 258 -> nibble 13, extension 245. */
    n = fcc_coap_request(out, sizeof(out), true, ep, 255, 1, token);
    assert_int_equal(n, 8 + 3 + 2 + 258);
    assert_int_equal(out[11], 0x4d);
    assert_int_equal(out[12], 245);
    /* Too long, empty, or no room: nothing. */
    assert_int_equal(fcc_coap_request(out, sizeof(out), true, ep, 256, 1, token), 0);
    assert_int_equal(fcc_coap_request(out, sizeof(out), true, ep, 0, 1, token), 0);
    assert_int_equal(fcc_coap_request(out, 20, true, ep, 10, 1, token), 0);
}

static void test_coap_parse(void **state)
{
    (void)state;
    fcc_coap_msg_t m;
    static const uint8_t ack[] = {0x64, 0x41, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(fcc_coap_parse(ack, sizeof(ack), &m), 0);
    assert_int_equal(m.type, FCC_COAP_TYPE_ACK);
    assert_int_equal(m.code, 0x41); /* 2.01 */
    assert_int_equal(m.mid, 0x1234);
    assert_int_equal(m.token_len, 4);
    assert_memory_equal(m.token, token, 4);
    static const uint8_t v2[] = {0xa0, 0x41, 0, 0};
    assert_int_equal(fcc_coap_parse(v2, sizeof(v2), &m), -1);
    static const uint8_t tkl9[] = {0x49, 0x41, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_int_equal(fcc_coap_parse(tkl9, sizeof(tkl9), &m), -1);
    assert_int_equal(fcc_coap_parse(ack, 6, &m), -1); /* cut token */
    assert_int_equal(fcc_coap_parse(ack, 3, &m), -1);
    uint8_t e[4];
    assert_int_equal(fcc_coap_empty_ack(e, 0x1234), 4);
    assert_int_equal(fcc_coap_parse(e, 4, &m), 0);
    assert_int_equal(m.type, FCC_COAP_TYPE_ACK);
    assert_int_equal(m.code, 0);
}

/* ---- URI ---- */

static int split(const char *uri, char *host, uint16_t *port, char *why)
{
    return fcc_connect_parse_uri((const uint8_t *)uri, strlen(uri), host, FCC_CONNECT_HOST_MAX,
                                 port, why, 128);
}

static void test_uri(void **state)
{
    (void)state;
    char host[FCC_CONNECT_HOST_MAX], why[128];
    uint16_t port = 0;
    assert_int_equal(split("coaps://bs.example.com?aid=1", host, &port, why), 0);
    assert_string_equal(host, "bs.example.com");
    assert_int_equal(port, 5684);
    assert_int_equal(split("coaps://10.0.0.1:1234/x?aid=2#f", host, &port, why), 0);
    assert_string_equal(host, "10.0.0.1");
    assert_int_equal(port, 1234);
    assert_int_equal(split("coaps://[::1]:65535", host, &port, why), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 65535);
    assert_int_equal(split("coap://h:5683", host, &port, why), -1);
    assert_non_null(strstr(why, "coaps://"));
    assert_int_equal(split("https://h", host, &port, why), -1);
    assert_int_equal(split("coaps://", host, &port, why), -1);
    assert_non_null(strstr(why, "no host"));
    assert_int_equal(split("coaps://:5684", host, &port, why), -1);
    assert_int_equal(split("coaps://h:0", host, &port, why), -1);
    assert_int_equal(split("coaps://h:65536", host, &port, why), -1);
    assert_int_equal(split("coaps://h:", host, &port, why), -1);
    assert_int_equal(split("coaps://h:12x", host, &port, why), -1);
    assert_int_equal(split("coaps://[::1", host, &port, why), -1);
    assert_int_equal(split("coaps://a b", host, &port, why), -1);
    char longuri[400] = "coaps://";
    memset(longuri + 8, 'a', 300);
    assert_int_equal(split(longuri, host, &port, why), -1);
}

/* ---- the check over a scripted transport ---- */

typedef enum script {
    S_SILENT,         /* never answers */
    S_RESOLVE,        /* the name does not resolve */
    S_REFUSED,        /* port unreachable on the first receive */
    S_ALERT_HS,       /* a clear-text fatal alert 40 after the ClientHello */
    S_ALERT_UNKNOWN_CA /* a clear-text fatal alert 48 after the ClientHello */
} script_t;

typedef struct fake_io {
    script_t script;
    uint64_t now;
    int opened, closed, sent;
    uint8_t first[2048];
    size_t first_len;
    char host[FCC_CONNECT_HOST_MAX];
    uint16_t port;
} fake_io_t;

static int f_open(void *ctx, const char *host, uint16_t port, char *peer, size_t peer_size)
{
    fake_io_t *f = ctx;
    f->opened++;
    snprintf(f->host, sizeof(f->host), "%s", host);
    f->port = port;
    if (f->script == S_RESOLVE)
        return FCC_CONNECT_IO_RESOLVE;
    snprintf(peer, peer_size, "192.0.2.1:%u", (unsigned)port);
    return 0;
}

static int f_send(void *ctx, const uint8_t *buf, size_t len)
{
    fake_io_t *f = ctx;
    if (f->sent++ == 0 && len <= sizeof(f->first)) {
        memcpy(f->first, buf, len);
        f->first_len = len;
    }
    return (int)len;
}

static int f_recv(void *ctx, uint8_t *buf, size_t size, uint32_t timeout_ms)
{
    fake_io_t *f = ctx;
    static const uint8_t alert[] = {21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0};
    switch (f->script) {
    case S_REFUSED:
        return FCC_CONNECT_IO_REFUSED;
    case S_ALERT_HS:
    case S_ALERT_UNKNOWN_CA:
        if (size < sizeof(alert))
            return FCC_CONNECT_IO_ERROR;
        memcpy(buf, alert, sizeof(alert));
        buf[14] = f->script == S_ALERT_HS ? 40 : 48;
        return (int)sizeof(alert);
    default:
        f->now += timeout_ms; /* the fake clock runs while nothing comes */
        return FCC_CONNECT_IO_TIMEOUT;
    }
}

static void f_close(void *ctx)
{
    ((fake_io_t *)ctx)->closed++;
}

static uint64_t f_now(void *ctx)
{
    return ((fake_io_t *)ctx)->now;
}

static uint8_t *read_data(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/tests/data/kcm/%s", FCC_SOURCE_DIR, name);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    uint8_t *b = malloc(4096);
    assert_non_null(b);
    *len = fread(b, 1, 4096, fp);
    fclose(fp);
    return b;
}

static void store(test_device_t *d, const char *name, kcm_item_type_t t, const void *v, size_t n)
{
    assert_int_equal(kcm_item_store(&d->kcm, (const uint8_t *)name, strlen(name), t, true, v, n),
                     KCM_OK);
}

/* A device in bootstrap mode with the KCM test leaf and key, the root as server CA. */
static void provision(test_device_t *d, const char *uri)
{
    size_t n;
    uint32_t one = 1;
    store(d, "mbed.UseBootstrap", KCM_CONFIG, &one, sizeof(one));
    store(d, "mbed.EndpointName", KCM_CONFIG, "kcm-device-1", 12);
    store(d, "mbed.BootstrapServerURI", KCM_CONFIG, uri, strlen(uri));
    uint8_t *b = read_data("cert_root.der", &n);
    store(d, "mbed.BootstrapServerCACert", KCM_CERTIFICATE, b, n);
    free(b);
    b = read_data("cert_leaf.der", &n);
    store(d, "mbed.BootstrapDeviceCert", KCM_CERTIFICATE, b, n);
    free(b);
    b = read_data("key_p256.der", &n);
    store(d, "mbed.BootstrapDevicePrivateKey", KCM_PRIVATE_KEY, b, n);
    free(b);
}

typedef struct fixture {
    test_device_t dev;
    fcc_connect_t conn;
    fcc_connect_result_t res;
    fake_io_t fake;
    fcc_connect_io_t io;
} fixture_t;

static int setup(void **state)
{
    fixture_t *x = calloc(1, sizeof(*x));
    assert_non_null(x);
    assert_int_equal(test_device_init(&x->dev, 16, 4096, 32, 0), 0);
    x->fake.now = 1000;
    x->io = (fcc_connect_io_t){&x->fake, f_open, f_send, f_recv, f_close, f_now};
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *x = *state;
    test_device_fini(&x->dev);
    free(x);
    return 0;
}

static fcc_connect_status_t run(fixture_t *x, script_t s, const char *uri, uint32_t timeout_ms)
{
    fcc_connect_params_t p = {uri, timeout_ms};
    x->fake.script = s;
    return fcc_connect_check(&x->conn, &x->dev.kcm, &x->dev.port, &x->io, &p, &x->res);
}

static void test_check_not_provisioned(void **state)
{
    fixture_t *x = *state;
    assert_int_equal(run(x, S_SILENT, NULL, 0), FCC_CONNECT_ERR_NOT_PROVISIONED);
    assert_string_equal(x->res.reason, "mbed.UseBootstrap is not stored");
    assert_int_equal(x->fake.opened, 0);
    assert_string_equal(fcc_connect_status_name(x->res.status), "not-provisioned");
    uint32_t two = 2;
    store(&x->dev, "mbed.UseBootstrap", KCM_CONFIG, &two, sizeof(two));
    assert_int_equal(run(x, S_SILENT, NULL, 0), FCC_CONNECT_ERR_NOT_PROVISIONED);
    assert_non_null(strstr(x->res.reason, "neither 0 nor 1"));
}

static void test_check_missing_key(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coaps://bs.example:5684");
    assert_int_equal(kcm_item_delete(&x->dev.kcm, (const uint8_t *)"mbed.BootstrapDevicePrivateKey",
                                     30, KCM_PRIVATE_KEY),
                     KCM_OK);
    assert_int_equal(run(x, S_SILENT, NULL, 0), FCC_CONNECT_ERR_NOT_PROVISIONED);
    assert_string_equal(x->res.reason, "mbed.BootstrapDevicePrivateKey is not stored");
}

static void test_check_stored_uri_wrong(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coap://bs.example:5683");
    assert_int_equal(run(x, S_SILENT, NULL, 0), FCC_CONNECT_ERR_URI);
    assert_non_null(strstr(x->res.reason, "mbed.BootstrapServerURI"));
    assert_int_equal(x->fake.opened, 0);
}

static void test_check_resolve(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coaps://bs.example:5699?aid=1");
    assert_int_equal(run(x, S_RESOLVE, NULL, 0), FCC_CONNECT_ERR_RESOLVE);
    /* The stored URI was used. */
    assert_string_equal(x->fake.host, "bs.example");
    assert_int_equal(x->fake.port, 5699);
    assert_string_equal(x->res.reason, "name resolution failed for bs.example");
    assert_int_equal(x->fake.closed, 1);
}

/* The ClientHello offers exactly CCM_8 then GCM (and maybe the renegotiation SCSV). */
static void test_check_silent_and_client_hello(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coaps://bs.example");
    assert_int_equal(run(x, S_SILENT, "coaps://[2001:db8::1]:7000", 4000), FCC_CONNECT_ERR_TIMEOUT);
    assert_string_equal(x->fake.host, "2001:db8::1");
    assert_non_null(strstr(x->res.reason, "no answer from the server"));
    assert_false(x->res.handshake_done);
    assert_true(x->fake.sent >= 2); /* retransmitted */
    const uint8_t *p = x->fake.first;
    assert_true(x->fake.first_len > 13 + 12 + 2 + 32 + 2);
    assert_int_equal(p[0], 22);                     /* handshake record */
    assert_int_equal(p[1], 0xfe);                   /* DTLS */
    assert_int_equal(p[13], 1);                     /* ClientHello */
    size_t off = 13 + 12 + 2 + 32;
    off += 1 + p[off];                              /* session id */
    off += 1 + p[off];                              /* cookie */
    size_t n = (size_t)(p[off] << 8 | p[off + 1]) / 2;
    const uint8_t *cs = p + off + 2;
    assert_true(n == 2 || n == 3);
    assert_int_equal(cs[0] << 8 | cs[1], 0xc0ae);   /* ECDHE-ECDSA-AES128-CCM-8 */
    assert_int_equal(cs[2] << 8 | cs[3], 0xc02b);   /* ECDHE-ECDSA-AES128-GCM-SHA256 */
    if (n == 3)
        assert_int_equal(cs[4] << 8 | cs[5], 0x00ff);
}

static void test_check_refused(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coaps://bs.example");
    assert_int_equal(run(x, S_REFUSED, NULL, 0), FCC_CONNECT_ERR_NETWORK);
    assert_non_null(strstr(x->res.reason, "port unreachable"));
}

static void test_check_alerts(void **state)
{
    fixture_t *x = *state;
    provision(&x->dev, "coaps://bs.example");
    assert_int_equal(run(x, S_ALERT_HS, NULL, 0), FCC_CONNECT_ERR_HANDSHAKE);
    assert_int_equal(x->res.alert, 40);
    assert_false(x->res.client_cert_sent);
    assert_non_null(strstr(x->res.reason, "handshake_failure"));
    assert_int_equal(run(x, S_ALERT_UNKNOWN_CA, NULL, 0), FCC_CONNECT_ERR_CLIENT_CERT);
    assert_int_equal(x->res.alert, 48);
    assert_non_null(strstr(x->res.reason, "mbed.BootstrapDeviceCert"));
}

/* An opaque device key (FCC_OPAQUE_CSR_KEYS): the private-key item is a reference to a
 * persistent PSA key. The check takes it (it gets as far as the ClientHello), and a reference to
 * a key that does not exist is an unusable credential. */
static void test_check_opaque_key(void **state)
{
    fixture_t *x = *state;
    psa_key_attributes_t a = PSA_KEY_ATTRIBUTES_INIT;
    psa_key_id_t id = 0;
    uint8_t ref[FCC_KEY_REF_LEN];
    static const char name[] = "mbed.BootstrapDevicePrivateKey";

    provision(&x->dev, "coaps://bs.example");
    assert_int_equal(fcc_psa_ready(), 0);
    psa_set_key_id(&a, FCC_PSA_KEY_ID_MIN + 7);
    psa_set_key_usage_flags(&a, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_VERIFY_HASH);
    psa_set_key_algorithm(&a, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
    psa_set_key_type(&a, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&a, 256);
    assert_int_equal(psa_generate_key(&a, &id), PSA_SUCCESS);
    fcc_key_ref_write(ref, id);
    assert_int_equal(kcm_item_delete(&x->dev.kcm, (const uint8_t *)name, strlen(name),
                                     KCM_PRIVATE_KEY),
                     KCM_OK);
    store(&x->dev, name, KCM_PRIVATE_KEY, ref, sizeof(ref));
    assert_int_equal(run(x, S_SILENT, NULL, 2000), FCC_CONNECT_ERR_TIMEOUT);
    assert_true(x->fake.sent >= 1);

    assert_int_equal(psa_destroy_key(id), PSA_SUCCESS);
    assert_int_equal(run(x, S_SILENT, NULL, 2000), FCC_CONNECT_ERR_CREDENTIALS);
    assert_non_null(strstr(x->res.reason, name));
}

static void test_check_parameters(void **state)
{
    fixture_t *x = *state;
    fcc_connect_io_t bad = x->io;
    bad.now_ms = NULL;
    assert_int_equal(fcc_connect_check(&x->conn, &x->dev.kcm, &x->dev.port, &bad, NULL, &x->res),
                     FCC_CONNECT_ERR_PARAMETER);
    assert_int_equal(fcc_connect_check(&x->conn, &x->dev.kcm, &x->dev.port, &x->io, NULL, NULL),
                     FCC_CONNECT_ERR_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coap_bootstrap_request),
        cmocka_unit_test(test_coap_register_request),
        cmocka_unit_test(test_coap_long_endpoint),
        cmocka_unit_test(test_coap_parse),
        cmocka_unit_test(test_uri),
        cmocka_unit_test_setup_teardown(test_check_not_provisioned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_missing_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_stored_uri_wrong, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_silent_and_client_hello, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_alerts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_opaque_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_parameters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
