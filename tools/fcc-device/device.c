/* SPDX-License-Identifier: Apache-2.0 */
/* Opening the simulated device of fcc-device, and the report of a run. The report reads the CBOR
 * response exactly as a tool would (ReturnStatus, InfoMessage, WarningInfo) so that what
 * `apply --json` prints is what went or would go on the wire; the structured findings come from
 * FCC's output info. */
#include "device.h"

#include "json.h"
#include "resp_scan.h"

#include <cbor.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Block count of an existing image judged by its file size (the flash bytes, then a trailer of
 * 20 bytes and 4 wear bytes per block: lib/port/flash_sim.c), or 0 when the size does not fit
 * that layout. Only a guess: fcc_flash_file_open still checks the trailer. */
static uint32_t image_blocks(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size < 20)
        return 0;
    uint64_t body = (uint64_t)st.st_size - 20u;
    if (body % (DEVICE_BLOCK_SIZE + 4u) != 0)
        return 0;
    uint64_t count = body / (DEVICE_BLOCK_SIZE + 4u);
    return count >= 4 && count <= 65536 ? (uint32_t)count : 0;
}

int device_open(device_t *d, const device_opts_t *o)
{
    int rc = EXIT_USAGE;
    uint64_t size = o->store_size ? o->store_size : DEVICE_DEFAULT_SIZE;
    memset(d, 0, sizeof(*d));
    if (size % DEVICE_BLOCK_SIZE != 0 || size / DEVICE_BLOCK_SIZE < 4 ||
        size / DEVICE_BLOCK_SIZE > 65536) {
        fprintf(stderr, "fcc-device: --store-size must be a multiple of %u between %u and %u "
                        "bytes\n", DEVICE_BLOCK_SIZE, 4 * DEVICE_BLOCK_SIZE,
                65536 * DEVICE_BLOCK_SIZE);
        goto cleanup;
    }
    int fr = fcc_flash_file_open(&d->sim, &d->flash, o->store, DEVICE_PROG_SIZE,
                                 DEVICE_BLOCK_SIZE, (uint32_t)(size / DEVICE_BLOCK_SIZE));
    uint32_t guess = 0;
    if (fr == FCC_FLASH_ERR_INVAL && o->store_size == 0 && (guess = image_blocks(o->store)) > 0) {
        /* An existing image of another size, opened without --store-size: take its size. */
        size = (uint64_t)guess * DEVICE_BLOCK_SIZE;
        fr = fcc_flash_file_open(&d->sim, &d->flash, o->store, DEVICE_PROG_SIZE,
                                 DEVICE_BLOCK_SIZE, guess);
    }
    if (fr != FCC_FLASH_OK) {
        if (fr == FCC_FLASH_ERR_INVAL)
            fprintf(stderr, "fcc-device: %s: not an image of %llu bytes (give its --store-size)\n",
                    o->store, (unsigned long long)size);
        else
            fprintf(stderr, "fcc-device: %s: cannot open the image: %s\n", o->store,
                    strerror(errno));
        goto cleanup;
    }
    d->sim_open = true;
    kcm_status_t ks = kcm_init(&d->kcm, &d->flash, d->work, sizeof(d->work),
                               fcc_port_posix_rng, NULL);
    if (ks != KCM_OK) {
        fprintf(stderr, "fcc-device: %s: the store did not mount (%s%s)\n", o->store,
                kcm_status_message(ks), "");
        rc = EXIT_DEVICE_ERROR;
        goto cleanup;
    }
    d->kcm_open = true;
    fcc_port_posix_init(&d->port, &d->port_state, o->time);
    d->fcc_opts.strict = o->strict;
    rc = device_restart_fcc(d);
cleanup:
    if (rc != EXIT_DEVICE_OK)
        device_close(d);
    return rc;
}

