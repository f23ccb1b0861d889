# SPDX-License-Identifier: Apache-2.0
# Fuzz target of the factory-link frame parser (lib/ftcd); seeds in fuzz/corpus/ftcd/.
fcc_fuzz_target(ftcd SOURCE ${CMAKE_CURRENT_LIST_DIR}/ftcd.c LIBS fcc_ftcd)
