# SPDX-License-Identifier: Apache-2.0
# The store image written by the mbedTLS 2.28 build reads byte for byte under this build
# (and verifies: fcc_core).
if(TARGET fcc_kcm)
  fcc_test(unit_legacy_image SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_legacy_image.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls cmocka)
endif()
