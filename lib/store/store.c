/* SPDX-License-Identifier: Apache-2.0 */
/* The storage engine: a log of checksummed records over a ring of flash segments, with
 * transactions that a commit record makes visible at once, garbage collection that copies the
 * live records of the oldest segment and always keeps one segment free, and a mount that finds
 * the last consistent state after a power cut at any instant. No heap: the state lives in fst_t
 * and the caller's work buffer. The on-flash format and the recovery rules are in docs/store.md.
 */
#include "fcc/store.h"

#include <string.h>
#include "fcc_endian.h"

/* ---- on-flash constants (docs/store.md) ---- */
#define SEG_MAGIC 0x4C545346u /* "FSTL" little-endian */
#define SEG_HDR_RAW 24u
#define REC_MAGIC 0x5Au
#define REC_HDR 16u
#define REC_CRC 4u
#define KIND_PUT 1u
#define KIND_DEL 2u
#define KIND_COMMIT 3u
#define KIND_GCEND 4u
#define KIND_ACK 5u   /* damage accepted by this transaction (format 2) */
#define KIND_DMG 0xFEu /* not on flash: a damaged region, as scan_next reports it */
#define FLAG_COPY 0x01u /* a collected copy of a committed record: valid without a commit */
#define NO_PREV 0xFFFFFFFFu
#define MAX_REC (REC_HDR + FST_NAME_MAX + FST_VALUE_MAX + REC_CRC)
#define SMALL_REC (REC_HDR + REC_CRC) /* commit and GC-end records */
#define READ_TRIES 3

/* fst_dmg_t.flags */
#define DF_KEY 0x01u       /* the damaged record's header is known (kind, type, name check, id) */
#define DF_NAME 0x02u      /* ... and its name */
#define DF_COMMITTED 0x04u /* ... and it belongs to a committed transaction (or is a copy) */
#define DF_ACK 0x08u       /* a committed accept record covers it */
#define DF_SEGHDR 0x10u    /* a segment header repaired from its check */
#define NO_FIX 0xFFFFu

#if !FCC_STORE_CRC_SMALL
static const uint32_t crc_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
    0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
    0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
    0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
    0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
    0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
    0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
    0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
    0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
    0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
    0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
    0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
    0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
    0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
    0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
    0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
    0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
    0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
    0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
    0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
    0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
    0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
    0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
    0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
    0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
    0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
    0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
    0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
    0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
    0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
    0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
    0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
    0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};
#else
/* The same CRC-32 (reflected, 0xEDB88320) a nibble at a time: 64 bytes instead of 1 KiB. */
static const uint32_t crc_table16[16] = {
    0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu, 0x76dc4190u, 0x6b6b51f4u,
    0x4db26158u, 0x5005713cu, 0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
    0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};
#endif

/* ---- small helpers ---- */

static uint32_t crc_update(uint32_t crc, const void *data, size_t n)
{
    const uint8_t *p = data;
    crc = ~crc;
#if FCC_STORE_CRC_SMALL
    while (n-- > 0) {
        crc ^= *p++;
        crc = crc_table16[crc & 0xFu] ^ (crc >> 4);
        crc = crc_table16[crc & 0xFu] ^ (crc >> 4);
    }
#else
    while (n-- > 0)
        crc = crc_table[(crc ^ *p++) & 0xFFu] ^ (crc >> 8);
#endif
    return ~crc;
}

static uint16_t crc16_of(const void *data, size_t n)
{
    return (uint16_t)(crc_update(0, data, n) & 0xFFFFu);
}

static uint32_t round_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* A record header as read from flash, plus where it sits. */
typedef struct rec {
    uint8_t raw[REC_HDR];
    uint8_t kind, type, nlen, flags;
    uint16_t dlen, ncrc;
    uint32_t id;
    uint32_t off; /* offset in its segment */
    uint32_t len; /* bytes on flash, check included */
} rec_t;

/* Where a version of a key lives. */
typedef struct loc {
    bool valid, del, damaged;
    uint32_t id, seq, off;
    uint32_t dlen;
} loc_t;

/* The versions of one key a log scan found: the committed winner, the last record of an
 * uncommitted transaction seen so far, the open transaction's own record, and how many records
 * of the key lie outside the segment `skip`. */
typedef struct look {
    loc_t best, pend, open;
    uint32_t outside;
    bool unk;                /* a damaged region of unknown key was seen, last at: */
    uint32_t unk_seq, unk_off;
} look_t;

typedef struct seghdr {
    uint32_t seq, tail_seq, prev_end, version;
} seghdr_t;

typedef struct scan {
    bool started;
    uint32_t seq, pos, off, end;
} scan_t;

static uint8_t *copy_buf(const fst_t *st)
{
    return st->work + st->stage_cap;
}

static uint32_t copy_cap(const fst_t *st)
{
    return (uint32_t)(st->work_size - st->stage_cap);
}

static uint32_t log_count(const fst_t *st)
{
    return st->head_seq - st->tail_seq + 1u;
}

static uint32_t pos_of(const fst_t *st, uint32_t seq)
{
    uint32_t back = (st->head_seq - seq) % st->seg_count;
    return (st->head_pos + st->seg_count - back) % st->seg_count;
}

static bool in_log(const fst_t *st, uint32_t seq)
{
    return st->head_seq - seq < log_count(st);
}

static int fail(fst_t *st)
{
    st->failed = true;
    return FST_ERR_IO;
}

/* ---- flash access within a segment ---- */

/* Reads n bytes at `off` of segment `pos` from flash only. */
static int raw_read(fst_t *st, uint32_t pos, uint32_t off, void *buf, uint32_t n)
{
    const fcc_flash_t *f = st->flash;
    uint8_t *p = buf;
    while (n > 0) {
        uint32_t block = pos * st->seg_blocks + off / f->block_size;
        uint32_t boff = off % f->block_size;
        uint32_t chunk = min_u32(n, f->block_size - boff);
        if (f->read(f, block, boff, p, chunk) != FCC_FLASH_OK)
            return FST_ERR_IO;
        p += chunk;
        off += chunk;
        n -= chunk;
    }
    return FST_OK;
}

/* Reads n bytes at `off` of segment `pos` as the log sees them: bytes staged in RAM for the head
 * segment but not programmed yet are taken from the staging buffer. */
static int log_read(fst_t *st, uint32_t pos, uint32_t off, void *buf, uint32_t n)
{
    int rc = raw_read(st, pos, off, buf, n);
    if (rc != FST_OK || pos != st->head_pos || st->head_off <= st->stage_off)
        return rc;
    uint32_t lo = off > st->stage_off ? off : st->stage_off;
    uint32_t hi = min_u32(off + n, st->head_off);
    if (lo < hi)
        memcpy((uint8_t *)buf + (lo - off), st->work + (lo - st->stage_off), hi - lo);
    return FST_OK;
}

static int seg_prog(fst_t *st, uint32_t pos, uint32_t off, const uint8_t *buf, uint32_t n)
{
    const fcc_flash_t *f = st->flash;
    while (n > 0) {
        uint32_t block = pos * st->seg_blocks + off / f->block_size;
        uint32_t boff = off % f->block_size;
        uint32_t chunk = min_u32(n, f->block_size - boff);
        if (f->prog(f, block, boff, buf, chunk) != FCC_FLASH_OK)
            return fail(st);
        buf += chunk;
        off += chunk;
        n -= chunk;
    }
    return FST_OK;
}

static int flash_sync(fst_t *st)
{
    if (st->flash->sync(st->flash) != FCC_FLASH_OK)
        return fail(st);
    return FST_OK;
}

/* ---- segment headers ---- */

static bool version_known(uint32_t v)
{
    return v == 1u || v == FST_FORMAT_VERSION;
}

/* Checks a raw segment header. Returns 1 (ours, *h filled), 0 (no header of this geometry) or
 * FST_ERR_VERSION (a valid header of a format this build cannot read). */
static int seghdr_parse(const fst_t *st, const uint8_t *b, seghdr_t *h)
{
    if (fcc_get_le32(b) != SEG_MAGIC || crc_update(0, b, 20) != fcc_get_le32(b + 20))
        return 0;
    if (!version_known(fcc_get_le16(b + 4)))
        return FST_ERR_VERSION;
    if (fcc_get_le16(b + 6) != st->seg_blocks)
        return 0;
    h->version = fcc_get_le16(b + 4);
    h->seq = fcc_get_le32(b + 8);
    h->tail_seq = fcc_get_le32(b + 12);
    h->prev_end = fcc_get_le32(b + 16);
    return 1;
}

/* Reads the header of segment `pos`. Returns 1 (valid, *h filled), 0 (not a segment header),
 * FST_ERR_VERSION (a store header of another format version) or FST_ERR_IO. With `repair`, a
 * header that is one bit away from a valid one (the CRC-32 over 20 bytes corrects one bit and
 * cannot mistake two flips for one) is taken repaired. */
