/* SPDX-License-Identifier: Apache-2.0 */
/* Server URIs as the device reads them (wire contract 8.11: one verdict on both sides). The
 * device takes the query up to the first '#', splits it at '&' and compares the `aid` value as
 * it stands, so fcu reads it the same way and can tell when a URI means something else to a
 * device than to a person (a repeated aid, a fragment after it, an aid inside a fragment). It
 * also finds the URIs no device can ever connect to (a port outside 1..65535, a malformed IPv6
 * literal, userinfo, an empty host), which a strict device refuses. */
#include "fcu_int.h"

#include <arpa/inet.h>
#include <string.h>

/* Walks the parameters of s[0..len) split at '&' (and, for a fragment, also at '?' and '#'),
 * counting those named `aid`. */
static int count_aid(const char *s, size_t len, const char *seps, const char **val,
                     size_t *val_len, bool *has_eq)
{
    int n = 0;
    size_t pos = 0;
    while (pos <= len) {
        size_t stop = pos;
        while (stop < len && !strchr(seps, s[stop]))
            stop++;
        size_t eq = pos;
        while (eq < stop && s[eq] != '=')
            eq++;
        if (eq - pos == 3 && memcmp(s + pos, "aid", 3) == 0) {
            if (n++ == 0 && val) {
                *has_eq = eq < stop;
                *val = eq < stop ? s + eq + 1 : s + stop;
                *val_len = eq < stop ? stop - eq - 1 : 0;
            }
        }
        pos = stop + 1;
    }
    return n;
}

void fcu_uri_aid_scan(const char *uri, fcu_uri_aid_info_t *info)
{
    memset(info, 0, sizeof(*info));
    size_t len = strlen(uri);
    const char *hash = strchr(uri, '#');
    size_t end = hash ? (size_t)(hash - uri) : len;
    info->fragment = hash != NULL;
    const char *q = memchr(uri, '?', end);
    if (q) {
        size_t start = (size_t)(q - uri) + 1;
        info->count = count_aid(uri + start, end - start, "&", &info->value, &info->value_len,
                                &info->has_value);
    }
    if (hash)
        info->in_fragment = count_aid(hash + 1, len - end - 1, "&?#;", NULL, NULL, NULL) > 0;
}

bool fcu_uri_aid(const char *uri, char *buf, size_t size)
{
    fcu_uri_aid_info_t a;
    fcu_uri_aid_scan(uri, &a);
    if (a.count == 0 || !a.has_value)
        return false;
    snprintf(buf, size, "%.*s", (int)a.value_len, a.value);
    return true;
}

bool fcu_uri_connectable(const char *uri, char *why, size_t size)
{
    const char *p = strstr(uri, "://");
    if (!p)
        return true; /* not a coap(s) URI: reported as such (302) */
    p += 3;
    size_t alen = strcspn(p, "/?#");
    char auth[512];
    if (alen >= sizeof(auth)) {
        snprintf(why, size, "its authority (host and port) is longer than %zu bytes",
                 sizeof(auth) - 1);
        return false;
    }
    memcpy(auth, p, alen);
    auth[alen] = '\0';
    if (strchr(auth, '@')) {
        snprintf(why, size, "it carries userinfo ('@' before the host), which CoAP has not");
        return false;
    }
    const char *port = NULL;
    if (auth[0] == '[') {
        char *close = strchr(auth, ']');
        if (!close) {
            snprintf(why, size, "its IPv6 literal has no closing ']'");
            return false;
        }
        *close = '\0';
        unsigned char a6[16];
        if (inet_pton(AF_INET6, auth + 1, a6) != 1) {
            snprintf(why, size, "'[%s]' is not an IPv6 address", auth + 1);
            return false;
        }
        if (close[1] == ':')
            port = close + 2;
        else if (close[1] != '\0') {
            snprintf(why, size, "'%s' follows the IPv6 literal where only ':port' may", close + 1);
            return false;
        }
    } else {
        char *colon = strchr(auth, ':');
        if (colon && strchr(colon + 1, ':')) {
            snprintf(why, size, "its host holds several ':' (an IPv6 address must be in [])");
            return false;
        }
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        if (auth[0] == '\0') {
            snprintf(why, size, "it has no host");
            return false;
        }
    }
    if (port) {
        unsigned long v = 0;
        size_t digits = strspn(port, "0123456789");
        if (port[0] == '\0' || port[digits] != '\0' || digits > 5) {
            snprintf(why, size, "its port '%s' is not a number from 1 to 65535", port);
            return false;
        }
        for (size_t i = 0; i < digits; i++)
            v = v * 10 + (unsigned long)(port[i] - '0');
        if (v < 1 || v > 65535) {
            snprintf(why, size, "its port %lu is outside 1..65535", v);
            return false;
        }
    }
    return true;
}
