/* SPDX-License-Identifier: Apache-2.0 */
/* Little-endian reads and writes of the on-flash and on-wire formats, shared by the device
 * modules (storage engine, KCM records, framing, flash image trailer) so that each format is
 * encoded one way. Internal to lib/; not installed. */
#ifndef FCC_ENDIAN_H
#define FCC_ENDIAN_H

#include <stdint.h>

static inline void fcc_put_le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void fcc_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline uint16_t fcc_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)(p[1] << 8));
}

static inline uint32_t fcc_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif /* FCC_ENDIAN_H */
