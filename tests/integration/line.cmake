# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the factory line (fcu inject / batch / registry against fcc-device over
# loopback).

# A misbehaving device (silent, disconnecting, broken frames, error answers) for the tests.
if(TARGET fcc_ftcd)
  add_executable(line_fake_device ${CMAKE_CURRENT_LIST_DIR}/line_fake_device.c)
  target_include_directories(line_fake_device PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_definitions(line_fake_device PRIVATE _GNU_SOURCE)
  target_link_libraries(line_fake_device PRIVATE fcc_ftcd fcc_cbor)
endif()

# The end-to-end tests need both programs.
if(TARGET fcu AND TARGET fcc-device AND TARGET line_fake_device)
  add_test(NAME integration_line_e2e
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/line_e2e.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device> $<TARGET_FILE:line_fake_device>)
  add_test(NAME integration_line_batch
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/line_batch.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device> $<TARGET_FILE:line_fake_device>)
  # device-key-generation-mode: by_device, the two-message session (TCP, serial, batch, retry)
  add_test(NAME integration_line_by_device
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/line_by_device.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device> $<TARGET_FILE:line_fake_device>)
  set_tests_properties(integration_line_e2e integration_line_batch integration_line_by_device
                       PROPERTIES
                       TIMEOUT 300 LABELS "integration;line")
endif()

# The link client alone, against a scripted device on a socket pair.
if(TARGET fcc_ftcd)
  fcc_test(integration_line_link
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/line_link_test.c ${PROJECT_SOURCE_DIR}/tools/fcu/lib/link.c
    LIBS cmocka fcc_ftcd pthread TIMEOUT 60)
endif()

# Recovery after a station dies (issue 20): SIGKILL at chosen instants behind a holding proxy,
# release, retry; on SQLite here, on PostgreSQL from registry_pg.sh.
if(TARGET fcu AND TARGET fcc-device AND TARGET line_fake_device)
  add_test(NAME integration_line_recovery
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/line_recovery.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device> $<TARGET_FILE:line_fake_device>)
  set_tests_properties(integration_line_recovery PROPERTIES TIMEOUT 600 LABELS "integration;line")
endif()
