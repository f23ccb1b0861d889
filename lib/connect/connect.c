/* SPDX-License-Identifier: Apache-2.0 */
/* The connect check (fcc/connect.h): loads the current mode's credentials from KCM, runs a DTLS
 * 1.2 client handshake with mbedTLS over the port's datagram transport, sends one CoAP request
 * and classifies the outcome into a status with a reason a factory operator can act on. The
 * reason for a refused handshake comes from the records themselves: the transport callbacks
 * read the clear-text record headers (epoch 0) to learn whether the server asked for our
 * certificate and which fatal alert it sent, so no private mbedTLS field is touched. */
#include "fcc/connect.h"

#include "coap.h"

#include "fcc_psa.h"

#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define N_USE_BOOTSTRAP "mbed.UseBootstrap"
#define N_ENDPOINT "mbed.EndpointName"

/* DTLS datagram size we send: the IPv6 minimum MTU less the IPv6 and UDP headers, so that a
 * device chain crosses any path as handshake fragments rather than IP fragments. */
#define DTLS_MTU 1232u
/* CoAP retransmission (RFC 7252 4.8): first wait 2 s, doubled, at most 4 retransmissions. */
#define COAP_ACK_TIMEOUT_MS 2000u
#define COAP_MAX_RETRANSMIT 4u
/* Room for the request at the start of c->buf; the answer goes after it. */
#define COAP_REQ_ROOM 512u

/* TLS record and handshake numbers the record reader looks at (RFC 5246, 6347). */
#define REC_ALERT 21u
#define REC_HANDSHAKE 22u
#define REC_HEADER 13u
#define HS_HEADER 12u
#define HS_CERTIFICATE 11u
#define ALERT_FATAL 2u

/* The check's state, in the caller's fcc_connect_t (whose layout the header keeps private). */
typedef struct conn {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt own;
    mbedtls_x509_crt ca;
    mbedtls_pk_context key;
    const fcc_connect_io_t *io;
    const fcc_port_t *port;
    fcc_connect_result_t *res;
    uint64_t deadline;  /* io->now_ms() limit of the current phase */
    uint64_t timer_start;
    uint32_t timer_int, timer_fin;
    int io_error;       /* last transport failure other than a timeout, 0: none */
    bool got_datagram;
    uint8_t buf[FCC_ITEM_VALUE_MAX]; /* one item at a time, then the CoAP messages */
} conn_t;

/* FCC_CONNECT_WORK_SIZE must hold conn_t for this mbedTLS configuration and word size. */
_Static_assert(sizeof(conn_t) <= sizeof(((fcc_connect_t *)0)->priv.bytes),
               "FCC_CONNECT_WORK_SIZE (fcc/connect.h) is too small for this mbedTLS configuration");
_Static_assert(_Alignof(conn_t) <= _Alignof(max_align_t), "conn_t alignment");

typedef struct cred_names {
    const char *server_ca;
    const char *server_uri;
    const char *device_cert;
    const char *device_key;
} cred_names_t;

static const cred_names_t bootstrap_names = {
    "mbed.BootstrapServerCACert", "mbed.BootstrapServerURI", "mbed.BootstrapDeviceCert",
    "mbed.BootstrapDevicePrivateKey"};
static const cred_names_t lwm2m_names = {"mbed.LwM2MServerCACert", "mbed.LwM2MServerURI",
                                         "mbed.LwM2MDeviceCert", "mbed.LwM2MDevicePrivateKey"};

/* The LwM2M certificate-mode suites, CCM_8 first (LwM2M 1.x mandatory), then GCM. */
static const int suites[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
                             MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, 0};

