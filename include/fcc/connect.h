/* SPDX-License-Identifier: Apache-2.0 */
/* The connect check: an optional device module (lib/connect, library fcc_connect) that proves the
 * provisioned credentials in a real DTLS 1.2 handshake with the server of the current mode, then
 * sends one CoAP request (bootstrap: POST /bs?ep=EP; LwM2M: POST /rd?ep=EP&lwm2m=1.1) and reports
 * its response code. Verification (fcc.h) checks the stored items one by one; only a handshake
 * shows that the server accepts the device chain and that the stored server CA accepts the
 * server. Firmware that does not want it does not link fcc_connect. docs/connect.md has the
 * details; the network comes from the port (fcc/connect_io.h). */
#ifndef FCC_CONNECT_H
#define FCC_CONNECT_H

#include "fcc/config.h"
#include "fcc/connect_io.h"
#include "fcc/fcc.h"
#include "fcc/kcm.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result of a check. 0 and 1: the handshake succeeded both ways (the server asked for and
 * accepted the device chain, the stored server CA accepted the server). */
typedef enum fcc_connect_status {
    FCC_CONNECT_OK = 0,                     /* handshake both ways and a CoAP response */
    FCC_CONNECT_OK_NO_COAP_RESPONSE = 1,    /* handshake both ways, no CoAP response in time */
    FCC_CONNECT_ERR_PARAMETER = 2,          /* a NULL argument or an unusable transport */
    FCC_CONNECT_ERR_NOT_PROVISIONED = 3,    /* an item the check needs is missing or unreadable */
    FCC_CONNECT_ERR_CREDENTIALS = 4,        /* a stored certificate, chain or key is unusable */
    FCC_CONNECT_ERR_URI = 5,                /* the server URI is not coaps://HOST[:PORT]... */
    FCC_CONNECT_ERR_RESOLVE = 6,            /* name resolution failed */
    FCC_CONNECT_ERR_NETWORK = 7,            /* nothing listens there, or a network error */
    FCC_CONNECT_ERR_TIMEOUT = 8,            /* the server did not answer, or stopped answering */
    FCC_CONNECT_ERR_SERVER_CERT = 9,        /* the server certificate is not trusted */
    FCC_CONNECT_ERR_CLIENT_CERT = 10,       /* the server refused our certificate */
    FCC_CONNECT_ERR_CLIENT_CERT_NOT_ASKED = 11, /* the server did not ask for our certificate */
    FCC_CONNECT_ERR_HANDSHAKE = 12,         /* another handshake failure (no common suite...) */
    FCC_CONNECT_ERR_INTERNAL = 13           /* the TLS library failed (memory, RNG...) */
} fcc_connect_status_t;

/* Default time limit of each phase (handshake, CoAP exchange), milliseconds. */
#define FCC_CONNECT_TIMEOUT_DEFAULT_MS 30000u
/* Longest server URI the check takes, bytes. */
#define FCC_CONNECT_URI_MAX 512
/* Largest host part of a URI, bytes with the terminator. */
#define FCC_CONNECT_HOST_MAX 256
/* Longest endpoint name the check sends, bytes. */
#define FCC_CONNECT_ENDPOINT_MAX 255
/* The default port of coaps:// (RFC 7252). */
#define FCC_CONNECT_COAPS_PORT 5684u

typedef struct fcc_connect_params {
    const char *uri;     /* server URI; NULL: the current mode's stored one */
    uint32_t timeout_ms; /* limit of each phase; 0: FCC_CONNECT_TIMEOUT_DEFAULT_MS */
} fcc_connect_params_t;

typedef struct fcc_connect_result {
    fcc_connect_status_t status;
    char reason[256];           /* one line saying what happened and, on failure, why */
    bool bootstrap;             /* the mode checked: bootstrap (true) or LwM2M */
    char uri[FCC_CONNECT_URI_MAX];
    char host[FCC_CONNECT_HOST_MAX];
    uint16_t port;
    char peer[64];              /* numeric address used, from the transport */
    char endpoint[FCC_CONNECT_ENDPOINT_MAX + 1];
    bool handshake_done;        /* the DTLS handshake completed */
    bool client_cert_sent;      /* the server asked for the device chain and got it */
    char ciphersuite[64];       /* negotiated suite (IANA name as mbedTLS spells it) or "" */
    char server_subject[256];   /* subject of the server certificate, or "" */
    uint32_t verify_flags;      /* MBEDTLS_X509_BADCERT_* of the server certificate */
    int alert;                  /* fatal alert the server sent in clear, -1: none */
    int tls_error;              /* last mbedTLS error, 0: none */
    int coap_code;              /* response code (class << 5 | detail), -1: none */
} fcc_connect_result_t;

/* Working memory of one check, bytes: the TLS context and configuration, the device chain, the
 * server CA, the key and one item buffer. The layout is private to lib/connect (it holds mbedTLS
 * structures, so this header needs no mbedTLS header and an installed copy works with any
 * mbedTLS on the include path, or none); lib/connect refuses to build if it does not fit. */
#define FCC_CONNECT_WORK_SIZE (FCC_ITEM_VALUE_MAX + 512u + 320u * sizeof(void *))

/* The caller's working memory for fcc_connect_check (no heap of our own): a static or a stack
 * object; its content is private. */
typedef struct fcc_connect {
    union {
        max_align_t align;
        unsigned char bytes[FCC_CONNECT_WORK_SIZE];
    } priv;
} fcc_connect_t;

/* Runs the check over the stored items of the current mode (bootstrap when mbed.UseBootstrap is
 * 1, else LwM2M): its device certificate or chain, private key, server CA certificate, endpoint
 * name and (unless params->uri is given) server URI. `port` gives the RNG and the device clock
 * (the server chain's validity dates are checked against it; time 0: not checked). Fills *res (always)
 * and returns res->status. `c` is the caller's working memory (no heap of our own; mbedTLS
 * allocates through its platform layer) and holds nothing after the call. */
fcc_connect_status_t fcc_connect_check(fcc_connect_t *c, kcm_t *kcm, const fcc_port_t *port,
                                       const fcc_connect_io_t *io,
                                       const fcc_connect_params_t *params,
                                       fcc_connect_result_t *res);

/* Stable lower-case name of a status, e.g. "server-certificate-untrusted" (docs/connect.md). */
const char *fcc_connect_status_name(fcc_connect_status_t st);

/* Splits a server URI (len bytes, no terminator needed) of the form coaps://HOST[:PORT][/...]
 * [?...][#...] (HOST a name, an IPv4 address or [IPv6]) into a terminated host (brackets
 * removed) and a port (default FCC_CONNECT_COAPS_PORT). Returns 0, or -1 with a reason in
 * why[0 .. why_size) (a coap:// URI, an empty host, a bad port...). */
int fcc_connect_parse_uri(const uint8_t *uri, size_t len, char *host, size_t host_size,
                          uint16_t *port, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif
#endif /* FCC_CONNECT_H */
