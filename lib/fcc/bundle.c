/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle handler: bytes of a bundle in (wire contract section 2), a stored configuration and
 * a response out (section 3). It reads the untrusted CBOR with the bounded reader of
 * bundle_cbor.c in two passes: the first checks the whole structure (definite map of at most 12
 * pairs, exact keys, bounded nesting, no trailing bytes) and notes where each group's value is
 * and how many items it holds (group arrays may be definite or indefinite);
 * the second applies the groups in the contract's order. Everything the bundle changes in the
 * store goes into ONE KCM transaction, committed only when the run ends with status 0, so a
 * failed bundle leaves the device as it was and can be retried. docs/bundle.md lists the status
 * of every rule. No heap: the only buffers are the caller's bundle and response. */
#include "bundle_priv.h"
#include "verify.h"

#include <mbedtls/platform_util.h>

#include <string.h>

enum top_key {
    K_SCHEME,
    K_SID,
    K_KPALV,
    K_ENTROPY,
    K_ROT,
    K_KEYS,
    K_CERTS,
    K_CHAINS,
    K_PARAMS,
    K_CSRS,
    K_VERIFY,
    K_DISABLE,
    K_COUNT
};

static const char *const top_names[K_COUNT] = {
    "SchemeVersion", "SID",          "KpAlvSess",         "Entropy",
    "ROT",           "Keys",         "Certificates",      "CertificateChains",
    "ConfigParams",  "CsrReqs",      "Verify",            "Disable",
};

#define ENTROPY_SIZE 48
#define ROT_SIZE 16

/* The bundle as seen after the first pass. Value heads point into the caller's buffer. */
typedef struct bundle {
    const uint8_t *buf;
    size_t len;
    bool has[K_COUNT];
    fcc_cbor_item_t head[K_COUNT]; /* head of each value */
    size_t after[K_COUNT];         /* reader offset just past that head */
    size_t count[K_COUNT];         /* items of each group array (definite or indefinite) */
    bool keep_alive, verify, disable;
    const uint8_t *sid;     /* the SID's bytes (has[K_SID]) */
    const uint8_t *unknown; /* first unknown top-level key (has_unknown) */
    size_t unknown_len;
    bool has_unknown;
} bundle_t;

/* State of one run of the handler. */
typedef struct run {
    fcc_t *fcc;
    bundle_t b;
    fcc_resp_t resp;
    uint8_t *buf;      /* the caller's response buffer, also our scratch space */
    size_t buf_size;
    bool time_changed;
    bool time_seen;
    int64_t old_time;
    const uint8_t *name; /* the item being applied (open_item): failures name it */
    size_t name_len;
} run_t;

int fcc_bundle_fail(fcc_t *fcc, int code, const char *prefix, const uint8_t *item, size_t len)
{
    bool first = !fcc->out.has_error;
    int st;
    if (item == NULL)
        len = 0;
    st = fcc_out_error(fcc, code, prefix != NULL ? prefix : fcc_status_prefix(code), item, len);
    /* The name as received, every byte of it (wire contract section 8 point 6): the response
     * echoes it from the bundle; the finding keeps the first FCC_NAME_MAX bytes. */
    if (first && len > 0) {
        fcc->out.error_name = item;
        fcc->out.error_name_len = len;
    }
    return st;
}

static int fail_st(fcc_t *fcc, int code, const uint8_t *item, size_t len)
{
    return fcc_bundle_fail(fcc, code, NULL, item, len);
}

static int fail_kcm(fcc_t *fcc, kcm_status_t st, const uint8_t *item, size_t len)
{
    return fcc_bundle_fail(fcc, (int)kcm_to_fcc_status(st), kcm_status_message(st), item, len);
}

/* True when p[0..len) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). The SID is echoed in the response's text, so it must be valid text. */
static bool utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n, k;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i - 1 < n)
            return false;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

/* ---- first pass ---------------------------------------------------------------------------- */

