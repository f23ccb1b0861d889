/* SPDX-License-Identifier: Apache-2.0 */
/* KCM's cryptography and validation, apart from the store logic: name rules, the value record
 * (sealed with AES-256-GCM for confidential items, a SHA-256 digest for the others), storage-key
 * derivation from the root of trust, and the checks made when a key, certificate or chain link is
 * stored. None of it touches flash, so tests exercise it directly. Our code allocates nothing;
 * mbedTLS allocates internally while parsing keys and certificates and for its cipher and HMAC
 * contexts (route that through MBEDTLS_PLATFORM_MEMORY on a device). */
#include "kcm_internal.h"

#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
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
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    if (md == NULL || rot == NULL || rot_len == 0)
        return KCM_ERR_CRYPTO;
    if (mbedtls_hkdf(md, kdf_salt, sizeof(kdf_salt) - 1, rot, rot_len, kdf_info,
                     sizeof(kdf_info) - 1, key, 32) != 0) {
        mbedtls_platform_zeroize(key, 32);
        return KCM_ERR_CRYPTO;
    }
    return KCM_OK;
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
    mbedtls_sha256_context sha;
    uint8_t nl = (uint8_t)name_len;
    uint8_t full[32];
    int rc = -1;

    mbedtls_sha256_init(&sha);
    if (mbedtls_sha256_starts(&sha, 0) != 0 ||
        mbedtls_sha256_update(&sha, hdr, KCM_REC_AAD_HDR) != 0 ||
        mbedtls_sha256_update(&sha, &nl, 1) != 0 ||
        mbedtls_sha256_update(&sha, name, name_len) != 0 ||
        (len > 0 && mbedtls_sha256_update(&sha, data, len) != 0) ||
        mbedtls_sha256_finish(&sha, full) != 0)
        goto cleanup;
    memcpy(tag, full, KCM_TAG_LEN);
    rc = 0;
cleanup:
    mbedtls_sha256_free(&sha);
    return rc;
}

kcm_status_t kcm_rec_seal(const uint8_t key[32], kcm_rng_fn rng, void *rng_ctx,
                          kcm_rec_hdr_t *h, const uint8_t *name, size_t name_len,
                          const uint8_t *data, size_t len, uint8_t *out, size_t out_size,
                          size_t *out_len)
{
    kcm_status_t st = KCM_ERR_INVALID_PARAMETER;
    mbedtls_gcm_context gcm;
    uint8_t aad[KCM_REC_AAD_HDR + 1 + FCC_NAME_MAX];
    size_t aad_len;
    bool enc = (h->flags & KCM_FLAG_ENCRYPTED) != 0;
    static const uint8_t nothing[1] = {0};

    mbedtls_gcm_init(&gcm);
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
    if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) != 0)
        goto cleanup;
    if (mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, out + 12, KCM_NONCE_LEN, aad,
                                  aad_len, data, out + KCM_REC_HDR, KCM_TAG_LEN, out + 24) != 0) {
        mbedtls_platform_zeroize(out, KCM_REC_HDR + len);
        goto cleanup;
    }
    st = KCM_OK;
cleanup:
    if (st == KCM_OK && out_len != NULL)
        *out_len = KCM_REC_HDR + len;
    mbedtls_gcm_free(&gcm);
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
    mbedtls_gcm_context gcm;
    uint8_t aad[KCM_REC_AAD_HDR + 1 + FCC_NAME_MAX];
    uint8_t tag[KCM_TAG_LEN];
    size_t aad_len;
    uint8_t dummy[1];
    bool wrote = false;

    mbedtls_gcm_init(&gcm);
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
    if (mbedtls_gcm_setkey(&gcm, MBEDTLS_CIPHER_ID_AES, key, 256) != 0)
        goto cleanup;
    wrote = true;
    {
        int rc = mbedtls_gcm_auth_decrypt(&gcm, h->len, rec + 12, KCM_NONCE_LEN, aad, aad_len,
                                          rec + 24, KCM_TAG_LEN, rec + KCM_REC_HDR, out);
        if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED) {
            st = KCM_ERR_CORRUPTED;
            goto cleanup;
        }
        if (rc != 0)
            goto cleanup;
    }
    st = KCM_OK;
cleanup:
    if (st != KCM_OK && wrote)
        mbedtls_platform_zeroize(out, h->len);
    mbedtls_gcm_free(&gcm);
    return st;
}

/* Parses an EC key pair or public key already in `pk` and checks the curve and the point(s). */
static kcm_status_t check_ec(const mbedtls_pk_context *pk, bool private_key)
{
    kcm_status_t bad = private_key ? KCM_ERR_PRIVKEY_PARSE : KCM_ERR_PUBKEY_PARSE;
    const mbedtls_ecp_keypair *ec;

    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
        return bad;
    ec = mbedtls_pk_ec(*pk);
    if (ec == NULL)
        return bad;
    /* mbedTLS 3 keeps the key pair's fields private; these checks need the group and points. */
    if (ec->MBEDTLS_PRIVATE(grp).id != MBEDTLS_ECP_DP_SECP256R1)
        return KCM_ERR_CURVE_UNSUPPORTED;
    if (mbedtls_ecp_check_pubkey(&ec->MBEDTLS_PRIVATE(grp), &ec->MBEDTLS_PRIVATE(Q)) != 0)
        return bad;
    if (private_key &&
        mbedtls_ecp_check_privkey(&ec->MBEDTLS_PRIVATE(grp), &ec->MBEDTLS_PRIVATE(d)) != 0)
        return bad;
    /* A key pair whose embedded public point is not d*G would sign for another identity. */
    if (private_key && mbedtls_ecp_check_pub_priv(ec, ec, fcc_psa_rng, FCC_PSA_RNG_CTX) != 0)
        return bad;
    return KCM_OK;
}

kcm_status_t kcm_check_private_key(const uint8_t *der, size_t len)
{
    kcm_status_t st = KCM_ERR_PRIVKEY_PARSE;
    mbedtls_pk_context pk;

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
    const mbedtls_md_info_t *md;
    uint8_t hash[MBEDTLS_MD_MAX_SIZE];

    mbedtls_x509_crt_init(&c);
    mbedtls_x509_crt_init(&p);
    st = parse_cert(&c, child, child_len);
    if (st != KCM_OK)
        goto cleanup;
    st = parse_cert(&p, issuer, issuer_len);
    if (st != KCM_OK)
        goto cleanup;
    st = KCM_ERR_CHAIN_VALIDATION;
    /* The signature fields of a parsed certificate are private in mbedTLS 3. */
    md = mbedtls_md_info_from_type(c.MBEDTLS_PRIVATE(sig_md));
    if (md == NULL)
        goto cleanup;
    if (mbedtls_md(md, c.tbs.p, c.tbs.len, hash) != 0)
        goto cleanup;
    if (mbedtls_pk_verify_ext(c.MBEDTLS_PRIVATE(sig_pk), c.MBEDTLS_PRIVATE(sig_opts), &p.pk,
                              c.MBEDTLS_PRIVATE(sig_md), hash, mbedtls_md_get_size(md),
                              c.MBEDTLS_PRIVATE(sig).p, c.MBEDTLS_PRIVATE(sig).len) != 0)
        goto cleanup;
    st = KCM_OK;
cleanup:
    mbedtls_x509_crt_free(&c);
    mbedtls_x509_crt_free(&p);
    return st;
}
