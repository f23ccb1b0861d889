/* SPDX-License-Identifier: Apache-2.0 */
/* Private interface of the bundle handler's parts: the bounded CBOR reader (bundle_cbor.c), the
 * response writer (response.c) and the CSR builder (csr.c). Not installed; nothing outside
 * lib/fcc may rely on it. Everything here works on caller buffers and allocates nothing. */
#ifndef FCC_BUNDLE_PRIV_H
#define FCC_BUNDLE_PRIV_H

#include "fcc_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- CBOR reader ---------------------------------------------------------------------------
 * A cursor over an untrusted buffer that yields one data-item head at a time, decoded by
 * libcbor's cbor_stream_decode. Strings come back as pointer + length into the buffer; a
 * declared length is only accepted when that many bytes remain, so nothing is ever allocated or
 * read according to a size the input declares. Indefinite-length ARRAYS are read (the group
 * arrays of a bundle may be indefinite, wire contract section 8 point 2): their head has
 * `indefinite` set and their elements run up to a break byte (fcc_cbor_at_break). Indefinite
 * maps and strings are refused. */

typedef enum fcc_cbor_kind {
    FCC_CBOR_UINT = 0,   /* value: the integer */
    FCC_CBOR_NEGINT = 1, /* value: n, the integer is -1 - n */
    FCC_CBOR_BYTES = 2,  /* ptr, len */
    FCC_CBOR_TEXT = 3,   /* ptr, len (not checked for UTF-8, not terminated) */
    FCC_CBOR_ARRAY = 4,  /* value: declared element count (not trusted); 0 when indefinite */
    FCC_CBOR_MAP = 5,    /* value: declared pair count (not trusted) */
    FCC_CBOR_TAG = 6,    /* value: tag number; the tagged item follows */
    FCC_CBOR_SIMPLE = 7  /* false, true, null, undefined, floats */
} fcc_cbor_kind_t;

typedef struct fcc_cbor_item {
    fcc_cbor_kind_t kind;
    uint64_t value;
    const uint8_t *ptr;
    size_t len;
    bool indefinite; /* an indefinite-length array: elements up to a break */
} fcc_cbor_item_t;

typedef struct fcc_cbor_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos; /* offset of the next head */
} fcc_cbor_reader_t;

/* Results of the reader. */
#define FCC_CBOR_OK 0
#define FCC_CBOR_ERR_TRUNCATED (-1) /* the input ends inside an item (or a declared length is
                                       longer than what remains) */
#define FCC_CBOR_ERR_MALFORMED (-2) /* reserved or unsupported initial byte */
#define FCC_CBOR_ERR_INDEFINITE (-3) /* indefinite-length map or string, or a stray break */
#define FCC_CBOR_ERR_DEPTH (-4)      /* nesting deeper than FCC_CBOR_DEPTH_MAX */

/* Points `rd` at buf[0..len) (borrowed for as long as rd is used). */
void fcc_cbor_reader_init(fcc_cbor_reader_t *rd, const uint8_t *buf, size_t len);

/* Reads the next head into *it and moves past it (past the whole string for byte and text
 * strings). Returns FCC_CBOR_OK or a negative FCC_CBOR_ERR_*; on error rd does not move. */
int fcc_cbor_next(fcc_cbor_reader_t *rd, fcc_cbor_item_t *it);

/* True when the next byte is a break (0xFF), the end of an indefinite array's elements. */
bool fcc_cbor_at_break(const fcc_cbor_reader_t *rd);

/* Moves past the content of an item whose head `it` was just read at nesting level `depth`
 * (1 for the top-level item): the elements of an array, the pairs of a map, the item of a tag.
 * Nothing to do for scalars. An indefinite array is skipped up to and including its break.
 * Refuses nesting below level FCC_CBOR_DEPTH_MAX. Iterative work is bounded by the input length
 * (every element costs at least one byte). */
int fcc_cbor_skip(fcc_cbor_reader_t *rd, const fcc_cbor_item_t *it, unsigned depth);

/* True when text/byte item `it` equals the terminated string `s` exactly (length and bytes). */
bool fcc_cbor_eq(const fcc_cbor_item_t *it, const char *s);

