/* SPDX-License-Identifier: Apache-2.0 */
/* Compile-time limits of the device library. Every option can be overridden with -D; each says
 * its range and what it costs. fcc/config_check.h refuses impossible combinations. */
#ifndef FCC_CONFIG_H
#define FCC_CONFIG_H

/* Longest item name in bytes (wire contract section 6). Range 1..100; fixed by the contract. */
#ifndef FCC_NAME_MAX
#define FCC_NAME_MAX 100
#endif

/* Most certificates in one chain. Range 1..5; fixed by the contract. */
#ifndef FCC_CHAIN_MAX
#define FCC_CHAIN_MAX 5
#endif

/* Most key/value pairs in the bundle's top-level map. Fixed by the contract. */
#ifndef FCC_BUNDLE_MAX_PAIRS
#define FCC_BUNDLE_MAX_PAIRS 12
#endif

/* Most CSR requests in one bundle. Fixed by the contract. */
#ifndef FCC_CSR_MAX
#define FCC_CSR_MAX 5
#endif

/* Deepest CBOR nesting the bundle decoder follows. Range 4..16; a bundle needs 4. */
#ifndef FCC_CBOR_DEPTH_MAX
#define FCC_CBOR_DEPTH_MAX 8
#endif

/* Largest item value stored by KCM, bytes. Range 256..65535; costs this much of the caller's
 * work buffer when encrypting or decrypting. */
#ifndef FCC_ITEM_VALUE_MAX
#define FCC_ITEM_VALUE_MAX 4096
#endif

/* Largest response payload, bytes. A response that would be larger keeps its status and first
 * error and truncates the warning list with a final "Warnings truncated" line: the response is
 * never dropped. Range 1024..65535. */
#ifndef FCC_RESPONSE_MAX
#define FCC_RESPONSE_MAX 8192
#endif

/* Most findings (errors and warnings) kept by one verification run. Range 8..128; each costs
 * about 110 bytes of fcc_t. */
#ifndef FCC_FINDINGS_MAX
#define FCC_FINDINGS_MAX 32
#endif

/* Default largest frame payload accepted on the factory link, bytes; configurable at runtime.
 * A longer declared length is answered with transport status 4. */
#ifndef FCC_FRAME_MAX_DEFAULT
#define FCC_FRAME_MAX_DEFAULT (64u * 1024u)
#endif

/* CRC table of the storage engine: 1 = 16 entries (64 bytes of flash, two lookups per byte),
 * 0 = 256 entries (1 KiB, one lookup per byte: for speed, bench_store_crc256 measures it). Same
 * CRC either way: images are compatible. Default 1 (the footprint `make size` counts). */
#ifndef FCC_STORE_CRC_SMALL
#define FCC_STORE_CRC_SMALL 1
#endif

/* Symbolic names of the status numbers (fcc_status_name, ftcd_status_name) and the English texts
 * of the framing statuses (ftcd_status_text): for the host tools' reports and logs, never on the
 * wire (the contract's message prefixes, fcc_status_prefix, are always compiled in). 1 = compiled
 * in; 0 = those functions return "" (saves about 1.7 KB of flash on Cortex-M4). Range 0..1.
 * Default 0, the device's choice; the host build (lib/fcc and lib/ftcd CMakeLists.txt) sets 1
 * for its tools and tests. */
#ifndef FCC_STATUS_NAMES
#define FCC_STATUS_NAMES 0
#endif

#include "fcc/config_check.h"
#endif /* FCC_CONFIG_H */
