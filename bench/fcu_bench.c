/* SPDX-License-Identifier: Apache-2.0 */
/* Throughput of fcu's by_tool bundle building on one core, next to the bound OpenSSL itself sets
 * on this machine: a by_tool bundle needs one P-256 key generation and one ECDSA signature (the
 * device certificate), so "key generations + signatures per second" measured in the same run is
 * the ceiling. Prints both rates and their ratio (target >= 0.7).
 * Usage: fcu_bench [seconds per measurement, default 3] */
#include "../tests/unit/fcu_fixture.h"

#include <openssl/evp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One P-256 key generation + one ECDSA-SHA256 signature over a certificate-sized message. */
static int openssl_unit(const unsigned char *tbs, size_t tbs_len)
{
    int rc = -1;
    unsigned char sig[128];
    size_t sig_len = sizeof(sig);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (k && md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
        EVP_DigestSign(md, sig, &sig_len, tbs, tbs_len) == 1)
        rc = 0;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    return rc;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    if (secs <= 0)
        secs = 3.0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) != 0)
        perror("sched_setaffinity (continuing unpinned)");

    if (fx_setup_root() != 0) {
        fprintf(stderr, "fcu_bench: cannot set up the FCU home\n");
        return 1;
    }
    char cfg[1024], home[1024];
    snprintf(cfg, sizeof(cfg), "%s/home/config/bench.yml", fx_root);
    snprintf(home, sizeof(home), "%s/home", fx_root);
    fx_config(cfg, FX_BS, false, NULL);

    unsigned char tbs[400];
    memset(tbs, 0x5a, sizeof(tbs));
    /* warm up both paths */
    for (int i = 0; i < 50; i++)
        openssl_unit(tbs, sizeof(tbs));

    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    ctx.home = strdup(home);
    ctx.config_arg = strdup(cfg);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    fcu_device_req_t req = {.endpoint_name = "bench-endpoint-000001",
                            .serial_number = "SN-000001"};

    /* the two measurements are interleaved in short rounds, so that load from other processes
     * on the machine hits both alike */
    const int rounds = 20;
    double t_ssl = 0, t_fcu = 0, t;
    long n_ssl = 0, n_fcu = 0;
    size_t bytes = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        while ((t = now_s()) - t0 < secs / rounds) {
            for (int i = 0; i < 16; i++)
                if (openssl_unit(tbs, sizeof(tbs)) != 0)
                    return 1;
            n_ssl += 16;
        }
        t_ssl += t - t0;
        t0 = now_s();
        while ((t = now_s()) - t0 < secs / rounds) {
            for (int i = 0; i < 16; i++) {
                fcu_findings_t f = {0};
                fcu_device_result_t res;
                if (fcu_device_build(&ctx, &req, &res, &f) != FCU_EXIT_OK) {
                    fcu_findings_print(&f, stderr, false);
                    return 1;
                }
                bytes = res.bundle_len;
                fcu_device_result_free(&res);
                fcu_findings_free(&f);
            }
            n_fcu += 16;
        }
        t_fcu += t - t0;
    }
    double r_ssl = (double)n_ssl / t_ssl;
    double r_fcu = (double)n_fcu / t_fcu;

    printf("fcu by_tool bundle build, one core, %.1f s per measurement in %d interleaved rounds\n", secs, rounds);
    printf("  OpenSSL bound (P-256 keygen + ECDSA-SHA256 sign): %10.0f /s  (%ld in run)\n", r_ssl,
           n_ssl);
    printf("  fcu_device_build (by_tool, bootstrap, %zu-byte bundle): %8.0f /s  (%ld in run)\n",
           bytes, r_fcu, n_fcu);
    printf("  ratio fcu / bound: %.2f (target >= 0.70)\n", r_fcu / r_ssl);
    fcu_ctx_free(&ctx);
    fx_cleanup_root();
    return 0;
}