const char *fcc_connect_status_name(fcc_connect_status_t st)
{
    switch (st) {
    case FCC_CONNECT_OK: return "ok";
    case FCC_CONNECT_OK_NO_COAP_RESPONSE: return "ok-no-coap-response";
    case FCC_CONNECT_ERR_PARAMETER: return "invalid-parameter";
    case FCC_CONNECT_ERR_NOT_PROVISIONED: return "not-provisioned";
    case FCC_CONNECT_ERR_CREDENTIALS: return "credentials-unusable";
    case FCC_CONNECT_ERR_URI: return "uri-invalid";
    case FCC_CONNECT_ERR_RESOLVE: return "name-resolution-failed";
    case FCC_CONNECT_ERR_NETWORK: return "network-error";
    case FCC_CONNECT_ERR_TIMEOUT: return "timeout";
    case FCC_CONNECT_ERR_SERVER_CERT: return "server-certificate-untrusted";
    case FCC_CONNECT_ERR_CLIENT_CERT: return "client-certificate-refused";
    case FCC_CONNECT_ERR_CLIENT_CERT_NOT_ASKED: return "client-certificate-not-requested";
    case FCC_CONNECT_ERR_HANDSHAKE: return "handshake-failed";
    case FCC_CONNECT_ERR_INTERNAL: return "internal-error";
    }
    return "unknown";
}

static const char *alert_name(int a)
{
    switch (a) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 90: return "user_canceled";
    case 116: return "certificate_required";
    default: return "unknown alert";
    }
}

/* printf-style checking of finish()'s arguments where the compiler offers it. */
#if defined(__GNUC__)
#define FCC_CONNECT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FCC_CONNECT_PRINTF(f, a)
#endif

static fcc_connect_status_t finish(fcc_connect_result_t *res, fcc_connect_status_t st,
                                   const char *fmt, ...) FCC_CONNECT_PRINTF(3, 4);

static fcc_connect_status_t finish(fcc_connect_result_t *res, fcc_connect_status_t st,
                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
    va_end(ap);
    res->status = st;
    return st;
}

