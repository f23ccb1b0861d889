# SPDX-License-Identifier: Apache-2.0
# Interoperation of fcu with the device library: bundles from the tool in every mode applied by
# fcc_bundle_handler over a RAM-flash KCM; stored items compared with what was sent.
if(TARGET fcu_core AND TARGET fcc_core AND TARGET fcc_kcm AND TARGET fcc_port)
  fcc_test(integration_fcu_interop SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_fcu_interop.c
           LIBS fcu_cli fcu_core fcc_core fcc_kcm fcc_port cmocka TIMEOUT 300)
  target_include_directories(integration_fcu_interop PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  target_compile_options(integration_fcu_interop PRIVATE $<$<C_COMPILER_ID:GNU>:-Wno-format-truncation>)
endif()
