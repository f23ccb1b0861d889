# SPDX-License-Identifier: Apache-2.0
# KCM API over the real storage engine on the RAM flash simulator (needs lib/store).
if(TARGET fcc_kcm)
  fcc_test(unit_kcm SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_kcm.c
           LIBS fcc_kcm fcc_port cmocka)
  target_include_directories(unit_kcm PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
endif()
