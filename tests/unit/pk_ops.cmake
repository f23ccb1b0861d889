# SPDX-License-Identifier: Apache-2.0
# The count of public-key operations per bundle (issue 14): each chain link verified once, each
# stored private key checked once, and a later verify-only run verifying every link again.
if(TARGET fcc_kcm)
  fcc_test(unit_pk_ops SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_pk_ops.c
           LIBS fcc_core fcc_kcm fcc_port fcc_mbedtls fcc_cbor cmocka)
  target_compile_definitions(unit_pk_ops PRIVATE VEC="${PROJECT_SOURCE_DIR}/tests/vectors/bundle/")
endif()
