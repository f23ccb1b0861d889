/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the device verification: a bootstrap-mode device with a two-certificate device
 * chain (leaf + intermediate, tests/data/verify) stored in KCM on a RAM flash, verified at the
 * fixed device time 2030-01-01. Prints wall-clock time per run, then, when valgrind is on the
 * PATH, re-runs itself under callgrind with collection switched on only inside fcc_verify_run
 * and prints the instructions of one verification and the share spent in public-key
 * operations (ECDSA signature verification, the key-pair check), read from callgrind_annotate's
 * inclusive counts. Usage: bench_verify [--runs N] [--no-callgrind]. */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "../lib/fcc/fcc_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DATA FCC_SOURCE_DIR "/tests/data/verify/"
#define T_DEVICE 1893456000

static fcc_flash_sim_t sim;
static fcc_flash_t flash; /* borrowed by KCM until kcm_free */
static kcm_t kcm;
static fcc_t fcc;
static uint8_t work[KCM_WORK_SIZE];
static int64_t now = T_DEVICE;

static size_t load(const char *name, uint8_t *buf, size_t size)
{
    char path[512];
    size_t n;
    FILE *f;
    snprintf(path, sizeof(path), DATA "%s", name);
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "missing %s\n", path);
        exit(2);
    }
    n = fread(buf, 1, size, f);
    fclose(f);
    return n;
}

static void must(kcm_status_t ks, const char *what)
{
    if (ks != KCM_OK) {
        fprintf(stderr, "setup: %s: %s (%d)\n", what, kcm_status_message(ks), (int)ks);
        exit(2);
    }
}

static void put_text(const char *name, const char *text)
{
    must(kcm_item_store(&kcm, (const uint8_t *)name, strlen(name), KCM_CONFIG, true,
                        (const uint8_t *)text, strlen(text)),
         name);
}

static void put_bytes(const char *name, kcm_item_type_t type, const void *data, size_t len)
{
    must(kcm_item_store(&kcm, (const uint8_t *)name, strlen(name), type, true, data, len), name);
}

static void put_file(const char *name, kcm_item_type_t type, const char *file)
{
    uint8_t buf[4096];
    size_t n = load(file, buf, sizeof(buf));
    put_bytes(name, type, buf, n);
}

static int64_t fixed_time(void *ctx)
{
    return *(const int64_t *)ctx;
}

static int rng(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        buf[i] = (unsigned char)(*s >> 24);
    }
    return 0;
}

/* Stores the bootstrap-mode device of tests/vectors/verify/bootstrap.inc. */
static void setup(void)
{
    static uint32_t seed = 0x12345678u;
    fcc_port_t port;
    kcm_chain_t chain;
    uint8_t buf[4096], id[32];
    const uint32_t one = 1, mem = 512;
    const uint8_t class_id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t n;

    if (fcc_flash_ram_init(&sim, &flash, 16, 8192, 48) != FCC_FLASH_OK) {
        fprintf(stderr, "flash init failed\n");
        exit(2);
    }
    must(kcm_init(&kcm, &flash, work, sizeof(work), rng, &seed), "kcm_init");
    put_bytes("mbed.UseBootstrap", KCM_CONFIG, &one, 4);
    put_text("mbed.EndpointName", "ep-1");
    put_text("mbed.Manufacturer", "Example Ltd");
    put_text("mbed.ModelNumber", "M-1");
    put_text("mbed.DeviceType", "sensor");
    put_text("mbed.HardwareVersion", "1.0");
    put_bytes("mbed.MemoryTotalKB", KCM_CONFIG, &mem, 4);
    put_text("mbed.SerialNumber", "SN-0001");
    put_text("mbed.Timezone", "Europe/London");
    put_text("mbed.UTCOffset", "+00:00");
    put_text("mbed.BootstrapServerURI", "coaps://bootstrap.example.com:5684?aid=acc0123");
    put_file("mbed.BootstrapServerCACert", KCM_CERTIFICATE, "server_ca.der");
    put_file("mbed.BootstrapDevicePrivateKey", KCM_PRIVATE_KEY, "key_leaf.der");
    put_file("mbed.UpdateAuthCert", KCM_CERTIFICATE, "update.der");
    put_bytes("mbed.ClassId", KCM_CONFIG, class_id, 16);
    put_bytes("mbed.VendorId", KCM_CONFIG, class_id, 16);
    must(kcm_chain_create(&kcm, &chain, (const uint8_t *)"mbed.BootstrapDeviceCert", 24, 2, true),
         "chain create");
    n = load("leaf.der", buf, sizeof(buf));
    must(kcm_chain_add_next(&chain, buf, n), "chain leaf");
    n = load("int.der", buf, sizeof(buf));
    must(kcm_chain_add_next(&chain, buf, n), "chain intermediate");
    must(kcm_chain_close(&chain), "chain close");
    n = load("server_ca.der", buf, sizeof(buf));
    if (fcc_ca_identifier(buf, n, id) != 0) {
        fprintf(stderr, "fcc_ca_identifier failed\n");
        exit(2);
    }
    must(kcm_internal_set(&kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, id, sizeof(id)), "ca id");

    memset(&port, 0, sizeof(port));
    port.ctx = &now;
    port.time_get = fixed_time;
    if (fcc_init(&fcc, &kcm, &port, NULL) != FCC_STATUS_SUCCESS) {
        fprintf(stderr, "fcc_init failed\n");
        exit(2);
    }
}