/* Copies n bytes into a terminated string of `size`; false when they do not fit. */
static bool copy_str(char *dst, size_t size, const void *src, size_t n)
{
    if (n >= size)
        return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

/* ---- URI ---- */

int fcc_connect_parse_uri(const uint8_t *uri, size_t len, char *host, size_t host_size,
                          uint16_t *port, char *why, size_t why_size)
{
    static const char scheme[] = "coaps://";
    size_t i = sizeof(scheme) - 1, hs, he;
    unsigned long p = FCC_CONNECT_COAPS_PORT;

    if (uri == NULL || host == NULL || port == NULL || why == NULL || why_size == 0)
        return -1;
    why[0] = '\0';
    if (len < i || memcmp(uri, scheme, i) != 0) {
        snprintf(why, why_size, "%s",
                 len >= 7 && memcmp(uri, "coap://", 7) == 0
                     ? "a coap:// URI has no DTLS: the check needs coaps://"
                     : "the URI does not start with coaps://");
        return -1;
    }
    if (i < len && uri[i] == '[') {
        hs = ++i;
        while (i < len && uri[i] != ']')
            i++;
        if (i >= len) {
            snprintf(why, why_size, "the IPv6 address has no closing ']'");
            return -1;
        }
        he = i++;
    } else {
        hs = i;
        while (i < len && uri[i] != ':' && uri[i] != '/' && uri[i] != '?' && uri[i] != '#')
            i++;
        he = i;
    }
    if (he == hs) {
        snprintf(why, why_size, "the URI has no host");
        return -1;
    }
    for (size_t k = hs; k < he; k++) {
        if (uri[k] <= 0x20 || uri[k] >= 0x7f) {
            snprintf(why, why_size, "the host contains a space, control or non-ASCII byte");
            return -1;
        }
    }
    if (i < len && uri[i] == ':') {
        size_t ds = ++i;
        p = 0;
        while (i < len && uri[i] >= '0' && uri[i] <= '9') {
            p = p * 10 + (unsigned long)(uri[i] - '0');
            if (p > 65535)
                break;
            i++;
        }
        if (i == ds || p == 0 || p > 65535) {
            snprintf(why, why_size, "the port is not a number in 1..65535");
            return -1;
        }
    }
    if (i < len && uri[i] != '/' && uri[i] != '?' && uri[i] != '#') {
        snprintf(why, why_size, "unexpected character after the host and port");
        return -1;
    }
    if (!copy_str(host, host_size, uri + hs, he - hs)) {
        snprintf(why, why_size, "the host is longer than %zu bytes", host_size - 1);
        return -1;
    }
    *port = (uint16_t)p;
    return 0;
}

/* ---- transport callbacks of mbedTLS ---- */

/* Notes what the clear-text (epoch 0) records of a datagram say: our Certificate message going
 * out (the server asked for it), a fatal alert coming in. Encrypted records are skipped. */
static void read_records(conn_t *c, const uint8_t *p, size_t n, bool outgoing)
{
    while (n >= REC_HEADER) {
        unsigned type = p[0], epoch = (unsigned)(p[3] << 8 | p[4]);
        size_t rlen = (size_t)(p[11] << 8 | p[12]);
        const uint8_t *body = p + REC_HEADER;
        if (rlen > n - REC_HEADER)
            return;
        if (epoch == 0 && type == REC_ALERT && !outgoing && rlen >= 2 && body[0] == ALERT_FATAL)
            c->res->alert = body[1];
        if (epoch == 0 && type == REC_HANDSHAKE && outgoing) {
            size_t off = 0;
            while (rlen - off >= HS_HEADER) {
                size_t flen = (size_t)body[off + 9] << 16 | (size_t)body[off + 10] << 8 |
                              body[off + 11];
                if (body[off] == HS_CERTIFICATE)
                    c->res->client_cert_sent = true;
                if (flen > rlen - off - HS_HEADER)
                    break;
                off += HS_HEADER + flen;
            }
        }
        p += REC_HEADER + rlen;
        n -= REC_HEADER + rlen;
    }
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    conn_t *c = ctx;
    read_records(c, buf, len, true);
    int r = c->io->send(c->io->ctx, buf, len);
    if (r < 0) {
        c->io_error = r;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    return r;
}

/* Waits for a datagram at most `timeout` ms (mbedTLS's retransmission timer; 0: no limit of its
 * own) and never past c->deadline. */
static int bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t timeout)
{
    conn_t *c = ctx;
    uint64_t now = c->io->now_ms(c->io->ctx);
    uint64_t wait;
    int r;

    if (now >= c->deadline)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    wait = c->deadline - now;
    if (timeout != 0 && timeout < wait)
        wait = timeout;
    r = c->io->recv(c->io->ctx, buf, len, (uint32_t)wait);
    if (r == FCC_CONNECT_IO_TIMEOUT)
        return MBEDTLS_ERR_SSL_TIMEOUT;
    if (r < 0) {
        c->io_error = r;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    c->got_datagram = true;
    read_records(c, buf, (size_t)r, false);
    return r;
}

static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
    conn_t *c = ctx;
    c->timer_start = c->io->now_ms(c->io->ctx);
    c->timer_int = int_ms;
    c->timer_fin = fin_ms;
}

static int timer_get(void *ctx)
{
    conn_t *c = ctx;
    uint64_t el;
    if (c->timer_fin == 0)
        return -1;
    el = c->io->now_ms(c->io->ctx) - c->timer_start;
    if (el >= c->timer_fin)
        return 2;
    return el >= c->timer_int ? 1 : 0;
}

/* The device time as an X.509 time (UTC), from epoch seconds >= 0. */
static mbedtls_x509_time x509_time_of(int64_t t)
{
    mbedtls_x509_time x;
    int64_t days = t / 86400, secs = t % 86400;
    /* Civil date from days since 1970-01-01 (proleptic Gregorian, eras of 400 years). */
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    x.year = (int)(yoe + era * 400 + (m <= 2 ? 1 : 0));
    x.mon = (int)m;
    x.day = (int)d;
    x.hour = (int)(secs / 3600);
    x.min = (int)(secs / 60 % 60);
    x.sec = (int)(secs % 60);
    return x;
}

/* a < b, field by field. */
static bool x509_time_before(const mbedtls_x509_time *a, const mbedtls_x509_time *b)
{
    const int av[] = {a->year, a->mon, a->day, a->hour, a->min, a->sec};
    const int bv[] = {b->year, b->mon, b->day, b->hour, b->min, b->sec};
    for (size_t i = 0; i < sizeof(av) / sizeof(av[0]); i++) {
        if (av[i] != bv[i])
            return av[i] < bv[i];
    }
    return false;
}

/* For each certificate of the server chain: its validity dates against the device clock (the
 * TLS library has no clock of its own), and the subject of the server certificate (depth 0),
 * trusted or not. */
static int on_verify(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    conn_t *c = ctx;
    int64_t now = c->port->time_get != NULL ? c->port->time_get(c->port->ctx) : 0;
    if (now > 0) {
        mbedtls_x509_time t = x509_time_of(now);
        if (x509_time_before(&crt->valid_to, &t))
            *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
        if (x509_time_before(&t, &crt->valid_from))
            *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    }
    if (depth == 0 &&
        mbedtls_x509_dn_gets(c->res->server_subject, sizeof(c->res->server_subject),
                             &crt->subject) < 0)
        c->res->server_subject[0] = '\0';
    return 0;
}

/* ---- loading the credentials ---- */

static fcc_connect_status_t kcm_failure(fcc_connect_result_t *res, kcm_status_t ks,
                                        const char *name)
{
    if (ks == KCM_ERR_NOT_FOUND)
        return finish(res, FCC_CONNECT_ERR_NOT_PROVISIONED, "%s is not stored", name);
    return finish(res, FCC_CONNECT_ERR_NOT_PROVISIONED, "%s cannot be read: %s%s", name,
                  kcm_status_message(ks), name);
}

/* Reads a config or key item into c->buf. */
static fcc_connect_status_t read_item(conn_t *c, kcm_t *kcm, const char *name,
                                      kcm_item_type_t type, size_t *len)
{
    kcm_status_t ks = kcm_item_get_data(kcm, (const uint8_t *)name, strlen(name), type, c->buf,
                                        sizeof(c->buf), len);
    return ks == KCM_OK ? FCC_CONNECT_OK : kcm_failure(c->res, ks, name);
}

/* Parses a stored certificate or chain (leaf first) into crt. */
static fcc_connect_status_t load_chain(conn_t *c, kcm_t *kcm, const char *name,
                                       mbedtls_x509_crt *crt)
{
    kcm_chain_t chain;
    size_t n = 0, len = 0;
    kcm_status_t ks = kcm_chain_open(kcm, &chain, (const uint8_t *)name, strlen(name), &n);
    fcc_connect_status_t st = FCC_CONNECT_OK;

    if (ks != KCM_OK)
        return kcm_failure(c->res, ks, name);
    for (size_t i = 0; i < n && st == FCC_CONNECT_OK; i++) {
        int ret;
        ks = kcm_chain_get_next_data(&chain, c->buf, sizeof(c->buf), &len);
        if (ks != KCM_OK) {
            st = kcm_failure(c->res, ks, name);
            break;
        }
        ret = mbedtls_x509_crt_parse_der(crt, c->buf, len);
        if (ret != 0) {
            c->res->tls_error = ret;
            st = finish(c->res, FCC_CONNECT_ERR_CREDENTIALS,
                        "%s: certificate %zu of %zu does not parse (mbedTLS -0x%04x)", name,
                        i + 1, n, (unsigned)-ret);
        }
    }
    (void)kcm_chain_close(&chain);
    return st;
}

static fcc_connect_status_t load(conn_t *c, kcm_t *kcm,
                                 const fcc_connect_params_t *params, const cred_names_t **names)
{
    fcc_connect_result_t *res = c->res;
    fcc_connect_status_t st;
    uint32_t flag;
    size_t len = 0;
    char why[128];
    int ret;

    if ((st = read_item(c, kcm, N_USE_BOOTSTRAP, KCM_CONFIG, &len)) != FCC_CONNECT_OK)
        return st;
    if (len != sizeof(flag))
        return finish(res, FCC_CONNECT_ERR_NOT_PROVISIONED, "%s is not 4 bytes", N_USE_BOOTSTRAP);
    memcpy(&flag, c->buf, sizeof(flag));
    if (flag > 1)
        return finish(res, FCC_CONNECT_ERR_NOT_PROVISIONED, "%s is neither 0 nor 1",
                      N_USE_BOOTSTRAP);
    res->bootstrap = flag == 1;
    *names = res->bootstrap ? &bootstrap_names : &lwm2m_names;

    if ((st = read_item(c, kcm, N_ENDPOINT, KCM_CONFIG, &len)) != FCC_CONNECT_OK)
        return st;
    if (len == 0 || memchr(c->buf, 0, len) != NULL ||
        !copy_str(res->endpoint, sizeof(res->endpoint), c->buf, len))
        return finish(res, FCC_CONNECT_ERR_NOT_PROVISIONED,
                      "%s is empty, holds a NUL byte or is longer than %d bytes", N_ENDPOINT,
                      FCC_CONNECT_ENDPOINT_MAX);

    if (params != NULL && params->uri != NULL) {
        len = strlen(params->uri);
        if (!copy_str(res->uri, sizeof(res->uri), params->uri, len))
            return finish(res, FCC_CONNECT_ERR_URI, "the URI is longer than %d bytes",
                          FCC_CONNECT_URI_MAX - 1);
    } else {
        if ((st = read_item(c, kcm, (*names)->server_uri, KCM_CONFIG, &len)) != FCC_CONNECT_OK)
            return st;
        if (memchr(c->buf, 0, len) != NULL || !copy_str(res->uri, sizeof(res->uri), c->buf, len))
            return finish(res, FCC_CONNECT_ERR_URI, "%s holds a NUL byte or is longer than %d bytes",
                          (*names)->server_uri, FCC_CONNECT_URI_MAX - 1);
    }
    if (fcc_connect_parse_uri((const uint8_t *)res->uri, strlen(res->uri), res->host,
                              sizeof(res->host), &res->port, why, sizeof(why)) != 0)
        return finish(res, FCC_CONNECT_ERR_URI, "%s: %s",
                      params != NULL && params->uri != NULL ? "--uri" : (*names)->server_uri,
                      why);

    if ((st = load_chain(c, kcm, (*names)->server_ca, &c->ca)) != FCC_CONNECT_OK)
        return st;
    if ((st = load_chain(c, kcm, (*names)->device_cert, &c->own)) != FCC_CONNECT_OK)
        return st;
    if ((st = read_item(c, kcm, (*names)->device_key, KCM_PRIVATE_KEY, &len)) != FCC_CONNECT_OK)
        return st;
    {
        psa_key_id_t id;
        /* An opaque device key (FCC_OPAQUE_CSR_KEYS): the item is a reference to a PSA key
         * that signs without ever leaving PSA. */
        if (fcc_key_ref_parse(c->buf, len, &id)) {
#if defined(MBEDTLS_USE_PSA_CRYPTO)
            ret = fcc_psa_ready() == 0 ? mbedtls_pk_setup_opaque(&c->key, id)
                                       : MBEDTLS_ERR_PK_BAD_INPUT_DATA;
#else
            ret = MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
#endif
        } else {
            ret = mbedtls_pk_parse_key(&c->key, c->buf, len, NULL, 0, fcc_psa_rng,
                                       FCC_PSA_RNG_CTX);
        }
    }
    mbedtls_platform_zeroize(c->buf, len);
    if (ret != 0) {
        res->tls_error = ret;
        return finish(res, FCC_CONNECT_ERR_CREDENTIALS, "%s does not parse (mbedTLS -0x%04x)",
                      (*names)->device_key, (unsigned)-ret);
    }
    return FCC_CONNECT_OK;
}

/* ---- TLS ---- */

static fcc_connect_status_t setup(conn_t *c, uint32_t timeout)
{
    int ret;
    if (fcc_psa_ready() != 0)
        return finish(c->res, FCC_CONNECT_ERR_INTERNAL, "PSA crypto does not initialise");
    ret = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                      MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret == 0) {
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
        mbedtls_ssl_conf_rng(&c->conf, fcc_psa_rng, FCC_PSA_RNG_CTX);
        mbedtls_ssl_conf_ciphersuites(&c->conf, suites);
        mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
        mbedtls_ssl_conf_max_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
        mbedtls_ssl_conf_handshake_timeout(&c->conf, 1000, timeout < 1000 ? 1000 : timeout);
        mbedtls_ssl_conf_verify(&c->conf, on_verify, c);
        ret = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
    }
    if (ret == 0)
        ret = mbedtls_ssl_setup(&c->ssl, &c->conf);
    /* The server is authenticated by the stored CA alone, as an LwM2M client does: no host
     * name check (NULL says so explicitly to mbedTLS 3.6). */
    if (ret == 0)
        ret = mbedtls_ssl_set_hostname(&c->ssl, NULL);
    if (ret != 0) {
        c->res->tls_error = ret;
        return finish(c->res, FCC_CONNECT_ERR_INTERNAL, "TLS set-up failed (mbedTLS -0x%04x)",
                      (unsigned)-ret);
    }
    mbedtls_ssl_set_mtu(&c->ssl, DTLS_MTU);
    mbedtls_ssl_set_bio(&c->ssl, c, bio_send, NULL, bio_recv);
    mbedtls_ssl_set_timer_cb(&c->ssl, c, timer_set, timer_get);
    return FCC_CONNECT_OK;
}

