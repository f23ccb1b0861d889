# SPDX-License-Identifier: Apache-2.0
fcc_test(unit_json SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_json.c LIBS tools_common cmocka)
