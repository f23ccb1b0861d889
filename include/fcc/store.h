/* SPDX-License-Identifier: Apache-2.0 */
/* The storage engine: a power-loss-safe, log-structured key/value store over fcc_flash_t.
 * Keys are (type byte, name bytes); values are opaque bytes (KCM encrypts before storing).
 * Changes happen in transactions: any number of puts and deletes become visible together at
 * commit, or not at all, whatever moment the power is cut at. No heap: all state lives in the
 * caller's fst_t and work buffer. The on-flash format is in SPEC.md, the design in DESIGN.md. */
#ifndef FCC_STORE_H
#define FCC_STORE_H

#include "fcc/config.h"
#include "fcc/flash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Results. Stable numbers. */
#define FST_OK 0
#define FST_ERR_IO (-1)       /* the flash failed */
#define FST_ERR_CORRUPT (-2)  /* the image is not a store, a record failed its check, or a write
                                 was refused because the store holds damage (fst_damage_get) */
#define FST_ERR_NOENT (-3)    /* no such key */
#define FST_ERR_NOSPC (-4)    /* not enough room even after garbage collection */
#define FST_ERR_INVAL (-5)    /* bad argument (name too long, value too large, bad geometry) */
#define FST_ERR_RANGE (-6)    /* output buffer too small; the size needed is reported */
#define FST_ERR_STATE (-7)    /* call not allowed now (no transaction open, one already open,
                                 not mounted) */
#define FST_ERR_VERSION (-8)  /* the image has a format version this build cannot read */

/* Largest key name and value the engine accepts. */
#define FST_NAME_MAX 128
#define FST_VALUE_MAX FCC_ITEM_VALUE_MAX

/* Work buffer the caller provides to fst_mount (bytes); covers record staging (half, rounded
 * down to the program unit) and the copy buffer of garbage collection (the rest). Program units
 * up to 256 bytes are supported with this size. */
#define FST_WORK_SIZE 512

/* Bytes a record takes on flash besides its name and value (header 16, check 4); a transaction
 * adds one commit record of FST_RECORD_OVERHEAD bytes. Padding to the program unit comes on top
 * at each commit. */
#define FST_RECORD_OVERHEAD 20

/* On-flash format version written in every segment header. Format 1 segments (no commit echo)
 * are still read; the first write after mounting them moves the store to this format. */
#define FST_FORMAT_VERSION 2

/* Damaged regions of the log a mount can keep track of; more makes fst_mount return
 * FST_ERR_CORRUPT. */
#define FST_DAMAGE_MAX 12

/* A damaged region found by the mount (private; see fst_damage_get). */
typedef struct fst_dmg {
    uint32_t seq, off, end; /* bytes [off, end) of segment seq */
    uint32_t rec;           /* where the damaged record starts (off + padding) */
    uint32_t id;            /* transaction id of the damaged record, when its header is known */
    uint16_t ncrc;          /* name check of the damaged record */
    uint16_t fix;           /* bit of the name corrected to read it (0xFFFF: none) */
    uint8_t kind, type, nlen, flags;
} fst_dmg_t;

typedef struct fst {
    /* private: do not touch; the layout may change between versions */
    const fcc_flash_t *flash;
    uint8_t *work;           /* staging buffer (stage_cap bytes), then the copy buffer */
    size_t work_size;
    uint32_t stage_cap;      /* bytes of work used to stage programs, a multiple of prog_size */
    uint32_t seg_blocks;     /* erase blocks per segment */
    uint32_t seg_count;      /* segments in the ring */
    uint32_t seg_size;       /* bytes per segment */
    uint32_t hdr_size;       /* segment header, rounded up to prog_size */
    uint32_t reserve;        /* bytes at a segment's end kept for commit and GC-end records */
    uint32_t head_pos, head_seq; /* segment being appended to: ring position and sequence */
    uint32_t tail_seq;       /* oldest segment of the log */
    uint32_t head_off;       /* end of the log in the head segment (staged bytes included) */
    uint32_t stage_off;      /* offset the staged bytes start at (aligned) */
    uint32_t txn_id;         /* id of the open transaction */
    uint32_t next_txn_id;
    uint32_t txn_records;    /* records the open transaction wrote */
    uint32_t collections;    /* garbage collections since mount */
    bool mounted;
    bool txn_open;
    bool head_closed;        /* nothing more is appended to the head segment */
    bool head_checked;       /* the space after head_off is known to be erased */
    bool failed;             /* a flash operation failed: everything returns FST_ERR_IO */
    bool has_v1;             /* the log holds format 1 segments (up to v1_seq) */
    bool dmg_late;           /* damage found after the mount (by a collection): writes refused */
    bool txn_accept;         /* the open transaction accepted the damage (fst_accept_damage) */
    uint32_t v1_seq;         /* newest format 1 segment of the log */
    uint32_t dmg_count;      /* entries of dmg[] */
    fst_dmg_t dmg[FST_DAMAGE_MAX];
} fst_t;

/* Geometry/state summary, for tools and benchmarks. */
typedef struct fst_info {
    uint32_t format_version;
    uint32_t live_items;
    uint32_t live_bytes;      /* bytes of live records, headers included */
    uint32_t free_bytes;      /* bytes appendable before the next collection */
    uint32_t capacity_bytes;  /* bytes usable for records (one erase unit kept free) */
    uint32_t collections;     /* garbage collections run since mount */
    uint32_t segments;        /* segments in the ring */
    uint32_t log_segments;    /* segments the log occupies */
    uint32_t used_bytes;      /* bytes of the log (records, padding and damage, headers excluded) */
    uint32_t records;         /* records in the log (damaged ones excluded) */
    uint32_t dead_records;    /* records that are not a live item (old versions, deletes, commits) */
    uint32_t damaged;         /* damaged regions not yet accepted (fst_accept_damage) */
    uint32_t damaged_items;   /* ... of them, those that may hide an item's current version */
} fst_info_t;

