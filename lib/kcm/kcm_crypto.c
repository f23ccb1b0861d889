/* SPDX-License-Identifier: Apache-2.0 */
/* KCM's cryptography and validation, apart from the store logic: name rules, the value record
 * (sealed with AES-256-GCM for confidential items, a SHA-256 digest for the others), storage-key
 * derivation from the root of trust, and the checks made when a key, certificate or chain link is
 * stored. None of it touches flash, so tests exercise it directly. The cryptography goes through
 * the PSA Crypto API (hash, AEAD, HKDF, key import and signature verification); mbedTLS's PK and
 * X.509 code only parses the DER containers PSA has no parser for. Our code allocates nothing;
 * mbedTLS allocates internally while parsing keys and certificates (route that through
 * MBEDTLS_PLATFORM_MEMORY on a device). */
#include "kcm_internal.h"

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>

#include <string.h>
#include "fcc_endian.h"
#include "fcc_psa.h"

static const uint8_t kdf_salt[] = "fcc-kcm-salt-v1";
static const uint8_t kdf_info[] = "kcm record key v1";

uint8_t kcm_et_cert(unsigned index)
{
    return (uint8_t)(index == 0 ? KCM_CERTIFICATE : KCM_ET_CHAIN_BASE + index);
}

bool kcm_et_is_live(uint8_t et, uint8_t *kind, uint8_t *index)
{
    if (et >= KCM_PRIVATE_KEY && et <= KCM_CONFIG) {
        *kind = et;
        *index = 0;
        return true;
    }
    if (et > KCM_ET_CHAIN_BASE && et < KCM_ET_CHAIN_BASE + FCC_CHAIN_MAX) {
        *kind = KCM_CERTIFICATE;
        *index = (uint8_t)(et - KCM_ET_CHAIN_BASE);
        return true;
    }
    return false;
}

bool kcm_et_is_backup(uint8_t et)
{
    uint8_t kind, index;
    return (et & KCM_ET_BACKUP) != 0 && (et & KCM_ET_INTERNAL) == 0 &&
           kcm_et_is_live((uint8_t)(et & ~KCM_ET_BACKUP), &kind, &index);
}

kcm_status_t kcm_check_name(const uint8_t *name, size_t len)
{
    if (name == NULL && len != 0)
        return KCM_ERR_INVALID_PARAMETER;
    if (len > FCC_NAME_MAX)
        return KCM_ERR_NAME_TOO_LONG;
    if (len == 0)
        return KCM_ERR_NAME_INVALID;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = name[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        if (!ok)
            return KCM_ERR_NAME_INVALID;
    }
    return KCM_OK;
}

bool kcm_type_confidential(kcm_item_type_t type)
{
    return type == KCM_PRIVATE_KEY || type == KCM_SYMMETRIC_KEY || type == KCM_CONFIG;
}

kcm_status_t kcm_derive_key(const uint8_t *rot, size_t rot_len, uint8_t key[32])
{
    psa_key_derivation_operation_t op = PSA_KEY_DERIVATION_OPERATION_INIT;
    kcm_status_t st = KCM_ERR_CRYPTO;

    if (rot == NULL || rot_len == 0 || fcc_psa_ready() != 0)
        return KCM_ERR_CRYPTO;
    /* HKDF-SHA256: salt, then the root of trust as the secret, then info (PSA's input order). */
    if (psa_key_derivation_setup(&op, PSA_ALG_HKDF(PSA_ALG_SHA_256)) != PSA_SUCCESS ||
        psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SALT, kdf_salt,
                                       sizeof(kdf_salt) - 1) != PSA_SUCCESS ||
        psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_SECRET, rot, rot_len) !=
            PSA_SUCCESS ||
        psa_key_derivation_input_bytes(&op, PSA_KEY_DERIVATION_INPUT_INFO, kdf_info,
                                       sizeof(kdf_info) - 1) != PSA_SUCCESS ||
        psa_key_derivation_output_bytes(&op, key, 32) != PSA_SUCCESS) {
        mbedtls_platform_zeroize(key, 32);
        goto cleanup;
    }
    st = KCM_OK;
cleanup:
    psa_key_derivation_abort(&op);
    return st;
}