static int seghdr_read_ex(fst_t *st, uint32_t pos, seghdr_t *h, bool repair)
{
    uint8_t b[SEG_HDR_RAW];
    /* The magic never starts with 0xFF: an erased segment shows in its first byte. */
    if (raw_read(st, pos, 0, b, 1) != FST_OK)
        return FST_ERR_IO;
    if (b[0] == 0xFF && !repair)
        return 0;
    for (int tries = 0; tries < READ_TRIES; tries++) {
        if (raw_read(st, pos, 0, b, sizeof(b)) != FST_OK)
            return FST_ERR_IO;
        int rc = seghdr_parse(st, b, h);
        if (rc != 0)
            return rc;
    }
    if (repair) {
        for (uint32_t bit = 0; bit < 8u * SEG_HDR_RAW; bit++) {
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            int rc = seghdr_parse(st, b, h);
            b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (rc == 1)
                return 1;
        }
        return 0;
    }
    /* A version we cannot read keeps its magic and version where ours are (a newer one, so a
     * higher number; a torn program leaves 0xFF bytes, never a high byte of 0). */
    uint32_t v = fcc_get_le16(b + 4);
    if (fcc_get_le32(b) == SEG_MAGIC && v > FST_FORMAT_VERSION && v < 0x100u) {
        seghdr_t tmp;
        if (seghdr_read_ex(st, pos, &tmp, true) == 1)
            return 0; /* one flipped bit in one of ours, not another version */
        return FST_ERR_VERSION;
    }
    return 0;
}

static int seghdr_read(fst_t *st, uint32_t pos, seghdr_t *h)
{
    return seghdr_read_ex(st, pos, h, false);
}

/* Index of the damaged region starting at `off` of segment `seq`, or -1. */
static int dmg_at(const fst_t *st, uint32_t seq, uint32_t off)
{
    for (uint32_t i = 0; i < st->dmg_count; i++)
        if (st->dmg[i].seq == seq && st->dmg[i].off == off && !(st->dmg[i].flags & DF_SEGHDR))
            return (int)i;
    return -1;
}

static bool dmg_hdr(const fst_t *st, uint32_t seq)
{
    for (uint32_t i = 0; i < st->dmg_count; i++)
        if (st->dmg[i].seq == seq && (st->dmg[i].flags & DF_SEGHDR))
            return true;
    return false;
}

/* True while damage that no committed accept record covers blocks writes. */
static bool dmg_blocks(const fst_t *st)
{
    if (st->dmg_late)
        return true;
    for (uint32_t i = 0; i < st->dmg_count; i++)
        if (!(st->dmg[i].flags & DF_ACK))
            return true;
    return false;
}

/* Damage that counts for readers: not accepted, and not while a transaction accepts it. */
static bool dmg_counts(const fst_t *st, const fst_dmg_t *d)
{
    return !(d->flags & (DF_ACK | DF_SEGHDR)) && !st->txn_accept;
}

/* End of the records of segment `seq` (in the log): head_off for the head, else the prev_end
 * the next segment's header recorded. */
static int seg_end(fst_t *st, uint32_t seq, uint32_t *end)
{
    if (seq == st->head_seq) {
        *end = st->head_off;
        return FST_OK;
    }
    seghdr_t h;
    int rc = seghdr_read_ex(st, pos_of(st, seq + 1), &h, dmg_hdr(st, seq + 1));
    if (rc < 0 && rc != FST_ERR_VERSION)
        return rc;
    *end = st->hdr_size;
    if (rc == 1 && h.prev_end >= st->hdr_size && h.prev_end <= st->seg_size)
        *end = h.prev_end;
    return FST_OK;
}

/* ---- records ---- */

static void rec_parse(rec_t *r, uint32_t off)
{
    r->kind = r->raw[1];
    r->type = r->raw[2];
    r->nlen = r->raw[3];
    r->dlen = fcc_get_le16(r->raw + 4);
    r->ncrc = fcc_get_le16(r->raw + 6);
    r->id = fcc_get_le32(r->raw + 8);
    r->flags = r->raw[12];
    r->off = off;
    r->len = REC_HDR + r->nlen + r->dlen + REC_CRC;
}

static bool rec_sane(rec_t *r)
{
    rec_parse(r, r->off);
    if (r->raw[0] != REC_MAGIC || r->nlen > FST_NAME_MAX || r->dlen > FST_VALUE_MAX)
        return false;
    if (crc16_of(r->raw, 14) != fcc_get_le16(r->raw + 14))
        return false;
    switch (r->kind) {
    case KIND_PUT:
        return true;
    case KIND_DEL:
        return r->dlen == 0;
    case KIND_COMMIT:
    case KIND_GCEND:
    case KIND_ACK:
        return r->nlen == 0 && r->dlen == 0;
    default:
        return false;
    }
}

/* Reads the header of the record at or after `off` (padding skipped) in segment `pos`, whose
 * records end at `end`. Returns 1 (*r filled), 0 (no more records; r->off is where the walk
 * stopped: `end` or beyond at a clean end, before it where something unreadable lies) or
 * FST_ERR_IO. */
static int rec_head(fst_t *st, uint32_t pos, uint32_t off, uint32_t end, rec_t *r)
{
    uint32_t prog = st->flash->prog_size;
    for (;;) {
        r->off = off;
        if (off >= end)
            return 0;
        uint32_t n = min_u32(REC_HDR, end - off);
        memset(r->raw, 0xFF, sizeof(r->raw));
        if (log_read(st, pos, off, r->raw, n) != FST_OK)
            return FST_ERR_IO;
        if (r->raw[0] == 0xFF) {
            /* Padding to the program unit after a flush; at a unit boundary, the end. */
            if (off % prog == 0)
                return 0;
            off = round_up(off, prog);
            continue;
        }
        if (n < REC_HDR)
            return 0;
        r->off = off;
        for (int tries = 1; !rec_sane(r) && tries < READ_TRIES; tries++)
            if (log_read(st, pos, off, r->raw, n) != FST_OK)
                return FST_ERR_IO;
        if (!rec_sane(r)) {
            r->off = off;
            return 0;
        }
        rec_parse(r, off);
        if (r->len > end - off)
            return 0;
        return 1;
    }
}

/* Continues `crc` over n bytes at `off` of segment `pos`, then compares it with the stored
 * check that follows them. Returns 1 (match), 0 or FST_ERR_IO. Uses the copy buffer. */
static int crc_tail(fst_t *st, uint32_t pos, uint32_t off, uint32_t n, uint32_t crc)
{
    uint8_t *buf = copy_buf(st);
    while (n > 0) {
        uint32_t chunk = min_u32(n, copy_cap(st));
        if (log_read(st, pos, off, buf, chunk) != FST_OK)
            return FST_ERR_IO;
        crc = crc_update(crc, buf, chunk);
        off += chunk;
        n -= chunk;
    }
    uint8_t c[REC_CRC];
    if (log_read(st, pos, off, c, REC_CRC) != FST_OK)
        return FST_ERR_IO;
    return fcc_get_le32(c) == crc ? 1 : 0;
}

/* Checks the whole record against its CRC (re-reading on a mismatch). Returns 1 (good),
 * 0 (bad) or FST_ERR_IO. Uses the copy buffer. */
static int rec_verify(fst_t *st, uint32_t pos, const rec_t *r)
{
    for (int tries = 0; tries < READ_TRIES; tries++) {
        int ok = crc_tail(st, pos, r->off + REC_HDR, r->nlen + r->dlen, crc_update(0, r->raw, 12));
        if (ok != 0)
            return ok;
    }
    return 0;
}

/* Reads the name of record r into name[FST_NAME_MAX], checked against its name check. Returns
 * 1, 0 (unreadable) or FST_ERR_IO. */
static int rec_name(fst_t *st, uint32_t pos, const rec_t *r, uint8_t *name)
{
    for (int tries = 0; tries < READ_TRIES; tries++) {
        if (log_read(st, pos, r->off + REC_HDR, name, r->nlen) != FST_OK)
            return FST_ERR_IO;
        if (crc16_of(name, r->nlen) == r->ncrc)
            return 1;
    }
    return 0;
}

/* ---- walking the log ---- */

static int scan_at(fst_t *st, scan_t *sc, uint32_t seq, uint32_t off)
{
    sc->started = true;
    sc->seq = seq;
    sc->pos = pos_of(st, seq);
    sc->off = off;
    return seg_end(st, seq, &sc->end);
}

/* Next record of the log, oldest first. Returns 1 (*r filled, sc->pos is its segment), 0 (end
 * of the log) or FST_ERR_IO. */
static int scan_next(fst_t *st, scan_t *sc, rec_t *r)
{
    int rc;
    if (!sc->started && (rc = scan_at(st, sc, st->tail_seq, st->hdr_size)) != FST_OK)
        return rc;
    for (;;) {
        int d = st->dmg_count > 0 ? dmg_at(st, sc->seq, sc->off) : -1;
        if (d >= 0) {
            /* a damaged region the mount found: reported as such, then skipped */
            memset(r, 0, sizeof(*r));
            r->kind = KIND_DMG;
            r->id = (uint32_t)d;
            r->off = sc->off;
            r->len = st->dmg[d].end - sc->off;
            sc->off = st->dmg[d].end;
            return 1;
        }
        rc = rec_head(st, sc->pos, sc->off, sc->end, r);
        if (rc != 0) {
            if (rc == 1)
                sc->off = r->off + r->len;
            return rc;
        }
        if (sc->seq == st->head_seq)
            return 0;
        if ((rc = scan_at(st, sc, sc->seq + 1, st->hdr_size)) != FST_OK)
            return rc;
    }
}

static void take_committed(look_t *lk, const loc_t *l)
{
    if (!lk->best.valid || l->id >= lk->best.id)
        lk->best = *l;
}

/* A key looked for by a log scan, with what the scan found. The name is in RAM, or (name NULL)
 * read when needed from the record at `off` of segment `home` (collection batches). */
typedef struct key {
    const uint8_t *name;
    uint32_t home, off;
    uint8_t type, nlen;
    uint16_t ncrc;
    look_t lk;
} key_t;

