/* SPDX-License-Identifier: Apache-2.0 */
/* One place that brings up the PSA Crypto API before the device library uses it (directly, or
 * through an mbedTLS function that needs a random generator). psa_crypto_init() is idempotent
 * and cheap once done; its randomness comes from the port (mbedtls_psa_external_get_random in
 * lib/port). mbedTLS's f_rng callbacks get PSA's generator through fcc_psa_rng. Also the one
 * X.509 signature check on PSA that KCM and FCC share. */
#ifndef FCC_PSA_H
#define FCC_PSA_H

#include <mbedtls/build_info.h>
#include <mbedtls/pk.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if MBEDTLS_VERSION_NUMBER < 0x03060000
#error "the device library needs mbedTLS 3.6 (config/mbedtls_config.h); older headers leaked in"
#endif

/* 0 when PSA is ready, -1 otherwise. */
static inline int fcc_psa_ready(void)
{
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

/* The f_rng / p_rng pair of mbedTLS's legacy functions (PSA's generator). */
#define fcc_psa_rng mbedtls_psa_get_random
#define FCC_PSA_RNG_CTX MBEDTLS_PSA_RANDOM_STATE

/* ---- opaque device keys -------------------------------------------------------------------
 * With FCC_OPAQUE_CSR_KEYS, the key pair a CsrReqs bundle asks for is a persistent PSA key that
 * never leaves PSA (its material is a PSA ITS entry: lib/kcm/kcm_psa_its.c); the KCM private-key
 * item then holds a key reference instead of DER: the bytes 'P' 'S' 'A' 0x01 and the PSA key id
 * as a big-endian u32 (8 bytes; DER always starts with 0x30, so the two never collide). The ids
 * are taken from FCC_PSA_KEY_ID_MIN..MAX (within PSA's user range). */
#define FCC_PSA_KEY_ID_MIN ((psa_key_id_t)0x0FCC0001u)
#define FCC_PSA_KEY_ID_MAX ((psa_key_id_t)0x0FCC0040u)
#define FCC_KEY_REF_LEN 8u

static inline void fcc_key_ref_write(uint8_t out[FCC_KEY_REF_LEN], psa_key_id_t id)
{
    out[0] = 'P';
    out[1] = 'S';
    out[2] = 'A';
    out[3] = 1;
    out[4] = (uint8_t)(id >> 24);
    out[5] = (uint8_t)(id >> 16);
    out[6] = (uint8_t)(id >> 8);
    out[7] = (uint8_t)id;
}

/* True when the `len` bytes at `item` are a key reference; *id gets the key id. */
static inline bool fcc_key_ref_parse(const uint8_t *item, size_t len, psa_key_id_t *id)
{
    if (item == NULL || len != FCC_KEY_REF_LEN || item[0] != 'P' || item[1] != 'S' ||
        item[2] != 'A' || item[3] != 1)
        return false;
    *id = (psa_key_id_t)(((uint32_t)item[4] << 24) | ((uint32_t)item[5] << 16) |
                         ((uint32_t)item[6] << 8) | item[7]);
    return *id >= FCC_PSA_KEY_ID_MIN && *id <= FCC_PSA_KEY_ID_MAX;
}

/* Loads a private-key item into `pk` (initialised by the caller): SEC1/PKCS#8 DER is parsed; a
 * key reference becomes an opaque PK context over the PSA key, after checking that it is a P-256
 * key pair. *ref gets the referenced key id (PSA_KEY_ID_NULL for DER): the caller calls
 * psa_purge_key on it when done, so no key of one store stays cached in RAM for the next.
 * Returns 0, or -1 when the item is neither. Defined in lib/kcm/kcm_crypto.c. */
int fcc_pk_from_key_item(mbedtls_pk_context *pk, const uint8_t *item, size_t len,
                         psa_key_id_t *ref);

/* 0 when the signature of the parsed certificate `child` verifies with `issuer`'s public key
 * (ECDSA or RSA PKCS#1 v1.5 over the certificate's digest, through PSA), -1 otherwise. Shared by
 * KCM's chain-link check and FCC's verification; defined in lib/kcm/kcm_crypto.c. */
int fcc_x509_check_signature(const mbedtls_x509_crt *child, const mbedtls_pk_context *issuer);

/* The counting hook of the public-key operations (kcm_pk_ops_get, include/fcc/kcm.h): called
 * once where the device library makes each operation. Defined in lib/kcm/kcm_crypto.c. */
typedef enum { FCC_PK_OP_VERIFY, FCC_PK_OP_KEY_MUL, FCC_PK_OP_SIGN, FCC_PK_OP_KEYGEN } fcc_pk_op_t;
void fcc_pk_op_count(fcc_pk_op_t op);

#endif /* FCC_PSA_H */