static int parse_top(fcc_t *fcc, bundle_t *b, size_t resp_size)
{
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t m, key, val;
    uint64_t i;
    int k;

    fcc_cbor_reader_init(&rd, b->buf, b->len);
    if (fcc_cbor_next(&rd, &m) != FCC_CBOR_OK || m.kind != FCC_CBOR_MAP ||
        m.value > FCC_BUNDLE_MAX_PAIRS)
        return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
    for (i = 0; i < m.value; i++) {
        if (fcc_cbor_next(&rd, &key) != FCC_CBOR_OK || key.kind != FCC_CBOR_TEXT)
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
        if (fcc_cbor_next(&rd, &val) != FCC_CBOR_OK)
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
        for (k = 0; k < K_COUNT; k++)
            if (fcc_cbor_eq(&key, top_names[k]))
                break;
        if (k < K_COUNT) {
            if (b->has[k]) /* the same group twice */
                return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, key.ptr, key.len);
            b->has[k] = true;
            b->head[k] = val;
            b->after[k] = rd.pos;
        } else if (!b->has_unknown) {
            b->has_unknown = true;
            b->unknown = key.ptr;
            b->unknown_len = key.len;
        }
        if (fcc_cbor_skip(&rd, &val, 2) != FCC_CBOR_OK)
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
    }
    if (rd.pos != b->len) /* trailing bytes */
        return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);

    /* The SID is echoed from here on, whatever comes next: any length the frame carries, byte
     * for byte, from the bundle (wire contract section 8 point 1). It must still be text. */
    if (b->has[K_SID]) {
        const fcc_cbor_item_t *s = &b->head[K_SID];
        if (s->kind != FCC_CBOR_TEXT || !utf8_valid(s->ptr, s->len))
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, (const uint8_t *)"SID", 3);
        if (s->len > resp_size - FCC_RESPONSE_MIN) /* the caller's buffer cannot echo it */
            return fail_st(fcc, FCC_STATUS_BUNDLE_RESPONSE_ERROR, (const uint8_t *)"SID", 3);
        b->sid = s->ptr;
        fcc->sid_len = s->len;
        fcc->has_sid = true;
    }
    if (!b->has[K_SCHEME] || !fcc_cbor_eq(&b->head[K_SCHEME], "0.0.1"))
        return fail_st(fcc, FCC_STATUS_BUNDLE_INVALID_SCHEME, NULL, 0);
    return FCC_STATUS_SUCCESS;
}

/* A store holding damage that no factory reset or wipe accepted takes no bundle: status 4,
 * "Internal storage error:" and the first damaged item's name ("store" when the damage hides
 * which item it was). docs/bundle.md. */
static int check_store(fcc_t *fcc)
{
    kcm_damage_t d;
    kcm_status_t kst = kcm_store_check(fcc->kcm, &d);
    if (kst == KCM_OK)
        return FCC_STATUS_SUCCESS;
    if (kst != KCM_ERR_CORRUPTED)
        return fail_kcm(fcc, kst, NULL, 0);
    if (d.where.name_known && d.where.name_len > 0) {
        int st = fail_kcm(fcc, kst, d.where.name, d.where.name_len);
        /* the name lives in `d`, on this stack frame: the response takes the finding's copy of
         * it (a stored name is at most FCC_NAME_MAX bytes), not this pointer */
        fcc->out.error_name = NULL;
        fcc->out.error_name_len = 0;
        return st;
    }
    return fail_kcm(fcc, kst, (const uint8_t *)"store", 5);
}

/* Contract order: CBOR, scheme, then "refuse everything if factory-disabled". Read outside any
 * transaction (nothing is written); every later rule of the bundle comes after it. */
static int check_disabled(fcc_t *fcc)
{
    uint8_t flag[8];
    size_t len = 0;
    kcm_status_t kst;

    kst = kcm_internal_get(fcc->kcm, KCM_INTERNAL_FACTORY_DISABLED, flag, sizeof(flag), &len);
    mbedtls_platform_zeroize(flag, sizeof(flag));
    if (kst == KCM_OK)
        return fail_st(fcc, FCC_STATUS_FACTORY_DISABLED_ERROR, NULL, 0);
    if (kst != KCM_ERR_NOT_FOUND)
        return fail_kcm(fcc, kst, NULL, 0);
    return FCC_STATUS_SUCCESS;
}

/* A flag: absent -> dflt; CBOR unsigned 0 or 1; anything else is `code` (20, or 35 for
 * KpAlvSess: wire contract section 8 point 3) naming the flag. */
static int get_flag(fcc_t *fcc, const bundle_t *b, int k, bool dflt, bool *out)
{
    int code = k == K_KPALV ? FCC_STATUS_BUNDLE_INVALID_KEEP_ALIVE_SESSION_STATUS
                            : FCC_STATUS_BUNDLE_ERROR;
    *out = dflt;
    if (!b->has[k])
        return 0;
    if (b->head[k].kind != FCC_CBOR_UINT || b->head[k].value > 1)
        return fcc_bundle_fail(fcc, code, fcc_status_prefix(FCC_STATUS_BUNDLE_ERROR),
                               (const uint8_t *)top_names[k], strlen(top_names[k]));
    *out = b->head[k].value == 1;
    return 0;
}

/* Number of elements of the group array whose head was read at offset b->after[k] (the first
 * pass already checked its structure). */
static size_t group_count(const bundle_t *b, int k)
{
    fcc_cbor_reader_t rd;
    fcc_cbor_item_t el;
    size_t n = 0;
    if (!b->head[k].indefinite)
        return (size_t)b->head[k].value;
    fcc_cbor_reader_init(&rd, b->buf, b->len);
    rd.pos = b->after[k];
    while (!fcc_cbor_at_break(&rd) && fcc_cbor_next(&rd, &el) == FCC_CBOR_OK &&
           fcc_cbor_skip(&rd, &el, 3) == FCC_CBOR_OK)
        n++;
    return n;
}

