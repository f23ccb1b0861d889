/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by fcu's file fuzz targets (fcu_config, fcu_certfile): the configuration loader reads
 * files by name, so each input is written into a private temporary folder that also holds a
 * valid server CA certificate (ca.der, ca.pem) for the configurations to name; the loader then
 * runs on that file exactly as `fcu validate` runs it. The folder is removed at exit. */
#ifndef FCU_FUZZ_FILES_H
#define FCU_FUZZ_FILES_H

#include "fcu.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FUZZ_NOW 1893456000 /* 2030-01-01, fixed so a run does not depend on the day */

static char fuzz_dir[64];

static void fuzz_rm(const char *name)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", fuzz_dir, name);
    unlink(p);
}

static void fuzz_cleanup(void)
{
    static const char *const names[] = {"fcu.yml", "item.bin", "ca.der", "ca.pem"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        fuzz_rm(names[i]);
    rmdir(fuzz_dir);
}

static int fuzz_write(const char *name, const uint8_t *data, size_t size)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", fuzz_dir, name);
    FILE *f = fopen(p, "wb");
    if (f == NULL)
        return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && w == size ? 0 : -1;
}

/* Creates the folder and the CA files once. 0 or -1. */
static int fuzz_files_init(void)
{
    if (fuzz_dir[0])
        return 0;
    snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/fcu-fuzz-XXXXXX");
    if (mkdtemp(fuzz_dir) == NULL)
        return -1;
    atexit(fuzz_cleanup);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    X509 *c = X509_new();
    unsigned char *der = NULL;
    int n = -1;
    if (k && c) {
        X509_set_version(c, X509_VERSION_3);
        ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
        ASN1_TIME_set(X509_getm_notBefore(c), (time_t)FUZZ_NOW - 86400);
        ASN1_TIME_set(X509_getm_notAfter(c), (time_t)FUZZ_NOW + 20 * 31536000L);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_UTF8,
                                   (const unsigned char *)"Fuzz CA", -1, -1, 0);
        X509_set_issuer_name(c, X509_get_subject_name(c));
        X509_set_pubkey(c, k);
        if (X509_sign(c, k, EVP_sha256()) > 0)
            n = i2d_X509(c, &der);
    }
    int rc = -1;
    if (n > 0 && fuzz_write("ca.der", der, (size_t)n) == 0) {
        BIO *b = BIO_new(BIO_s_mem());
        char *pem = NULL;
        long pl = b && PEM_write_bio_X509(b, c) ? BIO_get_mem_data(b, &pem) : 0;
        rc = pl > 0 ? fuzz_write("ca.pem", (const uint8_t *)pem, (size_t)pl) : -1;
        BIO_free(b);
    }
    OPENSSL_free(der);
    X509_free(c);
    EVP_PKEY_free(k);
    return rc;
}

/* Loads <fuzz_dir>/fcu.yml as `fcu validate` does (findings discarded). */
static void fuzz_load_config(void)
{
    fcu_ctx_t ctx;
    fcu_findings_t f = {0};
    char p[128];
    fcu_ctx_init(&ctx, "fcu");
    snprintf(p, sizeof(p), "%s/fcu.yml", fuzz_dir);
    ctx.config_arg = strdup(p);
    ctx.now = FUZZ_NOW;
    ctx.now_fixed = true;
    if (ctx.config_arg != NULL)
        (void)fcu_config_load(&ctx, &f);
    fcu_findings_free(&f);
    fcu_ctx_free(&ctx);
}

#endif /* FCU_FUZZ_FILES_H */
