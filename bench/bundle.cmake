# SPDX-License-Identifier: Apache-2.0
# Bundle handler: instructions (callgrind), peak heap and stack to decode, store and verify a
# typical bootstrap bundle, and the part spent in mbedTLS. Needs KCM (and the storage engine).
if(TARGET fcc_kcm)
  fcc_bench(bench_bundle SOURCES ${CMAKE_CURRENT_LIST_DIR}/bundle.c
            LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor)
  # mbedTLS is linked statically: its part is recognised by its source folder in the debug
  # information (compile with -g, e.g. CMAKE_C_FLAGS=-g, to get the "in mbedTLS" column).
  get_filename_component(_mbed_src_name ${FCC_MBEDTLS_SOURCE_DIR} NAME)
  target_compile_definitions(bench_bundle PRIVATE MBED_SRC="/${_mbed_src_name}/library/")
endif()
