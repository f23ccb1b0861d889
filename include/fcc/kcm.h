/* SPDX-License-Identifier: Apache-2.0 */
/* KCM, the key and configuration manager: a typed item store over the storage engine.
 * Five item types, each its own name space; names are 1..100 bytes of A-Za-z0-9._-.
 * Keys are validated on store (DER EC P-256), certificates parsed (DER X.509), chains of 1..5
 * certificates checked link by link. Private keys, symmetric keys and config parameters are
 * encrypted at rest (AES-GCM, keys derived from the device root of trust); certificates and
 * public keys are stored in the clear but integrity-checked. Tampered data reads as
 * KCM_ERR_CORRUPTED, never as data. Everything a bundle stores goes through one transaction.
 * Wire-contract numbers are in fcc/status.h; kcm_to_fcc_status() maps onto them. */
#ifndef FCC_KCM_H
#define FCC_KCM_H

#include "fcc/config.h"
#include "fcc/flash.h"
#include "fcc/status.h"
#include "fcc/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kcm_status {
    KCM_OK = 0,
    KCM_ERR_GENERAL = 1,
    KCM_ERR_INVALID_PARAMETER = 2,
    KCM_ERR_INSUFFICIENT_BUFFER = 3, /* *out_len tells the size needed */
    KCM_ERR_NOT_FOUND = 4,
    KCM_ERR_EXISTS = 5,              /* "Data already exists:" */
    KCM_ERR_EMPTY = 6,               /* "Item data empty:" */
    KCM_ERR_NAME_INVALID = 7,        /* "File name invalid:" */
    KCM_ERR_NAME_TOO_LONG = 8,       /* "File name too long:" */
    KCM_ERR_PRIVKEY_PARSE = 9,       /* "Private key parse failed:" */
    KCM_ERR_PUBKEY_PARSE = 10,       /* "Public key parse failed:" */
    KCM_ERR_CURVE_UNSUPPORTED = 11,  /* "Curve unsupported:" */
    KCM_ERR_CERT_PARSE = 12,         /* "Certificate parse failed:" */
    KCM_ERR_CHAIN_VALIDATION = 13,   /* "Chain validation error:" */
    KCM_ERR_CHAIN_LENGTH = 14,       /* "Maximum chain length supported is 5. Chain length of the
                                        item is invalid:" */
    KCM_ERR_CHAIN_INCOMPLETE = 15,   /* fewer certificates added than declared */
    KCM_ERR_STORAGE = 16,            /* flash or engine failure */
    KCM_ERR_CORRUPTED = 17,          /* authentication or integrity check failed, or the store
                                        holds damage that refuses the write ("Internal storage
                                        error:", FCC status 4) */
    KCM_ERR_NO_SPACE = 18,
    KCM_ERR_CRYPTO = 19,
    KCM_ERR_NOT_INITIALIZED = 20,
    KCM_ERR_STATE = 21,              /* e.g. a transaction already open, or none open */
    KCM_ERR_KEY_MISMATCH = 22,       /* a certificate's public key does not match a private key */
    KCM_ERR_ROT_MISSING = 23,
    KCM_ERR_MAX_ = 23
} kcm_status_t;

typedef enum kcm_item_type {
    KCM_PRIVATE_KEY = 1,
    KCM_PUBLIC_KEY = 2,
    KCM_SYMMETRIC_KEY = 3,
    KCM_CERTIFICATE = 4, /* a single certificate or a chain (a chain's leaf is its first) */
    KCM_CONFIG = 5
} kcm_item_type_t;

/* Write-once internal items. */
typedef enum kcm_internal {
    KCM_INTERNAL_ENTROPY = 1,          /* 48 bytes */
    KCM_INTERNAL_ROT = 2,              /* 16 bytes */
    KCM_INTERNAL_FACTORY_DISABLED = 3, /* 1 byte, value 1 */
    KCM_INTERNAL_BOOTSTRAP_CA_ID = 4   /* up to 64 bytes */
} kcm_internal_t;

/* Random bytes, mbedTLS style: returns 0 on success. */
typedef int (*kcm_rng_fn)(void *ctx, unsigned char *buf, size_t len);

/* Work buffer KCM needs from its caller (bytes): the engine's work buffer plus room to encrypt
 * or decrypt one item. */
#define KCM_WORK_SIZE (FST_WORK_SIZE + 2 * (FCC_ITEM_VALUE_MAX + 64))

/* Chain links whose verification KCM remembers in one transaction (a longer chain's other links
 * are simply verified again). */
#define KCM_LINK_MEMO 4

/* Public-key operations the device library made since the last kcm_pk_ops_reset (process-wide,
 * like PSA's key store): the bench prints them, tests assert them. Counted where the library
 * calls them: chain-link and certificate signature verifications (fcc_x509_check_signature), the
 * scalar multiplications that check a stored private key (d*G against the DER's point), the
 * signatures of CSRs and the key pairs generated for them. */
