/* SPDX-License-Identifier: Apache-2.0 */
/* The project's own mbedTLS 3.6 configuration (MBEDTLS_CONFIG_FILE of every build of mbedTLS:
 * the host build and the microcontroller cross build, which adds a target user-config through
 * MBEDTLS_USER_CONFIG_FILE). It replaces mbedTLS's default configuration, so every module the
 * device library does not use is left out, and nothing in it calls the OS: no file system, no
 * clock, no entropy sources, no threads. Randomness comes from the device's port through PSA's
 * external RNG hook (lib/port), the device clock is the port's (certificate dates are checked by
 * lib/fcc, never by mbedTLS), and persistent PSA keys live in KCM (lib/kcm/kcm_psa_its.c).
 *
 * Two parts: what the device library needs (section A), and what the optional connect check
 * (a DTLS 1.2 client) needs on top (section B). A static library links only what is called, so
 * section B costs nothing in a firmware that does not call the connect check. */
#ifndef FCC_MBEDTLS_CONFIG_H
#define FCC_MBEDTLS_CONFIG_H

/* ==== A. Device library (lib/kcm, lib/fcc, lib/ftcd) ====================================== */

/* -- platform -- */
/* No OS services: no time(), no file I/O (MBEDTLS_FS_IO off), no entropy polling. */
#define MBEDTLS_PLATFORM_C            /* mbedtls_calloc/free indirection a firmware can redirect */
#define MBEDTLS_HAVE_ASM              /* inline assembly for bignum multiplication where known */
#define MBEDTLS_NO_PLATFORM_ENTROPY   /* never read /dev/urandom or getrandom() itself */

#define MBEDTLS_VERSION_C             /* run-time version (fcc_crypto_version, --version) */

/* -- PSA Crypto API: the interface the device library calls for its cryptography -- */
#define MBEDTLS_PSA_CRYPTO_C          /* the PSA Crypto implementation (psa_*) */
#define MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG /* randomness from mbedtls_psa_external_get_random(),
                                         * implemented by the port (lib/port): no entropy module,
                                         * no DRBG of mbedTLS's own */
#define MBEDTLS_PSA_CRYPTO_STORAGE_C  /* persistent keys (the opaque device keys of CsrReqs) */
/* MBEDTLS_PSA_ITS_FILE_C stays off: the ITS backend (psa_its_*) is KCM's, lib/kcm/kcm_psa_its.c */
#define MBEDTLS_USE_PSA_CRYPTO        /* PK, X.509 and TLS do their cryptography through PSA
                                       * too; it also gives PK its opaque keys
                                       * (mbedtls_pk_setup_opaque): a CSR signed by a key that
                                       * never leaves PSA */
#define MBEDTLS_PSA_KEY_SLOT_COUNT 8  /* keys open at once: a CSR key, a verification key, the
                                       * storage key, a DTLS session's keys; the default is 32 */

/* -- hashes and MACs -- */
#define MBEDTLS_MD_C                  /* generic digest layer (X.509 signature checks, HKDF) */
#define MBEDTLS_SHA256_C              /* SHA-256: frame digest, record digest, signatures, HKDF */
#define MBEDTLS_SHA224_C              /* required with SHA256_C by PSA's SHA-256 driver build */
#define MBEDTLS_HKDF_C                /* storage-key derivation (HKDF-SHA256) */

/* -- ciphers -- */
#define MBEDTLS_AES_C                 /* AES-256 for encryption at rest */
#define MBEDTLS_GCM_C                 /* AES-256-GCM records of confidential items */
#define MBEDTLS_CIPHER_C              /* generic cipher layer (PSA's AEAD driver, GCM key setup) */
#define MBEDTLS_AES_ROM_TABLES        /* AES tables in flash, not computed into RAM */
#define MBEDTLS_AES_FEWER_TABLES      /* 2 KiB of tables instead of 8 KiB */