/* The storage key as a volatile PSA key for one AES-256-GCM operation (destroyed after it). */
static psa_status_t import_record_key(const uint8_t key[32], psa_key_usage_t usage,
                                      psa_key_id_t *id)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attr, PSA_KEY_TYPE_AES);
    psa_set_key_bits(&attr, 256);
    psa_set_key_usage_flags(&attr, usage);
    psa_set_key_algorithm(&attr, PSA_ALG_AEAD_WITH_SHORTENED_TAG(PSA_ALG_GCM, KCM_TAG_LEN));
    if (fcc_psa_ready() != 0)
        return PSA_ERROR_BAD_STATE;
    return psa_import_key(&attr, key, 32, id);
}

/* Associated data: the first 24 header bytes, the name length and the name. Written to `aad`
 * (at least KCM_REC_AAD_HDR + 1 + FCC_NAME_MAX bytes); returns its length. */
static size_t build_aad(const uint8_t *hdr, const uint8_t *name, size_t name_len, uint8_t *aad)
{
    memcpy(aad, hdr, KCM_REC_AAD_HDR);
    aad[KCM_REC_AAD_HDR] = (uint8_t)name_len;
    memcpy(aad + KCM_REC_AAD_HDR + 1, name, name_len);
    return KCM_REC_AAD_HDR + 1 + name_len;
}

/* SHA-256 over header[0..24) | name_len | name | data, truncated to the tag size. */
static int clear_digest(const uint8_t *hdr, const uint8_t *name, size_t name_len,
                        const uint8_t *data, size_t len, uint8_t tag[KCM_TAG_LEN])
{
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    uint8_t nl = (uint8_t)name_len;
    uint8_t full[PSA_HASH_LENGTH(PSA_ALG_SHA_256)];
    size_t full_len = 0;
    int rc = -1;

    if (fcc_psa_ready() != 0 || psa_hash_setup(&op, PSA_ALG_SHA_256) != PSA_SUCCESS ||
        psa_hash_update(&op, hdr, KCM_REC_AAD_HDR) != PSA_SUCCESS ||
        psa_hash_update(&op, &nl, 1) != PSA_SUCCESS ||
        psa_hash_update(&op, name, name_len) != PSA_SUCCESS ||
        (len > 0 && psa_hash_update(&op, data, len) != PSA_SUCCESS) ||
        psa_hash_finish(&op, full, sizeof(full), &full_len) != PSA_SUCCESS)
        goto cleanup;
    memcpy(tag, full, KCM_TAG_LEN);
    rc = 0;
cleanup:
    psa_hash_abort(&op);
    return rc;
}

/* AES-256-GCM (12-byte nonce, 16-byte tag) of `len` bytes from `in` to `out` under `id`; the tag
 * is kept apart from the ciphertext (the record holds it in its header), hence PSA's multi-part
 * AEAD. Encrypting writes `tag`; decrypting checks it (PSA_ERROR_INVALID_SIGNATURE when wrong). */
static psa_status_t gcm_run(psa_key_id_t id, bool encrypt, const uint8_t *nonce,
                            const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                            uint8_t *out, uint8_t *tag)
{
    psa_aead_operation_t op = PSA_AEAD_OPERATION_INIT;
    psa_algorithm_t alg = PSA_ALG_AEAD_WITH_SHORTENED_TAG(PSA_ALG_GCM, KCM_TAG_LEN);
    size_t n = 0, m = 0, tag_len = 0;
    psa_status_t ps = encrypt ? psa_aead_encrypt_setup(&op, id, alg)
                              : psa_aead_decrypt_setup(&op, id, alg);
    if (ps == PSA_SUCCESS)
        ps = psa_aead_set_lengths(&op, aad_len, len);
    if (ps == PSA_SUCCESS)
        ps = psa_aead_set_nonce(&op, nonce, KCM_NONCE_LEN);
    if (ps == PSA_SUCCESS)
        ps = psa_aead_update_ad(&op, aad, aad_len);
    if (ps == PSA_SUCCESS && len > 0)
        ps = psa_aead_update(&op, in, len, out, len, &n);
    if (ps == PSA_SUCCESS && encrypt)
        ps = psa_aead_finish(&op, out + n, len - n, &m, tag, KCM_TAG_LEN, &tag_len);
    else if (ps == PSA_SUCCESS)
        ps = psa_aead_verify(&op, out + n, len - n, &m, tag, KCM_TAG_LEN);
    if (ps == PSA_SUCCESS && (n + m != len || (encrypt && tag_len != KCM_TAG_LEN)))
        ps = PSA_ERROR_CORRUPTION_DETECTED;
    psa_aead_abort(&op);
    return ps;
}

