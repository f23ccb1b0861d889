# SPDX-License-Identifier: Apache-2.0
# Integration tests of the factory link: fcc-device against a test client over loopback TCP
# (IPv4, IPv6) and a pty pair, plus its command line. Built only with the tools.
if(TARGET fcc-device)
  fcc_test(integration_link_tcp
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_link.c ${CMAKE_CURRENT_LIST_DIR}/link_client.c
           LIBS fcc_ftcd tools_common fcc_cbor cmocka
           ARGS tcp LABELS integration TIMEOUT 120)
  target_include_directories(integration_link_tcp PRIVATE ${CMAKE_CURRENT_LIST_DIR})
  target_compile_definitions(integration_link_tcp PRIVATE
                             FCC_DEVICE_BIN="$<TARGET_FILE:fcc-device>")
  add_dependencies(integration_link_tcp fcc-device)
  foreach(group tcp6 pty restart cli)
    if(group STREQUAL "cli")
      set(_name integration_fcc_device_cli)
    else()
      set(_name integration_link_${group})
    endif()
    add_test(NAME ${_name} COMMAND integration_link_tcp ${group})
    set_tests_properties(${_name} PROPERTIES LABELS integration TIMEOUT 120)
  endforeach()
endif()
