/* SPDX-License-Identifier: Apache-2.0 */
/* Interoperation of the factory tool and the device library: bundles built by fcu (the same
 * fcu_device_build that `fcu bundle` runs) in every mode — key generation by_tool and
 * externally_supplied, bootstrap, bootstrap with first-to-claim, direct LwM2M, single
 * certificates and chains, entropy — are applied by fcc_bundle_handler over a KCM on a RAM
 * flash. The device must answer ReturnStatus 0 with full verification on, and every item it
 * stored must equal what the tool sent. Corrupted copies are refused and leave the device
 * empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fcu_fixture.h"
#include "fcu_bundle.h"
#include "cli.h"

#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"
#include "support/test_device.h"

#include <openssl/sha.h>

#define PROG 16
#define BLOCK 4096
#define BLOCKS 64

typedef test_device_t device_t;

static device_t *dev_open(void)
{
    device_t *d = calloc(1, sizeof(*d));
    assert_non_null(d);
    /* the device clock starts unknown-but-fixed; the bundle's mbed.CurrentTime sets it */
    assert_int_equal(test_device_init(d, PROG, BLOCK, BLOCKS, fx_now - 1000), 0);
    return d;
}

static void dev_close(device_t *d)
{
    test_device_fini(d);
    free(d);
}

/* Applies a bundle; returns the ReturnStatus read back from the response bytes. */
static int64_t apply(device_t *d, const uint8_t *b, size_t n, bool show)
{
    bool ka = false;
    fcc_status_t st = fcc_bundle_handler(&d->fcc, b, n, d->resp, sizeof(d->resp), &d->resp_len,
                                         &ka);
    fcu_response_t r;
    assert_int_equal(fcu_response_parse(d->resp, d->resp_len, &r), 0);
    assert_true(r.has_status);
    assert_int_equal(r.return_status, (int64_t)st);
    if (show && r.return_status != 0)
        fprintf(stderr, "device answered %lld: %s / warnings: %s\n", (long long)r.return_status,
                r.info_message ? r.info_message : "", r.warning_info ? r.warning_info : "");
    int64_t s = r.return_status;
    fcu_response_free(&r);
    return s;
}

static void expect_item(device_t *d, const char *name, kcm_item_type_t type, const uint8_t *want,
                        size_t want_len)
{
    uint8_t buf[4096];
    size_t got = 0;
    kcm_status_t ks = kcm_item_get_data(&d->kcm, (const uint8_t *)name, strlen(name), type, buf,
                                        sizeof(buf), &got);
    if (ks != KCM_OK)
        fprintf(stderr, "item %s (type %d): kcm status %d\n", name, (int)type, (int)ks);
    assert_int_equal(ks, KCM_OK);
    assert_int_equal(got, want_len);
    assert_memory_equal(buf, want, want_len);
}

