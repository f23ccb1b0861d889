# SPDX-License-Identifier: Apache-2.0
# Device-verification vectors: tests/vectors/verify/*.vec, each run in default and strict mode
# by verify_runner over a fresh KCM on a RAM flash. Needs KCM (and so the storage engine).
if(TARGET fcc_kcm)
  file(GLOB _verify_vectors CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/verify/*.vec)
  list(SORT _verify_vectors)
  fcc_test(vectors_verify SOURCES ${CMAKE_CURRENT_LIST_DIR}/verify_runner.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls ARGS ${_verify_vectors} TIMEOUT 300)
else()
  message(STATUS "tests/vectors/verify: KCM not built yet; vectors_verify skipped")
endif()
