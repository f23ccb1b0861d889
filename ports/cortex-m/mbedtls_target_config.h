/* SPDX-License-Identifier: Apache-2.0 */
/* mbedTLS user configuration of the bare-metal Cortex-M build (MBEDTLS_USER_CONFIG_FILE), applied
 * after the project's config/mbedtls_config.h: only what differs on a microcontroller without an
 * OS. The host and s390x Linux builds do not use it. */
#ifndef FCC_MBEDTLS_TARGET_CONFIG_H
#define FCC_MBEDTLS_TARGET_CONFIG_H

/* Randomness: config/mbedtls_config.h already takes it from the port
 * (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG). On the board that port function is a CTR_DRBG seeded from
 * the board's entropy hook (ports/cortex-m/board_port.c), so a slow TRNG is read only to seed. */
#define MBEDTLS_CTR_DRBG_C

/* No C heap: mbedTLS's calloc/free come from mbedtls_memory_buffer_alloc over a static pool
 * (fcc_board_heap_init); MBEDTLS_MEMORY_DEBUG keeps the peak that `make size` reports. */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG

/* No file system (PSA's persistent keys are stored by KCM, config/psa/). */
#undef MBEDTLS_FS_IO
#undef MBEDTLS_PSA_ITS_FILE_C

/* No sockets, no OS timers. */
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C

/* No wall clock in the C library: certificate validity is checked by the device library against
 * the port's clock (fcc_port_t.time_get), not by mbedTLS. */
#undef MBEDTLS_HAVE_TIME
#undef MBEDTLS_HAVE_TIME_DATE

#endif /* FCC_MBEDTLS_TARGET_CONFIG_H */
