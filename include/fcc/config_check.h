/* SPDX-License-Identifier: Apache-2.0 */
/* Refuses impossible combinations of the options in fcc/config.h at compile time. */
#ifndef FCC_CONFIG_CHECK_H
#define FCC_CONFIG_CHECK_H

#if FCC_NAME_MAX < 1 || FCC_NAME_MAX > 100
#error "FCC_NAME_MAX must be 1..100 (wire contract)"
#endif
#if FCC_CHAIN_MAX < 1 || FCC_CHAIN_MAX > 5
#error "FCC_CHAIN_MAX must be 1..5 (wire contract)"
#endif
#if FCC_CBOR_DEPTH_MAX < 4 || FCC_CBOR_DEPTH_MAX > 16
#error "FCC_CBOR_DEPTH_MAX must be 4..16"
#endif
#if FCC_ITEM_VALUE_MAX < 256 || FCC_ITEM_VALUE_MAX > 65535
#error "FCC_ITEM_VALUE_MAX must be 256..65535"
#endif
#if FCC_RESPONSE_MAX < 1024 || FCC_RESPONSE_MAX > 65535
#error "FCC_RESPONSE_MAX must be 1024..65535"
#endif
#if FCC_FINDINGS_MAX < 8 || FCC_FINDINGS_MAX > 128
#error "FCC_FINDINGS_MAX must be 8..128"
#endif

#endif /* FCC_CONFIG_CHECK_H */
