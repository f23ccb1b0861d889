/* SPDX-License-Identifier: Apache-2.0 */
/* Device verification (wire contract section 7): after a bundle is stored, decide whether the
 * device can really connect. Walks the stored items through the KCM API only (so it runs inside
 * the bundle handler's open transaction and sees its writes), in the contract's order: the first
 * error stops the run, warnings accumulate in fcc->out. Adds, as warnings by default and errors
 * in strict mode, the checks the reference leaves out (chain-link signatures, valid-from order).
 * No heap of its own: one item-sized scratch buffer on the stack; mbedTLS parses certificates. */
#include "fcc_internal.h"
#include "verify.h"

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509_crt.h>
#include "fcc_psa.h"

#include <string.h>

/* Item names (wire contract section 6). */
#define N_CURRENT_TIME "mbed.CurrentTime"
#define N_TIMEZONE "mbed.Timezone"
#define N_UTC_OFFSET "mbed.UTCOffset"
#define N_USE_BOOTSTRAP "mbed.UseBootstrap"
#define N_ENDPOINT "mbed.EndpointName"
#define N_FIRST_TO_CLAIM "mbed.FirstToClaim"
#define N_UPDATE_CERT "mbed.UpdateAuthCert"
#define N_CLASS_ID "mbed.ClassId"
#define N_VENDOR_ID "mbed.VendorId"

#define UUID_SIZE 16
#define CA_ID_SIZE 32

/* The names of one credential set (bootstrap or LwM2M). */
typedef struct cred_set {
    const char *server_ca;
    const char *server_uri;
    const char *device_cert;
    const char *device_key;
} cred_set_t;

static const cred_set_t bootstrap_set = {
    "mbed.BootstrapServerCACert", "mbed.BootstrapServerURI", "mbed.BootstrapDeviceCert",
    "mbed.BootstrapDevicePrivateKey"};
static const cred_set_t lwm2m_set = {"mbed.LwM2MServerCACert", "mbed.LwM2MServerURI",
                                     "mbed.LwM2MDeviceCert", "mbed.LwM2MDevicePrivateKey"};

static const char *const meta_items[] = {"mbed.Manufacturer",    "mbed.ModelNumber",
                                         "mbed.DeviceType",      "mbed.HardwareVersion",
                                         "mbed.MemoryTotalKB",   "mbed.SerialNumber"};

typedef struct vctx {
    fcc_t *fcc;
    kcm_t *kcm;
    bool strict;
    int64_t now;
    bool bootstrap;
    const cred_set_t *cur;
    const cred_set_t *other;
    size_t len;                         /* bytes of the last item read into buf */
    uint8_t buf[FCC_ITEM_VALUE_MAX];    /* scratch: one item at a time */
} vctx_t;

/* ---- output helpers ---- */

static int fail(vctx_t *v, int code, const char *item)
{
    return fcc_out_status(v->fcc, code, item, strlen(item));
}

static void warn(vctx_t *v, int code, const char *prefix, const char *item)
{
    fcc_out_warning(v->fcc, code, prefix, item, strlen(item));
}

/* A check the reference leaves out: an error in strict mode, a warning with the same code and
 * message otherwise. Returns the run status (0 when only warned). */
static int added_check(vctx_t *v, int code, const char *item)
{
    if (v->strict)
        return fail(v, code, item);
    warn(v, code, fcc_status_prefix(code), item);
    return 0;
}

/* A KCM failure other than "not found" while reading `item`. */
static int fail_kcm(vctx_t *v, kcm_status_t ks, const char *item)
{
    return fcc_out_error(v->fcc, (int)kcm_to_fcc_status(ks), kcm_status_message(ks), item,
                         strlen(item));
}

/* ---- KCM reading helpers ---- */

static kcm_status_t item_size(vctx_t *v, const char *name, kcm_item_type_t type, size_t *size)
{
    return kcm_item_get_size(v->kcm, (const uint8_t *)name, strlen(name), type, size);
}

