# SPDX-License-Identifier: Apache-2.0
# fcc-device list/check/verify/apply/factory-reset on a store with a flipped bit (issue 19).
# Needs python3.
if(TARGET fcc-device)
  add_test(NAME integration_fcc_device_check
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/fcc_device_check.sh $<TARGET_FILE:fcc-device>
                   ${PROJECT_SOURCE_DIR})
  set_tests_properties(integration_fcc_device_check PROPERTIES TIMEOUT 120 LABELS integration)
endif()
