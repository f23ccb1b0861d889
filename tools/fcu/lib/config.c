/* SPDX-License-Identifier: Apache-2.0 */
/* Loader of fcu.yml. The file is parsed into a libyaml document so that every node keeps its
 * position; a table of known keys (the ecosystem's names) gives each key's type and destination.
 * Unknown keys, wrong types, duplicate and missing mandatory keys become findings that name the
 * file, line and column (1-based), and loading goes on so that every problem is listed. */
#include "fcu.h"
#include "fcu_int.h"
#include "fcu_config_int.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

typedef enum { T_BOOL, T_INT, T_STR, T_PATH, T_ENUM, T_MAP, T_CUSTOM } ktype_t;

typedef struct key {
    const char *name;
    ktype_t type;
    size_t off;               /* offset in fcu_config_t (not for T_MAP) */
    bool mandatory;
    const char *const *enums; /* T_ENUM: allowed names, index = stored int */
    const struct key *sub;    /* T_MAP: keys of the section */
    int min, max;             /* T_INT range */
} key_t_;

#define OFF(f) offsetof(fcu_config_t, f)

static const char *const keygen_modes[] = {"by_tool", "externally_supplied", "by_device", NULL};
static const char *const entropy_modes[] = {"by_device", "by_tool", "externally_supplied", NULL};

static const key_t_ ca_keys[] = {
    {"country-name", T_STR, OFF(ca_subject.country), false, NULL, NULL, 0, 0},
    {"state-name", T_STR, OFF(ca_subject.state), false, NULL, NULL, 0, 0},
    {"locality-name", T_STR, OFF(ca_subject.locality), false, NULL, NULL, 0, 0},
    {"organization-name", T_STR, OFF(ca_subject.organization), false, NULL, NULL, 0, 0},
    {"organizational-unit-name", T_STR, OFF(ca_subject.organizational_unit), false, NULL, NULL, 0,
     0},
    {"common-name", T_STR, OFF(ca_subject.common_name), false, NULL, NULL, 0, 0},
    {"validity-years", T_INT, OFF(ca_validity_years), false, NULL, NULL, 1, 100},
    {"private-key-uri", T_STR, OFF(ca_key_uri), false, NULL, NULL, 0, 0},
    {"pkcs11-module-path", T_PATH, OFF(pkcs11_module), false, NULL, NULL, 0, 0},
    {NULL, 0, 0, false, NULL, NULL, 0, 0}};

static const key_t_ dev_keys[] = {
    {"country-name", T_STR, OFF(dev_subject.country), false, NULL, NULL, 0, 0},
    {"state-name", T_STR, OFF(dev_subject.state), false, NULL, NULL, 0, 0},
    {"locality-name", T_STR, OFF(dev_subject.locality), false, NULL, NULL, 0, 0},
    {"organization-name", T_STR, OFF(dev_subject.organization), false, NULL, NULL, 0, 0},
    {"validity-years", T_INT, OFF(dev_validity_years), false, NULL, NULL, 1, 100},
    {NULL, 0, 0, false, NULL, NULL, 0, 0}};

static const key_t_ info_keys[] = {
    {"manufacturer-name", T_STR, OFF(manufacturer), true, NULL, NULL, 0, 0},
    {"model-number", T_STR, OFF(model_number), true, NULL, NULL, 0, 0},
    {"device-type", T_STR, OFF(device_type), true, NULL, NULL, 0, 0},
    {"hardware-version", T_STR, OFF(hardware_version), true, NULL, NULL, 0, 0},
    {"memory-total-size", T_INT, OFF(memory_total_kb), true, NULL, NULL, 0, 0x7fffffff},
    {"timezone", T_STR, OFF(timezone), false, NULL, NULL, 0, 0},
    {"utc-offset", T_STR, OFF(utc_offset), false, NULL, NULL, 0, 0},
    {NULL, 0, 0, false, NULL, NULL, 0, 0}};

