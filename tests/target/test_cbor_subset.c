/* SPDX-License-Identifier: Apache-2.0 */
/* The cross builds' libcbor subset (tests/target/cbor) against Debian's libcbor on the host: the
 * same callbacks with the same arguments, the same status and byte count, for every one-byte head
 * followed by random bytes and for a million random inputs; and the same bytes from every head
 * encoder for values around each length boundary, with every buffer size. The item API the
 * board's bundle-vector runner reads responses with (cbor/cbor_items.c) is compared on every
 * bundle of tests/vectors/bundle, cut short and with bytes changed, and on short text strings
 * (UTF-8 checking): where the subset loads an
 * item, libcbor loads the same tree from the same bytes; where it refuses, libcbor refuses too or
 * the input holds what the subset leaves out (tags, floats, simple values, indefinite strings,
 * nesting deeper than 16). The subset is compiled into this test with its functions renamed
 * (fcc_subset_*), next to the real library. */
#include <cbor.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct cbor_decoder_result fcc_subset_stream_decode(cbor_data, size_t,
                                                    const struct cbor_callbacks *, void *);
size_t fcc_subset_encode_uint(uint64_t, unsigned char *, size_t);
size_t fcc_subset_encode_bytestring_start(size_t, unsigned char *, size_t);
size_t fcc_subset_encode_string_start(size_t, unsigned char *, size_t);
size_t fcc_subset_encode_array_start(size_t, unsigned char *, size_t);
size_t fcc_subset_encode_map_start(size_t, unsigned char *, size_t);
size_t fcc_subset_encode_indef_map_start(unsigned char *, size_t);
size_t fcc_subset_encode_break(unsigned char *, size_t);

/* The subset's item API (cbor/cbor.h), its item type opaque here. */
struct sub_pair {
    void *key;
    void *value;
};
struct sub_load_result {
    size_t read;
};
void *fcc_subset_load(cbor_data, size_t, struct sub_load_result *);
void fcc_subset_decref(void **);
bool fcc_subset_isa_uint(const void *);
bool fcc_subset_isa_bytestring(const void *);
bool fcc_subset_isa_string(const void *);
bool fcc_subset_isa_array(const void *);
bool fcc_subset_isa_map(const void *);
uint64_t fcc_subset_get_int(const void *);
size_t fcc_subset_bytestring_length(const void *);
unsigned char *fcc_subset_bytestring_handle(const void *);
size_t fcc_subset_string_length(const void *);
unsigned char *fcc_subset_string_handle(const void *);
size_t fcc_subset_array_size(const void *);
void **fcc_subset_array_handle(const void *);
size_t fcc_subset_map_size(const void *);
struct sub_pair *fcc_subset_map_handle(const void *);