/* Keys collection examines per log scan: each scan costs the whole log's headers, so a batch
 * divides the cost of collecting a segment by this much (about 100 bytes of stack each). */
#define GC_BATCH 8

/* Reads a name of `nlen` bytes at `off` of segment `pos` and checks it against `ncrc`. Returns
 * 1, 0 (unreadable) or FST_ERR_IO. */
static int name_at(fst_t *st, uint32_t pos, uint32_t off, uint32_t nlen, uint16_t ncrc,
                   uint8_t *name)
{
    for (int tries = 0; tries < READ_TRIES; tries++) {
        if (log_read(st, pos, off + REC_HDR, name, nlen) != FST_OK)
            return FST_ERR_IO;
        if (crc16_of(name, nlen) == ncrc)
            return 1;
    }
    return 0;
}

static void keys_commit(key_t *keys, uint32_t nkeys, uint32_t id)
{
    for (uint32_t i = 0; i < nkeys; i++) {
        look_t *lk = &keys[i].lk;
        if (lk->pend.valid && lk->pend.id == id)
            take_committed(lk, &lk->pend);
        if (lk->pend.valid && lk->pend.id <= id)
            lk->pend.valid = false;
    }
}

static int dmg_name(fst_t *st, const fst_dmg_t *d, uint8_t *name);

/* A damaged region met by a lookup scan: a damaged commit still commits; a damaged put or
 * delete is a version of its key that reads as damaged; a region of unknown content may hold a
 * version of any key. */
static int keys_damage(fst_t *st, key_t *keys, uint32_t nkeys, const rec_t *r, uint32_t seq,
                       uint8_t *buf)
{
    const fst_dmg_t *d = &st->dmg[r->id];
    if ((d->flags & DF_KEY) && d->kind == KIND_COMMIT) {
        keys_commit(keys, nkeys, d->id); /* accepted or not, a damaged commit commits */
        return FST_OK;
    }
    if (!dmg_counts(st, d))
        return FST_OK;
    if (!(d->flags & DF_KEY)) {
        for (uint32_t i = 0; i < nkeys; i++) {
            keys[i].lk.unk = true;
            keys[i].lk.unk_seq = seq;
            keys[i].lk.unk_off = r->off;
        }
        return FST_OK;
    }
    if (d->kind != KIND_PUT && d->kind != KIND_DEL)
        return FST_OK;
    int have = -1;
    for (uint32_t i = 0; i < nkeys; i++) {
        key_t *k = &keys[i];
        if (d->type != k->type || d->nlen != k->nlen || d->ncrc != k->ncrc)
            continue;
        if ((d->flags & DF_NAME) && k->name != NULL) {
            if (have < 0 && (have = dmg_name(st, d, buf)) < 0)
                return have;
            if (have == 1 && memcmp(buf, k->name, k->nlen) != 0)
                continue;
        }
        loc_t l = {true, d->kind == KIND_DEL, true, d->id, seq, r->off, 0};
        if (d->flags & DF_COMMITTED)
            take_committed(&k->lk, &l);
        else
            k->lk.pend = l;
    }
    return FST_OK;
}

/* Finds every version of each key in one scan of the log. `skip` names a segment whose records
 * do not count in lk.outside (or any sequence outside the log). Returns FST_OK or FST_ERR_IO. */
static int lookup_keys(fst_t *st, key_t *keys, uint32_t nkeys, uint32_t skip)
{
    for (uint32_t i = 0; i < nkeys; i++)
        memset(&keys[i].lk, 0, sizeof(keys[i].lk));
    uint8_t buf[FST_NAME_MAX], kbuf[FST_NAME_MAX];
    scan_t sc = {0};
    rec_t r;
    int rc;
    while ((rc = scan_next(st, &sc, &r)) == 1) {
        if (r.kind == KIND_COMMIT) {
            keys_commit(keys, nkeys, r.id);
            continue;
        }
        if (r.kind == KIND_DMG) {
            if ((rc = keys_damage(st, keys, nkeys, &r, sc.seq, buf)) != FST_OK)
                return rc;
            continue;
        }
        if (r.kind != KIND_PUT && r.kind != KIND_DEL)
            continue;
        int have = -1; /* the record's name: not read yet */
        for (uint32_t i = 0; i < nkeys; i++) {
            key_t *k = &keys[i];
            if (r.type != k->type || r.nlen != k->nlen || r.ncrc != k->ncrc)
                continue;
            if (have < 0 && (have = rec_name(st, sc.pos, &r, buf)) < 0)
                return have;
            if (have == 0)
                break;
            const uint8_t *kname = k->name;
            if (kname == NULL) {
                int kr = name_at(st, pos_of(st, k->home), k->off, k->nlen, k->ncrc, kbuf);
                if (kr < 0)
                    return kr;
                if (kr == 0)
                    continue;
                kname = kbuf;
            }
            if (memcmp(buf, kname, k->nlen) != 0)
                continue;
            look_t *lk = &k->lk;
            if (sc.seq != skip)
                lk->outside++;
            loc_t l = {true, r.kind == KIND_DEL, false, r.id, sc.seq, r.off, r.dlen};
            if (r.flags & FLAG_COPY)
                take_committed(lk, &l);
            else if (st->txn_open && r.id == st->txn_id)
                lk->open = l;
            else
                lk->pend = l;
        }
    }
    return rc < 0 ? rc : FST_OK;
}

/* Finds every version of (type, name) in the log. */
static int lookup(fst_t *st, uint8_t type, const uint8_t *name, size_t nlen, look_t *lk)
{
    key_t k;
    k.name = name;
    k.home = k.off = 0;
    k.type = type;
    k.nlen = (uint8_t)nlen;
    k.ncrc = crc16_of(name, nlen);
    int rc = lookup_keys(st, &k, 1, st->head_seq + 1);
    *lk = k.lk;
    return rc;
}

/* True when the position (seq_a, off_a) comes after (seq_b, off_b) in the log. */
static bool log_after(const fst_t *st, uint32_t seq_a, uint32_t off_a, uint32_t seq_b,
                      uint32_t off_b)
{
    uint32_t da = st->head_seq - seq_a, db = st->head_seq - seq_b;
    return da != db ? da < db : off_a > off_b;
}

/* True when the committed state of a key is unknown because of damage: its winning version is
 * damaged, or a region of unknown content lies after it (or the key has no version at all). */
static bool look_damaged(const fst_t *st, const look_t *lk)
{
    if (lk->best.valid && lk->best.damaged)
        return true;
    if (lk->unk && (!lk->best.valid ||
                    log_after(st, lk->unk_seq, lk->unk_off, lk->best.seq, lk->best.off)))
        return true;
    return false;
}

/* The version a reader sees: the open transaction's own, else the committed one. */
static const loc_t *look_view(const fst_t *st, const look_t *lk)
{
    if (st->txn_open && lk->open.valid)
        return &lk->open;
    return &lk->best;
}

/* ---- appending ---- */

/* Programs the staged bytes with 0xFF padding up to the program unit. */
static int stage_flush(fst_t *st)
{
    uint32_t staged = st->head_off - st->stage_off;
    if (staged == 0)
        return FST_OK;
    uint32_t padded = round_up(staged, st->flash->prog_size);
    memset(st->work + staged, 0xFF, padded - staged);
    int rc = seg_prog(st, st->head_pos, st->stage_off, st->work, padded);
    if (rc != FST_OK)
        return rc;
    st->stage_off += padded;
    st->head_off = st->stage_off;
    return FST_OK;
}

/* Appends bytes to the head segment through the staging buffer (programmed a full buffer at a
 * time). The caller made sure they fit. */
static int stage_put(fst_t *st, const void *data, uint32_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        uint32_t staged = st->head_off - st->stage_off;
        uint32_t chunk = min_u32(n, st->stage_cap - staged);
        memcpy(st->work + staged, p, chunk);
        st->head_off += chunk;
        p += chunk;
        n -= chunk;
        if (st->head_off - st->stage_off == st->stage_cap) {
            int rc = seg_prog(st, st->head_pos, st->stage_off, st->work, st->stage_cap);
            if (rc != FST_OK)
                return rc;
            st->stage_off = st->head_off;
        }
    }
    return FST_OK;
}

/* Erases the segment after the head and writes its header: it becomes the head. The old head
 * must be flushed; its end goes into the new header (`prev_end`). */
static int seg_open(fst_t *st, uint32_t prev_end)
{
    uint32_t pos = (st->head_pos + 1) % st->seg_count;
    uint32_t seq = st->head_seq + 1;
    for (uint32_t b = 0; b < st->seg_blocks; b++)
        if (st->flash->erase(st->flash, pos * st->seg_blocks + b) != FCC_FLASH_OK)
            return fail(st);
    uint8_t *h = st->work;
    memset(h, 0xFF, st->hdr_size);
    fcc_put_le32(h, SEG_MAGIC);
    fcc_put_le16(h + 4, FST_FORMAT_VERSION);
    fcc_put_le16(h + 6, st->seg_blocks);
    fcc_put_le32(h + 8, seq);
    fcc_put_le32(h + 12, st->tail_seq);
    fcc_put_le32(h + 16, prev_end);
    fcc_put_le32(h + 20, crc_update(0, h, 20));
    int rc = seg_prog(st, pos, 0, h, st->hdr_size);
    if (rc != FST_OK)
        return rc;
    st->head_pos = pos;
    st->head_seq = seq;
    st->head_off = st->hdr_size;
    st->stage_off = st->hdr_size;
    st->head_closed = false;
    st->head_checked = true;
    return FST_OK;
}

