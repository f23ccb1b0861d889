/* SPDX-License-Identifier: Apache-2.0 */
/* Internal declarations of the fcu core (not part of the interface the line commands use):
 * the core commands, the CA, X.509 helpers over OpenSSL 3 and the bundle encoder. */
#ifndef FCU_INT_H
#define FCU_INT_H

#include "fcu.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#define FCU_TEN_YEARS ((int64_t)315360000) /* 10 * 365 days, as the device counts them */
#define FCU_YEAR ((int64_t)31536000)
#define FCU_CA_CERT_FILE "fcu.crt"
#define FCU_CA_KEY_FILE "fcu_private_key.pem"
#define FCU_CA_CSR_FILE "fcu.csr"

/* The FCU CA: its key and its chain (fcu.crt, leaf = the FCU CA certificate first). */
struct fcu_ca {
    EVP_PKEY *key;
    STACK_OF(X509) *chain;
    /* prepared once per CA, reused for every device (OpenSSL 3's per-call provider lookups
     * would otherwise dominate the cost of a certificate) */
    EVP_PKEY_CTX *keygen;              /* P-256 key generation */
    STACK_OF(X509_EXTENSION) *dev_ext; /* the device certificate's extensions */
    EVP_MD_CTX *sign_tmpl;             /* ECDSA-SHA256 with the CA key, copied per signature */
};
/* Loads keystore/fcu.crt and keystore/fcu_private_key.pem into ctx->ca (once), checking them
 * (codes 210-212, 220-221). Returns FCU_EXIT_OK or FCU_EXIT_INVALID. */
int fcu_ca_load(fcu_ctx_t *ctx, fcu_findings_t *f);

/* What fcu_ca_setup made. */
typedef struct fcu_setup_out {
    char key[4096];  /* the key file, or the pkcs11: URI of the key in a token */
    char cert[4096]; /* keystore/fcu.crt */
    char csr[4096];  /* keystore/fcu.csr */
    bool in_token, token_key_created, made_csr;
} fcu_setup_out_t;
/* `fcu setup` without its argument parsing and printing: the CA key (a file, or in the token
 * `uri` names) and the self-signed certificate or the CSR. Findings go to `f`; an operational
 * failure is one line in `err`. Returns FCU_EXIT_*. */
int fcu_ca_setup(fcu_ctx_t *ctx, const char *uri, bool force, fcu_findings_t *f,
                 fcu_setup_out_t *out, char *err, size_t errsz);
/* `fcu setup --install-ca FILE` without its printing: places the certificate (or PEM chain) as
 * keystore/fcu.crt and checks it against the key (fcu_ca_load), putting back the previous one if
 * refused. The path written goes to `installed`, the number of certificates to *count; failures
 * that are not findings are lines (joined by '\n') in `err`. Returns FCU_EXIT_*. */
int fcu_ca_install(fcu_ctx_t *ctx, const char *file, fcu_findings_t *f, char *installed,
                   size_t installed_size, int *count, char *err, size_t errsz);
void fcu_ca_free(struct fcu_ca *ca);

/* ---- X.509 helpers (x509.c) ---- */
/* Fresh P-256 key; NULL on failure. With `ca` (may be NULL) its prepared context is used. */
EVP_PKEY *fcu_key_generate(void);
EVP_PKEY *fcu_key_generate_with(struct fcu_ca *ca);
/* true when the certificate's public key matches the private key (compares the encoded public
 * point, so no key decoding is needed). */
bool fcu_cert_key_matches(X509 *cert, EVP_PKEY *key);
/* Certificates of a PEM file (one or more) or a DER file (exactly one). *is_der tells which.
 * Returns a new stack (caller frees with sk_X509_pop_free) or NULL. */
STACK_OF(X509) *fcu_certs_load(const uint8_t *data, size_t len, bool *is_der);
/* The same, refusing bytes after a certificate's DER (in a DER file or in a PEM block), with the
 * reason in why (may be NULL). */
STACK_OF(X509) *fcu_certs_load_why(const uint8_t *data, size_t len, bool *is_der, char *why,
                                   size_t why_size);
/* false (reason in why) when a device's X.509 parser refuses a certificate OpenSSL reads: an
 * unknown critical extension, a known extension twice, a critical non-anyPolicy policy, an EC
 * key as a compressed point. */
bool fcu_cert_device_parsable(X509 *cert, char *why, size_t why_size);
/* false (reason in why) when a certificate breaks a path rule a TLS server applies: `issuer`
 * set, it issues another certificate of the chain and must be a CA (basicConstraints CA:TRUE,
 * keyUsage with keyCertSign when present, a path length that allows the `below` CA certificates
 * under it); `issuer` false, it is the client (leaf) certificate and must not be a CA, and a
 * keyUsage must allow digitalSignature. */