static bool item_exists(vctx_t *v, const char *name, kcm_item_type_t type)
{
    size_t size = 0;
    return item_size(v, name, type, &size) == KCM_OK;
}

/* Reads an item into v->buf / v->len. */
static kcm_status_t item_read(vctx_t *v, const char *name, kcm_item_type_t type)
{
    v->len = 0;
    return kcm_item_get_data(v->kcm, (const uint8_t *)name, strlen(name), type, v->buf,
                             sizeof(v->buf), &v->len);
}

/* A required item, read into v->buf (`read`) or only sized (its size in v->len): missing is 25,
 * another KCM failure its own status, empty 26 when `nonempty`. Returns 0 or the run status. */
static int need_item(vctx_t *v, const char *name, kcm_item_type_t type, bool read, bool nonempty)
{
    kcm_status_t ks = read ? item_read(v, name, type) : item_size(v, name, type, &v->len);

    if (ks == KCM_ERR_NOT_FOUND)
        return fail(v, FCC_STATUS_ITEM_NOT_EXIST, name);
    if (ks != KCM_OK)
        return fail_kcm(v, ks, name);
    if (nonempty && v->len == 0)
        return fail(v, FCC_STATUS_EMPTY_ITEM, name);
    return 0;
}

/* Warns "Item redundant:" when the other set's item is stored. */
static void check_redundant(vctx_t *v, const char *name, kcm_item_type_t type)
{
    if (item_exists(v, name, type))
        warn(v, 0, FCC_WARN_ITEM_REDUNDANT, name);
}

/* ---- step 1: time ---- */

static int check_time(vctx_t *v)
{
    kcm_status_t ks;
    size_t size = 0;

    if (v->now == 0)
        warn(v, 0, FCC_WARN_ITEM_NOT_SET, N_CURRENT_TIME);

    ks = item_size(v, N_TIMEZONE, KCM_CONFIG, &size);
    if (ks == KCM_ERR_NOT_FOUND || (ks == KCM_OK && size == 0))
        warn(v, 0, FCC_WARN_ITEM_NOT_SET, N_TIMEZONE);
    else if (ks != KCM_OK)
        return fail_kcm(v, ks, N_TIMEZONE);

    ks = item_read(v, N_UTC_OFFSET, KCM_CONFIG);
    if (ks == KCM_ERR_NOT_FOUND || (ks == KCM_OK && v->len == 0)) {
        warn(v, 0, FCC_WARN_ITEM_NOT_SET, N_UTC_OFFSET);
        return 0;
    }
    if (ks != KCM_OK)
        return fail_kcm(v, ks, N_UTC_OFFSET);
    if (!fcc_utc_offset_ok(v->buf, v->len, v->strict))
        return fail(v, FCC_STATUS_UTC_OFFSET_WRONG_FORMAT, N_UTC_OFFSET);
    return 0;
}

/* ---- step 2: bootstrap flag ---- */

static int check_bootstrap(vctx_t *v)
{
    uint32_t flag;
    kcm_status_t ks = item_read(v, N_USE_BOOTSTRAP, KCM_CONFIG);

    if (ks == KCM_ERR_NOT_FOUND)
        return fail(v, FCC_STATUS_ITEM_NOT_EXIST, N_USE_BOOTSTRAP);
    if (ks == KCM_ERR_INSUFFICIENT_BUFFER)
        return fail(v, FCC_STATUS_WRONG_ITEM_DATA_SIZE, N_USE_BOOTSTRAP);
    if (ks != KCM_OK)
        return fail_kcm(v, ks, N_USE_BOOTSTRAP);
    if (v->len != sizeof(flag))
        return fail(v, FCC_STATUS_WRONG_ITEM_DATA_SIZE, N_USE_BOOTSTRAP);
    memcpy(&flag, v->buf, sizeof(flag));
    if (flag != 0 && flag != 1)
        return fail(v, FCC_STATUS_BOOTSTRAP_MODE_ERROR, N_USE_BOOTSTRAP);
    if (flag == 0)
        warn(v, 0, FCC_WARN_BOOTSTRAP_MODE_NOT_ACTIVATED, N_USE_BOOTSTRAP);
    v->bootstrap = flag == 1;
    v->cur = v->bootstrap ? &bootstrap_set : &lwm2m_set;
    v->other = v->bootstrap ? &lwm2m_set : &bootstrap_set;
    return 0;
}