/* After a mount, the space after the last valid record of the head segment may hold the torn
 * remains of an interrupted write. Appending resumes there only if every byte an interrupted
 * write could have reached is still 0xFF; otherwise the head segment is closed (its end fenced
 * by the next segment's prev_end) and writing moves on to a new segment. */
static int head_check(fst_t *st)
{
    if (st->head_checked || st->head_closed)
        return FST_OK;
    uint32_t prog = st->flash->prog_size;
    uint32_t from = st->head_off;
    uint32_t to = min_u32(st->seg_size, from + MAX_REC + st->stage_cap + prog);
    uint8_t *buf = copy_buf(st);
    bool clean = true;
    while (from < to && clean) {
        uint32_t chunk = min_u32(to - from, copy_cap(st));
        if (raw_read(st, st->head_pos, from, buf, chunk) != FST_OK)
            return fail(st);
        for (uint32_t i = 0; i < chunk; i++)
            if (buf[i] != 0xFF) {
                clean = false;
                break;
            }
        from += chunk;
    }
    if (clean) {
        st->head_off = round_up(st->head_off, prog);
        st->stage_off = st->head_off;
    } else {
        st->head_closed = true;
    }
    st->head_checked = true;
    return FST_OK;
}

static int gc_collect(fst_t *st);

/* The first write after mounting a store that holds format 1 segments moves it to format 2:
 * the head is closed and every format 1 segment collected (each collection is power-safe and
 * writes its copies into a new format 2 segment). */
static int migrate(fst_t *st)
{
    int rc = stage_flush(st);
    if (rc != FST_OK)
        return rc;
    st->head_closed = true;
    while (st->has_v1) {
        if ((int32_t)(st->v1_seq - st->tail_seq) < 0) {
            st->has_v1 = false;
            break;
        }
        if ((rc = gc_collect(st)) != FST_OK)
            return rc;
    }
    return FST_OK;
}

/* Makes room for a record of `len` bytes in the head segment, opening segments and collecting
 * as needed. `small` records (commit) may use the reserve at the segment's end. Returns FST_OK,
 * FST_ERR_NOSPC (live data leaves no room) or FST_ERR_IO. */
static int ensure_room(fst_t *st, uint32_t len, bool small)
{
    int rc = head_check(st);
    if (rc == FST_OK && st->has_v1)
        rc = migrate(st);
    if (rc != FST_OK)
        return rc;
    uint32_t limit = small ? st->seg_size : st->seg_size - st->reserve;
    uint32_t rounds = 0;
    while (st->head_closed || st->head_off + len > limit) {
        if ((rc = stage_flush(st)) != FST_OK)
            return rc;
        st->head_closed = true;
        if (st->seg_count - log_count(st) >= 2) {
            rc = seg_open(st, st->head_off);
        } else {
            if (rounds++ >= st->seg_count)
                return FST_ERR_NOSPC;
            rc = gc_collect(st);
        }
        if (rc != FST_OK)
            return rc;
    }
    return FST_OK;
}

static void rec_build(uint8_t *h, uint8_t kind, uint8_t type, const uint8_t *name, uint32_t nlen,
                      uint32_t dlen, uint32_t id)
{
    h[0] = REC_MAGIC;
    h[1] = kind;
    h[2] = type;
    h[3] = (uint8_t)nlen;
    fcc_put_le16(h + 4, dlen);
    fcc_put_le16(h + 6, crc16_of(name, nlen));
    fcc_put_le32(h + 8, id);
    h[12] = 0;
    h[13] = 0;
    fcc_put_le16(h + 14, crc16_of(h, 14));
}

/* Appends one record (header, name, data, CRC), making room first. */
static int rec_append(fst_t *st, uint8_t kind, uint8_t type, const uint8_t *name, uint32_t nlen,
                      const void *data, uint32_t dlen, uint32_t id)
{
    uint32_t len = REC_HDR + nlen + dlen + REC_CRC;
    int rc = ensure_room(st, len, kind == KIND_COMMIT);
    if (rc != FST_OK)
        return rc;
    uint8_t h[REC_HDR], c[REC_CRC];
    rec_build(h, kind, type, name, nlen, dlen, id);
    uint32_t crc = crc_update(0, h, 12);
    crc = crc_update(crc, name, nlen);
    crc = crc_update(crc, data, dlen);
    fcc_put_le32(c, crc);
    if ((rc = stage_put(st, h, REC_HDR)) != FST_OK || (rc = stage_put(st, name, nlen)) != FST_OK ||
        (rc = stage_put(st, data, dlen)) != FST_OK || (rc = stage_put(st, c, REC_CRC)) != FST_OK)
        return rc;
    return FST_OK;
}

/* Copies record r of segment `pos` to the head with `flags`; its CRC does not cover the flags,
 * so the copy keeps the original's. A mismatch while copying (the flash read differently than
 * when verified) fails the store: the torn copy is dropped at the next mount. */
static int rec_copy(fst_t *st, uint32_t pos, const rec_t *r, uint8_t flags)
{
    uint8_t h[REC_HDR];
    memcpy(h, r->raw, REC_HDR);
    h[12] = flags;
    fcc_put_le16(h + 14, crc16_of(h, 14));
    int rc = stage_put(st, h, REC_HDR);
    if (rc != FST_OK)
        return rc;
    uint32_t crc = crc_update(0, h, 12);
    uint32_t body = r->nlen + r->dlen, done = 0, total = body + REC_CRC;
    uint8_t stored[REC_CRC];
    uint8_t *buf = copy_buf(st);
    while (done < total) {
        uint32_t chunk = min_u32(total - done, copy_cap(st));
        if (log_read(st, pos, r->off + REC_HDR + done, buf, chunk) != FST_OK)
            return fail(st);
        for (uint32_t i = 0; i < chunk; i++) {
            if (done + i < body)
                crc = crc_update(crc, buf + i, 1);
            else
                stored[done + i - body] = buf[i];
        }
        if ((rc = stage_put(st, buf, chunk)) != FST_OK)
            return rc;
        done += chunk;
    }
    if (fcc_get_le32(stored) != crc)
        return fail(st);
    return FST_OK;
}

/* Garbage collection: opens the free segment as the head, copies there every live record of the
 * tail segment (committed winners flagged as copies, the open transaction's records as they
 * are), writes a GC-end record naming the tail, and drops the tail. A committed deletion is
 * dropped once no other record of its key remains outside the tail. Interrupted, it is redone:
 * mount discards a head that filled the ring without its GC-end record. */
static int gc_collect(fst_t *st)
{
    uint32_t old = st->tail_seq, opos = pos_of(st, old), end;
    /* Damage that is not accepted stays where it is, with everything around it. */
    for (uint32_t i = 0; i < st->dmg_count; i++)
        if (st->dmg[i].seq == old && !(st->dmg[i].flags & DF_ACK))
            return FST_ERR_CORRUPT;
    int rc = seg_end(st, old, &end);
    if (rc != FST_OK)
        return fail(st);
    if ((rc = seg_open(st, st->head_off)) != FST_OK)
        return rc;
    key_t keys[GC_BATCH];
    uint32_t off = st->hdr_size;
    rec_t r;
    bool done = false;
    while (!done) {
        /* the next batch of puts and deletes of the tail, in log order */
        uint32_t n = 0;
        while (n < GC_BATCH) {
            int d = dmg_at(st, old, off);
            if (d >= 0) {
                off = st->dmg[d].end; /* accepted damage: dropped with the segment */
                continue;
            }
            rc = rec_head(st, opos, off, end, &r);
            if (rc < 0)
                return fail(st);
            if (rc == 0 && r.off < end) {
                st->dmg_late = true; /* unreadable bytes the mount did not see: keep them */
                return FST_ERR_CORRUPT;
            }
            if (rc == 0) {
                done = true;
                break;
            }
            off = r.off + r.len;
            if (r.kind != KIND_PUT && r.kind != KIND_DEL)
                continue;
            keys[n].name = NULL;
            keys[n].home = old;
            keys[n].off = r.off;
            keys[n].type = r.type;
            keys[n].nlen = r.nlen;
            keys[n].ncrc = r.ncrc;
            n++;
        }
        if (n > 0 && lookup_keys(st, keys, n, old) != FST_OK)
            return fail(st);
        for (uint32_t i = 0; i < n; i++) {
            const look_t *lk = &keys[i].lk;
            bool committed = lk->best.valid && lk->best.seq == old && lk->best.off == keys[i].off;
            bool open = st->txn_open && lk->open.valid && lk->open.seq == old &&
                        lk->open.off == keys[i].off;
            if (committed && lk->best.del && lk->outside == 0)
                committed = false;
            if (!committed && !open)
                continue;
            if ((rc = rec_head(st, opos, keys[i].off, end, &r)) != 1)
                return fail(st);
            int ok = rec_verify(st, opos, &r);
            if (ok < 0)
                return fail(st);
            if (ok == 0) {
                st->dmg_late = true; /* damaged since the mount: never dropped silently */
                return FST_ERR_CORRUPT;
            }
            if (st->head_off + r.len > st->seg_size - SMALL_REC - st->flash->prog_size)
                return FST_ERR_CORRUPT;
            if ((rc = rec_copy(st, opos, &r, committed ? FLAG_COPY : 0)) != FST_OK)
                return rc;
        }
    }
    uint8_t h[REC_HDR], c[REC_CRC];
    rec_build(h, KIND_GCEND, 0, NULL, 0, 0, old);
    fcc_put_le32(c, crc_update(0, h, 12));
    if ((rc = stage_put(st, h, REC_HDR)) != FST_OK || (rc = stage_put(st, c, REC_CRC)) != FST_OK ||
        (rc = stage_flush(st)) != FST_OK || (rc = flash_sync(st)) != FST_OK)
        return rc;
    st->tail_seq = old + 1;
    st->collections++;
    /* accepted damage of the collected segment is gone with it */
    uint32_t kept = 0;
    for (uint32_t i = 0; i < st->dmg_count; i++)
        if (st->dmg[i].seq != old)
            st->dmg[kept++] = st->dmg[i];
    st->dmg_count = kept;
    return FST_OK;
}