/* Every item of the bundle must be on the device, byte for byte. Returns how many were checked. */
static int compare_items(device_t *d, const uint8_t *bundle, size_t len)
{
    int checked = 0;
    cbor_item_t *top = fcu_cbor_decode(bundle, len);
    assert_non_null(top);
    cbor_item_t *keys = fcu_cbor_map_get(top, "Keys");
    for (size_t i = 0; keys && i < cbor_array_size(keys); i++) {
        cbor_item_t *e = cbor_array_get(keys, i);
        cbor_item_t *nm = fcu_cbor_map_get(e, "Name"), *dt = fcu_cbor_map_get(e, "Data");
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)cbor_string_length(nm),
                 (const char *)cbor_string_handle(nm));
        expect_item(d, name, KCM_PRIVATE_KEY, cbor_bytestring_handle(dt),
                    cbor_bytestring_length(dt));
        checked++;
        cbor_decref(&e);
    }
    cbor_item_t *certs = fcu_cbor_map_get(top, "Certificates");
    for (size_t i = 0; certs && i < cbor_array_size(certs); i++) {
        cbor_item_t *e = cbor_array_get(certs, i);
        cbor_item_t *nm = fcu_cbor_map_get(e, "Name"), *dt = fcu_cbor_map_get(e, "Data");
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)cbor_string_length(nm),
                 (const char *)cbor_string_handle(nm));
        expect_item(d, name, KCM_CERTIFICATE, cbor_bytestring_handle(dt),
                    cbor_bytestring_length(dt));
        checked++;
        cbor_decref(&e);
    }
    cbor_item_t *chains = fcu_cbor_map_get(top, "CertificateChains");
    for (size_t i = 0; chains && i < cbor_array_size(chains); i++) {
        cbor_item_t *e = cbor_array_get(chains, i);
        cbor_item_t *nm = fcu_cbor_map_get(e, "Name"), *da = fcu_cbor_map_get(e, "DataArray");
        kcm_chain_t ch;
        size_t clen = 0;
        assert_int_equal(kcm_chain_open(&d->kcm, &ch, cbor_string_handle(nm),
                                        cbor_string_length(nm), &clen),
                         KCM_OK);
        assert_int_equal(clen, cbor_array_size(da));
        for (size_t c = 0; c < clen; c++) {
            uint8_t buf[4096];
            size_t got = 0;
            cbor_item_t *b = cbor_array_get(da, c);
            assert_int_equal(kcm_chain_get_next_data(&ch, buf, sizeof(buf), &got), KCM_OK);
            assert_int_equal(got, cbor_bytestring_length(b));
            assert_memory_equal(buf, cbor_bytestring_handle(b), got);
            cbor_decref(&b);
        }
        kcm_chain_close(&ch);
        checked++;
        cbor_decref(&e);
    }
    cbor_item_t *params = fcu_cbor_map_get(top, "ConfigParams");
    for (size_t i = 0; params && i < cbor_array_size(params); i++) {
        cbor_item_t *e = cbor_array_get(params, i);
        cbor_item_t *nm = fcu_cbor_map_get(e, "Name"), *dt = fcu_cbor_map_get(e, "Data");
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)cbor_string_length(nm),
                 (const char *)cbor_string_handle(nm));
        int64_t v;
        if (strcmp(name, "mbed.CurrentTime") == 0) {
            assert_true(fcu_cbor_int(dt, &v));
            assert_int_equal(d->port.time_get(d->port.ctx), v); /* sets the clock, not stored */
        } else if (fcu_cbor_int(dt, &v)) {
            if (!strcmp(name, "mbed.UseBootstrap") || !strcmp(name, "mbed.FirstToClaim") ||
                !strcmp(name, "mbed.MemoryTotalKB")) {
                uint32_t u = (uint32_t)v;
                expect_item(d, name, KCM_CONFIG, (const uint8_t *)&u, 4);
            } else {
                expect_item(d, name, KCM_CONFIG, (const uint8_t *)&v, 8);
            }
        } else if (cbor_isa_string(dt)) {
            expect_item(d, name, KCM_CONFIG, cbor_string_handle(dt), cbor_string_length(dt));
        } else {
            expect_item(d, name, KCM_CONFIG, cbor_bytestring_handle(dt),
                        cbor_bytestring_length(dt));
        }
        checked++;
        cbor_decref(&e);
    }
    cbor_item_t *ent = fcu_cbor_map_get(top, "Entropy");
    if (ent) {
        uint8_t buf[64];
        size_t got = 0;
        assert_int_equal(kcm_internal_get(&d->kcm, KCM_INTERNAL_ENTROPY, buf, sizeof(buf), &got),
                         KCM_OK);
        assert_int_equal(got, 48);
        assert_memory_equal(buf, cbor_bytestring_handle(ent), 48);
        checked++;
    }
    cbor_decref(&top);
    return checked;
}

static bool device_empty(device_t *d)
{
    kcm_iter_t it;
    kcm_item_info_t info;
    memset(&it, 0, sizeof(it));
    return kcm_iter_next(&d->kcm, &it, &info) == KCM_ERR_NOT_FOUND;
}

typedef struct variant {
    const char *name;
    bool external;
    fx_mode_t mode;
    fx_kv_t over[4];
    fx_dev_t dev;
} variant_t;

static uint8_t *make_bundle(const variant_t *v, size_t *len, fcu_device_result_t *res)
{
    char cfg[1024], home[1024], dev[1024], p[1100];
    snprintf(cfg, sizeof(cfg), "%s/home/config/run.yml", fx_root);
    fx_config(cfg, v->mode, v->external, v->over);
    snprintf(home, sizeof(home), "%s/home", fx_root);
    snprintf(dev, sizeof(dev), "%s/dev", fx_root);
    snprintf(p, sizeof(p), "rm -rf '%s'", dev);
    assert_int_equal(system(p), 0);
    mkdir(dev, 0700);
    if (v->external)
        fx_device(dev, home, v->mode, &v->dev);
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    ctx.home = strdup(home);
    ctx.config_arg = strdup(cfg);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    fcu_device_req_t req = {.endpoint_name = "ep-1", .serial_number = "SN-0001",
                            .device_keys_dir = dev, .sid = "session-7"};
    fcu_findings_t f = {0};
    int rc = fcu_device_build(&ctx, &req, res, &f);
    if (rc != FCU_EXIT_OK)
        fcu_findings_print(&f, stderr, false);
    assert_int_equal(rc, FCU_EXIT_OK);
    fcu_findings_free(&f);
    fcu_ctx_free(&ctx);
    *len = res->bundle_len;
    return res->bundle;
}

