/* SPDX-License-Identifier: Apache-2.0 */
/* The decoder behind `fcu inspect FILE` (the command is cli/cmd_inspect.c): a bundle or a device
 * response (raw CBOR, or a framed `mbedprov` message) rendered as readable text or JSON.
 * Certificates are decoded to subject, issuer, serial, validity, key, signature and extensions;
 * private keys are described, never shown. */
#include "fcu.h"
#include "fcu_bundle.h"
#include "fcu_int.h"
#include "json.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "untrusted.h"

/* ---- output: the same walk writes text or JSON ---- */
typedef struct out {
    bool json;
    json_t j;
    FILE *fp;
    int ind;
} out_t;

static void pad(out_t *o)
{
    for (int i = 0; i < o->ind; i++)
        fputs("  ", o->fp);
}

static void put_text(FILE *fp, const char *s);

static void o_obj(out_t *o, const char *key)
{
    if (o->json) {
        if (key)
            json_key(&o->j, key);
        json_object_begin(&o->j);
        return;
    }
    if (key) {
        pad(o);
        put_text(o->fp, key);
        fputs(":\n", o->fp);
    }
    o->ind++;
}

static void o_obj_end(out_t *o)
{
    if (o->json)
        json_object_end(&o->j);
    else
        o->ind--;
}

static void o_arr(out_t *o, const char *key)
{
    if (o->json) {
        json_key(&o->j, key);
        json_array_begin(&o->j);
        return;
    }
    pad(o);
    put_text(o->fp, key);
    fputs(":\n", o->fp);
    o->ind++;
}

static void o_arr_end(out_t *o)
{
    if (o->json)
        json_array_end(&o->j);
    else
        o->ind--;
}

/* An anonymous object inside a list; `title` heads it in text mode. */
/* Writes text from a bundle or a device response (untrusted) for a terminal: control characters
 * (a terminal escape sequence among them) as \xNN, everything else as it is. */
static void put_text(FILE *fp, const char *s)
{
    fput_untrusted(fp, s, strlen(s));
}

static void o_item(out_t *o, const char *title)
{
    if (o->json) {
        json_object_begin(&o->j);
        return;
    }
    pad(o);
    fputs("- ", o->fp);
    put_text(o->fp, title ? title : "");
    fputc('\n', o->fp);
    o->ind++;
}

static void o_str(out_t *o, const char *key, const char *v)
{
    if (o->json) {
        json_kv_string(&o->j, key, v);
        return;
    }
    pad(o);
    put_text(o->fp, key);
    fputs(": ", o->fp);
    put_text(o->fp, v);
    fputc('\n', o->fp);
}

static void o_int(out_t *o, const char *key, int64_t v)
{
    if (o->json) {
        json_kv_int(&o->j, key, v);
        return;
    }
    pad(o);
    put_text(o->fp, key);
    fprintf(o->fp, ": %lld\n", (long long)v);
}

static void o_bool(out_t *o, const char *key, bool v)
{
    if (o->json) {
        json_kv_bool(&o->j, key, v);
        return;
    }
    pad(o);
    fprintf(o->fp, "%s: %s\n", key, v ? "yes" : "no");
}

static void hex(const uint8_t *d, size_t n, char *buf, size_t size, const char *sep)
{
    size_t p = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && p + 4 < size; i++)
        p += (size_t)snprintf(buf + p, size - p, "%s%02X", i && sep ? sep : "", d[i]);
}

static void iso_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void name_text(X509_NAME *n, char *buf, size_t size)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p = NULL;
    buf[0] = '\0';
    if (!b)
        return;
    X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    long l = BIO_get_mem_data(b, &p);
    snprintf(buf, size, "%.*s", (int)(l > 0 ? l : 0), p ? p : "");
    BIO_free(b);
}

