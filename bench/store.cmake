# SPDX-License-Identifier: Apache-2.0
fcc_bench(bench_store SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_bench.c LIBS fcc_store fcc_port)