int device_restart_fcc(device_t *d)
{
    if (d->fcc_open) {
        fcc_free(&d->fcc);
        d->fcc_open = false;
    }
    if (fcc_init(&d->fcc, &d->kcm, &d->port, &d->fcc_opts) != FCC_STATUS_SUCCESS) {
        fprintf(stderr, "fcc-device: FCC did not start\n");
        return EXIT_DEVICE_ERROR;
    }
    d->fcc_open = true;
    return EXIT_DEVICE_OK;
}

void device_close(device_t *d)
{
    if (d->fcc_open)
        fcc_free(&d->fcc);
    if (d->kcm_open)
        kcm_free(&d->kcm);
    if (d->sim_open)
        fcc_flash_sim_close(&d->sim);
    d->fcc_open = d->kcm_open = d->sim_open = false;
}

static const struct {
    kcm_item_type_t type;
    const char *name, *alias;
} types[] = {
    {KCM_PRIVATE_KEY, "private-key", "priv"},   {KCM_PUBLIC_KEY, "public-key", "pub"},
    {KCM_SYMMETRIC_KEY, "symmetric-key", "sym"}, {KCM_CERTIFICATE, "certificate", "cert"},
    {KCM_CONFIG, "config", "config"},
};

const char *device_type_name(kcm_item_type_t t)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (types[i].type == t)
            return types[i].name;
    }
    return "unknown";
}

bool device_type_parse(const char *s, kcm_item_type_t *t)
{
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(s, types[i].name) == 0 || strcmp(s, types[i].alias) == 0) {
            *t = types[i].type;
            return true;
        }
    }
    return false;
}

/* What a tool reads from a response payload. Texts keep their length: a SID or an item name
 * is echoed byte for byte (wire contract section 8 points 1 and 6), NUL and non-UTF-8 bytes
 * included; the JSON writer escapes them, the human output too (print_text). */
typedef struct resp_view {
    bool parsed;
    int status;
    char info[1024 + DEVICE_ECHO_MAX];
    size_t info_len;
    char warnings[FCC_RESPONSE_MAX];
    size_t warnings_len;
    char sid[DEVICE_ECHO_MAX + 1];
    size_t sid_len;
    bool has_sid;
} resp_view_t;

static size_t copy_text(const resp_head_t *h, char *out, size_t size)
{
    size_t n = h->kind == RESP_TEXT ? h->n : 0;
    if (n >= size)
        n = size - 1;
    memcpy(out, h->p, n);
    out[n] = '\0';
    return n;
}

static void view_pair(void *ctx, const resp_head_t *k, const resp_head_t *val)
{
    resp_view_t *v = ctx;
    if (k->n == 12 && memcmp(k->p, "ReturnStatus", 12) == 0 && val->kind == RESP_UINT) {
        v->status = val->v > 0x7fffffff ? -1 : (int)val->v;
        v->parsed = true;
    } else if (k->n == 11 && memcmp(k->p, "InfoMessage", 11) == 0) {
        v->info_len = copy_text(val, v->info, sizeof(v->info));
    } else if (k->n == 11 && memcmp(k->p, "WarningInfo", 11) == 0) {
        v->warnings_len = copy_text(val, v->warnings, sizeof(v->warnings));
    } else if (k->n == 3 && memcmp(k->p, "SID", 3) == 0) {
        v->sid_len = copy_text(val, v->sid, sizeof(v->sid));
        v->has_sid = true;
    }
}

static void parse_response(const uint8_t *resp, size_t len, resp_view_t *v)
{
    memset(v, 0, sizeof(*v));
    (void)resp_scan(resp, len, view_pair, v);
}

/* Human output of a text that may hold any byte: printable ASCII and UTF-8 as they are,
 * other bytes as \xHH (a name is reported as received; the terminal gets no control bytes). */
