# SPDX-License-Identifier: Apache-2.0
# Fuzz target of fcu's response parser and inspect (device bytes are untrusted for the tool).
if(TARGET fcu_core)
  fcc_fuzz_target(fcu_response SOURCE ${CMAKE_CURRENT_LIST_DIR}/fcu_response.c LIBS fcu_core)
endif()