/* The callbacks write what they saw into a log; both decoders must produce the same log. */
static char logbuf[512];
static void lg(const char *fmt, unsigned long long a, const void *p)
{
    size_t n = strlen(logbuf);
    snprintf(logbuf + n, sizeof(logbuf) - n, fmt, a, p);
}
static void u8(void *c, uint8_t v) { (void)c; lg("u8 %llu %p;", v, NULL); }
static void u16(void *c, uint16_t v) { (void)c; lg("u16 %llu %p;", v, NULL); }
static void u32(void *c, uint32_t v) { (void)c; lg("u32 %llu %p;", v, NULL); }
static void u64(void *c, uint64_t v) { (void)c; lg("u64 %llu %p;", v, NULL); }
static void n8(void *c, uint8_t v) { (void)c; lg("n8 %llu %p;", v, NULL); }
static void n16(void *c, uint16_t v) { (void)c; lg("n16 %llu %p;", v, NULL); }
static void n32(void *c, uint32_t v) { (void)c; lg("n32 %llu %p;", v, NULL); }
static void n64(void *c, uint64_t v) { (void)c; lg("n64 %llu %p;", v, NULL); }
static void bss(void *c) { (void)c; lg("bss %llu %p;", 0, NULL); }
static void bs(void *c, cbor_data p, size_t n) { (void)c; lg("bs %llu %p;", n, p); }
static void st(void *c, cbor_data p, size_t n) { (void)c; lg("st %llu %p;", n, p); }
static void sts(void *c) { (void)c; lg("sts %llu %p;", 0, NULL); }
static void ias(void *c) { (void)c; lg("ias %llu %p;", 0, NULL); }
static void as(void *c, size_t n) { (void)c; lg("as %llu %p;", n, NULL); }
static void ims(void *c) { (void)c; lg("ims %llu %p;", 0, NULL); }
static void ms(void *c, size_t n) { (void)c; lg("ms %llu %p;", n, NULL); }
static void tg(void *c, uint64_t v) { (void)c; lg("tag %llu %p;", v, NULL); }
static void fl(void *c, float f)
{
    uint32_t b;
    (void)c;
    memcpy(&b, &f, sizeof(b));
    lg("f %llu %p;", b, NULL);
}
static void db(void *c, double d)
{
    uint64_t b;
    (void)c;
    memcpy(&b, &d, sizeof(b));
    lg("d %llu %p;", b, NULL);
}
static void und(void *c) { (void)c; lg("und %llu %p;", 0, NULL); }
static void nul(void *c) { (void)c; lg("nul %llu %p;", 0, NULL); }
static void bo(void *c, bool b) { (void)c; lg("bool %llu %p;", b, NULL); }
static void brk(void *c) { (void)c; lg("brk %llu %p;", 0, NULL); }

static const struct cbor_callbacks cbs = {
    .uint8 = u8, .uint16 = u16, .uint32 = u32, .uint64 = u64,
    .negint8 = n8, .negint16 = n16, .negint32 = n32, .negint64 = n64,
    .byte_string_start = bss, .byte_string = bs, .string = st, .string_start = sts,
    .indef_array_start = ias, .array_start = as, .indef_map_start = ims, .map_start = ms,
    .tag = tg, .float2 = fl, .float4 = fl, .float8 = db,
    .undefined = und, .null = nul, .boolean = bo, .indef_break = brk,
};

static uint32_t rng = 2463534242u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static long failures;

static void compare(const unsigned char *buf, size_t n)
{
    char want[sizeof(logbuf)];
    struct cbor_decoder_result a, b;
    logbuf[0] = 0;
    a = cbor_stream_decode(buf, n, &cbs, NULL);
    memcpy(want, logbuf, sizeof(want));
    logbuf[0] = 0;
    b = fcc_subset_stream_decode(buf, n, &cbs, NULL);
    if (a.status != b.status || (a.status == CBOR_DECODER_FINISHED && a.read != b.read) ||
        strcmp(want, logbuf) != 0) {
        if (failures++ < 10)
            printf("decode differs on %zu bytes starting %02x: libcbor status %d read %zu [%s], "
                   "subset status %d read %zu [%s]\n",
                   n, n ? buf[0] : 0, (int)a.status, a.read, want, (int)b.status, b.read, logbuf);
    }
}

typedef size_t (*enc_t)(size_t, unsigned char *, size_t);

static void compare_enc(const char *name, enc_t real, enc_t sub, size_t v)
{
    unsigned char x[16], y[16];
    for (size_t cap = 0; cap <= 9; cap++) {
        memset(x, 0xAA, sizeof(x));
        memset(y, 0xAA, sizeof(y));
        size_t a = real(v, x, cap), b = sub(v, y, cap);
        if (a != b || memcmp(x, y, sizeof(x)) != 0) {
            if (failures++ < 10)
                printf("%s(%zu) into %zu bytes differs: libcbor %zu, subset %zu\n", name, v, cap,
                       a, b);
        }
    }
}

static size_t enc_uint(size_t v, unsigned char *b, size_t n) { return cbor_encode_uint(v, b, n); }
static size_t sub_uint(size_t v, unsigned char *b, size_t n) { return fcc_subset_encode_uint(v, b, n); }