/* ---- steps 3 and 4: endpoint name and device meta-data ---- */

static int check_endpoint(vctx_t *v)
{
    return need_item(v, N_ENDPOINT, KCM_CONFIG, false, true);
}

static int check_meta(vctx_t *v)
{
    for (size_t i = 0; i < sizeof(meta_items) / sizeof(meta_items[0]); i++) {
        int st = need_item(v, meta_items[i], KCM_CONFIG, false, false);
        if (st != 0)
            return st;
    }
    return 0;
}

/* ---- step 5: server CA certificate ---- */

static int check_server_ca(vctx_t *v)
{
    const char *name = v->cur->server_ca;
    uint8_t id[CA_ID_SIZE], stored[64];
    size_t stored_len = 0;
    kcm_status_t ks;
    int st = need_item(v, name, KCM_CERTIFICATE, true, true);

    if (st != 0)
        return st;
    check_redundant(v, v->other->server_ca, KCM_CERTIFICATE);
    if (!v->bootstrap)
        return 0;
    if (fcc_ca_identifier(v->buf, v->len, id) != 0)
        return fail(v, FCC_STATUS_INVALID_CERTIFICATE, name);
    ks = kcm_internal_get(v->kcm, KCM_INTERNAL_BOOTSTRAP_CA_ID, stored, sizeof(stored),
                          &stored_len);
    if (ks != KCM_OK || stored_len != sizeof(id) || memcmp(stored, id, sizeof(id)) != 0)
        warn(v, 0, FCC_WARN_CA_ID_NOT_SET, name);
    return 0;
}

/* ---- step 6: server URI and first-to-claim ---- */

static int check_uri(vctx_t *v)
{
    const char *name = v->cur->server_uri;
    const uint8_t *aid = NULL;
    size_t aid_len = 0;
    bool ftc = false;
    int has_aid;
    uint32_t flag;
    kcm_status_t ks;
    int st = need_item(v, name, KCM_CONFIG, true, true);

    if (st != 0)
        return st;
    check_redundant(v, v->other->server_uri, KCM_CONFIG);
    if (!fcc_uri_scheme_ok(v->buf, v->len))
        return fail(v, FCC_STATUS_URI_WRONG_FORMAT, name);
    /* A URI that can never connect (bad port, IPv6 literal, userinfo, empty host): the
     * reference takes it, so a warning by default, 28 in strict mode. */
    if (!fcc_uri_authority_ok(v->buf, v->len)) {
        st = added_check(v, FCC_STATUS_URI_WRONG_FORMAT, name);
        if (st != 0)
            return st;
    }
    has_aid = fcc_uri_query_param(v->buf, v->len, "aid", &aid, &aid_len);
    /* The contract looks for an `aid=` parameter: a bare `aid` key (no '=') is not one. */
    if (has_aid == 1 && !(aid > v->buf && aid[-1] == '='))
        has_aid = 0;

    /* The URI stays in v->buf until here: read the flag into its own word. Its size is
     * checked before any first-to-claim or aid rule (contract order). */
    {
        size_t got = 0;
        ks = kcm_item_get_data(v->kcm, (const uint8_t *)N_FIRST_TO_CLAIM,
                               strlen(N_FIRST_TO_CLAIM), KCM_CONFIG, (uint8_t *)&flag,
                               sizeof(flag), &got);
        if (ks == KCM_OK && got != sizeof(flag))
            return fail(v, FCC_STATUS_WRONG_ITEM_DATA_SIZE, N_FIRST_TO_CLAIM);
        if (ks == KCM_ERR_INSUFFICIENT_BUFFER)
            return fail(v, FCC_STATUS_WRONG_ITEM_DATA_SIZE, N_FIRST_TO_CLAIM);
        if (ks != KCM_OK && ks != KCM_ERR_NOT_FOUND)
            return fail_kcm(v, ks, N_FIRST_TO_CLAIM);
        ftc = ks == KCM_OK && flag == 1;
    }

    if (ftc) {
        if (!v->bootstrap)
            return fail(v, FCC_STATUS_FIRST_TO_CLAIM_NOT_ALLOWED, N_FIRST_TO_CLAIM);
        if (has_aid != 0) /* one or several `aid=`, even empty */
            return fail(v, FCC_STATUS_FIRST_TO_CLAIM_NOT_ALLOWED, name);
        return 0;
    }
    if (has_aid == 0)
        return fail(v, FCC_STATUS_URI_WRONG_FORMAT, name);
    /* The URI carries `?aid=` or `&aid=`, which is all the contract (and the reference) asks;
     * an empty or repeated aid is our addition. In LwM2M mode the OU comparison of step 7
     * refuses both (28 on the URI, as the reference), so only bootstrap mode checks here. */
    if (v->bootstrap && (has_aid < 0 || aid_len == 0))
        return added_check(v, FCC_STATUS_URI_WRONG_FORMAT, name);
    return 0;
}