static const key_t_ top_keys[] = {
    {"setup-ca-as-intermediate", T_BOOL, OFF(setup_ca_as_intermediate), false, NULL, NULL, 0, 0},
    {"use-bootstrap", T_BOOL, OFF(use_bootstrap), true, NULL, NULL, 0, 0},
    {"first-to-claim", T_BOOL, OFF(first_to_claim), false, NULL, NULL, 0, 0},
    {"time-sync", T_BOOL, OFF(time_sync), false, NULL, NULL, 0, 0},
    {"verify-on-device", T_BOOL, OFF(verify_on_device), false, NULL, NULL, 0, 0},
    {"bootstrap-server-uri", T_STR, OFF(bootstrap_server_uri), false, NULL, NULL, 0, 0},
    {"bootstrap-server-uri-first-to-claim", T_STR, OFF(bootstrap_server_uri_ftc), false, NULL,
     NULL, 0, 0},
    {"bootstrap-server-ca-certificate-file", T_PATH, OFF(bootstrap_server_ca_file), false, NULL,
     NULL, 0, 0},
    {"lwm2m-server-uri", T_STR, OFF(lwm2m_server_uri), false, NULL, NULL, 0, 0},
    {"lwm2m-server-ca-certificate-file", T_PATH, OFF(lwm2m_server_ca_file), false, NULL, NULL, 0,
     0},
    {"device-key-generation-mode", T_ENUM, OFF(keygen_mode), false, keygen_modes, NULL, 0, 0},
    {"device-certificate-chain-depth", T_INT, OFF(chain_depth), false, NULL, NULL, 0, 0},
    {"supported-crypto-scheme", T_STR, OFF(crypto_scheme), false, NULL, NULL, 0, 0},
    {"entropy-generation-mode", T_ENUM, OFF(entropy_mode), false, entropy_modes, NULL, 0, 0},
    {"certificate-authority", T_MAP, 0, false, NULL, ca_keys, 0, 0},
    {"device-certificate", T_MAP, 0, false, NULL, dev_keys, 0, 0},
    {"device-info", T_MAP, 0, true, NULL, info_keys, 0, 0},
    {"update-auth-certificate-file", T_PATH, OFF(update_auth_cert_file), false, NULL, NULL, 0, 0},
    {"custom-properties", T_CUSTOM, 0, false, NULL, NULL, 0, 0},
    {"vendor-id", T_STR, OFF(vendor_id), false, NULL, NULL, 0, 0},
    {"class-id", T_STR, OFF(class_id), false, NULL, NULL, 0, 0},
    {NULL, 0, 0, false, NULL, NULL, 0, 0}};

/* Other spellings of a key: the ecosystem's name is the key, the name this tool used first stays
 * accepted. Giving both is a key given twice. */
static const struct {
    const char *alias, *key;
} key_aliases[] = {
    {"update-authentication-certificate-file", "update-auth-certificate-file"},
};

typedef struct loader {
    fcu_config_t *cfg;
    fcu_config_priv_t *priv;
    yaml_document_t *doc;
    fcu_findings_t *f;
    const char *file;
} loader_t;

static void record_loc(loader_t *L, const char *param, const yaml_mark_t *m)
{
    fcu_config_priv_t *p = L->priv;
    if (p->nlocs < FCU_CONFIG_LOCS_MAX) {
        /* Parameter names are short; a longer one is cut, never overflowed. */
        size_t n = strnlen(param, sizeof(p->locs[0].param) - 1);
        memcpy(p->locs[p->nlocs].param, param, n);
        p->locs[p->nlocs].param[n] = '\0';
        p->locs[p->nlocs].line = m->line + 1;
        p->locs[p->nlocs].column = m->column + 1;
        p->nlocs++;
    }
}

bool fcu_config_where(const fcu_config_t *cfg, const char *param, size_t *line, size_t *column)
{
    const fcu_config_priv_t *p = cfg ? cfg->priv : NULL;
    if (!p)
        return false;
    for (size_t i = 0; i < p->nlocs; i++) {
        if (strcmp(p->locs[i].param, param) == 0) {
            *line = p->locs[i].line;
            *column = p->locs[i].column;
            return true;
        }
    }
    return false;
}

