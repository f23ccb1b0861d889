# SPDX-License-Identifier: Apache-2.0
fcc_fuzz_target(store_mount SOURCE ${CMAKE_CURRENT_LIST_DIR}/store_mount.c LIBS fcc_store fcc_port)