/* Does libcbor's tree hold something the subset's cbor_load refuses? */
static bool beyond_subset(cbor_item_t *r, int depth)
{
    size_t i;
    if (depth > 16)
        return true;
    switch (cbor_typeof(r)) {
    case CBOR_TYPE_UINT:
    case CBOR_TYPE_NEGINT:
        return false;
    case CBOR_TYPE_BYTESTRING:
        return !cbor_bytestring_is_definite(r);
    case CBOR_TYPE_STRING:
        return !cbor_string_is_definite(r);
    case CBOR_TYPE_ARRAY:
        for (i = 0; i < cbor_array_size(r); i++)
            if (beyond_subset(cbor_array_handle(r)[i], depth + 1))
                return true;
        return false;
    case CBOR_TYPE_MAP:
        for (i = 0; i < cbor_map_size(r); i++)
            if (beyond_subset(cbor_map_handle(r)[i].key, depth + 1) ||
                beyond_subset(cbor_map_handle(r)[i].value, depth + 1))
                return true;
        return false;
    default: /* tags, floats, simple values */
        return true;
    }
}

/* The same tree: kinds, integers, string bytes, array elements and map pairs in order. */
static bool same_item(cbor_item_t *r, const void *s)
{
    size_t i, n;
    switch (cbor_typeof(r)) {
    case CBOR_TYPE_UINT:
        return fcc_subset_isa_uint(s) && fcc_subset_get_int(s) == cbor_get_int(r);
    case CBOR_TYPE_NEGINT: /* the subset has no cbor_isa_negint: none of the others */
        return !fcc_subset_isa_uint(s) && !fcc_subset_isa_bytestring(s) &&
               !fcc_subset_isa_string(s) && !fcc_subset_isa_array(s) && !fcc_subset_isa_map(s) &&
               fcc_subset_get_int(s) == cbor_get_int(r);
    case CBOR_TYPE_BYTESTRING:
        n = cbor_bytestring_length(r);
        return fcc_subset_isa_bytestring(s) && cbor_bytestring_is_definite(r) &&
               fcc_subset_bytestring_length(s) == n &&
               (n == 0 || memcmp(fcc_subset_bytestring_handle(s), cbor_bytestring_handle(r), n) == 0);
    case CBOR_TYPE_STRING:
        n = cbor_string_length(r);
        return fcc_subset_isa_string(s) && cbor_string_is_definite(r) &&
               fcc_subset_string_length(s) == n &&
               (n == 0 || memcmp(fcc_subset_string_handle(s), cbor_string_handle(r), n) == 0);
    case CBOR_TYPE_ARRAY:
        n = cbor_array_size(r);
        if (!fcc_subset_isa_array(s) || fcc_subset_array_size(s) != n)
            return false;
        for (i = 0; i < n; i++)
            if (!same_item(cbor_array_handle(r)[i], fcc_subset_array_handle(s)[i]))
                return false;
        return true;
    case CBOR_TYPE_MAP:
        n = cbor_map_size(r);
        if (!fcc_subset_isa_map(s) || fcc_subset_map_size(s) != n)
            return false;
        for (i = 0; i < n; i++)
            if (!same_item(cbor_map_handle(r)[i].key, fcc_subset_map_handle(s)[i].key) ||
                !same_item(cbor_map_handle(r)[i].value, fcc_subset_map_handle(s)[i].value))
                return false;
        return true;
    default:
        return false;
    }
}

static long loads, skipped;

/* Whether no array or map head of buf declares more than 65536 entries (no input here holds that
 * many). libcbor allocates a definite array or map for its declared size up front, so a changed
 * byte that declares billions of entries would have it allocate gigabytes before it finds the
 * data short; such inputs (a few of the changed bundles) are left out of the comparison. */
