/* SPDX-License-Identifier: Apache-2.0 */
/* device-key-generation-mode: by_device. The device makes its own key pair, so no private key
 * ever exists outside it: a session of two messages on one connection (SPEC.md section 7).
 * Message 1 asks for the key pair and a CSR; the tool checks the CSR, issues the certificate with
 * the by_tool profile, and message 2 carries it (tied to the key by PrKN) with the rest of the
 * configuration. This header holds the pieces the core (device.c, bundle.c) and the factory line
 * (line.c) share. */
#ifndef FCU_SESSION_H
#define FCU_SESSION_H

#include "fcu.h"

#include <openssl/evp.h>

#define FCU_CSR_SUBJ_TEXT_MAX 257        /* the device takes a subject text of 256 bytes */
#define FCU_CSR_MD_SHA256 1              /* CsrReqs MD: SHA-256 */
#define FCU_CSR_KU_DIGITAL_SIGNATURE 1u  /* Ext.KU bit */
#define FCU_CSR_EKU_CLIENT_AUTH (1u << 2) /* Ext.EKU bit */

/* mbed.BootstrapDevicePrivateKey or mbed.LwM2MDevicePrivateKey (static string). */
const char *fcu_device_key_name(const fcu_config_t *cfg);

/* The CSR subject asked of the device, as the contract's text (`C=..,ST=..,L=..,O=..,OU=aid,
 * CN=endpoint`, special characters escaped): the subject a by_tool certificate has. Returns 0,
 * or -1 when it does not fit `size` or the device's limit. */
int fcu_csr_subject(const fcu_config_t *cfg, const char *endpoint, char *buf, size_t size);

/* Checks the device's CSR (DER PKCS#10): parsable, signed with its own key by
 * ecdsa-with-SHA256, a P-256 key, exactly the subject asked for, key usage digitalSignature and
 * extended key usage clientAuth. Returns its public key (caller frees), or NULL with findings
 * (350). */
EVP_PKEY *fcu_csr_check(fcu_ctx_t *ctx, const fcu_device_req_t *req, const uint8_t *csr,
                        size_t len, fcu_findings_t *f);

/* The CSR the device returned for key `prkn` in a response payload (Csrs entry). Returns 0 with
 * *der malloc'd, or -1. */
int fcu_response_csr(const uint8_t *resp, size_t len, const char *prkn, uint8_t **der,
                     size_t *der_len);

#endif /* FCU_SESSION_H */
