/* SPDX-License-Identifier: Apache-2.0 */
/* Private part of a loaded configuration: where each key was found, so that findings about a
 * value can name the file, line and column of that value. */
#ifndef FCU_CONFIG_INT_H
#define FCU_CONFIG_INT_H

#include "fcu.h"

#define FCU_CONFIG_LOCS_MAX 64

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
} fcu_config_priv_t;

/* Line and column (1-based) of a parameter's value; false when the key is absent. */
bool fcu_config_where(const fcu_config_t *cfg, const char *param, size_t *line, size_t *column);
/* "file:line:column: " (or "file: ") for messages about `param`. */
void fcu_config_loc_prefix(const fcu_config_t *cfg, const char *param, char *buf, size_t size);

#endif /* FCU_CONFIG_INT_H */
