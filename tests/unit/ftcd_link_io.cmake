# SPDX-License-Identifier: Apache-2.0
# Unit tests of the host byte pipes of the factory link (tools/common/link_io.c).
if(TARGET tools_common)
  fcc_test(unit_link_io SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ftcd_link_io.c
           LIBS tools_common cmocka)
endif()
