/* SPDX-License-Identifier: Apache-2.0 */
/* Throughput of by_tool bundle building with the FCU CA key in a PKCS#11 token (SoftHSM2, a
 * software token, through p11-kit's proxy module and libp11) next to the same key in the
 * keystore's PEM file: what a factory gives up in bundles per second by keeping its CA key in an
 * HSM. Each bundle needs one P-256 key generation (in the tool) and one ECDSA signature (in the
 * token). Measured with 1 and 4 threads, each with its own tool context, as `fcu batch` workers.
 * A hardware token's rate is its own signing rate; see docs/fcu-hsm.md.
 * Usage: hsm_bench [seconds per measurement, default 2] */
#include "../tests/unit/fcu_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run {
    const char *home, *cfg;
    double secs;
    long n;
    int failed;
} run_t;

static void *worker(void *arg)
{
    run_t *r = arg;
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    ctx.home = strdup(r->home);
    ctx.config_arg = strdup(r->cfg);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    fcu_device_req_t req = {.endpoint_name = "bench-endpoint-000001",
                            .serial_number = "SN-000001"};
    double t0 = now_s();
    while (now_s() - t0 < r->secs) {
        fcu_findings_t f = {0};
        fcu_device_result_t res;
        if (fcu_device_build(&ctx, &req, &res, &f) != FCU_EXIT_OK) {
            fcu_findings_print(&f, stderr, false);
            fcu_findings_free(&f);
            r->failed = 1;
            break;
        }
        fcu_device_result_free(&res);
        fcu_findings_free(&f);
        r->n++;
    }
    fcu_ctx_free(&ctx);
    return NULL;
}

/* bundles per second with `threads` workers, or -1 on failure */
static double rate(const char *home, const char *cfg, int threads, double secs)
{
    pthread_t t[8];
    run_t r[8];
    double t0 = now_s();
    for (int i = 0; i < threads; i++) {
        r[i] = (run_t){.home = home, .cfg = cfg, .secs = secs};
        if (pthread_create(&t[i], NULL, worker, &r[i]) != 0)
            return -1;
    }
    long n = 0;
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(t[i], NULL);
        n += r[i].n;
        failed |= r[i].failed;
    }
    return failed ? -1 : (double)n / (now_s() - t0);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    if (secs <= 0)
        secs = 2.0;
    if (system("command -v softhsm2-util >/dev/null 2>&1") != 0) {
        printf("hsm_bench: softhsm2-util not installed (scripts/install-deps.sh); skipped\n");
        return 0;
    }
    if (fx_setup_root() != 0) {
        fprintf(stderr, "hsm_bench: cannot set up the FCU home\n");
        return 1;
    }
    char cmd[4096], p[1024], home[1024], cfg[1024], hhome[1024], hcfg[1024];
    snprintf(home, sizeof(home), "%s/home", fx_root);
    snprintf(cfg, sizeof(cfg), "%s/home/config/bench.yml", fx_root);
    fx_config(cfg, FX_BS, false, NULL);

    /* a SoftHSM2 token of our own and a second FCU home whose CA key is in it */
    snprintf(p, sizeof(p), "%s/softhsm2.conf", fx_root);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p %s/tokens && printf 'directories.tokendir = %s/tokens\\nobjectstore.backend"
             " = file\\nlog.level = ERROR\\n' > %s && SOFTHSM2_CONF=%s softhsm2-util --init-token "
             "--free --label fcu-bench --pin 1234 --so-pin 5678 >/dev/null && cp -r %s %s/home-hsm "
             "&& rm -rf %s/home-hsm/keystore",
             fx_root, fx_root, p, p, home, fx_root, fx_root);
    if (system(cmd) != 0) {
        fprintf(stderr, "hsm_bench: cannot create the SoftHSM2 token\n");
        fx_cleanup_root();
        return 1;
    }
    setenv("SOFTHSM2_CONF", p, 1);
    setenv("FCU_PKCS11_PIN", "1234", 1);
    snprintf(hhome, sizeof(hhome), "%s/home-hsm", fx_root);
    snprintf(hcfg, sizeof(hcfg), "%s/home-hsm/config/bench.yml", fx_root);
    fcu_ctx_t ctx;
    fcu_ctx_init(&ctx, "fcu");
    free(ctx.home);
    ctx.home = strdup(hhome);
    ctx.config_arg = strdup(hcfg);
    ctx.now = fx_now;
    ctx.now_fixed = true;
    fcu_findings_t sf = {0};
    fcu_setup_out_t sout;
    char serr[1024];
    int rc = fcu_ca_setup(&ctx, "pkcs11:token=fcu-bench;object=fcu-ca", false, &sf, &sout, serr,
                          sizeof(serr));
    if (rc != FCU_EXIT_OK)
        fprintf(stderr, "hsm_bench: %s\n", serr);
    fcu_findings_free(&sf);
    fcu_ctx_free(&ctx);
    if (rc != FCU_EXIT_OK) {
        fprintf(stderr, "hsm_bench: fcu setup --ca-key-uri failed\n");
        fx_cleanup_root();
        return 1;
    }

    rate(home, cfg, 1, 0.2); /* warm-up */
    rate(hhome, hcfg, 1, 0.2);
    printf("fcu by_tool bundles per second, CA key on disk vs in SoftHSM2 (%.1f s each)\n", secs);
    printf("  %-8s %14s %14s %8s\n", "threads", "key on disk", "key in token", "ratio");
    for (int th = 1; th <= 4; th *= 4) {
        double a = rate(home, cfg, th, secs);
        double b = rate(hhome, hcfg, th, secs);
        if (a <= 0 || b <= 0) {
            fprintf(stderr, "hsm_bench: a measurement failed\n");
            fx_cleanup_root();
            return 1;
        }
        printf("  %-8d %12.0f/s %12.0f/s %8.2f\n", th, a, b, b / a);
    }
    fx_cleanup_root();
    return 0;
}