static size_t declared;
static void decl(void *c, size_t n) { (void)c; declared = n; }
static void nop(void *c) { (void)c; }
static void nop_u8(void *c, uint8_t v) { (void)c; (void)v; }
static void nop_u16(void *c, uint16_t v) { (void)c; (void)v; }
static void nop_u32(void *c, uint32_t v) { (void)c; (void)v; }
static void nop_u64(void *c, uint64_t v) { (void)c; (void)v; }
static void nop_str(void *c, cbor_data p, size_t n) { (void)c; (void)p; (void)n; }
static void nop_f(void *c, float f) { (void)c; (void)f; }
static void nop_d(void *c, double d) { (void)c; (void)d; }
static void nop_b(void *c, bool b) { (void)c; (void)b; }
static const struct cbor_callbacks sizes = {
    .uint8 = nop_u8, .uint16 = nop_u16, .uint32 = nop_u32, .uint64 = nop_u64,
    .negint8 = nop_u8, .negint16 = nop_u16, .negint32 = nop_u32, .negint64 = nop_u64,
    .byte_string_start = nop, .byte_string = nop_str, .string = nop_str, .string_start = nop,
    .indef_array_start = nop, .array_start = decl, .indef_map_start = nop, .map_start = decl,
    .tag = nop_u64, .float2 = nop_f, .float4 = nop_f, .float8 = nop_d,
    .undefined = nop, .null = nop, .boolean = nop_b, .indef_break = nop,
};
static bool sizes_plausible(const unsigned char *buf, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        struct cbor_decoder_result r;
        declared = 0;
        r = cbor_stream_decode(buf + pos, n - pos, &sizes, NULL);
        if (r.status != CBOR_DECODER_FINISHED)
            return true; /* malformed or short: libcbor stops here */
        pos += r.read;
        if (declared > 65536)
            return false;
    }
    return true;
}

static void compare_load(const char *what, const unsigned char *buf, size_t n)
{
    struct cbor_load_result rr;
    struct sub_load_result sr = {0};
    bool plausible = sizes_plausible(buf, n);
    cbor_item_t *r = plausible ? cbor_load(buf, n, &rr) : NULL;
    void *s = fcc_subset_load(buf, n, &sr);
    bool ok;
    loads++;
    if (!plausible) {
        memset(&rr, 0, sizeof(rr));
        ok = true;
        skipped++;
    } else if (s != NULL)
        ok = r != NULL && rr.read == sr.read && same_item(r, s);
    else
        ok = r == NULL || beyond_subset(r, 0);
    if (!ok && failures++ < 10)
        printf("cbor_load differs on %s (%zu bytes): libcbor %s read %zu error %d, subset %s "
               "read %zu\n", what, n, r ? "item" : "NULL", r ? rr.read : 0, (int)rr.error.code,
               s ? "item" : "NULL", sr.read);
    if (r != NULL)
        cbor_decref(&r);
    fcc_subset_decref(&s);
}

/* Every bundle of the bundle vectors (the `step` lines of cases.txt), whole, cut at 64 places and
 * with 64 single bytes changed. Returns the number of bundles. */
static long compare_bundles(void)
{
    static unsigned char buf[1 << 16], mut[1 << 16];
    static char line[65536], path[65536 + 256];
    long files = 0;
    FILE *m = fopen(FCC_SOURCE_DIR "/tests/vectors/bundle/cases.txt", "r");
    if (m == NULL) {
        printf("cannot open tests/vectors/bundle/cases.txt\n");
        failures++;
        return 0;
    }
    while (fgets(line, sizeof(line), m) != NULL) {
        FILE *f;
        size_t n, k;
        if (strncmp(line, "step ", 5) != 0)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(path, sizeof(path), FCC_SOURCE_DIR "/tests/vectors/bundle/%s", line + 5);
        f = fopen(path, "rb");
        if (f == NULL) {
            printf("cannot read %s\n", path);
            failures++;
            continue;
        }
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        files++;
        compare_load(line + 5, buf, n);
        for (k = 0; k < 64 && n > 0; k++)
            compare_load("a cut bundle", buf, rnd() % n);
        for (k = 0; k < 64 && n > 0; k++) {
            memcpy(mut, buf, n);
            mut[rnd() % n] = (unsigned char)rnd();
            compare_load("a changed bundle", mut, n);
        }
    }
    fclose(m);
    return files;
}

