/* SPDX-License-Identifier: Apache-2.0 */
/* Runner of the device-verification vectors (tests/vectors/verify/NAME.vec). Each vector lists the
 * items to store, the device time and the expected status, error and warnings; this program
 * stores the items into a fresh KCM on a RAM flash, runs fcc_verify_device_configured_4mbed_cloud
 * in default and in strict mode, and compares every finding. Adding a case needs no C code.
 *
 * Vector format, one directive per line ('#' starts a comment line):
 *   include FILE                  read FILE (relative to this vector) here
 *   time N                        device time, epoch seconds (0 = unknown; default 0)
 *   config NAME VALUE             VALUE is text:REST-OF-LINE | u32:N | hex:HEX | file:F | empty
 *   cert NAME FILE                a single certificate (KCM_CERTIFICATE)
 *   chain NAME FILE...            a certificate chain, leaf first
 *   key NAME FILE                 a private key (DER)
 *   remove TYPE NAME              drop an item listed earlier (TYPE config|cert|chain|key)
 *   ca_id FILE | ca_id hex:HEX    record the bootstrap CA identifier (of FILE, or raw bytes)
 *   no_ca_id                      record none (undoes an included ca_id)
 *   store_fail NAME PREFIX        storing NAME must fail with the KCM message PREFIX
 *   expect status N | expect error MESSAGE | expect error none | expect warning MESSAGE
 *   strict status|error|warning   the same for strict mode; when a vector has any `strict`
 *                                 line, strict mode is checked against those lines only,
 *                                 otherwise against the `expect` lines.
 * A later config/cert/chain/key line with the same type and name replaces the earlier one, so a
 * vector includes a base configuration and changes one thing. Files are relative to
 * tests/data/verify. */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "../../lib/fcc/fcc_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_DIR FCC_SOURCE_DIR "/tests/data/verify/"
#define MAX_ITEMS 64
#define MAX_BLOBS 8
#define MAX_WARN 40
#define LINE_MAX_ 1024

typedef enum { T_CONFIG, T_CERT, T_CHAIN, T_KEY } itype_t;

typedef struct blob {
    uint8_t *p;
    size_t len;
} blob_t;

typedef struct item {
    itype_t type;
    char name[128];
    blob_t blobs[MAX_BLOBS];
    size_t nblobs;
} item_t;

typedef struct expect {
    bool has_status;
    int status;
    bool error_none;
    char error[256];
    char warnings[MAX_WARN][256];
    size_t nwarn;
    bool any;
} expect_t;

typedef struct vec {
    const char *path;
    int64_t time;
    item_t items[MAX_ITEMS];
    size_t nitems;
    bool has_ca_id;
    blob_t ca_id;
    char store_fail_name[128];
    char store_fail_prefix[256];
    expect_t exp[2]; /* [0] default, [1] strict */
} vec_t;

static int failures;

/* The structured form `fcc-device verify --json` prints: a reference warning carries code 0
 * and one of the contract's warning prefixes; a check of ours that strict mode makes an error
 * carries that error's status, and its prefix is that status's prefix. */
static bool warning_code_ok(const fcc_finding_t *f)
{
    static const char *const ref[] = {FCC_WARN_ITEM_NOT_SET, FCC_WARN_BOOTSTRAP_MODE_NOT_ACTIVATED,
                                      FCC_WARN_SELF_SIGNED,  FCC_WARN_ITEM_REDUNDANT,
                                      FCC_WARN_VALIDITY_UNCHECKED, FCC_WARN_VALIDITY_LESS_10Y,
                                      FCC_WARN_CA_ID_NOT_SET};
    if (f->prefix == NULL)
        return false;
    if (f->code != 0)
        return fcc_status_prefix(f->code) != NULL &&
               strcmp(f->prefix, fcc_status_prefix(f->code)) == 0;
    for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
        if (strcmp(f->prefix, ref[i]) == 0)
            return true;
    return false;
}

static void die(const char *where, const char *msg)
{
    fprintf(stderr, "%s: %s\n", where, msg);
    exit(2);
}

static blob_t load_file(const char *name, const char *where)
{
    char path[512];
    blob_t b = {NULL, 0};
    FILE *f;
    snprintf(path, sizeof(path), DATA_DIR "%s", name);
    f = fopen(path, "rb");
    if (f == NULL)
        die(where, path);
    b.p = malloc(65536);
    if (b.p == NULL)
        die(where, "out of memory");
    b.len = fread(b.p, 1, 65536, f);
    fclose(f);
    return b;
}