typedef struct kcm_pk_ops {
    uint32_t verifies;
    uint32_t key_muls;
    uint32_t signs;
    uint32_t keygens;
} kcm_pk_ops_t;

void kcm_pk_ops_get(kcm_pk_ops_t *out);
void kcm_pk_ops_reset(void);

typedef struct kcm {
    /* private */
    fst_t store;
    const fcc_flash_t *flash;
    uint8_t *work;
    size_t work_size;
    kcm_rng_fn rng;
    void *rng_ctx;
    uint8_t storage_key[32]; /* derived from the ROT; wiped by kcm_free */
    bool key_ready;
    bool initialized;
    bool txn_open;     /* a caller transaction (kcm_txn_begin) is open */
    bool txn_failed;   /* a write inside it failed half way: commit refuses */
    bool chain_active; /* a chain is being written (create .. close) */
    bool chain_txn;    /* ... in a transaction of its own, committed by close */
    bool op_wrote;     /* the current call wrote to the engine */
    /* SHA-256 of (child DER, issuer DER) of the chain links whose signature KCM verified while
     * storing a chain in the open caller transaction (kcm_chain_link_verified); cleared by
     * kcm_txn_begin, commit and abort. */
    uint8_t links_verified[KCM_LINK_MEMO][32];
    uint8_t links_n;
    uint32_t reserved[8];
} kcm_t;

/* Mounts the store on `flash` (formatting a blank flash). `work` of at least KCM_WORK_SIZE bytes
 * and `flash` are borrowed until kcm_free. `rng` (required) is used for nonces and for a root of
 * trust generated on first use when none was injected. Returns KCM_OK,
 * KCM_ERR_INVALID_PARAMETER, or KCM_ERR_CORRUPTED / KCM_ERR_STORAGE when the flash holds no
 * readable store; kcm_wipe() can then format it. */
kcm_status_t kcm_init(kcm_t *kcm, const fcc_flash_t *flash, void *work, size_t work_size,
                      kcm_rng_fn rng, void *rng_ctx);

/* Unmounts and wipes key material. Safe on a zeroed struct. */
void kcm_free(kcm_t *kcm);

/* Transactions: every store, delete, chain and internal write between begin and commit lands
 * together or not at all. Without an open transaction each call is its own transaction. Reads
 * inside a transaction see its own writes. A call refused before writing (existing name, bad
 * key...) leaves the transaction usable; after a call failed half way (flash error, store full)
 * commit aborts and returns KCM_ERR_STATE. Commit also refuses while a chain is open. Begin
 * while a transaction or a chain is open: KCM_ERR_STATE. */
kcm_status_t kcm_txn_begin(kcm_t *kcm);
kcm_status_t kcm_txn_commit(kcm_t *kcm);
kcm_status_t kcm_txn_abort(kcm_t *kcm);

/* Stores a new item. Refuses an existing name of the same type (KCM_ERR_EXISTS), an empty
 * value for any type but KCM_CONFIG, and invalid keys or certificates. `factory` marks it a
 * factory item (restored by kcm_factory_reset). Data is copied; the caller keeps ownership. */
kcm_status_t kcm_item_store(kcm_t *kcm, const uint8_t *name, size_t name_len,
                            kcm_item_type_t type, bool factory, const uint8_t *data, size_t len);

/* Size of an item's data (for a chain: its leaf). */
kcm_status_t kcm_item_get_size(kcm_t *kcm, const uint8_t *name, size_t name_len,
                               kcm_item_type_t type, size_t *size);

/* Copies an item's data into buf (for a chain: its leaf). KCM_ERR_INSUFFICIENT_BUFFER with the
 * size needed in *out_len when buf is too small. */
kcm_status_t kcm_item_get_data(kcm_t *kcm, const uint8_t *name, size_t name_len,
                               kcm_item_type_t type, uint8_t *buf, size_t buf_size,
                               size_t *out_len);

/* Deletes an item (a whole chain when the name is a chain). */
kcm_status_t kcm_item_delete(kcm_t *kcm, const uint8_t *name, size_t name_len,
                             kcm_item_type_t type);

/* Certificate chains. Create with a length of 1..FCC_CHAIN_MAX, add certificates leaf first;
 * certificate i >= 1 must verify the signature of certificate i-1 (KCM_ERR_CHAIN_VALIDATION).
 * Close finishes the chain; closing an incomplete chain deletes it and returns
 * KCM_ERR_CHAIN_INCOMPLETE. Open reads a chain, or a single certificate as a chain of one.
 * Outside a caller transaction a chain is written in a transaction of its own that close
 * commits. While a chain is being written other writes return KCM_ERR_STATE (reads work). */
typedef struct kcm_chain {
    /* private */
    kcm_t *kcm;
    uint8_t name[FCC_NAME_MAX];
    size_t name_len;
    size_t chain_len;
    size_t index;
    bool factory;
    bool writing;
    bool is_single;
} kcm_chain_t;

