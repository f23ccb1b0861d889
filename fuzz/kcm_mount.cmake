# SPDX-License-Identifier: Apache-2.0
# Fuzz target of KCM over a corrupted flash image (mount, list, read, decrypt, walk chains).
# Seeds in fuzz/corpus/kcm_mount/ were written by the KCM_MOUNT_SEEDGEN build of the same file
# from tests/vectors/bundle/ok_full_bootstrap.1.cbor.
if(TARGET fcc_kcm)
  fcc_fuzz_target(kcm_mount SOURCE ${CMAKE_CURRENT_LIST_DIR}/kcm_mount.c
                  LIBS fcc_kcm fcc_store fcc_port)
endif()
