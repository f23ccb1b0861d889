# SPDX-License-Identifier: Apache-2.0
# Corruption at rest (issue 19): a provisioned device's flash damaged bit by bit, by random
# flips and by erased program units, then mounted, listed, read and verified.
if(TARGET fcc_kcm)
  fcc_test(damage_sweep SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_damage_sweep.c
           LIBS fcc_core fcc_kcm fcc_ftcd fcc_port fcc_mbedtls fcc_cbor cmocka TIMEOUT 900)
endif()
# The format 1 image of tests/data/legacy-v1 mounted, read, verified and migrated to format 2.
if(TARGET fcc_kcm)
  fcc_test(store_legacy_v1 SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_legacy.c
           LIBS fcc_core fcc_kcm fcc_ftcd fcc_port fcc_mbedtls fcc_cbor cmocka)
endif()
# The engine's damage rules one by one (docs/store.md section 6).
fcc_test(unit_store_damage SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_store_damage.c
         LIBS fcc_store fcc_port cmocka)