int main(void)
{
    unsigned char buf[16];
    long runs = 0;
    for (unsigned first = 0; first < 256; first++)
        for (int k = 0; k < 400; k++) {
            size_t n = 1 + rnd() % 12;
            buf[0] = (unsigned char)first;
            for (size_t i = 1; i < n; i++)
                buf[i] = (unsigned char)rnd();
            compare(buf, n);
            runs++;
        }
    for (long k = 0; k < 1000000; k++) {
        size_t n = rnd() % 13;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rnd();
        compare(buf, n);
        runs++;
    }
    static const uint64_t edges[] = {0, 1, 23, 24, 255, 256, 65535, 65536, 0xFFFFFFFFu};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        size_t v = (size_t)edges[i];
        compare_enc("cbor_encode_uint", enc_uint, sub_uint, v);
        compare_enc("cbor_encode_bytestring_start", cbor_encode_bytestring_start,
                    fcc_subset_encode_bytestring_start, v);
        compare_enc("cbor_encode_string_start", cbor_encode_string_start,
                    fcc_subset_encode_string_start, v);
        compare_enc("cbor_encode_array_start", cbor_encode_array_start,
                    fcc_subset_encode_array_start, v);
        compare_enc("cbor_encode_map_start", cbor_encode_map_start, fcc_subset_encode_map_start, v);
    }
    for (size_t cap = 0; cap <= 2; cap++) {
        unsigned char x[2] = {0, 0}, y[2] = {0, 0};
        if (cbor_encode_indef_map_start(x, cap) != fcc_subset_encode_indef_map_start(y, cap) ||
            cbor_encode_break(x + 1, cap) != fcc_subset_encode_break(y + 1, cap) ||
            memcmp(x, y, 2) != 0)
            failures++;
    }
    /* Text strings of every 1- and 2-byte content and random 3- and 4-byte ones: libcbor
     * refuses malformed UTF-8, so must the subset. */
    for (unsigned v = 0; v < 65536 + 256; v++) {
        unsigned char t[5];
        if (v < 256) {
            t[0] = 0x61;
            t[1] = (unsigned char)v;
            compare_load("a 1-byte text", t, 2);
        } else {
            t[0] = 0x62;
            t[1] = (unsigned char)((v - 256) >> 8);
            t[2] = (unsigned char)(v - 256);
            compare_load("a 2-byte text", t, 3);
        }
    }
    for (long k = 0; k < 400000; k++) {
        unsigned char t[5];
        size_t n = 3 + (size_t)(k & 1);
        uint32_t x = rnd();
        t[0] = (unsigned char)(0x60 + n);
        /* a lead byte from 0xE0..0xF7 half the time, so most inputs are near-valid */
        t[1] = (k & 2) ? (unsigned char)(0xE0 + (x & 0x17)) : (unsigned char)x;
        t[2] = (unsigned char)(0x80 + ((x >> 8) & 0x3F) + ((k & 4) ? 0x40 : 0));
        t[3] = (unsigned char)(0x80 + ((x >> 16) & 0x3F));
        t[4] = (unsigned char)(0x80 + ((x >> 24) & 0x3F));
        compare_load("a 3/4-byte text", t, n + 1);
    }
    long bundles = compare_bundles();
    printf("cbor subset vs libcbor: %ld decodes compared, %ld item loads on %ld bundles (%ld "
           "declaring huge arrays left out), %ld differences\n", runs, loads - skipped, bundles,
           skipped, failures);
    return failures == 0 && bundles > 0 ? 0 : 1;
}
