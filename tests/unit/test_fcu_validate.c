/* SPDX-License-Identifier: Apache-2.0 */
/* Tests of every factory-side validation of fcu: one case per validation row, run in every
 * combination it applies to (key generation by_tool / externally_supplied x bootstrap /
 * bootstrap with first-to-claim / direct LwM2M), each asserting the finding's code, the
 * parameter it names and its severity; a clean baseline in every combination (so a check that
 * fires on good input fails the test); and configuration-file errors with their line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fcu_fixture.h"
#include "json.h"
#include "line.h"
#include "cli.h"
#include "fcc/status.h"

#include <openssl/sha.h>
#include <sys/wait.h>
#include <unistd.h>

/* combination bits: key generation (0 by_tool, 1 external) x mode (BS, BS_FTC, LW) */
#define C(kg, m) (1u << ((kg) * 3 + (m)))
#define BT (C(0, FX_BS) | C(0, FX_BS_FTC) | C(0, FX_LW))
#define EXT (C(1, FX_BS) | C(1, FX_BS_FTC) | C(1, FX_LW))
#define ALL (BT | EXT)
#define M_BS (C(0, FX_BS) | C(1, FX_BS))
#define M_FTC (C(0, FX_BS_FTC) | C(1, FX_BS_FTC))
#define M_LW (C(0, FX_LW) | C(1, FX_LW))

enum { H_MAIN, H_NOCRT, H_GARBAGE, H_NOKEY, H_MISMATCH, H_CHAIN, H_CHAINBAD, H_MISSING, H_COUNT };
static const char *const home_names[H_COUNT] = {"home",      "home_nocrt", "home_garbage",
                                                "home_nokey", "home_mismatch", "home_chain",
                                                "home_chainbad", "home_missing"};

enum { RQ_OK, RQ_NO_ENDPOINT, RQ_NO_SERIAL, RQ_LONG_ENDPOINT, RQ_NO_DIR, RQ_LONG_SERIAL };

/* a value of 4100 characters: more than the 4096 bytes a device stores by default */
#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X1K X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64 X64
#define LONG_VALUE X1K X1K X1K X1K "xxxx"


typedef struct fx_case {
    const char *name;
    unsigned combos;
    fx_kv_t over[6]; /* keys "@uri", "@ca" stand for the active mode's parameter */
    fx_dev_t dev;
    int req;
    int home;
    int entropy; /* >0: write an entropy.bin of that many bytes */
    int code;
    const char *param; /* "@uri", "@ca", "@cert", "@key" map to the active mode's name */
    fcu_severity_t sev;
} fx_case_t;

static const char *mode_name(fx_mode_t m)
{
    return m == FX_BS ? "bootstrap" : m == FX_BS_FTC ? "bootstrap+first-to-claim" : "lwm2m";
}

static const char *map_param(const char *p, fx_mode_t m)
{
    if (!p || p[0] != '@')
        return p;
    if (!strcmp(p, "@uri"))
        return m == FX_LW ? "lwm2m-server-uri"
               : m == FX_BS_FTC ? "bootstrap-server-uri-first-to-claim"
                                : "bootstrap-server-uri";
    if (!strcmp(p, "@ca"))
        return m == FX_LW ? "lwm2m-server-ca-certificate-file"
                          : "bootstrap-server-ca-certificate-file";
    if (!strcmp(p, "@cert"))
        return m == FX_LW ? "LwM2MDeviceCert" : "BootstrapDeviceCert";
    if (!strcmp(p, "@othercert"))
        return m == FX_LW ? "BootstrapDeviceCert" : "LwM2MDeviceCert";
    if (!strcmp(p, "@key"))
        return m == FX_LW ? "LwM2MDevicePrivateKey" : "BootstrapDevicePrivateKey";
    return p;
}

/* Builds one device for a case in one combination. Returns the exit status; findings in *f. */
static int build(const fx_case_t *c, int kg, fx_mode_t mode, fcu_findings_t *f,
                 fcu_device_result_t *res)
{
    char cfg[1024], home[1024], dev[1024], p[1100];
    fx_kv_t over[8];
    size_t n = 0;
    for (size_t i = 0; c && c->over[i].key; i++) {
        over[n].key = map_param(c->over[i].key, mode);
        over[n].value = c->over[i].value;
        n++;
    }
    over[n].key = NULL;
    over[n].value = NULL;
    snprintf(cfg, sizeof(cfg), "%s/home/config/run.yml", fx_root);
    fx_config(cfg, mode, kg == 1, over);
    snprintf(home, sizeof(home), "%s/%s", fx_root, home_names[c ? c->home : H_MAIN]);
    snprintf(dev, sizeof(dev), "%s/dev", fx_root);
    snprintf(p, sizeof(p), "rm -rf '%s'", dev);
    assert_int_equal(system(p), 0);
    mkdir(dev, 0700);
    if (kg == 1) {
        fx_dev_t d = {0};
        if (c)
            d = c->dev;
        fx_device(dev, home, mode, &d);
    }
    if (c && c->entropy > 0) {
        uint8_t e[64] = {1, 2, 3};
        snprintf(p, sizeof(p), "%s/entropy.bin", dev);
        fx_write(p, e, (size_t)c->entropy);
    }
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    ctx.home = strdup(home);
    ctx.config_arg = strdup(cfg);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    static const char long_ep[] =
        "ep-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789";
    fcu_device_req_t req = {.endpoint_name = "ep-1", .serial_number = "SN1",
                            .device_keys_dir = dev};
    int r = c ? c->req : RQ_OK;
    if (r == RQ_NO_ENDPOINT)
        req.endpoint_name = NULL;
    else if (r == RQ_NO_SERIAL)
        req.serial_number = "";
    else if (r == RQ_LONG_ENDPOINT)
        req.endpoint_name = long_ep;
    else if (r == RQ_NO_DIR)
        req.device_keys_dir = NULL;
    else if (r == RQ_LONG_SERIAL)
        req.serial_number = LONG_VALUE;
    int rc = fcu_device_build(&ctx, &req, res, f);
    fcu_ctx_free(&ctx);
    return rc;
}

static void run_case(const fx_case_t *c)
{
    int ran = 0;
    for (int kg = 0; kg < 2; kg++) {
        for (int m = 0; m < 3; m++) {
            if (!(c->combos & C(kg, m)))
                continue;
            ran++;
            fcu_findings_t f = {0};
            fcu_device_result_t res;
            int rc = build(c, kg, (fx_mode_t)m, &f, &res);
            const char *want = map_param(c->param, (fx_mode_t)m);
            bool found = false;
            for (size_t i = 0; i < f.n; i++)
                if (f.v[i].code == c->code && strcmp(f.v[i].parameter, want) == 0 &&
                    f.v[i].severity == c->sev)
                    found = true;
            if (!found) {
                fprintf(stderr, "case %s (%s, %s): expected %s %d on '%s'; got:\n", c->name,
                        kg ? "externally_supplied" : "by_tool", mode_name((fx_mode_t)m),
                        c->sev == FCU_SEV_ERROR ? "error" : "warning", c->code, want);
                fcu_findings_print(&f, stderr, false);
            }
            assert_true(found);
            if (c->sev == FCU_SEV_ERROR) {
                assert_int_not_equal(rc, FCU_EXIT_OK);
            } else {
                assert_int_equal(rc, FCU_EXIT_OK);
                fcu_device_result_free(&res);
            }
            fcu_findings_free(&f);
        }
    }
    assert_true(ran > 0);
}

/* ---- the rows ---- */

#define NOKV {{NULL, NULL}}
#define NODEV {.pem = false}