/* Mounts the store on `flash`. A blank (all 0xFF) flash is formatted. An interrupted
 * transaction or garbage collection is rolled back or completed, so every key holds its last
 * committed value. Every record is checked; damage (a record that fails its check while a later
 * one verifies) is kept and described, see fst_damage_get. `work` (at least FST_WORK_SIZE bytes)
 * is borrowed until fst_unmount. Returns FST_OK, FST_ERR_CORRUPT (not a store and not blank, a
 * segment header of the log beyond repair, or more than FST_DAMAGE_MAX damaged regions),
 * FST_ERR_VERSION, FST_ERR_IO or FST_ERR_INVAL. */
int fst_mount(fst_t *st, const fcc_flash_t *flash, void *work, size_t work_size);

/* Erases every block and writes an empty store. Loses everything, damage included. */
int fst_format(fst_t *st, const fcc_flash_t *flash, void *work, size_t work_size);

/* Forgets the mount; an open transaction is aborted. Safe on a zeroed struct. */
void fst_unmount(fst_t *st);

/* Reads the value of (type, name) into buf. With buf too small returns FST_ERR_RANGE and the
 * size needed in *len; FST_ERR_NOENT when absent. During an open transaction, reads see the
 * transaction's own puts and deletes. *len may be NULL only when buf is large enough to be
 * irrelevant to the caller. */
int fst_get(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len,
            void *buf, size_t buf_size, size_t *len);

/* Size of the value, or FST_ERR_NOENT. */
int fst_size(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len, size_t *len);

/* Transactions. Puts and deletes outside a transaction are refused (FST_ERR_STATE). One
 * transaction at a time. Commit makes every change of the transaction durable and visible at
 * once (the commit record is the last thing written, then flash sync); abort drops them. */
int fst_begin(fst_t *st);
int fst_put(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len,
            const void *data, size_t len);
int fst_del(fst_t *st, uint8_t type, const uint8_t *name, size_t name_len); /* NOENT if absent */
int fst_commit(fst_t *st);
int fst_abort(fst_t *st);

/* Iterates live keys (committed state plus the open transaction's view) in no particular order.
 * Initialise `it` to zero, then call until it returns FST_ERR_NOENT. `name` must hold
 * FST_NAME_MAX bytes. Changing the store during an iteration restarts nothing: finish or drop the
 * iteration before writing. */
typedef struct fst_iter {
    uint32_t block, off, step; /* private: segment sequence, offset, started flag */
    uint32_t reserved[4];
} fst_iter_t;
int fst_next(fst_t *st, fst_iter_t *it, uint8_t *type, uint8_t *name, size_t *name_len,
             size_t *value_len);

int fst_info(fst_t *st, fst_info_t *info);

/* Damage. The mount checks every record of the log. A record that fails its check while a later
 * record verifies (docs/store.md section 6) is damage, not the torn end of an interrupted write:
 * it is kept on flash, listed here, and the key it belongs to reads FST_ERR_CORRUPT (never an
 * older version, never "absent"); fst_next lists such keys after the live ones (FST_ERR_CORRUPT
 * with the type and name filled, name_len 0 when the name itself is unreadable). While damage
 * that is not accepted exists, fst_put and fst_del return FST_ERR_CORRUPT and nothing collects
 * the damaged segments: the evidence stays until fst_accept_damage or fst_format. */
#define FST_DMG_RECORD 1  /* a put or delete whose key is known (name_known: and its name) */
#define FST_DMG_COMMIT 2  /* a commit, commit echo, GC-end or accept record: no item lost */
#define FST_DMG_HEADER 3  /* a segment header, repaired from its check (no record lost) */
#define FST_DMG_UNKNOWN 4 /* bytes that are no readable record: any key may be affected */
typedef struct fst_damage {
    uint32_t seq, off, len;   /* segment sequence number, offset and length of the region */
    uint8_t what;             /* FST_DMG_* */
    bool name_known;          /* FST_DMG_RECORD: name[0..name_len) is the record's key name */
    bool live;                /* it may hide the current version of an item */
    bool accepted;            /* a committed fst_accept_damage covers it */
    uint8_t type;             /* key type (FST_DMG_RECORD) */
    uint8_t name[FST_NAME_MAX];
    size_t name_len;
} fst_damage_t;

/* Describes damaged region `index` (0, 1, ...) in log order; FST_ERR_NOENT past the last. */
int fst_damage_get(fst_t *st, uint32_t index, fst_damage_t *out);

/* Inside an open transaction: accepts the damage found so far. Writes a delete for every key
 * whose current version is damaged and known by name, and an accept record; puts and deletes of
 * the transaction are then allowed. When the transaction commits, the damage no longer blocks
 * writes, its keys read as absent, and collection may drop the damaged bytes. A transaction that
 * accepts damage must not need to collect a segment holding it (FST_ERR_CORRUPT). */
int fst_accept_damage(fst_t *st);

#ifdef __cplusplus
}
#endif
#endif /* FCC_STORE_H */
