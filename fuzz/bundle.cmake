# SPDX-License-Identifier: Apache-2.0
# Fuzz target of the bundle handler (lib/fcc/bundle*.c); seeds in fuzz/corpus/bundle/ are the
# bundles of tests/vectors/bundle. Needs KCM (and the storage engine).
if(TARGET fcc_kcm)
  fcc_fuzz_target(bundle SOURCE ${CMAKE_CURRENT_LIST_DIR}/bundle.c
                  LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor tools_common)
endif()
