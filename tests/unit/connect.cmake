# SPDX-License-Identifier: Apache-2.0
# Unit tests of the connect check (lib/connect): CoAP bytes, URI splitting, and the check over a
# scripted transport (ClientHello suites, failure reasons). Real servers: tests/integration.
if(TARGET fcc_connect)
  fcc_test(unit_connect SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_connect.c
           LIBS fcc_connect fcc_core fcc_port fcc_kcm fcc_store cmocka)
  target_include_directories(unit_connect PRIVATE ${PROJECT_SOURCE_DIR})
endif()