static void key_text(EVP_PKEY *k, char *buf, size_t size)
{
    char group[64] = "";
    size_t gl = 0;
    if (!k) {
        snprintf(buf, size, "unreadable");
        return;
    }
    if (EVP_PKEY_is_a(k, "EC") &&
        EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), &gl))
        snprintf(buf, size, "EC %s%s (%d bits)", group,
                 strcmp(group, "prime256v1") == 0 ? " / P-256" : "", EVP_PKEY_get_bits(k));
    else
        snprintf(buf, size, "%s (%d bits)", EVP_PKEY_get0_type_name(k), EVP_PKEY_get_bits(k));
}

static void emit_cert(out_t *o, const uint8_t *der, size_t len, int64_t now)
{
    const unsigned char *p = der;
    X509 *c = d2i_X509(NULL, &p, (long)len);
    char buf[1024];
    if (!c || p != der + len) {
        o_str(o, "error", "not a DER X.509 certificate");
        X509_free(c);
        ERR_clear_error();
        return;
    }
    name_text(X509_get_subject_name(c), buf, sizeof(buf));
    o_str(o, "subject", buf);
    name_text(X509_get_issuer_name(c), buf, sizeof(buf));
    o_str(o, "issuer", buf);
    const ASN1_INTEGER *sn = X509_get0_serialNumber(c);
    hex(sn->data, (size_t)sn->length, buf, sizeof(buf), ":");
    o_str(o, "serial", buf);
    int64_t nb = fcu_asn1_time_epoch(X509_get0_notBefore(c));
    int64_t na = fcu_asn1_time_epoch(X509_get0_notAfter(c));
    iso_time(nb, buf, sizeof(buf));
    o_str(o, "not_before", buf);
    iso_time(na, buf, sizeof(buf));
    o_str(o, "not_after", buf);
    o_str(o, "validity_now", nb > now ? "not yet valid" : na <= now ? "expired" : "valid");
    key_text(X509_get0_pubkey(c), buf, sizeof(buf));
    o_str(o, "key", buf);
    const char *sig = OBJ_nid2ln(X509_get_signature_nid(c));
    o_str(o, "signature", sig ? sig : "unknown");
    o_bool(o, "self_signed", fcu_cert_self_signed(c));
    uint8_t md[32];
    SHA256(der, len, md);
    hex(md, sizeof(md), buf, sizeof(buf), ":");
    o_str(o, "sha256", buf);
    o_arr(o, "extensions");
    for (int i = 0; i < X509_get_ext_count(c); i++) {
        X509_EXTENSION *e = X509_get_ext(c, i);
        ASN1_OBJECT *obj = X509_EXTENSION_get_object(e);
        char oname[128];
        OBJ_obj2txt(oname, sizeof(oname), obj, 0);
        BIO *b = BIO_new(BIO_s_mem());
        char *bp = NULL;
        if (b && !X509V3_EXT_print(b, e, 0, 0))
            ASN1_STRING_print(b, X509_EXTENSION_get_data(e));
        long bl = b ? BIO_get_mem_data(b, &bp) : 0;
        char val[512];
        snprintf(val, sizeof(val), "%.*s", (int)(bl > 0 ? bl : 0), bp ? bp : "");
        for (char *q = val; *q; q++)
            if (*q == '\n')
                *q = ' ';
        BIO_free(b);
        if (o->json) {
            json_object_begin(&o->j);
            json_kv_string(&o->j, "name", oname);
            json_kv_bool(&o->j, "critical", X509_EXTENSION_get_critical(e) != 0);
            json_kv_string(&o->j, "value", val);
            json_object_end(&o->j);
        } else {
            pad(o);
            fprintf(o->fp, "%s%s: ", oname, X509_EXTENSION_get_critical(e) ? " (critical)" : "");
            put_text(o->fp, val);
            fputc('\n', o->fp);
        }
    }
    o_arr_end(o);
    ERR_clear_error();
    X509_free(c);
}

static bool text_of(const cbor_item_t *it, char *buf, size_t size)
{
    if (it && cbor_isa_string(it) && cbor_string_is_definite(it)) {
        snprintf(buf, size, "%.*s", (int)cbor_string_length(it),
                 (const char *)cbor_string_handle(it));
        return true;
    }
    return false;
}

