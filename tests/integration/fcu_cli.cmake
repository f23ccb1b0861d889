# SPDX-License-Identifier: Apache-2.0
# fcu's core commands from the command line: help, exit statuses, setup (also as an intermediate
# CA), validate (--json), bundle, inspect. Needs the openssl and python3 programs.
if(TARGET fcu)
  add_test(NAME integration_fcu_cli
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/fcu_cli.sh $<TARGET_FILE:fcu>)
  set_tests_properties(integration_fcu_cli PROPERTIES TIMEOUT 120)
endif()