static fx_case_t cases[] = {
    {"endpoint name missing", ALL, NOKV, NODEV, RQ_NO_ENDPOINT, H_MAIN, 0, 101, "--endpoint-name", 0},
    {"serial number missing", ALL, NOKV, NODEV, RQ_NO_SERIAL, H_MAIN, 0, 101, "--serial-number", 0},
    {"endpoint name too long", ALL, NOKV, NODEV, RQ_LONG_ENDPOINT, H_MAIN, 0, 325, "--endpoint-name", 0},
    {"device key file missing", EXT, NOKV, {.no_key = true}, 0, H_MAIN, 0, 102, "@key", 0},
    {"device keys folder not given", EXT, NOKV, NODEV, RQ_NO_DIR, H_MAIN, 0, 102, "--device-keys", 0},
    {"device certificate file missing", EXT, NOKV, {.no_cert = true}, 0, H_MAIN, 0, 103, "@cert", 0},
    {"device certificate unparsable", EXT, NOKV, {.garbage_cert = true}, 0, H_MAIN, 0, 104, "@cert", 0},
    {"entropy file missing", ALL, {{"entropy-generation-mode", "externally_supplied"}}, NODEV, 0, H_MAIN, 0, 105, "entropy.bin", 0},
    {"entropy file wrong size", ALL, {{"entropy-generation-mode", "externally_supplied"}}, NODEV, 0, H_MAIN, 47, 105, "entropy.bin", 0},
    {"boolean of wrong type", ALL, {{"time-sync", "5"}}, NODEV, 0, H_MAIN, 0, 106, "time-sync", 0},
    {"quoted boolean", ALL, {{"verify-on-device", "\"true\""}}, NODEV, 0, H_MAIN, 0, 106, "verify-on-device", 0},
    {"integer of wrong type", ALL, {{"device-info.memory-total-size", "lots"}}, NODEV, 0, H_MAIN, 0, 106, "device-info.memory-total-size", 0},
    {"chain depth too large (by_tool)", BT, {{"device-certificate-chain-depth", "3"}}, NODEV, 0, H_MAIN, 0, 111, "device-certificate-chain-depth", 0},
    {"chain depth too large (supplied)", EXT, {{"device-certificate-chain-depth", "3"}}, {.chain = 2}, 0, H_MAIN, 0, 111, "device-certificate-chain-depth", 0},
    {"chain depth missing (supplied chain)", EXT, NOKV, {.chain = 2}, 0, H_MAIN, 0, 112, "device-certificate-chain-depth", 0},
    {"chain depth missing (FCU CA chain)", BT, NOKV, NODEV, 0, H_CHAIN, 0, 112, "device-certificate-chain-depth", 0},
    {"chain depth out of range", ALL, {{"device-certificate-chain-depth", "6"}}, NODEV, 0, H_MAIN, 0, 112, "device-certificate-chain-depth", 0},
    {"FCU home folder missing", BT, NOKV, NODEV, 0, H_MISSING, 0, 199, "--home", 0},
    {"CA certificate missing", BT, NOKV, NODEV, 0, H_NOCRT, 0, 210, "keystore/fcu.crt", 0},
    {"CA certificate unparsable", BT, NOKV, NODEV, 0, H_GARBAGE, 0, 211, "keystore/fcu.crt", 0},
    {"CA chain link broken", BT, {{"device-certificate-chain-depth", "3"}}, NODEV, 0, H_CHAINBAD, 0, 212, "keystore/fcu.crt", 0},
    {"CA key missing", BT, NOKV, NODEV, 0, H_NOKEY, 0, 220, "keystore/fcu_private_key.pem", 0},
    {"CA key does not match", BT, NOKV, NODEV, 0, H_MISMATCH, 0, 221, "keystore/fcu_private_key.pem", 0},
    {"server URI missing", ALL, {{"@uri", NULL}}, NODEV, 0, H_MAIN, 0, 300, "@uri", 0},
    {"server CA certificate missing", ALL, {{"@ca", NULL}}, NODEV, 0, H_MAIN, 0, 300, "@ca", 0},
    {"server CA file not readable", ALL, {{"@ca", "missing.pem"}}, NODEV, 0, H_MAIN, 0, 196, "@ca", 0},
    {"LwM2M URI given in bootstrap mode", M_BS | M_FTC, {{"lwm2m-server-uri", FX_URI_LW}}, NODEV, 0, H_MAIN, 0, 301, "lwm2m-server-uri", FCU_SEV_WARNING},
    {"bootstrap URI given in LwM2M mode", M_LW, {{"bootstrap-server-uri", FX_URI_BS}}, NODEV, 0, H_MAIN, 0, 301, "bootstrap-server-uri", FCU_SEV_WARNING},
    {"other mode's device files present", EXT, NOKV, {.other_set = true}, 0, H_MAIN, 0, 301, "@othercert", FCU_SEV_WARNING},
    {"URI scheme not coap", ALL, {{"@uri", "http://server.example.com/?aid=1"}}, NODEV, 0, H_MAIN, 0, 302, "@uri", 0},
    {"URI without host", ALL, {{"@uri", "coaps://?aid=1"}}, NODEV, 0, H_MAIN, 0, 302, "@uri", 0},
    {"aid missing without first-to-claim", M_BS | M_LW, {{"@uri", "coaps://server.example.com:5684"}}, NODEV, 0, H_MAIN, 0, 303, "@uri", 0},
    {"aid present with first-to-claim", M_FTC, {{"@uri", FX_URI_BS}}, NODEV, 0, H_MAIN, 0, 304, "@uri", 0},
    {"first-to-claim without bootstrap", M_LW, {{"first-to-claim", "true"}}, NODEV, 0, H_MAIN, 0, 305, "first-to-claim", 0},
    {"server CA not P-256", ALL, {{"@ca", "p384-ca.pem"}}, NODEV, 0, H_MAIN, 0, 310, "@ca", 0},
    {"server CA unparsable", ALL, {{"@ca", "garbage.pem"}}, NODEV, 0, H_MAIN, 0, 311, "@ca", 0},
    {"device certificate key not P-256", EXT, NOKV, {.cert = {.p384 = true}}, 0, H_MAIN, 0, 310, "@cert", 0},
    {"device private key not P-256", EXT, NOKV, {.cert = {.p384 = true}}, 0, H_MAIN, 0, 310, "@key", 0},
    {"device certificate not ecdsa-with-SHA256", EXT, NOKV, {.cert = {.sha384 = true}}, 0, H_MAIN, 0, 310, "@cert", 0},
    {"supported crypto scheme other than secp256r1", ALL, {{"supported-crypto-scheme", "secp384r1"}}, NODEV, 0, H_MAIN, 0, 195, "supported-crypto-scheme", 0},
    {"device certificate self-signed", EXT, NOKV, {.cert = {.self_signed = true}}, 0, H_MAIN, 0, 312, "@cert", 0},
    {"device certificate valid-from in the future", EXT, NOKV, {.cert = {.nb = -1}}, 0, H_MAIN, 0, 313, "@cert", 0},
    {"device certificate valid-from before its CA's", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .ca_later = true}, 0, H_MAIN, 0, 313, "@cert", 0},
    {"device certificate expires within 10 years", EXT, NOKV, {.cert = {.na = -5}}, 0, H_MAIN, 0, 314, "@cert", 0},
    {"device certificate without extended key usage", EXT, NOKV, {.cert = {.eku = 1}}, 0, H_MAIN, 0, 315, "@cert", 0},
    {"device certificate for serverAuth only", EXT, NOKV, {.cert = {.eku = 2}}, 0, H_MAIN, 0, 315, "@cert", 0},
    {"device certificate OU is not the aid", C(1, FX_LW), NOKV, {.cert = {.ou = "not-the-aid"}}, 0, H_MAIN, 0, 316, "@cert", 0},
    {"private key does not match the certificate", EXT, NOKV, {.key_other = true}, 0, H_MAIN, 0, 317, "@key", 0},
    {"chain certificate not signed by the next", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .chain_broken = true}, 0, H_MAIN, 0, 318, "@cert", 0},
    {"device certificate CN is not the endpoint name", EXT, NOKV, {.cert = {.cn = "someone-else"}}, 0, H_MAIN, 0, 319, "@cert", 0},
    {"vendor id not a UUID", ALL, {{"vendor-id", "not-a-uuid"}}, NODEV, 0, H_MAIN, 0, 320, "vendor-id", 0},
    {"class id not a UUID", ALL, {{"class-id", "0123-4567"}}, NODEV, 0, H_MAIN, 0, 320, "class-id", 0},
    {"UTC offset format", ALL, {{"device-info.utc-offset", "\"+1:00\""}}, NODEV, 0, H_MAIN, 0, 322, "device-info.utc-offset", 0},
    {"UTC offset beyond +14:00", ALL, {{"device-info.utc-offset", "\"+14:30\""}}, NODEV, 0, H_MAIN, 0, 322, "device-info.utc-offset", 0},
    {"UTC offset beyond -12:00", ALL, {{"device-info.utc-offset", "\"-13:00\""}}, NODEV, 0, H_MAIN, 0, 322, "device-info.utc-offset", 0},
    {"LwM2M device validity under 35 years", C(0, FX_LW), {{"device-certificate.validity-years", "20"}}, NODEV, 0, H_MAIN, 0, 323, "device-certificate.validity-years", 0},
    {"bootstrap device validity of 10 years", C(0, FX_BS) | C(0, FX_BS_FTC), {{"device-certificate.validity-years", "10"}}, NODEV, 0, H_MAIN, 0, 323, "device-certificate.validity-years", 0},
    {"device certificate outlives its CA", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .cert = {.na = -30}}, 0, H_MAIN, 0, 324, "@cert", FCU_SEV_WARNING},
    {"update certificate expired", ALL, {{"update-authentication-certificate-file", "update-expired.pem"}}, NODEV, 0, H_MAIN, 0, 327, "update-authentication-certificate-file", 0},
    {"update certificate chain link broken", ALL, {{"update-authentication-certificate-file", "update-badchain.pem"}}, NODEV, 0, H_MAIN, 0, 318, "update-authentication-certificate-file", 0},
    {"device info value empty", ALL, {{"device-info.model-number", "\"\""}}, NODEV, 0, H_MAIN, 0, 300, "device-info.model-number", 0},
    {"device info key missing", ALL, {{"device-info.memory-total-size", NULL}}, NODEV, 0, H_MAIN, 0, 193, "device-info.memory-total-size", 0},
    {"timezone missing with time-sync", ALL, {{"device-info.timezone", NULL}}, NODEV, 0, H_MAIN, 0, 300, "device-info.timezone", FCU_SEV_WARNING},
    {"key generation mode unknown", ALL, {{"device-key-generation-mode", "by_hand"}}, NODEV, 0, H_MAIN, 0, 195, "device-key-generation-mode", 0},
    {"validity out of range", ALL, {{"certificate-authority.validity-years", "0"}}, NODEV, 0, H_MAIN, 0, 197, "certificate-authority.validity-years", 0},
    /* review: a supplied chain cut to depth 1 is still checked as supplied (the CA is known) */
    {"CA valid-from after the device's, chain cut to depth 1", EXT, {{"device-certificate-chain-depth", "1"}}, {.chain = 2, .ca_later = true}, 0, H_MAIN, 0, 313, "@cert", 0},
    {"supplied chain link broken, chain cut to depth 1", EXT, {{"device-certificate-chain-depth", "1"}}, {.chain = 2, .chain_broken = true}, 0, H_MAIN, 0, 318, "@cert", 0},
    /* review: a certificate file that exists but cannot be read (a folder) is named by validate */
    {"server CA file is a folder", ALL, {{"@ca", "."}}, NODEV, 0, H_MAIN, 0, 196, "@ca", 0},
    {"update certificate file is a folder", ALL, {{"update-authentication-certificate-file", "."}}, NODEV, 0, H_MAIN, 0, 196, "update-authentication-certificate-file", 0},
    /* review: values longer than a device stores */
    {"device info value longer than a device stores", ALL, {{"device-info.model-number", LONG_VALUE}}, NODEV, 0, H_MAIN, 0, 326, "device-info.model-number", 0},
    {"serial number longer than a device stores", ALL, NOKV, NODEV, RQ_LONG_SERIAL, H_MAIN, 0, 326, "--serial-number", 0},
    /* issue 11: what fcu accepts, the device accepts (wire contract 8.11) */
    {"aid repeated", M_BS | M_LW, {{"@uri", "coaps://server.example.com:5684?aid=abc&aid=abc"}}, NODEV, 0, H_MAIN, 0, 328, "@uri", 0},
    {"fragment after the aid", M_BS | M_LW, {{"@uri", "coaps://server.example.com:5684?aid=abc#frag"}}, NODEV, 0, H_MAIN, 0, 328, "@uri", 0},
    {"aid inside the fragment", ALL, {{"@uri", "coaps://server.example.com:5684#x?aid=abc"}}, NODEV, 0, H_MAIN, 0, 328, "@uri", 0},
    {"aid longer than an OU holds", M_BS | M_LW, {{"@uri", "coaps://server.example.com:5684?aid=" X64 "y"}}, NODEV, 0, H_MAIN, 0, 329, "@uri", 0},
    {"URI port 0", ALL, {{"@uri", "coaps://server.example.com:0?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"URI port 65536", ALL, {{"@uri", "coaps://server.example.com:65536?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"URI port not a number", ALL, {{"@uri", "coaps://server.example.com:56a4?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"URI IPv6 literal without ]", ALL, {{"@uri", "coaps://[2001:db8::1:5684?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"URI IPv6 literal malformed", ALL, {{"@uri", "coaps://[2001:zz::1]:5684?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"URI with userinfo", ALL, {{"@uri", "coaps://user:pw@server.example.com:5684?aid=abc"}}, NODEV, 0, H_MAIN, 0, 330, "@uri", 0},
    {"percent-encoded aid compared as it stands", C(1, FX_LW), {{"@uri", "coaps://server.example.com:5684?aid=ab%2Dcd"}}, {.cert = {.ou = "ab-cd"}}, 0, H_MAIN, 0, 316, "@cert", 0},
    {"device certificate with an unknown critical extension", EXT, NOKV, {.cert = {.crit_ext = true}}, 0, H_MAIN, 0, 331, "@cert", 0},
    {"chain CA with an unknown critical extension", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .ca_crit_ext = true}, 0, H_MAIN, 0, 331, "@cert", 0},
    {"server CA with an unknown critical extension", ALL, {{"@ca", "crit-ca.pem"}}, NODEV, 0, H_MAIN, 0, 331, "@ca", 0},
    {"server CA DER with bytes after it", ALL, {{"@ca", "trail-ca.der"}}, NODEV, 0, H_MAIN, 0, 311, "@ca", 0},
    {"device certificate DER with bytes after it", EXT, NOKV, {.trailing = 1}, 0, H_MAIN, 0, 104, "@cert", 0},
    {"device certificate PEM with bytes after the DER", EXT, NOKV, {.pem = true, .trailing = 2}, 0, H_MAIN, 0, 104, "@cert", 0},
    {"issuing CA without basicConstraints", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .ca_flaw = 1}, 0, H_MAIN, 0, 332, "@cert", 0},
    {"issuing CA without keyCertSign", EXT, {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .ca_flaw = 2}, 0, H_MAIN, 0, 332, "@cert", 0},
    {"issuing CA without basicConstraints, cut to depth 1", EXT, {{"device-certificate-chain-depth", "1"}}, {.chain = 2, .ca_flaw = 1}, 0, H_MAIN, 0, 332, "@cert", 0},
    {"device certificate is a CA", EXT, NOKV, {.cert = {.ca = true}}, 0, H_MAIN, 0, 332, "@cert", 0},
    {"device certificate CN as a BMPString", EXT, NOKV, {.cert = {.bmp_cn = true}}, 0, H_MAIN, 0, 319, "@cert", 0},
    {"device certificate key as a compressed point", EXT, NOKV, {.cert = {.compressed = true}}, 0, H_MAIN, 0, 331, "@cert", 0},
    {"update chain issuer not a CA", ALL, {{"update-authentication-certificate-file", "update-notca.pem"}}, NODEV, 0, H_MAIN, 0, 332, "update-authentication-certificate-file", 0},
    {"update chain CA valid from after its certificate", ALL, {{"update-authentication-certificate-file", "update-order.pem"}}, NODEV, 0, H_MAIN, 0, 313, "update-authentication-certificate-file", 0},
    {"path length constraint exceeded", EXT, {{"device-certificate-chain-depth", "3"}}, {.chain = 3, .ca_flaw = 3}, 0, H_MAIN, 0, 332, "@cert", 0},
};

