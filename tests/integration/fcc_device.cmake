# SPDX-License-Identifier: Apache-2.0
# fcc-device from the command line: the device clock options (--time none), and the kill test of
# the store image's creation (SIGKILL at seeded random instants of the first apply).
if(TARGET fcc-device)
  add_test(NAME integration_fcc_device_time_echo
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/fcc_device_time_echo.sh $<TARGET_FILE:fcc-device>
                   ${PROJECT_SOURCE_DIR}/tests/vectors/bundle)
  set_tests_properties(integration_fcc_device_time_echo PROPERTIES TIMEOUT 60)
endif()
if(TARGET fcc-device)
  add_executable(fcc_device_kill ${CMAKE_CURRENT_LIST_DIR}/fcc_device_kill.c)
  add_dependencies(fcc_device_kill fcc-device)
  set(_kill_dir ${CMAKE_CURRENT_BINARY_DIR}/fcc_device_kill.d)
  file(MAKE_DIRECTORY ${_kill_dir})
  add_test(NAME integration_fcc_device_kill
           COMMAND fcc_device_kill $<TARGET_FILE:fcc-device>
                   ${PROJECT_SOURCE_DIR}/tests/vectors/bundle/ok_full_bootstrap.1.cbor
                   ${_kill_dir} 100)
  set_tests_properties(integration_fcc_device_kill PROPERTIES LABELS integration TIMEOUT 120)
  if(FCC_SANITIZE)
    # About 300 sanitized processes: each leak check at exit costs more than the run itself,
    # and the killed ones never reach it anyway.
    set_tests_properties(integration_fcc_device_kill PROPERTIES TIMEOUT 600
                         ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
  endif()
endif()