const char *fcu_config_key_name(const fcu_config_t *cfg, const char *key)
{
    size_t line, col;
    for (size_t a = 0; a < sizeof(key_aliases) / sizeof(key_aliases[0]); a++)
        if (strcmp(key_aliases[a].key, key) == 0 &&
            fcu_config_where(cfg, key_aliases[a].alias, &line, &col))
            return key_aliases[a].alias;
    return key;
}

/* "file:line:column: " prefix of a configuration message, or "file: " when the key is absent. */
void fcu_config_loc_prefix(const fcu_config_t *cfg, const char *param, char *buf, size_t size)
{
    size_t line, col;
    if (fcu_config_where(cfg, param, &line, &col))
        snprintf(buf, size, "%s:%zu:%zu: ", cfg->path, line, col);
    else
        snprintf(buf, size, "%s: ", cfg ? cfg->path : "");
}

static void add_at(loader_t *L, int code, const char *param, const yaml_mark_t *m,
                   const char *fmt, const char *a, const char *b)
{
    char msg[400];
    snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
    fcu_findings_add(L->f, code, FCU_SEV_ERROR, param, "%s:%zu:%zu: %s", L->file,
                     (size_t)m->line + 1, (size_t)m->column + 1, msg);
}

static const char *scalar(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static bool is_null(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar(n);
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

static char *resolve_path(const char *dir, const char *p)
{
    if (p[0] == '/')
        return strdup(p);
    size_t n = strlen(dir) + strlen(p) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", dir, p);
    return out;
}

/* The ecosystem's configuration is an ERB template; the one form its shipped fcu.yml uses is
 * `<%= ENV['NAME'] %>` (also with double quotes, any blanks inside the tag). Each placeholder of
 * `s` is replaced by the environment variable's value. Returns the expanded text (malloc'd), or
 * NULL with a finding: 340 for a variable that is not set, 341 for any other `<%` tag. */
static char *expand_env(loader_t *L, const char *param, const yaml_mark_t *m, const char *s)
{
    size_t cap = strlen(s) + 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    while (*s) {
        const char *tag = strstr(s, "<%");
        size_t lit = tag ? (size_t)(tag - s) : strlen(s);
        const char *val = NULL, *p = NULL;
        char name[128];
        size_t nl = 0;
        if (tag) {
            p = tag + 2;
            if (*p == '=')
                p++;
            else
                goto bad;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "ENV[", 4) != 0)
                goto bad;
            p += 4;
            char q = *p;
            if (q != '\'' && q != '"')
                goto bad;
            p++;
            while ((p[nl] >= 'A' && p[nl] <= 'Z') || (p[nl] >= 'a' && p[nl] <= 'z') ||
                   (p[nl] >= '0' && p[nl] <= '9') || p[nl] == '_')
                nl++;
            if (nl == 0 || nl >= sizeof(name) || p[nl] != q || p[nl + 1] != ']')
                goto bad;
            memcpy(name, p, nl);
            name[nl] = '\0';
            p += nl + 2;
            while (*p == ' ' || *p == '\t')
                p++;
            if (strncmp(p, "%>", 2) != 0)
                goto bad;
            p += 2;
            val = getenv(name);
            if (!val) {
                fcu_findings_add(L->f, FCU_E_ENV_UNSET, FCU_SEV_ERROR, param,
                                 "%s:%zu:%zu: '%s' uses the environment variable %s, which is not "
                                 "set",
                                 L->file, (size_t)m->line + 1, (size_t)m->column + 1, param, name);
                free(out);
                return NULL;
            }
        }
        size_t add = lit + (val ? strlen(val) : 0);
        if (len + add + 1 > cap) {
            cap = (len + add + 1) * 2;
            char *nb = realloc(out, cap);
            if (!nb) {
                free(out);
                return NULL;
            }
            out = nb;
        }
        memcpy(out + len, s, lit);
        len += lit;
        if (val) {
            memcpy(out + len, val, strlen(val));
            len += strlen(val);
        }
        s = tag ? p : s + lit;
    }
    out[len] = '\0';
    return out;
bad:
    fcu_findings_add(L->f, FCU_E_PLACEHOLDER, FCU_SEV_ERROR, param,
                     "%s:%zu:%zu: '%s' holds a placeholder this tool does not understand; the "
                     "supported form is <%%= ENV['NAME'] %%>",
                     L->file, (size_t)m->line + 1, (size_t)m->column + 1, param);
    free(out);
    return NULL;
}