/* Times relative to now are filled in here: nb = -1 means "an hour in the future", na = -N
 * means "N years from now". */
static void fix_times(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fx_cert_t *c = &cases[i].dev.cert;
        if (c->nb == -1)
            c->nb = fx_now + 3600;
        if (c->na < 0)
            c->na = fx_now + (-c->na) * FX_YEAR;
    }
}

static void make_home(int kind)
{
    char p[1100], q[1100], dir[1024];
    snprintf(dir, sizeof(dir), "%s/%s", fx_root, home_names[kind]);
    mkdir(dir, 0700);
    snprintf(p, sizeof(p), "%s/keystore", dir);
    mkdir(p, 0700);
    X509 *ca = NULL;
    EVP_PKEY *cakey = NULL;
    snprintf(q, sizeof(q), "%s/home/keystore/fcu.crt", fx_root);
    ca = fx_read_cert(q);
    snprintf(q, sizeof(q), "%s/home/keystore/fcu_private_key.pem", fx_root);
    cakey = fx_read_key(q);
    char crt[1100], key[1100];
    snprintf(crt, sizeof(crt), "%s/keystore/fcu.crt", dir);
    snprintf(key, sizeof(key), "%s/keystore/fcu_private_key.pem", dir);
    switch (kind) {
    case H_NOCRT:
        fx_write_key(key, cakey, true);
        break;
    case H_GARBAGE:
        fx_write(crt, "garbage\n", 8);
        fx_write_key(key, cakey, true);
        break;
    case H_NOKEY:
        fx_write_pem(crt, &ca, 1);
        break;
    case H_MISMATCH: {
        EVP_PKEY *other = fx_key(false);
        fx_write_pem(crt, &ca, 1);
        fx_write_key(key, other, true);
        EVP_PKEY_free(other);
        break;
    }
    case H_CHAIN:
    case H_CHAINBAD: {
        fx_cert_t rs = {.cn = "Fixture Root", .ca = true, .nb = fx_now - 7200,
                        .na = fx_now + 50 * FX_YEAR};
        fx_cert_t is = {.cn = "Fixture Intermediate FCU CA", .ca = true, .nb = fx_now - 3600,
                        .na = fx_now + 45 * FX_YEAR};
        EVP_PKEY *rk = fx_key(false), *ik = fx_key(false), *ok = fx_key(false);
        X509 *root = fx_cert(&rs, rk, NULL, NULL);
        X509 *inter = fx_cert(&is, ik, root, rk);
        X509 *other = fx_cert(&rs, ok, NULL, NULL);
        X509 *two[2] = {inter, kind == H_CHAIN ? root : other};
        fx_write_pem(crt, two, 2);
        fx_write_key(key, ik, true);
        X509_free(root);
        X509_free(inter);
        X509_free(other);
        EVP_PKEY_free(rk);
        EVP_PKEY_free(ik);
        EVP_PKEY_free(ok);
        break;
    }
    default:
        break;
    }
    X509_free(ca);
    EVP_PKEY_free(cakey);
}

