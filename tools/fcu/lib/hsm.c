/* SPDX-License-Identifier: Apache-2.0 */
/* The FCU CA key in a PKCS#11 token (see hsm.h): URI and PIN handling, the checks that name
 * exactly what is wrong, key generation inside the token, and the OpenSSL key that signs there. */
#include "hsm.h"
#include "fcu.h"

#include <dlfcn.h>
#include <errno.h>
#include <libp11.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FCU_P11_DEFAULT_MODULE
#define FCU_P11_DEFAULT_MODULE "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#endif

/* DER of the named curve prime256v1 (1.2.840.10045.3.1.7), as CKA_EC_PARAMS holds it. */
static const unsigned char p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                            0xce, 0x3d, 0x03, 0x01, 0x07};

const char *fcu_hsm_default_module(void)
{
    return FCU_P11_DEFAULT_MODULE;
}

bool fcu_hsm_is_uri(const char *s)
{
    return s != NULL && strncmp(s, "pkcs11:", 7) == 0;
}

static void set_err(fcu_hsm_error_t *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(fcu_hsm_error_t *e, int code, const char *fmt, ...)
{
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

/* What the URI asks for, and the PIN (wiped by key_spec_free). */
typedef struct key_spec {
    P11KitUri *uri;
    const char *module;
    char label[256];
    bool has_label;
    unsigned char id[128];
    size_t id_len;
    char pin[256];
} key_spec_t;

static void key_spec_free(key_spec_t *k)
{
    if (k->uri)
        p11_kit_uri_free(k->uri);
    OPENSSL_cleanse(k->pin, sizeof(k->pin));
    memset(k, 0, sizeof(*k));
}

/* Reads the PIN from pin-source=file:PATH (relative to base_dir) or from FCU_PKCS11_PIN. */
static int read_pin(key_spec_t *k, const char *base_dir, fcu_hsm_error_t *err)
{
    const char *src = p11_kit_uri_get_pin_source(k->uri);
    if (src != NULL) {
        const char *path = strncmp(src, "file:", 5) == 0 ? src + 5 : src;
        char full[4096];
        if (path[0] != '/' && base_dir != NULL)
            snprintf(full, sizeof(full), "%s/%s", base_dir, path);
        else
            snprintf(full, sizeof(full), "%s", path);
        uint8_t *data = NULL;
        size_t len = 0;
        if (fcu_read_file(full, &data, &len) != 0) {
            set_err(err, FCU_E_HSM_PIN, "cannot read the PIN file %s (pin-source): %s", full,
                    strerror(errno));
            return -1;
        }
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
            len--;
        if (len == 0 || len >= sizeof(k->pin) || memchr(data, 0, len) != NULL) {
            set_err(err, FCU_E_HSM_PIN, "the PIN file %s (pin-source) holds no usable PIN", full);
            OPENSSL_cleanse(data, len);
            free(data);
            return -1;
        }
        memcpy(k->pin, data, len);
        k->pin[len] = '\0';
        OPENSSL_cleanse(data, len);
        free(data);
        return 0;
    }
    const char *env = getenv(FCU_HSM_PIN_ENV);
    if (env == NULL || env[0] == '\0') {
        set_err(err, FCU_E_HSM_PIN,
                "no PIN for the token: set the environment variable " FCU_HSM_PIN_ENV
                " or add pin-source=file:PATH to the key URI");
        return -1;
    }
    if (strlen(env) >= sizeof(k->pin)) {
        set_err(err, FCU_E_HSM_PIN, FCU_HSM_PIN_ENV " is too long");
        return -1;
    }
    snprintf(k->pin, sizeof(k->pin), "%s", env);
    return 0;
}

static int key_spec_parse(key_spec_t *k, const char *uri, const char *module,
                          const char *base_dir, fcu_hsm_error_t *err)
{
    memset(k, 0, sizeof(*k));
    if (!fcu_hsm_is_uri(uri)) {
        set_err(err, FCU_E_HSM_URI, "'%s' is not a pkcs11: URI (RFC 7512)", uri ? uri : "");
        return -1;
    }
    k->uri = p11_kit_uri_new();
    if (k->uri == NULL) {
        set_err(err, FCU_E_HSM_URI, "out of memory");
        return -1;
    }
    int rc = p11_kit_uri_parse(uri, P11_KIT_URI_FOR_OBJECT_ON_TOKEN_AND_MODULE, k->uri);
    if (rc != P11_KIT_URI_OK) {
        set_err(err, FCU_E_HSM_URI, "the key URI is not a valid pkcs11: URI: %s",
                p11_kit_uri_message(rc));
        return -1;
    }
    if (p11_kit_uri_get_pin_value(k->uri) != NULL) {
        set_err(err, FCU_E_HSM_URI,
                "the key URI carries the PIN (pin-value): a PIN is never written in the "
                "configuration; use pin-source=file:PATH or the environment variable "
                FCU_HSM_PIN_ENV);
        return -1;
    }
    CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(k->uri, CKA_CLASS);
    if (a != NULL && a->ulValueLen == sizeof(CK_OBJECT_CLASS) &&
        *(CK_OBJECT_CLASS *)a->pValue != CKO_PRIVATE_KEY) {
        set_err(err, FCU_E_HSM_URI, "the key URI names an object that is not a private key "
                                    "(type=); use type=private or leave it out");
        return -1;
    }
    a = p11_kit_uri_get_attribute(k->uri, CKA_LABEL);
    if (a != NULL) {
        if (a->ulValueLen == 0 || a->ulValueLen >= sizeof(k->label)) {
            set_err(err, FCU_E_HSM_URI, "the key URI's object label is empty or too long");
            return -1;
        }
        memcpy(k->label, a->pValue, a->ulValueLen);
        k->label[a->ulValueLen] = '\0';
        k->has_label = true;
    }
    a = p11_kit_uri_get_attribute(k->uri, CKA_ID);
    if (a != NULL) {
        if (a->ulValueLen == 0 || a->ulValueLen > sizeof(k->id)) {
            set_err(err, FCU_E_HSM_URI, "the key URI's id is empty or too long");
            return -1;
        }
        memcpy(k->id, a->pValue, a->ulValueLen);
        k->id_len = a->ulValueLen;
    }
    if (!k->has_label && k->id_len == 0) {
        set_err(err, FCU_E_HSM_URI,
                "the key URI names no key object: add object=LABEL (and/or id=%%XX...)");
        return -1;
    }
    k->module = module;
    if (k->module == NULL || k->module[0] == '\0')
        k->module = p11_kit_uri_get_module_path(k->uri);
    if (k->module == NULL || k->module[0] == '\0')
        k->module = fcu_hsm_default_module();
    return read_pin(k, base_dir, err);
}

/* ---- direct PKCS#11 (p11-kit): checks and generation --------------------------------------- */

typedef struct probe {
    void *dl;
    CK_FUNCTION_LIST *m;
    bool initialized;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE s;
    bool session;
    char token[40];
} probe_t;

static void probe_close(probe_t *p)
{
    if (p->session) {
        p->m->C_Logout(p->s);
        p->m->C_CloseSession(p->s);
    }
    if (p->initialized)
        p->m->C_Finalize(NULL);
    if (p->dl)
        dlclose(p->dl);
    memset(p, 0, sizeof(*p));
}

/* Text of a blank-padded PKCS#11 string field. */
static void padded(const unsigned char *f, size_t n, char *out, size_t size)
{
    while (n > 0 && f[n - 1] == ' ')
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(out, f, n);
    out[n] = '\0';
}

static int probe_open(probe_t *p, const key_spec_t *k, bool rw, fcu_hsm_error_t *err)
{
    memset(p, 0, sizeof(*p));
    if (access(k->module, R_OK) != 0) {
        set_err(err, FCU_E_HSM_MODULE, "PKCS#11 module %s not found (%s); set "
                "certificate-authority.pkcs11-module-path", k->module, strerror(errno));
        return -1;
    }
    /* the module is opened the standard PKCS#11 way (dlopen + C_GetFunctionList), so that
     * p11-kit's own proxy module is accepted like any other */
    p->dl = dlopen(k->module, RTLD_NOW | RTLD_LOCAL);
    CK_C_GetFunctionList get = NULL;
    if (p->dl != NULL)
        *(void **)&get = dlsym(p->dl, "C_GetFunctionList");
    if (get == NULL || get(&p->m) != CKR_OK || p->m == NULL) {
        const char *why = dlerror();
        set_err(err, FCU_E_HSM_MODULE, "PKCS#11 module %s cannot be loaded: %s", k->module,
                why ? why : "not a PKCS#11 module (no C_GetFunctionList)");
        p->m = NULL;
        return -1;
    }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    CK_RV rv = p->m->C_Initialize(&args);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        set_err(err, FCU_E_HSM_MODULE, "PKCS#11 module %s failed to initialise (CKR 0x%lx)",
                k->module, (unsigned long)rv);
        return -1;
    }
    p->initialized = true;
    CK_ULONG n = 0;
    CK_SLOT_ID slots[64];
    if (p->m->C_GetSlotList(CK_TRUE, NULL, &n) != CKR_OK)
        n = 0;
    if (n > 64)
        n = 64;
    if (n > 0 && p->m->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
        n = 0;
    char seen[512] = "";
    bool found = false;
    for (CK_ULONG i = 0; i < n && !found; i++) {
        CK_TOKEN_INFO ti;
        if (p->m->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
            continue;
        char label[40];
        padded(ti.label, sizeof(ti.label), label, sizeof(label));
        if (p11_kit_uri_match_token_info(k->uri, &ti)) {
            found = true;
            p->slot = slots[i];
            snprintf(p->token, sizeof(p->token), "%s", label);
        } else if (strlen(seen) + strlen(label) + 4 < sizeof(seen)) {
            strcat(seen, seen[0] ? ", '" : "'");
            strcat(seen, label);
            strcat(seen, "'");
        }
    }
    if (!found) {
        set_err(err, FCU_E_HSM_TOKEN, "no token matches the key URI in module %s (tokens "
                "present: %s)", k->module, seen[0] ? seen : "none");
        return -1;
    }
    rv = p->m->C_OpenSession(p->slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL, NULL,
                             &p->s);
    if (rv != CKR_OK) {
        set_err(err, FCU_E_HSM_TOKEN, "cannot open a session on token '%s' (CKR 0x%lx)", p->token,
                (unsigned long)rv);
        return -1;
    }
    p->session = true;
    rv = p->m->C_Login(p->s, CKU_USER, (CK_UTF8CHAR *)k->pin, (CK_ULONG)strlen(k->pin));
    if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_INVALID) {
        set_err(err, FCU_E_HSM_PIN, "wrong PIN for token '%s'", p->token);
        return -1;
    }
    if (rv == CKR_PIN_LOCKED) {
        set_err(err, FCU_E_HSM_PIN, "the user PIN of token '%s' is locked", p->token);
        return -1;
    }
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        set_err(err, FCU_E_HSM_PIN, "login to token '%s' failed (CKR 0x%lx)", p->token,
                (unsigned long)rv);
        return -1;
    }
    return 0;
}

/* Finds the private key the URI names: 1 found (*h), 0 none, -1 error (ambiguous). */
static int probe_find(probe_t *p, const key_spec_t *k, CK_OBJECT_HANDLE *h, fcu_hsm_error_t *err)
{
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t[3] = {{CKA_CLASS, &cls, sizeof(cls)}};
    CK_ULONG nt = 1;
    if (k->has_label) {
        t[nt].type = CKA_LABEL;
        t[nt].pValue = (void *)k->label;
        t[nt++].ulValueLen = strlen(k->label);
    }
    if (k->id_len) {
        t[nt].type = CKA_ID;
        t[nt].pValue = (void *)k->id;
        t[nt++].ulValueLen = k->id_len;
    }
    CK_OBJECT_HANDLE found[2];
    CK_ULONG n = 0;
    if (p->m->C_FindObjectsInit(p->s, t, nt) != CKR_OK) {
        set_err(err, FCU_E_HSM_TOKEN, "cannot search token '%s'", p->token);
        return -1;
    }
    CK_RV rv = p->m->C_FindObjects(p->s, found, 2, &n);
    p->m->C_FindObjectsFinal(p->s);
    if (rv != CKR_OK) {
        set_err(err, FCU_E_HSM_TOKEN, "cannot search token '%s' (CKR 0x%lx)", p->token,
                (unsigned long)rv);
        return -1;
    }
    if (n > 1) {
        set_err(err, FCU_E_HSM_URI, "the key URI matches several private keys on token '%s': "
                "name one with object= and id=", p->token);
        return -1;
    }
    if (n == 1)
        *h = found[0];
    return n == 1 ? 1 : 0;
}

static int probe_check_p256(probe_t *p, CK_OBJECT_HANDLE h, const key_spec_t *k,
                            fcu_hsm_error_t *err)
{
    CK_KEY_TYPE kt = 0;
    unsigned char params[64];
    CK_ATTRIBUTE a[2] = {{CKA_KEY_TYPE, &kt, sizeof(kt)}, {CKA_EC_PARAMS, params, sizeof(params)}};
    CK_RV rv = p->m->C_GetAttributeValue(p->s, h, a, 2);
    bool ok = (rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID) && kt == CKK_EC &&
              a[1].ulValueLen == sizeof(p256_params) &&
              memcmp(params, p256_params, sizeof(p256_params)) == 0;
    if (!ok) {
        set_err(err, FCU_E_CA_KEY_INVALID, "the key '%s' on token '%s' is not an EC key on P-256",
                k->has_label ? k->label : "(by id)", p->token);
        return -1;
    }
    return 0;
}

static int probe_generate(probe_t *p, key_spec_t *k, fcu_hsm_error_t *err)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    if (k->id_len == 0) { /* libp11 pairs the private key with its public key by CKA_ID */
        k->id_len = 16;
        if (RAND_bytes(k->id, (int)k->id_len) != 1) {
            set_err(err, FCU_E_HSM_TOKEN, "no random bytes for the key id");
            return -1;
        }
    }
    const char *label = k->has_label ? k->label : "fcu-ca";
    CK_ATTRIBUTE pub[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_EC_PARAMS, (void *)p256_params, sizeof(p256_params)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, k->id, k->id_len},
    };
    CK_ATTRIBUTE prv[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},     {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)}, {CKA_EXTRACTABLE, &no, sizeof(no)},
        {CKA_SIGN, &yes, sizeof(yes)},      {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, k->id, k->id_len},
    };
    CK_OBJECT_HANDLE hpub, hprv;
    CK_RV rv = p->m->C_GenerateKeyPair(p->s, &mech, pub, sizeof(pub) / sizeof(pub[0]), prv,
                                       sizeof(prv) / sizeof(prv[0]), &hpub, &hprv);
    if (rv != CKR_OK) {
        set_err(err, FCU_E_HSM_TOKEN, "token '%s' could not generate a P-256 key pair (CKR 0x%lx)",
                p->token, (unsigned long)rv);
        return -1;
    }
    return 0;
}