static void emit_param(out_t *o, cbor_item_t *e)
{
    char name[128] = "?", buf[600];
    text_of(fcu_cbor_map_get(e, "Name"), name, sizeof(name));
    cbor_item_t *d = fcu_cbor_map_get(e, "Data");
    int64_t v;
    if (o->json) {
        json_object_begin(&o->j);
        json_kv_string(&o->j, "name", name);
        json_key(&o->j, "value");
        if (d && fcu_cbor_int(d, &v))
            json_int(&o->j, v);
        else if (d && text_of(d, buf, sizeof(buf)))
            json_string(&o->j, buf);
        else if (d && cbor_isa_bytestring(d) && cbor_bytestring_is_definite(d)) {
            hex(cbor_bytestring_handle(d), cbor_bytestring_length(d), buf, sizeof(buf), NULL);
            json_string(&o->j, buf);
        } else
            json_null(&o->j);
        json_object_end(&o->j);
        return;
    }
    pad(o);
    put_text(o->fp, name);
    if (d && fcu_cbor_int(d, &v)) {
        if (strcmp(name, "mbed.CurrentTime") == 0) {
            iso_time(v, buf, sizeof(buf));
            fprintf(o->fp, " = %lld (%s)\n", (long long)v, buf);
        } else
            fprintf(o->fp, " = %lld\n", (long long)v);
    } else if (d && text_of(d, buf, sizeof(buf))) {
        fputs(" = \"", o->fp);
        put_text(o->fp, buf);
        fputs("\"\n", o->fp);
    } else if (d && cbor_isa_bytestring(d) && cbor_bytestring_is_definite(d)) {
        hex(cbor_bytestring_handle(d), cbor_bytestring_length(d), buf, sizeof(buf), NULL);
        fprintf(o->fp, " = bytes(%zu) %s\n", cbor_bytestring_length(d), buf);
    } else
        fputs(" = (unsupported value)\n", o->fp);
}

static void emit_key(out_t *o, cbor_item_t *e)
{
    char name[128] = "?", type[64] = "?", fmt[32] = "?", buf[128];
    text_of(fcu_cbor_map_get(e, "Name"), name, sizeof(name));
    text_of(fcu_cbor_map_get(e, "Type"), type, sizeof(type));
    text_of(fcu_cbor_map_get(e, "Format"), fmt, sizeof(fmt));
    cbor_item_t *d = fcu_cbor_map_get(e, "Data");
    o_item(o, name);
    if (o->json)
        o_str(o, "name", name);
    o_str(o, "type", type);
    o_str(o, "format", fmt);
    if (d && cbor_isa_bytestring(d) && cbor_bytestring_is_definite(d)) {
        const unsigned char *p = cbor_bytestring_handle(d);
        size_t n = cbor_bytestring_length(d);
        o_int(o, "size", (int64_t)n);
        EVP_PKEY *k = strcmp(type, "ECCPublic") == 0 ? d2i_PUBKEY(NULL, &p, (long)n)
                                                     : d2i_AutoPrivateKey(NULL, &p, (long)n);
        key_text(k, buf, sizeof(buf));
        o_str(o, "key", buf); /* the key material itself is never shown */
        EVP_PKEY_free(k);
        ERR_clear_error();
    }
    o_obj_end(o);
}

