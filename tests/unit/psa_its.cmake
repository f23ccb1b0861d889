# SPDX-License-Identifier: Apache-2.0
# PSA's Internal Trusted Storage over KCM (persistent PSA keys in the device's store).
if(TARGET fcc_kcm)
  fcc_test(unit_psa_its SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_psa_its.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor cmocka)
endif()
