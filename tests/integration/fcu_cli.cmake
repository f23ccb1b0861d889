# SPDX-License-Identifier: Apache-2.0
# fcu's core commands from the command line: help, exit statuses, setup (also as an intermediate
# CA), validate (--json), bundle, inspect. Needs the openssl and python3 programs.
if(TARGET fcu)
  add_test(NAME integration_fcu_cli
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/fcu_cli.sh $<TARGET_FILE:fcu>)
  set_tests_properties(integration_fcu_cli PROPERTIES TIMEOUT 120)
endif()

# A configuration written the ecosystem's way (its key names, ENV placeholders, custom-properties
# of every type) validated, bundled, provisioned to fcc-device and read back byte for byte.
if(TARGET fcu AND TARGET fcc-device)
  add_test(NAME integration_fcu_ecosystem
           COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/fcu_ecosystem.sh $<TARGET_FILE:fcu>
                   $<TARGET_FILE:fcc-device>)
  set_tests_properties(integration_fcu_ecosystem PROPERTIES TIMEOUT 300)
endif()
