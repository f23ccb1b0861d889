# SPDX-License-Identifier: Apache-2.0
# Fuzz targets of fcu's file readers: the configuration loader (fcu.yml bytes) and certificate /
# key files (PEM and DER). An operator's files are not hostile, but a crash on a damaged one
# would stop a factory line.
if(TARGET fcu_core)
  fcc_fuzz_target(fcu_config SOURCE ${CMAKE_CURRENT_LIST_DIR}/fcu_config.c LIBS fcu_core)
  fcc_fuzz_target(fcu_certfile SOURCE ${CMAKE_CURRENT_LIST_DIR}/fcu_certfile.c LIBS fcu_core)
  foreach(t fcu_config fcu_certfile)
    target_include_directories(${t}_replay PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    if(TARGET ${t}_fuzz)
      target_include_directories(${t}_fuzz PRIVATE ${CMAKE_CURRENT_LIST_DIR})
    endif()
  endforeach()
endif()