static int check_top(fcc_t *fcc, bundle_t *b)
{
    int st, k;

    if (b->has_unknown)
        return fail_st(fcc, FCC_STATUS_BUNDLE_INVALID_GROUP, b->unknown, b->unknown_len);
    if ((st = get_flag(fcc, b, K_KPALV, false, &b->keep_alive)) != 0 ||
        (st = get_flag(fcc, b, K_VERIFY, true, &b->verify)) != 0 ||
        (st = get_flag(fcc, b, K_DISABLE, false, &b->disable)) != 0)
        return st;
    if (b->disable && b->keep_alive)
        return fail_st(fcc, FCC_STATUS_BUNDLE_INVALID_KEEP_ALIVE_SESSION_STATUS, NULL, 0);
    if (b->has[K_ENTROPY] && b->head[K_ENTROPY].kind != FCC_CBOR_BYTES)
        return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, (const uint8_t *)"Entropy", 7);
    if (b->has[K_ROT] && b->head[K_ROT].kind != FCC_CBOR_BYTES)
        return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, (const uint8_t *)"ROT", 3);
    for (k = K_KEYS; k <= K_CSRS; k++) {
        if (!b->has[k])
            continue;
        if (b->head[k].kind != FCC_CBOR_ARRAY)
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, (const uint8_t *)top_names[k],
                           strlen(top_names[k]));
        /* No per-group cap (section 8 point 7): the bytes and the store's room bound it. */
        b->count[k] = group_count(b, k);
    }
    if (b->has[K_CSRS]) {
        /* A CSR message carries a SID, Verify:0 and no Disable:1. */
        if (!b->has[K_SID] || !b->has[K_VERIFY] || b->verify || b->disable)
            return fail_st(fcc, FCC_STATUS_BUNDLE_ERROR, (const uint8_t *)"CsrReqs", 7);
        if (b->count[K_CSRS] > FCC_CSR_MAX)
            return fail_st(fcc, FCC_STATUS_TOO_MANY_CSR_REQUESTS, NULL, 0);
    }
    return FCC_STATUS_SUCCESS;
}

/* ---- item maps ----------------------------------------------------------------------------- */

typedef struct field {
    bool present;
    fcc_cbor_item_t v;
    size_t after; /* reader offset past the value's head */
} field_t;

/* Reads the pairs of a map whose head `m` was just read at level `depth`. Known fields fill f[]:
 * f[j] is the j-th of the nf NUL-separated names in `names` (a field array needs no other
 * initialisation); the first unknown field is noted in *unknown. Returns 0, or -1 when a key is
 * not text, a field repeats, or the structure is broken (the first pass makes that
 * unreachable). */
static int read_fields(fcc_cbor_reader_t *rd, const fcc_cbor_item_t *m, unsigned depth,
                       const char *names, field_t *f, size_t nf, bool *unknown)
{
    fcc_cbor_item_t key, val;
    uint64_t i;
    size_t j;
    const char *nm;

    *unknown = false;
    for (j = 0; j < nf; j++)
        f[j].present = false;
    for (i = 0; i < m->value; i++) {
        if (fcc_cbor_next(rd, &key) != FCC_CBOR_OK || key.kind != FCC_CBOR_TEXT ||
            fcc_cbor_next(rd, &val) != FCC_CBOR_OK)
            return -1;
        for (j = 0, nm = names; j < nf; j++, nm += strlen(nm) + 1)
            if (fcc_cbor_eq(&key, nm))
                break;
        if (j < nf) {
            if (f[j].present)
                return -1;
            f[j].present = true;
            f[j].v = val;
            f[j].after = rd->pos;
        } else {
            *unknown = true;
        }
        if (fcc_cbor_skip(rd, &val, depth + 1) != FCC_CBOR_OK)
            return -1;
    }
    return 0;
}

/* Opens the next element of a group array: it must be a map. Then reads its fields and checks
 * the mandatory Name (text), then that no other field is there (37 naming the item). On success
 * name and name_len point into the bundle. */