bool fcu_cert_path_ok(X509 *cert, bool issuer, int below, char *why, size_t why_size);
/* A private key from PEM or DER bytes; NULL when unparsable. */
EVP_PKEY *fcu_key_load(const uint8_t *data, size_t len);
/* true when the key is EC on P-256. */
bool fcu_key_is_p256(EVP_PKEY *key);
/* true when the certificate has a P-256 key and an ecdsa-with-SHA256 signature; else writes why. */
bool fcu_cert_scheme_ok(X509 *cert, char *why, size_t why_size);
/* Seconds since the epoch of an ASN1_TIME. */
int64_t fcu_asn1_time_epoch(const ASN1_TIME *t);
/* A subject field (NID) as text into buf; false when absent. */
bool fcu_cert_subject_field(X509 *cert, int nid, char *buf, size_t size);
/* true when the first subject attribute `nid` holds exactly the bytes of `want`, compared as the
 * device compares them: the attribute's encoded value, whatever its string type (a BMPString
 * "ep-1" is not "ep-1"). */
bool fcu_cert_subject_raw_eq(X509 *cert, int nid, const char *want);
/* true when the cert is self-signed (issuer == subject and own key verifies it). */
bool fcu_cert_self_signed(X509 *cert);
/* DER encoding (malloc'd); NULL on failure. */
uint8_t *fcu_cert_der(X509 *cert, size_t *len);
uint8_t *fcu_key_der(EVP_PKEY *key, size_t *len);
/* ---- server URIs (uri.c), read as the device reads them ---- */
/* The X.509 upper bound of an organizational unit name (RFC 5280 ub-organizational-unit-name):
 * the device certificate's OU carries the aid. */
#define FCU_AID_MAX 64
/* How a device reads a URI's query: the query starts at the first '?' and ends at the first
 * '#'; parameters are split at '&'; the aid is the parameter named exactly `aid`, its value
 * taken as it stands (never percent-decoded). */
typedef struct fcu_uri_aid_info {
    int count;          /* parameters named `aid` in the query (with or without '=') */
    bool has_value;     /* the first one has '=' (a bare `aid` is not an aid for the device) */
    const char *value;  /* its value (not terminated) and length */
    size_t value_len;
    bool fragment;      /* the URI has a '#fragment' */
    bool in_fragment;   /* the fragment holds a parameter named `aid` */
} fcu_uri_aid_info_t;
void fcu_uri_aid_scan(const char *uri, fcu_uri_aid_info_t *info);
/* Value of the (first) aid query parameter with '=' into buf; false when absent. */
bool fcu_uri_aid(const char *uri, char *buf, size_t size);
/* Why a coap(s) URI can never connect (port outside 1..65535 or not a number, malformed or
 * unbracketed IPv6 literal, userinfo, empty host) into why; true when it can. */
bool fcu_uri_connectable(const char *uri, char *why, size_t size);
/* Adds X.509 name entries from a configured subject (CN/OU overridable). */
int fcu_name_add(X509_NAME *name, const fcu_subject_t *s, const char *cn, const char *ou);
/* A random positive serial of 64..127 bits set on cert. 0 on success. */
int fcu_cert_random_serial(X509 *cert);

/* Issues a device certificate for `devkey` signed by the CA. Returns the certificate or NULL. */
/* `pt` is the device key's uncompressed public point (fcu_key_pub_point). The signed
 * certificate's DER goes to *der (malloc'd, caller frees); the returned object holds every
 * field but the outer signature (for the checks), so use *der, not i2d_X509(), for output. */
X509 *fcu_device_cert_issue(const fcu_ctx_t *ctx, struct fcu_ca *ca, const unsigned char *pt,
                            size_t ptlen, const char *endpoint, const char *ou,
                            int validity_years, uint8_t **der, size_t *der_len);
/* Encoded (uncompressed) public point of an EC key into buf; returns its length, 0 on failure. */
size_t fcu_key_pub_point(EVP_PKEY *key, unsigned char *buf, size_t size);
/* fcu_cert_key_matches with the key's point already known. */
bool fcu_cert_point_matches(X509 *cert, EVP_PKEY *key, const unsigned char *pt, size_t n);
/* SEC1 DER of a P-256 private key whose public point is `pt` (65 bytes); NULL on failure. */
uint8_t *fcu_key_der_p256(EVP_PKEY *key, const unsigned char *pt, size_t ptlen, size_t *len);
/* true when the extended key usage extension lists clientAuth. */
bool fcu_cert_has_client_auth(X509 *cert);

/* fcu_enrollment_id from an already computed SHA-256. */
void fcu_enrollment_id_from_digest(const uint8_t md[32], char *out, size_t size);

/* ---- configuration validations independent of the device (validate.c) ---- */
void fcu_validate_config(fcu_ctx_t *ctx, fcu_findings_t *f);

#endif /* FCU_INT_H */
