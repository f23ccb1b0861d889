# SPDX-License-Identifier: Apache-2.0
# fcc-device from the command line: the device clock options (--time none), and the kill test of
# the store image's creation (SIGKILL at seeded random instants of the first apply).
if(TARGET fcc-device)
  add_test(NAME integration_fcc_device_time
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/fcc_device_time.sh $<TARGET_FILE:fcc-device>
                   ${PROJECT_SOURCE_DIR}/tests/vectors/bundle)
  set_tests_properties(integration_fcc_device_time PROPERTIES TIMEOUT 60)
endif()
