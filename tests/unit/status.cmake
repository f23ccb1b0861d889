# SPDX-License-Identifier: Apache-2.0
fcc_test(unit_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_status.c LIBS fcc_core cmocka)