int fcu_hsm_ensure_key(const char *uri, const char *module, const char *base_dir, bool *created,
                       fcu_hsm_error_t *err)
{
    key_spec_t k;
    probe_t p = {0};
    int rc = -1;
    *created = false;
    if (key_spec_parse(&k, uri, module, base_dir, err) != 0 || probe_open(&p, &k, true, err) != 0)
        goto cleanup;
    CK_OBJECT_HANDLE h;
    int f = probe_find(&p, &k, &h, err);
    if (f < 0)
        goto cleanup;
    if (f == 1) {
        rc = probe_check_p256(&p, h, &k, err);
        goto cleanup;
    }
    if (probe_generate(&p, &k, err) != 0)
        goto cleanup;
    *created = true;
    rc = 0;
cleanup:
    probe_close(&p);
    key_spec_free(&k);
    return rc;
}

/* ---- the signing key through libp11 --------------------------------------------------------- */

/* Keys already handed to OpenSSL, one per (module, URI), kept for the life of the process:
 * every batch worker gets a reference to the same key, and the module is never finalised under
 * a worker that is still signing. */
typedef struct loaded {
    struct loaded *next;
    char *module, *uri;
    PKCS11_CTX *ctx;
    PKCS11_SLOT *slots; /* referred to by the key */
    unsigned int nslots;
    EVP_PKEY *key;
} loaded_t;
static loaded_t *cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_PKEY *p11_load(const key_spec_t *k, CK_SLOT_ID slot_id, const char *token,
                          loaded_t *out, fcu_hsm_error_t *err)
{
    PKCS11_CTX *ctx = PKCS11_CTX_new();
    PKCS11_SLOT *slots = NULL;
    unsigned int nslots = 0;
    EVP_PKEY *key = NULL;
    if (ctx == NULL || PKCS11_CTX_load(ctx, k->module) != 0) {
        set_err(err, FCU_E_HSM_MODULE, "libp11 cannot load PKCS#11 module %s", k->module);
        goto fail;
    }
    if (PKCS11_enumerate_slots(ctx, &slots, &nslots) != 0) {
        set_err(err, FCU_E_HSM_TOKEN, "cannot list the slots of module %s", k->module);
        goto fail;
    }
    PKCS11_SLOT *slot = NULL;
    for (unsigned int i = 0; i < nslots; i++)
        if (slots[i].token != NULL && PKCS11_get_slotid_from_slot(&slots[i]) == slot_id)
            slot = &slots[i];
    if (slot == NULL) {
        set_err(err, FCU_E_HSM_TOKEN, "token '%s' disappeared from module %s", token, k->module);
        goto fail;
    }
    if (PKCS11_login(slot, 0, k->pin) != 0) {
        set_err(err, FCU_E_HSM_PIN, "login to token '%s' failed", token);
        goto fail;
    }
    PKCS11_KEY *keys = NULL;
    unsigned int nkeys = 0;
    if (PKCS11_enumerate_keys(slot->token, &keys, &nkeys) != 0)
        nkeys = 0;
    for (unsigned int i = 0; i < nkeys && key == NULL; i++) {
        if (!keys[i].isPrivate)
            continue;
        if (k->has_label && (keys[i].label == NULL || strcmp(keys[i].label, k->label) != 0))
            continue;
        if (k->id_len && (keys[i].id_len != k->id_len || memcmp(keys[i].id, k->id, k->id_len)))
            continue;
        key = PKCS11_get_private_key(&keys[i]);
    }
    if (key == NULL) {
        set_err(err, FCU_E_HSM_KEY_MISSING, "libp11 cannot use the key '%s' on token '%s' (is "
                "its public key, with the same id, on the token too?)",
                k->has_label ? k->label : "(by id)", token);
        goto fail;
    }
    /* slots stay allocated: the key refers to them for as long as the process signs */
    out->ctx = ctx;
    out->slots = slots;
    out->nslots = nslots;
    return key;
fail:
    if (slots)
        PKCS11_release_all_slots(ctx, slots, nslots);
    if (ctx) {
        PKCS11_CTX_unload(ctx);
        PKCS11_CTX_free(ctx);
    }
    ERR_clear_error();
    return NULL;
}

