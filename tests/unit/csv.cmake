# SPDX-License-Identifier: Apache-2.0
# Unit tests of the `fcu batch` device-list reader (compiled in directly from tools/fcu).
fcc_test(unit_csv SOURCES ${CMAKE_CURRENT_LIST_DIR}/csv_test.c ${PROJECT_SOURCE_DIR}/tools/fcu/lib/csv.c
         LIBS cmocka)