/* What is wrong with the server certificate, from the verification flags. */
static const char *server_cert_problem(uint32_t flags)
{
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return "not issued by the stored server CA";
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        return "expired (device clock)";
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        return "not valid yet (device clock)";
    if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                 MBEDTLS_X509_BADCERT_BAD_KEY))
        return "a key or signature algorithm the device does not accept";
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE))
        return "its key usage does not allow a server";
    return "refused by the certificate verification";
}

static bool is_cert_alert(int a)
{
    return a == 42 || a == 43 || a == 44 || a == 45 || a == 46 || a == 48 || a == 49 ||
           a == 116;
}

static fcc_connect_status_t handshake(conn_t *c, const cred_names_t *names,
                                      uint32_t timeout)
{
    fcc_connect_result_t *res = c->res;
    const mbedtls_ssl_context *ssl = &c->ssl;
    uint32_t flags;
    int ret;

    c->deadline = c->io->now_ms(c->io->ctx) + timeout;
    do {
        ret = mbedtls_ssl_handshake(&c->ssl);
    } while ((ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) &&
             c->io->now_ms(c->io->ctx) < c->deadline);
    flags = mbedtls_ssl_get_verify_result(ssl);
    res->verify_flags = flags == (uint32_t)-1 ? 0 : flags;
    if (ret == 0) {
        const char *cs = mbedtls_ssl_get_ciphersuite(ssl);
        res->handshake_done = true;
        if (cs != NULL)
            (void)copy_str(res->ciphersuite, sizeof(res->ciphersuite), cs, strlen(cs));
        if (!res->client_cert_sent)
            return finish(res, FCC_CONNECT_ERR_CLIENT_CERT_NOT_ASKED,
                          "the server did not ask for the device certificate: %s is not proven",
                          names->device_cert);
        return FCC_CONNECT_OK;
    }
    res->tls_error = ret;
    if (c->io_error == FCC_CONNECT_IO_REFUSED)
        return finish(res, FCC_CONNECT_ERR_NETWORK, "nothing listens at %s (port unreachable)",
                      res->peer);
    if (c->io_error != 0)
        return finish(res, FCC_CONNECT_ERR_NETWORK, "network error talking to %s", res->peer);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || res->verify_flags != 0)
        return finish(res, FCC_CONNECT_ERR_SERVER_CERT,
                      "server certificate not trusted: %s (checked with %s)",
                      server_cert_problem(res->verify_flags), names->server_ca);
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && res->alert >= 0) {
        if (is_cert_alert(res->alert) ||
            (res->client_cert_sent && (res->alert == 40 || res->alert == 47 || res->alert == 51)))
            return finish(res, FCC_CONNECT_ERR_CLIENT_CERT,
                          "our certificate refused by the server: alert %d %s (%s)", res->alert,
                          alert_name(res->alert), names->device_cert);
        return finish(res, FCC_CONNECT_ERR_HANDSHAKE, "the server ended the handshake: alert %d %s%s",
                      res->alert, alert_name(res->alert),
                      res->alert == 40 ? " (no common cipher suite or curve?)" : "");
    }
    if (ret == MBEDTLS_ERR_SSL_TIMEOUT || ret == MBEDTLS_ERR_SSL_WANT_READ ||
        ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        if (!c->got_datagram)
            return finish(res, FCC_CONNECT_ERR_TIMEOUT, "no answer from the server at %s in %u s",
                          res->peer, (unsigned)((timeout + 999) / 1000));
        if (res->client_cert_sent)
            return finish(res, FCC_CONNECT_ERR_TIMEOUT,
                          "the server stopped answering after our certificate (it may have "
                          "refused %s without an alert)",
                          names->device_cert);
        return finish(res, FCC_CONNECT_ERR_TIMEOUT, "the handshake did not complete in %u s",
                      (unsigned)((timeout + 999) / 1000));
    }
    if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED)
        return finish(res, FCC_CONNECT_ERR_INTERNAL, "out of memory in the TLS library");
    return finish(res, FCC_CONNECT_ERR_HANDSHAKE, "handshake failed (mbedTLS -0x%04x)",
                  (unsigned)-ret);
}