kcm_status_t kcm_rec_seal(const uint8_t key[32], kcm_rng_fn rng, void *rng_ctx,
                          kcm_rec_hdr_t *h, const uint8_t *name, size_t name_len,
                          const uint8_t *data, size_t len, uint8_t *out, size_t out_size,
                          size_t *out_len)
{
    kcm_status_t st = KCM_ERR_INVALID_PARAMETER;
    psa_key_id_t kid = PSA_KEY_ID_NULL;
    uint8_t aad[KCM_REC_AAD_HDR + 1 + FCC_NAME_MAX];
    size_t aad_len;
    bool enc = (h->flags & KCM_FLAG_ENCRYPTED) != 0;
    static const uint8_t nothing[1] = {0};

    if (name_len > FCC_NAME_MAX || len > KCM_DATA_MAX || out_size < KCM_REC_HDR + len ||
        (len > 0 && data == NULL) || (enc && (key == NULL || rng == NULL)))
        goto cleanup;
    if (data == NULL)
        data = nothing;
    h->len = (uint32_t)len;
    memset(out, 0, KCM_REC_HDR);
    out[0] = KCM_REC_MAGIC;
    out[1] = KCM_REC_VERSION;
    out[2] = h->kind;
    out[3] = h->flags;
    out[4] = h->chain_len;
    out[5] = h->index;
    fcc_put_le32(out + 8, h->len);
    if (!enc) {
        memcpy(out + KCM_REC_HDR, data, len);
        st = clear_digest(out, name, name_len, data, len, out + 24) == 0 ? KCM_OK : KCM_ERR_CRYPTO;
        goto cleanup;
    }
    st = KCM_ERR_CRYPTO;
    if (rng(rng_ctx, out + 12, KCM_NONCE_LEN) != 0)
        goto cleanup;
    aad_len = build_aad(out, name, name_len, aad);
    if (import_record_key(key, PSA_KEY_USAGE_ENCRYPT, &kid) != PSA_SUCCESS)
        goto cleanup;
    if (gcm_run(kid, true, out + 12, aad, aad_len, data, len, out + KCM_REC_HDR, out + 24) !=
        PSA_SUCCESS) {
        mbedtls_platform_zeroize(out, KCM_REC_HDR + len);
        goto cleanup;
    }
    st = KCM_OK;
cleanup:
    if (st == KCM_OK && out_len != NULL)
        *out_len = KCM_REC_HDR + len;
    psa_destroy_key(kid);
    return st;
}

kcm_status_t kcm_rec_header(const uint8_t *rec, size_t rec_len, kcm_rec_hdr_t *h)
{
    if (rec == NULL || rec_len < KCM_REC_HDR || rec[0] != KCM_REC_MAGIC ||
        rec[1] != KCM_REC_VERSION || (rec[3] & ~(KCM_FLAG_FACTORY | KCM_FLAG_ENCRYPTED)) != 0 ||
        rec[6] != 0 || rec[7] != 0)
        return KCM_ERR_CORRUPTED;
    h->kind = rec[2];
    h->flags = rec[3];
    h->chain_len = rec[4];
    h->index = rec[5];
    h->len = fcc_get_le32(rec + 8);
    if ((size_t)h->len != rec_len - KCM_REC_HDR || h->len > KCM_DATA_MAX)
        return KCM_ERR_CORRUPTED;
    return KCM_OK;
}