static blob_t parse_hex(const char *s, const char *where)
{
    blob_t b;
    size_t n = strlen(s);
    if (n % 2 != 0)
        die(where, "odd hex length");
    b.p = malloc(n / 2 + 1);
    b.len = n / 2;
    for (size_t i = 0; i < b.len; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            die(where, "bad hex");
        b.p[i] = (uint8_t)v;
    }
    return b;
}

static blob_t parse_value(const char *v, const char *where)
{
    blob_t b = {NULL, 0};
    if (strncmp(v, "text:", 5) == 0) {
        b.len = strlen(v + 5);
        b.p = malloc(b.len + 1);
        memcpy(b.p, v + 5, b.len + 1);
    } else if (strncmp(v, "u32:", 4) == 0) {
        uint32_t x = (uint32_t)strtoul(v + 4, NULL, 0);
        b.p = malloc(4);
        memcpy(b.p, &x, 4);
        b.len = 4;
    } else if (strncmp(v, "hex:", 4) == 0) {
        b = parse_hex(v + 4, where);
    } else if (strncmp(v, "file:", 5) == 0) {
        b = load_file(v + 5, where);
    } else if (strcmp(v, "empty") == 0) {
        b.p = malloc(1);
        b.len = 0;
    } else {
        die(where, "bad value");
    }
    return b;
}

static itype_t parse_type(const char *t, const char *where)
{
    if (strcmp(t, "config") == 0)
        return T_CONFIG;
    if (strcmp(t, "cert") == 0)
        return T_CERT;
    if (strcmp(t, "chain") == 0)
        return T_CHAIN;
    if (strcmp(t, "key") == 0)
        return T_KEY;
    die(where, "bad item type");
    return T_CONFIG;
}

static kcm_item_type_t kcm_type(itype_t t)
{
    return t == T_CONFIG ? KCM_CONFIG : t == T_KEY ? KCM_PRIVATE_KEY : KCM_CERTIFICATE;
}

/* Certificates and chains share KCM's certificate name space. */
static bool same_slot(itype_t a, itype_t b)
{
    return kcm_type(a) == kcm_type(b);
}

static void free_item(item_t *it)
{
    for (size_t j = 0; j < it->nblobs; j++)
        free(it->blobs[j].p);
    it->nblobs = 0;
}

static item_t *slot_for(vec_t *v, itype_t type, const char *name, const char *where)
{
    for (size_t i = 0; i < v->nitems; i++) {
        if (same_slot(v->items[i].type, type) && strcmp(v->items[i].name, name) == 0) {
            free_item(&v->items[i]);
            v->items[i].type = type;
            return &v->items[i];
        }
    }
    if (v->nitems >= MAX_ITEMS)
        die(where, "too many items");
    item_t *it = &v->items[v->nitems++];
    memset(it, 0, sizeof(*it));
    it->type = type;
    snprintf(it->name, sizeof(it->name), "%s", name);
    return it;
}

static void parse_expect(expect_t *e, char *rest, const char *where)
{
    char *kw = strtok(rest, " "), *arg = strtok(NULL, "");
    if (kw == NULL || arg == NULL)
        die(where, "bad expectation");
    e->any = true;
    if (strcmp(kw, "status") == 0) {
        e->has_status = true;
        e->status = atoi(arg);
    } else if (strcmp(kw, "error") == 0) {
        if (strcmp(arg, "none") == 0)
            e->error_none = true;
        else
            snprintf(e->error, sizeof(e->error), "%s", arg);
    } else if (strcmp(kw, "warning") == 0) {
        if (e->nwarn >= MAX_WARN)
            die(where, "too many warnings");
        snprintf(e->warnings[e->nwarn++], sizeof(e->warnings[0]), "%s", arg);
    } else {
        die(where, "bad expectation keyword");
    }
}

