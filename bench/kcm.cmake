# SPDX-License-Identifier: Apache-2.0
# KCM: programmed bytes per payload byte of a bundle transaction, call latencies, mount, list
# and factory reset times.
if(TARGET fcc_kcm)
  fcc_bench(bench_kcm SOURCES ${CMAKE_CURRENT_LIST_DIR}/kcm_bench.c LIBS fcc_kcm fcc_port)
endif()
