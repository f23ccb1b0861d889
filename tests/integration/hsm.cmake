# SPDX-License-Identifier: Apache-2.0
# The FCU CA key in a PKCS#11 token (SoftHSM2 in a temporary folder): setup, bundle, inject,
# batch --parallel 4, and the errors of a wrong PIN, a missing token and a missing key object.
if(TARGET fcu AND TARGET fcc-device)
  add_test(NAME integration_hsm
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/hsm.sh $<TARGET_FILE:fcu> $<TARGET_FILE:fcc-device>)
  set_tests_properties(integration_hsm PROPERTIES TIMEOUT 300 LABELS "integration;line;hsm")
endif()