kcm_status_t kcm_rec_open(const uint8_t key[32], const uint8_t *rec, size_t rec_len,
                          const uint8_t *name, size_t name_len, kcm_rec_hdr_t *h,
                          uint8_t *out, size_t out_size)
{
    kcm_status_t st;
    psa_key_id_t kid = PSA_KEY_ID_NULL;
    uint8_t aad[KCM_REC_AAD_HDR + 1 + FCC_NAME_MAX];
    uint8_t tag[KCM_TAG_LEN];
    size_t aad_len;
    uint8_t dummy[1];
    bool wrote = false;

    st = kcm_rec_header(rec, rec_len, h);
    if (st != KCM_OK)
        goto cleanup;
    st = KCM_ERR_INVALID_PARAMETER;
    if (name_len > FCC_NAME_MAX)
        goto cleanup;
    st = KCM_ERR_INSUFFICIENT_BUFFER;
    if (out_size < h->len)
        goto cleanup;
    if (out == NULL)
        out = dummy; /* only reachable with h->len == 0 */
    if ((h->flags & KCM_FLAG_ENCRYPTED) == 0) {
        st = KCM_ERR_CRYPTO;
        if (clear_digest(rec, name, name_len, rec + KCM_REC_HDR, h->len, tag) != 0)
            goto cleanup;
        st = KCM_ERR_CORRUPTED;
        /* Not secret: a plain comparison is fine. */
        if (memcmp(tag, rec + 24, KCM_TAG_LEN) != 0)
            goto cleanup;
        memcpy(out, rec + KCM_REC_HDR, h->len);
        st = KCM_OK;
        goto cleanup;
    }
    st = KCM_ERR_ROT_MISSING;
    if (key == NULL)
        goto cleanup;
    st = KCM_ERR_CRYPTO;
    aad_len = build_aad(rec, name, name_len, aad);
    if (import_record_key(key, PSA_KEY_USAGE_DECRYPT, &kid) != PSA_SUCCESS)
        goto cleanup;
    wrote = true;
    memcpy(tag, rec + 24, KCM_TAG_LEN);
    {
        psa_status_t ps = gcm_run(kid, false, rec + 12, aad, aad_len, rec + KCM_REC_HDR, h->len,
                                  out, tag);
        if (ps == PSA_ERROR_INVALID_SIGNATURE) {
            st = KCM_ERR_CORRUPTED;
            goto cleanup;
        }
        if (ps != PSA_SUCCESS)
            goto cleanup;
    }
    st = KCM_OK;
cleanup:
    if (st != KCM_OK && wrote)
        mbedtls_platform_zeroize(out, h->len);
    psa_destroy_key(kid);
    return st;
}

/* ---- the count of public-key operations (kcm_pk_ops_get) ----------------------------------- */

static kcm_pk_ops_t pk_ops;

void fcc_pk_op_count(fcc_pk_op_t op)
{
    switch (op) {
    case FCC_PK_OP_VERIFY: pk_ops.verifies++; break;
    case FCC_PK_OP_KEY_MUL: pk_ops.key_muls++; break;
    case FCC_PK_OP_SIGN: pk_ops.signs++; break;
    case FCC_PK_OP_KEYGEN: pk_ops.keygens++; break;
    }
}

void kcm_pk_ops_get(kcm_pk_ops_t *out)
{
    if (out != NULL)
        *out = pk_ops;
}

void kcm_pk_ops_reset(void)
{
    memset(&pk_ops, 0, sizeof(pk_ops));
}

int kcm_link_digest(const uint8_t *child, size_t child_len, const uint8_t *issuer,
                    size_t issuer_len, uint8_t out[32])
{
    psa_hash_operation_t op = PSA_HASH_OPERATION_INIT;
    size_t n = 0;
    if (fcc_psa_ready() != 0 || psa_hash_setup(&op, PSA_ALG_SHA_256) != PSA_SUCCESS ||
        psa_hash_update(&op, child, child_len) != PSA_SUCCESS ||
        psa_hash_update(&op, issuer, issuer_len) != PSA_SUCCESS ||
        psa_hash_finish(&op, out, 32, &n) != PSA_SUCCESS || n != 32) {
        (void)psa_hash_abort(&op);
        return -1;
    }
    return 0;
}

/* Checks an EC key pair or public key already parsed into `pk`: P-256, and a key that PSA
 * accepts (importing validates the scalar's range or the point's place on the curve). For a key
 * pair, also that its embedded public point is d*G (a mismatched point would let the device sign
 * for another identity): PSA computes d*G, mbedTLS writes the point the DER carried. */