EVP_PKEY *fcu_hsm_load_key(const char *uri, const char *module, const char *base_dir,
                           fcu_hsm_error_t *err)
{
    key_spec_t k;
    probe_t p = {0};
    EVP_PKEY *key = NULL;
    pthread_mutex_lock(&cache_lock);
    if (key_spec_parse(&k, uri, module, base_dir, err) != 0)
        goto cleanup;
    for (loaded_t *l = cache; l; l = l->next)
        if (strcmp(l->uri, uri) == 0 && strcmp(l->module, k.module) == 0) {
            if (EVP_PKEY_up_ref(l->key) == 1)
                key = l->key;
            goto cleanup;
        }
    /* the precise checks first (module, token, PIN, object, curve), then the key for OpenSSL */
    if (probe_open(&p, &k, false, err) != 0)
        goto cleanup;
    CK_OBJECT_HANDLE h;
    int f = probe_find(&p, &k, &h, err);
    if (f == 0)
        set_err(err, FCU_E_HSM_KEY_MISSING, "no private key '%s' on token '%s' (create it with "
                "`fcu setup --ca-key-uri URI`)", k.has_label ? k.label : "(by id)", p.token);
    if (f != 1 || probe_check_p256(&p, h, &k, err) != 0)
        goto cleanup;
    CK_SLOT_ID slot = p.slot;
    char token[40];
    snprintf(token, sizeof(token), "%s", p.token);
    probe_close(&p);
    loaded_t *l = calloc(1, sizeof(*l));
    if (l == NULL || (l->uri = strdup(uri)) == NULL || (l->module = strdup(k.module)) == NULL) {
        if (l) {
            free(l->uri);
            free(l);
        }
        set_err(err, FCU_E_HSM_TOKEN, "out of memory");
        goto cleanup;
    }
    EVP_PKEY *loaded_key = p11_load(&k, slot, token, l, err);
    if (loaded_key == NULL) {
        free(l->uri);
        free(l->module);
        free(l);
        goto cleanup;
    }
    l->key = loaded_key;
    l->next = cache;
    cache = l;
    if (EVP_PKEY_up_ref(loaded_key) == 1)
        key = loaded_key;
cleanup:
    probe_close(&p);
    key_spec_free(&k);
    pthread_mutex_unlock(&cache_lock);
    return key;
}
