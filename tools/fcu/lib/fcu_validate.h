/* SPDX-License-Identifier: Apache-2.0 */
/* Checks shared by the configuration validation (validate.c) and the per-device validation
 * (device.c). */
#ifndef FCU_VALIDATE_H
#define FCU_VALIDATE_H

#include "fcu.h"
#include "fcu_int.h"
#include "fcc/config.h"

typedef struct fcu_param_value {
    const char *param;
    const char *value;
} fcu_param_value_t;

/* A finding whose message starts with "file:line:column: " of `param` in the configuration. */
void fcu_cfg_finding(const fcu_config_t *cfg, fcu_findings_t *f, int code, fcu_severity_t sev,
                     const char *param, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* coap:// or coaps:// followed by a host, no spaces or control characters. */
bool fcu_uri_scheme_ok(const char *uri);
/* UUID text (8-4-4-4-12 or 32 hex digits) to 16 bytes. 0 or -1. */
int fcu_uuid_parse(const char *s, uint8_t out[16]);
/* The upper bound of a device's FCC_ITEM_VALUE_MAX (include/fcc/config.h): no device stores a
 * longer item. */
#define FCU_ITEM_VALUE_LIMIT 65535u
/* The largest item a device stores: KCM keeps each item as a record of a 40-byte header and the
 * data within one engine value of FCC_ITEM_VALUE_MAX bytes (SPEC.md 4.2), so 4056 bytes with the
 * default limit. */
#define FCU_KCM_RECORD_HEADER 40u
#define FCU_ITEM_DATA_MAX ((size_t)FCC_ITEM_VALUE_MAX - FCU_KCM_RECORD_HEADER)
/* An item value of `len` bytes against what a device stores: -1 when it fits a device built with
 * the default FCC_ITEM_VALUE_MAX, else FCU_SEV_ERROR (what the device refuses, fcu refuses);
 * the reason goes to msg. */
int fcu_value_size_check(size_t len, char *msg, size_t size);
/* +HH:MM / -HH:MM, from -12:00 to +14:00 (what a strict device accepts) */
bool fcu_utc_offset_ok(const char *s);
/* The server URI of the active mode and its parameter name. */
const char *fcu_active_uri_param(const fcu_config_t *cfg);
const char *fcu_active_uri(const fcu_config_t *cfg);
/* Loads and checks a certificate file of the configuration; see validate.c. */
STACK_OF(X509) *fcu_cfg_cert_file(const fcu_config_t *cfg, fcu_findings_t *f, const char *param,
                                  const char *path, bool chain_ok, int64_t now);

#endif /* FCU_VALIDATE_H */
