# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of the connect check (`fcc-device connect-check`) against real DTLS servers
# on loopback: libcoap's coap-server / coap-rd and OpenSSL's s_server (scripts/install-deps.sh
# installs them). The by_device case (keys generated on the device) skips with exit 77 only when
# the fcu it is given cannot make by_device sessions.
if(TARGET fcu AND TARGET fcc-device)
  add_test(NAME integration_connect_check
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/connect_check.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device>)
  add_test(NAME integration_connect_by_device
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/connect_check.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device> by_device)
  set_tests_properties(integration_connect_check integration_connect_by_device PROPERTIES
                       TIMEOUT 300 LABELS "integration;connect")
  set_tests_properties(integration_connect_by_device PROPERTIES SKIP_RETURN_CODE 77)
endif()
