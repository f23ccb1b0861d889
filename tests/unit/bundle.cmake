# SPDX-License-Identifier: Apache-2.0
# Bundle handler over a real KCM on the RAM flash: hostile inputs built on the fly, atomicity on
# flash and across remounts, small response buffers, setters. Needs KCM (and the storage engine).
if(TARGET fcc_kcm)
  fcc_test(unit_bundle SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_bundle.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor cmocka TIMEOUT 300)
endif()
