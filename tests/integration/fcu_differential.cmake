# SPDX-License-Identifier: Apache-2.0
# Differential test of the factory tool against the device (wire contract 8.11): several hundred
# generated certificate chains and server URIs through `fcu validate` / `fcu bundle` and then
# `fcc-device apply` in default and strict mode; fails when a variant fcu accepts is refused.
if(TARGET fcu AND TARGET fcc-device)
  find_package(OpenSSL 3 REQUIRED)
  fcc_test(integration_fcu_differential
           SOURCES ${CMAKE_CURRENT_LIST_DIR}/fcu_differential.c
           LIBS OpenSSL::Crypto
           ARGS $<TARGET_FILE:fcu> $<TARGET_FILE:fcc-device>
           LABELS integration TIMEOUT 300)
endif()
if(TARGET integration_fcu_differential AND FCC_SANITIZE)
  # About 1000 sanitized fcu and fcc-device processes: the leak check at each exit costs more
  # than the run itself (the unit tests check the same code for leaks).
  set_tests_properties(integration_fcu_differential PROPERTIES TIMEOUT 900
                       ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
endif()
