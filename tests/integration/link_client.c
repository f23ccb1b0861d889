/* SPDX-License-Identifier: Apache-2.0 */
/* The factory-link test client (link_client.h). It plays the tool: frames with the device
 * library's own codec in the response direction, byte pipes from tools/common/link_io, CBOR with
 * libcbor's encoder (host side). */
#include "link_client.h"

#include "link_io.h"

#include <cbor.h>
#include <string.h>
#include <unistd.h>

int lc_connect(lc_t *c, const char *hostport, int timeout_ms)
{
    char host[256], port[16];
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    if (link_parse_hostport(hostport, host, sizeof(host), port, sizeof(port)) != 0)
        return -1;
    c->fd = link_tcp_connect(host, port, timeout_ms);
    if (c->fd < 0)
        return -1;
    c->owns_fd = true;
    ftcd_decoder_init(&c->dec, FTCD_KIND_RESPONSE, c->payload, sizeof(c->payload), 0);
    return 0;
}

void lc_attach(lc_t *c, int fd)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    ftcd_decoder_init(&c->dec, FTCD_KIND_RESPONSE, c->payload, sizeof(c->payload), 0);
}

void lc_close(lc_t *c)
{
    if (c->owns_fd && c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

size_t lc_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t size)
{
    size_t n = 0;
    if (ftcd_encode_request(payload, len, out, size, &n) != FTCD_STATUS_SUCCESS)
        return 0;
    return n;
}

int lc_send_raw(lc_t *c, const void *buf, size_t len)
{
    return link_write_all(c->fd, buf, len, 5000) == 0 ? 0 : -1;
}

int lc_send_frame(lc_t *c, const uint8_t *payload, size_t len)
{
    uint8_t head[FTCD_RESPONSE_HEAD_SIZE], digest[FTCD_DIGEST_SIZE];
    size_t hlen = ftcd_encode_head(FTCD_KIND_REQUEST, (uint32_t)len, head);
    if (ftcd_digest(payload, len, digest) != FTCD_STATUS_SUCCESS)
        return -1;
    struct iovec v[3] = {
        {.iov_base = head, .iov_len = hlen},
        {.iov_base = (void *)(uintptr_t)payload, .iov_len = len},
        {.iov_base = digest, .iov_len = sizeof(digest)},
    };
    return link_writev_all(c->fd, v, 3, 5000) == 0 ? 0 : -1;
}

int lc_recv(lc_t *c, int timeout_ms, uint32_t *status, const uint8_t **payload, size_t *len)
{
    for (;;) {
        while (c->roff < c->rlen) {
            size_t used = 0;
            ftcd_event_t ev = ftcd_decoder_feed(&c->dec, c->rbuf + c->roff, c->rlen - c->roff,
                                                &used);
            c->roff += used;
            if (ev == FTCD_EVENT_FRAME) {
                *status = ftcd_decoder_status(&c->dec);
                *payload = ftcd_decoder_payload(&c->dec, len);
                return 0;
            }
            if (ev == FTCD_EVENT_ERROR)
                return -1;
        }
        if (c->eof)
            return 1;
        long n = link_read(c->fd, c->rbuf, sizeof(c->rbuf), timeout_ms);
        if (n == LINK_INTR)
            continue;
        if (n == LINK_TIMEOUT)
            return -2;
        if (n < 0)
            return -1;
        if (n == 0) {
            c->eof = true;
            return 1;
        }
        c->rlen = (size_t)n;
        c->roff = 0;
    }
}

int lc_wait_eof(lc_t *c, int timeout_ms)
{
    if (c->roff < c->rlen)
        return 2;
    if (c->eof)
        return 0;
    for (;;) {
        long n = link_read(c->fd, c->rbuf, sizeof(c->rbuf), timeout_ms);
        if (n == LINK_INTR)
            continue;
        if (n == LINK_TIMEOUT)
            return -2;
        if (n < 0)
            return -1;
        if (n == 0) {
            c->eof = true;
            return 0;
        }
        c->rlen = (size_t)n;
        c->roff = 0;
        return 2;
    }
}

static bool add_pair(cbor_item_t *map, const char *key, cbor_item_t *value)
{
    cbor_item_t *k = cbor_build_string(key);
    bool ok = k != NULL && value != NULL &&
              cbor_map_add(map, (struct cbor_pair){.key = k, .value = value});
    if (k != NULL)
        cbor_decref(&k);
    if (value != NULL)
        cbor_decref(&value);
    return ok;
}

size_t lc_bundle(uint8_t *out, size_t size, const char *sid, int keep, const char *name,
                 const char *value)
{
    size_t n = 0;
    cbor_item_t *root = cbor_new_definite_map(5);
    cbor_item_t *params = cbor_new_definite_array(1);
    cbor_item_t *item = cbor_new_definite_map(2);
    if (root == NULL || params == NULL || item == NULL)
        goto cleanup;
    if (!add_pair(item, "Name", cbor_build_string(name)) ||
        !add_pair(item, "Data", cbor_build_string(value)))
        goto cleanup;
    if (!cbor_array_push(params, item))
        goto cleanup;
    if (!add_pair(root, "SchemeVersion", cbor_build_string("0.0.1")) ||
        !add_pair(root, "SID", cbor_build_string(sid)) ||
        !add_pair(root, "KpAlvSess", cbor_build_uint8((uint8_t)keep)) ||
        !add_pair(root, "Verify", cbor_build_uint8(0)))
        goto cleanup;
    cbor_incref(params);
    if (!add_pair(root, "ConfigParams", params))
        goto cleanup;
    n = cbor_serialize(root, out, size);
cleanup:
    if (item != NULL)
        cbor_decref(&item);
    if (params != NULL)
        cbor_decref(&params);
    if (root != NULL)
        cbor_decref(&root);
    return n;
}

static void text_copy(cbor_item_t *it, char *out, size_t size)
{
    size_t n = 0;
    if (out == NULL || size == 0)
        return;
    out[0] = '\0';
    if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
        return;
    n = cbor_string_length(it);
    if (n >= size)
        n = size - 1;
    memcpy(out, cbor_string_handle(it), n);
    out[n] = '\0';
}

int lc_parse_response(const uint8_t *p, size_t len, int *status, char *sid, size_t sid_size,
                      char *info, size_t info_size)
{
    struct cbor_load_result res;
    cbor_item_t *root = cbor_load(p, len, &res);
    int rc = -1;
    if (sid != NULL && sid_size > 0)
        sid[0] = '\0';
    if (info != NULL && info_size > 0)
        info[0] = '\0';
    if (root == NULL)
        return -1;
    if (!cbor_isa_map(root))
        goto cleanup;
    struct cbor_pair *pairs = cbor_map_handle(root);
    for (size_t i = 0; i < cbor_map_size(root); i++) {
        char key[32];
        text_copy(pairs[i].key, key, sizeof(key));
        if (strcmp(key, "ReturnStatus") == 0 && cbor_isa_uint(pairs[i].value)) {
            *status = (int)cbor_get_int(pairs[i].value);
            rc = 0;
        } else if (strcmp(key, "SID") == 0) {
            text_copy(pairs[i].value, sid, sid_size);
        } else if (strcmp(key, "InfoMessage") == 0) {
            text_copy(pairs[i].value, info, info_size);
        }
    }
cleanup:
    cbor_decref(&root);
    return rc;
}