/* A self-signed certificate made from `s`, written as PEM to home/config/<name>. */
static void config_cert_pem(const char *name, const fx_cert_t *s)
{
    char p[1100];
    EVP_PKEY *k = fx_key(s->p384);
    X509 *c = fx_cert(s, k, NULL, NULL);
    snprintf(p, sizeof(p), "%s/home/config/%s", fx_root, name);
    fx_write_pem(p, &c, 1);
    X509_free(c);
    EVP_PKEY_free(k);
}

static int group_setup(void **state)
{
    (void)state;
    if (fx_setup_root() != 0)
        return -1;
    fix_times();
    for (int k = 1; k < H_MISSING; k++)
        make_home(k);
    char p[1100];
    /* server CA on P-384, an unparsable one, update certificates expired and mis-chained */
    fx_cert_t s = {.cn = "P384 CA", .ca = true, .p384 = true};
    EVP_PKEY *k = fx_key(true);
    X509 *c = fx_cert(&s, k, NULL, NULL);
    snprintf(p, sizeof(p), "%s/home/config/p384-ca.pem", fx_root);
    fx_write_pem(p, &c, 1);
    X509_free(c);
    EVP_PKEY_free(k);
    {
        /* update chains: an issuer that is not a CA; an issuer valid from after its leaf */
        fx_cert_t ni = {.cn = "Update issuer", .nb = fx_now - 7200};
        fx_cert_t lf = {.cn = "Update leaf", .ca = true, .nb = fx_now - 3600};
        EVP_PKEY *ik = fx_key(false), *lk = fx_key(false);
        X509 *is = fx_cert(&ni, ik, NULL, NULL);
        X509 *l = fx_cert(&lf, lk, is, ik);
        X509 *pair[2] = {l, is};
        snprintf(p, sizeof(p), "%s/home/config/update-notca.pem", fx_root);
        fx_write_pem(p, pair, 2);
        X509_free(l);
        X509_free(is);
        fx_cert_t ci = {.cn = "Update CA", .ca = true, .nb = fx_now - 600};
        fx_cert_t el = {.cn = "Update leaf", .ca = true, .nb = fx_now - 3600};
        is = fx_cert(&ci, ik, NULL, NULL);
        l = fx_cert(&el, lk, is, ik);
        pair[0] = l;
        pair[1] = is;
        snprintf(p, sizeof(p), "%s/home/config/update-order.pem", fx_root);
        fx_write_pem(p, pair, 2);
        X509_free(l);
        X509_free(is);
        EVP_PKEY_free(ik);
        EVP_PKEY_free(lk);
    }
    fx_cert_t cs = {.cn = "Critical CA", .ca = true, .crit_ext = true};
    config_cert_pem("crit-ca.pem", &cs);
    {
        fx_cert_t ts = {.cn = "Trailing CA", .ca = true};
        k = fx_key(false);
        c = fx_cert(&ts, k, NULL, NULL);
        unsigned char *der = NULL;
        int len = i2d_X509(c, &der);
        unsigned char buf[4096];
        memcpy(buf, der, (size_t)len);
        buf[len] = 0;
        snprintf(p, sizeof(p), "%s/home/config/trail-ca.der", fx_root);
        fx_write(p, buf, (size_t)len + 1);
        OPENSSL_free(der);
        X509_free(c);
        EVP_PKEY_free(k);
    }
    snprintf(p, sizeof(p), "%s/home/config/garbage.pem", fx_root);
    fx_write(p, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 58);
    fx_cert_t e = {.cn = "Expired update", .ca = true, .nb = fx_now - 20 * FX_YEAR,
                   .na = fx_now - 86400};
    k = fx_key(false);
    c = fx_cert(&e, k, NULL, NULL);
    snprintf(p, sizeof(p), "%s/home/config/update-expired.pem", fx_root);
    fx_write_pem(p, &c, 1);
    X509_free(c);
    EVP_PKEY_free(k);
    fx_cert_t u1 = {.cn = "Update leaf", .ca = true}, u2 = {.cn = "Update root", .ca = true};
    EVP_PKEY *k1 = fx_key(false), *k2 = fx_key(false);
    X509 *c1 = fx_cert(&u1, k1, NULL, NULL), *c2 = fx_cert(&u2, k2, NULL, NULL);
    X509 *two[2] = {c1, c2};
    snprintf(p, sizeof(p), "%s/home/config/update-badchain.pem", fx_root);
    fx_write_pem(p, two, 2);
    X509_free(c1);
    X509_free(c2);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_cleanup_root();
    return 0;
}