/* ---- steps 7 and 8: certificates ---- */

/* The date checks of one certificate of a chain named `name`. */
static int check_dates(vctx_t *v, const mbedtls_x509_crt *crt, const char *name)
{
    unsigned d = fcc_cert_dates(crt, v->now);

    if (d & FCC_DATE_TIME_UNKNOWN) {
        warn(v, 0, FCC_WARN_VALIDITY_UNCHECKED, name);
        return 0;
    }
    if (d & FCC_DATE_EXPIRED)
        return fail(v, FCC_STATUS_EXPIRED_CERTIFICATE, name);
    if (d & FCC_DATE_NOT_YET_VALID) {
        if (v->strict)
            return fail(v, FCC_STATUS_INVALID_CERTIFICATE, name);
        warn(v, 0, FCC_WARN_VALIDITY_UNCHECKED, name);
    }
    if (d & FCC_DATE_LESS_10Y)
        warn(v, 0, FCC_WARN_VALIDITY_LESS_10Y, name);
    return 0;
}

/* The link checks between certificate i-1 (`child`) and i (`parent`) of a stored chain: the
 * signature, the path rules a server applies during the handshake (the parent may issue
 * certificates: a CA with keyCertSign; its path-length constraint holds), and the valid-from
 * order ("not later than": the same second is in order). */
static int check_link(vctx_t *v, const mbedtls_x509_crt *child, const mbedtls_x509_crt *parent,
                      size_t i, const char *name)
{
    int st;
    /* A link KCM verified when it stored the chain in this bundle's transaction is the same
     * bytes and the same check: not verified twice (docs/verify.md). */
    if (!kcm_chain_link_verified(v->kcm, child->raw.p, child->raw.len, parent->raw.p,
                                 parent->raw.len) &&
        fcc_cert_signed_by(child, parent) != 0) {
        st = added_check(v, FCC_STATUS_INVALID_CA_CERT_SIGNATURE, name);
        if (st != 0)
            return st;
    }
    if (!fcc_cert_may_sign_certs(parent)) {
        st = added_check(v, FCC_STATUS_INVALID_CA_CERT_SIGNATURE, name);
        if (st != 0)
            return st;
    }
    if (!fcc_cert_pathlen_ok(parent, i)) {
        st = added_check(v, FCC_STATUS_INVALID_CA_CERT_SIGNATURE, name);
        if (st != 0)
            return st;
    }
    if (fcc_x509_time_to_epoch(&child->valid_from) < fcc_x509_time_to_epoch(&parent->valid_from))
        return added_check(v, FCC_STATUS_INVALID_CERTIFICATE, name);
    return 0;
}

