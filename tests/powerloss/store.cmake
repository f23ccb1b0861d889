# SPDX-License-Identifier: Apache-2.0
fcc_test(powerloss_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_powerloss.c
         LIBS fcc_store fcc_port cmocka LABELS powerloss TIMEOUT 600)
