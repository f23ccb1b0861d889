/* SPDX-License-Identifier: Apache-2.0 */
/* Internal interface of lib/kcm: the value record that KCM keeps in each engine entry, the
 * engine key map, and the crypto and validation helpers. Split from kcm.c so the helpers can be
 * unit-tested without a store. Not installed; promises nothing outside lib/kcm and its tests.
 * The byte layout is documented in docs/kcm.md. */
#ifndef KCM_INTERNAL_H
#define KCM_INTERNAL_H

#include "fcc/kcm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- value record ------------------------------------------------------------------------ */

#define KCM_REC_MAGIC 0x4Bu   /* 'K' */
#define KCM_REC_VERSION 1u
#define KCM_REC_HDR 40u       /* header bytes before the data */
#define KCM_REC_AAD_HDR 24u   /* header bytes covered as associated data (up to the tag) */
#define KCM_NONCE_LEN 12u
#define KCM_TAG_LEN 16u

#define KCM_FLAG_FACTORY 0x01u
#define KCM_FLAG_ENCRYPTED 0x02u

/* Largest plaintext one item can hold: the engine's largest value less the record header. */
#define KCM_DATA_MAX ((size_t)FST_VALUE_MAX - KCM_REC_HDR)

/* Scratch buffers carved from the caller's work area after the engine's part. */
#define KCM_BUF_SIZE ((size_t)FCC_ITEM_VALUE_MAX + 64u)

/* `kind` byte of a record: the item type (1..5) or KCM_KIND_INTERNAL + kcm_internal_t. */
#define KCM_KIND_INTERNAL 0x40u

typedef struct kcm_rec_hdr {
    uint8_t kind;
    uint8_t flags;
    uint8_t chain_len; /* certificates: 1..5; other kinds 0 */
    uint8_t index;     /* certificates: position in the chain, 0 = leaf */
    uint32_t len;      /* plaintext length */
} kcm_rec_hdr_t;

/* ---- engine key map --------------------------------------------------------------------- */
/* Engine type byte of each record (the engine key is this byte plus the item name):
 *   0x01..0x05  live item of type t; a certificate or the leaf (index 0) of a chain
 *   0x11..0x14  live chain certificate index 1..4
 *   0x21..0x25, 0x31..0x34  factory backups of the two ranges above (| 0x20)
 *   0x41..0x44  internal item (name "kcm.internal") */
#define KCM_ET_CHAIN_BASE 0x10u
#define KCM_ET_BACKUP 0x20u
#define KCM_ET_INTERNAL 0x40u
#define KCM_INTERNAL_NAME "kcm.internal"
/*   0x48        a PSA ITS entry (a persistent PSA key), name "psa.its." + 16 hex digits of its
 *               uid; always encrypted; kept by factory reset, not listed by iteration */
#define KCM_ET_PSA_ITS 0x48u
#define KCM_KIND_PSA_ITS 0x48u
#define KCM_ITS_PREFIX "psa.its."
#define KCM_ITS_NAME_LEN (sizeof(KCM_ITS_PREFIX) - 1 + 16)

/* Engine type of live certificate `index` (0 = leaf) of a chain. */
uint8_t kcm_et_cert(unsigned index);
/* True when `et` is a live user record (item or chain member); *kind and *index describe it. */
bool kcm_et_is_live(uint8_t et, uint8_t *kind, uint8_t *index);
/* True when `et` is a factory backup record. */
bool kcm_et_is_backup(uint8_t et);

/* ---- helpers ---------------------------------------------------------------------------- */

/* Name rules: 1..FCC_NAME_MAX bytes of A-Za-z0-9._- . Returns KCM_OK, KCM_ERR_NAME_TOO_LONG,
 * KCM_ERR_NAME_INVALID (empty name or another byte) or KCM_ERR_INVALID_PARAMETER (NULL). */
kcm_status_t kcm_check_name(const uint8_t *name, size_t len);

/* True for the types stored encrypted. */
bool kcm_type_confidential(kcm_item_type_t type);

/* Storage key: HKDF-SHA256(salt "fcc-kcm-salt-v1", ikm = rot, info "kcm record key v1") into
 * 32 bytes. Returns KCM_OK or KCM_ERR_CRYPTO. */
kcm_status_t kcm_derive_key(const uint8_t *rot, size_t rot_len, uint8_t key[32]);