/* ---- CoAP ---- */

static fcc_connect_status_t coap_exchange(conn_t *c, const fcc_port_t *port,
                                          uint32_t timeout)
{
    fcc_connect_result_t *res = c->res;
    uint8_t token[FCC_COAP_TOKEN_SIZE], midb[2], ack[4];
    uint8_t *req = c->buf, *ans = c->buf + COAP_REQ_ROOM;
    size_t req_len;
    uint16_t mid;
    uint64_t now = c->io->now_ms(c->io->ctx), end = now + timeout, next_send = now;
    uint32_t rto = COAP_ACK_TIMEOUT_MS;
    unsigned sends = 0;
    bool acked = false;
    const char *why = "no CoAP response";
    fcc_coap_msg_t m;

    if (port->rng(port->ctx, token, sizeof(token)) != 0 || port->rng(port->ctx, midb, 2) != 0)
        return finish(res, FCC_CONNECT_ERR_INTERNAL, "the RNG failed");
    mid = (uint16_t)(midb[0] << 8 | midb[1]);
    req_len = fcc_coap_request(req, COAP_REQ_ROOM, res->bootstrap, (const uint8_t *)res->endpoint,
                               strlen(res->endpoint), mid, token);
    if (req_len == 0)
        return finish(res, FCC_CONNECT_ERR_INTERNAL, "the CoAP request does not fit");
    for (;;) {
        int ret;
        now = c->io->now_ms(c->io->ctx);
        if (now >= end)
            break;
        if (!acked && sends <= COAP_MAX_RETRANSMIT && now >= next_send) {
            ret = mbedtls_ssl_write(&c->ssl, req, req_len);
            if (ret < 0) {
                res->tls_error = ret;
                why = "the request could not be sent";
                break;
            }
            sends++;
            next_send = now + rto;
            rto *= 2;
        }
        c->deadline = (!acked && sends <= COAP_MAX_RETRANSMIT && next_send < end) ? next_send
                                                                                 : end;
        ret = mbedtls_ssl_read(&c->ssl, ans, sizeof(c->buf) - COAP_REQ_ROOM);
        if (ret == MBEDTLS_ERR_SSL_TIMEOUT || ret == MBEDTLS_ERR_SSL_WANT_READ ||
            ret == MBEDTLS_ERR_SSL_WANT_WRITE)
            continue;
        if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            why = "the server closed the session before answering";
            break;
        }
        if (ret < 0) {
            res->tls_error = ret;
            why = c->io_error == FCC_CONNECT_IO_REFUSED ? "the server went away (port unreachable)"
                                                        : "the session failed";
            break;
        }
        if (fcc_coap_parse(ans, (size_t)ret, &m) != 0)
            continue;
        bool ours = m.token_len == sizeof(token) && memcmp(m.token, token, sizeof(token)) == 0;
        if ((m.type == FCC_COAP_TYPE_ACK || m.type == FCC_COAP_TYPE_RST) && m.mid == mid) {
            if (m.type == FCC_COAP_TYPE_RST) {
                why = "the server reset the request (CoAP RST)";
                break;
            }
            if (m.code == 0) {
                acked = true; /* a separate response follows */
                continue;
            }
        } else if (m.type == FCC_COAP_TYPE_CON || m.type == FCC_COAP_TYPE_NON) {
            if (m.type == FCC_COAP_TYPE_CON && ours)
                (void)mbedtls_ssl_write(&c->ssl, ack, fcc_coap_empty_ack(ack, m.mid));
        } else {
            continue;
        }
        if (ours && m.code != 0) {
            res->coap_code = (int)m.code;
            return finish(res, FCC_CONNECT_OK,
                          "handshake succeeded both ways; CoAP POST /%s answered %u.%02u",
                          res->bootstrap ? "bs" : "rd", m.code >> 5, m.code & 31u);
        }
    }
    return finish(res, FCC_CONNECT_OK_NO_COAP_RESPONSE,
                  "handshake succeeded both ways; %s to POST /%s in %u s", why,
                  res->bootstrap ? "bs" : "rd", (unsigned)((timeout + 999) / 1000));
}