kcm_status_t kcm_chain_create(kcm_t *kcm, kcm_chain_t *chain, const uint8_t *name,
                              size_t name_len, size_t chain_len, bool factory);
kcm_status_t kcm_chain_add_next(kcm_chain_t *chain, const uint8_t *der, size_t len);
kcm_status_t kcm_chain_open(kcm_t *kcm, kcm_chain_t *chain, const uint8_t *name,
                            size_t name_len, size_t *chain_len);
kcm_status_t kcm_chain_get_next_size(kcm_chain_t *chain, size_t *size);
kcm_status_t kcm_chain_get_next_data(kcm_chain_t *chain, uint8_t *buf, size_t buf_size,
                                     size_t *out_len);
kcm_status_t kcm_chain_close(kcm_chain_t *chain);
kcm_status_t kcm_chain_delete(kcm_t *kcm, const uint8_t *name, size_t name_len);

/* True when, in the caller transaction still open, KCM verified the signature of certificate
 * `child` with the key of `issuer` (exactly these DER bytes) while storing a chain
 * (kcm_chain_add_next). The verification then need not verify the link a second time. Always
 * false outside a transaction, so a verification of a committed store checks every link. */
bool kcm_chain_link_verified(const kcm_t *kcm, const uint8_t *child, size_t child_len,
                             const uint8_t *issuer, size_t issuer_len);

/* Write-once internal items: a second set returns KCM_ERR_EXISTS. Entropy must be 48 bytes and
 * the root of trust 16 (KCM_ERR_INVALID_PARAMETER otherwise). */
kcm_status_t kcm_internal_set(kcm_t *kcm, kcm_internal_t which, const uint8_t *data, size_t len);
kcm_status_t kcm_internal_get(kcm_t *kcm, kcm_internal_t which, uint8_t *buf, size_t buf_size,
                              size_t *out_len);

/* Iterates user items (not internal ones). Zero `it` first; returns KCM_ERR_NOT_FOUND at the end.
 * `name` must hold FCC_NAME_MAX bytes. chain_len is 0 for items that are not certificates.
 * An item that fails its integrity check returns KCM_ERR_CORRUPTED with info->name and type
 * filled; the iteration can go on. After the readable items come the items whose current
 * version the store found damaged, each as KCM_ERR_CORRUPTED (name_len 0 and type 0 when the
 * damage hides which item it was). Do not write to KCM during an iteration. */
typedef struct kcm_iter {
    fst_iter_t fst; /* private */
} kcm_iter_t;
typedef struct kcm_item_info {
    uint8_t name[FCC_NAME_MAX];
    size_t name_len;
    kcm_item_type_t type;
    size_t data_size;  /* plaintext size (for a chain: its leaf) */
    size_t chain_len;
    bool factory;
} kcm_item_info_t;
kcm_status_t kcm_iter_next(kcm_t *kcm, kcm_iter_t *it, kcm_item_info_t *info);

/* Factory reset, atomically: every factory item back to its factory value, every other user
 * item removed. Internal items are kept. It is also the explicit step that accepts damage the
 * mount found (fst_accept_damage): items whose current version is damaged are deleted, and
 * writes, refused with KCM_ERR_CORRUPTED while the damage was not accepted, work again. */
kcm_status_t kcm_factory_reset(kcm_t *kcm);

/* Erases everything, internal items included, and leaves an empty mounted store (damage
 * included: the other explicit way out of a damaged store). */
kcm_status_t kcm_wipe(kcm_t *kcm);

/* Store health. A damaged region of the store (docs/store.md section 6): the engine's
 * description, and the item it belongs to when its key is known: `type` (0 when it is not a user
 * item), whether it is a factory backup or an internal item, and the certificate's position in
 * its chain. The name is where.name[0..where.name_len) (where.name_known). */
typedef struct kcm_damage {
    fst_damage_t where;
    kcm_item_type_t type;
    bool backup, internal;
    unsigned chain_index;
} kcm_damage_t;

/* Damaged region `index` (0, 1, ...), KCM_ERR_NOT_FOUND past the last. */
kcm_status_t kcm_damage_get(kcm_t *kcm, uint32_t index, kcm_damage_t *out);

/* KCM_OK when the store holds no damage that is not accepted; else KCM_ERR_CORRUPTED with the
 * first such region in *first. The bundle handler refuses bundles while it says so. */
kcm_status_t kcm_store_check(kcm_t *kcm, kcm_damage_t *first);

/* The engine's figures (fst_info): format version, segments, used and free bytes, records. */
kcm_status_t kcm_store_info(kcm_t *kcm, fst_info_t *info);

/* Wire-contract status number and message prefix of a KCM result (e.g. KCM_ERR_EXISTS ->
 * 17, "Data already exists:"). Prefixes are static strings, never NULL. */
fcc_status_t kcm_to_fcc_status(kcm_status_t st);
const char *kcm_status_message(kcm_status_t st);

#ifdef __cplusplus
}
#endif
#endif /* FCC_KCM_H */