/* Scalar text of `v` with placeholders expanded (malloc'd), NULL with a finding. A value holding
 * a NUL character is refused first (106). */
static char *scalar_text(loader_t *L, const char *param, yaml_node_t *v)
{
    const char *s = (const char *)v->data.scalar.value;
    if (strlen(s) != v->data.scalar.length) {
        add_at(L, FCU_E_WRONG_TYPE, param, &v->start_mark,
               "'%s' holds a NUL character (\\0), which no value may contain%s", param, "");
        return NULL;
    }
    return expand_env(L, param, &v->start_mark, s);
}

static void set_scalar(loader_t *L, const key_t_ *k, const char *param, yaml_node_t *v,
                       const char *s);

static void set_value(loader_t *L, const key_t_ *k, const char *param, yaml_node_t *v)
{
    /* The position is recorded only for a value that was taken: a key whose value was refused
     * here counts as absent for the later checks, which would otherwise report it again or
     * guess from a default (an empty use-bootstrap is not "false"). */
    if (is_null(v) && k->type != T_MAP) {
        if (k->mandatory) {
            add_at(L, FCU_E_CONFIG_MISSING_KEY, param, &v->start_mark,
                   "mandatory key '%s' has no value%s", param, "");
            return;
        }
        record_loc(L, param, &v->start_mark);
        return; /* empty value: treated as absent */
    }
    if (v->type != YAML_SCALAR_NODE) {
        add_at(L, FCU_E_WRONG_TYPE, param, &v->start_mark, "'%s' needs a single value, not %s",
               param, v->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
        return;
    }
    char *text = scalar_text(L, param, v);
    if (!text)
        return;
    set_scalar(L, k, param, v, text);
    free(text);
}

static void set_scalar(loader_t *L, const key_t_ *k, const char *param, yaml_node_t *v,
                       const char *s)
{
    void *dst = (char *)L->cfg + k->off;
    bool plain = v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    switch (k->type) {
    case T_BOOL:
        if (plain && (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")))
            *(bool *)dst = true;
        else if (plain && (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")))
            *(bool *)dst = false;
        else {
            add_at(L, FCU_E_WRONG_TYPE, param, &v->start_mark,
                   "'%s' must be a boolean (true or false), not '%.60s'", param, s);
            return;
        }
        record_loc(L, param, &v->start_mark);
        return;
    case T_INT: {
        char *end = NULL;
        errno = 0;
        long long x = plain ? strtoll(s, &end, 10) : 0;
        if (!plain || !end || end == s || *end) {
            add_at(L, FCU_E_WRONG_TYPE, param, &v->start_mark,
                   "'%s' must be an integer, not '%.60s'", param, s);
            return;
        }
        if (errno == ERANGE) {
            add_at(L, FCU_E_CONFIG_RANGE, param, &v->start_mark,
                   "'%s' is out of range: %.60s", param, s);
            return;
        }
        if ((k->min || k->max) && (x < k->min || x > k->max)) {
            char range[64];
            snprintf(range, sizeof(range), "%d..%d", k->min, k->max);
            add_at(L, FCU_E_CONFIG_RANGE, param, &v->start_mark, "'%s' must be in %s", param,
                   range);
            return;
        }
        if (k->off == OFF(memory_total_kb))
            *(int64_t *)dst = x;
        else if (k->off == OFF(chain_depth) && (x < 1 || x > 5)) {
            add_at(L, FCU_E_CHAIN_DEPTH_MISSING, param, &v->start_mark,
                   "'%s' must be in 1..5 (the device stores at most 5 certificates), not %s",
                   param, s);
            return;
        } else
            *(int *)dst = (int)x;
        record_loc(L, param, &v->start_mark);
        return;
    }
    case T_STR:
    case T_PATH: {
        char *val = k->type == T_PATH ? resolve_path(L->cfg->dir, s) : strdup(s);
        char **slot = (char **)dst;
        free(*slot);
        *slot = val;
        record_loc(L, param, &v->start_mark);
        if (k->type == T_PATH && val && access(val, R_OK) != 0)
            add_at(L, FCU_E_CONFIG_FILE_REF, param, &v->start_mark, "'%s': cannot read '%s'",
                   param, val);
        return;
    }
    case T_ENUM:
        for (int i = 0; k->enums[i]; i++) {
            if (strcmp(k->enums[i], s) == 0) {
                *(int *)dst = i;
                record_loc(L, param, &v->start_mark);
                return;
            }
        }
        {
            char allowed[200] = "";
            for (int i = 0; k->enums[i]; i++) {
                strncat(allowed, i ? ", " : "", sizeof(allowed) - strlen(allowed) - 1);
                strncat(allowed, k->enums[i], sizeof(allowed) - strlen(allowed) - 1);
            }
            add_at(L, FCU_E_CONFIG_BAD_VALUE, param, &v->start_mark,
                   "value '%.100s' is not one of: %.200s", s, allowed);
        }
        return;
    case T_MAP:
    case T_CUSTOM:
        return;
    }
}

static const char *const custom_types[] = {"config-param", "certificate", "private-key",
                                            "public-key", NULL};

/* One custom-properties entry: a mapping of name, type, data / data-file. Problems become
 * findings at the field's position; the entry is kept (for the later checks) even when a field
 * was refused, with that field absent. */
static void custom_entry(loader_t *L, fcu_custom_prop_t *cp, yaml_node_t *map)
{
    static const char *const fields[] = {"name", "type", "data", "data-file", NULL};
    bool seen[4] = {false};
    cp->type = -1;
    cp->line = map->start_mark.line + 1;
    cp->column = map->start_mark.column + 1;
    record_loc(L, cp->param, &map->start_mark);
    if (map->type != YAML_MAPPING_NODE) {
        add_at(L, FCU_E_WRONG_TYPE, cp->param, &map->start_mark,
               "'%s' must be a mapping with name, type and data or data-file%s", cp->param, "");
        return;
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(L->doc, p->value);
        if (!kn || !vn)
            continue;
        char param[96];
        snprintf(param, sizeof(param), "%s.%.40s", cp->param,
                 kn->type == YAML_SCALAR_NODE ? scalar(kn) : "?");
        int idx = -1;
        for (int i = 0; kn->type == YAML_SCALAR_NODE && fields[i]; i++)
            if (strcmp(fields[i], scalar(kn)) == 0)
                idx = i;
        if (idx < 0) {
            add_at(L, FCU_E_CONFIG_UNKNOWN_KEY, param, &kn->start_mark,
                   "unknown key '%s' (a custom property has name, type, and data or data-file)%s",
                   param, "");
            continue;
        }
        if (seen[idx]) {
            add_at(L, FCU_E_CONFIG_DUPLICATE_KEY, param, &kn->start_mark,
                   "key '%s' given twice%s", param, "");
            continue;
        }
        seen[idx] = true;
        if (vn->type != YAML_SCALAR_NODE) {
            add_at(L, FCU_E_WRONG_TYPE, param, &vn->start_mark,
                   "'%s' needs a single value, not %s", param,
                   vn->type == YAML_MAPPING_NODE ? "a mapping" : "a list");
            continue;
        }
        char *text = scalar_text(L, param, vn);
        if (!text)
            continue;
        if (is_null(vn) && idx != 2) {
            add_at(L, FCU_E_CONFIG_MISSING_KEY, param, &vn->start_mark,
                   "'%s' has no value%s", param, "");
            free(text);
            continue;
        }
        switch (idx) {
        case 0:
            cp->name = text;
            text = NULL;
            break;
        case 1:
            for (int i = 0; custom_types[i]; i++)
                if (strcmp(custom_types[i], text) == 0)
                    cp->type = i;
            if (cp->type < 0)
                add_at(L, FCU_E_CONFIG_BAD_VALUE, param, &vn->start_mark,
                       "type '%.100s' is not one of: %s", text,
                       "config-param, certificate, private-key, public-key");
            break;
        case 2:
            cp->data = text; /* an empty text is a valid (empty) config-param */
            text = NULL;
            break;
        default:
            cp->data_file = resolve_path(L->cfg->dir, text);
            break;
        }
        free(text);
    }
    if (!seen[0])
        add_at(L, FCU_E_CONFIG_MISSING_KEY, cp->param, &map->start_mark,
               "'%s' has no name%s", cp->param, "");
    if (!seen[1])
        add_at(L, FCU_E_CONFIG_MISSING_KEY, cp->param, &map->start_mark,
               "'%s' has no type%s", cp->param, "");
    if (seen[2] && seen[3])
        add_at(L, FCU_E_CUSTOM_ENTRY, cp->param, &map->start_mark,
               "'%s' gives both data and data-file; give one%s", cp->param, "");
    else if (!seen[2] && !seen[3])
        add_at(L, FCU_E_CUSTOM_ENTRY, cp->param, &map->start_mark,
               "'%s' gives neither data nor data-file%s", cp->param, "");
    else if (seen[2] && cp->type > FCU_CUSTOM_CONFIG)
        add_at(L, FCU_E_CUSTOM_ENTRY, cp->param, &map->start_mark,
               "'%s': data (inline text) is for a config-param only; a %s takes data-file",
               cp->param, custom_types[cp->type]);
}

/* custom-properties: a list of entries (or empty). */
static void fcu_custom_load(loader_t *L, const char *param, yaml_node_t *v)
{
    if (is_null(v))
        return;
    if (v->type != YAML_SEQUENCE_NODE) {
        add_at(L, FCU_E_WRONG_TYPE, param, &v->start_mark,
               "'%s' must be a list of entries (- name: ..., type: ..., data-file: ...)%s", param,
               "");
        return;
    }
    record_loc(L, param, &v->start_mark);
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return;
    L->priv->custom = calloc(n, sizeof(fcu_custom_prop_t));
    if (!L->priv->custom)
        return;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        yaml_node_t *e = yaml_document_get_node(L->doc, *it);
        if (!e)
            continue;
        fcu_custom_prop_t *cp = &L->priv->custom[L->priv->ncustom];
        snprintf(cp->param, sizeof(cp->param), "custom-properties[%zu]", L->priv->ncustom);
        L->priv->ncustom++;
        custom_entry(L, cp, e);
    }
}

static void load_map(loader_t *L, yaml_node_t *map, const key_t_ *keys, const char *prefix)
{
    bool seen[32] = {false};
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *kn = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(L->doc, p->value);
        if (!kn || !vn)
            continue;
        if (kn->type != YAML_SCALAR_NODE) {
            add_at(L, FCU_E_WRONG_TYPE, prefix[0] ? prefix : "(top level)", &kn->start_mark,
                   "keys must be plain names%s%s", "", "");
            continue;
        }
        const char *name = scalar(kn);
        char param[160];
        snprintf(param, sizeof(param), "%s%s%s", prefix, prefix[0] ? "." : "", name);
        int idx = -1;
        const char *key_name = name;
        for (size_t a = 0; a < sizeof(key_aliases) / sizeof(key_aliases[0]); a++)
            if (!prefix[0] && strcmp(key_aliases[a].alias, name) == 0)
                key_name = key_aliases[a].key;
        for (int i = 0; keys[i].name; i++)
            if (strcmp(keys[i].name, key_name) == 0)
                idx = i;
        if (idx < 0) {
            add_at(L, FCU_E_CONFIG_UNKNOWN_KEY, param, &kn->start_mark, "unknown key '%s'%s",
                   param, "");
            continue;
        }
        if (seen[idx]) {
            add_at(L, FCU_E_CONFIG_DUPLICATE_KEY, param, &kn->start_mark,
                   "key '%s' given twice%s", param, "");
            continue;
        }
        seen[idx] = true;
        const key_t_ *k = &keys[idx];
        if (k->type == T_CUSTOM) {
            fcu_custom_load(L, param, vn);
        } else if (k->type == T_MAP) {
            record_loc(L, param, &kn->start_mark);
            if (vn->type != YAML_MAPPING_NODE) {
                if (is_null(vn) && !k->mandatory)
                    continue;
                add_at(L, FCU_E_WRONG_TYPE, param, &vn->start_mark,
                       "'%s' must be a section (a mapping of keys)%s", param, "");
                continue;
            }
            load_map(L, vn, k->sub, param);
        } else {
            set_value(L, k, param, vn);
        }
    }
    for (int i = 0; keys[i].name; i++) {
        if (keys[i].mandatory && !seen[i]) {
            char param[160];
            snprintf(param, sizeof(param), "%s%s%s", prefix, prefix[0] ? "." : "", keys[i].name);
            add_at(L, FCU_E_CONFIG_MISSING_KEY, param, &map->start_mark,
                   "mandatory key '%s' is missing%s", param, "");
        }
    }
}

/* The custom-properties entries the loader made, with what fcu_custom_validate added. */
static void custom_free(fcu_config_priv_t *p)
{
    for (size_t i = 0; i < p->ncustom; i++) {
        fcu_custom_prop_t *cp = &p->custom[i];
        free(cp->name);
        free(cp->data);
        free(cp->data_file);
        if (cp->bytes) {
            OPENSSL_cleanse(cp->bytes, cp->len); /* a private key's DER */
            free(cp->bytes);
        }
        for (int k = 0; k < 5; k++)
            free(cp->der[k]);
    }
    free(p->custom);
    p->custom = NULL;
    p->ncustom = 0;
}

void fcu_config_free(fcu_config_t *c)
{
    if (!c)
        return;
    char **strs[] = {&c->path, &c->dir, &c->bootstrap_server_uri, &c->bootstrap_server_uri_ftc,
                     &c->bootstrap_server_ca_file, &c->lwm2m_server_uri,
                     &c->lwm2m_server_ca_file, &c->crypto_scheme, &c->ca_subject.country,
                     &c->ca_subject.state, &c->ca_subject.locality, &c->ca_subject.organization,
                     &c->ca_subject.organizational_unit, &c->ca_subject.common_name,
                     &c->dev_subject.country, &c->dev_subject.state, &c->dev_subject.locality,
                     &c->dev_subject.organization, &c->dev_subject.organizational_unit,
                     &c->dev_subject.common_name, &c->manufacturer, &c->model_number,
                     &c->device_type, &c->hardware_version, &c->timezone, &c->utc_offset,
                     &c->update_auth_cert_file, &c->vendor_id, &c->class_id,
                     &c->ca_key_uri, &c->pkcs11_module};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        free(*strs[i]);
    fcu_config_priv_t *p = c->priv;
    if (p) {
        custom_free(p);
        free(p->server_ca_der);
        for (int i = 0; i < 5; i++)
            free(p->update_der[i]);
    }
    free(c->priv);
    free(c);
}

int fcu_config_parse(fcu_ctx_t *ctx, fcu_findings_t *f)
{
    int rc = FCU_EXIT_USAGE;
    const char *path = fcu_ctx_config_path(ctx);
    yaml_parser_t parser;
    yaml_document_t doc;
    bool parser_ok = false, doc_ok = false;
    uint8_t *data = NULL;
    size_t len = 0;
    fcu_config_t *cfg = NULL;

    if (fcu_read_file(path, &data, &len) != 0) {
        fcu_findings_add(f, FCU_E_CONFIG_READ, FCU_SEV_ERROR, "--config",
                         "%s: cannot read the configuration file: %s", path, strerror(errno));
        goto cleanup;
    }
    cfg = calloc(1, sizeof(*cfg));
    if (!cfg)
        goto cleanup;
    cfg->priv = calloc(1, sizeof(fcu_config_priv_t));
    cfg->path = strdup(path);
    cfg->dir = strdup(path);
    if (!cfg->priv || !cfg->path || !cfg->dir)
        goto cleanup;
    char *slash = strrchr(cfg->dir, '/');
    if (slash == cfg->dir)
        slash[1] = '\0'; /* "/fcu.yml": the root folder */
    else if (slash)
        *slash = '\0';
    else
        strcpy(cfg->dir, ".");
    cfg->memory_total_kb = -1;
    cfg->verify_on_device = true;

    if (!yaml_parser_initialize(&parser))
        goto cleanup;
    parser_ok = true;
    yaml_parser_set_input_string(&parser, data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        fcu_findings_add(f, FCU_E_CONFIG_SYNTAX, FCU_SEV_ERROR, "--config", "%s:%zu:%zu: %s%s%s",
                         path, (size_t)parser.problem_mark.line + 1,
                         (size_t)parser.problem_mark.column + 1,
                         parser.problem ? parser.problem : "YAML syntax error",
                         parser.context ? " " : "", parser.context ? parser.context : "");
        rc = FCU_EXIT_INVALID;
        goto cleanup;
    }
    doc_ok = true;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        fcu_findings_add(f, FCU_E_CONFIG_EMPTY, FCU_SEV_ERROR, "--config",
                         "%s:1:1: the configuration file holds no settings", path);
        rc = FCU_EXIT_INVALID;
        goto cleanup;
    }
    loader_t L = {cfg, cfg->priv, &doc, f, path};
    if (root->type != YAML_MAPPING_NODE) {
        add_at(&L, FCU_E_CONFIG_NOT_MAPPING, "--config", &root->start_mark,
               "the configuration must be a mapping of keys%s%s", "", "");
        rc = FCU_EXIT_INVALID;
        goto cleanup;
    }
    load_map(&L, root, top_keys, "");
    /* a second document would be ignored: say so (or report its syntax error) */
    {
        yaml_document_t next;
        if (!yaml_parser_load(&parser, &next)) {
            fcu_findings_add(f, FCU_E_CONFIG_SYNTAX, FCU_SEV_ERROR, "--config",
                             "%s:%zu:%zu: %s", path, (size_t)parser.problem_mark.line + 1,
                             (size_t)parser.problem_mark.column + 1,
                             parser.problem ? parser.problem : "YAML syntax error");
        } else {
            if (yaml_document_get_root_node(&next))
                fcu_findings_add(f, FCU_E_CONFIG_SYNTAX, FCU_SEV_ERROR, "--config",
                                 "%s:%zu:%zu: a second YAML document; the configuration is one "
                                 "document",
                                 path, (size_t)next.start_mark.line + 1,
                                 (size_t)next.start_mark.column + 1);
            yaml_document_delete(&next);
        }
    }
    if (!cfg->crypto_scheme)
        cfg->crypto_scheme = strdup("secp256r1");
    ctx->cfg = cfg; /* handed over: kept even with errors, so every finding can be listed */
    cfg = NULL;
    rc = FCU_EXIT_OK;

cleanup:
    if (doc_ok)
        yaml_document_delete(&doc);
    if (parser_ok)
        yaml_parser_delete(&parser);
    free(data);
    fcu_config_free(cfg); /* NULL once handed over to ctx */
    return rc;
}