static void test_case(void **state)
{
    run_case((const fx_case_t *)*state);
}

/* A good configuration and device pass in every combination, with no error and no warning, and
 * with first-to-claim the enrollment ID is "A-" + the SHA-256 of the DER bootstrap certificate. */
static void test_baseline_clean(void **state)
{
    (void)state;
    for (int kg = 0; kg < 2; kg++) {
        for (int m = 0; m < 3; m++) {
            fcu_findings_t f = {0};
            fcu_device_result_t res;
            int rc = build(NULL, kg, (fx_mode_t)m, &f, &res);
            if (f.n) {
                fprintf(stderr, "baseline %d/%d:\n", kg, m);
                fcu_findings_print(&f, stderr, false);
            }
            assert_int_equal(rc, FCU_EXIT_OK);
            assert_int_equal(f.n, 0);
            assert_non_null(res.bundle);
            uint8_t md[32];
            SHA256(res.cert_der, res.cert_der_len, md);
            assert_memory_equal(md, res.cert_sha256, 32);
            if (m == FX_BS_FTC) {
                char want[100];
                int p = snprintf(want, sizeof(want), "A-");
                for (int i = 0; i < 32; i++)
                    p += snprintf(want + p, sizeof(want) - (size_t)p, i ? ":%02X" : "%02X", md[i]);
                assert_string_equal(res.enrollment_id, want);
                assert_int_equal(strlen(res.enrollment_id), 2 + 32 * 3 - 1);
            } else {
                assert_string_equal(res.enrollment_id, "");
            }
            fcu_device_result_free(&res);
            fcu_findings_free(&f);
        }
    }
}

/* by_tool certificates: what the issue asks of them, read back from the DER the device gets. */
static void test_by_tool_certificate(void **state)
{
    (void)state;
    char p[1100];
    snprintf(p, sizeof(p), "%s/home/keystore/fcu.crt", fx_root);
    X509 *ca = fx_read_cert(p);
    assert_non_null(ca);
    for (int m = 0; m < 3; m++) {
        fcu_findings_t f = {0};
        fcu_device_result_t res;
        assert_int_equal(build(NULL, 0, (fx_mode_t)m, &f, &res), FCU_EXIT_OK);
        const unsigned char *d = res.cert_der;
        X509 *c = d2i_X509(NULL, &d, (long)res.cert_der_len);
        assert_non_null(c);
        assert_ptr_equal(d, res.cert_der + res.cert_der_len);
        /* signed by the FCU CA with ecdsa-with-SHA256 */
        assert_int_equal(X509_verify(c, X509_get0_pubkey(ca)), 1);
        assert_int_equal(X509_get_signature_nid(c), NID_ecdsa_with_SHA256);
        assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(ca)), 0);
        /* random positive serial of at least 64 bits */
        BIGNUM *sn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
        assert_false(BN_is_negative(sn));
        assert_true(BN_num_bits(sn) >= 64);
        BN_free(sn);
        /* CN = endpoint, OU = aid of the active URI when it has one */
        char buf[256];
        assert_true(fcu_cert_subject_field(c, NID_commonName, buf, sizeof(buf)));
        assert_string_equal(buf, "ep-1");
        bool has_ou = fcu_cert_subject_field(c, NID_organizationalUnitName, buf, sizeof(buf));
        if (m == FX_BS_FTC) {
            assert_false(has_ou);
        } else {
            assert_true(has_ou);
            assert_string_equal(buf, m == FX_LW ? FX_AID_LW : FX_AID_BS);
        }
        /* clientAuth, digitalSignature, not a CA */
        assert_true(X509_get_extension_flags(c) & EXFLAG_XKUSAGE);
        assert_true(X509_get_extended_key_usage(c) & XKU_SSL_CLIENT);
        assert_true(X509_get_key_usage(c) & KU_DIGITAL_SIGNATURE);
        assert_int_equal(X509_check_ca(c), 0);
        /* valid from now (after the CA's valid-from), 35 years by default */
        int64_t nb = fcu_asn1_time_epoch(X509_get0_notBefore(c));
        int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(c));
        assert_int_equal(nb, fx_now);
        assert_true(nb > fcu_asn1_time_epoch(X509_get0_notBefore(ca)));
        assert_true(na - nb >= 35 * FX_YEAR);
        assert_true(na - nb < 36 * FX_YEAR);
        /* P-256 key that the bundle's private key matches (the device checks that too) */
        char why[160];
        assert_true(fcu_cert_scheme_ok(c, why, sizeof(why)));
        X509_free(c);
        fcu_device_result_free(&res);
        fcu_findings_free(&f);
    }
    X509_free(ca);
}

/* ---- configuration-file errors name file, line and column ---- */

static int load_text(const char *text, fcu_findings_t *f)
{
    char cfg[1024];
    snprintf(cfg, sizeof(cfg), "%s/home/config/raw.yml", fx_root);
    fx_write(cfg, text, strlen(text));
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    ctx.config_arg = strdup(cfg);
    ctx.now = fx_now;
    int rc = fcu_config_load(&ctx, f);
    fcu_ctx_free(&ctx);
    return rc;
}

static void expect_at(const fcu_findings_t *f, int code, const char *param, int line, int col)
{
    char where[64];
    snprintf(where, sizeof(where), "raw.yml:%d:%d: ", line, col);
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].code == code && strcmp(f->v[i].parameter, param) == 0 &&
            strstr(f->v[i].message, where))
            return;
    fprintf(stderr, "expected %d on %s at %s; got:\n", code, param, where);
    fcu_findings_print(f, stderr, false);
    fail();
}

#define GOOD_INFO                                                                              \
    "device-info:\n  manufacturer-name: A\n  model-number: B\n  device-type: C\n"              \
    "  hardware-version: D\n  memory-total-size: 1\n"

