/* SPDX-License-Identifier: Apache-2.0 */
/* Reader of the `fcu batch` device list (see csv.h). Small on purpose: one row per line, no
 * multi-line fields, whitespace around unquoted fields trimmed. */
#include "csv.h"

#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n >= max)
            return -1;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            char *w = ++p, *start = p;
            for (;;) {
                if (*p == '\0')
                    return -1; /* unterminated quote */
                if (*p == '"') {
                    if (p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            *w = '\0';
            while (*p == ' ' || *p == '\t' || *p == '\r')
                p++;
            if (*p != ',' && *p != '\0')
                return -1; /* text after a closing quote */
            fields[n++] = start;
        } else {
            char *start = p;
            while (*p != ',' && *p != '\0')
                p++;
            char c = *p;
            *p = '\0';
            fields[n++] = trim(start);
            if (c == '\0')
                return n;
            p++;
            continue;
        }
        if (*p == '\0')
            return n;
        *p++ = '\0'; /* the comma after a quoted field */
    }
}

void csv_devices_free(csv_devices_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].endpoint_name);
        free(d->v[i].serial_number);
        free(d->v[i].address);
        free(d->v[i].device_keys);
    }
    free(d->v);
    d->v = NULL;
    d->n = 0;
}

/* Device-keys folder as given, or joined to the CSV's folder when relative. */
static char *keys_path(const char *csv_path, const char *keys)
{
    char *out = NULL;
    if (keys[0] == '/')
        return strdup(keys);
    const char *slash = strrchr(csv_path, '/');
    if (slash == NULL)
        return strdup(keys);
    int dl = (int)(slash - csv_path);
    if (asprintf(&out, "%.*s/%s", dl, csv_path, keys) < 0)
        return NULL;
    return out;
}

int csv_devices_load(const char *path, csv_devices_t *out, char *err, size_t errlen)
{
    int ret = -1;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0, vcap = 0;
    int lineno = 0;
    memset(out, 0, sizeof(*out));

    f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    ssize_t got;
    int data_rows = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (got > 0 && line[got - 1] == '\n')
            line[--got] = '\0';
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *fld[8];
        int nf = csv_split(s, fld, 8);
        if (nf < 0) {
            snprintf(err, errlen, "%s:%d: malformed row (unterminated quote or too many fields)",
                     path, lineno);
            goto cleanup;
        }
        if (data_rows == 0 && (strcasecmp(fld[0], "endpoint_name") == 0 ||
                               strcasecmp(fld[0], "endpoint") == 0 ||
                               strcasecmp(fld[0], "endpoint-name") == 0)) {
            data_rows = -1; /* header seen; rows follow */
            continue;
        }
        if (data_rows < 0)
            data_rows = 0;
        data_rows++;
        if (nf < 3 || nf > 4) {
            snprintf(err, errlen,
                     "%s:%d: expected 3 or 4 fields (endpoint name, serial number, address "
                     "[, device-keys folder]), found %d",
                     path, lineno, nf);
            goto cleanup;
        }
        const char *what = *fld[0] == '\0'   ? "endpoint name"
                           : *fld[1] == '\0' ? "serial number"
                           : *fld[2] == '\0' ? "address"
                                             : NULL;
        if (what != NULL) {
            snprintf(err, errlen, "%s:%d: empty %s", path, lineno, what);
            goto cleanup;
        }
        for (size_t i = 0; i < out->n; i++) {
            if (strcmp(out->v[i].endpoint_name, fld[0]) == 0 ||
                strcmp(out->v[i].serial_number, fld[1]) == 0) {
                bool ep = strcmp(out->v[i].endpoint_name, fld[0]) == 0;
                snprintf(err, errlen, "%s:%d: %s '%s' already listed on line %d", path, lineno,
                         ep ? "endpoint name" : "serial number", ep ? fld[0] : fld[1],
                         out->v[i].line);
                goto cleanup;
            }
        }
        if (out->n == vcap) {
            size_t nc = vcap ? vcap * 2 : 64;
            csv_device_t *nv = realloc(out->v, nc * sizeof(*nv));
            if (nv == NULL) {
                snprintf(err, errlen, "out of memory");
                goto cleanup;
            }
            out->v = nv;
            vcap = nc;
        }
        csv_device_t *d = &out->v[out->n];
        memset(d, 0, sizeof(*d));
        out->n++;
        d->line = lineno;
        d->endpoint_name = strdup(fld[0]);
        d->serial_number = strdup(fld[1]);
        d->address = strdup(fld[2]);
        if (nf == 4 && *fld[3] != '\0')
            d->device_keys = keys_path(path, fld[3]);
        if (d->endpoint_name == NULL || d->serial_number == NULL || d->address == NULL ||
            (nf == 4 && *fld[3] != '\0' && d->device_keys == NULL)) {
            snprintf(err, errlen, "out of memory");
            goto cleanup;
        }
    }
    if (out->n == 0) {
        snprintf(err, errlen, "%s: no devices listed", path);
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (ret != 0)
        csv_devices_free(out);
    if (f != NULL)
        fclose(f);
    free(line);
    return ret;
}
