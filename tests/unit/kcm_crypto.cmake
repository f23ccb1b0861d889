# SPDX-License-Identifier: Apache-2.0
# KCM crypto/validation helpers and status table, built from their sources so they are tested
# even without the storage engine.
fcc_test(unit_kcm_crypto
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kcm_crypto.c
          ${PROJECT_SOURCE_DIR}/lib/kcm/kcm_crypto.c ${PROJECT_SOURCE_DIR}/lib/kcm/kcm_status.c
  LIBS fcc_mbedtls cmocka)