static int emit_bundle(out_t *o, cbor_item_t *top, size_t len, int64_t now)
{
    char buf[256];
    o_obj(o, NULL);
    o_str(o, "kind", "bundle");
    o_int(o, "size", (int64_t)len);
    struct cbor_pair *pairs = cbor_map_handle(top);
    int64_t v;
    bool ftc = false;
    for (size_t i = 0; i < cbor_map_size(top); i++) {
        char key[64] = "?";
        text_of(pairs[i].key, key, sizeof(key));
        cbor_item_t *val = pairs[i].value;
        if (strcmp(key, "Keys") == 0 && cbor_isa_array(val)) {
            o_arr(o, key);
            for (size_t k = 0; k < cbor_array_size(val); k++) {
                cbor_item_t *e = cbor_array_get(val, k);
                emit_key(o, e);
                cbor_decref(&e);
            }
            o_arr_end(o);
        } else if ((strcmp(key, "Certificates") == 0 || strcmp(key, "CertificateChains") == 0) &&
                   cbor_isa_array(val)) {
            o_arr(o, key);
            for (size_t k = 0; k < cbor_array_size(val); k++) {
                cbor_item_t *e = cbor_array_get(val, k);
                char name[128] = "?";
                text_of(fcu_cbor_map_get(e, "Name"), name, sizeof(name));
                o_item(o, name);
                if (o->json)
                    o_str(o, "name", name);
                cbor_item_t *d = fcu_cbor_map_get(e, "Data");
                cbor_item_t *da = fcu_cbor_map_get(e, "DataArray");
                if (d && cbor_isa_bytestring(d) && cbor_bytestring_is_definite(d)) {
                    o_obj(o, "certificate");
                    emit_cert(o, cbor_bytestring_handle(d), cbor_bytestring_length(d), now);
                    o_obj_end(o);
                } else if (da && cbor_isa_array(da)) {
                    o_arr(o, "chain");
                    for (size_t c = 0; c < cbor_array_size(da); c++) {
                        cbor_item_t *b = cbor_array_get(da, c);
                        snprintf(buf, sizeof(buf), "certificate %zu", c + 1);
                        o_item(o, buf);
                        if (cbor_isa_bytestring(b) && cbor_bytestring_is_definite(b))
                            emit_cert(o, cbor_bytestring_handle(b), cbor_bytestring_length(b),
                                      now);
                        o_obj_end(o);
                        cbor_decref(&b);
                    }
                    o_arr_end(o);
                }
                o_obj_end(o);
                cbor_decref(&e);
            }
            o_arr_end(o);
        } else if (strcmp(key, "ConfigParams") == 0 && cbor_isa_array(val)) {
            o_arr(o, key);
            for (size_t k = 0; k < cbor_array_size(val); k++) {
                cbor_item_t *e = cbor_array_get(val, k);
                if (fcu_cbor_str_eq(fcu_cbor_map_get(e, "Name"), "mbed.FirstToClaim") &&
                    fcu_cbor_int(fcu_cbor_map_get(e, "Data"), &v) && v == 1)
                    ftc = true;
                emit_param(o, e);
                cbor_decref(&e);
            }
            o_arr_end(o);
        } else if ((strcmp(key, "Entropy") == 0 || strcmp(key, "ROT") == 0) &&
                   cbor_isa_bytestring(val)) {
            snprintf(buf, sizeof(buf), "%zu bytes (not shown)", cbor_bytestring_length(val));
            o_str(o, key, buf);
        } else if (fcu_cbor_int(val, &v)) {
            o_int(o, key, v);
        } else if (text_of(val, buf, sizeof(buf))) {
            o_str(o, key, buf);
        } else if (strcmp(key, "CsrReqs") == 0 && cbor_isa_array(val)) {
            o_arr(o, key);
            for (size_t k = 0; k < cbor_array_size(val); k++) {
                cbor_item_t *e = cbor_array_get(val, k);
                char prkn[128] = "?", subj[512] = "";
                text_of(fcu_cbor_map_get(e, "PrKN"), prkn, sizeof(prkn));
                text_of(fcu_cbor_map_get(e, "Subj"), subj, sizeof(subj));
                o_item(o, prkn);
                if (o->json)
                    o_str(o, "PrKN", prkn);
                o_str(o, "Subj", subj);
                cbor_decref(&e);
                o_obj_end(o);
            }
            o_arr_end(o);
        } else if (cbor_isa_array(val)) {
            snprintf(buf, sizeof(buf), "(array of %zu items)", cbor_array_size(val));
            o_str(o, key, buf);
        } else {
            o_str(o, key, "(unexpected value type)");
        }
    }
    if (ftc) {
        unsigned char *ser = NULL;
        size_t ssz = 0;
        size_t n = cbor_serialize_alloc(top, &ser, &ssz);
        if (n && fcu_bundle_enrollment_id(ser, n, buf, sizeof(buf)) == 0)
            o_str(o, "enrollment_id", buf);
        free(ser);
    }
    o_obj_end(o);
    return FCU_EXIT_OK;
}