/* Reads the next certificate of an open chain into v->buf and parses it into `crt` (which is
 * freed and re-initialised first). Returns 0 or the run status. */
static int chain_next(vctx_t *v, kcm_chain_t *chain, mbedtls_x509_crt *crt, const char *name)
{
    kcm_status_t ks;
    mbedtls_x509_crt_free(crt);
    mbedtls_x509_crt_init(crt);
    ks = kcm_chain_get_next_data(chain, v->buf, sizeof(v->buf), &v->len);
    if (ks != KCM_OK)
        return fail_kcm(v, ks, name);
    if (mbedtls_x509_crt_parse_der(crt, v->buf, v->len) != 0)
        return fail(v, FCC_STATUS_INVALID_CERTIFICATE, name);
    /* Bytes after the DER (only in a store KCM did not write: it refuses them): the store's
     * status and text. */
    if (crt->raw.len != v->len)
        return fail_kcm(v, KCM_ERR_CERT_PARSE, name);
    return 0;
}

/* Date and link checks of certificates 1..chain_len-1 of an open chain whose certificate 0 is
 * already parsed in crt[0]. */
static int check_chain_rest(vctx_t *v, kcm_chain_t *chain, size_t chain_len,
                            mbedtls_x509_crt crt[2], const char *name)
{
    int st = 0;
    for (size_t i = 1; i < chain_len && st == 0; i++) {
        mbedtls_x509_crt *child = &crt[(i - 1) & 1u], *parent = &crt[i & 1u];
        st = chain_next(v, chain, parent, name);
        if (st == 0)
            st = check_dates(v, parent, name);
        if (st == 0)
            st = check_link(v, child, parent, i, name);
    }
    return st;
}

/* The subject OU of the LwM2M leaf must equal the aid of the LwM2M server URI. */
static int check_ou(vctx_t *v, const mbedtls_x509_crt *leaf)
{
    const char *uri_name = v->cur->server_uri;
    const uint8_t *ou = NULL, *aid = NULL;
    size_t ou_len = 0, aid_len = 0;
    int st = need_item(v, uri_name, KCM_CONFIG, true, false);

    if (st != 0)
        return st;
    if (fcc_uri_query_param(v->buf, v->len, "aid", &aid, &aid_len) != 1 || aid_len == 0)
        return fail(v, FCC_STATUS_URI_WRONG_FORMAT, uri_name);
    if (fcc_cert_subject_attr(leaf, MBEDTLS_OID_AT_ORG_UNIT,
                              MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORG_UNIT), &ou, &ou_len) != 0)
        return fail(v, FCC_STATUS_INVALID_CERT_ATTRIBUTE, v->cur->device_cert);
    if (ou_len != aid_len || memcmp(ou, aid, aid_len) != 0)
        return fail(v, FCC_STATUS_INVALID_LWM2M_CN_ATTR, v->cur->device_cert);
    return 0;
}

/* Checks of the leaf certificate itself, in the contract's order, after the key match. */
static int check_leaf(vctx_t *v, const mbedtls_x509_crt *leaf)
{
    const char *name = v->cur->device_cert;
    const uint8_t *cn = NULL;
    size_t cn_len = 0;
    kcm_status_t ks;
    int st;

    switch (fcc_cert_eku(leaf)) {
    case FCC_EKU_CLIENT_AUTH:
        break;
    case FCC_EKU_OTHER:
        return fail(v, FCC_STATUS_INVALID_CERTIFICATE, name);
    case FCC_EKU_ABSENT:
    case FCC_EKU_ANY:
    default:
        if (v->strict)
            return fail(v, FCC_STATUS_INVALID_CERTIFICATE, name);
        break;
    }

    if (fcc_cert_subject_attr(leaf, MBEDTLS_OID_AT_CN, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_CN), &cn,
                              &cn_len) != 0)
        return fail(v, FCC_STATUS_INVALID_CERT_ATTRIBUTE, name);
    ks = item_read(v, N_ENDPOINT, KCM_CONFIG);
    if (ks != KCM_OK)
        return fail_kcm(v, ks, N_ENDPOINT);
    if (cn_len != v->len || memcmp(cn, v->buf, cn_len) != 0)
        return fail(v, FCC_STATUS_INVALID_LWM2M_CN_ATTR, name);

    if (!v->bootstrap) {
        st = check_ou(v, leaf);
        if (st != 0)
            return st;
    }
    /* A device certificate that is a CA: a server refuses it as a client certificate. */
    if (fcc_cert_is_ca(leaf)) {
        st = added_check(v, FCC_STATUS_INVALID_CERTIFICATE, name);
        if (st != 0)
            return st;
    }
    if (fcc_cert_self_signed(leaf))
        warn(v, 0, FCC_WARN_SELF_SIGNED, name);
    return 0;
}