/* ---- mount and format ---- */

static int layout(fst_t *st, const fcc_flash_t *flash, void *work, size_t work_size)
{
    memset(st, 0, sizeof(*st));
    if (flash == NULL || work == NULL || flash->read == NULL || flash->prog == NULL ||
        flash->erase == NULL || flash->sync == NULL || work_size < FST_WORK_SIZE)
        return FST_ERR_INVAL;
    uint32_t p = flash->prog_size, bs = flash->block_size;
    if (p == 0 || (p & (p - 1)) != 0 || p > FST_WORK_SIZE / 2 || bs < p || bs % p != 0 ||
        flash->block_count < 2)
        return FST_ERR_INVAL;
    if (work_size > 0x10000u)
        work_size = 0x10000u;
    st->flash = flash;
    st->work = work;
    st->work_size = work_size;
    st->stage_cap = (uint32_t)(work_size / 2) / p * p;
    st->hdr_size = round_up(SEG_HDR_RAW, p);
    st->reserve = round_up(2u * (SMALL_REC + p), p);
    uint64_t need = (uint64_t)st->hdr_size + MAX_REC + st->reserve + p;
    uint64_t m = (need + bs - 1) / bs;
    if (m > flash->block_count / 2 || m * bs > 0x40000000u)
        return FST_ERR_INVAL;
    st->seg_blocks = (uint32_t)m;
    st->seg_count = flash->block_count / st->seg_blocks;
    st->seg_size = st->seg_blocks * bs;
    return FST_OK;
}

/* Writes an empty log into the segment after the current head (or segment 0 with `fresh`). */
static int format_at(fst_t *st, bool fresh, uint32_t seq)
{
    if (fresh) {
        st->head_pos = st->seg_count - 1;
        st->head_seq = seq - 1;
    }
    st->tail_seq = st->head_seq + 1;
    st->head_off = st->stage_off = 0;
    int rc = seg_open(st, NO_PREV);
    if (rc == FST_OK)
        rc = flash_sync(st);
    if (rc != FST_OK)
        return rc;
    st->next_txn_id = 1;
    st->txn_open = false;
    st->txn_accept = false;
    st->collections = 0;
    st->dmg_count = 0;
    st->dmg_late = false;
    st->has_v1 = false;
    st->mounted = true;
    return FST_OK;
}

/* True when every byte of the flash but the segment header areas reads 0xFF. */
static int flash_blank(fst_t *st, bool *blank)
{
    uint8_t *buf = copy_buf(st);
    *blank = false;
    for (uint32_t pos = 0; pos < st->seg_count; pos++) {
        for (uint32_t off = st->hdr_size; off < st->seg_size;) {
            uint32_t chunk = min_u32(st->seg_size - off, copy_cap(st));
            if (raw_read(st, pos, off, buf, chunk) != FST_OK)
                return FST_ERR_IO;
            for (uint32_t i = 0; i < chunk; i++)
                if (buf[i] != 0xFF)
                    return FST_OK;
            off += chunk;
        }
    }
    *blank = true;
    return FST_OK;
}

/* ---- the mount's check of every record ---- */

/* Finds the first offset in [from, bound) of segment `pos` where a record starts that verifies
 * in full (header check, then CRC-32). Returns 1 (*at set), 0 (none) or FST_ERR_IO. */
static int resync(fst_t *st, uint32_t pos, uint32_t from, uint32_t bound, uint32_t *at)
{
    uint8_t chunk[64];
    for (uint32_t base = from; base < bound; base += (uint32_t)sizeof(chunk)) {
        uint32_t n = min_u32((uint32_t)sizeof(chunk), bound - base);
        if (log_read(st, pos, base, chunk, n) != FST_OK)
            return FST_ERR_IO;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t q = base + i;
            if (chunk[i] != REC_MAGIC || bound - q < SMALL_REC)
                continue;
            rec_t r;
            if (log_read(st, pos, q, r.raw, REC_HDR) != FST_OK)
                return FST_ERR_IO;
            r.off = q;
            if (!rec_sane(&r) || r.len > bound - q)
                continue;
            int ok = rec_verify(st, pos, &r);
            if (ok != 0) {
                if (ok == 1)
                    *at = q;
                return ok;
            }
        }
    }
    return 0;
}

/* CRC-32 of a record whose header is `raw`, with the name `name` and the value read from
 * flash, compared with the stored check. Returns 1 (match), 0 or FST_ERR_IO. */
static int rec_check_with(fst_t *st, uint32_t pos, uint32_t off, const uint8_t *raw,
                          const uint8_t *name)
{
    rec_t r;
    memcpy(r.raw, raw, REC_HDR);
    rec_parse(&r, off);
    uint32_t crc = crc_update(crc_update(0, raw, 12), name, r.nlen);
    return crc_tail(st, pos, off + REC_HDR + r.nlen, r.dlen, crc);
}

/* Reads the name of damaged record d (corrected when the mount had to). Returns 1, or
 * FST_ERR_IO. */
static int dmg_name(fst_t *st, const fst_dmg_t *d, uint8_t *name)
{
    if (log_read(st, pos_of(st, d->seq), d->rec + REC_HDR, name, d->nlen) != FST_OK)
        return FST_ERR_IO;
    if (d->fix != NO_FIX)
        name[d->fix / 8] ^= (uint8_t)(1u << (d->fix % 8));
    return 1;
}

/* Tells what the damaged bytes at `off` (up to `end`) of segment `seq` held: the record header
 * as read, or one bit away from it (the 16-bit header check picks the only candidate), then
 * the name by its own check, or one bit away when the whole record then verifies. */
