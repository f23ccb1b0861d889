# SPDX-License-Identifier: Apache-2.0
# Bundle handler: instructions (callgrind), peak heap and stack to decode, store and verify a
# typical bootstrap bundle, and the part spent in mbedTLS. Needs KCM (and the storage engine).
if(TARGET fcc_kcm)
  fcc_bench(bench_bundle SOURCES ${CMAKE_CURRENT_LIST_DIR}/bundle.c
            LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor)
endif()
