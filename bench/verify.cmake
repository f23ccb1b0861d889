# SPDX-License-Identifier: Apache-2.0
# Device verification: instructions and wall-clock time of verifying a bootstrap-mode device
# with a two-certificate chain, and the share of public-key operations (see bench/verify.c).
if(TARGET fcc_kcm)
  fcc_bench(bench_verify SOURCES ${CMAKE_CURRENT_LIST_DIR}/verify.c
            LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls)
endif()