/* -- elliptic curves: P-256 (the ecosystem's one curve) -- */
#define MBEDTLS_BIGNUM_C              /* multi-precision integers under ECP */
#define MBEDTLS_ECP_C                 /* curve arithmetic */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED /* NIST P-256, the only curve the device uses */
#define MBEDTLS_ECP_NIST_OPTIM        /* fast reduction modulo the NIST prime */
/* Foreign keys are parsed only to be refused with the contract's own status: a P-384 key gets
 * "Curve unsupported", a P-384 or RSA certificate "Certificate public key validation failed"
 * (a library that cannot parse them would say "parse failed"). */
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED /* P-384: recognised and refused */
#define MBEDTLS_RSA_C                 /* RSA public keys in certificates: recognised and refused */
#define MBEDTLS_PKCS1_V15             /* RSA signatures of certificates (a CA may sign with RSA) */
#define MBEDTLS_SHA512_C              /* SHA-384 signatures (P-384 certificates) */
#define MBEDTLS_SHA384_C              /* SHA-384 itself */
#define MBEDTLS_ECDSA_C               /* device-key signatures (CSR) and chain checks */
#define MBEDTLS_ECDH_C                /* ECDH key agreement (PSA_ALG_ECDH; DTLS ECDHE) */

/* -- ASN.1, keys, X.509 (PSA has no parser of certificates or key containers) -- */
#define MBEDTLS_ASN1_PARSE_C          /* DER reader */
#define MBEDTLS_ASN1_WRITE_C          /* DER writer (CSR, SubjectPublicKeyInfo, SEC1 keys) */
#define MBEDTLS_OID_C                 /* OID tables (algorithms, extensions, name attributes) */
#define MBEDTLS_PK_C                  /* public-key abstraction over EC keys */
#define MBEDTLS_PK_PARSE_C            /* SEC1/PKCS#8 private keys, SubjectPublicKeyInfo */
#define MBEDTLS_PK_WRITE_C            /* DER of generated keys (KCM items) */
#define MBEDTLS_X509_USE_C            /* common X.509 code (names, times, extensions) */
#define MBEDTLS_X509_CRT_PARSE_C      /* certificates and chains of the bundle */
#define MBEDTLS_X509_CREATE_C         /* common X.509 writing code */
#define MBEDTLS_X509_CSR_WRITE_C      /* the PKCS#10 request answering CsrReqs */
#define MBEDTLS_X509_CSR_PARSE_C      /* tests only: they parse the device's CSR (not linked into
                                       * a firmware, which never calls it) */

/* ==== B. Optional connect check: DTLS 1.2 client (the LwM2M bootstrap connection) ========== */
/* Nothing below is linked unless the connect check (libmbedtls) is. Its timer is the port clock
 * through mbedtls_ssl_set_timer_cb: MBEDTLS_TIMING_C (an OS clock) stays off. */
#define MBEDTLS_SSL_TLS_C             /* TLS/DTLS record and handshake layer */
#define MBEDTLS_SSL_CLI_C             /* client side only */
#define MBEDTLS_SSL_PROTO_TLS1_2      /* (D)TLS 1.2, what LwM2M 1.x servers speak */
#define MBEDTLS_SSL_PROTO_DTLS        /* datagram TLS over UDP */
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY /* answer the server's HelloVerifyRequest cookie */
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY  /* drop replayed records */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* the server's certificate stays readable after the
                                           * handshake (the check reports it) */
#define MBEDTLS_SSL_SERVER_NAME_INDICATION /* SNI: the server host name in the ClientHello */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED /* ECDHE-ECDSA suites with the device key */
#define MBEDTLS_CCM_C                 /* AES-CCM(-8) suites, LwM2M's mandatory ones */
/* (GCM suites come with MBEDTLS_GCM_C of section A) */
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC  /* RFC 7366, negotiated when the server offers it */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET /* RFC 7627, binds the master secret to the handshake */
#define MBEDTLS_SSL_MAX_CONTENT_LEN 4096 /* record buffers of 4 KiB instead of 16 KiB */

#endif /* FCC_MBEDTLS_CONFIG_H */
