# SPDX-License-Identifier: Apache-2.0
# The factory tool's layers and its library/front split (tools/fcu/LAYERS), checked on the
# objects the compiler made: no cycle between modules, no call from a lower layer to a higher
# one, and no front object that uses a libfcu symbol outside the public API.
if(TARGET fcu_core AND TARGET fcu_cli AND TARGET fcu_main AND TARGET fcu_shared)
  add_test(NAME fcu_layers
           COMMAND python3 ${PROJECT_SOURCE_DIR}/scripts/check-fcu-layers.py
                   ${PROJECT_SOURCE_DIR}/tools/fcu/LAYERS ${PROJECT_SOURCE_DIR}/include/fcu
                   $<TARGET_FILE:fcu_shared> $<TARGET_OBJECTS:fcu_core>
                   $<TARGET_OBJECTS:fcu_cli> $<TARGET_OBJECTS:fcu_main>
           COMMAND_EXPAND_LISTS)
  set_tests_properties(fcu_layers PROPERTIES LABELS "fcu;layers")
endif()
