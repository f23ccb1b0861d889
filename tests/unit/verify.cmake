# SPDX-License-Identifier: Apache-2.0
# Unit tests of the device verification's pure helpers (URI, UTC offset, certificate checks).
fcc_test(unit_verify SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_verify.c LIBS fcc_core fcc_mbedtls cmocka)
