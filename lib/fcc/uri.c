/* SPDX-License-Identifier: Apache-2.0 */
/* Text formats the device verification checks: the server URI (scheme and query parameters,
 * parsed properly instead of searching for a substring anywhere) and the UTC offset. Pure
 * functions over (pointer, length) buffers that need no terminator. */
#include "verify.h"

#include <string.h>

static bool has_prefix(const uint8_t *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

bool fcc_uri_scheme_ok(const uint8_t *uri, size_t len)
{
    if (uri == NULL)
        return false;
    return has_prefix(uri, len, "coap://") || has_prefix(uri, len, "coaps://");
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool fcc_uri_authority_ok(const uint8_t *uri, size_t len)
{
    size_t start, end, i, host_end, colons = 0;
    uint32_t port = 0;

    if (uri == NULL)
        return false;
    start = has_prefix(uri, len, "coaps://") ? 8 : has_prefix(uri, len, "coap://") ? 7 : len;
    if (start >= len)
        return false;
    for (end = start; end < len; end++)
        if (uri[end] == '/' || uri[end] == '?' || uri[end] == '#')
            break;
    for (i = start; i < end; i++)
        if (uri[i] == '@') /* userinfo */
            return false;
    if (uri[start] == '[') {
        for (i = start + 1; i < end && uri[i] != ']'; i++) {
            if (uri[i] == ':')
                colons++;
            else if (!is_hex(uri[i]) && uri[i] != '.')
                return false;
        }
        if (i >= end || colons == 0) /* no closing bracket, or not an IPv6 address */
            return false;
        host_end = i + 1;
        if (host_end < end && uri[host_end] != ':')
            return false;
    } else {
        for (host_end = start; host_end < end && uri[host_end] != ':'; host_end++)
            ;
        if (host_end == start) /* empty host */
            return false;
        for (i = host_end + 1; i < end; i++)
            if (uri[i] == ':') /* an unbracketed IPv6 address, or two ports */
                return false;
    }
    if (host_end == end)
        return true; /* no port: the scheme's default */
    if (end - host_end - 1 < 1 || end - host_end - 1 > 5)
        return false;
    for (i = host_end + 1; i < end; i++) {
        if (!is_digit(uri[i]))
            return false;
        port = port * 10u + (uint32_t)(uri[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

int fcc_uri_query_param(const uint8_t *uri, size_t len, const char *name, const uint8_t **val,
                        size_t *val_len)
{
    size_t name_len, pos = 0, end = len;
    int found = 0;

    if (uri == NULL || name == NULL)
        return 0;
    name_len = strlen(name);
    /* The fragment ends the query; the query starts after the first '?' before it. */
    for (size_t i = 0; i < len; i++) {
        if (uri[i] == '#') {
            end = i;
            break;
        }
    }
    while (pos < end && uri[pos] != '?')
        pos++;
    if (pos >= end)
        return 0;
    pos++;
    while (pos <= end) {
        size_t start = pos, stop = pos, eq;
        while (stop < end && uri[stop] != '&')
            stop++;
        eq = start;
        while (eq < stop && uri[eq] != '=')
            eq++;
        if (eq - start == name_len && memcmp(uri + start, name, name_len) == 0) {
            if (found)
                return -1;
            found = 1;
            if (val != NULL)
                *val = eq < stop ? uri + eq + 1 : uri + stop;
            if (val_len != NULL)
                *val_len = eq < stop ? stop - eq - 1 : 0;
        }
        pos = stop + 1;
    }
    return found;
}


bool fcc_utc_offset_ok(const uint8_t *s, size_t len, bool check_range)
{
    unsigned hours, minutes;

    if (s == NULL || len != 6)
        return false;
    if ((s[0] != '+' && s[0] != '-') || s[3] != ':')
        return false;
    if (!is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[4]) || !is_digit(s[5]))
        return false;
    if (!check_range)
        return true;
    hours = (unsigned)(s[1] - '0') * 10u + (unsigned)(s[2] - '0');
    minutes = (unsigned)(s[4] - '0') * 10u + (unsigned)(s[5] - '0');
    if (minutes > 59)
        return false;
    if (s[0] == '+')
        return hours * 60u + minutes <= 14u * 60u;
    return hours * 60u + minutes <= 12u * 60u;
}
