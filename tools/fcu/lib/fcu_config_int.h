/* SPDX-License-Identifier: Apache-2.0 */
/* Private part of a loaded configuration: where each key was found, so that findings about a
 * value can name the file, line and column of that value. */
#ifndef FCU_CONFIG_INT_H
#define FCU_CONFIG_INT_H

#include "fcu.h"

#define FCU_CONFIG_LOCS_MAX 256

/* One entry of custom-properties: the user's own item (docs/fcu-config.md). */
typedef enum fcu_custom_type {
    FCU_CUSTOM_CONFIG = 0, /* config-param */
    FCU_CUSTOM_CERT,       /* certificate (one) or certificate chain (a PEM file with several) */
    FCU_CUSTOM_PRIVKEY,    /* private-key */
    FCU_CUSTOM_PUBKEY,     /* public-key */
} fcu_custom_type_t;

#define FCU_CUSTOM_NAME_MAX 100 /* wire contract section 6: 1..100 bytes of A-Za-z0-9._- */

typedef struct fcu_custom_prop {
    char param[48];       /* "custom-properties[N]" (0-based), the finding's parameter */
    size_t line, column;  /* the entry's position */
    char *name;           /* NULL when absent or refused */
    int type;             /* fcu_custom_type_t, -1 when absent or refused */
    char *data;           /* data: text (config-param), placeholders expanded */
    char *data_file;      /* data-file: path resolved against the configuration's folder */
    /* filled by fcu_custom_validate when the entry is good */
    bool ok;
    uint8_t *bytes;       /* config-param bytes, or the key's DER exactly as the file holds it */
    size_t len;
    int ncerts;           /* certificates: 1 = single certificate, 2..5 = a chain, leaf first */
    uint8_t *der[5];
    size_t der_len[5];
} fcu_custom_prop_t;

typedef struct fcu_config_priv {
    struct {
        char param[96];
        size_t line, column; /* 1-based */
    } locs[FCU_CONFIG_LOCS_MAX];
    size_t nlocs;
    /* DER of the certificates the configuration names, read once per configuration */
    bool certs_loaded;
    uint8_t *server_ca_der;
    size_t server_ca_len;
    uint8_t *update_der[5];
    size_t update_len[5];
    int update_count;
    /* custom-properties, in the file's order */
    fcu_custom_prop_t *custom;
    size_t ncustom;
} fcu_config_priv_t;

/* Checks every custom property (name rules, duplicates, files read and parsed, keys P-256,
 * certificates not expired, chains linked) and keeps the bytes to send. Called once by
 * fcu_config_load. */
void fcu_custom_validate(fcu_ctx_t *ctx, fcu_findings_t *f);
/* Number of good custom items that go into bundle group `type` (FCU_CUSTOM_CERT counts single
 * certificates only; chains are counted by fcu_custom_chains). */
size_t fcu_custom_count(const fcu_config_t *cfg, fcu_custom_type_t type);
size_t fcu_custom_chains(const fcu_config_t *cfg);

/* The loader alone (config.c): reads and parses the file into ctx->cfg (syntax, keys, types,
 * positions) without the validations fcu_config_load (config_load.c) runs on top. Returns
 * FCU_EXIT_USAGE or FCU_EXIT_INVALID with ctx->cfg left NULL when there is nothing to check,
 * else FCU_EXIT_OK with ctx->cfg set (the findings may hold errors). */
int fcu_config_parse(fcu_ctx_t *ctx, fcu_findings_t *f);

/* The spelling of configuration key `key` the file used: one of its aliases (e.g.
 * update-authentication-certificate-file for update-auth-certificate-file) when the file gave
 * that, else `key`. Findings name the key as the operator wrote it. */
const char *fcu_config_key_name(const fcu_config_t *cfg, const char *key);
/* Line and column (1-based) of a parameter's value; false when the key is absent. */
bool fcu_config_where(const fcu_config_t *cfg, const char *param, size_t *line, size_t *column);
/* "file:line:column: " (or "file: ") for messages about `param`. */
void fcu_config_loc_prefix(const fcu_config_t *cfg, const char *param, char *buf, size_t size);

#endif /* FCU_CONFIG_INT_H */