static int dmg_identify(fst_t *st, uint32_t seq, uint32_t off, uint32_t end, fst_dmg_t *d,
                        uint32_t *len)
{
    uint32_t pos = pos_of(st, seq);
    d->fix = NO_FIX;
    *len = 0;
    if (end < off || end - off < SMALL_REC)
        return FST_OK;
    rec_t r, cand;
    if (log_read(st, pos, off, r.raw, REC_HDR) != FST_OK)
        return FST_ERR_IO;
    r.off = off;
    if (!rec_sane(&r)) {
        int found = 0;
        for (uint32_t bit = 0; bit < 8u * REC_HDR; bit++) {
            rec_t t = r;
            t.raw[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            if (rec_sane(&t)) {
                cand = t;
                found++;
            }
        }
        if (found != 1)
            return FST_OK;
        r = cand;
    }
    rec_parse(&r, off);
    if (r.len > end - off)
        return FST_OK;
    *len = r.len;
    d->kind = r.kind;
    d->type = r.type;
    d->nlen = r.nlen;
    d->ncrc = r.ncrc;
    d->id = r.id;
    d->flags |= DF_KEY;
    if (r.flags & FLAG_COPY)
        d->flags |= DF_COMMITTED;
    if (r.kind != KIND_PUT && r.kind != KIND_DEL)
        return FST_OK;
    uint8_t name[FST_NAME_MAX];
    if (log_read(st, pos, off + REC_HDR, name, r.nlen) != FST_OK)
        return FST_ERR_IO;
    if (crc16_of(name, r.nlen) == r.ncrc) {
        d->flags |= DF_NAME;
        return FST_OK;
    }
    for (uint32_t bit = 0; bit < 8u * r.nlen; bit++) {
        name[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (crc16_of(name, r.nlen) == r.ncrc) {
            int ok = rec_check_with(st, pos, off, r.raw, name);
            if (ok < 0)
                return ok;
            if (ok == 1) {
                d->flags |= DF_NAME;
                d->fix = (uint16_t)bit;
                return FST_OK;
            }
        }
        name[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    }
    return FST_OK;
}

/* What a walk of the log learns at mount. */
typedef struct walk {
    bool record;          /* record damaged regions (else only find the end) */
    uint32_t max_id;
    uint32_t tail_bound;
    uint32_t commits;     /* commit records seen */
    uint32_t damage;      /* damaged regions seen */
    bool ack;             /* an accept record waits for its commit */
    uint32_t ack_id, ack_upto;
    bool pend;            /* records of transaction pend_id wait for their commit */
    uint32_t pend_id;
    uint32_t fix_off;     /* head offset of a commit record taken one bit away (or NO_PREV) */
} walk_t;

static void walk_commit(fst_t *st, walk_t *w, uint32_t id)
{
    w->commits++;
    w->pend = false;
    for (uint32_t i = 0; i < st->dmg_count; i++) {
        fst_dmg_t *d = &st->dmg[i];
        if ((d->flags & DF_KEY) && (d->kind == KIND_PUT || d->kind == KIND_DEL) && d->id == id)
            d->flags |= DF_COMMITTED;
    }
    if (w->ack && w->ack_id == id) {
        for (uint32_t i = 0; i < w->ack_upto; i++)
            st->dmg[i].flags |= DF_ACK;
        w->ack = false;
    }
}

static void walk_record(fst_t *st, walk_t *w, bool head, const rec_t *r)
{
    if (r->kind != KIND_GCEND && r->id > w->max_id)
        w->max_id = r->id;
    if (head && r->kind == KIND_GCEND && (int32_t)(r->id + 1 - w->tail_bound) > 0)
        w->tail_bound = r->id + 1;
    if (r->kind == KIND_COMMIT)
        walk_commit(st, w, r->id);
    if ((r->kind == KIND_PUT || r->kind == KIND_DEL || r->kind == KIND_ACK) &&
        !(r->flags & FLAG_COPY)) {
        w->pend = true;
        w->pend_id = r->id;
    }
    if (r->kind == KIND_ACK) {
        w->ack = true;
        w->ack_id = r->id;
        w->ack_upto = st->dmg_count;
    }
}

static int dmg_add(fst_t *st, walk_t *w, const fst_dmg_t *d)
{
    if (st->dmg_count >= FST_DAMAGE_MAX)
        return FST_ERR_CORRUPT;
    st->dmg[st->dmg_count++] = *d;
    if ((d->flags & DF_KEY) && d->kind == KIND_COMMIT)
        walk_commit(st, w, d->id);
    return FST_OK;
}

/* Records the damaged bytes [at, next) of segment `seq`, the first damaged record at `bad`.
 * When the record headers inside, read or one bit away, chain from `bad` exactly to `next`,
 * each damaged record is a region of its own, known by its key; otherwise the whole span is one
 * region, known only when its one header agrees with `next`. */
static int dmg_record(fst_t *st, walk_t *w, uint32_t seq, uint32_t at, uint32_t bad,
                      uint32_t next)
{
    uint32_t p = st->flash->prog_size, starts[FST_DAMAGE_MAX], k = 0, y = bad, len;
    fst_dmg_t pieces[FST_DAMAGE_MAX];
    int rc;
    while (y < next && k < FST_DAMAGE_MAX) {
        memset(&pieces[k], 0, sizeof(pieces[k]));
        if ((rc = dmg_identify(st, seq, y, next, &pieces[k], &len)) != FST_OK)
            return rc;
        if (len == 0)
            break;
        starts[k++] = y;
        y += len;
        if (y % p != 0 && y < next) {
            uint8_t b;
            if (log_read(st, pos_of(st, seq), y, &b, 1) != FST_OK)
                return FST_ERR_IO;
            if (b == 0xFF)
                y = round_up(y, p); /* padding after a flush */
        }
    }
    bool chained = k > 0 && (y == next || (y < next && round_up(y, p) >= next));
    if (!chained) {
        k = 1;
        starts[0] = bad;
        memset(&pieces[0], 0, sizeof(pieces[0]));
        if ((rc = dmg_identify(st, seq, bad, next, &pieces[0], &len)) != FST_OK)
            return rc;
        if (len == 0 || next - bad - len >= p)
            memset(&pieces[0], 0, sizeof(pieces[0])); /* the header disagrees with `next` */
    }
    for (uint32_t i = 0; i < k; i++) {
        fst_dmg_t *d = &pieces[i];
        d->seq = seq;
        d->off = i == 0 ? at : starts[i];
        d->rec = starts[i];
        d->end = i + 1 < k ? starts[i + 1] : next;
        if (!(d->flags & DF_KEY))
            d->fix = NO_FIX;
        if (seq == st->head_seq && d->rec == w->fix_off && w->pend) {
            /* the commit record the head walk took one bit away: harmless */
            d->kind = KIND_COMMIT;
            d->id = w->pend_id;
            d->flags = DF_KEY | DF_ACK;
        }
        if ((rc = dmg_add(st, w, d)) != FST_OK)
            return rc;
    }
    return FST_OK;
}

/* Walks the records of segment `seq` up to `bound` and checks each in full. A record that fails
 * its check is damage when a later record of the segment verifies, or when the segment is not
 * the head (its end is known from the next header); in the head, with nothing valid after it, it
 * is the torn end of an interrupted write, and the log ends before it (*end). */
static int walk_seg(fst_t *st, walk_t *w, uint32_t seq, uint32_t bound, bool head, uint32_t *end)
{
    uint32_t pos = pos_of(st, seq), off = st->hdr_size;
    rec_t r;
    for (;;) {
        uint32_t at = off;
        int rc = rec_head(st, pos, off, bound, &r), ok = 0;
        if (rc < 0)
            return rc;
        if (rc == 1 && (ok = rec_verify(st, pos, &r)) < 0)
            return ok;
        if (ok == 1) {
            walk_record(st, w, head, &r);
            off = r.off + r.len;
            continue;
        }
        if (rc == 0 && r.off >= bound) {
            *end = at;
            return FST_OK;
        }
        uint32_t next = bound;
        int found = resync(st, pos, r.off + 1, bound, &next);
        if (found < 0)
            return found;
        if (head && found == 0) {
            /* Nothing valid follows: the torn tail, unless it is the commit record of the
             * waiting transaction with one bit off. A flip there is told from a cut that way;
             * a cut that landed all but one bit of the commit gives the new state, which a cut
             * during the commit program may give. */
            if (w->pend && bound - r.off >= SMALL_REC) {
                uint8_t want[SMALL_REC], got[SMALL_REC];
                rec_build(want, KIND_COMMIT, 0, NULL, 0, 0, w->pend_id);
                fcc_put_le32(want + REC_HDR, crc_update(0, want, 12));
                if (raw_read(st, pos, r.off, got, SMALL_REC) != FST_OK)
                    return FST_ERR_IO;
                uint32_t diff = 0;
                for (uint32_t i = 0; i < SMALL_REC; i++)
                    for (uint8_t x = (uint8_t)(want[i] ^ got[i]); x != 0; x &= (uint8_t)(x - 1))
                        diff++;
                if (diff == 1) {
                    w->fix_off = r.off;
                    walk_commit(st, w, w->pend_id);
                    *end = r.off + SMALL_REC;
                    return FST_OK;
                }
            }
            *end = at; /* the torn tail */
            return FST_OK;
        }
        w->damage++;
        if (w->record && (rc = dmg_record(st, w, seq, at, r.off, next)) != FST_OK)
            return rc;
        off = next;
        if (found == 0) {
            *end = bound;
            return FST_OK;
        }
    }
}

/* Finds the log. Returns FST_OK (mounted state filled), FST_ERR_NOENT (no segment header at
 * all), FST_ERR_CORRUPT (a segment of the log lost its header), FST_ERR_VERSION or FST_ERR_IO. */
static int find_log(fst_t *st)
{
    bool any = false;
    uint32_t best_pos = 0;
    seghdr_t h, head = {0, 0, 0, 0};
    int version = 0;
    for (uint32_t pos = 0; pos < st->seg_count; pos++) {
        int rc = seghdr_read(st, pos, &h);
        if (rc == FST_ERR_VERSION) {
            version = rc;
            continue;
        }
        if (rc < 0)
            return rc;
        if (rc == 1 && (!any || h.seq > head.seq)) {
            any = true;
            best_pos = pos;
            head = h;
        }
    }
    /* A segment written by another format version means the store is not ours to read. */
    if (version)
        return version;
    st->dmg_count = 0;
    bool head_fixed = false;
    if (!any) {
        /* No valid header at all: the only segment's header may be damaged. One bit away from
         * a header and holding a valid first record, it is taken (the highest such). */
        for (uint32_t pos = 0; pos < st->seg_count; pos++) {
            rec_t r;
            if (seghdr_read_ex(st, pos, &h, true) != 1 || (any && h.seq <= head.seq))
                continue;
            st->head_pos = pos;
            st->head_seq = h.seq;
            st->head_off = st->stage_off = st->seg_size;
            if (rec_head(st, pos, st->hdr_size, st->seg_size, &r) == 1 &&
                rec_verify(st, pos, &r) == 1) {
                any = head_fixed = true;
                best_pos = pos;
                head = h;
            }
        }
        if (!any)
            return FST_ERR_NOENT;
    }
    {
        /* The head's header may itself be damaged: the segment after the apparent head, one
         * bit away from the next header and holding a valid first record, is the real head (a
         * power cut while opening a segment leaves no record after its header). */
        uint32_t npos = (best_pos + 1) % st->seg_count;
        int rc = seghdr_read(st, npos, &h);
        if (rc < 0 && rc != FST_ERR_VERSION)
            return rc;
        if (!head_fixed && rc != 1 && seghdr_read_ex(st, npos, &h, true) == 1 &&
            h.seq == head.seq + 1) {
            rec_t r;
            st->head_pos = npos;
            st->head_seq = h.seq;
            st->head_off = st->stage_off = st->seg_size;
            if (rec_head(st, npos, st->hdr_size, st->seg_size, &r) == 1 &&
                rec_verify(st, npos, &r) == 1) {
                best_pos = npos;
                head = h;
                head_fixed = true;
            }
        }
    }
    st->head_pos = best_pos;
    st->head_seq = head.seq;
    st->tail_seq = head.seq;
    st->head_off = st->seg_size; /* scan the head as far as it holds valid records */
    st->stage_off = st->seg_size;

    /* The head's records first: its end, and the GC-end records that bound the tail. */
    walk_t w;
    memset(&w, 0, sizeof(w));
    w.tail_bound = head.tail_seq;
    w.fix_off = NO_PREV;
    uint32_t good_end = st->hdr_size;
    int rc = walk_seg(st, &w, head.seq, st->seg_size, true, &good_end);
    if (rc != FST_OK)
        return rc;
    bool head_busy = w.commits > 0 || w.damage > 0;
    uint32_t tail_bound = w.tail_bound, head_max = w.max_id, fix_off = w.fix_off;
    st->head_off = good_end;
    st->stage_off = good_end;

    /* The log is the run of segments with consecutive sequence numbers ending at the head, back
     * to the tail bound; each of them must have its header (one flipped bit is repaired). */
    uint32_t span = (int32_t)(head.seq - tail_bound) < 0 ? 0 : head.seq - tail_bound;
    if (span > st->seg_count - 1)
        span = st->seg_count - 1;
    uint32_t fixed_seq[FST_DAMAGE_MAX], nfixed = 0;
    if (head_fixed)
        fixed_seq[nfixed++] = head.seq;
    st->has_v1 = head.version == 1;
    st->v1_seq = head.version == 1 ? head.seq : 0;
    for (uint32_t k = 1; k <= span; k++) {
        uint32_t seq = head.seq - k;
        rc = seghdr_read(st, pos_of(st, seq), &h);
        if (rc < 0 && rc != FST_ERR_VERSION)
            return rc;
        if (rc != 1 || h.seq != seq) {
            if (seghdr_read_ex(st, pos_of(st, seq), &h, true) != 1 || h.seq != seq ||
                nfixed >= FST_DAMAGE_MAX)
                return FST_ERR_CORRUPT;
            fixed_seq[nfixed++] = seq;
        }
        if (h.version == 1 && !st->has_v1) {
            st->has_v1 = true;
            st->v1_seq = seq;
        }
        st->tail_seq = seq;
    }
    st->head_checked = false;
    st->head_closed = false;
    if (log_count(st) == st->seg_count && !head_busy) {
        /* The head filled the ring without its GC-end record: an interrupted collection. Its
         * content only repeats the tail's, so the head is dropped and the collection redone. */
        uint32_t prev_end = head.prev_end;
        st->head_seq--;
        st->head_pos = (st->head_pos + st->seg_count - 1) % st->seg_count;
        if (prev_end < st->hdr_size || prev_end > st->seg_size)
            prev_end = st->hdr_size;
        st->head_off = st->stage_off = prev_end;
        st->head_closed = true;
    }

    /* Every record of the log, in log order: transaction ids keep growing across mounts, and
     * damage is recorded with what it belonged to. */
    memset(&w, 0, sizeof(w));
    w.record = true;
    w.tail_bound = tail_bound;
    w.fix_off = fix_off;
    for (uint32_t seq = st->tail_seq;; seq++) {
        for (uint32_t i = 0; i < nfixed; i++) {
            if (fixed_seq[i] == seq) {
                if (st->dmg_count >= FST_DAMAGE_MAX)
                    return FST_ERR_CORRUPT;
                fst_dmg_t *d = &st->dmg[st->dmg_count++];
                memset(d, 0, sizeof(*d));
                d->seq = seq;
                d->end = st->hdr_size;
                d->fix = NO_FIX;
                d->flags = DF_SEGHDR;
            }
        }
        uint32_t end;
        if ((rc = seg_end(st, seq, &end)) != FST_OK)
            return rc;
        uint32_t got;
        if ((rc = walk_seg(st, &w, seq, end, false, &got)) != FST_OK)
            return rc;
        if (seq == st->head_seq)
            break;
    }
    /* (the ids of a dropped head count as seen: they are higher) */
    uint32_t max_id = w.max_id > head_max ? w.max_id : head_max;
    st->next_txn_id = max_id + 1 == 0 ? 1 : max_id + 1;
    st->mounted = true;
    return FST_OK;
}

int fst_mount(fst_t *st, const fcc_flash_t *flash, void *work, size_t work_size)
{
    if (st == NULL)
        return FST_ERR_INVAL;
    int rc = layout(st, flash, work, work_size);
    if (rc != FST_OK)
        goto cleanup;
    rc = find_log(st);
    if (rc == FST_ERR_NOENT) {
        bool blank;
        rc = flash_blank(st, &blank);
        if (rc == FST_OK)
            rc = blank ? format_at(st, true, 1) : FST_ERR_CORRUPT;
    }
cleanup:
    if (rc != FST_OK)
        memset(st, 0, sizeof(*st));
    return rc;
}

int fst_format(fst_t *st, const fcc_flash_t *flash, void *work, size_t work_size)
{
    if (st == NULL)
        return FST_ERR_INVAL;
    int rc = layout(st, flash, work, work_size);
    if (rc != FST_OK)
        goto cleanup;
    /* On a readable store the empty log goes into the free segment after the head, with a
     * higher sequence number, so a cut leaves the old store or the empty one. */
    rc = find_log(st);
    if (rc == FST_OK) {
        st->mounted = false;
        rc = format_at(st, false, 0);
    } else if (rc == FST_ERR_NOENT || rc == FST_ERR_VERSION || rc == FST_ERR_CORRUPT) {
        /* Segments of another format version are erased first (they would refuse the next
         * mount); the empty log then gets a sequence number above every remaining header. */
        uint32_t max = 0;
        seghdr_t h;
        rc = FST_OK;
        for (uint32_t pos = 0; pos < st->seg_count && rc == FST_OK; pos++) {
            int hr = seghdr_read(st, pos, &h);
            if (hr == 1 && h.seq > max)
                max = h.seq;
            for (uint32_t b = 0; hr == FST_ERR_VERSION && b < st->seg_blocks; b++)
                if (st->flash->erase(st->flash, pos * st->seg_blocks + b) != FCC_FLASH_OK)
                    rc = FST_ERR_IO;
            if (hr == FST_ERR_IO)
                rc = hr;
        }
        if (rc == FST_OK)
            rc = format_at(st, true, max + 1 == 0 ? 1 : max + 1);
    }
cleanup:
    if (rc != FST_OK)
        memset(st, 0, sizeof(*st));
    return rc;
}

void fst_unmount(fst_t *st)
{
    if (st == NULL)
        return;
    if (st->mounted && !st->failed)
        (void)stage_flush(st);
    memset(st, 0, sizeof(*st));
}

/* ---- reads ---- */

static int check_ready(const fst_t *st)
{
    if (st == NULL || !st->mounted)
        return FST_ERR_STATE;
    if (st->failed)
        return FST_ERR_IO;
    return FST_OK;
}

static int check_name(const uint8_t *name, size_t name_len)
{
    if (name_len > FST_NAME_MAX || (name == NULL && name_len > 0))
        return FST_ERR_INVAL;
    return FST_OK;
}

static int find_view(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len, loc_t *out)
{
    int rc = check_ready(st);
    if (rc == FST_OK)
        rc = check_name(name, name_len);
    if (rc != FST_OK)
        return rc;
    look_t lk;
    if ((rc = lookup(st, type, name, name_len, &lk)) != FST_OK)
        return rc;
    *out = *look_view(st, &lk);
    if (!(st->txn_open && lk.open.valid) && look_damaged(st, &lk))
        return FST_ERR_CORRUPT;
    return out->valid && !out->del ? FST_OK : FST_ERR_NOENT;
}

int fst_get(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len, void *buf,
            size_t buf_size, size_t *len)
{
    loc_t l;
    int rc = find_view(st, type, name, name_len, &l);
    if (rc != FST_OK)
        return rc;
    if (len != NULL)
        *len = l.dlen;
    if (buf_size < l.dlen)
        return FST_ERR_RANGE;
    if (buf == NULL && l.dlen > 0)
        return FST_ERR_INVAL;
    uint32_t pos = pos_of(st, l.seq);
    uint8_t h[REC_HDR], nbuf[FST_NAME_MAX], c[REC_CRC];
    for (int tries = 0; tries < READ_TRIES; tries++) {
        if (log_read(st, pos, l.off, h, REC_HDR) != FST_OK ||
            log_read(st, pos, l.off + REC_HDR, nbuf, (uint32_t)name_len) != FST_OK ||
            log_read(st, pos, l.off + REC_HDR + (uint32_t)name_len, buf, l.dlen) != FST_OK ||
            log_read(st, pos, l.off + REC_HDR + (uint32_t)name_len + l.dlen, c, REC_CRC) !=
                FST_OK)
            return FST_ERR_IO;
        uint32_t crc = crc_update(0, h, 12);
        crc = crc_update(crc, nbuf, name_len);
        crc = crc_update(crc, buf, l.dlen);
        if (crc == fcc_get_le32(c))
            return FST_OK;
    }
    return FST_ERR_CORRUPT;
}

int fst_size(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len, size_t *len)
{
    loc_t l;
    int rc = find_view(st, type, name, name_len, &l);
    if (rc == FST_OK && len != NULL)
        *len = l.dlen;
    return rc;
}

/* ---- transactions ---- */

int fst_begin(fst_t *st)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (st->txn_open)
        return FST_ERR_STATE;
    st->txn_id = st->next_txn_id++;
    if (st->next_txn_id == 0)
        st->next_txn_id = 1;
    st->txn_open = true;
    st->txn_accept = false;
    st->txn_records = 0;
    return FST_OK;
}

int fst_put(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len, const void *data,
            size_t len)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (!st->txn_open)
        return FST_ERR_STATE;
    if (check_name(name, name_len) != FST_OK || len > FST_VALUE_MAX || (data == NULL && len > 0))
        return FST_ERR_INVAL;
    if (dmg_blocks(st) && !st->txn_accept)
        return FST_ERR_CORRUPT;
    rc = rec_append(st, KIND_PUT, type, name, (uint32_t)name_len, data, (uint32_t)len,
                    st->txn_id);
    if (rc == FST_OK)
        st->txn_records++;
    return rc;
}

int fst_del(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (!st->txn_open)
        return FST_ERR_STATE;
    if (dmg_blocks(st) && !st->txn_accept)
        return FST_ERR_CORRUPT;
    loc_t l;
    if ((rc = find_view(st, type, name, name_len, &l)) != FST_OK)
        return rc;
    rc = rec_append(st, KIND_DEL, type, name, (uint32_t)name_len, NULL, 0, st->txn_id);
    if (rc == FST_OK)
        st->txn_records++;
    return rc;
}

int fst_commit(fst_t *st)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (!st->txn_open)
        return FST_ERR_STATE;
    if (st->txn_records > 0) {
        /* Every record is durable before the commit record starts; the commit goes in its own
         * program, then is made durable. */
        if ((rc = stage_flush(st)) != FST_OK || (rc = flash_sync(st)) != FST_OK ||
            (rc = rec_append(st, KIND_COMMIT, 0, NULL, 0, NULL, 0, st->txn_id)) != FST_OK ||
            (rc = stage_flush(st)) != FST_OK || (rc = flash_sync(st)) != FST_OK)
            goto out;
        if (st->txn_accept)
            for (uint32_t i = 0; i < st->dmg_count; i++)
                st->dmg[i].flags |= DF_ACK;
    }
    rc = FST_OK;
out:
    st->txn_open = false;
    st->txn_accept = false;
    st->txn_records = 0;
    return rc;
}