static void parse_file(vec_t *v, const char *path, int depth)
{
    char line[LINE_MAX_], where[600];
    unsigned lineno = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL || depth > 4)
        die(path, "cannot open (or include too deep)");
    while (fgets(line, sizeof(line), f) != NULL) {
        char *cmd, *rest;
        size_t n = strlen(line);
        lineno++;
        if (snprintf(where, sizeof(where), "%s:%u", path, lineno) >= (int)sizeof(where))
            die(path, "path too long");
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        cmd = strtok(line, " ");
        rest = strtok(NULL, "");
        if (rest == NULL)
            rest = (char *)"";
        if (strcmp(cmd, "include") == 0) {
            char inc[600];
            const char *slash = strrchr(path, '/');
            int dirlen = slash != NULL ? (int)(slash - path + 1) : 0;
            snprintf(inc, sizeof(inc), "%.*s%s", dirlen, path, rest);
            parse_file(v, inc, depth + 1);
        } else if (strcmp(cmd, "time") == 0) {
            v->time = strtoll(rest, NULL, 0);
        } else if (strcmp(cmd, "config") == 0) {
            char *name = strtok(rest, " "), *val = strtok(NULL, "");
            if (name == NULL || val == NULL)
                die(where, "config NAME VALUE");
            item_t *it = slot_for(v, T_CONFIG, name, where);
            it->blobs[it->nblobs++] = parse_value(val, where);
        } else if (strcmp(cmd, "cert") == 0 || strcmp(cmd, "key") == 0 ||
                   strcmp(cmd, "chain") == 0) {
            itype_t t = parse_type(cmd, where);
            char *name = strtok(rest, " "), *file;
            if (name == NULL)
                die(where, "missing name");
            item_t *it = slot_for(v, t, name, where);
            while ((file = strtok(NULL, " ")) != NULL) {
                if (it->nblobs >= MAX_BLOBS)
                    die(where, "too many certificates");
                it->blobs[it->nblobs++] = load_file(file, where);
            }
            if (it->nblobs == 0 || (t != T_CHAIN && it->nblobs != 1))
                die(where, "wrong number of files");
        } else if (strcmp(cmd, "remove") == 0) {
            char *t = strtok(rest, " "), *name = strtok(NULL, " ");
            itype_t type = parse_type(t != NULL ? t : "", where);
            size_t i;
            if (name == NULL)
                die(where, "remove TYPE NAME");
            for (i = 0; i < v->nitems; i++)
                if (same_slot(v->items[i].type, type) && strcmp(v->items[i].name, name) == 0)
                    break;
            if (i == v->nitems)
                die(where, "remove: no such item");
            free_item(&v->items[i]);
            memmove(&v->items[i], &v->items[i + 1], (v->nitems - i - 1) * sizeof(item_t));
            v->nitems--;
        } else if (strcmp(cmd, "ca_id") == 0) {
            free(v->ca_id.p);
            v->ca_id.p = NULL;
            v->has_ca_id = true;
            if (strncmp(rest, "hex:", 4) == 0) {
                v->ca_id = parse_hex(rest + 4, where);
            } else {
                blob_t der = load_file(rest, where);
                v->ca_id.p = malloc(32);
                v->ca_id.len = 32;
                if (fcc_ca_identifier(der.p, der.len, v->ca_id.p) != 0)
                    die(where, "fcc_ca_identifier failed");
                free(der.p);
            }
        } else if (strcmp(cmd, "no_ca_id") == 0) {
            v->has_ca_id = false;
        } else if (strcmp(cmd, "store_fail") == 0) {
            char *name = strtok(rest, " "), *prefix = strtok(NULL, "");
            if (name == NULL || prefix == NULL)
                die(where, "store_fail NAME PREFIX");
            snprintf(v->store_fail_name, sizeof(v->store_fail_name), "%s", name);
            snprintf(v->store_fail_prefix, sizeof(v->store_fail_prefix), "%s", prefix);
        } else if (strcmp(cmd, "expect") == 0) {
            parse_expect(&v->exp[0], rest, where);
        } else if (strcmp(cmd, "strict") == 0) {
            parse_expect(&v->exp[1], rest, where);
        } else {
            die(where, "unknown directive");
        }
    }
    fclose(f);
}

static int64_t fixed_time(void *ctx)
{
    return *(const int64_t *)ctx;
}

static int test_rng(void *ctx, unsigned char *buf, size_t len)
{
    uint32_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        uint32_t x = *s;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *s = x;
        buf[i] = (unsigned char)(x >> 24);
    }
    return 0;
}

#define CHECK(cond, ...)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "FAIL %s [%s]: ", v->path, mode);                                  \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            bad++;                                                                             \
        }                                                                                      \
    } while (0)

