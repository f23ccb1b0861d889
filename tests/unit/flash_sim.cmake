# SPDX-License-Identifier: Apache-2.0
fcc_test(unit_flash_sim SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_flash_sim.c LIBS fcc_port cmocka)
