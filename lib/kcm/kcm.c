/* SPDX-License-Identifier: Apache-2.0 */
/* KCM over the storage engine: typed items, certificate chains, write-once internal items,
 * factory items and factory reset, all mapped onto engine keys and engine transactions so that a
 * bundle lands whole or not at all. Each engine value is a KCM record (kcm_internal.h,
 * docs/kcm.md). No heap: the caller's work buffer holds the engine's buffer and two item-sized
 * scratch buffers (A: a record as stored, B: a plaintext), and plaintext is wiped after use. */
#include "kcm_internal.h"

#include <mbedtls/platform_util.h>
#include "fcc_psa.h"

#include <string.h>

/* Upper bound on factory-reset passes (each fixes at least one key); a guard against an engine
 * whose iteration does not reflect the writes. */
#define KCM_RESET_PASSES_MAX 100000u

static uint8_t *buf_a(kcm_t *k)
{
    return k->work + FST_WORK_SIZE;
}

static uint8_t *buf_b(kcm_t *k)
{
    return k->work + FST_WORK_SIZE + KCM_BUF_SIZE;
}

static kcm_status_t from_fst(int rc)
{
    switch (rc) {
    case FST_OK: return KCM_OK;
    case FST_ERR_NOENT: return KCM_ERR_NOT_FOUND;
    case FST_ERR_NOSPC: return KCM_ERR_NO_SPACE;
    case FST_ERR_CORRUPT: return KCM_ERR_CORRUPTED;
    case FST_ERR_RANGE: return KCM_ERR_CORRUPTED; /* larger than any record we write */
    case FST_ERR_INVAL: return KCM_ERR_INVALID_PARAMETER;
    case FST_ERR_STATE: return KCM_ERR_STATE;
    default: return KCM_ERR_STORAGE;
    }
}

static void forget_key(kcm_t *k)
{
    mbedtls_platform_zeroize(k->storage_key, sizeof(k->storage_key));
    k->key_ready = false;
}

static bool type_valid(kcm_item_type_t type)
{
    return type >= KCM_PRIVATE_KEY && type <= KCM_CONFIG;
}

/* ---- engine access ------------------------------------------------------------------------ */

static kcm_status_t eput(kcm_t *k, uint8_t et, const uint8_t *name, size_t name_len,
                         const uint8_t *rec, size_t len)
{
    k->op_wrote = true;
    return from_fst(fst_put(&k->store, et, name, name_len, rec, len));
}

/* Deletes a key if present; *found (may be NULL) tells whether it was. */
static kcm_status_t edel(kcm_t *k, uint8_t et, const uint8_t *name, size_t name_len, bool *found)
{
    int rc = fst_del(&k->store, et, name, name_len);
    if (found != NULL)
        *found = rc == FST_OK;
    if (rc == FST_ERR_NOENT)
        return KCM_OK;
    k->op_wrote = true;
    return from_fst(rc);
}

/* Reads the raw record of (et, name) into buffer A. */
static kcm_status_t read_raw(kcm_t *k, uint8_t et, const uint8_t *name, size_t name_len,
                             size_t *len)
{
    return from_fst(fst_get(&k->store, et, name, name_len, buf_a(k), KCM_BUF_SIZE, len));
}

static kcm_status_t exists_check(kcm_t *k, uint8_t et, const uint8_t *name, size_t name_len)
{
    size_t n;
    int rc = fst_size(&k->store, et, name, name_len, &n);
    if (rc == FST_OK)
        return KCM_ERR_EXISTS;
    if (rc == FST_ERR_NOENT)
        return KCM_OK;
    return from_fst(rc);
}

/* ---- call framing: each call is its own transaction unless the caller opened one ----------- */