int fst_abort(fst_t *st)
{
    if (st == NULL || !st->mounted)
        return FST_ERR_STATE;
    if (!st->txn_open)
        return FST_ERR_STATE;
    /* The records stay in the log without a commit record: they never happened. */
    st->txn_open = false;
    st->txn_accept = false;
    st->txn_records = 0;
    return st->failed ? FST_ERR_IO : FST_OK;
}

/* ---- iteration and information ---- */

/* Fills *out for damaged region i. */
static int damage_info(fst_t *st, uint32_t i, fst_damage_t *out)
{
    const fst_dmg_t *d = &st->dmg[i];
    memset(out, 0, sizeof(*out));
    out->seq = d->seq;
    out->off = d->off;
    out->len = d->end - d->off;
    out->accepted = (d->flags & DF_ACK) != 0;
    if (d->flags & DF_SEGHDR) {
        out->what = FST_DMG_HEADER;
        return FST_OK;
    }
    if (!(d->flags & DF_KEY)) {
        out->what = FST_DMG_UNKNOWN;
        out->live = !out->accepted;
        return FST_OK;
    }
    if (d->kind != KIND_PUT && d->kind != KIND_DEL) {
        out->what = FST_DMG_COMMIT;
        return FST_OK;
    }
    out->what = FST_DMG_RECORD;
    out->type = d->type;
    if (d->flags & DF_NAME) {
        int rc = dmg_name(st, d, out->name);
        if (rc < 0)
            return rc;
        out->name_known = true;
        out->name_len = d->nlen;
    }
    if (out->accepted || !(d->flags & DF_COMMITTED))
        return FST_OK;
    if (!out->name_known) {
        out->live = true; /* cannot tell: count it */
        return FST_OK;
    }
    look_t lk;
    bool accept = st->txn_accept;
    st->txn_accept = false;
    int rc = lookup(st, d->type, out->name, d->nlen, &lk);
    st->txn_accept = accept;
    if (rc != FST_OK)
        return rc;
    out->live = lk.best.valid && lk.best.damaged && lk.best.seq == d->seq && lk.best.off == d->off;
    return FST_OK;
}