static int open_item(run_t *r, fcc_cbor_reader_t *rd, const char *names, field_t *f, size_t nf,
                     const uint8_t **name, size_t *name_len)
{
    fcc_cbor_item_t m;
    bool unknown = false;
    if (fcc_cbor_next(rd, &m) != FCC_CBOR_OK || m.kind != FCC_CBOR_MAP)
        return fail_st(r->fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
    if (read_fields(rd, &m, 3, names, f, nf, &unknown) != 0)
        return fail_st(r->fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
    /* f[0] is always Name. */
    if (!f[0].present || f[0].v.kind != FCC_CBOR_TEXT)
        return fail_st(r->fcc, FCC_STATUS_BUNDLE_ERROR, NULL, 0);
    *name = r->name = f[0].v.ptr;
    *name_len = r->name_len = f[0].v.len;
    if (unknown) /* Format where there is none, ACL or anything else */
        return fcc_bundle_fail(r->fcc, FCC_STATUS_NOT_SUPPORTED, NULL, r->name, r->name_len);
    return 0;
}

/* Failures naming the item being applied (r->name, set by open_item). */
static int item_fail(run_t *r, int code)
{
    return fcc_bundle_fail(r->fcc, code, NULL, r->name, r->name_len);
}

static int item_fail_kcm(run_t *r, kcm_status_t st)
{
    return fail_kcm(r->fcc, st, r->name, r->name_len);
}

/* Optional Format field: absent or text "der". */
static int check_format(run_t *r, const field_t *fmt)
{
    if (!fmt->present)
        return 0;
    if (fmt->v.kind != FCC_CBOR_TEXT)
        return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
    if (!fcc_cbor_eq(&fmt->v, "der"))
        return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
    return 0;
}

/* A reader positioned just past the head of a group's array. */
static void group_reader(const run_t *r, int k, fcc_cbor_reader_t *rd)
{
    fcc_cbor_reader_init(rd, r->b.buf, r->b.len);
    rd->pos = r->b.after[k];
}

/* True for the names of the device certificates, whose key the verification matches with the
 * device key (34); strict mode's algorithm rule leaves their key to that check. */
static bool is_device_cert(const uint8_t *name, size_t len)
{
    static const char *const names[] = {"mbed.BootstrapDeviceCert", "mbed.LwM2MDeviceCert"};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

/* Strict mode only (section 8 point 8): a certificate whose key is not P-256 or whose signature
 * is not ecdsa-with-SHA256 is 18 `Curve unsupported:<name>`. `device_leaf`: the key is the
 * device's, checked against the device key instead (34). */
static int strict_algs(run_t *r, const uint8_t *der, size_t len, bool device_leaf)
{
    if (!r->fcc->opts.strict || fcc_cert_algs_strict_ok(der, len, device_leaf) == 0)
        return 0;
    return item_fail_kcm(r, KCM_ERR_CURVE_UNSUPPORTED);
}

/* Checks a certificate against the device-generated private key named by PrKN. */
static int check_prkn(run_t *r, const field_t *prkn, const uint8_t *cert, size_t cert_len)
{
    int st;
    if (!prkn->present)
        return 0;
    if (prkn->v.kind != FCC_CBOR_TEXT)
        return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
    st = fcc_csr_match_key(r->fcc, cert, cert_len, prkn->v.ptr, prkn->v.len,
                           r->buf + r->resp.len, r->buf_size - r->resp.len);
    if (st == FCC_STATUS_SUCCESS)
        return 0;
    /* Contract: the certificate "must match, else 34"; a key that is not there cannot match.
     * The text names the missing key with the store's wording, as the reference does. */
    if (st == FCC_STATUS_ITEM_NOT_EXIST)
        return fcc_bundle_fail(r->fcc, FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR,
                               fcc_status_prefix(FCC_STATUS_ITEM_NOT_EXIST), prkn->v.ptr,
                               prkn->v.len);
    return item_fail(r, st);
}

static int do_keys(run_t *r)
{
    static const char names[] = "Name\0Type\0Format\0Data";
    field_t f[4];
    fcc_cbor_reader_t rd;
    uint64_t i;
    int st;

    group_reader(r, K_KEYS, &rd);
    for (i = 0; i < r->b.count[K_KEYS]; i++) {
        const uint8_t *name = NULL;
        size_t name_len = 0;
        kcm_item_type_t type;
        kcm_status_t kst;

        if ((st = open_item(r, &rd, names, f, 4, &name, &name_len)) != 0)
            return st;
        if (!f[1].present || f[1].v.kind != FCC_CBOR_TEXT)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        if (fcc_cbor_eq(&f[1].v, "ECCPrivate"))
            type = KCM_PRIVATE_KEY;
        else if (fcc_cbor_eq(&f[1].v, "ECCPublic"))
            type = KCM_PUBLIC_KEY;
        else
            return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
        if ((st = check_format(r, &f[2])) != 0)
            return st;
        if (!f[3].present || f[3].v.kind != FCC_CBOR_BYTES)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        kst = kcm_item_store(r->fcc->kcm, name, name_len, type, true, f[3].v.ptr, f[3].v.len);
        if (kst != KCM_OK)
            return item_fail_kcm(r, kst);
    }
    return 0;
}

static int do_certs(run_t *r)
{
    static const char names[] = "Name\0Format\0Data\0PrKN";
    field_t f[4];
    fcc_cbor_reader_t rd;
    uint64_t i;
    int st;

    group_reader(r, K_CERTS, &rd);
    for (i = 0; i < r->b.count[K_CERTS]; i++) {
        const uint8_t *name = NULL;
        size_t name_len = 0;
        kcm_status_t kst;

        if ((st = open_item(r, &rd, names, f, 4, &name, &name_len)) != 0)
            return st;
        if ((st = check_format(r, &f[1])) != 0)
            return st;
        if (!f[2].present || f[2].v.kind != FCC_CBOR_BYTES)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        kst = kcm_item_store(r->fcc->kcm, name, name_len, KCM_CERTIFICATE, true, f[2].v.ptr,
                             f[2].v.len);
        if (kst != KCM_OK)
            return item_fail_kcm(r, kst);
        if ((st = strict_algs(r, f[2].v.ptr, f[2].v.len,
                              f[3].present || is_device_cert(name, name_len))) != 0)
            return st;
        if ((st = check_prkn(r, &f[3], f[2].v.ptr, f[2].v.len)) != 0)
            return st;
    }
    return 0;
}

static int do_chains(run_t *r)
{
    static const char names[] = "Name\0Format\0DataArray\0PrKN";
    field_t f[4];
    fcc_cbor_reader_t rd;
    uint64_t i;
    int st;

    group_reader(r, K_CHAINS, &rd);
    for (i = 0; i < r->b.count[K_CHAINS]; i++) {
        const uint8_t *name = NULL, *leaf = NULL;
        size_t name_len = 0, leaf_len = 0, n, j;
        kcm_status_t kst;
        kcm_chain_t chain;
        fcc_cbor_reader_t ar;

        if ((st = open_item(r, &rd, names, f, 4, &name, &name_len)) != 0)
            return st;
        if ((st = check_format(r, &f[1])) != 0)
            return st;
        if (!f[2].present || f[2].v.kind != FCC_CBOR_ARRAY || f[2].v.indefinite)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        if (f[2].v.value < 1 || f[2].v.value > FCC_CHAIN_MAX)
            return item_fail_kcm(r, KCM_ERR_CHAIN_LENGTH);
        n = (size_t)f[2].v.value;
        /* Every element must be a byte string before anything is written. */
        fcc_cbor_reader_init(&ar, r->b.buf, r->b.len);
        ar.pos = f[2].after;
        for (j = 0; j < n; j++) {
            fcc_cbor_item_t c;
            if (fcc_cbor_next(&ar, &c) != FCC_CBOR_OK || c.kind != FCC_CBOR_BYTES)
                return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
            if (j == 0) {
                leaf = c.ptr;
                leaf_len = c.len;
            }
        }
        kst = kcm_chain_create(r->fcc->kcm, &chain, name, name_len, n, true);
        if (kst != KCM_OK)
            return item_fail_kcm(r, kst);
        ar.pos = f[2].after;
        for (j = 0; j < n && kst == KCM_OK; j++) {
            fcc_cbor_item_t c;
            (void)fcc_cbor_next(&ar, &c);
            kst = kcm_chain_add_next(&chain, c.ptr, c.len);
        }
        if (kst != KCM_OK) {
            (void)kcm_chain_close(&chain);
            return item_fail_kcm(r, kst);
        }
        /* After KCM's own checks (parse, links), so their texts come first. */
        ar.pos = f[2].after;
        for (j = 0; j < n; j++) {
            fcc_cbor_item_t c;
            (void)fcc_cbor_next(&ar, &c);
            if ((st = strict_algs(r, c.ptr, c.len,
                                  j == 0 && (f[3].present || is_device_cert(name, name_len)))) !=
                0) {
                (void)kcm_chain_close(&chain);
                return st;
            }
        }
        kst = kcm_chain_close(&chain);
        if (kst != KCM_OK)
            return item_fail_kcm(r, kst);
        if ((st = check_prkn(r, &f[3], leaf, leaf_len)) != 0)
            return st;
    }
    return 0;
}

/* The three parameters stored as exactly 4 bytes in the device's byte order. */
static bool is_u32_param(const uint8_t *name, size_t len)
{
    static const char *const names[] = {"mbed.UseBootstrap", "mbed.FirstToClaim",
                                        "mbed.MemoryTotalKB"};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
            return true;
    return false;
}

static int set_time(run_t *r, const field_t *data)
{
    fcc_t *fcc = r->fcc;
    if (r->time_seen) /* mbed.CurrentTime twice in one bundle */
        return item_fail_kcm(r, KCM_ERR_EXISTS);
    r->time_seen = true;
    if (data->v.kind != FCC_CBOR_UINT)
        return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
    if (data->v.value > (uint64_t)INT64_MAX)
        return item_fail(r, FCC_STATUS_WRONG_ITEM_DATA_SIZE);
    if (fcc->port.time_set == NULL)
        return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
    if (!r->time_changed) {
        r->old_time = fcc->port.time_get != NULL ? fcc->port.time_get(fcc->port.ctx) : 0;
        r->time_changed = true;
    }
    if (fcc->port.time_set(fcc->port.ctx, (int64_t)data->v.value) != 0)
        return item_fail(r, FCC_STATUS_ERROR);
    return 0;
}

static int do_params(run_t *r)
{
    static const char names[] = "Name\0Data";
    field_t f[2];
    fcc_cbor_reader_t rd;
    uint64_t i;
    int st;

    group_reader(r, K_PARAMS, &rd);
    for (i = 0; i < r->b.count[K_PARAMS]; i++) {
        const uint8_t *name = NULL, *data = NULL;
        size_t name_len = 0, len = 0;
        bool u32;
        uint8_t num[8];
        kcm_status_t kst;
        fcc_cbor_item_t v;

        if ((st = open_item(r, &rd, names, f, 2, &name, &name_len)) != 0)
            return st;
        if (!f[1].present)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        if (name_len == 16 && memcmp(name, "mbed.CurrentTime", 16) == 0) {
            if ((st = set_time(r, &f[1])) != 0)
                return st;
            continue;
        }
        u32 = is_u32_param(name, name_len);
        v = f[1].v;
        if (v.kind == FCC_CBOR_TAG) {
            fcc_cbor_reader_t tr;
            fcc_cbor_item_t b;
            fcc_cbor_reader_init(&tr, r->b.buf, r->b.len);
            tr.pos = f[1].after;
            if (v.value != 2 || fcc_cbor_next(&tr, &b) != FCC_CBOR_OK ||
                b.kind != FCC_CBOR_BYTES)
                return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
            if (u32) {
                /* An unsigned bignum: big-endian magnitude, leading zeros allowed. */
                size_t j;
                uint64_t x = 0;
                for (j = 0; j < b.len; j++) {
                    if (x > 0xffffffu)
                        return item_fail(r, FCC_STATUS_WRONG_ITEM_DATA_SIZE);
                    x = (x << 8) | b.ptr[j];
                }
                v.kind = FCC_CBOR_UINT;
                v.value = x;
            } else {
                v = b;
            }
        }
        switch (v.kind) {
        case FCC_CBOR_UINT:
            if (u32) {
                uint32_t x;
                if (v.value > 0xffffffffu)
                    return item_fail(r, FCC_STATUS_WRONG_ITEM_DATA_SIZE);
                x = (uint32_t)v.value;
                memcpy(num, &x, 4);
                len = 4;
            } else {
                memcpy(num, &v.value, 8);
                len = 8;
            }
            data = num;
            break;
        case FCC_CBOR_NEGINT:
            if (u32 || v.value > (uint64_t)INT64_MAX)
                return item_fail(r, FCC_STATUS_WRONG_ITEM_DATA_SIZE);
            {
                int64_t x = -1 - (int64_t)v.value;
                memcpy(num, &x, 8);
                len = 8;
            }
            data = num;
            break;
        case FCC_CBOR_BYTES:
        case FCC_CBOR_TEXT:
            if (u32 && v.len != 4)
                return item_fail(r, FCC_STATUS_WRONG_ITEM_DATA_SIZE);
            data = v.ptr;
            len = v.len;
            break;
        default:
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        }
        kst = kcm_item_store(r->fcc->kcm, name, name_len, KCM_CONFIG, true, data, len);
        if (kst != KCM_OK)
            return item_fail_kcm(r, kst);
    }
    return 0;
}

/* Reads the two fields `names` of the CSR request's map field `m` (Ext or SM): not a map is 20,
 * an unknown field 37. */
static int csr_map(run_t *r, const field_t *m, const char *names, field_t f[2])
{
    fcc_cbor_reader_t rd;
    bool unknown = false;
    if (m->v.kind != FCC_CBOR_MAP)
        return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
    fcc_cbor_reader_init(&rd, r->b.buf, r->b.len);
    rd.pos = m->after;
    if (read_fields(&rd, &m->v, 4, names, f, 2, &unknown) != 0)
        return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
    if (unknown)
        return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
    return 0;
}

/* Reads the optional Ext and SM maps of a CSR request into req. */
static int csr_ext(run_t *r, const field_t *ext, const field_t *sm, fcc_csr_req_t *req)
{
    field_t e[2], s[2];
    size_t j;
    int st;

    if (ext->present) {
        if ((st = csr_map(r, ext, "KU\0EKU", e)) != 0)
            return st;
        for (j = 0; j < 2; j++) {
            uint32_t all = j == 0 ? FCC_CSR_KU_ALL : FCC_CSR_EKU_ALL;
            if (!e[j].present)
                continue;
            if (e[j].v.kind != FCC_CBOR_UINT)
                return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
            if (e[j].v.value & ~(uint64_t)all)
                return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
            if (j == 0)
                req->ku = (uint32_t)e[j].v.value;
            else
                req->eku = (uint32_t)e[j].v.value;
        }
    }
    if (sm->present) {
        if ((st = csr_map(r, sm, "Prv\0Pub", s)) != 0)
            return st;
        for (j = 0; j < 2; j++) {
            if (!s[j].present)
                continue;
            if (s[j].v.kind != FCC_CBOR_TEXT)
                return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
            if (!fcc_cbor_eq(&s[j].v, "Device"))
                return item_fail(r, FCC_STATUS_NOT_SUPPORTED);
        }
        /* Section 8 point 5: the map names where the private key goes; {} or Pub alone is 20. */
        if (!s[0].present)
            return item_fail(r, FCC_STATUS_BUNDLE_ERROR);
        req->store_pub = s[1].present;
    }
    return 0;
}

static int do_csrs(run_t *r)
{
    static const char names[] = "PrKN\0Subj\0MD\0Ext\0SM";
    field_t f[5];
    fcc_cbor_reader_t rd;
    size_t n = r->b.count[K_CSRS], i;
    size_t full_cap = r->resp.cap;
    int st = 0;

    if (n == 0)
        return 0;
    /* The CSR section may not eat the room the rest of the response needs. */
    r->resp.cap = full_cap - FCC_RESPONSE_MIN;
    if (fcc_resp_csrs_begin(&r->resp, n) != 0) {
        st = fail_st(r->fcc, FCC_STATUS_BUNDLE_RESPONSE_ERROR, NULL, 0);
        goto done;
    }
    group_reader(r, K_CSRS, &rd);
    for (i = 0; i < n; i++) {
        fcc_csr_req_t req;
        const uint8_t *der;
        size_t der_len = 0;

        memset(&req, 0, sizeof(req));
        if ((st = open_item(r, &rd, names, f, 5, &req.name, &req.name_len)) != 0)
            goto done;
        if (!f[1].present || f[1].v.kind != FCC_CBOR_TEXT || !f[2].present ||
            f[2].v.kind != FCC_CBOR_UINT) {
            st = item_fail(r, FCC_STATUS_BUNDLE_ERROR);
            goto done;
        }
        if (f[2].v.value != 1) { /* only SHA-256 */
            st = item_fail(r, FCC_STATUS_NOT_SUPPORTED);
            goto done;
        }
        req.subj = f[1].v.ptr;
        req.subj_len = f[1].v.len;
        if ((st = csr_ext(r, &f[3], &f[4], &req)) != 0)
            goto done;
        st = fcc_csr_generate(r->fcc, &req, r->buf + r->resp.len, r->buf_size - r->resp.len,
                              &der, &der_len);
        if (st != 0)
            goto done;
        if (fcc_resp_csr_entry(&r->resp, req.name, req.name_len, der, der_len) != 0) {
            st = item_fail(r, FCC_STATUS_BUNDLE_RESPONSE_ERROR);
            goto done;
        }
    }
done:
    r->resp.cap = full_cap;
    return st;
}

/* On the last message of a session: records the bootstrap CA identifier when the bootstrap CA
 * certificate exists and no identifier is set yet. */
static int do_ca_id(run_t *r)
{
    static const char ca[] = "mbed.BootstrapServerCACert";
    uint8_t id[32], probe[64];
    uint8_t *work = r->buf + r->resp.len;
    size_t size = r->buf_size - r->resp.len, len = 0;
    kcm_status_t kst;
    int st = 0;

    kst = kcm_internal_get(r->fcc->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, probe, sizeof(probe), &len);
    if (kst == KCM_OK)
        return 0;
    if (kst != KCM_ERR_NOT_FOUND)
        return fail_kcm(r->fcc, kst, (const uint8_t *)ca, sizeof(ca) - 1);
    kst = kcm_item_get_data(r->fcc->kcm, (const uint8_t *)ca, sizeof(ca) - 1, KCM_CERTIFICATE,
                            work, size, &len);
    if (kst == KCM_ERR_NOT_FOUND)
        return 0;
    if (kst == KCM_ERR_INSUFFICIENT_BUFFER)
        return fail_st(r->fcc, FCC_STATUS_BUNDLE_RESPONSE_ERROR, (const uint8_t *)ca,
                       sizeof(ca) - 1);
    if (kst != KCM_OK)
        return fail_kcm(r->fcc, kst, (const uint8_t *)ca, sizeof(ca) - 1);
    if (fcc_ca_identifier(work, len, id) != 0) {
        st = fail_st(r->fcc, FCC_STATUS_CA_ERROR, (const uint8_t *)ca, sizeof(ca) - 1);
        goto cleanup;
    }
    kst = kcm_internal_set(r->fcc->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, id, sizeof(id));
    if (kst != KCM_OK)
        st = fail_st(r->fcc, FCC_STATUS_CA_ERROR, (const uint8_t *)ca, sizeof(ca) - 1);
cleanup:
    mbedtls_platform_zeroize(work, len < size ? len : size);
    return st;
}

/* Write-once entropy or root of trust from the bundle. Section 8 point 4: a wrong size is 3
 * `General error:<item>`, an item already set is `code` with the item named too. */
static int set_internal(run_t *r, int k, kcm_internal_t which, size_t size, int code,
                        const char *item)
{
    const fcc_cbor_item_t *v = &r->b.head[k];
    kcm_status_t kst;
    if (!r->b.has[k])
        return 0;
    if (v->len != size)
        return fcc_bundle_fail(r->fcc, FCC_STATUS_INVALID_PARAMETER,
                               fcc_status_prefix(FCC_STATUS_ERROR), (const uint8_t *)item,
                               strlen(item));
    kst = kcm_internal_set(r->fcc->kcm, which, v->ptr, v->len);
    if (kst == KCM_ERR_EXISTS)
        return fail_st(r->fcc, code, (const uint8_t *)item, strlen(item));
    if (kst != KCM_OK)
        return fail_kcm(r->fcc, kst, (const uint8_t *)item, strlen(item));
    return 0;
}

/* Applies the checked bundle inside the open transaction, in the contract's order. */
static int apply(run_t *r)
{
    kcm_status_t kst;
    int st;

    /* The disabled flag was looked at before (check_disabled), also before the write-once
     * entropy and root of trust, so that a disabled device answers 9 even to a bundle that
     * repeats them (nothing of the bundle is kept either way). */
    if ((st = set_internal(r, K_ENTROPY, KCM_INTERNAL_ENTROPY, ENTROPY_SIZE,
                           FCC_STATUS_ENTROPY_ERROR, "entropy")) != 0 ||
        (st = set_internal(r, K_ROT, KCM_INTERNAL_ROT, ROT_SIZE, FCC_STATUS_ROT_ERROR, "rot")) !=
            0)
        return st;
    if ((r->b.has[K_KEYS] && (st = do_keys(r)) != 0) ||
        (r->b.has[K_CERTS] && (st = do_certs(r)) != 0) ||
        (r->b.has[K_CHAINS] && (st = do_chains(r)) != 0) ||
        (r->b.has[K_PARAMS] && (st = do_params(r)) != 0) ||
        (r->b.has[K_CSRS] && (st = do_csrs(r)) != 0))
        return st;
    if (!r->b.keep_alive && (st = do_ca_id(r)) != 0)
        return st;
    if (r->b.verify) {
        st = fcc_verify_run(r->fcc);
        if (st != 0) {
            if (!r->fcc->out.has_error)
                (void)fcc_out_status(r->fcc, st, NULL, 0);
            return st;
        }
    }
    if (r->b.disable) {
        static const uint8_t one = 1;
        kst = kcm_internal_set(r->fcc->kcm, KCM_INTERNAL_FACTORY_DISABLED, &one, 1);
        if (kst != KCM_OK)
            return fail_kcm(r->fcc, kst, NULL, 0);
    }
    return 0;
}

fcc_status_t fcc_bundle_handler(fcc_t *fcc, const uint8_t *bundle, size_t bundle_len,
                                uint8_t *resp, size_t resp_size, size_t *resp_len,
                                bool *keep_alive)
{
    int status = FCC_STATUS_ERROR;
    run_t r;
    kcm_status_t kst;
    bool in_txn = false;

    if (resp_len != NULL)
        *resp_len = 0;
    if (keep_alive != NULL)
        *keep_alive = false;
    if (fcc == NULL || resp == NULL || resp_len == NULL)
        return FCC_STATUS_INVALID_PARAMETER;
    if (resp_size < FCC_RESPONSE_MIN)
        return FCC_STATUS_BUNDLE_RESPONSE_ERROR;

    memset(&r, 0, sizeof(r));
    r.fcc = fcc;
    r.buf = resp;
    r.buf_size = resp_size;
    r.b.buf = bundle;
    r.b.len = bundle != NULL ? bundle_len : 0;
    fcc_out_reset(fcc);
    fcc->has_sid = false;
    fcc->sid_len = 0;
    (void)fcc_resp_begin(&r.resp, resp, resp_size < FCC_RESPONSE_MAX ? resp_size
                                                                      : FCC_RESPONSE_MAX);

    if (!fcc->initialized || fcc->kcm == NULL) {
        status = fail_st(fcc, FCC_STATUS_NOT_INITIALIZED, NULL, 0);
        goto respond;
    }
    if ((status = parse_top(fcc, &r.b, resp_size)) != 0 || (status = check_store(fcc)) != 0 ||
        (status = check_disabled(fcc)) != 0 ||
        (status = check_top(fcc, &r.b)) != 0)
        goto respond;
    kst = kcm_txn_begin(fcc->kcm);
    if (kst != KCM_OK) {
        status = fail_kcm(fcc, kst, NULL, 0);
        goto respond;
    }
    in_txn = true;
    status = apply(&r);
    if (status == 0) {
        in_txn = false;
        kst = kcm_txn_commit(fcc->kcm);
        if (kst != KCM_OK)
            status = fail_kcm(fcc, kst, NULL, 0);
    }

respond:
    if (in_txn)
        (void)kcm_txn_abort(fcc->kcm);
    if (status != 0 && r.time_changed && fcc->port.time_set != NULL)
        (void)fcc->port.time_set(fcc->port.ctx, r.old_time);
    if (status != 0) {
        if (!fcc->out.has_error)
            (void)fcc_out_status(fcc, status, NULL, 0);
        fcc_resp_rewind(&r.resp);
    }
    fcc->out.status = status;
    /* The cap leaves room for the SID and an error's name echoed whole, as far as the caller's
     * buffer goes (a name too long for it is cut; the SID was checked against it). */
    {
        size_t cap = FCC_RESPONSE_MAX + fcc->sid_len + fcc->out.error_name_len;
        r.resp.cap = cap < resp_size ? cap : resp_size;
    }
    /* Scratch bytes past the response may hold key material or certificates. */
    if (fcc_resp_finish(&r.resp, &fcc->out, fcc->has_sid ? r.b.sid : NULL, fcc->sid_len) != 0) {
        mbedtls_platform_zeroize(resp, resp_size);
        return FCC_STATUS_BUNDLE_RESPONSE_ERROR;
    }
    if (r.resp.len < resp_size)
        mbedtls_platform_zeroize(resp + r.resp.len, resp_size - r.resp.len);
    *resp_len = r.resp.len;
    /* A failed bundle ends the session: the tool starts again from its first message. */
    if (keep_alive != NULL)
        *keep_alive = status == 0 && r.b.keep_alive;
    fcc->session_open = status == 0 && r.b.keep_alive;
    return (fcc_status_t)status;
}