static int check_device_credentials(vctx_t *v)
{
    const char *key_name = v->cur->device_key, *cert_name = v->cur->device_cert;
    mbedtls_pk_context key;
    mbedtls_x509_crt crt[2];
    kcm_chain_t chain;
    bool chain_open = false;
    size_t chain_len = 0;
    kcm_status_t ks;
    int st = FCC_STATUS_ERROR;
    psa_key_id_t ref = PSA_KEY_ID_NULL; /* an opaque device key (FCC_OPAQUE_CSR_KEYS) */

    mbedtls_pk_init(&key);
    mbedtls_x509_crt_init(&crt[0]);
    mbedtls_x509_crt_init(&crt[1]);

    st = need_item(v, key_name, KCM_PRIVATE_KEY, true, false);
    if (st != 0)
        goto cleanup;
    if (fcc_pk_from_key_item(&key, v->buf, v->len, &ref) != 0) {
        st = fail(v, FCC_STATUS_KCM_CRYPTO_ERROR, key_name);
        goto cleanup;
    }
    mbedtls_platform_zeroize(v->buf, v->len);
    check_redundant(v, v->other->device_key, KCM_PRIVATE_KEY);

    ks = kcm_chain_open(v->kcm, &chain, (const uint8_t *)cert_name, strlen(cert_name),
                        &chain_len);
    if (ks == KCM_ERR_NOT_FOUND) {
        st = fail(v, FCC_STATUS_ITEM_NOT_EXIST, cert_name);
        goto cleanup;
    }
    if (ks != KCM_OK) {
        st = fail_kcm(v, ks, cert_name);
        goto cleanup;
    }
    chain_open = true;
    st = chain_next(v, &chain, &crt[0], cert_name);
    if (st != 0)
        goto cleanup;
    /* A leaf of another key type or curve (P-384, RSA) cannot match the P-256 key KCM
     * stores: 34, as the contract says for any leaf key that does not match. */
    if (fcc_cert_matches_key(&crt[0], &key) != 0) {
        st = fail(v, FCC_STATUS_CERT_PUBLIC_KEY_CORRELATION_ERROR, cert_name);
        goto cleanup;
    }
    /* Our addition, an error in both modes, reached only by a matching key of another type
     * (which KCM refuses at store time): the device authenticates with EC P-256 only. */
    if (!fcc_cert_key_is_p256(&crt[0])) {
        st = fail(v, FCC_STATUS_INVALID_CERTIFICATE, cert_name);
        goto cleanup;
    }
    check_redundant(v, v->other->device_cert, KCM_CERTIFICATE);
    st = check_leaf(v, &crt[0]);
    if (st == 0)
        st = check_dates(v, &crt[0], cert_name);
    if (st == 0)
        st = check_chain_rest(v, &chain, chain_len, crt, cert_name);
cleanup:
    if (chain_open)
        (void)kcm_chain_close(&chain);
    mbedtls_platform_zeroize(v->buf, sizeof(v->buf));
    mbedtls_pk_free(&key);
    if (ref != PSA_KEY_ID_NULL)
        (void)psa_purge_key(ref);
    mbedtls_x509_crt_free(&crt[0]);
    mbedtls_x509_crt_free(&crt[1]);
    return st;
}

