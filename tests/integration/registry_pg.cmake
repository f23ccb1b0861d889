# SPDX-License-Identifier: Apache-2.0
# The registry against a real local PostgreSQL server (started and stopped by the script).
# With the fcu and fcc-device programs built, the script also races two `fcu inject` processes.
if(TARGET unit_registry)
  if(TARGET fcu AND TARGET fcc-device AND TARGET line_fake_device)
    add_test(NAME integration_registry_pg
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/registry_pg.sh $<TARGET_FILE:unit_registry>
                     $<TARGET_FILE:fcu> $<TARGET_FILE:fcc-device>
                     $<TARGET_FILE:line_fake_device>)
  elseif(TARGET fcu AND TARGET fcc-device)
    add_test(NAME integration_registry_pg
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/registry_pg.sh $<TARGET_FILE:unit_registry>
                     $<TARGET_FILE:fcu> $<TARGET_FILE:fcc-device>)
  else()
    add_test(NAME integration_registry_pg
             COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/registry_pg.sh $<TARGET_FILE:unit_registry>)
  endif()
  set_tests_properties(integration_registry_pg PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600
                       LABELS "integration;postgresql")
endif()