static kcm_status_t check_ec(const mbedtls_pk_context *pk, bool private_key)
{
    kcm_status_t st = private_key ? KCM_ERR_PRIVKEY_PARSE : KCM_ERR_PUBKEY_PARSE;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_key_id_t id = PSA_KEY_ID_NULL;
    uint8_t computed[PSA_EXPORT_PUBLIC_KEY_OUTPUT_SIZE(
        PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1), 256)];
    uint8_t carried[sizeof(computed)];
    size_t clen = 0, dlen = 0;
    const mbedtls_ecp_keypair *ec;

    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
        return st;
    ec = mbedtls_pk_ec(*pk);
    if (ec == NULL)
        return st;
    if (mbedtls_ecp_keypair_get_group_id(ec) != MBEDTLS_ECP_DP_SECP256R1)
        return KCM_ERR_CURVE_UNSUPPORTED;
    if (fcc_psa_ready() != 0 ||
        mbedtls_pk_get_psa_attributes(pk, private_key ? PSA_KEY_USAGE_SIGN_HASH
                                                      : PSA_KEY_USAGE_VERIFY_HASH, &attr) != 0 ||
        mbedtls_pk_import_into_psa(pk, &attr, &id) != 0)
        goto cleanup;
    if (private_key) {
        fcc_pk_op_count(FCC_PK_OP_KEY_MUL);
        if (psa_export_public_key(id, computed, sizeof(computed), &clen) != PSA_SUCCESS ||
            mbedtls_ecp_write_public_key(ec, MBEDTLS_ECP_PF_UNCOMPRESSED, &dlen, carried,
                                         sizeof(carried)) != 0 ||
            clen != dlen || memcmp(computed, carried, clen) != 0)
            goto cleanup;
    }
    st = KCM_OK;
cleanup:
    psa_destroy_key(id);
    psa_reset_key_attributes(&attr);
    return st;
}

/* A key reference (fcc_psa.h) names a persistent PSA key: a P-256 key pair, for signing. */
static kcm_status_t check_key_ref(psa_key_id_t id)
{
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    kcm_status_t st = KCM_ERR_PRIVKEY_PARSE;
    if (fcc_psa_ready() == 0 && psa_get_key_attributes(id, &attr) == PSA_SUCCESS) {
        if (psa_get_key_type(&attr) != PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1) ||
            psa_get_key_bits(&attr) != 256)
            st = KCM_ERR_CURVE_UNSUPPORTED;
        else if ((psa_get_key_usage_flags(&attr) & PSA_KEY_USAGE_SIGN_HASH) != 0)
            st = KCM_OK;
    }
    psa_reset_key_attributes(&attr);
    (void)psa_purge_key(id);
    return st;
}

int fcc_pk_from_key_item(mbedtls_pk_context *pk, const uint8_t *item, size_t len,
                         psa_key_id_t *ref)
{
    psa_key_id_t id;
    *ref = PSA_KEY_ID_NULL;
    if (fcc_psa_ready() != 0)
        return -1;
    if (fcc_key_ref_parse(item, len, &id)) {
        if (check_key_ref(id) != KCM_OK)
            return -1;
        *ref = id;
        return mbedtls_pk_setup_opaque(pk, id) == 0 ? 0 : -1;
    }
    return mbedtls_pk_parse_key(pk, item, len, NULL, 0, fcc_psa_rng, FCC_PSA_RNG_CTX) == 0 ? 0
                                                                                        : -1;
}

kcm_status_t kcm_check_private_key(const uint8_t *der, size_t len)
{
    kcm_status_t st = KCM_ERR_PRIVKEY_PARSE;
    mbedtls_pk_context pk;
    psa_key_id_t id;

    if (fcc_key_ref_parse(der, len, &id))
        return check_key_ref(id);
    mbedtls_pk_init(&pk);
    if (der == NULL || len < 2 || der[0] != 0x30)
        goto cleanup;
    if (fcc_psa_ready() != 0 ||
        mbedtls_pk_parse_key(&pk, der, len, NULL, 0, fcc_psa_rng, FCC_PSA_RNG_CTX) != 0)
        goto cleanup;
    st = check_ec(&pk, true);
cleanup:
    mbedtls_pk_free(&pk);
    return st;
}

kcm_status_t kcm_check_public_key(const uint8_t *der, size_t len)
{
    kcm_status_t st = KCM_ERR_PUBKEY_PARSE;
    mbedtls_pk_context pk;

    mbedtls_pk_init(&pk);
    if (der == NULL || len < 2 || der[0] != 0x30)
        goto cleanup;
    if (mbedtls_pk_parse_public_key(&pk, der, len) != 0)
        goto cleanup;
    st = check_ec(&pk, false);
cleanup:
    mbedtls_pk_free(&pk);
    return st;
}