static int emit_response(out_t *o, cbor_item_t *top)
{
    char buf[4096];
    int64_t v;
    o_obj(o, NULL);
    o_str(o, "kind", "response");
    struct cbor_pair *pairs = cbor_map_handle(top);
    for (size_t i = 0; i < cbor_map_size(top); i++) {
        char key[64] = "?";
        text_of(pairs[i].key, key, sizeof(key));
        cbor_item_t *val = pairs[i].value;
        if (strcmp(key, "Csrs") == 0 && cbor_isa_array(val)) {
            o_arr(o, key);
            for (size_t k = 0; k < cbor_array_size(val); k++) {
                cbor_item_t *e = cbor_array_get(val, k);
                char name[128] = "?";
                text_of(fcu_cbor_map_get(e, "PrKN"), name, sizeof(name));
                o_item(o, name);
                if (o->json)
                    o_str(o, "PrKN", name);
                cbor_item_t *d = fcu_cbor_map_get(e, "Data");
                if (d && cbor_isa_bytestring(d) && cbor_bytestring_is_definite(d)) {
                    const unsigned char *p = cbor_bytestring_handle(d);
                    X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)cbor_bytestring_length(d));
                    if (req) {
                        name_text(X509_REQ_get_subject_name(req), buf, sizeof(buf));
                        o_str(o, "subject", buf);
                        char kt[128];
                        key_text(X509_REQ_get0_pubkey(req), kt, sizeof(kt));
                        o_str(o, "key", kt);
                        X509_REQ_free(req);
                    } else
                        o_str(o, "error", "not a DER CSR");
                    ERR_clear_error();
                }
                o_obj_end(o);
                cbor_decref(&e);
            }
            o_arr_end(o);
        } else if (fcu_cbor_int(val, &v)) {
            o_int(o, key, v);
        } else if (text_of(val, buf, sizeof(buf))) {
            /* drop the trailing newline of InfoMessage / WarningInfo in text mode */
            size_t l = strlen(buf);
            if (!o->json && l && buf[l - 1] == '\n')
                buf[l - 1] = '\0';
            if (!o->json)
                for (char *q = buf; *q; q++)
                    if (*q == '\n')
                        *q = '|';
            o_str(o, key, buf);
        } else {
            o_str(o, key, "(unexpected value type)");
        }
    }
    o_obj_end(o);
    return FCU_EXIT_OK;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* What a file starting with the `mbedprov` token holds (docs/framing.md). */
typedef enum {
    FRAME_NONE,    /* no token: raw CBOR */
    FRAME_PAYLOAD, /* a complete request, or a response with transport status 0 */
    FRAME_FAILED,  /* a failed response: token and a non-zero transport status, 12 bytes */
    FRAME_BROKEN,  /* empty, truncated or over-long: no payload can be trusted */
} frame_kind_t;

/* Finds the CBOR payload of a framed message. For FRAME_FAILED *pl_len is the transport
 * status; for FRAME_BROKEN why says what is wrong. */