static void test_config_unknown_key(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    assert_int_equal(load_text("use-bootstrap: true\n# comment\nuse-bootstrp: false\n" GOOD_INFO,
                               &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 192, "use-bootstrp", 3, 1);
    fcu_findings_free(&f);
    assert_int_equal(load_text("use-bootstrap: true\n" GOOD_INFO "  colour: red\n", &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 192, "device-info.colour", 8, 3);
    fcu_findings_free(&f);
}

static void test_config_wrong_type(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    assert_int_equal(load_text("use-bootstrap: true\nfirst-to-claim: maybe\n" GOOD_INFO
                               "device-certificate-chain-depth: [1, 2]\n",
                               &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 106, "first-to-claim", 2, 17);
    expect_at(&f, 106, "device-certificate-chain-depth", 9, 33);
    fcu_findings_free(&f);
    assert_int_equal(load_text("use-bootstrap: true\ndevice-info: 5\n", &f), FCU_EXIT_INVALID);
    expect_at(&f, 106, "device-info", 2, 14);
    fcu_findings_free(&f);
}

static void test_config_missing_and_duplicate(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    assert_int_equal(load_text("time-sync: true\n" GOOD_INFO, &f), FCU_EXIT_INVALID);
    expect_at(&f, 193, "use-bootstrap", 1, 1);
    fcu_findings_free(&f);
    assert_int_equal(load_text("use-bootstrap: true\nuse-bootstrap: false\n" GOOD_INFO, &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 194, "use-bootstrap", 2, 1);
    fcu_findings_free(&f);
    assert_int_equal(load_text("use-bootstrap: true\n", &f), FCU_EXIT_INVALID);
    expect_at(&f, 193, "device-info", 1, 1);
    fcu_findings_free(&f);
}

static void test_config_values(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    assert_int_equal(load_text("use-bootstrap: true\nentropy-generation-mode: lots\n" GOOD_INFO
                               "bootstrap-server-ca-certificate-file: nowhere.der\n"
                               "certificate-authority:\n  validity-years: 500\n",
                               &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 195, "entropy-generation-mode", 2, 26);
    expect_at(&f, 196, "bootstrap-server-ca-certificate-file", 9, 39);
    expect_at(&f, 197, "certificate-authority.validity-years", 11, 19);
    fcu_findings_free(&f);
}

static void test_config_syntax_and_shape(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    assert_int_equal(load_text("use-bootstrap: true\ndevice-info:\n  manufacturer-name: \"A\n",
                               &f),
                     FCU_EXIT_INVALID);
    assert_non_null(fcu_findings_find(&f, 191));
    assert_non_null(strstr(fcu_findings_find(&f, 191)->message, "raw.yml:4:1: "));
    fcu_findings_free(&f);
    assert_int_equal(load_text("- a\n- b\n", &f), FCU_EXIT_INVALID);
    expect_at(&f, 198, "--config", 1, 1);
    fcu_findings_free(&f);
    assert_int_equal(load_text("# nothing but a comment\n", &f), FCU_EXIT_INVALID);
    assert_non_null(fcu_findings_find(&f, 201));
    fcu_findings_free(&f);

    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    ctx.config_arg = strdup("/nonexistent/fcu.yml");
    assert_int_equal(fcu_config_load(&ctx, &f), FCU_EXIT_USAGE);
    assert_null(ctx.cfg);
    assert_non_null(fcu_findings_find(&f, 190));
    assert_string_equal(fcu_findings_find(&f, 190)->parameter, "--config");
    fcu_ctx_free(&ctx);
    fcu_findings_free(&f);
}

static bool has_finding(const fcu_findings_t *f, int code, const char *param)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].code == code && strcmp(f->v[i].parameter, param) == 0)
            return true;
    return false;
}

/* Review: odd YAML gets a clear finding at its position, never a silent default or a crash. */
static void test_config_hostile(void **state)
{
    (void)state;
    fcu_findings_t f = {0};
    /* an empty mandatory value is not "false": it is reported, and the mode is not guessed */
    assert_int_equal(load_text("use-bootstrap:\n" GOOD_INFO, &f), FCU_EXIT_INVALID);
    expect_at(&f, 193, "use-bootstrap", 1, 15);
    assert_false(has_finding(&f, 300, "lwm2m-server-uri"));
    fcu_findings_free(&f);
    /* a list where the boolean is expected: one finding, no guessed mode */
    assert_int_equal(load_text("use-bootstrap: [true]\n" GOOD_INFO, &f), FCU_EXIT_INVALID);
    expect_at(&f, 106, "use-bootstrap", 1, 16);
    assert_false(has_finding(&f, 300, "lwm2m-server-uri"));
    fcu_findings_free(&f);
    /* a NUL inside a quoted string would silently cut the value */
    assert_int_equal(load_text("use-bootstrap: true\ndevice-info:\n  manufacturer-name: \"A\\0B\"\n"
                               "  model-number: B\n  device-type: C\n  hardware-version: D\n"
                               "  memory-total-size: 1\n",
                               &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 106, "device-info.manufacturer-name", 3, 22);
    fcu_findings_free(&f);
    /* an integer beyond 64 bits is out of range, reported once */
    assert_int_equal(load_text("use-bootstrap: true\ndevice-info:\n  manufacturer-name: A\n"
                               "  model-number: B\n  device-type: C\n  hardware-version: D\n"
                               "  memory-total-size: 99999999999999999999999\n",
                               &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 197, "device-info.memory-total-size", 7, 22);
    assert_false(has_finding(&f, 300, "device-info.memory-total-size"));
    fcu_findings_free(&f);
    /* a second YAML document would be ignored silently */
    assert_int_equal(load_text("use-bootstrap: true\n" GOOD_INFO "---\nuse-bootstrap: false\n", &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 191, "--config", 8, 1);
    fcu_findings_free(&f);
    /* anchors and aliases are plain YAML: a value shared by alias loads */
    load_text("use-bootstrap: true\ndevice-info:\n  manufacturer-name: &m A\n  model-number: *m\n"
              "  device-type: *m\n  hardware-version: *m\n  memory-total-size: 1\n",
              &f);
    for (size_t i = 0; i < f.n; i++)
        assert_true(strncmp(f.v[i].parameter, "device-info", 11) != 0);
    fcu_findings_free(&f);
    /* a section that contains itself through an alias: a type finding, not a loop */
    assert_int_equal(load_text("use-bootstrap: true\ndevice-info: &d\n  manufacturer-name: *d\n", &f),
                     FCU_EXIT_INVALID);
    expect_at(&f, 106, "device-info.manufacturer-name", 2, 14);
    fcu_findings_free(&f);
}

/* Review: an encrypted PEM private key (a device key or the CA key) is refused, never decrypted
 * with a pass phrase read from the terminal or stdin (a factory line would wait there). The load
 * runs in a child without a controlling terminal whose stdin holds the pass phrase, so the old
 * behaviour (OpenSSL's default prompt) would decrypt the key and fail the test. */
static void test_encrypted_key_not_prompted(void **state)
{
    (void)state;
    char pass[1100];
    snprintf(pass, sizeof(pass), "%s/pass.txt", fx_root);
    fx_write(pass, "secret\n", 7);
    EVP_PKEY *k = fx_key(false);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, k, EVP_aes_128_cbc(),
                                              (unsigned char *)"secret", 6, NULL, NULL),
                     1);
    char *pem = NULL;
    long n = BIO_get_mem_data(bio, &pem);
    assert_true(n > 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setsid();
        if (!freopen(pass, "r", stdin))
            _exit(3);
        EVP_PKEY *got = fcu_key_load((const uint8_t *)pem, (size_t)n);
        _exit(got ? 1 : 0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    BIO_free(bio);
    EVP_PKEY_free(k);
}

/* Review: `fcu inspect` prints what a device (untrusted) or a bundle file holds; control
 * characters (a terminal escape sequence in a device's warning text or a parameter value) are
 * shown escaped in text output, never written raw to the operator's terminal. */
static void test_inspect_escapes_control_characters(void **state)
{
    (void)state;
    /* {"SchemeVersion": "0.0.1", "ConfigParams": [{"Name": "a\x1bb", "Data": "\x1b[2Jx\x07"}]} */
    static const uint8_t bundle[] = {
        0xa2, 0x6d, 'S', 'c', 'h', 'e', 'm', 'e', 'V', 'e', 'r', 's', 'i', 'o', 'n', 0x65, '0',
        '.', '0', '.', '1', 0x6c, 'C', 'o', 'n', 'f', 'i', 'g', 'P', 'a', 'r', 'a', 'm', 's',
        0x81, 0xa2, 0x64, 'N', 'a', 'm', 'e', 0x63, 'a', 0x1b, 'b', 0x64, 'D', 'a', 't', 'a',
        0x66, 0x1b, '[', '2', 'J', 'x', 0x07};
    /* a response: {"ReturnStatus": 0, "WarningInfo": "w\x1b]0;pwned\x07", "\x1b": 1} */
    static const uint8_t resp[] = {0xa3, 0x6c, 'R', 'e', 't', 'u', 'r', 'n', 'S', 't', 'a',
                                   't', 'u', 's', 0x00, 0x6b, 'W', 'a', 'r', 'n', 'i', 'n',
                                   'g', 'I', 'n', 'f', 'o', 0x6b, 'w', 0x1b, ']', '0', ';',
                                   'p', 'w', 'n', 'e', 'd', 0x07, 0x61, 0x1b, 0x01};
    const struct {
        const uint8_t *d;
        size_t n;
    } in[] = {{bundle, sizeof(bundle)}, {resp, sizeof(resp)}};
    for (size_t i = 0; i < 2; i++) {
        char *text = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&text, &len);
        assert_non_null(mf);
        assert_int_equal(fcu_inspect_bytes(in[i].d, in[i].n, mf, false, fx_now), FCU_EXIT_OK);
        fclose(mf);
        assert_true(len > 0);
        for (size_t k = 0; k < len; k++)
            assert_false(text[k] == 0x1b || text[k] == 0x07);
        assert_non_null(strstr(text, "\\x1b"));
        free(text);
    }
}

/* Issue 11, the other side of each new rule: inputs a device accepts pass clean (no error),
 * and a too-long aid with by_tool is named as such, not as a generic 103. */
static void test_issue11_accepted(void **state)
{
    (void)state;
    static const fx_case_t ok[] = {
        {"percent-encoded aid as it stands", C(1, FX_LW),
         {{"@uri", "coaps://server.example.com:5684?aid=ab%2Dcd"}},
         {.cert = {.ou = "ab%2Dcd"}}, 0, H_MAIN, 0, 0, NULL, 0},
        {"CA and device certificate from the same second", EXT,
         {{"device-certificate-chain-depth", "2"}}, {.chain = 2, .ca_same_second = true}, 0,
         H_MAIN, 0, 0, NULL, 0},
        {"three certificates, no path length exceeded", EXT,
         {{"device-certificate-chain-depth", "3"}}, {.chain = 3}, 0, H_MAIN, 0, 0, NULL, 0},
        {"port 65535 and an IPv6 literal", M_BS | M_LW,
         {{"@uri", "coaps://[2001:db8::1]:65535?aid=" FX_AID_LW}},
         NODEV, 0, H_MAIN, 0, 0, NULL, 0},
        {"first-to-claim IPv6 literal without port", M_FTC, {{"@uri", "coaps://[::1]"}}, NODEV,
         0, H_MAIN, 0, 0, NULL, 0},
        {"aid of 64 bytes", M_BS, {{"@uri", "coaps://server.example.com:5684?aid=" X64}}, NODEV, 0,
         H_MAIN, 0, 0, NULL, 0},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        for (int kg = 0; kg < 2; kg++) {
            for (int m = 0; m < 3; m++) {
                if (!(ok[i].combos & C(kg, m)))
                    continue;
                fcu_findings_t f = {0};
                fcu_device_result_t res;
                int rc = build(&ok[i], kg, (fx_mode_t)m, &f, &res);
                if (rc != FCU_EXIT_OK || fcu_findings_errors(&f)) {
                    fprintf(stderr, "%s (%d/%d):\n", ok[i].name, kg, m);
                    fcu_findings_print(&f, stderr, false);
                }
                assert_int_equal(rc, FCU_EXIT_OK);
                assert_int_equal(fcu_findings_errors(&f), 0);
                fcu_device_result_free(&res);
                fcu_findings_free(&f);
            }
        }
    }
    /* by_tool: an aid longer than an OU holds is 329 on the URI, not "could not generate" */
    fx_case_t longaid = {"long aid", C(0, FX_LW),
                         {{"@uri", "coaps://server.example.com:5684?aid=" X64 "y"}}, NODEV, 0,
                         H_MAIN, 0, 0, NULL, 0};
    for (int m = 0; m < 3; m += 2) {
        fcu_findings_t f = {0};
        fcu_device_result_t res;
        assert_int_equal(build(&longaid, 0, (fx_mode_t)m, &f, &res), FCU_EXIT_INVALID);
        const fcu_finding_t *x = fcu_findings_find(&f, 329);
        assert_non_null(x);
        assert_non_null(strstr(x->message, "64"));
        assert_non_null(strstr(x->message, "coaps://server.example.com:5684?aid="));
        assert_null(fcu_findings_find(&f, 103));
        fcu_findings_free(&f);
    }
}

/* A context on the main home with the configuration `cfg`, at the fixture's time. */
static void ctx_for(fcu_ctx_t *ctx, const char *cfg)
{
    char p[1100];
    fcu_ctx_init(ctx, "fcu");
    free(ctx->home);
    snprintf(p, sizeof(p), "%s/home", fx_root);
    ctx->home = strdup(p);
    ctx->config_arg = strdup(cfg);
    ctx->now = fx_now;
    ctx->now_fixed = true;
}

/* Issue 11: docs/fcu-codes.md and the behaviour agree on files of more than 5 certificates. A
 * device stores at most 5 per chain: an update-authentication file of 6 is 111 on its key (it is
 * sent whole); a supplied device chain of 6 is checked whole and cut to the configured depth
 * (1..5), so it is accepted with depth 5 and sends 5. */
static void test_more_than_five_certificates(void **state)
{
    (void)state;
    char p[1100];
    X509 *c[6] = {NULL};
    EVP_PKEY *k[6] = {NULL};
    /* c[5] is the root, c[0] the leaf (a device certificate for ep-1, OU for LwM2M) */
    for (int i = 5; i >= 0; i--) {
        fx_cert_t s = {.cn = i ? "Chain CA" : "ep-1", .ou = i ? NULL : FX_AID_LW, .ca = i > 0,
                       .nb = fx_now - 86400 + (5 - i) * 60};
        k[i] = fx_key(false);
        c[i] = fx_cert(&s, k[i], i < 5 ? c[i + 1] : NULL, i < 5 ? k[i + 1] : NULL);
    }
    snprintf(p, sizeof(p), "%s/home/config/update6.pem", fx_root);
    fx_write_pem(p, c + 0, 6);
    fx_case_t upd = {"update file of 6", C(0, FX_BS),
                     {{"update-authentication-certificate-file", "update6.pem"}}, NODEV, 0,
                     H_MAIN, 0, 0, NULL, 0};
    fcu_findings_t f = {0};
    fcu_device_result_t res;
    assert_int_equal(build(&upd, 0, FX_BS, &f, &res), FCU_EXIT_INVALID);
    const fcu_finding_t *x = fcu_findings_find(&f, 111);
    assert_non_null(x);
    assert_string_equal(x->parameter, "update-authentication-certificate-file");
    fcu_findings_free(&f);

    /* the device chain of 6, depth 5: valid, 5 certificates sent */
    char cfg[1024], dev[1024];
    snprintf(dev, sizeof(dev), "%s/dev6", fx_root);
    mkdir(dev, 0700);
    snprintf(p, sizeof(p), "%s/LwM2MDeviceCert.pem", dev);
    fx_write_pem(p, c, 6);
    snprintf(p, sizeof(p), "%s/LwM2MDevicePrivateKey.der", dev);
    fx_write_key(p, k[0], false);
    snprintf(cfg, sizeof(cfg), "%s/home/config/six.yml", fx_root);
    fx_kv_t over[] = {{"device-certificate-chain-depth", "5"}, {NULL, NULL}};
    fx_config(cfg, FX_LW, true, over);
    fcu_ctx_t ctx;
    ctx_for(&ctx, cfg);
    fcu_device_req_t req = {.endpoint_name = "ep-1", .serial_number = "SN1",
                            .device_keys_dir = dev};
    memset(&f, 0, sizeof(f));
    int rc = fcu_device_build(&ctx, &req, &res, &f);
    if (rc != FCU_EXIT_OK)
        fcu_findings_print(&f, stderr, false);
    assert_int_equal(rc, FCU_EXIT_OK);
    assert_null(fcu_findings_find(&f, 111));
    fcu_device_result_free(&res);
    fcu_findings_free(&f);
    /* without a depth: 112, naming the 1..5 a device stores */
    fx_config(cfg, FX_LW, true, NULL);
    fcu_ctx_free(&ctx);
    ctx_for(&ctx, cfg);
    assert_int_equal(fcu_device_build(&ctx, &req, &res, &f), FCU_EXIT_INVALID);
    x = fcu_findings_find(&f, 112);
    assert_non_null(x);
    assert_non_null(strstr(x->message, "1..5"));
    fcu_findings_free(&f);
    fcu_ctx_free(&ctx);
    for (int i = 0; i < 6; i++) {
        X509_free(c[i]);
        EVP_PKEY_free(k[i]);
    }
}

/* Issue 11: a ReturnStatus outside 0..37 is reported exactly as the device sent it, whatever
 * its CBOR width or sign; a 2^32 is never shown as 0 / success. */
static void test_return_status_as_received(void **state)
{
    (void)state;
    static const struct {
        uint8_t head[9];
        size_t hlen;
        const char *text;
    } st[] = {
        {{0x1b, 0, 0, 0, 1, 0, 0, 0, 0}, 9, "4294967296"},          /* 2^32, 8-byte uint */
        {{0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, "18446744073709551615"},
        {{0x1a, 0, 1, 0, 0}, 5, "65536"},                            /* 4-byte uint */
        {{0x18, 38}, 2, "38"},
        {{0x20}, 1, "-1"},
        {{0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9, "-18446744073709551616"},
        {{0x1b, 0, 0, 0, 0, 0, 0, 0, 0}, 9, "0"},                    /* 0, non-minimal width */
    };
    for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
        /* {"ReturnStatus": <head>, "SID": "s1"} */
        uint8_t buf[64];
        size_t n = 0;
        buf[n++] = 0xa2;
        buf[n++] = 0x6c;
        memcpy(buf + n, "ReturnStatus", 12);
        n += 12;
        memcpy(buf + n, st[i].head, st[i].hlen);
        n += st[i].hlen;
        buf[n++] = 0x63;
        memcpy(buf + n, "SID", 3);
        n += 3;
        buf[n++] = 0x62;
        buf[n++] = 's';
        buf[n++] = '1';
        fcu_response_t r;
        assert_int_equal(fcu_response_parse(buf, n, &r), 0);
        assert_true(r.has_status);
        assert_string_equal(r.return_status_text, st[i].text);
        assert_true((r.return_status == 0) == (strcmp(st[i].text, "0") == 0));
        fcu_response_free(&r);

        /* the factory line's report, text and JSON (the front prints libfcu's public report) */
        line_report_t rep;
        memset(&rep, 0, sizeof(rep));
        fcu_response_parse(buf, n, &r);
        line_report_set_status(&rep, &r);
        fcu_response_free(&r);
        fcu_tool_line_report_t pub;
        memset(&pub, 0, sizeof(pub));
        pub.outcome = "device_error";
        pub.exit = strcmp(st[i].text, "0") == 0 ? FCU_EXIT_OK : FCU_EXIT_INVALID;
        pub.transport_status = 0;
        pub.device_status = rep.device_status;
        memcpy(pub.status_text, rep.status_text, sizeof(pub.status_text));
        pub.status_name = rep.device_status >= 0 && rep.device_status <= FCC_STATUS_MAX_ &&
                                  rep.status_text[0]
                              ? fcc_status_name(rep.device_status)
                              : "not a status of the wire contract (0..37)";
        char *text = NULL;
        size_t len = 0;
        FILE *mf = open_memstream(&text, &len);
        fcu_cli_report_print(&pub, "ep", "sn", mf);
        json_t j;
        json_init(&j, mf, false);
        fcu_cli_report_json(&j, &pub, "ep", "sn");
        json_finish(&j);
        fclose(mf);
        char want[80];
        snprintf(want, sizeof(want), "ReturnStatus: %s (", st[i].text);
        if (!strstr(text, want))
            fprintf(stderr, "%s\n", text);
        assert_non_null(strstr(text, want));
        /* a number, or (only below -2^63, beyond JSON writers' integers) the same as text */
        if (st[i].text[0] == '-' && strlen(st[i].text) > 20)
            snprintf(want, sizeof(want), "\"return_status\":\"%s\"", st[i].text);
        else
            snprintf(want, sizeof(want), "\"return_status\":%s", st[i].text);
        char alt[80];
        snprintf(alt, sizeof(alt), "\"return_status\": %s", st[i].text);
        if (!strstr(text, want) && !strstr(text, alt))
            fprintf(stderr, "%s\n", text);
        assert_true(strstr(text, want) || strstr(text, alt));
        if (strcmp(st[i].text, "0") != 0) {
            assert_null(strstr(text, "ReturnStatus: 0 "));
            assert_null(strstr(text, "SUCCESS"));
        }
        free(text);
    }
}

/* A configuration with several problems lists every one of them, not only the first. */
static void test_all_findings_listed(void **state)
{
    (void)state;
    fx_case_t c = {"several", C(0, FX_BS),
                   {{"vendor-id", "x"}, {"class-id", "y"}, {"@uri", "http://a"},
                    {"device-info.utc-offset", "bad"}},
                   NODEV, RQ_NO_SERIAL, H_MAIN, 0, 0, NULL, 0};
    fcu_findings_t f = {0};
    fcu_device_result_t res;
    assert_int_equal(build(&c, 0, FX_BS, &f, &res), FCU_EXIT_INVALID);
    int codes[] = {320, 302, 303, 322, 101};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_non_null(fcu_findings_find(&f, codes[i]));
    assert_true(fcu_findings_errors(&f) >= 6);
    fcu_findings_free(&f);
}

int main(void)
{
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    struct CMUnitTest tests[N + 14];
    for (size_t i = 0; i < N; i++) {
        tests[i] = (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, &cases[i]};
    }
    tests[N] = (struct CMUnitTest)cmocka_unit_test(test_baseline_clean);
    tests[N + 1] = (struct CMUnitTest)cmocka_unit_test(test_config_unknown_key);
    tests[N + 2] = (struct CMUnitTest)cmocka_unit_test(test_config_wrong_type);
    tests[N + 3] = (struct CMUnitTest)cmocka_unit_test(test_config_missing_and_duplicate);
    tests[N + 4] = (struct CMUnitTest)cmocka_unit_test(test_config_values);
    tests[N + 5] = (struct CMUnitTest)cmocka_unit_test(test_config_syntax_and_shape);
    tests[N + 6] = (struct CMUnitTest)cmocka_unit_test(test_all_findings_listed);
    tests[N + 7] = (struct CMUnitTest)cmocka_unit_test(test_by_tool_certificate);
    tests[N + 8] = (struct CMUnitTest)cmocka_unit_test(test_config_hostile);
    tests[N + 9] = (struct CMUnitTest)cmocka_unit_test(test_encrypted_key_not_prompted);
    tests[N + 10] = (struct CMUnitTest)cmocka_unit_test(test_inspect_escapes_control_characters);
    tests[N + 11] = (struct CMUnitTest)cmocka_unit_test(test_issue11_accepted);
    tests[N + 12] = (struct CMUnitTest)cmocka_unit_test(test_return_status_as_received);
    tests[N + 13] = (struct CMUnitTest)cmocka_unit_test(test_more_than_five_certificates);
    return _cmocka_run_group_tests("fcu_validate", tests, N + 14, group_setup, group_teardown);
}