static void run_variant(const variant_t *v)
{
    size_t len = 0;
    fcu_device_result_t res;
    uint8_t *b = make_bundle(v, &len, &res);

    device_t *d = dev_open();
    assert_int_equal(apply(d, b, len, true), 0);
    int n = compare_items(d, b, len);
    assert_true(n >= 14);
    /* `fcu inspect` reads the device's answer */
    char *text = NULL;
    size_t tlen = 0;
    FILE *mf = open_memstream(&text, &tlen);
    assert_int_equal(fcu_inspect_bytes(d->resp, d->resp_len, mf, true, fx_now), FCU_EXIT_OK);
    fclose(mf);
    assert_non_null(strstr(text, "\"kind\": \"response\""));
    assert_non_null(strstr(text, "\"ReturnStatus\": 0"));
    assert_non_null(strstr(text, "The Factory process succeeded"));
    free(text);
    /* the verification the bundle asked for passes on its own as well */
    assert_int_equal(fcc_verify_device_configured_4mbed_cloud(&d->fcc), FCC_STATUS_SUCCESS);
    dev_close(d);

    /* corrupted copies: truncated, a flipped byte in the private key, a broken scheme version */
    uint8_t *c = malloc(len);
    assert_non_null(c);
    d = dev_open();
    assert_int_not_equal(apply(d, b, len - 1, false), 0);
    assert_true(device_empty(d));
    dev_close(d);

    cbor_item_t *top = fcu_cbor_decode(b, len);
    cbor_item_t *k0 = cbor_array_get(fcu_cbor_map_get(top, "Keys"), 0);
    cbor_item_t *kd = fcu_cbor_map_get(k0, "Data");
    uint8_t *kp = memmem(b, len, cbor_bytestring_handle(kd), cbor_bytestring_length(kd));
    assert_non_null(kp);
    size_t koff = (size_t)(kp - b) + 8; /* inside the private scalar */
    cbor_decref(&k0);
    cbor_decref(&top);
    memcpy(c, b, len);
    c[koff] ^= 0x01;
    d = dev_open();
    assert_int_not_equal(apply(d, c, len, false), 0);
    assert_true(device_empty(d));
    dev_close(d);

    uint8_t *sv = memmem(b, len, "0.0.1", 5);
    assert_non_null(sv);
    memcpy(c, b, len);
    c[sv - b + 4] = '2';
    d = dev_open();
    assert_int_not_equal(apply(d, c, len, false), 0);
    assert_true(device_empty(d));
    dev_close(d);
    free(c);
    fcu_device_result_free(&res);
}

#define NOKV {{NULL, NULL}}
static variant_t variants[] = {
    {"by_tool bootstrap", false, FX_BS, NOKV, {.pem = false}},
    {"by_tool bootstrap first-to-claim", false, FX_BS_FTC, NOKV, {.pem = false}},
    {"by_tool lwm2m", false, FX_LW, NOKV, {.pem = false}},
    {"by_tool bootstrap chain depth 2, entropy by_device", false, FX_BS,
     {{"device-certificate-chain-depth", "2"}, {"entropy-generation-mode", "by_device"}},
     {.pem = false}},
    {"externally_supplied bootstrap (DER)", true, FX_BS, NOKV, {.pem = false}},
    {"externally_supplied first-to-claim (PEM)", true, FX_BS_FTC, NOKV, {.pem = true}},
    {"externally_supplied lwm2m", true, FX_LW, NOKV, {.pem = false}},
    {"externally_supplied lwm2m chain", true, FX_LW, {{"device-certificate-chain-depth", "2"}},
     {.chain = 2}},
    /* a supplied chain cut to its leaf: the CA is checked by fcu but not sent */
    {"externally_supplied bootstrap chain cut to depth 1", true, FX_BS,
     {{"device-certificate-chain-depth", "1"}}, {.chain = 2}},
    {"without time-sync and verify", false, FX_BS,
     {{"time-sync", "false"}, {"verify-on-device", "false"}}, {.pem = false}},
};

static void test_variant(void **state)
{
    run_variant((const variant_t *)*state);
}