static int check_update_cert(vctx_t *v)
{
    mbedtls_x509_crt crt[2];
    kcm_chain_t chain;
    size_t chain_len = 0;
    int st;
    kcm_status_t ks = kcm_chain_open(v->kcm, &chain, (const uint8_t *)N_UPDATE_CERT,
                                     strlen(N_UPDATE_CERT), &chain_len);

    if (ks == KCM_ERR_NOT_FOUND) {
        warn(v, 0, FCC_WARN_ITEM_NOT_SET, N_UPDATE_CERT);
        return 0;
    }
    if (ks != KCM_OK)
        return fail_kcm(v, ks, N_UPDATE_CERT);
    mbedtls_x509_crt_init(&crt[0]);
    mbedtls_x509_crt_init(&crt[1]);
    st = chain_len == 0 ? 0 : chain_next(v, &chain, &crt[0], N_UPDATE_CERT);
    if (st == 0 && chain_len > 0)
        st = check_dates(v, &crt[0], N_UPDATE_CERT);
    if (st == 0)
        st = check_chain_rest(v, &chain, chain_len, crt, N_UPDATE_CERT);
    (void)kcm_chain_close(&chain);
    mbedtls_x509_crt_free(&crt[0]);
    mbedtls_x509_crt_free(&crt[1]);
    return st;
}

static int check_uuid(vctx_t *v, const char *name)
{
    size_t size = 0;
    kcm_status_t ks = item_size(v, name, KCM_CONFIG, &size);

    if (ks == KCM_ERR_NOT_FOUND) {
        warn(v, 0, FCC_WARN_ITEM_NOT_SET, name);
        return 0;
    }
    if (ks != KCM_OK)
        return fail_kcm(v, ks, name);
    if (size != UUID_SIZE)
        return fail(v, FCC_STATUS_WRONG_ITEM_DATA_SIZE, name);
    return 0;
}

int fcc_verify_run(fcc_t *fcc)
{
    /* The scratch buffer is item-sized; static storage would make the run non-reentrant. */
    vctx_t v;
    int st = FCC_STATUS_ERROR;

    if (fcc == NULL)
        return FCC_STATUS_INVALID_PARAMETER;
    if (fcc->kcm == NULL)
        return fcc_out_status(fcc, FCC_STATUS_NOT_INITIALIZED, NULL, 0);
    memset(&v, 0, sizeof(v));
    v.fcc = fcc;
    v.kcm = fcc->kcm;
    v.strict = fcc->opts.strict;
    v.now = fcc->port.time_get != NULL ? fcc->port.time_get(fcc->port.ctx) : 0;
    if (v.now < 0)
        v.now = 0;

    st = check_time(&v);
    if (st == 0)
        st = check_bootstrap(&v);
    if (st == 0)
        st = check_endpoint(&v);
    if (st == 0)
        st = check_meta(&v);
    if (st == 0)
        st = check_server_ca(&v);
    if (st == 0)
        st = check_uri(&v);
    if (st == 0)
        st = check_device_credentials(&v);
    if (st == 0)
        st = check_update_cert(&v);
    if (st == 0)
        st = check_uuid(&v, N_CLASS_ID);
    if (st == 0)
        st = check_uuid(&v, N_VENDOR_ID);

    mbedtls_platform_zeroize(v.buf, sizeof(v.buf));
    return st;
}

fcc_status_t fcc_verify_device_configured_4mbed_cloud(fcc_t *fcc)
{
    if (fcc == NULL)
        return FCC_STATUS_INVALID_PARAMETER;
    fcc_out_reset(fcc);
    if (!fcc->initialized || fcc->kcm == NULL)
        return (fcc_status_t)fcc_out_status(fcc, FCC_STATUS_NOT_INITIALIZED, NULL, 0);
    return (fcc_status_t)fcc_verify_run(fcc);
}
