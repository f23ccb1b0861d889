# SPDX-License-Identifier: Apache-2.0
fcc_test(unit_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store.c LIBS fcc_store fcc_port cmocka)
