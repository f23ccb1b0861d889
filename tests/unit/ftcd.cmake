# SPDX-License-Identifier: Apache-2.0
# Unit tests of the framing codec (lib/ftcd).
fcc_test(unit_ftcd SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ftcd.c LIBS fcc_ftcd cmocka)
