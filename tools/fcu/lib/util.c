/* SPDX-License-Identifier: Apache-2.0 */
/* The lowest layer of libfcu, plumbing every module uses: the paths of the context (configuration
 * file, keystore), the findings list (and its text/JSON form for the library's own tests and the
 * pending line commands), file helpers and the enrollment ID. It calls nothing of
 * the tool, so anything may call it (tools/fcu/LAYERS). */
#include "fcu.h"
#include "fcu_int.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *fcu_ctx_config_path(fcu_ctx_t *ctx)
{
    if (!ctx->config_arg) {
        size_t n = strlen(ctx->home) + sizeof("/config/fcu.yml");
        ctx->config_arg = malloc(n);
        if (!ctx->config_arg)
            return "config/fcu.yml";
        snprintf(ctx->config_arg, n, "%s/config/fcu.yml", ctx->home);
    }
    return ctx->config_arg;
}

void fcu_ctx_keystore_path(const fcu_ctx_t *ctx, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/keystore/%s", ctx->home, name);
}

/* ---- findings ---- */

void fcu_findings_add(fcu_findings_t *f, int code, fcu_severity_t sev, const char *parameter,
                      const char *fmt, ...)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 16;
        fcu_finding_t *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return;
        f->v = v;
        f->cap = cap;
    }
    fcu_finding_t *x = &f->v[f->n++];
    memset(x, 0, sizeof(*x));
    x->code = code;
    x->severity = sev;
    snprintf(x->parameter, sizeof(x->parameter), "%s", parameter ? parameter : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->message, sizeof(x->message), fmt, ap);
    va_end(ap);
}

size_t fcu_findings_errors(const fcu_findings_t *f)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].severity == FCU_SEV_ERROR)
            n++;
    return n;
}

const fcu_finding_t *fcu_findings_find(const fcu_findings_t *f, int code)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].code == code)
            return &f->v[i];
    return NULL;
}

void fcu_findings_print(const fcu_findings_t *f, FILE *out, bool json)
{
    if (json) {
        json_t j;
        json_init(&j, out, true);
        json_object_begin(&j);
        json_kv_bool(&j, "valid", fcu_findings_errors(f) == 0);
        json_key(&j, "findings");
        json_array_begin(&j);
        for (size_t i = 0; i < f->n; i++) {
            json_object_begin(&j);
            json_kv_int(&j, "code", f->v[i].code);
            json_kv_string(&j, "parameter", f->v[i].parameter);
            json_kv_string(&j, "message", f->v[i].message);
            json_kv_string(&j, "severity",
                           f->v[i].severity == FCU_SEV_ERROR ? "error" : "warning");
            json_object_end(&j);
        }
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
        return;
    }
    for (size_t i = 0; i < f->n; i++)
        fprintf(out, "%s %d [%s]: %s\n", f->v[i].severity == FCU_SEV_ERROR ? "error" : "warning",
                f->v[i].code, f->v[i].parameter, f->v[i].message);
}

void fcu_findings_free(fcu_findings_t *f)
{
    free(f->v);
    memset(f, 0, sizeof(*f));
}

/* ---- files ---- */

int fcu_read_file(const char *path, uint8_t **data, size_t *len)
{
    int rc = -1;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4096;
            if (ncap > (size_t)64 * 1024 * 1024) {
                errno = EFBIG;
                goto cleanup;
            }
            uint8_t *nb = realloc(buf, ncap);
            if (!nb)
                goto cleanup;
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n, fp);
        n += r;
        if (r == 0) {
            if (ferror(fp))
                goto cleanup;
            break;
        }
    }
    *data = buf;
    *len = n;
    buf = NULL;
    rc = 0;
cleanup:
    if (buf) {
        OPENSSL_cleanse(buf, cap);
        free(buf);
    }
    fclose(fp);
    return rc;
}

int fcu_write_file(const char *path, const uint8_t *data, size_t len, unsigned mode)
{
    int rc = -1;
    int fd = -1;
    size_t plen = strlen(path) + 16;
    char *tmp = malloc(plen);
    if (!tmp)
        return -1;
    snprintf(tmp, plen, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0)
        goto cleanup;
    if (fchmod(fd, (mode_t)mode) != 0)
        goto cleanup;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto cleanup;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0)
        goto cleanup;
    if (close(fd) != 0) {
        fd = -1;
        goto cleanup;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto cleanup;
    /* fsync the folder so the rename survives a power cut */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash) {
            *slash = '\0';
            d = *dir ? dir : "/";
        }
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    rc = 0;
cleanup:
    if (fd >= 0) {
        close(fd);
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

void fcu_enrollment_id(const uint8_t *der, size_t der_len, char *out, size_t size)
{
    uint8_t md[SHA256_DIGEST_LENGTH];
    SHA256(der, der_len, md);
    fcu_enrollment_id_from_digest(md, out, size);
}

void fcu_enrollment_id_from_digest(const uint8_t md[32], char *out, size_t size)
{
    static const char hexd[] = "0123456789ABCDEF";
    char buf[2 + 3 * SHA256_DIGEST_LENGTH];
    size_t p = 0;
    buf[p++] = 'A';
    buf[p++] = '-';
    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        if (i)
            buf[p++] = ':';
        buf[p++] = hexd[md[i] >> 4];
        buf[p++] = hexd[md[i] & 15];
    }
    buf[p] = '\0';
    snprintf(out, size, "%s", buf);
}
