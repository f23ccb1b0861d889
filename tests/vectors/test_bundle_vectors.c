/* SPDX-License-Identifier: Apache-2.0 */
/* Runner of the bundle-handler vectors (tests/vectors/bundle/cases.txt and its *.cbor bundles,
 * made by scripts/gen-bundle-vectors.py). For each case it builds a fresh device (RAM flash, KCM,
 * FCC with the device clock fixed at 2030-01-01), applies the case's bundles in turn through
 * fcc_bundle_handler and checks, after each, the whole response (key order, ReturnStatus,
 * InfoMessage, WarningInfo, SID, CSRs: parsed, signature checked, public key matching the stored
 * private key), the device time and the store (exact item count, every item's bytes, chains
 * element by element, internal items; integer ConfigParams items, `u32:N`/`u64:N`/`i64:N` in the
 * manifest, as N in this host's byte order). Adding a case needs no C code. Usage:
 *   vectors_bundle DIR        (DIR holds cases.txt) */
#include "fcc/fcc.h"
#include "fcc/flash_sim.h"
#include "fcc/kcm.h"
#include "fcc/port_posix.h"
#include "support/test_device.h"

#include <cbor.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>
#include "fcc_psa.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEV_TIME 1893456000LL
#define PROG 16
#define BLOCK 4096
#define BLOCKS 64

typedef test_device_t device_t;

static const char *dir;
static char case_name[128];
static int line_no;
static int failures, cases_run, steps_run;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s (cases.txt:%d): ", case_name, line_no);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

static device_t *dev_open(uint32_t blocks)
{
    device_t *d = calloc(1, sizeof(*d));
    if (d != NULL && test_device_init(d, PROG, BLOCK, blocks, DEV_TIME) != 0) {
        free(d);
        d = NULL;
    }
    return d;
}