/* Parses exactly one DER certificate filling all of der[0..len). */
static kcm_status_t parse_cert(mbedtls_x509_crt *crt, const uint8_t *der, size_t len)
{
    if (der == NULL || len < 2 || der[0] != 0x30)
        return KCM_ERR_CERT_PARSE;
    if (mbedtls_x509_crt_parse_der(crt, der, len) != 0)
        return KCM_ERR_CERT_PARSE;
    if (crt->raw.len != len)
        return KCM_ERR_CERT_PARSE;
    return KCM_OK;
}

kcm_status_t kcm_check_certificate(const uint8_t *der, size_t len)
{
    mbedtls_x509_crt crt;
    kcm_status_t st;

    mbedtls_x509_crt_init(&crt);
    st = parse_cert(&crt, der, len);
    mbedtls_x509_crt_free(&crt);
    return st;
}

kcm_status_t kcm_check_chain_link(const uint8_t *child, size_t child_len, const uint8_t *issuer,
                                  size_t issuer_len)
{
    kcm_status_t st;
    mbedtls_x509_crt c, p;

    mbedtls_x509_crt_init(&c);
    mbedtls_x509_crt_init(&p);
    st = parse_cert(&c, child, child_len);
    if (st != KCM_OK)
        goto cleanup;
    st = parse_cert(&p, issuer, issuer_len);
    if (st != KCM_OK)
        goto cleanup;
    st = fcc_x509_check_signature(&c, &p.pk) == 0 ? KCM_OK : KCM_ERR_CHAIN_VALIDATION;
cleanup:
    mbedtls_x509_crt_free(&c);
    mbedtls_x509_crt_free(&p);
    return st;
}

int fcc_x509_check_signature(const mbedtls_x509_crt *child, const mbedtls_pk_context *issuer)
{
    int ret = -1;
    psa_key_attributes_t attr = PSA_KEY_ATTRIBUTES_INIT;
    psa_key_id_t id = PSA_KEY_ID_NULL;
    /* The signature fields of a parsed certificate are private in mbedTLS 3. */
    mbedtls_pk_type_t sig_pk = child->MBEDTLS_PRIVATE(sig_pk);
    const mbedtls_x509_buf *sig = &child->MBEDTLS_PRIVATE(sig);
    psa_algorithm_t hash_alg = mbedtls_md_psa_alg_from_type(child->MBEDTLS_PRIVATE(sig_md));
    psa_algorithm_t alg;
    uint8_t hash[PSA_HASH_MAX_SIZE];
    uint8_t raw[PSA_ECDSA_SIGNATURE_SIZE(PSA_VENDOR_ECC_MAX_CURVE_BITS)];
    const uint8_t *s = sig->p;
    size_t hash_len = 0, s_len = sig->len;

    if (fcc_psa_ready() != 0 || hash_alg == PSA_ALG_NONE || !mbedtls_pk_can_do(issuer, sig_pk))
        goto cleanup;
    if (psa_hash_compute(hash_alg, child->tbs.p, child->tbs.len, hash, sizeof(hash),
                         &hash_len) != PSA_SUCCESS)
        goto cleanup;
    if (mbedtls_pk_get_psa_attributes(issuer, PSA_KEY_USAGE_VERIFY_HASH, &attr) != 0)
        goto cleanup;
    if (sig_pk == MBEDTLS_PK_ECDSA) {
        /* X.509 carries ECDSA signatures as DER (r, s); PSA takes r || s. */
        alg = PSA_ALG_ECDSA(hash_alg);
        if (mbedtls_ecdsa_der_to_raw(psa_get_key_bits(&attr), sig->p, sig->len, raw, sizeof(raw),
                                     &s_len) != 0)
            goto cleanup;
        s = raw;
    } else if (sig_pk == MBEDTLS_PK_RSA) {
        alg = PSA_ALG_RSA_PKCS1V15_SIGN(hash_alg);
    } else {
        goto cleanup;
    }
    psa_set_key_algorithm(&attr, alg);
    if (mbedtls_pk_import_into_psa(issuer, &attr, &id) != 0)
        goto cleanup;
    fcc_pk_op_count(FCC_PK_OP_VERIFY);
    if (psa_verify_hash(id, alg, hash, hash_len, s, s_len) != PSA_SUCCESS)
        goto cleanup;
    ret = 0;
cleanup:
    psa_destroy_key(id);
    psa_reset_key_attributes(&attr);
    return ret;
}