static void verify_once(void)
{
    fcc_status_t st = fcc_verify_device_configured_4mbed_cloud(&fcc);
    const fcc_output_t *out = fcc_get_output_info(&fcc);
    if (st != FCC_STATUS_SUCCESS || out->warning_count != 0) {
        char msg[256];
        fcc_finding_message(out->has_error ? &out->error : &out->warnings[0], msg, sizeof(msg));
        fprintf(stderr, "verification: status %d, %zu warnings: %s\n", (int)st,
                out->warning_count, msg);
        exit(1);
    }
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Inclusive instruction count of `fn` in callgrind_annotate's output, 0 when absent. */
static unsigned long long inclusive_ir(const char *annotate_out, const char *fn)
{
    FILE *f = fopen(annotate_out, "r");
    char line[2048];
    unsigned long long best = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p = line, *colon;
        unsigned long long v = 0;
        size_t fl = strlen(fn);
        bool digits = false;
        while (*p == ' ')
            p++;
        while ((*p >= '0' && *p <= '9') || *p == ',') {
            if (*p != ',') {
                v = v * 10 + (unsigned long long)(*p - '0');
                digits = true;
            }
            p++;
        }
        if (!digits)
            continue;
        colon = strchr(p, ':');
        if (colon == NULL)
            continue;
        colon++;
        if (strncmp(colon, fn, fl) == 0 &&
            (colon[fl] == ' ' || colon[fl] == '\n' || colon[fl] == '\0' || colon[fl] == '\'') &&
            v > best)
            best = v;
    }
    fclose(f);
    return best;
}

static void run_callgrind(const char *self)
{
    char out[] = "/tmp/bench_verify_cg_XXXXXX";
    char cmd[2048], ann[600];
    int fd = mkstemp(out);
    unsigned long long total, sig, pair, parse, key_parse, kcm_read, ca_id;

    if (fd < 0)
        return;
    close(fd);
    snprintf(ann, sizeof(ann), "%s.txt", out);
    snprintf(cmd, sizeof(cmd),
             "FCC_BENCH_CHILD=1 valgrind --tool=callgrind --callgrind-out-file=%s "
             "--toggle-collect=fcc_verify_run %s --runs 1 --no-callgrind >/dev/null 2>&1 && "
             "callgrind_annotate --inclusive=yes --threshold=100 %s > %s 2>/dev/null",
             out, self, out, ann);
    if (system(cmd) != 0) {
        printf("callgrind: run failed (command: %s)\n", cmd);
        goto cleanup;
    }
    total = inclusive_ir(ann, "fcc_verify_run");
    sig = inclusive_ir(ann, "fcc_x509_check_signature");
    pair = inclusive_ir(ann, "fcc_cert_matches_key");
    parse = inclusive_ir(ann, "mbedtls_x509_crt_parse_der");
    key_parse = inclusive_ir(ann, "fcc_pk_from_key_item");
    kcm_read = inclusive_ir(ann, "kcm_item_get_data") + inclusive_ir(ann, "kcm_item_get_size") +
               inclusive_ir(ann, "kcm_chain_get_next_data");
    ca_id = inclusive_ir(ann, "fcc_ca_identifier");
    if (total == 0) {
        printf("callgrind: fcc_verify_run not found in %s\n", ann);
        goto cleanup;
    }
    printf("instructions per verification (callgrind, inclusive Ir of fcc_verify_run): %llu\n",
           total);
    printf("  ECDSA signature verification (fcc_x509_check_signature, PSA): %llu (%.1f%%)\n", sig,
           100.0 * (double)sig / (double)total);
    printf("  key-pair check (fcc_cert_matches_key: EC point comparison): %llu "
           "(%.1f%%)\n",
           pair, 100.0 * (double)pair / (double)total);
    printf("  public-key operations together: %.1f%%\n",
           100.0 * (double)(sig + pair) / (double)total);
    printf("  certificate parsing (mbedtls_x509_crt_parse_der): %llu (%.1f%%)\n", parse,
           100.0 * (double)parse / (double)total);
    printf("  private key loading (fcc_pk_from_key_item: DER parse or PSA reference): %llu "
           "(%.1f%%)\n", key_parse,
           100.0 * (double)key_parse / (double)total);
    printf("  KCM reads (get_data, get_size, chain_get_next_data; decrypt + integrity): %llu "
           "(%.1f%%)\n",
           kcm_read, 100.0 * (double)kcm_read / (double)total);
    printf("  CA identifier (fcc_ca_identifier): %llu (%.1f%%)\n", ca_id,
           100.0 * (double)ca_id / (double)total);
cleanup:
    remove(out);
    remove(ann);
}

int main(int argc, char **argv)
{
    int runs = 50;
    bool callgrind = getenv("FCC_BENCH_CHILD") == NULL;
    double t0, t1;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-callgrind") == 0)
            callgrind = false;
    }
    if (runs < 1)
        runs = 1;
    setup();
    verify_once(); /* warm-up, and proves the device verifies cleanly */
    t0 = seconds();
    for (int i = 0; i < runs; i++)
        verify_once();
    t1 = seconds();
    printf("bootstrap-mode verification, 2-certificate chain: %d runs, %.1f us per run "
           "(wall clock, this machine)\n",
           runs, (t1 - t0) * 1e6 / runs);
    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    if (callgrind && system("command -v valgrind >/dev/null 2>&1 && "
                            "command -v callgrind_annotate >/dev/null 2>&1") == 0)
        run_callgrind(argv[0]);
    return 0;
}