static void dev_close(device_t *d)
{
    if (d == NULL)
        return;
    test_device_fini(d);
    free(d);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Unescapes \n, \\ and \xHH in place; returns the length (the text may then hold NUL). */
static size_t unescape(char *s)
{
    char *o = s, *i = s;
    while (*i) {
        unsigned v;
        if (i[0] == '\\' && i[1] == 'n') {
            *o++ = '\n';
            i += 2;
        } else if (i[0] == '\\' && i[1] == 'x' && sscanf(i + 2, "%2x", &v) == 1) {
            *o++ = (char)v;
            i += 4;
        } else if (i[0] == '\\' && i[1] == '\\') {
            *o++ = '\\';
            i += 2;
        } else {
            *o++ = *i++;
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = 0;
    if (strcmp(h, "=") == 0)
        return 0;
    while (h[0] && h[1] && n < cap) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

/* The decoded response of the last step. */
typedef struct resp {
    cbor_item_t *map;
    int ret;
    size_t len;
} resp_t;

static cbor_item_t *get(cbor_item_t *map, const char *key)
{
    struct cbor_pair *p;
    size_t i;
    if (map == NULL)
        return NULL;
    p = cbor_map_handle(map);
    for (i = 0; i < cbor_map_size(map); i++)
        if (cbor_isa_string(p[i].key) && cbor_string_length(p[i].key) == strlen(key) &&
            memcmp(cbor_string_handle(p[i].key), key, strlen(key)) == 0)
            return p[i].value;
    return NULL;
}

static bool text_is(cbor_item_t *v, const char *want, size_t len)
{
    return v != NULL && cbor_isa_string(v) && cbor_string_is_definite(v) &&
           cbor_string_length(v) == len && memcmp(cbor_string_handle(v), want, len) == 0;
}

/* Keys must be a subsequence of the contract's order, with the mandatory ones present. */
static void check_order(cbor_item_t *map)
{
    static const char *const order[] = {"Csrs", "SchemeVersion", "SID", "ReturnStatus",
                                        "InfoMessage", "WarningInfo"};
    struct cbor_pair *p = cbor_map_handle(map);
    size_t i, at = 0;
    for (i = 0; i < cbor_map_size(map); i++) {
        size_t j;
        for (j = at; j < 6; j++)
            if (text_is(p[i].key, order[j], strlen(order[j])))
                break;
        if (j == 6) {
            fail("response key %zu out of order or unknown", i);
            return;
        }
        at = j + 1;
    }
    if (!text_is(get(map, "SchemeVersion"), "0.0.1", 5) || get(map, "ReturnStatus") == NULL ||
        get(map, "InfoMessage") == NULL)
        fail("response lacks a mandatory key");
}

static void do_step(device_t *d, const char *file, resp_t *r)
{
    char path[1024];
    uint8_t *bundle, *out;
    size_t blen = 0, olen = 0;
    bool keep = false;
    struct cbor_load_result res;

    if (r->map != NULL)
        cbor_decref(&r->map);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    bundle = read_file(path, &blen);
    if (bundle == NULL) {
        fail("cannot read %s", path);
        return;
    }
    /* Room for the longest response: the cap plus a SID and a name echoed whole. */
    out = malloc(FCC_RESPONSE_MAX + blen);
    r->ret = (int)fcc_bundle_handler(&d->fcc, bundle, blen, out, FCC_RESPONSE_MAX + blen, &olen,
                                     &keep);
    r->len = olen;
    r->map = cbor_load(out, olen, &res);
    if (r->map == NULL || res.read != olen || !cbor_isa_map(r->map)) {
        fail("%s: response does not decode as one CBOR map", file);
        if (r->map != NULL)
            cbor_decref(&r->map);
    } else {
        check_order(r->map);
        /* keep-alive reported through the API, checked by the keepalive line */
        r->ret = r->ret | (keep ? 0x10000 : 0);
    }
    free(out);
    free(bundle);
    steps_run++;
}

static void check_csr(device_t *d, resp_t *r, size_t i, const char *name, const char *subj)
{
    cbor_item_t *csrs = get(r->map, "Csrs"), *e, *data;
    mbedtls_x509_csr csr;
    mbedtls_pk_context key;
    uint8_t kbuf[512], hash[32];
    size_t klen = 0;
    psa_key_id_t ref = PSA_KEY_ID_NULL;
    char dn[512];

    if (csrs == NULL || !cbor_isa_array(csrs) || i >= cbor_array_size(csrs)) {
        fail("no CSR %zu", i);
        return;
    }
    e = cbor_array_handle(csrs)[i];
    if (!text_is(get(e, "PrKN"), name, strlen(name))) {
        fail("CSR %zu PrKN is not %s", i, name);
        return;
    }
    data = get(e, "Data");
    if (data == NULL || !cbor_isa_bytestring(data)) {
        fail("CSR %zu has no Data", i);
        return;
    }
    mbedtls_x509_csr_init(&csr);
    mbedtls_pk_init(&key);
    if (mbedtls_x509_csr_parse_der(&csr, cbor_bytestring_handle(data),
                                   cbor_bytestring_length(data)) != 0) {
        fail("CSR %zu does not parse", i);
        goto out;
    }
    mbedtls_x509_dn_gets(dn, sizeof(dn), &csr.subject);
    if (strcmp(dn, subj) != 0)
        fail("CSR %zu subject '%s', want '%s'", i, dn, subj);
    if (csr.MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA256 ||
        mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), csr.cri.p, csr.cri.len,
                   hash) != 0 ||
        mbedtls_pk_verify(&csr.pk, MBEDTLS_MD_SHA256, hash, 32, csr.MBEDTLS_PRIVATE(sig).p,
                          csr.MBEDTLS_PRIVATE(sig).len) != 0)
        fail("CSR %zu signature does not verify with its own key", i);
    if (kcm_item_get_data(&d->kcm, (const uint8_t *)name, strlen(name), KCM_PRIVATE_KEY, kbuf,
                          sizeof(kbuf), &klen) != KCM_OK ||
        fcc_pk_from_key_item(&key, kbuf, klen, &ref) != 0 ||
        mbedtls_pk_check_pair(&csr.pk, &key, fcc_psa_rng, FCC_PSA_RNG_CTX) != 0)
        fail("CSR %zu key does not match the stored private key %s", i, name);
#if defined(FCC_OPAQUE_CSR_KEYS)
    /* Opaque setting: KCM holds only a reference, and the key cannot leave PSA. */
    {
        uint8_t out[128];
        size_t olen = 0;
        if (ref == PSA_KEY_ID_NULL)
            fail("CSR %zu: %s is not a PSA key reference (%zu bytes)", i, name, klen);
        else if (psa_export_key(ref, out, sizeof(out), &olen) != PSA_ERROR_NOT_PERMITTED)
            fail("CSR %zu: the PSA key of %s can be exported", i, name);
    }
#else
    if (ref != PSA_KEY_ID_NULL)
        fail("CSR %zu: %s is a key reference in the exportable setting", i, name);
#endif
out:
    if (ref != PSA_KEY_ID_NULL)
        (void)psa_purge_key(ref);
    mbedtls_x509_csr_free(&csr);
    mbedtls_pk_free(&key);
}

static kcm_item_type_t type_of(const char *t)
{
    if (strcmp(t, "priv") == 0)
        return KCM_PRIVATE_KEY;
    if (strcmp(t, "pub") == 0)
        return KCM_PUBLIC_KEY;
    if (strcmp(t, "cert") == 0)
        return KCM_CERTIFICATE;
    return KCM_CONFIG;
}

static void check_items_count(device_t *d, size_t want)
{
    kcm_iter_t it;
    kcm_item_info_t info;
    size_t n = 0;
    memset(&it, 0, sizeof(it));
    while (kcm_iter_next(&d->kcm, &it, &info) == KCM_OK) {
        n++;
        if (!info.factory)
            fail("item %.*s is not a factory item", (int)info.name_len, info.name);
    }
    if (n != want)
        fail("store holds %zu items, want %zu", n, want);
}

/* An integer ConfigParams item spelt `u32:N`, `u64:N` or `i64:N`: the device stores integers in
 * its own byte order (SPEC.md section 2, what applications read back with memcpy), so the
 * expected bytes are N encoded for this host. Returns the length, or 0 when `v` is no such form
 * (an integer item is never empty). */
static size_t host_int(const char *v, uint8_t *out)
{
    char *end = NULL;
    if (strncmp(v, "u32:", 4) == 0) {
        unsigned long long x = strtoull(v + 4, &end, 10);
        uint32_t u = (uint32_t)x;
        if (*end != '\0' || x > UINT32_MAX)
            return 0;
        memcpy(out, &u, sizeof(u));
        return sizeof(u);
    }
    if (strncmp(v, "u64:", 4) == 0) {
        uint64_t u = (uint64_t)strtoull(v + 4, &end, 10);
        if (*end != '\0')
            return 0;
        memcpy(out, &u, sizeof(u));
        return sizeof(u);
    }
    if (strncmp(v, "i64:", 4) == 0) {
        int64_t i = (int64_t)strtoll(v + 4, &end, 10);
        if (*end != '\0')
            return 0;
        memcpy(out, &i, sizeof(i));
        return sizeof(i);
    }
    return 0;
}

static void check_item(device_t *d, char *args)
{
    char *t = strtok(args, " "), *name = strtok(NULL, " "), *val = strtok(NULL, " ");
    static uint8_t got[8192], want[8192];
    size_t glen = 0, wlen;
    kcm_status_t st;
    if (t == NULL || name == NULL || val == NULL) {
        fail("bad item line");
        return;
    }
    st = kcm_item_get_data(&d->kcm, (const uint8_t *)name, strlen(name), type_of(t), got,
                           sizeof(got), &glen);
    if (st != KCM_OK) {
        fail("item %s %s: kcm status %d", t, name, (int)st);
        return;
    }
    if (val[0] == '*') {
        if (val[1] != '\0' && (size_t)strtoul(val + 1, NULL, 10) != glen)
            fail("item %s %s has %zu bytes, want %s", t, name, glen, val + 1);
        return;
    }
    if (val[0] == 'u' || val[0] == 'i') {
        wlen = host_int(val, want);
        if (wlen == 0) {
            fail("item %s %s: bad integer '%s'", t, name, val);
            return;
        }
    } else {
        wlen = unhex(val, want, sizeof(want));
    }
    if (wlen != glen || memcmp(want, got, glen) != 0)
        fail("item %s %s differs (%zu bytes, want %zu)", t, name, glen, wlen);
}

static void check_chain(device_t *d, char *args)
{
    char *name = strtok(args, " "), *list = strtok(NULL, " "), *h;
    static uint8_t got[8192], want[8192];
    kcm_chain_t ch;
    size_t n = 0, i = 0, want_n = 1, glen;
    for (h = list; h != NULL && *h; h++)
        want_n += *h == ',';
    if (name == NULL || list == NULL ||
        kcm_chain_open(&d->kcm, &ch, (const uint8_t *)name, strlen(name), &n) != KCM_OK) {
        fail("chain %s cannot be opened", name ? name : "?");
        return;
    }
    if (n != want_n)
        fail("chain %s has %zu certificates, want %zu", name, n, want_n);
    for (h = strtok(list, ","); h != NULL && i < n; h = strtok(NULL, ","), i++) {
        size_t wlen = unhex(h, want, sizeof(want));
        glen = 0;
        if (kcm_chain_get_next_data(&ch, got, sizeof(got), &glen) != KCM_OK || glen != wlen ||
            memcmp(got, want, wlen) != 0)
            fail("chain %s certificate %zu differs", name, i);
    }
    (void)kcm_chain_close(&ch);
}

static void check_internal(device_t *d, char *args)
{
    char *which = strtok(args, " "), *val = strtok(NULL, " ");
    kcm_internal_t w;
    uint8_t got[128], want[128];
    size_t glen = 0, wlen;
    kcm_status_t st;
    if (which == NULL || val == NULL) {
        fail("bad internal line");
        return;
    }
    w = strcmp(which, "entropy") == 0  ? KCM_INTERNAL_ENTROPY
        : strcmp(which, "rot") == 0    ? KCM_INTERNAL_ROT
        : strcmp(which, "disabled") == 0 ? KCM_INTERNAL_FACTORY_DISABLED
                                          : KCM_INTERNAL_BOOTSTRAP_CA_ID;
    st = kcm_internal_get(&d->kcm, w, got, sizeof(got), &glen);
    if (strcmp(val, "-") == 0) {
        if (st != KCM_ERR_NOT_FOUND)
            fail("internal %s present (status %d), want absent", which, (int)st);
        return;
    }
    if (st != KCM_OK) {
        fail("internal %s: status %d", which, (int)st);
        return;
    }
    if (strcmp(val, "*") == 0)
        return;
    wlen = unhex(val, want, sizeof(want));
    if (wlen != glen || memcmp(want, got, glen) != 0)
        fail("internal %s differs", which);
}

static void check_text(resp_t *r, const char *key, char *want, bool optional)
{
    cbor_item_t *v = get(r->map, key);
    size_t n;
    if (optional && strcmp(want, "-") == 0) {
        if (v != NULL)
            fail("%s present (%.*s), want absent", key,
                 v && cbor_isa_string(v) ? (int)cbor_string_length(v) : 0,
                 v && cbor_isa_string(v) ? (const char *)cbor_string_handle(v) : "");
        return;
    }
    n = unescape(want);
    if (!text_is(v, want, n))
        fail("%s is '%.*s', want '%s'", key,
             v && cbor_isa_string(v) ? (int)cbor_string_length(v) : 0,
             v && cbor_isa_string(v) ? (const char *)cbor_string_handle(v) : "", want);
}

int main(int argc, char **argv)
{
    char path[1024], line[65536];
    FILE *f;
    device_t *d = NULL;
    resp_t r;

    if (argc != 2) {
        fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    snprintf(path, sizeof(path), "%s/cases.txt", dir);
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return 2;
    }
    memset(&r, 0, sizeof(r));
    while (fgets(line, sizeof(line), f) != NULL) {
        char *arg;
        size_t n = strlen(line);
        line_no++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        arg = strchr(line, ' ');
        if (arg != NULL)
            *arg++ = '\0';
        else
            arg = line + n;
        if (strcmp(line, "case") == 0) {
            snprintf(case_name, sizeof(case_name), "%s", arg);
            dev_close(d);
            d = dev_open(BLOCKS);
            if (d == NULL) {
                fail("cannot make a device");
                break;
            }
            cases_run++;
        } else if (d == NULL) {
            fail("directive outside a case");
        } else if (strcmp(line, "flash") == 0) {
            /* A device with another flash size (before any step). */
            dev_close(d);
            d = dev_open((uint32_t)atoi(arg));
            if (d == NULL) {
                fail("cannot make a device of %s blocks", arg);
                break;
            }
        } else if (strcmp(line, "clock") == 0 && strcmp(arg, "none") == 0) {
            /* A device without a clock: time 0 (unknown) until a bundle sets it. */
            fcc_port_posix_init(&d->port, &d->clock, FCC_PORT_POSIX_TIME_UNKNOWN);
            if (fcc_init(&d->fcc, &d->kcm, &d->port, NULL) != FCC_STATUS_SUCCESS)
                fail("fcc_init");
        } else if (strcmp(line, "strict") == 0) {
            fcc_options_t o;
            memset(&o, 0, sizeof(o));
            o.strict = atoi(arg) != 0;
            if (fcc_init(&d->fcc, &d->kcm, &d->port, &o) != FCC_STATUS_SUCCESS)
                fail("fcc_init");
        } else if (strcmp(line, "step") == 0) {
            do_step(d, arg, &r);
        } else if (r.map == NULL && strcmp(line, "end") != 0) {
            continue; /* already reported */
        } else if (strcmp(line, "status") == 0) {
            int want = atoi(arg);
            cbor_item_t *v = get(r.map, "ReturnStatus");
            if ((r.ret & 0xffff) != want)
                fail("handler returned %d, want %d", r.ret & 0xffff, want);
            if (v == NULL || !cbor_isa_uint(v) || (int)cbor_get_int(v) != want)
                fail("ReturnStatus is not %d", want);
            if (d->fcc.out.status != want)
                fail("output info status %d, want %d", d->fcc.out.status, want);
        } else if (strcmp(line, "info") == 0) {
            check_text(&r, "InfoMessage", arg, false);
        } else if (strcmp(line, "warn") == 0) {
            check_text(&r, "WarningInfo", arg, true);
        } else if (strcmp(line, "sid") == 0) {
            check_text(&r, "SID", arg, true);
        } else if (strcmp(line, "keepalive") == 0) {
            if (((r.ret & 0x10000) != 0) != (atoi(arg) != 0))
                fail("keep-alive reported %d, want %s", (r.ret & 0x10000) != 0, arg);
        } else if (strcmp(line, "csrs") == 0) {
            cbor_item_t *v = get(r.map, "Csrs");
            size_t want = (size_t)atoi(arg);
            if (want == 0 && v != NULL)
                fail("Csrs present, want absent");
            if (want > 0 && (v == NULL || !cbor_isa_array(v) || cbor_array_size(v) != want))
                fail("Csrs does not hold %zu entries", want);
        } else if (strcmp(line, "csr") == 0) {
            char *idx = strtok(arg, " "), *name = strtok(NULL, " "), *subj = strtok(NULL, "");
            if (idx == NULL || name == NULL || subj == NULL)
                fail("bad csr line");
            else
                check_csr(d, &r, (size_t)atoi(idx), name, subj);
        } else if (strcmp(line, "time") == 0) {
            long long want = atoll(arg), got = (long long)d->port.time_get(d->port.ctx);
            if (got != want)
                fail("device time %lld, want %lld", got, want);
        } else if (strcmp(line, "items") == 0) {
            check_items_count(d, (size_t)atoi(arg));
        } else if (strcmp(line, "item") == 0) {
            check_item(d, arg);
        } else if (strcmp(line, "chain") == 0) {
            check_chain(d, arg);
        } else if (strcmp(line, "internal") == 0) {
            check_internal(d, arg);
        } else if (strcmp(line, "end") == 0) {
            dev_close(d);
            d = NULL;
            if (r.map != NULL)
                cbor_decref(&r.map);
        } else {
            fail("unknown directive '%s'", line);
        }
    }
    fclose(f);
    dev_close(d);
    if (r.map != NULL)
        cbor_decref(&r.map);
    printf("bundle vectors: %d cases, %d steps, %d failures\n", cases_run, steps_run, failures);
    return failures == 0 && cases_run > 0 ? 0 : 1;
}