/* ---- Response writer -----------------------------------------------------------------------
 * Writes the response map (wire contract section 3) with libcbor's encoder functions into the
 * caller's buffer. The map is indefinite-length as in the reference, which lets the CSR entries
 * be written first, while the bundle is processed, and the rest at the end. */

typedef struct fcc_resp {
    uint8_t *buf;
    size_t cap;  /* bytes the response may use */
    size_t len;  /* bytes written */
} fcc_resp_t;

/* Starts a response in buf[0..cap): writes the map head. Returns 0, or -1 when cap is 0. */
int fcc_resp_begin(fcc_resp_t *r, uint8_t *buf, size_t cap);

/* Appends the key `Csrs` and the head of an array of n entries. Returns 0 or -1 (no room). */
int fcc_resp_csrs_begin(fcc_resp_t *r, size_t n);

/* Appends one CSR entry {PrKN: name, Data: der}. `der` may lie inside r->buf past r->len (it is
 * moved into place). Returns 0 or -1 (no room; nothing written). */
int fcc_resp_csr_entry(fcc_resp_t *r, const uint8_t *name, size_t name_len, const uint8_t *der,
                       size_t der_len);

/* Drops everything after the map head (the CSR section of a failed run). */
void fcc_resp_rewind(fcc_resp_t *r);

/* Appends SchemeVersion, SID (when sid != NULL), ReturnStatus = out->status, InfoMessage,
 * WarningInfo (when out has warnings) and the break. Warnings that do not fit in the cap are
 * cut and replaced by one line "Warnings truncated:<n> left out\n" (n counts out->dropped too).
 * Returns 0, or -1 when not even the part without warnings fits (nothing useful written). */
int fcc_resp_finish(fcc_resp_t *r, const fcc_output_t *out, const uint8_t *sid, size_t sid_len);

/* Text of the truncation line's prefix. */
#define FCC_RESP_TRUNCATED "Warnings truncated:"

/* Records an error of the bundle run whose item name comes from the bundle (bundle.c): bytes
 * outside printable ASCII are shown as '?' so the response text stays valid UTF-8. `prefix` NULL
 * means the contract prefix of `code`. Returns the run's status (the first error's code). */
int fcc_bundle_fail(fcc_t *fcc, int code, const char *prefix, const uint8_t *item, size_t len);

/* ---- CSR builder ---------------------------------------------------------------------------- */

typedef struct fcc_csr_req {
    const uint8_t *name; /* PrKN */
    size_t name_len;
    const uint8_t *subj; /* Subj, e.g. "C=GB,O=Example,CN=ep-1" (not terminated) */
    size_t subj_len;
    uint32_t ku;  /* contract bits: 1 digitalSignature, 2 nonRepudiation, 4 keyCertSign,
                     8 keyAgreement */
    uint32_t eku; /* contract bits: 1<<0 any, 1<<1 serverAuth, 1<<2 clientAuth,
                     1<<3 codeSigning, 1<<4 emailProtection, 1<<8 timeStamping, 1<<9 OCSP */
    bool store_pub; /* SM.Pub: also store the public key under the same name */
} fcc_csr_req_t;

#define FCC_CSR_KU_ALL 0x0fu
#define FCC_CSR_EKU_ALL 0x31fu
#define FCC_CSR_SUBJ_MAX 256

/* Generates a P-256 key pair with fcc->port.rng, stores the private key (and the public key when
 * req->store_pub) in KCM as factory items, and writes the CSR's DER at the END of work[0..size):
 * *der points at it and *der_len is its length. `work` is scratch owned by the caller; the key
 * bytes that pass through it are wiped. Errors are recorded in fcc->out; returns the status. */
int fcc_csr_generate(fcc_t *fcc, const fcc_csr_req_t *req, uint8_t *work, size_t size,
                     const uint8_t **der, size_t *der_len);

/* Checks that the public key of certificate `cert` matches private key `key_name` stored in KCM.
 * `work` (scratch, wiped) must hold the key. Returns 0, FCC_STATUS_ITEM_NOT_EXIST when there is
 * no such key, FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR when it does not match, or another
 * status (nothing recorded in fcc->out: the caller words the error). */
int fcc_csr_match_key(fcc_t *fcc, const uint8_t *cert, size_t cert_len, const uint8_t *key_name,
                      size_t key_name_len, uint8_t *work, size_t size);

#endif /* FCC_BUNDLE_PRIV_H */
