/* SPDX-License-Identifier: Apache-2.0 */
/* The cross builds' libcbor subset (tests/target/cbor) against Debian's libcbor on the host: the
 * same callbacks with the same arguments, the same status and byte count, for every one-byte head
 * followed by random bytes and for a million random inputs; and the same bytes from every head
 * encoder for values around each length boundary, with every buffer size. The subset is compiled
 * into this test with its functions renamed (fcc_subset_*), next to the real library. */
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
    printf("cbor subset vs libcbor: %ld decodes compared, %ld differences\n", runs, failures);
    return failures == 0 ? 0 : 1;
}