/* Builds a record in `out` (out_size >= KCM_REC_HDR + len): encrypted with AES-256-GCM under
 * `key` (fresh 12-byte nonce from rng) when h->flags has KCM_FLAG_ENCRYPTED, else clear with a
 * SHA-256 digest. h->len is set to len. Returns KCM_OK, KCM_ERR_INVALID_PARAMETER, or
 * KCM_ERR_CRYPTO (rng or cipher failure). */
kcm_status_t kcm_rec_seal(const uint8_t key[32], kcm_rng_fn rng, void *rng_ctx,
                          kcm_rec_hdr_t *h, const uint8_t *name, size_t name_len,
                          const uint8_t *data, size_t len, uint8_t *out, size_t out_size,
                          size_t *out_len);

/* Structural check of a record's header (magic, version, flags, length agrees with rec_len).
 * Fills *h. Returns KCM_OK or KCM_ERR_CORRUPTED. Does not authenticate. */
kcm_status_t kcm_rec_header(const uint8_t *rec, size_t rec_len, kcm_rec_hdr_t *h);

/* Authenticates a record read under `name` and writes its plaintext (h->len bytes) to `out`
 * (out_size >= h->len; out must not overlap rec). `key` may be NULL only for clear records.
 * Returns KCM_OK, KCM_ERR_CORRUPTED (any check fails; out is wiped), KCM_ERR_ROT_MISSING
 * (encrypted record, no key), KCM_ERR_INSUFFICIENT_BUFFER or KCM_ERR_CRYPTO. */
kcm_status_t kcm_rec_open(const uint8_t key[32], const uint8_t *rec, size_t rec_len,
                          const uint8_t *name, size_t name_len, kcm_rec_hdr_t *h,
                          uint8_t *out, size_t out_size);

/* Validation on store. DER only (a first byte other than 0x30 is refused).
 * Private key: EC P-256, scalar and public point checked -> KCM_ERR_PRIVKEY_PARSE /
 *   KCM_ERR_CURVE_UNSUPPORTED. Public key: SubjectPublicKeyInfo, EC P-256, point checked ->
 *   KCM_ERR_PUBKEY_PARSE / KCM_ERR_CURVE_UNSUPPORTED. Certificate: one DER X.509 certificate
 *   and nothing after it -> KCM_ERR_CERT_PARSE. mbedTLS allocates while parsing. */
kcm_status_t kcm_check_private_key(const uint8_t *der, size_t len);
kcm_status_t kcm_check_public_key(const uint8_t *der, size_t len);
kcm_status_t kcm_check_certificate(const uint8_t *der, size_t len);

/* True-link check of a chain: the public key of `issuer` verifies the signature of `child`.
 * Returns KCM_OK, KCM_ERR_CERT_PARSE (either does not parse) or KCM_ERR_CHAIN_VALIDATION. */
kcm_status_t kcm_check_chain_link(const uint8_t *child, size_t child_len, const uint8_t *issuer,
                                  size_t issuer_len);

/* SHA-256 of child DER || issuer DER: the identity of a verified chain link. 0 or -1. */
int kcm_link_digest(const uint8_t *child, size_t child_len, const uint8_t *issuer,
                    size_t issuer_len, uint8_t out[32]);

/* ---- PSA ITS entries (kcm.c; used by kcm_psa_its.c) ------------------------------------- */

/* Writes (creates or replaces) ITS entry `uid`, encrypted, in the caller's transaction if one is
 * open. Returns KCM_OK or a storage/crypto error. */
kcm_status_t kcm_its_put(kcm_t *kcm, uint64_t uid, const uint8_t *data, size_t len);
/* Reads up to `size` bytes of entry `uid` from `offset`; *out_len the bytes copied, *total the
 * entry's length (either may be NULL). KCM_ERR_NOT_FOUND when absent, KCM_ERR_INVALID_PARAMETER
 * when offset > length. */
kcm_status_t kcm_its_get(kcm_t *kcm, uint64_t uid, size_t offset, uint8_t *buf, size_t size,
                         size_t *out_len, size_t *total);
/* Removes entry `uid`: KCM_OK, KCM_ERR_NOT_FOUND or a storage error. */
kcm_status_t kcm_its_delete(kcm_t *kcm, uint64_t uid);

/* Makes `kcm` the storage of PSA's persistent keys (NULL: none), dropping the keys PSA cached
 * from the previous one (kcm_psa_its.c; kcm_init and kcm_free call these). */
void kcm_psa_its_bind(kcm_t *kcm);
void kcm_psa_its_unbind(kcm_t *kcm);

#endif /* KCM_INTERNAL_H */