/* Stores one item; returns the KCM status. */
static kcm_status_t store_item(kcm_t *kcm, const item_t *it)
{
    const uint8_t *name = (const uint8_t *)it->name;
    size_t nlen = strlen(it->name);
    kcm_chain_t chain;
    kcm_status_t ks;

    if (it->type != T_CHAIN)
        return kcm_item_store(kcm, name, nlen, kcm_type(it->type), true, it->blobs[0].p,
                              it->blobs[0].len);
    ks = kcm_chain_create(kcm, &chain, name, nlen, it->nblobs, true);
    if (ks != KCM_OK)
        return ks;
    for (size_t i = 0; i < it->nblobs; i++) {
        ks = kcm_chain_add_next(&chain, it->blobs[i].p, it->blobs[i].len);
        if (ks != KCM_OK) {
            (void)kcm_chain_close(&chain);
            return ks;
        }
    }
    return kcm_chain_close(&chain);
}

static void run_mode(const vec_t *v, bool strict)
{
    const char *mode = strict ? "strict" : "default";
    const expect_t *e = strict && v->exp[1].any ? &v->exp[1] : &v->exp[0];
    static fcc_flash_sim_t sim;
    static kcm_t kcm;
    static fcc_t fcc;
    static uint8_t work[KCM_WORK_SIZE];
    fcc_flash_t flash;
    fcc_port_t port;
    fcc_options_t opts;
    uint32_t seed = 0x9e3779b9u;
    int64_t now = v->time;
    bool store_failed = false;
    int bad = 0;
    char msg[512];

    memset(&sim, 0, sizeof(sim));
    memset(&kcm, 0, sizeof(kcm));
    if (fcc_flash_ram_init(&sim, &flash, 16, 8192, 48) != FCC_FLASH_OK)
        die(v->path, "flash init");
    if (kcm_init(&kcm, &flash, work, sizeof(work), test_rng, &seed) != KCM_OK)
        die(v->path, "kcm init");

    for (size_t i = 0; i < v->nitems; i++) {
        const item_t *it = &v->items[i];
        kcm_status_t ks = store_item(&kcm, it);
        bool want_fail = strcmp(it->name, v->store_fail_name) == 0;
        if (ks == KCM_OK) {
            CHECK(!want_fail, "storing %s succeeded, expected \"%s\"", it->name,
                  v->store_fail_prefix);
        } else {
            CHECK(want_fail, "storing %s failed: %s (kcm %d)", it->name,
                  kcm_status_message(ks), (int)ks);
            if (want_fail) {
                store_failed = true;
                CHECK(strcmp(kcm_status_message(ks), v->store_fail_prefix) == 0,
                      "storing %s: message \"%s\", expected \"%s\"", it->name,
                      kcm_status_message(ks), v->store_fail_prefix);
            }
        }
    }
    CHECK(v->store_fail_name[0] == '\0' || store_failed, "expected store of %s to fail",
          v->store_fail_name);
    if (v->has_ca_id)
        CHECK(kcm_internal_set(&kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, v->ca_id.p, v->ca_id.len) ==
                  KCM_OK,
              "ca_id set");

    memset(&port, 0, sizeof(port));
    port.ctx = &now;
    port.time_get = fixed_time;
    memset(&opts, 0, sizeof(opts));
    opts.strict = strict;
    CHECK(fcc_init(&fcc, &kcm, &port, &opts) == FCC_STATUS_SUCCESS, "fcc_init");

    fcc_status_t st = fcc_verify_device_configured_4mbed_cloud(&fcc);
    const fcc_output_t *out = fcc_get_output_info(&fcc);

    CHECK(e->has_status, "vector has no expected status");
    CHECK((int)st == e->status, "status %d (%s), expected %d", (int)st, fcc_status_name((int)st),
          e->status);
    CHECK(out->status == (int)st, "output status %d != returned %d", out->status, (int)st);
    if (out->has_error) {
        fcc_finding_message(&out->error, msg, sizeof(msg));
        CHECK(out->error.code == (int)st && out->error.severity == FCC_SEVERITY_ERROR,
              "error finding code %d severity %d", out->error.code, (int)out->error.severity);
        CHECK(e->error[0] != '\0' && strcmp(msg, e->error) == 0, "error \"%s\", expected \"%s\"",
              msg, e->error[0] ? e->error : "none");
    } else {
        CHECK(st == FCC_STATUS_SUCCESS, "status %d without an error finding", (int)st);
        CHECK(e->error[0] == '\0', "no error, expected \"%s\"", e->error);
    }
    CHECK(out->dropped == 0, "%zu warnings dropped", out->dropped);
    for (size_t i = 0; i < out->warning_count || i < e->nwarn; i++) {
        if (i < out->warning_count) {
            fcc_finding_message(&out->warnings[i], msg, sizeof(msg));
            CHECK(out->warnings[i].severity == FCC_SEVERITY_WARNING, "warning %zu severity", i);
            CHECK(warning_code_ok(&out->warnings[i]), "warning %zu \"%s\": code %d", i, msg,
                  out->warnings[i].code);
        } else {
            snprintf(msg, sizeof(msg), "(none)");
        }
        CHECK(i < e->nwarn && strcmp(msg, e->warnings[i]) == 0,
              "warning %zu \"%s\", expected \"%s\"", i, msg, i < e->nwarn ? e->warnings[i] : "(none)");
    }

    if (bad == 0)
        printf("ok   %s [%s] status %d, %zu warning(s)\n", v->path, mode, (int)st,
               out->warning_count);
    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    failures += bad;
}