/* The file `fcu bundle -o FILE` writes (the command itself, run in-process) is accepted too. */
static void test_bundle_command_file(void **state)
{
    (void)state;
    char cfg[1024], home[1024], out[1024];
    snprintf(cfg, sizeof(cfg), "%s/home/config/run.yml", fx_root);
    fx_config(cfg, FX_BS_FTC, false, NULL);
    snprintf(home, sizeof(home), "%s/home", fx_root);
    snprintf(out, sizeof(out), "%s/out.cbor", fx_root);
    char now[32];
    snprintf(now, sizeof(now), "%lld", (long long)fx_now);
    char *argv[] = {"bundle", "--home", home, "--config", cfg, "--time", now,
                    "--endpoint-name", "ep-cmd", "--serial-number", "SN-9", "-o", out, NULL};
    fcu_cli_t cli;
    fcu_cli_init(&cli, "fcu");
    optind = 0;
    FILE *saved = stdout;
    stdout = fopen("/dev/null", "w");
    int rc = fcu_cmd_bundle(&cli, 13, argv);
    fclose(stdout);
    stdout = saved;
    fcu_cli_free(&cli);
    assert_int_equal(rc, FCU_EXIT_OK);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* it holds the device private key */
    uint8_t *b = NULL;
    size_t len = 0;
    assert_int_equal(fcu_read_file(out, &b, &len), 0);
    device_t *d = dev_open();
    assert_int_equal(apply(d, b, len, true), 0);
    assert_true(compare_items(d, b, len) >= 14);
    uint8_t buf[64];
    size_t got = 0;
    assert_int_equal(kcm_item_get_data(&d->kcm, (const uint8_t *)"mbed.EndpointName", 17,
                                       KCM_CONFIG, buf, sizeof(buf), &got),
                     KCM_OK);
    assert_int_equal(got, 6);
    assert_memory_equal(buf, "ep-cmd", 6);
    dev_close(d);
    free(b);
}

/* `fcu inspect` of a framed request: the digest is checked. */
static void test_inspect_framed(void **state)
{
    (void)state;
    variant_t v = {"framed", false, FX_BS, NOKV, {.pem = false}};
    size_t len = 0;
    fcu_device_result_t res;
    uint8_t *b = make_bundle(&v, &len, &res);
    uint8_t *fr = malloc(len + 44);
    assert_non_null(fr);
    memcpy(fr, "mbedprov", 8);
    for (int i = 0; i < 4; i++)
        fr[8 + i] = (uint8_t)(len >> (8 * i));
    memcpy(fr + 12, b, len);
    SHA256(b, len, fr + 12 + len);
    char *text = NULL;
    size_t tlen = 0;
    FILE *mf = open_memstream(&text, &tlen);
    assert_int_equal(fcu_inspect_bytes(fr, len + 44, mf, false, fx_now), FCU_EXIT_OK);
    fclose(mf);
    assert_non_null(strstr(text, "digest ok"));
    assert_non_null(strstr(text, "mbed.EndpointName = \"ep-1\""));
    free(text);
    fr[len + 43] ^= 1;
    mf = open_memstream(&text, &tlen);
    assert_int_equal(fcu_inspect_bytes(fr, len + 44, mf, false, fx_now), FCU_EXIT_INVALID);
    fclose(mf);
    assert_non_null(strstr(text, "digest WRONG"));
    free(text);
    free(fr);

    /* every truncation and a byte flip at every position: no crash, no read past the end
     * (ASan build), and a truncated bundle is never "shown" as valid */
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    uint8_t *cp = malloc(len);
    assert_non_null(cp);
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(cp, b, cut);
        assert_int_equal(fcu_inspect_bytes(cp, cut, null, cut % 2 == 0, fx_now), FCU_EXIT_INVALID);
        fcu_response_t r;
        assert_int_not_equal(fcu_response_parse(cp, cut, &r), 0);
    }
    for (size_t i = 0; i < len; i += 7) {
        memcpy(cp, b, len);
        cp[i] ^= 0x5a;
        (void)fcu_inspect_bytes(cp, len, null, i % 2 == 0, fx_now);
        fcu_response_t r;
        if (fcu_response_parse(cp, len, &r) == 0)
            fcu_response_free(&r);
    }
    free(cp);
    fclose(null);
    fcu_device_result_free(&res);
}

static int setup(void **state)
{
    (void)state;
    return fx_setup_root();
}

static int teardown(void **state)
{
    (void)state;
    fx_cleanup_root();
    return 0;
}

int main(void)
{
    enum { N = sizeof(variants) / sizeof(variants[0]) };
    struct CMUnitTest tests[N + 2];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){variants[i].name, test_variant, NULL, NULL, &variants[i]};
    tests[N] = (struct CMUnitTest)cmocka_unit_test(test_bundle_command_file);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_inspect_framed);
    return _cmocka_run_group_tests("fcu_interop", tests, N + 2, setup, teardown);
}
