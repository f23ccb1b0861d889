# SPDX-License-Identifier: Apache-2.0
# KCM-level power loss: a bundle transaction and a factory reset cut at every flash operation.
if(TARGET fcc_kcm)
  fcc_test(powerloss_kcm SOURCES ${CMAKE_CURRENT_LIST_DIR}/kcm_powerloss.c
           LIBS fcc_kcm fcc_port cmocka LABELS powerloss TIMEOUT 300)
endif()