static void free_vec(vec_t *v)
{
    for (size_t i = 0; i < v->nitems; i++)
        free_item(&v->items[i]);
    free(v->ca_id.p);
}

/* API edges the vectors cannot express: argument checks, an uninitialised fcc, and that
 * fcc_verify_run keeps what the bundle handler already recorded while the public entry point
 * starts from a clean output. */
static void api_checks(void)
{
    static fcc_t fcc;
    static fcc_flash_sim_t sim;
    static kcm_t kcm;
    static uint8_t work[KCM_WORK_SIZE];
    fcc_flash_t flash;
    uint32_t seed = 7;
    const fcc_output_t *out;
    char msg[256];
    int bad = 0;
    const vec_t dummy = {.path = "api"};
    const vec_t *v = &dummy;
    const char *mode = "api";

    CHECK(fcc_verify_device_configured_4mbed_cloud(NULL) == FCC_STATUS_INVALID_PARAMETER,
          "NULL fcc");
    CHECK(fcc_verify_run(NULL) == FCC_STATUS_INVALID_PARAMETER, "NULL fcc (run)");
    memset(&fcc, 0, sizeof(fcc));
    CHECK(fcc_verify_device_configured_4mbed_cloud(&fcc) == FCC_STATUS_NOT_INITIALIZED,
          "uninitialised fcc");
    CHECK(fcc_get_output_info(&fcc)->status == FCC_STATUS_NOT_INITIALIZED, "output status 19");

    memset(&sim, 0, sizeof(sim));
    if (fcc_flash_ram_init(&sim, &flash, 16, 8192, 48) != FCC_FLASH_OK ||
        kcm_init(&kcm, &flash, work, sizeof(work), test_rng, &seed) != KCM_OK ||
        fcc_init(&fcc, &kcm, &(fcc_port_t){0}, NULL) != FCC_STATUS_SUCCESS)
        die("api", "setup");
    /* An empty store, no clock: the time warnings, then mbed.UseBootstrap is missing. A
     * warning recorded before fcc_verify_run stays first. */
    fcc_out_reset(&fcc);
    fcc_out_warning(&fcc, 0, FCC_WARN_ITEM_NOT_SET, "earlier", 7);
    CHECK(fcc_verify_run(&fcc) == FCC_STATUS_ITEM_NOT_EXIST, "empty store status");
    out = fcc_get_output_info(&fcc);
    CHECK(out->warning_count == 4, "empty store: %zu warnings", out->warning_count);
    fcc_finding_message(&out->warnings[0], msg, sizeof(msg));
    CHECK(strcmp(msg, "Item not set:earlier") == 0, "earlier warning kept: %s", msg);
    fcc_finding_message(&out->error, msg, sizeof(msg));
    CHECK(strcmp(msg, "Item does not exist:mbed.UseBootstrap") == 0, "empty store: %s", msg);
    /* The public entry point clears the output first. */
    CHECK(fcc_verify_device_configured_4mbed_cloud(&fcc) == FCC_STATUS_ITEM_NOT_EXIST,
          "empty store (public)");
    CHECK(out->warning_count == 3, "public: %zu warnings", out->warning_count);
    fcc_free(&fcc);
    kcm_free(&kcm);
    fcc_flash_sim_close(&sim);
    if (bad == 0)
        printf("ok   api checks\n");
    failures += bad;
}

int main(int argc, char **argv)
{
    api_checks();
    if (argc < 2) {
        fprintf(stderr, "usage: %s VECTOR.vec...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        vec_t *v = calloc(1, sizeof(*v));
        if (v == NULL)
            return 2;
        v->path = argv[i];
        parse_file(v, argv[i], 0);
        run_mode(v, false);
        run_mode(v, true);
        free_vec(v);
        free(v);
    }
    if (failures != 0)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures == 0 ? 0 : 1;
}