/* ---- the check ---- */

fcc_connect_status_t fcc_connect_check(fcc_connect_t *work, kcm_t *kcm, const fcc_port_t *port,
                                       const fcc_connect_io_t *io,
                                       const fcc_connect_params_t *params,
                                       fcc_connect_result_t *res)
{
    const cred_names_t *names = &lwm2m_names;
    uint32_t timeout = params != NULL && params->timeout_ms != 0 ? params->timeout_ms
                                                                 : FCC_CONNECT_TIMEOUT_DEFAULT_MS;
    conn_t *c = work != NULL ? (conn_t *)(void *)work->priv.bytes : NULL;
    fcc_connect_status_t st;
    bool open_called = false;
    int r;

    if (res == NULL)
        return FCC_CONNECT_ERR_PARAMETER;
    memset(res, 0, sizeof(*res));
    res->alert = -1;
    res->coap_code = -1;
    if (c == NULL || kcm == NULL || port == NULL || port->rng == NULL || io == NULL ||
        io->open == NULL || io->send == NULL || io->recv == NULL || io->close == NULL ||
        io->now_ms == NULL)
        return finish(res, FCC_CONNECT_ERR_PARAMETER, "a NULL argument or transport call");

    c->io = io;
    c->port = port;
    c->res = res;
    c->io_error = 0;
    c->got_datagram = false;
    c->timer_fin = 0;
    mbedtls_ssl_init(&c->ssl);
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_x509_crt_init(&c->own);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_pk_init(&c->key);

    st = load(c, kcm, params, &names);
    if (st == FCC_CONNECT_OK)
        st = setup(c, timeout);
    if (st == FCC_CONNECT_OK) {
        r = io->open(io->ctx, res->host, res->port, res->peer, sizeof(res->peer));
        open_called = true;
        if (r == FCC_CONNECT_IO_RESOLVE)
            st = finish(res, FCC_CONNECT_ERR_RESOLVE, "name resolution failed for %s", res->host);
        else if (r != 0)
            st = finish(res, FCC_CONNECT_ERR_NETWORK, "cannot open a datagram socket to %s:%u",
                        res->host, (unsigned)res->port);
    }
    if (st == FCC_CONNECT_OK)
        st = handshake(c, names, timeout);
    if (st == FCC_CONNECT_OK)
        st = coap_exchange(c, port, timeout);
    if (res->handshake_done) {
        c->deadline = io->now_ms(io->ctx) + 1000;
        (void)mbedtls_ssl_close_notify(&c->ssl);
    }
    if (open_called)
        io->close(io->ctx);

    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->own);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_pk_free(&c->key);
    mbedtls_platform_zeroize(c->buf, sizeof(c->buf));
    return st;
}