/* The iteration's second phase: keys whose current version is damaged (FST_ERR_CORRUPT with
 * type and name filled; name_len 0 and type 0 for damage of unknown key), then the end. */
static int next_damaged(fst_t *st, fst_iter_t *it, uint8_t *type, uint8_t *name,
                        size_t *name_len, size_t *value_len)
{
    while (!st->txn_accept && it->off < st->dmg_count) {
        fst_damage_t info;
        int rc = damage_info(st, it->off++, &info);
        if (rc != FST_OK)
            return rc;
        if (!info.live)
            continue;
        if (type != NULL)
            *type = info.type;
        memcpy(name, info.name, info.name_len);
        if (name_len != NULL)
            *name_len = info.name_len;
        if (value_len != NULL)
            *value_len = 0;
        return FST_ERR_CORRUPT;
    }
    it->block = st->head_seq + 1;
    return FST_ERR_NOENT;
}

int fst_damage_get(fst_t *st, uint32_t index, fst_damage_t *out)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (out == NULL)
        return FST_ERR_INVAL;
    if (index >= st->dmg_count)
        return FST_ERR_NOENT;
    return damage_info(st, index, out);
}

int fst_accept_damage(fst_t *st)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (!st->txn_open)
        return FST_ERR_STATE;
    if (st->txn_accept)
        return FST_OK;
    /* A delete for every key whose current version is damaged: no older version comes back. */
    for (uint32_t i = 0; i < st->dmg_count; i++) {
        fst_damage_t info;
        if ((rc = damage_info(st, i, &info)) != FST_OK)
            return rc;
        if (!info.live || !info.name_known)
            continue;
        rc = rec_append(st, KIND_DEL, info.type, info.name, (uint32_t)info.name_len, NULL, 0,
                        st->txn_id);
        if (rc != FST_OK)
            return rc;
        st->txn_records++;
    }
    rc = rec_append(st, KIND_ACK, 0, NULL, 0, NULL, 0, st->txn_id);
    if (rc != FST_OK)
        return rc;
    st->txn_records++;
    st->txn_accept = true;
    return FST_OK;
}

int fst_next(fst_t *st, fst_iter_t *it, uint8_t *type, uint8_t *name, size_t *name_len,
             size_t *value_len)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (it == NULL || name == NULL)
        return FST_ERR_INVAL;
    if (it->step == 2)
        return next_damaged(st, it, type, name, name_len, value_len);
    scan_t sc = {0};
    if (it->step != 0) {
        if (!in_log(st, it->block))
            return FST_ERR_NOENT;
        if ((rc = scan_at(st, &sc, it->block, it->off)) != FST_OK)
            return rc;
    }
    rec_t r;
    while ((rc = scan_next(st, &sc, &r)) == 1) {
        if (r.kind != KIND_PUT)
            continue;
        int nr = rec_name(st, sc.pos, &r, name);
        if (nr < 0)
            return nr;
        if (nr == 0)
            continue;
        look_t lk;
        if ((rc = lookup(st, r.type, name, r.nlen, &lk)) != FST_OK)
            return rc;
        const loc_t *v = look_view(st, &lk);
        if (!v->valid || v->del || v->seq != sc.seq || v->off != r.off)
            continue;
        it->step = 1;
        it->block = sc.seq;
        it->off = sc.off;
        if (type != NULL)
            *type = r.type;
        if (name_len != NULL)
            *name_len = r.nlen;
        if (value_len != NULL)
            *value_len = r.dlen;
        return FST_OK;
    }
    if (rc < 0)
        return rc;
    it->step = 2;
    it->off = 0;
    return next_damaged(st, it, type, name, name_len, value_len);
}

int fst_info(fst_t *st, fst_info_t *info)
{
    int rc = check_ready(st);
    if (rc != FST_OK)
        return rc;
    if (info == NULL)
        return FST_ERR_INVAL;
    memset(info, 0, sizeof(*info));
    info->format_version = st->has_v1 ? 1u : FST_FORMAT_VERSION;
    fst_iter_t it = {0};
    uint8_t name[FST_NAME_MAX];
    size_t nlen, vlen;
    while ((rc = fst_next(st, &it, NULL, name, &nlen, &vlen)) == FST_OK) {
        info->live_items++;
        info->live_bytes += REC_HDR + (uint32_t)nlen + (uint32_t)vlen + REC_CRC;
    }
    while (rc == FST_ERR_CORRUPT)
        rc = fst_next(st, &it, NULL, name, &nlen, &vlen);
    if (rc != FST_ERR_NOENT)
        return rc;
    scan_t sc = {0};
    rec_t r;
    while ((rc = scan_next(st, &sc, &r)) == 1)
        if (r.kind != KIND_DMG)
            info->records++;
    if (rc < 0)
        return rc;
    for (uint32_t seq = st->tail_seq;; seq++) {
        uint32_t end;
        if ((rc = seg_end(st, seq, &end)) != FST_OK)
            return rc;
        info->used_bytes += end - st->hdr_size;
        if (seq == st->head_seq)
            break;
    }
    info->dead_records = info->records - info->live_items;
    for (uint32_t i = 0; i < st->dmg_count; i++) {
        fst_damage_t d;
        if ((rc = damage_info(st, i, &d)) != FST_OK)
            return rc;
        if (d.accepted)
            continue;
        info->damaged++;
        info->damaged_items += d.live;
    }
    info->damaged += st->dmg_late;
    uint32_t per_seg = st->seg_size - st->hdr_size - st->reserve;
    uint32_t free_segs = st->seg_count - log_count(st);
    uint32_t limit = st->seg_size - st->reserve;
    if (!st->head_closed && st->head_off < limit)
        info->free_bytes = limit - st->head_off;
    if (free_segs > 1)
        info->free_bytes += (free_segs - 1) * per_seg;
    info->capacity_bytes = (st->seg_count - 1) * per_seg;
    info->collections = st->collections;
    info->segments = st->seg_count;
    info->log_segments = log_count(st);
    return FST_OK;
}