static void print_text(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\')
            fputs("\\\\", out);
        else if (c < 0x20 || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

static const char *severity_name(fcc_severity_t s)
{
    return s == FCC_SEVERITY_ERROR ? "error" : "warning";
}

static void json_finding(json_t *j, const fcc_finding_t *f)
{
    char msg[512];
    size_t n = fcc_finding_message(f, msg, sizeof(msg));
    json_object_begin(j);
    json_kv_int(j, "code", f->code);
    json_key(j, "item");
    json_string_n(j, f->item, f->item_len);
    json_key(j, "message");
    json_string_n(j, msg, n < sizeof(msg) ? n : sizeof(msg) - 1);
    json_kv_string(j, "severity", severity_name(f->severity));
    json_object_end(j);
}

void report_run(FILE *out, bool json, bool pretty, int status, const uint8_t *resp,
                size_t resp_len, const fcc_output_t *o)
{
    static resp_view_t v;
    char msg[512];
    memset(&v, 0, sizeof(v));
    if (resp != NULL)
        parse_response(resp, resp_len, &v);
    if (v.parsed) {
        status = v.status;
    } else {
        /* No response to read (verification): the text a response would carry. */
        int l;
        size_t m;
        if (status == FCC_STATUS_SUCCESS) {
            l = snprintf(v.info, sizeof(v.info), "%s", FCC_INFO_SUCCESS);
            v.info_len = l > 0 ? (size_t)l : 0;
        } else if (o != NULL && o->has_error) {
            m = fcc_finding_message(&o->error, v.info, sizeof(v.info));
            v.info_len = m < sizeof(v.info) ? m : sizeof(v.info) - 1;
        } else {
            l = snprintf(v.info, sizeof(v.info), "%s", fcc_status_prefix(status));
            v.info_len = l > 0 ? (size_t)l : 0;
        }
        size_t n = 0;
        for (size_t i = 0; o != NULL && i < o->warning_count; i++) {
            (void)fcc_finding_message(&o->warnings[i], msg, sizeof(msg));
            int w = snprintf(v.warnings + n, sizeof(v.warnings) - n, "%s\n", msg);
            if (w < 0 || (size_t)w >= sizeof(v.warnings) - n)
                break;
            n += (size_t)w;
        }
        v.warnings_len = n;
    }

    if (json) {
        json_t j;
        json_init(&j, out, pretty);
        json_object_begin(&j);
        json_kv_int(&j, "status", status);
        json_kv_string(&j, "status_name", fcc_status_name(status));
        json_key(&j, "info");
        json_string_n(&j, v.info, v.info_len);
        json_key(&j, "warnings");
        json_array_begin(&j);
        for (char *p = v.warnings, *e = v.warnings + v.warnings_len; p < e;) {
            char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
            json_string_n(&j, p, n);
            p += n + (nl ? 1 : 0);
        }
        json_array_end(&j);
        json_key(&j, "findings");
        json_array_begin(&j);
        if (o != NULL && o->has_error)
            json_finding(&j, &o->error);
        for (size_t i = 0; o != NULL && i < o->warning_count; i++)
            json_finding(&j, &o->warnings[i]);
        json_array_end(&j);
        if (o != NULL && o->dropped > 0)
            json_kv_int(&j, "findings_dropped", (int64_t)o->dropped);
        if (resp != NULL) {
            json_key(&j, "sid");
            if (v.has_sid)
                json_string_n(&j, v.sid, v.sid_len);
            else
                json_null(&j);
            json_kv_int(&j, "response_bytes", (int64_t)resp_len);
        }
        json_object_end(&j);
        json_finish(&j);
    } else {
        size_t il = v.info_len;
        if (il > 0 && v.info[il - 1] == '\n')
            il--;
        fprintf(out, "status: %d (%s)\n", status, fcc_status_name(status));
        fputs("info: ", out);
        print_text(out, v.info, il);
        fputc('\n', out);
        for (char *p = v.warnings, *e = v.warnings + v.warnings_len; p < e;) {
            char *nl = memchr(p, '\n', (size_t)(e - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
            fputs("warning: ", out);
            print_text(out, p, n);
            fputc('\n', out);
            p += n + (nl ? 1 : 0);
        }
    }
    fflush(out);
}