static frame_kind_t unframe(const uint8_t *buf, size_t len, const uint8_t **pl, size_t *pl_len,
                            bool *digest_ok, char *why, size_t why_size)
{
    if (len < 8 || memcmp(buf, "mbedprov", 8) != 0)
        return FRAME_NONE;
    if (len < 12) {
        snprintf(why, why_size, "the frame ends after %zu bytes, inside its length or status "
                 "field", len);
        return FRAME_BROKEN;
    }
    uint32_t a = le32(buf + 8);
    uint8_t md[32];
    if (a == 0) {
        /* response: token | status 0 | len | payload | digest */
        if (len < 16) {
            snprintf(why, why_size, "empty response frame: status 0 but no payload length "
                     "(%zu bytes)", len);
            return FRAME_BROKEN;
        }
        uint32_t l = le32(buf + 12);
        if (l == 0) {
            snprintf(why, why_size, "empty response frame: status 0 with a payload of 0 bytes");
            return FRAME_BROKEN;
        }
        if ((size_t)l + 16 + 32 != len) {
            snprintf(why, why_size, "%s response frame: it declares %u payload bytes, so %zu "
                     "bytes in all, and holds %zu",
                     (size_t)l + 48 > len ? "truncated" : "over-long", l, (size_t)l + 48, len);
            return FRAME_BROKEN;
        }
        *pl = buf + 16;
        *pl_len = l;
    } else if (len == 12) {
        *pl = NULL;
        *pl_len = a; /* a failed response: token + status */
        *digest_ok = false;
        return FRAME_FAILED;
    } else if ((size_t)a + 12 + 32 == len) {
        /* request: token | len | payload | digest */
        *pl = buf + 12;
        *pl_len = a;
    } else {
        snprintf(why, why_size, "%s request frame: it declares %u payload bytes, so %zu bytes "
                 "in all, and holds %zu",
                 (size_t)a + 44 > len ? "truncated" : "over-long", a, (size_t)a + 44, len);
        return FRAME_BROKEN;
    }
    SHA256(*pl, *pl_len, md);
    *digest_ok = memcmp(md, *pl + *pl_len, 32) == 0;
    return FRAME_PAYLOAD;
}

int fcu_inspect_bytes(const uint8_t *buf, size_t len, FILE *fp, bool json, int64_t now)
{
    return fcu_inspect_bytes_to(buf, len, fp, stderr, json, now);
}

int fcu_inspect_bytes_to(const uint8_t *buf, size_t len, FILE *fp, FILE *errfp, bool json,
                         int64_t now)
{
    int rc = FCU_EXIT_INVALID;
    out_t o;
    memset(&o, 0, sizeof(o));
    o.json = json;
    o.fp = fp;
    const uint8_t *pl = buf;
    size_t pl_len = len;
    bool digest_ok = true;
    char why[200];
    frame_kind_t fk = unframe(buf, len, &pl, &pl_len, &digest_ok, why, sizeof(why));
    bool framed = fk != FRAME_NONE;
    if (fk == FRAME_FAILED) {
        if (json)
            fprintf(fp, "{\"kind\": \"failed-response\", \"transport_status\": %zu}\n", pl_len);
        else
            fprintf(fp, "framed response without payload: transport status %zu\n", pl_len);
        return FCU_EXIT_OK;
    }
    if (fk == FRAME_BROKEN) {
        fprintf(errfp, "not a bundle or response: %s\n", why);
        return FCU_EXIT_INVALID;
    }
    cbor_item_t *top = fcu_cbor_decode(pl, pl_len);
    if (!top || !cbor_isa_map(top)) {
        fprintf(errfp, "not a bundle or response: %s\n",
                top ? "the CBOR item is not a map" : "malformed CBOR or trailing bytes");
        goto cleanup;
    }
    if (json)
        json_init(&o.j, fp, true);
    if (framed && !json)
        fprintf(fp, "framed message, digest %s\n", digest_ok ? "ok" : "WRONG");
    if (fcu_cbor_map_get(top, "ReturnStatus"))
        rc = emit_response(&o, top);
    else
        rc = emit_bundle(&o, top, pl_len, now);
    if (json)
        json_finish(&o.j);
    if (framed && !digest_ok)
        rc = FCU_EXIT_INVALID;
cleanup:
    if (top)
        cbor_decref(&top);
    return rc;
}
