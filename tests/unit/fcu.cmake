# SPDX-License-Identifier: Apache-2.0
# Unit tests of the factory tool's core: every validation row in every mode, configuration-file
# errors with their positions. They link the tool's own objects (fcu_core).
if(TARGET fcu_core)
  fcc_test(unit_fcu_validate SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fcu_validate.c
           LIBS fcu_cli fcu_core cmocka TIMEOUT 300)
  target_include_directories(unit_fcu_validate PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  # fixture paths are built with snprintf into fixed buffers on purpose (short temp paths)
  target_compile_options(unit_fcu_validate PRIVATE $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
endif()