static kcm_status_t op_begin(kcm_t *k, bool *implicit)
{
    *implicit = false;
    if (k == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!k->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    if (k->chain_active)
        return KCM_ERR_STATE;
    k->op_wrote = false;
    if (k->txn_open)
        return KCM_OK;
    if (fst_begin(&k->store) != FST_OK)
        return KCM_ERR_STORAGE;
    *implicit = true;
    return KCM_OK;
}

static kcm_status_t op_end(kcm_t *k, bool implicit, kcm_status_t st)
{
    if (implicit) {
        if (st == KCM_OK) {
            st = from_fst(fst_commit(&k->store));
            if (st != KCM_OK) {
                (void)fst_abort(&k->store);
                forget_key(k);
            }
        } else {
            (void)fst_abort(&k->store);
            forget_key(k);
        }
    } else if (st != KCM_OK && k->op_wrote && k->txn_open) {
        k->txn_failed = true;
    }
    return st;
}

/* ---- records -------------------------------------------------------------------------------- */

/* Writes an internal item record (clear, integrity-checked). Uses buffer A. */
static kcm_status_t internal_write(kcm_t *k, kcm_internal_t which, const uint8_t *data,
                                   size_t len)
{
    kcm_rec_hdr_t h = {(uint8_t)(KCM_KIND_INTERNAL + which), 0, 0, 0, 0};
    size_t rlen;
    kcm_status_t st = kcm_rec_seal(NULL, NULL, NULL, &h, (const uint8_t *)KCM_INTERNAL_NAME,
                                   sizeof(KCM_INTERNAL_NAME) - 1, data, len, buf_a(k),
                                   KCM_BUF_SIZE, &rlen);
    if (st != KCM_OK)
        return st;
    st = eput(k, (uint8_t)(KCM_ET_INTERNAL + which), (const uint8_t *)KCM_INTERNAL_NAME,
              sizeof(KCM_INTERNAL_NAME) - 1, buf_a(k), rlen);
    mbedtls_platform_zeroize(buf_a(k), rlen); /* internal records are clear: the ROT was here */
    return st;
}

/* Reads an internal item's plaintext into buffer B (wipe it after use). Uses A and B. */
static kcm_status_t internal_read(kcm_t *k, kcm_internal_t which, kcm_rec_hdr_t *h)
{
    size_t rlen;
    kcm_status_t st = read_raw(k, (uint8_t)(KCM_ET_INTERNAL + which),
                               (const uint8_t *)KCM_INTERNAL_NAME, sizeof(KCM_INTERNAL_NAME) - 1,
                               &rlen);
    if (st != KCM_OK)
        return st;
    st = kcm_rec_open(NULL, buf_a(k), rlen, (const uint8_t *)KCM_INTERNAL_NAME,
                      sizeof(KCM_INTERNAL_NAME) - 1, h, buf_b(k), KCM_BUF_SIZE);
    mbedtls_platform_zeroize(buf_a(k), rlen);
    if (st == KCM_OK && (h->kind != KCM_KIND_INTERNAL + which || h->flags != 0)) {
        mbedtls_platform_zeroize(buf_b(k), h->len);
        st = KCM_ERR_CORRUPTED;
    }
    return st;
}

/* Makes the storage key ready: from the stored (or in-transaction) root of trust, or, when
 * `create` is set and none exists, from a new random one written as the internal ROT item in
 * the current transaction. Uses buffers A and B: call it before anything else of a call.
 * Returns KCM_OK, KCM_ERR_ROT_MISSING (no ROT and !create), or a storage/crypto error. */
static kcm_status_t key_load(kcm_t *k, bool create)
{
    kcm_status_t st;
    kcm_rec_hdr_t h;
    uint8_t rot[16];

    if (k->key_ready)
        return KCM_OK;
    st = internal_read(k, KCM_INTERNAL_ROT, &h);
    if (st == KCM_OK) {
        if (h.len != sizeof(rot)) {
            st = KCM_ERR_CORRUPTED;
            goto cleanup;
        }
        memcpy(rot, buf_b(k), sizeof(rot));
    } else if (st == KCM_ERR_NOT_FOUND) {
        st = KCM_ERR_ROT_MISSING;
        if (!create)
            goto cleanup;
        st = KCM_ERR_CRYPTO;
        if (k->rng(k->rng_ctx, rot, sizeof(rot)) != 0)
            goto cleanup;
        st = internal_write(k, KCM_INTERNAL_ROT, rot, sizeof(rot));
        if (st != KCM_OK)
            goto cleanup;
    } else {
        goto cleanup;
    }
    st = kcm_derive_key(rot, sizeof(rot), k->storage_key);
    k->key_ready = st == KCM_OK;
cleanup:
    mbedtls_platform_zeroize(rot, sizeof(rot));
    mbedtls_platform_zeroize(buf_b(k), sizeof(rot));
    return st;
}

/* Seals and writes one user record at engine type `et`. Loads (or creates) the storage key for
 * confidential kinds. Uses buffers A and B. */
static kcm_status_t write_item(kcm_t *k, uint8_t et, kcm_item_type_t kind, bool factory,
                               unsigned chain_len, unsigned index, const uint8_t *name,
                               size_t name_len, const uint8_t *data, size_t len)
{
    kcm_status_t st;
    size_t rlen;
    bool enc = kcm_type_confidential(kind);
    kcm_rec_hdr_t h = {(uint8_t)kind,
                       (uint8_t)((factory ? KCM_FLAG_FACTORY : 0u) |
                                 (enc ? KCM_FLAG_ENCRYPTED : 0u)),
                       (uint8_t)chain_len, (uint8_t)index, 0};

    if (enc) {
        st = key_load(k, true);
        if (st != KCM_OK)
            return st;
    }
    st = kcm_rec_seal(enc ? k->storage_key : NULL, k->rng, k->rng_ctx, &h, name, name_len, data,
                      len, buf_a(k), KCM_BUF_SIZE, &rlen);
    if (st != KCM_OK)
        return st;
    return eput(k, et, name, name_len, buf_a(k), rlen);
}

/* Reads and authenticates the user record (et, name), expected to be of `kind` at chain
 * position `index`; its plaintext lands in buffer B (wipe after use). Uses A and B. */
static kcm_status_t read_item(kcm_t *k, uint8_t et, kcm_item_type_t kind, unsigned index,
                              const uint8_t *name, size_t name_len, kcm_rec_hdr_t *h)
{
    kcm_status_t st;
    size_t rlen;
    bool enc = kcm_type_confidential(kind);

    if (enc) {
        st = key_load(k, false);
        if (st != KCM_OK && st != KCM_ERR_ROT_MISSING)
            return st;
    }
    st = read_raw(k, et, name, name_len, &rlen);
    if (st != KCM_OK)
        return st;
    st = kcm_rec_open(k->key_ready ? k->storage_key : NULL, buf_a(k), rlen, name, name_len, h,
                      buf_b(k), KCM_BUF_SIZE);
    if (st != KCM_OK)
        return st;
    /* The record must be what its key says: right kind, right place in a chain, and encrypted
     * exactly when its kind is confidential (a clear record cannot stand in for a secret). */
    if (h->kind != (uint8_t)kind || h->index != index ||
        ((h->flags & KCM_FLAG_ENCRYPTED) != 0) != enc ||
        (kind == KCM_CERTIFICATE ? (h->chain_len < 1 || h->chain_len > FCC_CHAIN_MAX ||
                                    index >= h->chain_len)
                                 : h->chain_len != 0)) {
        mbedtls_platform_zeroize(buf_b(k), h->len);
        return KCM_ERR_CORRUPTED;
    }
    return KCM_OK;
}

/* Copies the plaintext in buffer B out to the caller and wipes B. */
static kcm_status_t copy_out(kcm_t *k, const kcm_rec_hdr_t *h, uint8_t *buf, size_t buf_size,
                             size_t *out_len)
{
    kcm_status_t st = KCM_ERR_INSUFFICIENT_BUFFER;
    if (out_len != NULL)
        *out_len = h->len;
    if (buf_size < h->len || (buf == NULL && h->len > 0))
        goto cleanup;
    if (h->len > 0)
        memcpy(buf, buf_b(k), h->len);
    st = KCM_OK;
cleanup:
    mbedtls_platform_zeroize(buf_b(k), h->len);
    return st;
}

/* Deletes the live record (et, name); a factory record is moved to its backup key first so
 * that factory reset can bring it back. */
static kcm_status_t delete_record(kcm_t *k, uint8_t et, const uint8_t *name, size_t name_len,
                                  bool *found)
{
    kcm_rec_hdr_t h;
    size_t rlen;
    kcm_status_t st = read_raw(k, et, name, name_len, &rlen);

    *found = false;
    if (st == KCM_ERR_NOT_FOUND)
        return KCM_OK;
    if (st != KCM_OK)
        return st;
    *found = true;
    if (kcm_rec_header(buf_a(k), rlen, &h) == KCM_OK && (h.flags & KCM_FLAG_FACTORY) != 0) {
        st = eput(k, (uint8_t)(et | KCM_ET_BACKUP), name, name_len, buf_a(k), rlen);
        if (st != KCM_OK)
            return st;
    }
    return edel(k, et, name, name_len, NULL);
}

/* Drops the factory backups of a name (a new factory value replaces the old one). */
static kcm_status_t drop_backups(kcm_t *k, kcm_item_type_t type, const uint8_t *name,
                                 size_t name_len)
{
    kcm_status_t st = KCM_OK;
    if (type != KCM_CERTIFICATE)
        return edel(k, (uint8_t)(type | KCM_ET_BACKUP), name, name_len, NULL);
    for (unsigned i = 0; i < FCC_CHAIN_MAX && st == KCM_OK; i++)
        st = edel(k, (uint8_t)(kcm_et_cert(i) | KCM_ET_BACKUP), name, name_len, NULL);
    return st;
}

static kcm_status_t validate_item(kcm_item_type_t type, const uint8_t *data, size_t len)
{
    switch (type) {
    case KCM_PRIVATE_KEY: return kcm_check_private_key(data, len);
    case KCM_PUBLIC_KEY: return kcm_check_public_key(data, len);
    case KCM_CERTIFICATE: return kcm_check_certificate(data, len);
    default: return KCM_OK;
    }
}

/* ---- lifecycle -------------------------------------------------------------------------- */

kcm_status_t kcm_init(kcm_t *kcm, const fcc_flash_t *flash, void *work, size_t work_size,
                      kcm_rng_fn rng, void *rng_ctx)
{
    int rc;
    if (kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    memset(kcm, 0, sizeof(*kcm));
    if (flash == NULL || work == NULL || work_size < KCM_WORK_SIZE || rng == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (fcc_psa_ready() != 0) /* KCM's cryptography is PSA's (kcm_crypto.c) */
        return KCM_ERR_CRYPTO;
    kcm->flash = flash;
    kcm->work = work;
    kcm->work_size = work_size;
    kcm->rng = rng;
    kcm->rng_ctx = rng_ctx;
    rc = fst_mount(&kcm->store, flash, work, FST_WORK_SIZE);
    if (rc != FST_OK)
        return rc == FST_ERR_CORRUPT ? KCM_ERR_CORRUPTED : KCM_ERR_STORAGE;
    kcm->initialized = true;
    kcm_psa_its_bind(kcm); /* PSA's persistent keys live in this store from now on */
    return KCM_OK;
}

void kcm_free(kcm_t *kcm)
{
    if (kcm == NULL)
        return;
    kcm_psa_its_unbind(kcm);
    if (kcm->initialized)
        fst_unmount(&kcm->store);
    if (kcm->work != NULL && kcm->work_size >= KCM_WORK_SIZE)
        mbedtls_platform_zeroize(kcm->work + FST_WORK_SIZE, 2 * KCM_BUF_SIZE);
    mbedtls_platform_zeroize(kcm, sizeof(*kcm));
}

kcm_status_t kcm_wipe(kcm_t *kcm)
{
    int rc;
    if (kcm == NULL || kcm->flash == NULL || kcm->work == NULL)
        return KCM_ERR_NOT_INITIALIZED;
    kcm_psa_its_unbind(kcm);
    if (kcm->initialized)
        fst_unmount(&kcm->store);
    kcm->initialized = false;
    kcm->txn_open = kcm->txn_failed = kcm->chain_active = kcm->chain_txn = false;
    kcm->links_n = 0;
    forget_key(kcm);
    rc = fst_format(&kcm->store, kcm->flash, kcm->work, FST_WORK_SIZE);
    if (rc == FST_OK) {
        fst_unmount(&kcm->store);
        rc = fst_mount(&kcm->store, kcm->flash, kcm->work, FST_WORK_SIZE);
    }
    if (rc != FST_OK)
        return KCM_ERR_STORAGE;
    kcm->initialized = true;
    kcm_psa_its_bind(kcm); /* PSA's persistent keys live in this store from now on */
    return KCM_OK;
}

/* ---- transactions ----------------------------------------------------------------------- */

kcm_status_t kcm_txn_begin(kcm_t *kcm)
{
    if (kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    if (kcm->txn_open || kcm->chain_active)
        return KCM_ERR_STATE;
    if (fst_begin(&kcm->store) != FST_OK)
        return KCM_ERR_STORAGE;
    kcm->txn_open = true;
    kcm->txn_failed = false;
    kcm->links_n = 0;
    return KCM_OK;
}

kcm_status_t kcm_txn_commit(kcm_t *kcm)
{
    kcm_status_t st;
    if (kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    if (!kcm->txn_open || kcm->chain_active)
        return KCM_ERR_STATE;
    if (kcm->txn_failed) {
        /* A write failed half way through a call: the transaction cannot be trusted. */
        (void)fst_abort(&kcm->store);
        forget_key(kcm);
        kcm->txn_open = kcm->txn_failed = false;
        return KCM_ERR_STATE;
    }
    kcm->links_n = 0;
    st = from_fst(fst_commit(&kcm->store));
    if (st != KCM_OK) {
        (void)fst_abort(&kcm->store);
        forget_key(kcm);
    }
    kcm->txn_open = false;
    return st;
}

kcm_status_t kcm_txn_abort(kcm_t *kcm)
{
    if (kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    if (!kcm->txn_open)
        return KCM_ERR_STATE;
    (void)fst_abort(&kcm->store);
    forget_key(kcm);
    kcm->txn_open = kcm->txn_failed = kcm->chain_active = false;
    kcm->links_n = 0;
    return KCM_OK;
}

bool kcm_chain_link_verified(const kcm_t *kcm, const uint8_t *child, size_t child_len,
                             const uint8_t *issuer, size_t issuer_len)
{
    uint8_t d[32];
    bool found = false;
    if (kcm == NULL || !kcm->initialized || !kcm->txn_open || kcm->links_n == 0 ||
        kcm_link_digest(child, child_len, issuer, issuer_len, d) != 0)
        return false;
    for (unsigned i = 0; i < kcm->links_n && i < KCM_LINK_MEMO; i++)
        found = found || memcmp(kcm->links_verified[i], d, sizeof(d)) == 0;
    return found;
}

/* ---- items ------------------------------------------------------------------------------ */

kcm_status_t kcm_item_store(kcm_t *kcm, const uint8_t *name, size_t name_len,
                            kcm_item_type_t type, bool factory, const uint8_t *data, size_t len)
{
    kcm_status_t st;
    bool implicit;

    if (kcm == NULL || !type_valid(type) || (data == NULL && len > 0))
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    st = kcm_check_name(name, name_len);
    if (st != KCM_OK)
        return st;
    if (len == 0 && type != KCM_CONFIG)
        return KCM_ERR_EMPTY;
    if (len > KCM_DATA_MAX)
        return KCM_ERR_INVALID_PARAMETER;
    st = validate_item(type, data, len);
    if (st != KCM_OK)
        return st;
    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    st = exists_check(kcm, (uint8_t)type, name, name_len);
    if (st == KCM_OK && factory)
        st = drop_backups(kcm, type, name, name_len);
    if (st == KCM_OK)
        st = write_item(kcm, (uint8_t)type, type, factory, type == KCM_CERTIFICATE ? 1u : 0u, 0,
                        name, name_len, data, len);
    return op_end(kcm, implicit, st);
}

/* Common checks of the read calls. */
static kcm_status_t read_args(kcm_t *kcm, const uint8_t *name, size_t name_len,
                              kcm_item_type_t type)
{
    if (kcm == NULL || !type_valid(type))
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    return kcm_check_name(name, name_len);
}

kcm_status_t kcm_item_get_size(kcm_t *kcm, const uint8_t *name, size_t name_len,
                               kcm_item_type_t type, size_t *size)
{
    kcm_rec_hdr_t h;
    kcm_status_t st = read_args(kcm, name, name_len, type);
    if (st != KCM_OK)
        return st;
    if (size == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    st = read_item(kcm, (uint8_t)type, type, 0, name, name_len, &h);
    if (st != KCM_OK)
        return st;
    *size = h.len;
    mbedtls_platform_zeroize(buf_b(kcm), h.len);
    return KCM_OK;
}

kcm_status_t kcm_item_get_data(kcm_t *kcm, const uint8_t *name, size_t name_len,
                               kcm_item_type_t type, uint8_t *buf, size_t buf_size,
                               size_t *out_len)
{
    kcm_rec_hdr_t h;
    kcm_status_t st = read_args(kcm, name, name_len, type);
    if (st != KCM_OK)
        return st;
    st = read_item(kcm, (uint8_t)type, type, 0, name, name_len, &h);
    if (st != KCM_OK)
        return st;
    return copy_out(kcm, &h, buf, buf_size, out_len);
}

static size_t its_name(uint64_t uid, uint8_t name[KCM_ITS_NAME_LEN]);

/* A persistent PSA key (an opaque CsrReqs key, fcc_psa.h) lives in the store as an ITS record and
 * is named by a private-key item holding its reference. When an operation removes the last item
 * naming a key (a delete, or a factory reset dropping a non-factory item), the key goes too, in
 * the same engine transaction: otherwise its secret would stay on flash and its id, one of only
 * FCC_PSA_KEY_ID_MIN..MAX, would never be free again. The operation scans the references before
 * and after its change (psa_refs); only a key referenced before and by nothing after is dropped,
 * so a key generated and not yet referenced (an application replacing a key) is never touched.
 * A private-key item that cannot be read (damage) counts as referencing every key: nothing is
 * destroyed on a guess. */
static kcm_status_t psa_refs(kcm_t *k, uint64_t *referenced, uint64_t *stored)
{
    fst_iter_t it;
    uint8_t et, name[FST_NAME_MAX];
    size_t name_len, vlen, rlen;
    kcm_status_t st;

    *referenced = 0;
    *stored = 0;
    memset(&it, 0, sizeof(it));
    for (;;) {
        int rc = fst_next(&k->store, &it, &et, name, &name_len, &vlen);
        uint64_t uid = 0;
        psa_key_id_t id;
        kcm_rec_hdr_t h;
        if (rc == FST_ERR_NOENT)
            return KCM_OK;
        if (rc != FST_OK)
            return from_fst(rc);
        if (et == KCM_ET_PSA_ITS && name_len == KCM_ITS_NAME_LEN) {
            for (size_t i = sizeof(KCM_ITS_PREFIX) - 1; i < name_len; i++)
                uid = (uid << 4) | (uint64_t)(name[i] <= '9' ? name[i] - '0' : name[i] - 'a' + 10);
            if (uid >= FCC_PSA_KEY_ID_MIN && uid <= FCC_PSA_KEY_ID_MAX)
                *stored |= (uint64_t)1 << (uid - FCC_PSA_KEY_ID_MIN);
        } else if ((et & (uint8_t)~KCM_ET_BACKUP) == (uint8_t)KCM_PRIVATE_KEY) {
            st = key_load(k, false);
            if (st == KCM_OK)
                st = read_raw(k, et, name, name_len, &rlen);
            if (st == KCM_OK)
                st = kcm_rec_open(k->storage_key, buf_a(k), rlen, name, name_len, &h, buf_b(k),
                                  KCM_BUF_SIZE);
            if (st != KCM_OK) {
                *referenced = ~(uint64_t)0; /* unreadable: keep every key */
                continue;
            }
            if (fcc_key_ref_parse(buf_b(k), h.len, &id))
                *referenced |= (uint64_t)1 << (id - FCC_PSA_KEY_ID_MIN);
            mbedtls_platform_zeroize(buf_b(k), h.len);
        }
    }
}

/* Drops the keys referenced in `before` (psa_refs before the change) and by nothing now. */
static kcm_status_t psa_refs_drop(kcm_t *k, uint64_t before)
{
    uint64_t now, stored;
    kcm_status_t st = psa_refs(k, &now, &stored);
    uint64_t drop = before & ~now & stored;

    for (unsigned i = 0; i < 64 && st == KCM_OK; i++) {
        if ((drop >> i) & 1u) {
            uint8_t its[KCM_ITS_NAME_LEN];
            psa_key_id_t id = FCC_PSA_KEY_ID_MIN + i;
            st = edel(k, KCM_ET_PSA_ITS, its, its_name(id, its), NULL);
            (void)psa_purge_key(id);
        }
    }
    return st;
}

kcm_status_t kcm_item_delete(kcm_t *kcm, const uint8_t *name, size_t name_len,
                             kcm_item_type_t type)
{
    kcm_status_t st = read_args(kcm, name, name_len, type);
    bool implicit, found = false, any = false;
    uint64_t refs = 0, stored;

    if (st != KCM_OK)
        return st;
    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    if (type == KCM_PRIVATE_KEY)
        st = psa_refs(kcm, &refs, &stored);
    if (type != KCM_CERTIFICATE) {
        if (st == KCM_OK)
            st = delete_record(kcm, (uint8_t)type, name, name_len, &any);
    } else {
        /* A chain: every member, whatever the leaf says about the length. */
        for (unsigned i = 0; i < FCC_CHAIN_MAX && st == KCM_OK; i++) {
            st = delete_record(kcm, kcm_et_cert(i), name, name_len, &found);
            any = any || found;
        }
    }
    if (st == KCM_OK && !any)
        st = KCM_ERR_NOT_FOUND;
    if (st == KCM_OK && refs != 0)
        st = psa_refs_drop(kcm, refs);
    return op_end(kcm, implicit, st);
}

/* ---- chains ----------------------------------------------------------------------------- */

kcm_status_t kcm_chain_create(kcm_t *kcm, kcm_chain_t *chain, const uint8_t *name,
                              size_t name_len, size_t chain_len, bool factory)
{
    kcm_status_t st;
    if (kcm == NULL || chain == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    memset(chain, 0, sizeof(*chain));
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    st = kcm_check_name(name, name_len);
    if (st != KCM_OK)
        return st;
    if (chain_len < 1 || chain_len > FCC_CHAIN_MAX)
        return KCM_ERR_CHAIN_LENGTH;
    if (kcm->chain_active)
        return KCM_ERR_STATE;
    if (!kcm->txn_open) {
        if (fst_begin(&kcm->store) != FST_OK)
            return KCM_ERR_STORAGE;
        kcm->chain_txn = true;
    }
    st = exists_check(kcm, KCM_CERTIFICATE, name, name_len);
    if (st != KCM_OK) {
        if (kcm->chain_txn) {
            (void)fst_abort(&kcm->store);
            kcm->chain_txn = false;
        }
        return st;
    }
    chain->kcm = kcm;
    memcpy(chain->name, name, name_len);
    chain->name_len = name_len;
    chain->chain_len = chain_len;
    chain->factory = factory;
    chain->writing = true;
    chain->is_single = chain_len == 1;
    kcm->chain_active = true;
    return KCM_OK;
}

kcm_status_t kcm_chain_add_next(kcm_chain_t *chain, const uint8_t *der, size_t len)
{
    kcm_status_t st;
    kcm_t *k;
    kcm_rec_hdr_t h;

    if (chain == NULL || chain->kcm == NULL || (der == NULL && len > 0))
        return KCM_ERR_INVALID_PARAMETER;
    k = chain->kcm;
    if (!chain->writing || !k->chain_active)
        return KCM_ERR_STATE;
    if (chain->index >= chain->chain_len)
        return KCM_ERR_CHAIN_LENGTH;
    if (len == 0)
        return KCM_ERR_EMPTY;
    if (len > KCM_DATA_MAX)
        return KCM_ERR_INVALID_PARAMETER;
    st = kcm_check_certificate(der, len);
    if (st != KCM_OK)
        return st;
    if (chain->index > 0) {
        unsigned prev = (unsigned)chain->index - 1;
        st = read_item(k, kcm_et_cert(prev), KCM_CERTIFICATE, prev, chain->name,
                       chain->name_len, &h);
        if (st != KCM_OK)
            return st;
        st = kcm_check_chain_link(buf_b(k), h.len, der, len);
        if (st != KCM_OK)
            return st;
        /* Remembered for the verification in the same caller transaction (a chain in a
         * transaction of its own is committed by close: nothing to remember). */
        if (k->txn_open && !k->chain_txn && k->links_n < KCM_LINK_MEMO &&
            kcm_link_digest(buf_b(k), h.len, der, len, k->links_verified[k->links_n]) == 0)
            k->links_n++;
    }
    k->op_wrote = false;
    st = write_item(k, kcm_et_cert((unsigned)chain->index), KCM_CERTIFICATE, chain->factory,
                    (unsigned)chain->chain_len, (unsigned)chain->index, chain->name,
                    chain->name_len, der, len);
    if (st != KCM_OK) {
        if (!k->chain_txn && k->op_wrote)
            k->txn_failed = true;
        return st;
    }
    chain->index++;
    return KCM_OK;
}

kcm_status_t kcm_chain_open(kcm_t *kcm, kcm_chain_t *chain, const uint8_t *name,
                            size_t name_len, size_t *chain_len)
{
    kcm_rec_hdr_t h;
    kcm_status_t st;

    if (chain == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    memset(chain, 0, sizeof(*chain));
    st = read_args(kcm, name, name_len, KCM_CERTIFICATE);
    if (st != KCM_OK)
        return st;
    st = read_item(kcm, KCM_CERTIFICATE, KCM_CERTIFICATE, 0, name, name_len, &h);
    if (st != KCM_OK)
        return st;
    mbedtls_platform_zeroize(buf_b(kcm), h.len);
    chain->kcm = kcm;
    memcpy(chain->name, name, name_len);
    chain->name_len = name_len;
    chain->chain_len = h.chain_len;
    chain->factory = (h.flags & KCM_FLAG_FACTORY) != 0;
    chain->is_single = h.chain_len == 1;
    if (chain_len != NULL)
        *chain_len = h.chain_len;
    return KCM_OK;
}

/* Reads the chain's next certificate into buffer B. A member missing or disagreeing with the
 * leaf about the length means the chain is corrupted. */
static kcm_status_t chain_read_next(kcm_chain_t *chain, kcm_rec_hdr_t *h)
{
    kcm_status_t st;
    if (chain == NULL || chain->kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (chain->writing)
        return KCM_ERR_STATE;
    if (chain->index >= chain->chain_len)
        return KCM_ERR_NOT_FOUND;
    st = read_item(chain->kcm, kcm_et_cert((unsigned)chain->index), KCM_CERTIFICATE,
                   (unsigned)chain->index, chain->name, chain->name_len, h);
    if (st == KCM_ERR_NOT_FOUND)
        return KCM_ERR_CORRUPTED;
    if (st == KCM_OK && h->chain_len != chain->chain_len) {
        mbedtls_platform_zeroize(buf_b(chain->kcm), h->len);
        return KCM_ERR_CORRUPTED;
    }
    return st;
}

kcm_status_t kcm_chain_get_next_size(kcm_chain_t *chain, size_t *size)
{
    kcm_rec_hdr_t h;
    kcm_status_t st;
    if (size == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    st = chain_read_next(chain, &h);
    if (st != KCM_OK)
        return st;
    *size = h.len;
    mbedtls_platform_zeroize(buf_b(chain->kcm), h.len);
    return KCM_OK;
}

kcm_status_t kcm_chain_get_next_data(kcm_chain_t *chain, uint8_t *buf, size_t buf_size,
                                     size_t *out_len)
{
    kcm_rec_hdr_t h;
    kcm_status_t st = chain_read_next(chain, &h);
    if (st != KCM_OK)
        return st;
    st = copy_out(chain->kcm, &h, buf, buf_size, out_len);
    if (st == KCM_OK)
        chain->index++;
    return st;
}

kcm_status_t kcm_chain_close(kcm_chain_t *chain)
{
    kcm_status_t st = KCM_OK;
    kcm_t *k;
    bool complete;

    if (chain == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    k = chain->kcm;
    if (k == NULL || !chain->writing) {
        memset(chain, 0, sizeof(*chain));
        return KCM_OK;
    }
    if (!k->chain_active) {
        /* The transaction it belonged to was aborted: nothing of it remains. */
        memset(chain, 0, sizeof(*chain));
        return KCM_ERR_STATE;
    }
    k->chain_active = false;
    complete = chain->index == chain->chain_len;
    k->op_wrote = false;
    if (complete && chain->factory) {
        /* The new factory chain replaces any older factory value of the name. */
        st = drop_backups(k, KCM_CERTIFICATE, chain->name, chain->name_len);
    }
    if (k->chain_txn) {
        k->chain_txn = false;
        if (complete && st == KCM_OK) {
            st = from_fst(fst_commit(&k->store));
            if (st != KCM_OK) {
                (void)fst_abort(&k->store);
                forget_key(k);
            }
        } else {
            (void)fst_abort(&k->store);
            forget_key(k);
            if (st == KCM_OK)
                st = KCM_ERR_CHAIN_INCOMPLETE;
        }
    } else if (!complete) {
        for (size_t i = 0; i < chain->index && st == KCM_OK; i++)
            st = edel(k, kcm_et_cert((unsigned)i), chain->name, chain->name_len, NULL);
        if (st == KCM_OK)
            st = KCM_ERR_CHAIN_INCOMPLETE;
        else if (k->op_wrote)
            k->txn_failed = true;
    } else if (st != KCM_OK && k->op_wrote) {
        k->txn_failed = true;
    }
    memset(chain, 0, sizeof(*chain));
    return st;
}

kcm_status_t kcm_chain_delete(kcm_t *kcm, const uint8_t *name, size_t name_len)
{
    return kcm_item_delete(kcm, name, name_len, KCM_CERTIFICATE);
}

/* ---- internal items --------------------------------------------------------------------- */

static kcm_status_t internal_size_ok(kcm_internal_t which, const uint8_t *data, size_t len)
{
    switch (which) {
    case KCM_INTERNAL_ENTROPY: return len == 48 ? KCM_OK : KCM_ERR_INVALID_PARAMETER;
    case KCM_INTERNAL_ROT: return len == 16 ? KCM_OK : KCM_ERR_INVALID_PARAMETER;
    case KCM_INTERNAL_FACTORY_DISABLED:
        return len == 1 && data[0] == 1 ? KCM_OK : KCM_ERR_INVALID_PARAMETER;
    case KCM_INTERNAL_BOOTSTRAP_CA_ID:
        return len >= 1 && len <= 64 ? KCM_OK : KCM_ERR_INVALID_PARAMETER;
    default: return KCM_ERR_INVALID_PARAMETER;
    }
}

kcm_status_t kcm_internal_set(kcm_t *kcm, kcm_internal_t which, const uint8_t *data, size_t len)
{
    kcm_status_t st;
    bool implicit;

    if (kcm == NULL || data == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    st = internal_size_ok(which, data, len);
    if (st != KCM_OK)
        return st;
    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    st = exists_check(kcm, (uint8_t)(KCM_ET_INTERNAL + which), (const uint8_t *)KCM_INTERNAL_NAME,
                      sizeof(KCM_INTERNAL_NAME) - 1);
    if (st == KCM_OK)
        st = internal_write(kcm, which, data, len);
    if (which == KCM_INTERNAL_ROT)
        forget_key(kcm);
    return op_end(kcm, implicit, st);
}

kcm_status_t kcm_internal_get(kcm_t *kcm, kcm_internal_t which, uint8_t *buf, size_t buf_size,
                              size_t *out_len)
{
    kcm_rec_hdr_t h;
    kcm_status_t st;

    if (kcm == NULL || which < KCM_INTERNAL_ENTROPY || which > KCM_INTERNAL_BOOTSTRAP_CA_ID)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    st = internal_read(kcm, which, &h);
    if (st != KCM_OK)
        return st;
    return copy_out(kcm, &h, buf, buf_size, out_len);
}

/* ---- PSA ITS records (the storage of PSA's persistent keys, kcm_psa_its.c) --------------- */

/* Engine key of the ITS entry `uid`: type KCM_ET_PSA_ITS, name "psa.its." + 16 hex digits. */
static size_t its_name(uint64_t uid, uint8_t name[KCM_ITS_NAME_LEN])
{
    static const char hexd[] = "0123456789abcdef";
    memcpy(name, KCM_ITS_PREFIX, sizeof(KCM_ITS_PREFIX) - 1);
    for (unsigned i = 0; i < 16; i++)
        name[sizeof(KCM_ITS_PREFIX) - 1 + i] = (uint8_t)hexd[(uid >> (60 - 4 * i)) & 0xFu];
    return KCM_ITS_NAME_LEN;
}

kcm_status_t kcm_its_put(kcm_t *kcm, uint64_t uid, const uint8_t *data, size_t len)
{
    kcm_status_t st;
    bool implicit;
    size_t rlen;
    uint8_t name[KCM_ITS_NAME_LEN];
    /* Key material: always sealed with the storage key, like a private key item. */
    kcm_rec_hdr_t h = {KCM_KIND_PSA_ITS, KCM_FLAG_ENCRYPTED, 0, 0, 0};

    if (kcm == NULL || (data == NULL && len > 0) || len > KCM_DATA_MAX)
        return KCM_ERR_INVALID_PARAMETER;
    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    st = key_load(kcm, true);
    if (st == KCM_OK)
        st = kcm_rec_seal(kcm->storage_key, kcm->rng, kcm->rng_ctx, &h, name, its_name(uid, name),
                          data, len, buf_a(kcm), KCM_BUF_SIZE, &rlen);
    if (st == KCM_OK)
        st = eput(kcm, KCM_ET_PSA_ITS, name, KCM_ITS_NAME_LEN, buf_a(kcm), rlen);
    return op_end(kcm, implicit, st);
}

kcm_status_t kcm_its_get(kcm_t *kcm, uint64_t uid, size_t offset, uint8_t *buf, size_t size,
                         size_t *out_len, size_t *total)
{
    kcm_status_t st;
    kcm_rec_hdr_t h;
    size_t rlen, n;
    uint8_t name[KCM_ITS_NAME_LEN];

    if (kcm == NULL || (buf == NULL && size > 0))
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    st = key_load(kcm, false);
    if (st != KCM_OK)
        return st == KCM_ERR_ROT_MISSING ? KCM_ERR_NOT_FOUND : st;
    st = read_raw(kcm, KCM_ET_PSA_ITS, name, its_name(uid, name), &rlen);
    if (st != KCM_OK)
        return st;
    st = kcm_rec_open(kcm->storage_key, buf_a(kcm), rlen, name, KCM_ITS_NAME_LEN, &h,
                      buf_b(kcm), KCM_BUF_SIZE);
    if (st != KCM_OK)
        return st;
    if (h.kind != KCM_KIND_PSA_ITS || (h.flags & KCM_FLAG_ENCRYPTED) == 0) {
        st = KCM_ERR_CORRUPTED;
        goto cleanup;
    }
    if (total != NULL)
        *total = h.len;
    st = KCM_ERR_INVALID_PARAMETER;
    if (offset > h.len)
        goto cleanup;
    n = h.len - offset < size ? h.len - offset : size;
    if (n > 0)
        memcpy(buf, buf_b(kcm) + offset, n);
    if (out_len != NULL)
        *out_len = n;
    st = KCM_OK;
cleanup:
    mbedtls_platform_zeroize(buf_b(kcm), h.len);
    return st;
}

kcm_status_t kcm_its_delete(kcm_t *kcm, uint64_t uid)
{
    kcm_status_t st;
    bool implicit, found = false;
    uint8_t name[KCM_ITS_NAME_LEN];

    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    st = edel(kcm, KCM_ET_PSA_ITS, name, its_name(uid, name), &found);
    if (st == KCM_OK && !found)
        st = KCM_ERR_NOT_FOUND;
    return op_end(kcm, implicit, st);
}

/* ---- iteration -------------------------------------------------------------------------- */

/* Describes the item a damaged engine key belongs to. Returns false for a chain certificate
 * whose leaf is present (the leaf's listing reports the chain) . */
static bool damaged_item(kcm_t *kcm, uint8_t et, const uint8_t *name, size_t name_len,
                         kcm_item_info_t *info)
{
    uint8_t kind = 0, index = 0;
    memset(info, 0, sizeof(*info));
    if (name_len > FCC_NAME_MAX)
        name_len = 0;
    memcpy(info->name, name, name_len);
    info->name_len = name_len;
    if (kcm_et_is_backup(et))
        et = (uint8_t)(et & ~KCM_ET_BACKUP);
    if (name_len > 0 && kcm_et_is_live(et, &kind, &index)) {
        info->type = (kcm_item_type_t)kind;
        size_t n;
        if (index > 0 && fst_size(&kcm->store, KCM_CERTIFICATE, name, name_len, &n) != FST_ERR_NOENT)
            return false;
    }
    return true;
}

kcm_status_t kcm_store_check(kcm_t *kcm, kcm_damage_t *first)
{
    if (kcm == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    for (uint32_t i = 0;; i++) {
        kcm_status_t st = kcm_damage_get(kcm, i, first);
        if (st == KCM_ERR_NOT_FOUND)
            return KCM_OK;
        if (st != KCM_OK)
            return st;
        if (!first->where.accepted)
            return KCM_ERR_CORRUPTED;
    }
}

kcm_status_t kcm_damage_get(kcm_t *kcm, uint32_t index, kcm_damage_t *out)
{
    if (kcm == NULL || out == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    memset(out, 0, sizeof(*out));
    int rc = fst_damage_get(&kcm->store, index, &out->where);
    if (rc != FST_OK)
        return from_fst(rc);
    uint8_t et = out->where.type, kind = 0, index_in_chain = 0;
    if (out->where.what != FST_DMG_RECORD)
        return KCM_OK;
    out->backup = kcm_et_is_backup(et);
    out->internal = (et & 0xF0u) == KCM_ET_INTERNAL;
    if (out->backup)
        et = (uint8_t)(et & ~KCM_ET_BACKUP);
    if (kcm_et_is_live(et, &kind, &index_in_chain)) {
        out->type = (kcm_item_type_t)kind;
        out->chain_index = index_in_chain;
    }
    return KCM_OK;
}

kcm_status_t kcm_store_info(kcm_t *kcm, fst_info_t *info)
{
    if (kcm == NULL || info == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    return from_fst(fst_info(&kcm->store, info));
}

kcm_status_t kcm_iter_next(kcm_t *kcm, kcm_iter_t *it, kcm_item_info_t *info)
{
    uint8_t et, name[FST_NAME_MAX];
    size_t name_len, vlen;
    kcm_rec_hdr_t h;
    kcm_status_t st;

    if (kcm == NULL || it == NULL || info == NULL)
        return KCM_ERR_INVALID_PARAMETER;
    if (!kcm->initialized)
        return KCM_ERR_NOT_INITIALIZED;
    for (;;) {
        int rc = fst_next(&kcm->store, &it->fst, &et, name, &name_len, &vlen);
        if (rc == FST_ERR_NOENT)
            return KCM_ERR_NOT_FOUND;
        if (rc == FST_ERR_CORRUPT) {
            /* a key whose current version is damaged (the engine lists them last) */
            if (damaged_item(kcm, et, name, name_len, info))
                return KCM_ERR_CORRUPTED;
            continue;
        }
        if (rc != FST_OK)
            return from_fst(rc);
        if (et < KCM_PRIVATE_KEY || et > KCM_CONFIG)
            continue;
        memset(info, 0, sizeof(*info));
        info->type = (kcm_item_type_t)et;
        if (name_len > FCC_NAME_MAX)
            return KCM_ERR_CORRUPTED;
        memcpy(info->name, name, name_len);
        info->name_len = name_len;
        st = read_item(kcm, et, (kcm_item_type_t)et, 0, name, name_len, &h);
        if (st != KCM_OK)
            return st; /* the name is filled: the caller may report it and go on */
        mbedtls_platform_zeroize(buf_b(kcm), h.len);
        for (unsigned i = 1; et == KCM_CERTIFICATE && i < h.chain_len; i++) {
            size_t n;
            /* a chain whose other certificates are damaged or missing is a damaged item */
            if (fst_size(&kcm->store, kcm_et_cert(i), name, name_len, &n) != FST_OK)
                return KCM_ERR_CORRUPTED;
        }
        info->data_size = h.len;
        info->chain_len = et == KCM_CERTIFICATE ? h.chain_len : 0;
        info->factory = (h.flags & KCM_FLAG_FACTORY) != 0;
        return KCM_OK;
    }
}

/* ---- factory reset ---------------------------------------------------------------------- */

typedef struct reset_key {
    uint8_t et;
    uint8_t name_len;
    uint8_t name[FCC_NAME_MAX];
} reset_key_t;

/* Keys one factory-reset pass collects before applying them: as many as buffer B holds (40 with
 * the default FCC_ITEM_VALUE_MAX). */
#define KCM_RESET_BATCH (KCM_BUF_SIZE / sizeof(reset_key_t))

/* One scan: collects into `keys` (buffer B) up to KCM_RESET_BATCH keys that need work (a live
 * record that is not a factory one, or a backup waiting to be restored). Uses buffer A. */
static kcm_status_t reset_scan(kcm_t *k, reset_key_t *keys, size_t *n)
{
    fst_iter_t it;
    uint8_t et, name[FST_NAME_MAX];
    size_t name_len, vlen, rlen;
    uint8_t kind, index;
    kcm_rec_hdr_t h;

    memset(&it, 0, sizeof(it));
    *n = 0;
    while (*n < KCM_RESET_BATCH) {
        int rc = fst_next(&k->store, &it, &et, name, &name_len, &vlen);
        bool todo;
        if (rc == FST_ERR_NOENT)
            break;
        if (rc != FST_OK)
            return from_fst(rc);
        if (name_len > FCC_NAME_MAX)
            continue; /* not ours */
        if (kcm_et_is_backup(et)) {
            todo = true;
        } else if (kcm_et_is_live(et, &kind, &index)) {
            kcm_status_t st = read_raw(k, et, name, name_len, &rlen);
            if (st != KCM_OK)
                return st;
            /* Decided on the header alone: a record whose body is damaged but whose header
             * says factory stays (reading it reports the damage). */
            todo = kcm_rec_header(buf_a(k), rlen, &h) != KCM_OK ||
                   (h.flags & KCM_FLAG_FACTORY) == 0;
            /* a chain that lost a certificate to damage (deleted when the reset accepted it)
             * goes as a whole: its leaf is dropped, so no broken chain stays listed */
            for (unsigned i = 1; !todo && kind == KCM_CERTIFICATE && index == 0 && i < h.chain_len;
                 i++) {
                size_t member;
                todo = fst_size(&k->store, kcm_et_cert(i), name, name_len, &member) != FST_OK;
            }
        } else {
            todo = false;
        }
        if (todo) {
            keys[*n].et = et;
            keys[*n].name_len = (uint8_t)name_len;
            memcpy(keys[*n].name, name, name_len);
            (*n)++;
        }
    }
    return KCM_OK;
}

kcm_status_t kcm_factory_reset(kcm_t *kcm)
{
    reset_key_t *keys;
    kcm_status_t st;
    bool implicit;
    size_t n, rlen;

    st = op_begin(kcm, &implicit);
    if (st != KCM_OK)
        return st;
    /* The reset is the explicit step that accepts damage the mount found: damaged items are
     * deleted with the rest, and writes are allowed again once it commits. */
    kcm->op_wrote = true;
    st = from_fst(fst_accept_damage(&kcm->store));
    if (st != KCM_OK)
        return op_end(kcm, implicit, st);
    keys = (reset_key_t *)(void *)buf_b(kcm);
    for (unsigned pass = 0;; pass++) {
        if (pass >= KCM_RESET_PASSES_MAX) {
            st = KCM_ERR_STORAGE;
            break;
        }
        st = reset_scan(kcm, keys, &n);
        if (st != KCM_OK || n == 0)
            break;
        /* Deletions first: a restore in this batch may land on a key deleted in it. */
        for (size_t i = 0; i < n && st == KCM_OK; i++) {
            if (!kcm_et_is_backup(keys[i].et))
                st = edel(kcm, keys[i].et, keys[i].name, keys[i].name_len, NULL);
        }
        for (size_t i = 0; i < n && st == KCM_OK; i++) {
            const reset_key_t *key = &keys[i];
            if (!kcm_et_is_backup(key->et))
                continue;
            st = read_raw(kcm, key->et, key->name, key->name_len, &rlen);
            if (st == KCM_OK)
                st = eput(kcm, (uint8_t)(key->et & ~KCM_ET_BACKUP), key->name, key->name_len,
                          buf_a(kcm), rlen);
            if (st == KCM_OK)
                st = edel(kcm, key->et, key->name, key->name_len, NULL);
        }
        if (st != KCM_OK)
            break;
    }
    /* back to the factory state: no PSA key that no item names stays */
    if (st == KCM_OK)
        st = psa_refs_drop(kcm, ~(uint64_t)0);
    return op_end(kcm, implicit, st);
}
