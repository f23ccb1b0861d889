# SPDX-License-Identifier: Apache-2.0
# Throughput of fcu's by_tool bundle building next to OpenSSL's own keygen+sign rate.
if(TARGET fcu_core)
  fcc_bench(fcu_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/fcu_bench.c LIBS fcu_core)
  target_compile_options(fcu_bench PRIVATE $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
endif()
# The same with the CA key in a PKCS#11 token (SoftHSM2) next to the key on disk.
if(TARGET fcu_core)
  fcc_bench(hsm_bench SOURCES ${CMAKE_CURRENT_LIST_DIR}/hsm_bench.c LIBS fcu_core pthread)
  target_compile_options(hsm_bench PRIVATE $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
endif()
