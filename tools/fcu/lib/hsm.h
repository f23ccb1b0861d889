/* SPDX-License-Identifier: Apache-2.0 */
/* The FCU CA key in a hardware security module, through PKCS#11.
 *
 * A key is named by an RFC 7512 `pkcs11:` URI (token and object attributes; the PIN from the
 * URI's `pin-source=file:PATH` or from the environment variable FCU_PKCS11_PIN, never from the
 * URI's `pin-value`). The PKCS#11 module is a shared object path (default: p11-kit's proxy module,
 * which loads every module the machine registers).
 *
 * Two libraries do the work, both from Debian: p11-kit parses the URI and drives the module
 * directly for the checks that must say precisely what is wrong (module, token, PIN, key object,
 * curve) and for the key generation of `fcu setup`; libp11 (the library behind Debian's
 * PKCS#11 engine for OpenSSL) then gives the key to OpenSSL as an EVP_PKEY whose signatures
 * are made inside the token, so every signing path of fcu works unchanged. The private key
 * never leaves the token. */
#ifndef FCU_HSM_H
#define FCU_HSM_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

/* Environment variable that may hold the token's user PIN. */
#define FCU_HSM_PIN_ENV "FCU_PKCS11_PIN"
/* File in keystore/ that holds the key's URI after `fcu setup --ca-key-uri` (no secret in it). */
#define FCU_CA_KEY_URI_FILE "fcu_private_key.uri"

/* Where and why a PKCS#11 operation failed: `code` is one of the FCU_E_HSM_* / CA key codes of
 * fcu.h, `message` says what is wrong in words an operator can act on. */
typedef struct fcu_hsm_error {
    int code;
    char message[512];
} fcu_hsm_error_t;

/* The PKCS#11 module used when the configuration names none. */
const char *fcu_hsm_default_module(void);

/* true when `s` is a pkcs11: URI (by its scheme). */
bool fcu_hsm_is_uri(const char *s);

/* Makes sure the key named by `uri` exists in its token: when it does, checks it is an EC P-256
 * private key; when it does not, generates a P-256 key pair inside the token (private key
 * sensitive and not extractable, labelled and identified as the URI says). *created tells which.
 * `base_dir` resolves a relative pin-source path. Returns 0, or -1 with *err filled. */
int fcu_hsm_ensure_key(const char *uri, const char *module, const char *base_dir, bool *created,
                       fcu_hsm_error_t *err);

/* The key named by `uri` as an OpenSSL key that signs inside the token (ECDSA), after the
 * same checks as above (no generation). The caller owns the returned reference
 * (EVP_PKEY_free). Safe to call from several threads; the module stays loaded until the process
 * ends, and concurrent signatures are serialised by libp11's session pool. Returns NULL with
 * *err filled on failure. */
EVP_PKEY *fcu_hsm_load_key(const char *uri, const char *module, const char *base_dir,
                           fcu_hsm_error_t *err);

#endif /* FCU_HSM_H */
